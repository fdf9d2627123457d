"""Login throttling per account, kept in the database so every process sees it.

After LOGIN_SLOW_AFTER failures each further attempt must wait longer (2, 4, 8 … s);
after LOGIN_LOCK_AFTER failures the account is locked for LOGIN_LOCK_MINUTES.
A successful login, the passing of time or an administrator lifts it.
"""
import datetime as dt

from flask import current_app

from portal.models import User
from portal.models.fields import utcnow


def seconds_to_wait(user: User, now: dt.datetime | None = None) -> int:
    """How long this account must wait before the next attempt (0: may try now)."""
    now = now or utcnow()
    if user.locked_until and user.locked_until > now:
        return int((user.locked_until - now).total_seconds()) + 1
    slow_after = current_app.config["LOGIN_SLOW_AFTER"]
    if user.failed_logins >= slow_after and user.last_failed_at:
        # Doubling, capped at the lock duration (failures can pile up over time).
        delay = min(2 ** min(user.failed_logins - slow_after + 1, 20),
                    current_app.config["LOGIN_LOCK_MINUTES"] * 60)
        ready_at = user.last_failed_at + dt.timedelta(seconds=delay)
        if ready_at > now:
            return int((ready_at - now).total_seconds()) + 1
    return 0


def is_locked(user: User) -> bool:
    return bool(user.locked_until and user.locked_until > utcnow())


def record_failure(user: User) -> None:
    """Count a failed attempt atomically (two processes may fail at once)."""
    now = utcnow()
    User.update(failed_logins=User.failed_logins + 1, last_failed_at=now).where(User.id == user.id).execute()
    user.failed_logins = User.get_by_id(user.id).failed_logins
    if user.failed_logins >= current_app.config["LOGIN_LOCK_AFTER"]:
        until = now + dt.timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
        User.update(locked_until=until).where(User.id == user.id).execute()
        user.locked_until = until


def record_success(user: User) -> None:
    User.update(failed_logins=0, last_failed_at=None, locked_until=None, last_login_at=utcnow()).where(
        User.id == user.id
    ).execute()


def unlock(user: User) -> None:
    """Lift a lock and forget the failures (administrators and `portal users unlock`)."""
    User.update(failed_logins=0, last_failed_at=None, locked_until=None).where(User.id == user.id).execute()
