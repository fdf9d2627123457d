"""Translated labels for the codes stored in the database (stages, roles, unit kinds …).

Codes stay English in the database; users read these labels in their language.
"""
from dataclasses import dataclass

import peewee
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

from portal.db import database
from portal.models import AuditLog, Unit, User
from portal.web import per_request

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
    "targets": _l("Targets"),
    "overdue": _l("Overdue"),
    "enable_two_factor": _l("Two-factor login turned on"),
    "disable_two_factor": _l("Two-factor login turned off"),
    "reset_two_factor": _l("Two-factor login reset"),
    "use_recovery_code": _l("Recovery code used"),
    "revoke": _l("Revoked"),
}

#: The kind of record an audit entry is about.
AUDIT_ENTITY_LABELS = {
    "project": _l("Project"),
    "unit": _l("Unit"),
    "user": _l("User"),
    "enterprise": _l("Enterprise"),
    "problem": _l("Problem"),
    "chain": _l("Industry chain"),
    "industry": _l("Industry"),
    "industry_link": _l("Chain link"),
    "setting": _l("Setting"),
    "api_token": _l("API token"),
}


#: What the history calls a recorded field (audit entries store field names). Features add the
#: labels of their forms through ``portal_history_labels`` (never overriding); unknown names show
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

#: Fields whose stored codes have labels of their own (features add more through the hook).
VALUE_LABELS = {"stage": STAGE_LABELS, "to_stage": STAGE_LABELS, "from_stage": STAGE_LABELS,
                "verification": VERIFICATION_LABELS, "flag": FLAG_LABELS, "role": ROLE_LABELS}


@dataclass(frozen=True)
class HistoryLabels:
    """What the history and the audit log call recorded actions, kinds of record, fields and
    stored codes: the core's tables above, then what each feature answers ``portal_history_labels``."""

    actions: dict
    entities: dict
    fields: dict
    values: dict  # field -> {code: label}, or a function of the code


#: Where an application keeps its labels (``app.extensions``).
HISTORY_LABELS_KEY = "portal_history_labels"
_CORE_LABELS = HistoryLabels(AUDIT_ACTION_LABELS, AUDIT_ENTITY_LABELS, FIELD_LABELS, VALUE_LABELS)


def history_labels() -> HistoryLabels:
    """The current application's labels, gathered once per application (its plugins are fixed
    when it starts). A label a plugin registered earlier gave is kept (the core's first)."""
    if not has_app_context():
        return _CORE_LABELS
    found = current_app.extensions.get(HISTORY_LABELS_KEY)
    if found is None:
        from portal import plugins  # a cycle: plugins -> hookspecs -> flag_reasons -> labels

        found = HistoryLabels(dict(AUDIT_ACTION_LABELS), dict(AUDIT_ENTITY_LABELS), dict(FIELD_LABELS),
                              dict(VALUE_LABELS))
        answers = plugins.call_with_plugins("portal_history_labels")[0]
        for _plugin, answer in reversed(answers):  # pluggy calls the last registered first
            for table in ("actions", "entities", "fields", "values"):
                for code, text in answer.get(table, {}).items():
                    getattr(found, table).setdefault(code, text)
        current_app.extensions[HISTORY_LABELS_KEY] = found
    return found


def action_label(code: str) -> str:
    return label(history_labels().actions, code)


def entity_label(code: str) -> str:
    return label(history_labels().entities, code)


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
    return label(history_labels().fields, name)


#: Recorded fields that hold another record's id, and the table whose name to show for it
#: (entries written before names were stored, and plain ids such as a transfer's units).
REFERENCE_FIELDS = {"unit": "unit", "assigned_unit": "unit", "responsible_unit": "unit", "source_team": "unit",
                    "parent": "unit", "special_team": "unit", "from_unit": "unit", "to_unit": "unit",
                    "leader": "user", "created_by": "user", "verified_by": "user", "by": "user"}


def _reference_names(table: str) -> dict:
    """``{id: name}`` of every unit or user: read once per process and again when the names may
    have changed (a stamp read once per request: see ``_names_stamp``)."""
    if not has_app_context():
        return _read_names(table)
    stamp = per_request("labels.names_stamp", _names_stamp)
    store = current_app.extensions.setdefault("labels.reference_names", {})
    known = store.get(table)
    if known is None or known[0] != stamp:
        known = (stamp, _read_names(table))
        store[table] = known  # one assignment: a thread reading meanwhile sees the old or the new pair
    return known[1]


def _read_names(table: str) -> dict:
    if table == "unit":
        return dict(Unit.select(Unit.id, Unit.name).tuples())
    return {uid: display or username
            for uid, display, username in User.select(User.id, User.display_name, User.username).tuples()}


def _names_stamp() -> tuple:
    """Changes whenever a unit or user is added or renamed: renames are audited (the admin pages,
    portal.audit), additions raise the highest id. One query of indexed maxima."""
    highest = [model.select(peewee.fn.MAX(model.id)) for model in (AuditLog, Unit, User)]
    return tuple(database.execute(peewee.Select(columns=highest)).fetchone())


def _referenced_name(name: str, value) -> str | None:
    """The name of the record a reference field's value points at, when it can be told."""
    table = REFERENCE_FIELDS.get(name)
    if table is None:
        return None
    if isinstance(value, dict):
        stored, ref = str(value.get("name", "")), value.get("id")
        if stored and stored != str(ref):  # the name stored with the entry is the one people read then
            return stored
        value = ref
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        return None
    return _reference_names(table).get(int(value))


def audit_value(name: str, value) -> str:
    """A recorded value as people read it: a related record's name, a stage's label, yes/no."""
    from flask_babel import gettext as _

    if value is None or value == "":
        return "—"
    if (referenced := _referenced_name(name, value)) is not None:
        return referenced
    if isinstance(value, dict) and "name" in value:
        return str(value["name"])
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    values = history_labels().values
    if name in values and isinstance(value, str):
        labels = values[name]
        return labels(value) if callable(labels) else label(labels, value)
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
        history_labels=history_labels,
        action_label=action_label,
        entity_label=entity_label,
        label=label,
        field_label=field_label,
        audit_value=audit_value,
    )
