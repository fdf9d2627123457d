"""Registers the login pages, and the daily clean-up of old session and throttle rows."""
from portal import hookimpl, timeutil
from portal.auth import housekeeping
from portal.auth import two_factor_views  # noqa: F401  (its routes join bp)
from portal.auth.views import bp
from portal.request_jobs import run_once_per


@bp.before_app_request
def _prune_daily():
    """Off in tests unless AUTH_AUTO_PRUNE is set (a test's clock and rows are its own)."""
    run_once_per("auth_housekeeping", timeutil.today(), "AUTH_AUTO_PRUNE", housekeeping.prune)


@hookimpl
def portal_blueprints():
    return [bp]
