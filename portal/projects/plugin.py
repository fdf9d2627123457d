"""Registers the project pages and their menu entries."""
from flask_babel import lazy_gettext as _l

from portal import hookimpl, permissions
from portal.projects.views import bp


@hookimpl
def portal_blueprints():
    return [bp]


@hookimpl
def portal_menu_items(user):
    items = []
    if permissions.can_create_project(user):
        items.append({"endpoint": "projects.new", "label": _l("New project"), "order": 20})
    if permissions.can_verify_stages(user):
        items.append({"endpoint": "projects.verification", "label": _l("Verification"), "order": 25})
    return items
