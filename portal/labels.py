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

#: An investor's class flags (portal.models.INVESTOR_CLASSES).
INVESTOR_CLASS_LABELS = {
    "fortune_global_500": _l("Fortune Global 500"),
    "china_500": _l("China 500"),
    "china_private_500": _l("China private 500"),
    "central_soe": _l("Central SOE"),
    "foreign_invested": _l("Foreign-invested"),
    "listed": _l("Listed company"),
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


#: What the history calls a recorded field (audit entries store field names). Features add the
#: labels of their forms with ``register_field_labels`` (never overriding); unknown names show
#: as stored.
FIELD_LABELS = {
    "name": _l("Name"),
    "stage": _l("Stage"),
    "on_date": _l("Date"),
    "verification": _l("Verification"),
    "archived": _l("Archived"),
    "version": _l("Version"),
    "note": _l("Note"),
    "reason": _l("Reason"),
    "credit_code": _l("Unified social credit code"),
    "enterprise": _l("Investor enterprise"),
    "attachment": _l("Attachment"),
    "capital_in_place": _l("Capital in place"),
    "milestone": _l("Milestone"),
    "planned_on": _l("Planned date"),
    "actual_on": _l("Actual date"),
    "week": _l("Week"),
    "review_decision": _l("Review decision"),
    "flag": _l("Flag"),
    "unit": _l("Unit"),
    "role": _l("Role"),
    "active": _l("Active"),
}

#: Fields whose stored codes have labels of their own (``register_value_labels`` adds more).
VALUE_LABELS = {"stage": STAGE_LABELS, "to_stage": STAGE_LABELS, "from_stage": STAGE_LABELS,
                "verification": VERIFICATION_LABELS, "flag": FLAG_LABELS, "role": ROLE_LABELS}


def register_field_labels(labels: dict) -> None:
    """Add field labels for the history (a feature's form fields); existing ones are kept."""
    for name, text in labels.items():
        FIELD_LABELS.setdefault(name, text)


def register_value_labels(field: str, labels: dict) -> None:
    """Labels for the codes a feature stores in a field (e.g. a problem's state); kept if present."""
    VALUE_LABELS.setdefault(field, labels)


def form_field_labels(form_class) -> dict:
    """``{field name: label}`` of a WTForms form class's fields (hidden fields left out)."""
    from wtforms import HiddenField
    from wtforms.fields.core import UnboundField

    labels = {}
    for name in dir(form_class):
        field = getattr(form_class, name, None)
        if not isinstance(field, UnboundField) or issubclass(field.field_class, HiddenField):
            continue
        text = field.kwargs.get("label", field.args[0] if field.args else None)
        if text:
            labels[name] = text
    return labels


def field_label(name: str) -> str:
    return label(FIELD_LABELS, name)


def audit_value(name: str, value) -> str:
    """A recorded value as people read it: a related record's name, a stage's label, yes/no."""
    from flask_babel import gettext as _

    if value is None or value == "":
        return "—"
    if isinstance(value, dict) and "name" in value:
        return str(value["name"])
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name in VALUE_LABELS and isinstance(value, str):
        return label(VALUE_LABELS[name], value)
    if isinstance(value, list):
        return ", ".join(audit_value(name, v) for v in value)
    return str(value)


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
        field_label=field_label,
        audit_value=audit_value,
    )
