"""Registers the industry chain pages and their menu entry."""
from flask_babel import lazy_gettext as _l

from portal import hookimpl
from portal.chains import permissions as chains_permissions
from portal.chains.views import bp


@hookimpl
def portal_blueprints():
    return [bp]


@hookimpl
def portal_menu_items(user):
    if chains_permissions.can_read_chains(user):
        return [{"endpoint": "chains.index", "label": _l("Industry chains"), "order": 40, "group": "projects"}]
    return []
