"""Translated labels for the problem feature's codes."""
from flask_babel import lazy_gettext as _l

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
