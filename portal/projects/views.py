"""The project record: create, read, edit in place, stages, verification, capital, attachments, archive.

Every form is a plain HTML form that works as a full page without JavaScript;
htmx requests get the page section back (``portal.web.render``).
"""
from __future__ import annotations

import re
import dataclasses

import peewee
from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from wtforms import HiddenField

from portal import audit, choice_lists, extra_fields, permissions, plugins, stages, uploads
from portal.db import database
from portal.form_errors import FieldError
from portal.labels import INVESTOR_CLASS_LABELS
from portal.models import (INVESTOR_CLASSES, Attachment, AuditLog, CapitalEntry, Enterprise, Project, StageChange,
                           Unit, User)
from portal.models.fields import utcnow
from portal.projects import masking
from portal.projects.forms import (ASSESSMENTS, CLASS_KEPT, AttachmentForm, CapitalForm, ChainLinkForm,
                                   CorrectionForm, NewProjectForm, ProjectForm, ReasonForm, ResubmitForm, StageForm,
                                   VerifyForm, chain_link_groups, known_investor)
from portal.timeutil import today
from portal.web import get_or_404, parse_id, render, see_other, wants_partial

bp = Blueprint("projects", __name__, url_prefix="/projects")

#: The record's own fields, as edited by ProjectForm (the investor is handled apart).
FIELDS = (
    "name", "industry_code", "chain_link_code", "park", "source_channel", "investment_method", "source_team",
    "is_key", "is_confidential", "total_investment", "contracted_amount", "foreign_capital", "expected_output",
    "expected_tax", "expected_jobs", "land_area_mu", "safety_assessment", "environment_assessment",
    "responsible_unit", "responsible_person", "leader", "special_team",
    "planned_sign_date", "planned_start_date", "planned_completion_date", "planned_production_date",
)
ENTERPRISE_FIELDS = ("origin_country", "origin_province", "origin_city") + INVESTOR_CLASSES
TEXT_FIELDS = {"name", "chain_link_code", "park", "responsible_person"}


def load_project(project_id) -> Project:
    """The project, or 404 when it does not exist or the user may not read it (ids are not guessable).

    Its responsible unit and investor come in the same query, and the names (only) of its leader,
    source team and special team.
    """
    pk = parse_id(project_id)
    if pk is None:
        abort(404)
    source_team, special_team, leader = Unit.alias(), Unit.alias(), User.alias()
    project = (Project.select(Project, Unit, Enterprise, source_team.id, source_team.name, special_team.id,
                              special_team.name, leader.id, leader.display_name)
               .join(Unit, on=(Project.responsible_unit == Unit.id), attr="responsible_unit")
               .switch(Project).join(Enterprise, peewee.JOIN.LEFT_OUTER, on=(Project.enterprise == Enterprise.id),
                                     attr="enterprise")
               .switch(Project).join(source_team, peewee.JOIN.LEFT_OUTER,
                                     on=(Project.source_team == source_team.id), attr="source_team")
               .switch(Project).join(special_team, peewee.JOIN.LEFT_OUTER,
                                     on=(Project.special_team == special_team.id), attr="special_team")
               .switch(Project).join(leader, peewee.JOIN.LEFT_OUTER, on=(Project.leader == leader.id), attr="leader")
               .where(Project.id == pk).first())
    if project is None or not permissions.can_read_project(current_user, project):
        abort(404)
    return project


def note_done(message, category="success"):
    """Flash a message for the next full page; an htmx answer shows the updated section instead."""
    if not wants_partial():
        flash(message, category)


def require(allowed: bool):
    if not allowed:
        abort(403)


def _form_values(form) -> dict:
    values = {}
    for name in FIELDS:
        value = getattr(form, name).data
        if name in TEXT_FIELDS:
            value = (value or "").strip()
        elif name in ("industry_code", "source_channel", "investment_method", "safety_assessment",
                      "environment_assessment"):
            value = value or ""
        values[name] = value
    if values["total_investment"] is None:
        values["total_investment"] = 0
    return values


def _named(values: dict) -> dict:
    """Related records as their names, so the history reads "County A", not an id."""
    out = {}
    for key, value in values.items():
        if isinstance(value, User):
            value = value.display_name
        elif isinstance(value, (Unit, Enterprise)):
            value = value.name
        out[key] = value
    return out


def _initial(project: Project) -> dict:
    data = {name: getattr(project, name) for name in FIELDS}
    enterprise = project.enterprise
    if enterprise is not None:
        data.update(investor_name=enterprise.name, investor_credit_code=enterprise.credit_code or "",
                    **{f: getattr(enterprise, f) for f in ENTERPRISE_FIELDS})
    data["version"] = project.version
    return data


