"""Translated labels for the codes stored in the database (stages, roles, unit kinds …).

Codes stay English in the database; users read these labels in their language.
"""
from flask_babel import lazy_gettext as _l

STAGE_LABELS = {
    "clue": _l("Key clue"),
    "negotiating": _l("Negotiating"),
    "signed": _l("Signed"),
    "started": _l("Started (landed)"),
    "completed": _l("Completed"),
    "production": _l("In production"),
    "stalled": _l("Stalled"),
    "dropped": _l("Dropped"),
}

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "bureau": _l("Bureau staff"),
    "unit": _l("Unit staff"),
    "department": _l("Department staff"),
    "leader": _l("Leader"),
}

UNIT_KIND_LABELS = {
    "bureau": _l("Investment Promotion Bureau"),
    "county": _l("County"),
    "district": _l("District"),
    "zone": _l("Development zone"),
    "town": _l("Town or street"),
    "department": _l("Municipal department"),
    "team": _l("Stationed team"),
    "special_team": _l("Special team"),
}

VERIFICATION_LABELS = {
    "not_required": _l("No verification needed"),
    "pending": _l("Awaiting verification"),
    "approved": _l("Verified"),
    "returned": _l("Returned"),
}

FLAG_LABELS = {
    "green": _l("Green: on track"),
    "yellow": _l("Yellow flag"),
    "red": _l("Red flag"),
}


#: What an audit entry records (portal.audit.record's action); unknown codes show as stored.
AUDIT_ACTION_LABELS = {
    "create": _l("Created"),
    "edit": _l("Changed"),
    "activate": _l("Activated"),
    "deactivate": _l("Deactivated"),
    "unlock": _l("Unlocked"),
    "reset_password": _l("Password reset"),
    "stage": _l("Stage changed"),
    "stage_correction": _l("Stage corrected"),
    "verify": _l("Verified"),
    "resubmit": _l("Resubmitted"),
    "milestone": _l("Milestone"),
    "progress": _l("Progress report"),
    "capital": _l("Capital in place"),
    "attachment": _l("Attachment"),
    "archive": _l("Archived"),
    "restore": _l("Restored"),
    "review": _l("Review"),
    "targets": _l("Targets"),
    "overdue": _l("Overdue"),
}

#: The kind of record an audit entry is about.
AUDIT_ENTITY_LABELS = {
    "project": _l("Project"),
    "unit": _l("Unit"),
    "user": _l("User"),
    "enterprise": _l("Enterprise"),
    "problem": _l("Problem"),
    "chain": _l("Industry chain"),
    "setting": _l("Setting"),
}


def label(mapping: dict, code) -> str:
    """The label for a code, or the code itself when unknown (never an error on a page)."""
    return str(mapping.get(code, code or ""))


def init_app(app) -> None:
    app.jinja_env.globals.update(
        STAGE_LABELS=STAGE_LABELS,
        ROLE_LABELS=ROLE_LABELS,
        UNIT_KIND_LABELS=UNIT_KIND_LABELS,
        VERIFICATION_LABELS=VERIFICATION_LABELS,
        FLAG_LABELS=FLAG_LABELS,
        AUDIT_ACTION_LABELS=AUDIT_ACTION_LABELS,
        AUDIT_ENTITY_LABELS=AUDIT_ENTITY_LABELS,
        label=label,
    )
