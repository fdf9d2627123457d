"""Old sign-in rows cleared away: sessions that ran out but were never used again, ended
sessions past their keeping time, and login-throttle counters that have been forgotten.

Without this the session and throttle tables only grow (a session is ended when its cookie
comes back, and a throttle row is dropped when that account next signs in). The sign-in
log (``sign_in_event``) is the record of who signed in, so it is kept. Run by
`portal db prune` (from cron) and once a day per process on the first request.
"""
from __future__ import annotations

import datetime as dt

from flask import current_app

from portal.auth import sessions, throttle
from portal.models import LoginThrottle, UserSession
from portal.models.fields import utcnow


#: How long an ended session stays listed (a user's own sessions page, investigations).
KEEP_ENDED_DAYS = 90


def prune(now: dt.datetime | None = None, keep_days: int = KEEP_ENDED_DAYS) -> dict[str, int]:
    """End the sessions past their lifetime or idle time (each noted in the sign-in log), delete
    sessions ended more than ``keep_days`` ago and forgotten throttle counters; the counts."""
    now = now or utcnow()
    config = current_app.config
    lifetime = dt.timedelta(minutes=config["SESSION_LIFETIME_MINUTES"])
    idle = dt.timedelta(minutes=config["SESSION_IDLE_MINUTES"])
    ended = (sessions.end_where(UserSession.created_at <= now - lifetime, "lifetime", now)
             + sessions.end_where(UserSession.last_seen_at <= now - idle, "idle", now))
    deleted = UserSession.delete().where(
        UserSession.ended_at.is_null(False) & (UserSession.ended_at < now - dt.timedelta(days=keep_days))).execute()
    forgotten = LoginThrottle.delete().where(LoginThrottle.last_failed_at < now - throttle.FORGET_AFTER).execute()
    return {"sessions_ended": ended, "sessions_deleted": deleted, "throttle_rows_deleted": forgotten}