def _investor_values(enterprise: Enterprise | None) -> dict:
    return {} if enterprise is None else {f: getattr(enterprise, f) for f in ENTERPRISE_FIELDS}


def resolve_enterprise(form, user) -> Enterprise | None:
    """Reuse the investor by credit code or exact name; otherwise create it. Origin is updated, and
    the class where the user may change it (``permissions.can_change_investor_class``; otherwise
    the posted class is not applied and ``ProjectForm.class_change_refused`` says so). Every
    change is audited on the enterprise."""
    name = (form.investor_name.data or "").strip()
    code = (form.investor_credit_code.data or "").strip().upper() or None
    if not name and not code:
        return None
    enterprise = known_investor(name, code)
    values = {f: (getattr(form, f).data or ("" if f.startswith("origin") else False)) for f in ENTERPRISE_FIELDS}
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
    if enterprise is not None and not permissions.can_change_investor_class(user, enterprise):
        values = {k: v for k, v in values.items() if k not in INVESTOR_CLASSES}
    if enterprise is None:
        enterprise = Enterprise.create(name=name, credit_code=code, **values)
        audit.record("create", "enterprise", enterprise.id, audit.diff({}, dict(name=name, credit_code=code, **values)),
                     user=user)
        return enterprise
    if code and not enterprise.credit_code:
        values["credit_code"] = code
    before = {k: getattr(enterprise, k) for k in values}
    changes = audit.diff(before, values)
    if changes:
        Enterprise.update(**values).where(Enterprise.id == enterprise.id).execute()
        audit.record("edit", "enterprise", enterprise.id, changes, user=user)
        enterprise = Enterprise.get_by_id(enterprise.id)
    return enterprise


# Duplicates -------------------------------------------------------------------------

_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团", "公司", "项目", "co., ltd.", "co.,ltd.", "co. ltd",
             "limited", "ltd", "inc", "group", "project", "company")
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def normalise(name: str) -> str:
    """Lower case, without spaces, punctuation and common suffixes (有限公司, 项目, Ltd …)."""
    text = (name or "").strip().lower()
    changed = True
    while changed:
        changed = False
        stripped = _PUNCT.sub(" ", text).strip()
        for suffix in _SUFFIXES:
            if stripped.endswith(suffix) and len(stripped) > len(suffix) + 1:
                text = stripped[: -len(suffix)]
                changed = True
                break
    return _PUNCT.sub("", text)


def _like(field, core: str):
    """LOWER(name without spaces) LIKE %core% — the same on SQLite, PostgreSQL and MySQL."""
    pattern = "%" + core.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"
    squeezed = peewee.fn.REPLACE(peewee.fn.LOWER(field), " ", "")
    return peewee.NodeList((squeezed, peewee.SQL("LIKE"), pattern, peewee.SQL("ESCAPE '!'")))


@dataclasses.dataclass
class Duplicates:
    """The likely duplicates of a new project: those the user reads, in full; of the others
    only that one exists (naming it, its investor, unit or stage would let anyone probe the
    whole city's projects by guessing names), so the user asks the bureau."""

    readable: list = dataclasses.field(default_factory=list)  # [{"project": Project, "investor": str}]
    elsewhere: bool = False

    def __bool__(self) -> bool:
        return bool(self.readable) or self.elsewhere


def find_duplicates(form, user, exclude_id=None, limit=10) -> Duplicates:
    """Likely duplicates: same investor credit code, or similar project or investor names.

    Matches on the investor (code or name) only count where the user may see the
    investor, so a warning never reveals who stands behind a confidential project.
    """
    conditions = []
    code = (form.investor_credit_code.data or "").strip().upper()
    visible_investor = masking.may_see_investor_condition(user)
    if code:
        conditions.append((Enterprise.credit_code == code) & visible_investor)
    name_core = normalise(form.name.data)
    if len(name_core) >= 2:
        conditions.append(_like(Project.name, name_core))
    investor_core = normalise(form.investor_name.data)
    if len(investor_core) >= 2:
        conditions.append(_like(Enterprise.name, investor_core) & visible_investor)
    if not conditions:
        return Duplicates()
    condition = conditions[0]
    for extra in conditions[1:]:
        condition = condition | extra
    if exclude_id:
        condition = condition & (Project.id != exclude_id)
    query = (Project.select(Project, Enterprise, Unit)
             .join(Enterprise, peewee.JOIN.LEFT_OUTER, on=(Project.enterprise == Enterprise.id))
             .switch(Project).join(Unit, on=(Project.responsible_unit == Unit.id))
             .where(condition))
    readable = permissions.visible_projects(user, query.clone())
    unreadable = query.where(Project.id.not_in(permissions.visible_projects(user, Project.select(Project.id))))
    return Duplicates(
        readable=[{"project": p, "investor": masking.investor_name(p, user)}
                  for p in readable.order_by(Project.id.desc()).limit(limit)],
        elsewhere=unreadable.exists())


