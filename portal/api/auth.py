"""Who is calling the API: an ``Authorization: Bearer <token>`` header, nothing else.

Session cookies are ignored under /api (the user a cookie names is replaced by the anonymous
user before any view runs), so a page open in a browser cannot be made to call the API for
its user: there is no cross-site request to forge, which is why /api is exempt from CSRF.
The other way round, tokens open no page (Flask-Login has no request loader)."""
from __future__ import annotations

from flask import g, request
from flask_babel import gettext as _

from portal.api import tokens
from portal.api.problems import Problem
from portal.auth.views import login_manager

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _bearer_secret() -> str | None:
    scheme, _sep, secret = (request.headers.get("Authorization") or "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None


def authenticate(public_endpoints) -> None:
    """Before every /api request: set the token's user as the current user, or refuse (401,
    403 for a write with a read-only token, 429 over the rate limit)."""
    g._login_user = login_manager.anonymous_user()  # never the session cookie's user
    g.api_token = None
    if request.endpoint in public_endpoints:
        return
    challenge = {"WWW-Authenticate": 'Bearer realm="portal"'}
    secret = _bearer_secret()
    if secret is None:
        raise Problem(401, _("Send an API token: Authorization: Bearer <token>."), headers=challenge)
    token = tokens.find(secret)
    if token is None:
        raise Problem(401, _("The API token is unknown, expired or revoked."),
                      headers={"WWW-Authenticate": 'Bearer realm="portal", error="invalid_token"'})
    wait = tokens.count_request(token)
    if wait:
        raise Problem(429, _("Too many requests with this token. Please wait %(seconds)d seconds.", seconds=wait),
                      headers={"Retry-After": str(wait)})
    if token.read_only and request.method not in SAFE_METHODS:
        raise Problem(403, _("This token is read-only."))
    g._login_user = token.user
    g.api_token = token
    g.api_token_id = token.id  # every audit entry of this request names the token
