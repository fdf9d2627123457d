"""Pages: merge a duplicate investor or project (choose the survivor, see what moves, confirm),
and the list of merges with their undo. The bureau's only; every step works without JavaScript."""
from __future__ import annotations


from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from portal.form_errors import FieldError
from portal.labels import audit_value, field_label
from portal.merging import service
from portal.merging.permissions import can_merge
from portal.models import MergeRecord, Project
from portal.projects import masking
from portal.web import Page, get_or_404, page_number, parse_id, render, see_other

bp = Blueprint("merging", __name__)

#: What the preview calls each kind of moved record; a feature's table without a label shows its name.
TABLE_LABELS = {
    "project.enterprise": _l("Projects"),
    "contact.enterprise": _l("Contacts with the investor"),
    "contact.project": _l("Contacts"),
    "capital_entry.project": _l("Capital in place"),
    "attachment.project": _l("Attachments"),
    "problem.project": _l("Problems"),
    "commitment.project": _l("Commitments"),
    "progress_report.project": _l("Progress reports"),
    "milestone.project": _l("Milestones"),
    "event_project.project": _l("Promotion events"),
    "target_enterprise.project": _l("Target enterprises"),
}
ENTITY_LABELS = {"investor": _l("Investor"), "project": _l("Project")}


def merge_url(entity: str, record_id: int) -> str | None:
    """The merge page of a record, for those who may merge (else None: no link). A template
    global (``portal_template_globals``)."""
    if not getattr(current_user, "is_authenticated", False) or not can_merge(current_user):
        return None
    if entity == "investor":
        return url_for("merging.merge_investor", enterprise_id=record_id)
    return url_for("merging.merge_project", project_id=record_id)


def _allowed():
    if not can_merge(current_user):
        abort(403)


def _candidates(entity: str, record, limit: int = 20) -> list:
    """Likely survivors: similar names (and, for a project, the same investor), newest first."""
    model = service.ENTITIES[entity]
    stem = record.name[:4]
    condition = masking.contains(model.name, stem)  # through the names' text index, as LIKE finds
    if entity == "project":
        if record.enterprise_id:
            condition = condition | (Project.enterprise == record.enterprise_id)
        condition = condition & (Project.archived == False)  # noqa: E712
    return list(model.select().where(condition, model.id != record.id).order_by(model.id.desc()).limit(limit))


def _page(entity: str, record_id):
    _allowed()
    model = service.ENTITIES[entity]
    duplicate = get_or_404(model, record_id)
    if entity == "project" and duplicate.archived:
        abort(404)
    raw = request.values.get("into", "").strip()
    survivor, errors = None, []
    if raw:
        survivor_id = parse_id(raw)
        survivor = model.get_or_none(model.id == survivor_id) if survivor_id else None
        message = None
        if survivor is None:
            message = _("No investor has this number.") if entity == "investor" else _("No project has this number.")
        else:
            try:
                service._check(entity, duplicate, survivor)
            except service.MergeError as exc:
                message = str(exc)
        if message:
            errors.append(FieldError("into", _("Survivor"), message))
            survivor = None
    fill = service.fillable(entity, duplicate, survivor) if survivor is not None else []
    if survivor is not None and request.method == "POST":
        try:
            record = service.merge(entity, duplicate, survivor, current_user, take=request.form.getlist("take"))
        except service.MergeError as exc:
            errors.append(FieldError("into", _("Survivor"), str(exc)))
        else:
            flash(_("%(duplicate)s was merged into %(survivor)s. The merges page can undo it.",
                    duplicate=record.duplicate_name, survivor=survivor.name), "success")
            if entity == "investor":
                return see_other("sourcing.investor", enterprise_id=survivor.id)
            return see_other("projects.show", project_id=survivor.id)
    moves = service.preview(entity, duplicate, survivor) if survivor is not None else []
    status = 422 if errors else 200
    return render("merging/merge.html", status=status, entity=entity, entity_label=ENTITY_LABELS[entity],
                  duplicate=duplicate, survivor=survivor, moves=moves, into=raw, form_errors=errors,
                  fill=[(name, field_label(name), audit_value(name, service.taken_value(duplicate, name)))
                        for name in fill],
                  candidates=_candidates(entity, duplicate), TABLE_LABELS=TABLE_LABELS,
                  action=request.path)


@bp.route("/investors/<enterprise_id>/merge", methods=["GET", "POST"])
@login_required
def merge_investor(enterprise_id):
    return _page("investor", enterprise_id)


@bp.route("/projects/<project_id>/merge", methods=["GET", "POST"])
@login_required
def merge_project(project_id):
    return _page("project", project_id)


@bp.route("/merges")
@login_required
def index():
    _allowed()
    query = MergeRecord.select().order_by(MergeRecord.at.desc(), MergeRecord.id.desc())
    page = Page(query, page_number(), 50)
    survivors = {}
    for entity, model in service.ENTITIES.items():
        ids = [r.survivor_id for r in page.items if r.entity == entity]
        if ids:
            survivors.update({(entity, row.id): row.name for row in model.select(model.id, model.name)
                              .where(model.id.in_(ids))})
    return render("merging/index.html", page=page, survivors=survivors, ENTITY_LABELS=ENTITY_LABELS,
                  TABLE_LABELS=TABLE_LABELS)


@bp.route("/merges/<merge_id>/undo", methods=["POST"])
@login_required
def undo(merge_id):
    _allowed()
    record = get_or_404(MergeRecord, merge_id)
    try:
        service.undo(record, current_user)
    except service.MergeError as exc:
        flash(_("The merge cannot be undone: %(reasons)s", reasons=str(exc)), "error")
        return see_other("merging.index")
    flash(_("The merge of %(name)s is undone.", name=record.duplicate_name), "success")
    return see_other("merging.index")
