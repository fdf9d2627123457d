"""Server-side sessions: the session cookie carries a random token naming a UserSession row.

Logging out ends the row, so a copied cookie stops working. A session also ends after
SESSION_LIFETIME_MINUTES however active it is, and after SESSION_IDLE_MINUTES without a
request from its user. To spare the database a write on every request, ``last_seen_at`` is
moved forward at most once a minute (the idle limit is therefore exact to a minute).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import current_app, request, session

from portal.auth import events
from portal.models import User, UserSession
from portal.models.fields import utcnow

SESSION_KEY = "sid"
LAST_SEEN_STEP = dt.timedelta(minutes=1)


def passive(view):
    """Mark a view that the page calls by itself (a poll): it keeps no session alive."""
    view.passive_request = True
    return view


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def client_address() -> str:
    return (request.remote_addr or "")[:45]


def client_agent() -> str:
    return request.user_agent.string[:255]


def start(user: User) -> None:
    """A new session for ``user`` (just logged in), named in the session cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    UserSession.create(token_hash=_hash(token), user=user.id, created_at=now, last_seen_at=now,
                       source_address=client_address(), user_agent=client_agent())
    session[SESSION_KEY] = token


def current_token_hash() -> str | None:
    """The hash naming this request's session row, or None when the cookie names no session."""
    token = session.get(SESSION_KEY)
    return _hash(token) if isinstance(token, str) else None


def _current_row() -> UserSession | None:
    token_hash = current_token_hash()
    return None if token_hash is None else UserSession.get_or_none(UserSession.token_hash == token_hash)


def _expiry_reason(row: UserSession, now: dt.datetime) -> str | None:
    config = current_app.config
    if now - row.created_at >= dt.timedelta(minutes=config["SESSION_LIFETIME_MINUTES"]):
        return "lifetime"
    if now - row.last_seen_at >= dt.timedelta(minutes=config["SESSION_IDLE_MINUTES"]):
        return "idle"
    return None


def validate(user: User, row: UserSession | None) -> tuple[bool, str | None]:
    """Whether this request's session of ``user`` (``row``, read with the user: see
    ``current_token_hash``) is still open; ``(False, reason)`` when it ended just now (idle or
    lifetime), ``(False, None)`` when it ended before or never was."""
    if row is None or row.user_id != user.id or row.ended_at is not None:
        return False, None
    now = utcnow()
    reason = _expiry_reason(row, now)
    if reason:
        _end_rows(UserSession.id == row.id, reason, now)
        return False, reason
    view = current_app.view_functions.get(request.endpoint)
    if now - row.last_seen_at >= LAST_SEEN_STEP and not getattr(view, "passive_request", False):
        UserSession.update(last_seen_at=now).where(UserSession.id == row.id).execute()
    return True, None


def end_current(reason: str) -> UserSession | None:
    """End this request's session (logout); the row it was, if any."""
    row = _current_row()
    if row is not None and row.ended_at is None:
        _end_rows(UserSession.id == row.id, reason, utcnow())
    session.pop(SESSION_KEY, None)
    return row


def end_all(user: User, reason: str, keep_current: bool = False) -> int:
    """End every open session of ``user`` (logout everywhere, password change); how many."""
    condition = (UserSession.user == user.id)
    current = _current_row() if keep_current else None
    if current is not None:
        condition &= (UserSession.id != current.id)
    return _end_rows(condition, reason, utcnow())


def end_where(condition, reason: str, now: dt.datetime | None = None) -> int:
    """End the open sessions matching ``condition`` (housekeeping), each noted in the sign-in log."""
    return _end_rows(condition, reason, now or utcnow())


def _end_rows(condition, reason: str, now: dt.datetime) -> int:
    """End the open sessions matching ``condition``, each one noted in the sign-in log."""
    rows = list(UserSession.select(UserSession.id, UserSession.user)
                .where(condition & UserSession.ended_at.is_null()))
    if not rows:
        return 0
    UserSession.update(ended_at=now, end_reason=reason).where(
        UserSession.id.in_([row.id for row in rows]) & UserSession.ended_at.is_null()).execute()
    users = {user.id: user for user in User.select().where(User.id.in_({row.user_id for row in rows}))}
    for row in rows:
        events.record(events.SESSION_ENDED, users.get(row.user_id), detail=reason)
    return len(rows)
