"""The portal's own industry list and chain links, edited by an administrator.

Used when no county plugin provides the industry system (``portal.industries``). Codes are
stored on projects, so a code is fixed once created; renaming changes only the names, and
retiring hides an industry or link from the choices while projects keep its name.
"""

from flask import flash, render_template, request
from flask_babel import gettext as _

from portal import audit, permissions, rules
from portal.admin.industry_forms import IndustryForm, LinkForm, NewIndustryForm, NewLinkForm
from portal.admin.views import bp
from portal.db import database
from portal.industries import kind_label, position_label
from portal.models import Industry, IndustryLink
from portal.web import form_status, get_or_404, requires, see_other

INDUSTRY_FIELDS = ("code", "name_zh", "name_en", "kind", "sort_order")
LINK_FIELDS = ("code", "name_zh", "name_en", "position", "sort_order")


industries_admin = requires(permissions.can_manage_industries)


@bp.route("/industries")
@industries_admin
def industries():
    rows = list(Industry.select().order_by(Industry.active.desc(), Industry.sort_order, Industry.code))
    links = {}
    for link in IndustryLink.select().order_by(IndustryLink.sort_order, IndustryLink.code):
        links.setdefault(link.industry_id, []).append(link)
    system = rules.active_system()
    return render_template("admin/industries.html", industries=rows, links=links, system=system,
                           kind_label=kind_label, position_label=position_label)


def _save(form, record, model, fields, entity, extra=None):
    """Save the form's fields into the record (a new one when ``record`` is None), audited."""
    before = {} if record is None else {f: getattr(record, f) for f in fields}
    target = record or model(**(extra or {}))
    for name in fields:
        if hasattr(form, name) and not (name == "code" and record is not None):
            value = getattr(form, name).data
            setattr(target, name, value.strip() if isinstance(value, str) else (value or 0))
    changes = audit.diff(before, {f: getattr(target, f) for f in fields})
    if record is not None and not changes:
        return target  # saved unchanged: nothing to write, nothing to record
    with database.atomic():
        target.save()
        audit.record("create" if record is None else "edit", entity, target.id, changes)
    return target


def _code_taken(model, code: str) -> bool:
    return model.select().where(model.code == code).exists()


def _industry_form(industry: Industry | None):
    form = NewIndustryForm() if industry is None else IndustryForm(obj=industry)
    if form.validate_on_submit():
        if industry is None and _code_taken(Industry, form.code.data):
            form.code.errors.append(_("This code is taken: choose another."))
        else:
            _save(form, industry, Industry, INDUSTRY_FIELDS, "industry")
            flash(_("Industry saved."), "success")
            return see_other("admin.industries")
    return render_template("admin/industry_form.html", form=form, record=industry, parent=None,
                           new_title=_("New industry"),
                           code_hint=_("Stored on projects and never changed, e.g. new_energy.")), form_status(form)


@bp.route("/industries/new", methods=["GET", "POST"])
@industries_admin
def industry_new():
    return _industry_form(None)


@bp.route("/industries/<industry_id>", methods=["GET", "POST"])
@industries_admin
def industry_edit(industry_id):
    return _industry_form(get_or_404(Industry, industry_id))


def _set_active(record, entity: str, endpoint: str):
    active = request.form.get("active") == "1"
    with database.atomic():
        type(record).update(active=active).where(type(record).id == record.id).execute()
        audit.record("activate" if active else "deactivate", entity, record.id, {"active": [record.active, active]})
    flash(_("Restored.") if active else _("Retired: no longer offered for new entries; projects keep it."),
          "success")
    return see_other(endpoint)


@bp.route("/industries/<industry_id>/active", methods=["POST"])
@industries_admin
def industry_active(industry_id):
    return _set_active(get_or_404(Industry, industry_id), "industry", "admin.industries")


def _link_form(industry: Industry, link: IndustryLink | None):
    form = NewLinkForm() if link is None else LinkForm(obj=link)
    if link is None and request.method == "GET":
        form.code.data = f"{industry.code}."
    if form.validate_on_submit():
        if link is None and _code_taken(IndustryLink, form.code.data):
            form.code.errors.append(_("This code is taken: choose another."))
        else:
            _save(form, link, IndustryLink, LINK_FIELDS, "industry_link", {"industry": industry})
            flash(_("Chain link saved."), "success")
            return see_other("admin.industries")
    return (render_template("admin/industry_form.html", form=form, record=link, parent=industry,
                            new_title=_("New chain link"),
                            code_hint=_("Stored on projects and never changed, e.g. new_energy.battery.")),
            form_status(form))


@bp.route("/industries/<industry_id>/links/new", methods=["GET", "POST"])
@industries_admin
def industry_link_new(industry_id):
    return _link_form(get_or_404(Industry, industry_id), None)


@bp.route("/industry-links/<link_id>", methods=["GET", "POST"])
@industries_admin
def industry_link_edit(link_id):
    link = get_or_404(IndustryLink, link_id)
    return _link_form(link.industry, link)


@bp.route("/industry-links/<link_id>/active", methods=["POST"])
@industries_admin
def industry_link_active(link_id):
    return _set_active(get_or_404(IndustryLink, link_id), "industry_link", "admin.industries")
