"""Translated labels for the sourcing feature's codes."""
from flask_babel import lazy_gettext as _l

from portal.labels import form_field_labels

CONTACT_KIND_LABELS = {
    "visit": _l("Visit"),
    "call": _l("Phone call"),
    "meeting": _l("Meeting"),
    "leader_visit": _l("Leader's visit"),
    "letter": _l("Letter"),
}

EVENT_KIND_LABELS = {
    "expo": _l("Expo"),
    "conference": _l("Promotion conference"),
    "signing": _l("Signing ceremony"),
    "online": _l("Online meeting"),
    "other": _l("Other"),
}

EVENT_ROLE_LABELS = {
    "signed": _l("Signed at the event"),
    "sourced": _l("Sourced at the event"),
}

CREDIT_KIND_LABELS = {
    "host": _l("Host unit"),
    "team": _l("Stationed team"),
    "unit": _l("Another unit"),
    "chamber": _l("Chamber of commerce"),
    "investor": _l("Existing investor"),
}

QUOTA_METRIC_LABELS = {"clues": _l("New clues"), "visits": _l("Visits")}
QUOTA_SPAN_LABELS = {"week": _l("per week"), "month": _l("per month")}

AUDIT_ACTIONS = {
    "credit": _l("Credit shares set"),
    "team_plan": _l("Team quotas and regions set"),
    "contact_create": _l("Contact logged"),
    "contact_edit": _l("Contact corrected"),
    "contact_delete": _l("Contact deleted"),
    "contact_file_add": _l("File added to a contact"),
    "contact_file_remove": _l("File removed from a contact"),
    "event_create": _l("Event created"),
    "event_edit": _l("Event edited"),
    "event_link": _l("Project linked to an event"),
    "event_unlink": _l("Project unlinked from an event"),
}
AUDIT_ENTITIES = {"contact": _l("Contact"), "promotion_event": _l("Promotion event")}


def history_labels() -> dict:
    """This feature's audit actions, entities, field names and value codes (``portal_history_labels``)."""
    from portal.sourcing import forms  # here: portal.sourcing.forms imports this module

    fields: dict = {}
    for labels in [form_field_labels(form) for form in (forms.ContactForm, forms.EventForm, forms.EventProjectForm)] + [
            {"credit": _l("Credit"), "credit_set": _l("Set by the bureau"), "quotas": _l("Quotas"),
             "regions": _l("Regions"), "contact_kind": _l("Kind of contact"), "event_kind": _l("Kind of event"),
             "at_event": _l("At the event"), "promotion_event": _l("Promotion event"),
             "units": _l("Participating units"), "file_size": _l("Size (bytes)"), "file_type": _l("Type of file"),
             "added_by": _l("Added by"), "added_at": _l("Added on")}]:
        for name, text in labels.items():
            fields.setdefault(name, text)  # the first form's label of a field
    return {"actions": AUDIT_ACTIONS, "entities": AUDIT_ENTITIES, "fields": fields,
            "values": {"contact_kind": CONTACT_KIND_LABELS, "event_kind": EVENT_KIND_LABELS,
                       "at_event": EVENT_ROLE_LABELS}}
