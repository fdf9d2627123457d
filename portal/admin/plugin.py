"""Registers the administration pages and their menu entries."""
from flask_babel import lazy_gettext as _l

from portal import hookimpl, permissions
from portal.admin.views import bp


@hookimpl
def portal_blueprints():
    return [bp]


@hookimpl
def portal_menu_items(user):
    items = []
    if permissions.can_manage_organisation(user):
        items += [
            {"endpoint": "admin.units", "label": _l("Units"), "order": 900},
            {"endpoint": "admin.users", "label": _l("Users"), "order": 910},
        ]
    if permissions.can_read_sign_in_log(user):
        items.append({"endpoint": "admin.sign_ins", "label": _l("Sign-in log"), "order": 925})
    if permissions.can_read_audit_log(user):
        items.append({"endpoint": "admin.audit_log", "label": _l("Audit log"), "order": 920})
    return items
