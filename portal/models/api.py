"""API tokens: a user's keys for scripts and other systems (portal/api)."""
import peewee

from portal.db import BaseModel
from portal.models.fields import utcnow
from portal.models.org import User


class ApiToken(BaseModel):
    """One token. The secret itself is shown once and never stored: ``token_hash`` is its SHA-256
    (the secret is 256 random bits, so no slow hash is needed to resist guessing, and a fast one
    lets every request look the token up by an index). ``prefix`` names the token in lists."""

    user = peewee.ForeignKeyField(User, backref="api_tokens", on_delete="CASCADE")
    name = peewee.CharField(max_length=100)
    token_hash = peewee.CharField(max_length=64, unique=True)
    prefix = peewee.CharField(max_length=16)
    read_only = peewee.BooleanField(default=True)
    created_at = peewee.DateTimeField(default=utcnow)
    expires_at = peewee.DateTimeField()
    last_used_at = peewee.DateTimeField(null=True)
    revoked_at = peewee.DateTimeField(null=True)
    revoked_by = peewee.ForeignKeyField(User, null=True, backref="revoked_api_tokens", on_delete="SET NULL")
    # The rate limit, counted here so that every process of the portal counts the same requests:
    # the minute being counted (seconds since the epoch // 60) and the requests in it.
    rate_window = peewee.BigIntegerField(null=True)
    rate_count = peewee.IntegerField(default=0)

    class Meta:
        table_name = "api_token"
        indexes = ((("user", "revoked_at"), False),)
