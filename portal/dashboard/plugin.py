"""Registers the dashboard's pages and its menu entry."""
from flask_babel import lazy_gettext as _l

from portal import hookimpl
from portal.dashboard import permissions as dashboard_permissions
from portal.dashboard.views import bp


@hookimpl
def portal_blueprints():
    return [bp]


@hookimpl
def portal_menu_items(user):
    if dashboard_permissions.can_view_dashboard(user):
        return [{"endpoint": "dashboard.index", "label": _l("Dashboard"), "order": 10, "group": "overview"}]
    return []
