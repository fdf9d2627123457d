"""API tokens: issuing (the secret shown once), looking up by hash, revoking, and the per-token
rate limit counted in the database (several processes serve the portal)."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from dataclasses import dataclass

from flask import current_app

from portal.models import ApiToken, User
from portal.models.fields import utcnow

#: Every secret starts with this, so a leaked one is recognisable (secret scanners, logs).
SECRET_PREFIX = "ipt_"
#: How many days a token may live at most, and what the form proposes.
MAX_DAYS = 366
DEFAULT_DAYS = 90
DEFAULT_RATE_LIMIT = 120  # requests per token and minute (PORTAL_API_RATE_LIMIT)


def hash_secret(secret: str) -> str:
    """SHA-256 of the secret. The secret holds 256 random bits, so nobody can guess it from the
    hash and a slow password hash would only cost every request time."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass
class Issued:
    token: ApiToken
    secret: str  # shown once, never stored


def issue(user: User, name: str, days: int, read_only: bool) -> Issued:
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.create(user=user, name=name.strip(), token_hash=hash_secret(secret), prefix=secret[:10],
                            read_only=read_only, expires_at=utcnow() + dt.timedelta(days=days))
    return Issued(token, secret)


def revoke(token: ApiToken, by: User) -> bool:
    """Revoke a token (kept, for the list's history); False when it was revoked already."""
    return bool(ApiToken.update(revoked_at=utcnow(), revoked_by=by.id)
                .where(ApiToken.id == token.id, ApiToken.revoked_at.is_null()).execute())


def is_usable(token: ApiToken, now: dt.datetime | None = None) -> bool:
    now = now or utcnow()
    return token.revoked_at is None and token.expires_at > now and token.user.active


def find(secret: str) -> ApiToken | None:
    """The usable token with this secret (its user joined), or None."""
    if not secret or len(secret) > 200:
        return None
    token = (ApiToken.select(ApiToken, User).join(User, on=(ApiToken.user == User.id))
             .where(ApiToken.token_hash == hash_secret(secret)).first())
    return token if token is not None and is_usable(token) else None


def user_tokens(user: User):
    return ApiToken.select().where(ApiToken.user == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())


def rate_limit() -> int:
    return int(current_app.config.get("API_RATE_LIMIT") or DEFAULT_RATE_LIMIT)


def count_request(token: ApiToken) -> int:
    """Count one request against the token's current minute and mark it used; answer how many
    seconds to wait (0: go ahead). Two single-row UPDATEs, safe with concurrent processes: the
    first starts a new minute (only one process wins it), the second counts within it."""
    now = time.time()
    window = int(now // 60)
    stamp = utcnow()
    started = (ApiToken.update(rate_window=window, rate_count=1, last_used_at=stamp)
               .where(ApiToken.id == token.id,
                      ApiToken.rate_window.is_null() | (ApiToken.rate_window != window)).execute())
    if not started:
        (ApiToken.update(rate_count=ApiToken.rate_count + 1, last_used_at=stamp)
         .where(ApiToken.id == token.id, ApiToken.rate_window == window).execute())
    used = ApiToken.select(ApiToken.rate_count).where(ApiToken.id == token.id).scalar() or 0
    if used > rate_limit():
        return max(1, 60 - int(now % 60))
    return 0