# Create ---------------------------------------------------------------------------

def create_project(form, user) -> tuple[Project, bool]:
    """Save a validated new-project form at the stage it was entered at (a clue, or for the bureau
    the stage reached with the dates of the stages passed: ``stages.enter_history``), with its
    investor, stage changes and audit entry, in one transaction: ``(the project, investor class kept)``."""
    with database.atomic():
        values = _form_values(form)
        enterprise = resolve_enterprise(form, user)
        class_kept = form.class_change_refused(enterprise)
        stage, dates = form.entered_stage(), form.stage_dates()
        dated = {stages.DATE_COLUMN[s]: d for s, d in dates.items()}
        project = Project(enterprise=enterprise, stage=stage, created_by=user.id, **values, **dated)
        extra_changes = extra_fields.save_form(form, project)
        project.save(force_insert=True)
        history = stage != "clue" or len(dates) > 1
        note = _("Entered with its history") if history else ""
        stages.enter_history(project.id, dates, user, note)
        stages.refresh_counted([project.id])
        changes = audit.diff({}, _named(dict(values, enterprise=enterprise, stage=stage, **dated)))
        changes.update(extra_changes)
        audit.record("create", "project", project.id, changes, note=note, user=user)
        project = Project.get_by_id(project.id)  # with its counted dates, for the plugins
        plugins.project_changed(project, "create", user)
    return project, class_kept


def new_form(user, **kwargs):
    """The new-project form with the plugins' extra fields."""
    return extra_fields.form_class(NewProjectForm)(user=user, **kwargs)


def propose_new(form, user) -> None:
    """What a new project's form proposes: today's clue, and unit staff's own unit."""
    form.clue_on.data = today()
    if user.role == "unit":
        form.responsible_unit.data = user.unit


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if not permissions.can_create_project(current_user):
        abort(403, _("Projects are entered by the bureau's staff and by unit staff (counties, zones, towns,"
                     " stationed teams). Ask your administrator for such an account."))
    form = new_form(current_user)
    if request.method == "GET":
        propose_new(form, current_user)
    return new_project_page(form, url_for("projects.new"))


def new_project_page(form, action: str, intro: str = "", on_created=None):
    """The new-project page's flow, for /projects/new and for a feature that starts a project
    from a record of its own (sourcing: a clue from a logged visit): validate the posted ``form``,
    warn of possible duplicates once, save, then ``on_created(project)`` in the same transaction
    (a failure there saves nothing). ``action`` is where the form posts; ``intro`` a line above it."""
    duplicates = []
    if form.validate_on_submit():
        duplicates = [] if form.confirm_duplicates.data == "1" else find_duplicates(form, current_user)
        if not duplicates:
            with database.atomic():
                project, class_kept = create_project(form, current_user)
                if on_created is not None:
                    on_created(project)
            flash(_("Project saved."), "success")
            if class_kept:
                flash(str(CLASS_KEPT), "warning")
            return see_other("projects.show", project_id=project.id)
        form.confirm_duplicates.data = "1"
    status = 422 if form.errors else 200
    return render("projects/new.html", None, status=status, form=form, duplicates=duplicates, action=action,
                  intro=intro, **_choice_labels())


def fill_investor(form, enterprise) -> None:
    """Propose a known investor on a project form: its name, code, origin and class as stored
    (a blank class box would otherwise read as a change of the investor's class)."""
    form.investor_name.data = enterprise.name
    form.investor_credit_code.data = enterprise.credit_code or ""
    for name in ENTERPRISE_FIELDS:
        getattr(form, name).data = getattr(enterprise, name)


@bp.route("/new/stage-dates")
@login_required
def new_stage_dates():
    """The new-project form's stage dates up to the stage chosen (htmx, when the bureau picks the
    stage): dates of later stages are not to be filled. The dates typed so far come back filled."""
    if not (permissions.can_create_project(current_user) and permissions.can_enter_history(current_user)):
        abort(403)
    form = new_form(current_user, formdata=request.args, meta={"csrf": False})
    shown = [stages.DATE_COLUMN[s] for s in stages.LINE[: stages.rank(form.entered_stage()) + 1]]
    return render("projects/_stage_dates.html", None, form=form, shown_dates=shown)


