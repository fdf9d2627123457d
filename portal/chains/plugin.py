"""Registers the industry chain pages and their menu entry."""
from flask_babel import lazy_gettext as _l

from portal import hookimpl, permissions
from portal.chains.views import bp


@hookimpl
def portal_blueprints():
    return [bp]


@hookimpl
def portal_menu_items(user):
    if permissions.can_read_chains(user):
        return [{"endpoint": "chains.index", "label": _l("Industry chains"), "order": 40, "group": "projects"}]
    return []
