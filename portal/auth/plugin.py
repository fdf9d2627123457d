"""Registers the login pages, and the daily clean-up of old session and throttle rows."""
from flask import current_app, request

from portal import hookimpl
from portal.auth import housekeeping
from portal.auth import two_factor_views  # noqa: F401  (its routes join bp)
from portal.auth.views import bp

SKIP_ENDPOINTS = {None, "static", "home.healthz"}


@bp.before_app_request
def _prune_daily():
    """Off in tests unless AUTH_AUTO_PRUNE is set (a test's clock and rows are its own)."""
    if request.endpoint in SKIP_ENDPOINTS or not current_app.config.get("AUTH_AUTO_PRUNE", not current_app.testing):
        return
    housekeeping.prune_once_a_day()


@hookimpl
def portal_blueprints():
    return [bp]