def _choice_labels():
    return {"SOURCE_CHANNELS": choice_lists.Labels("source_channel"),
            "INVESTMENT_METHODS": choice_lists.Labels("investment_method"), "ASSESSMENTS": ASSESSMENTS}


# Read ---------------------------------------------------------------------------

def _audit_entries(project: Project):
    entries = list(AuditLog.select(AuditLog, User.id, User.display_name)
                   .join(User, peewee.JOIN.LEFT_OUTER, on=(AuditLog.user == User.id))
                   .where(AuditLog.entity == "project", AuditLog.entity_id == project.id)
                   .order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(200))
    if not permissions.can_see_confidential(current_user, project):
        for entry in entries:  # the investor's name must not leak through the history
            if entry.changes and "enterprise" in entry.changes:
                entry.changes = {k: v for k, v in entry.changes.items() if k != "enterprise"}
    return entries


def _page_context(project: Project, **extra) -> dict:
    user = current_user
    # Who recorded each row: only the name is shown, so only id and name are read.
    capital = list(CapitalEntry.select(CapitalEntry, User.id, User.display_name)
                   .join(User, on=(CapitalEntry.by == User.id))
                   .where(CapitalEntry.project == project.id)
                   .order_by(CapitalEntry.on_date.desc(), CapitalEntry.id.desc()))
    capital_total = sum((entry.amount for entry in capital if entry.amount is not None), 0) if capital else None
    changes = list(StageChange.select(StageChange, User.id, User.display_name)
                   .join(User, on=(StageChange.by == User.id))
                   .where(StageChange.project == project.id).order_by(StageChange.on_date, StageChange.id))
    attachments = list(Attachment.select().where(Attachment.project == project.id)
                       .order_by(Attachment.at, Attachment.id))
    # Each change's files from the list above (no query per change), in upload order.
    by_change = {}
    for attachment in sorted(attachments, key=lambda a: a.id):
        if attachment.stage_change_id is not None:
            by_change.setdefault(attachment.stage_change_id, []).append(attachment)
    for change in changes:
        change.attachments = by_change.get(change.id, [])
    can_edit = permissions.can_edit_project(user, project)
    show_enterprise = permissions.can_see_confidential(user, project)
    context = dict(
        project=project,
        investor=masking.investor_name(project, user),
        show_enterprise=show_enterprise,
        record_warnings=record_warnings(project) if show_enterprise else [],
        class_at_signing=class_at_signing(project) if show_enterprise else None,
        timeline=stages.timeline(project, changes=changes),
        changes=changes,
        capital=capital, capital_total=capital_total,
        attachments=attachments,
        entries=_audit_entries(project),
        record_names={("project", project.id): project.name},  # the history's entries are about it
        can_edit=can_edit,
        can_correct=permissions.can_correct_stages(user) and can_edit,
        stage_line=stages.LINE,  # the stages whose dates may be corrected
        can_verify=permissions.can_verify_stages(user),
        can_archive=permissions.can_archive_project(user, project) and not project.archived,
        can_restore=permissions.can_restore_project(user) and project.archived,
        stage_targets=stages.allowed_targets(project, user) if can_edit else [],
        capital_form=extra.pop("capital_form", None) or CapitalForm(formdata=None),
        attachment_form=extra.pop("attachment_form", None) or AttachmentForm(formdata=None),
        upload_errors=extra.pop("upload_errors", []),
        industry_label=_industry_label(project.industry_code),
        chain_link_label=_chain_link_label(project.chain_link_code),
        extra_values=[(item["label"], extra_fields.display(project, item)) for item in extra_fields.declared_fields()],
        **_choice_labels(),
    )
    context.update(extra)
    return context


def class_at_signing(project: Project) -> list[str] | None:
    """The labels of the investor's class as the figures count this signed project (its class at
    signing), when that is no longer the investor's class; else None."""
    enterprise = project.enterprise
    if enterprise is None or project.foreign_invested_at_signing is None:
        return None
    at_signing = {flag for flag in INVESTOR_CLASSES if getattr(project, f"{flag}_at_signing")}
    if at_signing == {flag for flag in INVESTOR_CLASSES if getattr(enterprise, flag)}:
        return None
    return [str(INVESTOR_CLASS_LABELS[flag]) for flag in INVESTOR_CLASSES if flag in at_signing]


