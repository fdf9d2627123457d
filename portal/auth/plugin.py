"""Registers the login pages."""
from portal import hookimpl
from portal.auth import two_factor_views  # noqa: F401  (its routes join bp)
from portal.auth.views import bp


@hookimpl
def portal_blueprints():
    return [bp]
