"""Server-side sessions and the sign-in log (authentication events).

A session cookie only names a row here: logging out ends the row, so a copy of the cookie
stops working; the rows live in the database because several processes and machines serve
the portal.
"""
import peewee

from portal.db import BaseModel
from portal.models.fields import utcnow
from portal.models.org import User


class UserSession(BaseModel):
    # SHA-256 of the random token in the (signed) session cookie: a copy of the table alone
    # cannot be turned into a working cookie.
    token_hash = peewee.CharField(max_length=64, unique=True)
    user = peewee.ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    created_at = peewee.DateTimeField(default=utcnow)
    last_seen_at = peewee.DateTimeField(default=utcnow)
    ended_at = peewee.DateTimeField(null=True)
    end_reason = peewee.CharField(max_length=16, default="")  # logout, idle, lifetime, everywhere, password
    source_address = peewee.CharField(max_length=45, default="")
    user_agent = peewee.CharField(max_length=255, default="")

    class Meta:
        table_name = "user_session"
        indexes = ((("user", "ended_at"), False),)


class SignInEvent(BaseModel):
    """One sign-in, failed sign-in, lockout, password change or session end."""

    at = peewee.DateTimeField(default=utcnow, index=True)
    kind = peewee.CharField(max_length=24)
    # None for a failed sign-in with an unknown name; ``username`` keeps what was typed.
    user = peewee.ForeignKeyField(User, null=True, backref="sign_in_events", on_delete="CASCADE")
    username = peewee.CharField(max_length=64, default="")
    detail = peewee.CharField(max_length=32, default="")  # e.g. why a session ended, who changed a password
    source_address = peewee.CharField(max_length=45, default="")
    user_agent = peewee.CharField(max_length=255, default="")

    class Meta:
        table_name = "sign_in_event"
        indexes = ((("user", "at"), False),)


class LoginThrottle(BaseModel):
    """Failed sign-ins counted under one key: "pair:<username>|<address>", "addr:<address>"
    or "user:<id>" (portal/auth/throttle.py)."""
    key = peewee.CharField(max_length=160, unique=True)
    failures = peewee.IntegerField(default=0)
    last_failed_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "login_throttle"