def record_warnings(project: Project) -> list[str]:
    """Doubts about the record shown with it (they never stop a save): foreign capital entered
    for a domestic investor counts in the foreign-capital figure (docs/dashboard.md), so it is
    worth a second look."""
    warnings = []
    enterprise = project.enterprise
    if project.foreign_capital and enterprise is not None and not enterprise.foreign_invested:
        warnings.append(_("Foreign capital is entered, but the investor is not marked foreign-invested: "
                          "check the foreign capital and the investor's class."))
    return warnings


def _industry_label(code):
    from portal import industries

    return industries.label(code)


def _chain_link_label(code):
    from portal import industries

    label_of = getattr(industries, "chain_link_label", None)  # the industry systems provide link names
    return label_of(code) if label_of else (code or "")


@bp.route("/<project_id>")
@login_required
def show(project_id):
    project = load_project(project_id)
    response = render("projects/show.html", None, **_page_context(project))
    htmx = getattr(request, "htmx", None)
    if htmx and htmx.boosted:  # a boosted form was redirected here: show this page's address
        response.headers["HX-Push-Url"] = request.path
    return response


# Edit (optimistic locking) ------------------------------------------------------------

def _conflicts(project: Project, form, form_version: int) -> list[dict]:
    """Fields someone else changed since ``form_version``: their (current) value and yours."""
    changed = []
    for entry in (AuditLog.select().where(AuditLog.entity == "project", AuditLog.entity_id == project.id)
                  .order_by(AuditLog.id.desc()).limit(200)):
        versions = (entry.changes or {}).get("version")
        if not versions or not isinstance(versions, list) or versions[0] is None or versions[0] < form_version:
            continue
        for name in entry.changes:
            if name not in changed and name != "version":
                changed.append(name)
    rows = []
    current = _initial(project)
    hide = not permissions.can_see_confidential(current_user, project)
    for name in changed:
        label, theirs, yours = name, current.get(name, getattr(project, name, None)), None
        if name == "enterprise":
            name = "investor_name"
            theirs = current.get("investor_name", "")
            if hide:
                theirs = masking.investor_name(project, current_user)
        if name.startswith("extra."):  # an extra field: its form field and stored value
            theirs = extra_fields.value(project, name[len("extra."):])
            name = extra_fields.PREFIX + name[len("extra."):]
        if name in form:
            label = form[name].label.text
            yours = form[name].data
        rows.append({"field": label, "theirs": _display(theirs), "yours": _display(yours)})
    return rows


def _display(value):
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, (Unit, User)):
        return str(value.name if isinstance(value, Unit) else value.display_name)
    return str(value)


class _EditConflict(Exception):
    pass


def edit_form(project: Project, user, **kwargs):
    """The edit form of a project with the plugins' extra fields, on the project's values (a post's
    when posted; the API passes its own ``formdata``)."""
    return extra_fields.form_class(ProjectForm)(data=_initial(project), user=user, investor=project.enterprise,
                                                **kwargs)


def save_edit(project: Project, form, user, form_version: int) -> tuple[bool, bool, Project]:
    """Save a validated edit form filled in against ``form_version``, in one transaction with its
    investor and audit entry: ``(saved, investor class kept, the project as it is now)``. Not saved
    (False) when someone else saved the project since that version. A form saved unchanged writes
    nothing: no new version, no audit entry (and it cannot overwrite anyone's edit either)."""
    values = _form_values(form)
    class_kept = False
    try:
        with database.atomic():
            fresh = Project.get_by_id(project.id)
            investor_before = _investor_values(fresh.enterprise)
            enterprise = resolve_enterprise(form, user)
            class_kept = form.class_change_refused(enterprise)
            values["enterprise"] = enterprise
            before = {k: getattr(fresh, k) for k in values}
            extra_changes = extra_fields.save_form(form, fresh)
            if extra_changes:
                values["extra"] = fresh.extra
            changes = audit.diff(_named({k: v for k, v in before.items() if k != "extra"}),
                                 _named({k: v for k, v in values.items() if k != "extra"}))
            changes.update(extra_changes)
            # the same investor, its class edited
            if enterprise is not None and enterprise.id == fresh.enterprise_id:
                changes.update(audit.diff(investor_before, _investor_values(enterprise)))
            updated = not changes or bool(
                Project.update(**values, version=form_version + 1, updated_at=utcnow())
                .where(Project.id == project.id, Project.version == form_version).execute())
            if not updated:
                raise _EditConflict()  # roll back the investor changes too
            if changes:
                changes["version"] = [form_version, form_version + 1]
                audit.record("edit", "project", project.id, changes, user=user)
                project = Project.get_by_id(project.id)
                plugins.project_changed(project, "edit", user)
    except _EditConflict:
        return False, class_kept, project
    return True, class_kept, project


