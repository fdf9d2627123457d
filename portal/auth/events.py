"""The sign-in log: every sign-in, failed sign-in, lockout, password change and session end,
kept in the database (sign_in_event, for the administrators' page) and written to the log as
one JSON line per event (for a log collector)."""
from __future__ import annotations

import json
import logging

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l

from portal.models import SignInEvent, User
from portal.models.fields import utcnow

log = logging.getLogger("portal.auth.events")

SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in_failed"
LOCKED = "locked"
PASSWORD_CHANGED = "password_changed"
SESSION_ENDED = "session_ended"
TWO_FACTOR_CHANGED = "two_factor_changed"
KIND_LABELS = {
    SIGN_IN: _l("Signed in"),
    SIGN_IN_FAILED: _l("Sign-in failed"),
    LOCKED: _l("Account locked"),
    PASSWORD_CHANGED: _l("Password changed"),
    SESSION_ENDED: _l("Session ended"),
    TWO_FACTOR_CHANGED: _l("Two-factor login changed"),
}
DETAIL_LABELS = {
    "locked": _l("account locked"),
    "throttled": _l("too many attempts"),
    "busy": _l("too many sign-ins at once"),
    "inactive": _l("deactivated account"),
    "self": _l("by the user"),
    "administrator": _l("by an administrator"),
    "command line": _l("on the command line"),
    "logout": _l("logged out"),
    "everywhere": _l("logged out everywhere"),
    "password": _l("password changed"),
    "idle": _l("idle too long"),
    "lifetime": _l("lifetime reached"),
    "second factor": _l("wrong two-factor code"),
    "enabled": _l("turned on"),
    "disabled": _l("turned off"),
    "reset": _l("reset by an administrator"),
}


def record(kind: str, user: User | None = None, username: str = "", detail: str = "") -> SignInEvent:
    """Store and log one event; ``username`` is what was typed when no such user exists."""
    address, agent = "", ""
    if has_request_context():
        address, agent = (request.remote_addr or "")[:45], request.user_agent.string[:255]
    event = SignInEvent.create(at=utcnow(), kind=kind, user=user.id if user else None,
                               username=(user.username if user else username)[:64], detail=detail[:32],
                               source_address=address, user_agent=agent)
    log.info(json.dumps({"event": kind, "at": event.at.isoformat() + "Z", "user_id": user.id if user else None,
                         "username": event.username, "detail": detail, "source_address": address,
                         "user_agent": agent}, ensure_ascii=False))
    return event


# Checked in this order: Edge and Opera also say "Chrome", Chrome also says "Safari".
_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
             ("Version/", "Safari"))
_SYSTEMS = (("Windows", "Windows"), ("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iOS"),
            ("Mac OS X", "macOS"), ("Linux", "Linux"))


def browser_summary(agent: str) -> str:
    """A user-agent string as an administrator reads it ("Chrome 156 · Windows"); the raw string
    when it names no browser this knows (a script, an old client). Shown with the full string
    as its title, so nothing is hidden."""
    browser = next(((name, agent.split(marker, 1)[1].split(".", 1)[0]) for marker, name in _BROWSERS
                    if marker in agent), None)
    if browser is None:
        return agent
    system = next((name for marker, name in _SYSTEMS if marker in agent), "")
    text = f"{browser[0]} {browser[1]}".strip()
    return f"{text} · {system}" if system else text
