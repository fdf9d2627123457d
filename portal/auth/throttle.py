"""Login throttling, kept in the database (login_throttle) so every process sees it.

Failures are counted under three keys, each with growing delays (2, 4, 8 … s) once its
threshold is reached:
- per (username, source address), after LOGIN_SLOW_AFTER failures, up to LOGIN_MAX_DELAY_SECONDS:
  the brake on one attacker guessing one password;
- per source address over all usernames (unknown ones too), after LOGIN_ADDRESS_SLOW_AFTER, up
  to LOGIN_MAX_DELAY_SECONDS: stops spraying and floods before any password is hashed;
- per account over all addresses, after LOGIN_ACCOUNT_SLOW_AFTER, up to only
  LOGIN_ACCOUNT_MAX_DELAY_SECONDS: anyone can cause it, so it must never lock the owner out.
A success clears the pair and the account; an administrator's unlock clears the account and
all its pairs. Counters untouched for a day start again and their rows are deleted.
"""
import datetime as dt
import threading
from contextlib import contextmanager

import peewee
from flask import current_app, request

from portal.db import backend
from portal.models import LoginThrottle, User
from portal.models.fields import utcnow

#: Counters whose last failure is older than this start from zero again.
FORGET_AFTER = dt.timedelta(days=1)


def keys_for(username: str, user: User | None) -> list[str]:
    """The counters one sign-in attempt is checked against and counts towards."""
    address = (request.remote_addr or "")[:45]
    keys = [f"pair:{username[:64]}|{address}", f"addr:{address}"]
    if user is not None:
        keys.append(f"user:{user.id}")
    return keys


def _delay(failures: int, slow_after: int, cap: int) -> int:
    if failures < slow_after:
        return 0
    return min(2 ** min(failures - slow_after + 1, 20), cap)


def _rule(key: str) -> tuple[int, int]:
    """(slow after, maximum delay) of a key's kind."""
    config = current_app.config
    if key.startswith("user:"):
        return config["LOGIN_ACCOUNT_SLOW_AFTER"], config["LOGIN_ACCOUNT_MAX_DELAY_SECONDS"]
    if key.startswith("addr:"):
        return config["LOGIN_ADDRESS_SLOW_AFTER"], config["LOGIN_MAX_DELAY_SECONDS"]
    return config["LOGIN_SLOW_AFTER"], config["LOGIN_MAX_DELAY_SECONDS"]


def _wait_of(row: LoginThrottle, now: dt.datetime) -> int:
    if row.last_failed_at < now - FORGET_AFTER:
        return 0
    ready_at = row.last_failed_at + dt.timedelta(seconds=_delay(row.failures, *_rule(row.key)))
    return int((ready_at - now).total_seconds()) + 1 if ready_at > now else 0


def seconds_to_wait(keys: list[str], now: dt.datetime | None = None) -> int:
    """How long before the next attempt under these keys (0: may try now)."""
    now = now or utcnow()
    rows = LoginThrottle.select().where(LoginThrottle.key.in_(keys))
    return max((_wait_of(row, now) for row in rows), default=0)


def record_failure(keys: list[str]) -> None:
    """Count a failure under each key in one statement per key, safe when processes fail at once."""
    now = utcnow()
    counted = peewee.Case(None, [(LoginThrottle.last_failed_at < now - FORGET_AFTER, 1)], LoginThrottle.failures + 1)
    # MySQL's ON DUPLICATE KEY UPDATE names no conflict target (the unique key decides); its
    # assignments run in order, so the count reads the last failure before it is replaced.
    target = {} if backend() == "mysql" else {"conflict_target": [LoginThrottle.key]}
    for key in keys:
        (LoginThrottle.insert(key=key, failures=1, last_failed_at=now)
         .on_conflict(**target, update={LoginThrottle.failures: counted, LoginThrottle.last_failed_at: now})
         .execute())


def record_success(user: User, keys: list[str]) -> None:
    """The pair and the account start again (not the address: it may be spraying)."""
    LoginThrottle.delete().where(LoginThrottle.key.in_([k for k in keys if not k.startswith("addr:")])).execute()
    LoginThrottle.delete().where(LoginThrottle.last_failed_at < utcnow() - FORGET_AFTER).execute()
    User.update(last_login_at=utcnow()).where(User.id == user.id).execute()


def unlock(user: User) -> None:
    """Forget the account's failures and those of its (username, address) pairs
    (administrators and `portal users unlock`)."""
    pairs = LoginThrottle.key.startswith(f"pair:{user.username}|")
    LoginThrottle.delete().where((LoginThrottle.key == f"user:{user.id}") | pairs).execute()


def accounts_with_failures() -> dict[int, int]:
    """For the administrators' list: account id -> seconds it is slowed down (0: failures only)."""
    now = utcnow()
    rows = LoginThrottle.select().where(LoginThrottle.key.startswith("user:"))
    return {int(row.key.removeprefix("user:")): _wait_of(row, now) for row in rows}


@contextmanager
def hashing_slot():
    """Yield True when one of the process's LOGIN_MAX_CONCURRENT_HASHES slots for a password
    check is free within LOGIN_HASH_WAIT_SECONDS, else False: a flood of logins cannot take
    every CPU of the portal."""
    slots = current_app.extensions["login_hash_slots"]
    got = slots.acquire(timeout=float(current_app.config["LOGIN_HASH_WAIT_SECONDS"]))
    try:
        yield got
    finally:
        if got:
            slots.release()


def init_app(app) -> None:
    app.extensions["login_hash_slots"] = threading.BoundedSemaphore(int(app.config["LOGIN_MAX_CONCURRENT_HASHES"]))