@bp.route("/<project_id>/edit", methods=["GET", "POST"])
@login_required
def edit(project_id):
    project = load_project(project_id)
    require(permissions.can_edit_project(current_user, project))
    form = edit_form(project, current_user)
    if request.method == "GET":
        extra_fields.load_form(form, project)
    conflicts = None
    status = 200
    if form.validate_on_submit():
        form_version = _posted_version(form)
        updated, class_kept, project = save_edit(project, form, current_user, form_version)
        if updated:
            note_done(_("Project saved."), "success")
            notices = [str(CLASS_KEPT)] if class_kept else []
            for notice in notices:
                note_done(notice, "warning")
            if wants_partial():
                return render("projects/show.html", "projects/_details.html",
                              **_page_context(project, notices=notices))
            return see_other("projects.show", project_id=project.id)
        project = Project.get_by_id(project.id)
        conflicts = _conflicts(project, form, form_version)
        form.version.data = str(project.version)  # saving again now overwrites, knowingly
        status = 409
    elif form.errors:
        status = 422
    return render("projects/edit.html", "projects/_details_form.html", status=status, form=form,
                  project=project, conflicts=conflicts, **_choice_labels())


@bp.route("/chain-links")
@login_required
def chain_links():
    """The chain-link select for the chosen industry (htmx swaps it in when the industry changes)."""
    form = ChainLinkForm(formdata=request.args)
    groups = chain_link_groups(form.industry_code.data or "")
    if all(form.chain_link_code.data != code for _group, links in groups for code, _label in links):
        form.chain_link_code.data = ""
    form.chain_link_code.set_groups(groups)
    return render("projects/_chain_link.html", "projects/_chain_link.html", form=form)


# Stages ---------------------------------------------------------------------------

def _stage_error(form, error: stages.StageError, default) -> int:
    """Show a refused stage change's message at its field (at ``default`` when that field is
    hidden, such as the version of a concurrent edit, or unknown); returns the status: 409 when
    someone else changed the project first, else 422."""
    target = getattr(form, error.field, None)
    if target is None or not hasattr(target, "errors") or isinstance(target, HiddenField):
        target = default
    target.errors = list(target.errors) + [str(error.message)]
    return 409 if isinstance(error, stages.StageConflict) else 422


def _upload_all(storages, project, saved: list[str], change=None) -> list[Attachment]:
    """Save the chosen files with their rows; ``saved`` (of uploads.removed_unless_committed) gets
    each stored name, so a failed transaction leaves no file behind."""
    attachments = []
    for storage in storages:
        if storage and storage.filename:
            stored = uploads.save(storage)
            saved.append(stored.stored_name)
            attachment = Attachment.create(project=project.id, stage_change=change.id if change else None,
                                           stored_name=stored.stored_name, original_name=stored.original_name,
                                           content_type=stored.content_type, size=stored.size, by=current_user.id)
            attachments.append(attachment)
            audit.record("attachment", "project", project.id,
                         {"attachment": [None, attachment.original_name]}, user=current_user)
    return attachments


def _check_uploads(storages) -> list[str]:
    errors = []
    for storage in storages or []:
        if storage and storage.filename:
            try:
                uploads.check(storage)
            except uploads.UploadError as exc:
                errors.append(str(exc))
    return errors


@bp.route("/<project_id>/stage", methods=["GET", "POST"])
@uploads.takes_files
@login_required
def stage(project_id):
    project = load_project(project_id)
    require(permissions.can_edit_project(current_user, project))
    form = StageForm()
    form.set_targets(stages.allowed_targets(project, current_user))
    status = 200
    if request.method == "GET":
        form.version.data = project.version
        form.on_date.data = today()
    elif form.validate_on_submit():
        upload_errors = _check_uploads(form.files.data)
        if upload_errors:
            form.files.errors = list(form.files.errors) + upload_errors
            status = 422
        else:
            version = _posted_version(form)
            try:
                with uploads.removed_unless_committed() as saved, database.atomic():
                    change = stages.change_stage(
                        project, current_user, form.to_stage.data, form.on_date.data, note=form.note.data,
                        reason=form.reason.data, contracted_amount=form.contracted_amount.data,
                        expected_version=version)
                    _upload_all(form.files.data, project, saved, change)
            except stages.StageError as exc:
                status = _stage_error(form, exc, form.to_stage)
                if status == 409:
                    form.version.data = Project.get_by_id(project.id).version
            else:
                flash(_("Stage changed."), "success")
                if wants_partial():
                    # The whole project page again (title badge, amounts, figures and history all
                    # change with the stage), wherever the form was: on the project page or on
                    # the stage page opened from a bookmark, which has no #stage to swap.
                    return "", 204, {"HX-Redirect": url_for("projects.show", project_id=project.id)}
                return see_other("projects.show", project_id=project.id)
    else:
        status = 422
    return render("projects/stage.html", "projects/_stage_form.html", status=status, form=form, project=project)


