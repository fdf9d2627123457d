"""Registers the administration pages and their menu entries."""
from flask_babel import lazy_gettext as _l

from portal import hookimpl, permissions
from portal.admin import industries as _industry_pages  # noqa: F401  (its routes join bp)
from portal.admin.industry_forms import NewIndustryForm, NewLinkForm
from portal.admin.views import bp
from portal.labels import form_field_labels


@hookimpl
def portal_history_labels():
    return {"fields": {**form_field_labels(NewIndustryForm), **form_field_labels(NewLinkForm)}}


@hookimpl
def portal_blueprints():
    return [bp]


@hookimpl
def portal_menu_items(user):
    items = []
    if permissions.can_manage_organisation(user):
        items += [
            {"endpoint": "admin.units", "label": _l("Units"), "order": 900, "group": "admin"},
            {"endpoint": "admin.users", "label": _l("Users"), "order": 910, "group": "admin"},
        ]
    if permissions.can_manage_industries(user):
        items.append({"endpoint": "admin.industries", "label": _l("Industries"), "order": 915, "group": "admin"})
    if permissions.can_read_sign_in_log(user):
        items.append({"endpoint": "admin.sign_ins", "label": _l("Sign-in log"), "order": 925, "group": "admin"})
    if permissions.can_read_audit_log(user):
        items.append({"endpoint": "admin.audit_log", "label": _l("Audit log"), "order": 920, "group": "admin"})
    return items
