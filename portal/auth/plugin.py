"""Registers the login pages."""
from portal import hookimpl
from portal.auth.views import bp


@hookimpl
def portal_blueprints():
    return [bp]