def _posted_version(form) -> int:
    """The project version the form was filled in against; a missing or forged one is a 400
    (falling back to the current version would silently skip the concurrent-edit check). Versions
    count from 1 and fit the database's integer, as ids do: 2**63 is a 400, not an overflow."""
    version = parse_id(form.version.data)
    if version is None:
        abort(400)
    return version


def _stage_change_of(project: Project, change_id) -> StageChange:
    """A stage change of this project, 404 for any other id (no reading across projects)."""
    change = get_or_404(StageChange, change_id)
    if change.project_id != project.id:
        abort(404)
    return change


@bp.route("/<project_id>/correct/<change_id>", methods=["GET", "POST"])
@login_required
def correct(project_id, change_id):
    project = load_project(project_id)
    change = _stage_change_of(project, change_id)
    require(permissions.can_correct_stages(current_user) and permissions.can_edit_project(current_user, project))
    form = CorrectionForm()
    status = 200
    if request.method == "GET":
        form.on_date.data = change.on_date
        form.version.data = project.version
    elif form.validate_on_submit():
        version = _posted_version(form)
        try:
            stages.correct_date(project, current_user, change, form.on_date.data, form.reason.data,
                                expected_version=version)
        except stages.StageError as exc:
            status = _stage_error(form, exc, form.on_date)
        else:
            flash(_("The date was corrected."), "success")
            return see_other("projects.show", project_id=project.id)
    else:
        status = 422
    return render("projects/correct.html", None, status=status, form=form, project=project, change=change)


@bp.route("/<project_id>/resubmit/<change_id>", methods=["GET", "POST"])
@login_required
def resubmit(project_id, change_id):
    project = load_project(project_id)
    change = _stage_change_of(project, change_id)
    require(permissions.can_edit_project(current_user, project))
    form = ResubmitForm()
    status = 200
    if request.method == "GET":
        form.on_date.data = change.on_date
        form.note.data = change.note
    elif form.validate_on_submit():
        try:
            stages.resubmit(change, current_user, form.on_date.data, form.note.data)
        except stages.StageError as exc:
            status = _stage_error(form, exc, form.on_date)
        else:
            flash(_("Submitted again for verification."), "success")
            return see_other("projects.show", project_id=project.id)
    else:
        status = 422
    return render("projects/resubmit.html", None, status=status, form=form, project=project, change=change)


# Verification ---------------------------------------------------------------------------

@bp.route("/verification", methods=["GET", "POST"])
@login_required
def verification():
    """The queue of pending changes; a POST approves the ticked ones (each audited on its own)."""
    require(permissions.can_verify_stages(current_user))
    if request.method == "POST":  # CSRFProtect has checked the token
        ids = [i for i in (parse_id(v) for v in request.form.getlist("change")) if i is not None]
        if not ids:
            flash(_("Tick the changes to approve first."), "error")
            return see_other("projects.verification")
        approved, refused = stages.approve_many(ids, current_user)
        if approved:
            flash(ngettext("%(num)d stage change approved.", "%(num)d stage changes approved.", len(approved)),
                  "success")
        for change, reason in refused:
            flash(_("Not approved: %(project)s — %(reason)s", project=change.project.name, reason=reason), "error")
        return see_other("projects.verification")
    rows = list(stages.pending_changes().limit(500))
    return render("projects/verification.html", None, rows=rows)


@bp.route("/<project_id>/verify/<change_id>", methods=["GET", "POST"])
@login_required
def verify(project_id, change_id):
    project = load_project(project_id)
    change = _stage_change_of(project, change_id)
    require(permissions.can_verify_stages(current_user))
    form = VerifyForm()
    status = 200
    if form.validate_on_submit():
        try:
            stages.verify(change, current_user, form.decision.data == "approve", form.opinion.data)
        except stages.StageError as exc:
            status = _stage_error(form, exc, form.decision)
        else:
            flash(_("Stage change approved.") if form.decision.data == "approve" else _("Stage change returned."),
                  "success")
            if request.form.get("next") == "queue":
                return see_other("projects.verification")
            return see_other("projects.show", project_id=project.id)
    elif request.method == "POST":
        status = 422
    return render("projects/verify.html", None, status=status, form=form, project=project, change=change,
                  investor=masking.investor_name(project, current_user))


