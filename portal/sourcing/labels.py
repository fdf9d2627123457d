"""Translated labels for the sourcing feature's codes."""
from flask_babel import lazy_gettext as _l

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

AUDIT_ACTIONS = {
    "contact_create": _l("Contact logged"),
    "contact_edit": _l("Contact corrected"),
    "contact_delete": _l("Contact deleted"),
    "event_create": _l("Event created"),
    "event_edit": _l("Event edited"),
    "event_link": _l("Project linked to an event"),
    "event_unlink": _l("Project unlinked from an event"),
}
AUDIT_ENTITIES = {"contact": _l("Contact"), "promotion_event": _l("Promotion event")}


def register_audit_labels() -> None:
    """Add this feature's audit actions, entities and field names to the shared label tables."""
    from portal.labels import AUDIT_ACTION_LABELS, AUDIT_ENTITY_LABELS, form_field_labels, register_field_labels
    from portal.sourcing import forms

    for code, text in AUDIT_ACTIONS.items():
        AUDIT_ACTION_LABELS.setdefault(code, text)
    for code, text in AUDIT_ENTITIES.items():
        AUDIT_ENTITY_LABELS.setdefault(code, text)
    for form in (forms.ContactForm, forms.EventForm, forms.EventProjectForm):
        register_field_labels(form_field_labels(form))
