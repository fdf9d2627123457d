"""Registers the project pages and their menu entries."""
import functools

from flask_babel import lazy_gettext as _l

from portal import choice_lists, hookimpl, industries, permissions
from portal.labels import form_field_labels
from portal.projects import forms
from portal.projects.importing.views import BLUEPRINTS as IMPORT_BLUEPRINTS
from portal.projects.views import bp

@hookimpl
def portal_history_labels():
    """The history names recorded project fields as their forms do, and their stored codes as
    the forms show them."""
    fields = {}
    for labels in [form_field_labels(form) for form in (forms.ProjectForm, forms.StageForm, forms.CorrectionForm,
                                                        forms.CapitalForm)] + [
            {"investor_name": _l("Investor enterprise"), "to_stage": _l("New stage")}]:
        for name, text in labels.items():
            fields.setdefault(name, text)  # the first form's label of a field
    return {"fields": fields,
            "values": {"safety_assessment": forms.ASSESSMENTS, "environment_assessment": forms.ASSESSMENTS,
                       "source_channel": functools.partial(choice_lists.label, "source_channel"),
                       "investment_method": functools.partial(choice_lists.label, "investment_method"),
                       "industry_code": industries.label, "chain_link_code": industries.chain_link_label}}


@hookimpl(trylast=True)
def portal_choice_lists():
    """The core's source channels and investment methods; a county's lists replace them."""
    choices = [{"code": code, "label": text} for code, text in forms.CHANNELS.items()]
    return [{"list": "source_channel", "choices": choices}, {"list": "investment_method", "choices": choices}]


@hookimpl
def portal_blueprints():
    return [bp, *IMPORT_BLUEPRINTS]


@hookimpl
def portal_menu_items(user):
    items = []
    if permissions.can_create_project(user):
        items.append({"endpoint": "projects.new", "label": _l("New project"), "order": 20, "group": "projects"})
    if permissions.can_verify_stages(user):
        items.append({"endpoint": "projects.verification", "label": _l("Verification"), "order": 25,
                      "group": "projects"})
    if permissions.can_import_projects(user):
        items.append({"endpoint": "importing.index", "label": _l("Import projects"), "order": 26, "group": "projects"})
    if permissions.can_import_investors(user):
        items.append({"endpoint": "import_investors.index", "label": _l("Import investors"), "order": 27,
                      "group": "projects"})
    if permissions.can_import_capital(user):
        items.append({"endpoint": "import_capital.index", "label": _l("Import capital in place"), "order": 28,
                      "group": "projects"})
    if permissions.can_import_organisation(user):
        items += [
            {"endpoint": "import_units.index", "label": _l("Import units"), "order": 905, "group": "admin"},
            {"endpoint": "import_users.index", "label": _l("Import users"), "order": 912, "group": "admin"},
        ]
    return items