# Capital in place ---------------------------------------------------------------------------

@bp.route("/<project_id>/capital", methods=["GET", "POST"])
@login_required
def capital(project_id):
    project = load_project(project_id)
    if request.method == "GET":
        return see_other("projects.show", project_id=project.id, _anchor="capital")
    require(permissions.can_edit_project(current_user, project))
    form = CapitalForm()
    if form.validate_on_submit():
        with database.atomic():
            entry = CapitalEntry.create(project=project.id, on_date=form.on_date.data, amount=form.amount.data,
                                        note=(form.note.data or "").strip(), by=current_user.id)
            audit.record("capital", "project", project.id,
                         {"capital_in_place": [None, entry.amount], "on_date": [None, entry.on_date]},
                         note=entry.note, user=current_user)
            plugins.project_changed(project, "capital", current_user)
        note_done(_("Capital in place recorded."), "success")
        if wants_partial():
            return render("projects/show.html", "projects/_capital.html", **_page_context(project))
        return see_other("projects.show", project_id=project.id, _anchor="capital")
    return render("projects/show.html", "projects/_capital.html", status=422,
                  **_page_context(project, capital_form=form))


# Attachments ---------------------------------------------------------------------------

@bp.route("/<project_id>/attachments", methods=["POST"])
@uploads.takes_files(back=lambda project_id: url_for("projects.show", project_id=project_id, _anchor="attachments"))
@login_required
def upload(project_id):
    project = load_project(project_id)
    require(permissions.can_edit_project(current_user, project))
    form = AttachmentForm()
    # A "files" field posted as plain text (not a file) is no file: the 422 "choose a file".
    storages = uploads.chosen(form.files.data) if form.validate_on_submit() else None
    if storages is None:
        abort(400)
    errors = _check_uploads(storages) if storages else [_("Choose a file to upload.")]
    if errors:
        summary = [FieldError(form.files.id, str(form.files.label.text), message) for message in errors]
        return render("projects/show.html", "projects/_attachments.html", status=422,
                      **_page_context(project, upload_errors=errors, form_errors=summary))
    with uploads.removed_unless_committed() as saved, database.atomic():
        _upload_all(storages, project, saved)
        plugins.project_changed(project, "attachment", current_user)
    note_done(_("File uploaded."), "success")
    if wants_partial():
        return render("projects/show.html", "projects/_attachments.html", **_page_context(project))
    return see_other("projects.show", project_id=project.id, _anchor="attachments")


@bp.route("/<project_id>/files/<stored_name>")
@login_required
def download(project_id, stored_name):
    project = load_project(project_id)
    attachment = Attachment.get_or_none(Attachment.project == project.id, Attachment.stored_name == stored_name)
    if attachment is None:
        abort(404)
    return uploads.send(attachment.stored_name, attachment.content_type, attachment.original_name)


# Archive and restore ---------------------------------------------------------------------------

def _set_archived(project_id, archived: bool, allowed) -> Project:
    """Archive or restore a project: one audited, versioned update (projects are never deleted)."""
    project = load_project(project_id)
    require(allowed(project) and project.archived != archived)
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(400)
    action = "archive" if archived else "restore"
    with database.atomic():
        Project.update(archived=archived, version=Project.version + 1, updated_at=utcnow()).where(
            Project.id == project.id).execute()
        audit.record(action, "project", project.id,
                     {"archived": [not archived, archived], "version": [project.version, project.version + 1]},
                     note=(form.note.data or "").strip(), user=current_user)
        project = Project.get_by_id(project.id)
        plugins.project_changed(project, action, current_user)
    return project


@bp.route("/<project_id>/archive", methods=["POST"])
@login_required
def archive(project_id):
    project = _set_archived(project_id, True, lambda p: permissions.can_archive_project(current_user, p))
    flash(_("Project archived. It no longer appears in the lists."), "success")
    return see_other("projects.show", project_id=project.id)


@bp.route("/<project_id>/restore", methods=["POST"])
@login_required
def restore(project_id):
    project = _set_archived(project_id, False, lambda p: permissions.can_restore_project(current_user))
    flash(_("Project restored."), "success")
    return see_other("projects.show", project_id=project.id)
