"""Security by default: CSRF on every form and htmx request, session cookies, headers."""
from flask import request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()


def token_only(blueprint):
    """Mark a blueprint that no session cookie opens (bearer tokens only, as a feature's JSON API):
    CSRF does not apply, and what the core does for signed-in pages (the two-factor set-up
    redirect) leaves it alone. Returns the blueprint."""
    csrf.exempt(blueprint)
    blueprint.token_only = True
    return blueprint


def is_token_only(app, blueprint_name: str | None) -> bool:
    return bool(getattr(app.blueprints.get(blueprint_name or ""), "token_only", False))

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


class SessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over HTTPS; sign with one serializer
    per set of keys (Flask builds one per request, and each build serializes a test value: 15 µs
    of every request, twice on a page that changes the session). A serializer keeps no state
    between calls, so the threads share it."""

    def __init__(self):
        self._serializers = {}

    def get_signing_serializer(self, app):
        keys = (app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            if serializer is not None:
                self._serializers = {keys: serializer}  # a new key replaces the old one's
        return serializer

    def get_cookie_secure(self, app):
        if app.config.get("SESSION_COOKIE_SECURE"):
            return True
        try:
            return request.is_secure
        except RuntimeError:  # outside a request
            return False


def init_app(app) -> None:
    csrf.init_app(app)
    app.session_interface = SessionInterface()

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.endpoint != "static" and "Cache-Control" not in headers:
            # Pages carry personal data: no shared caches, no back-button copies after logout.
            headers["Cache-Control"] = "no-store"
        return response
