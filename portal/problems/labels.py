"""Translated labels for the problem feature's codes."""
import functools

from flask_babel import lazy_gettext as _l

from portal import choice_lists

CATEGORY_LABELS = {
    "approvals": _l("Approvals and procedures"),
    "land": _l("Land"),
    "utilities": _l("Power, water and gas"),
    "labour": _l("Labour"),
    "financing": _l("Financing"),
    "construction": _l("Construction"),
    "policy": _l("Policy fulfilment"),
    "other": _l("Other"),
}

PRIORITY_LABELS = {
    "normal": _l("Normal"),
    "high": _l("High"),
    "urgent": _l("Urgent"),
}

STATE_LABELS = {
    "open": _l("Open"),
    "handling": _l("Being handled"),
    "resolved": _l("Resolved, awaiting confirmation"),
    "closed": _l("Closed"),
    "reopened": _l("Reopened"),
}

RESPONSE_KIND_LABELS = {
    "answer": _l("Answer"),
    "handover": _l("Handed over"),
    "state": _l("State changed"),
}

COMMITMENT_KIND_LABELS = {
    "incentive": _l("Incentive"),
    "land": _l("Land"),
    "infrastructure": _l("Infrastructure"),
    "approval_time": _l("Approval time"),
    "other": _l("Other"),
}

#: Buttons for the state actions.
ACTION_LABELS = {
    "handle": _l("Start handling"),
    "resolve": _l("Mark resolved"),
    "close": _l("Confirm closed"),
    "reopen": _l("Reopen"),
}

#: Audit actions this feature writes (on the problem or commitment, and on the project).
AUDIT_ACTIONS = {
    "answer": _l("Answered"),
    "handover": _l("Handed over"),
    "handle": _l("Handling started"),
    "resolve": _l("Resolved"),
    "close": _l("Closed"),
    "reopen": _l("Reopened"),
    "fulfil": _l("Commitment fulfilled"),
    "problem_create": _l("Problem raised"),
    "problem_answer": _l("Problem answered"),
    "problem_handover": _l("Problem handed over"),
    "problem_handle": _l("Problem being handled"),
    "problem_resolve": _l("Problem resolved"),
    "problem_close": _l("Problem closed"),
    "problem_reopen": _l("Problem reopened"),
    "commitment_create": _l("Commitment recorded"),
    "commitment_fulfil": _l("Commitment fulfilled"),
}
AUDIT_ENTITIES = {"problem": _l("Problem"), "commitment": _l("Commitment")}


def history_labels() -> dict:
    """This feature's audit actions, entities, field names and value codes (``portal_history_labels``)."""
    from portal.labels import form_field_labels
    from portal.problems import forms  # here: portal.problems.forms imports this module

    fields: dict = {}
    for labels in [form_field_labels(form) for form in (forms.ProblemForm, forms.StateForm, forms.HandoverForm,
                                                        forms.CommitmentForm, forms.FulfilForm)] + [
            {"state": _l("State"), "problem": _l("Problem"), "commitment": _l("Commitment"),
             "projects": _l("Projects")}]:
        for name, text in labels.items():
            fields.setdefault(name, text)  # the first form's label of a field
    return {"actions": AUDIT_ACTIONS, "entities": AUDIT_ENTITIES, "fields": fields,
            "values": {"category": functools.partial(choice_lists.label, "problem_category"),
                       "priority": PRIORITY_LABELS, "state": STATE_LABELS, "kind": COMMITMENT_KIND_LABELS}}
