"""Industry chains (产业链): links with their projects, gaps to replenish, leader, team and targets."""
from __future__ import annotations

from dataclasses import dataclass

import peewee
from flask import Blueprint, abort, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import audit, industries, permissions
from portal.chains import permissions as chains_permissions
from portal.db import database, not_by_index
from portal.figures import tally
from portal.models import Project, Unit
from portal.models.chains import ChainInfo, TargetEnterprise
from portal.models.fields import utcnow
from portal.chains.forms import TARGET_STATUS_LABELS, ChainInfoForm, TargetForm, TargetFormByNumber
from portal.timeutil import today
from portal.stages import COUNTED_MILESTONES
from portal.web import form_status, get_or_404, project_page_url, see_other, served_url

bp = Blueprint("chains", __name__, url_prefix="/chains")

#: Stages that count as "signed or later" for chain gaps: the counted milestones.
SIGNED_OR_LATER = COUNTED_MILESTONES


def _read_required():
    if not chains_permissions.can_read_chains(current_user):
        abort(403)


def signed_counts(industry_code: str) -> dict[str, int]:
    """``{link: number of active projects signed or later}`` of one industry (one SQL query)."""
    # COUNT(*), not COUNT(id): migration 0055's index holds what this reads, but not the id on PostgreSQL.
    query = (Project.select(Project.chain_link_code, peewee.fn.COUNT(peewee.SQL("*")))
             .where(Project.archived == False, Project.industry_code == industry_code,  # noqa: E712
                    Project.stage.in_(SIGNED_OR_LATER))
             .group_by(Project.chain_link_code).tuples())
    return dict(query)


def filled_links(pairs: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Those of the ``(industry, link)`` pairs with an active project signed or later: one statement of
    an EXISTS per pair, each a look in migration 0055's index. Counting every signed project by link
    for them read the whole index (10 ms of a county's /chains at 100,300 projects on SQLite, 1 ms at
    10,300); a few dozen looks cost the same at any size."""
    if not pairs:
        return set()
    probes = [peewee.fn.EXISTS(Project.select(peewee.SQL("1")).where(
        Project.archived == False, Project.industry_code == industry, Project.chain_link_code == link,  # noqa: E712
        Project.stage.in_(SIGNED_OR_LATER))) for industry, link in pairs]
    [answers] = peewee.Select(columns=probes).tuples().execute(database)
    return {pair for pair, filled in zip(pairs, answers) if filled}


def industry_counts(user) -> dict[str, int]:
    """Projects per industry the user may read: from the tally the database keeps where it can say (a
    county's count from the projects walked all 100,000 in the industries' order: 150-190 ms on
    SQLite), else from the projects."""
    visible = tally.readable_conditions(user)
    if visible is not None:
        return tally.totals_by(tally.T.industry_code, tally.COLUMNS.archived == False, *visible)  # noqa: E712
    group = Project.industry_code if permissions.units_hold_many_projects(user) else not_by_index(Project.industry_code)
    query = (permissions.visible_projects(user, Project.select(Project.industry_code, peewee.fn.COUNT(peewee.SQL("*"))))
             .where(Project.archived == False).group_by(group).tuples())  # noqa: E712
    return dict(query)


def target_counts() -> dict[str, int]:
    query = (TargetEnterprise.select(TargetEnterprise.industry_code, peewee.fn.COUNT(TargetEnterprise.id))
             .group_by(TargetEnterprise.industry_code).tuples())
    return dict(query)


@bp.route("")
@login_required
def index():
    _read_required()
    every = industries.industries()
    filled = filled_links([(item["code"], link["code"]) for item in every for link in item.get("links", [])])
    projects = industry_counts(current_user)
    targets = target_counts()
    infos = {c.industry_code: c for c in ChainInfo.select()}
    rows = []
    for item in every:
        links = item.get("links", [])
        gaps = [link for link in links if (item["code"], link["code"]) not in filled]
        rows.append({"industry": item, "label": industries.label(item["code"]),
                     "kind": industries.kind_label(item.get("kind", "leading")),
                     "projects": projects.get(item["code"], 0), "links": len(links), "gaps": len(gaps),
                     "targets": targets.get(item["code"], 0), "info": infos.get(item["code"])})
    return render_template("chains/index.html", rows=rows, system=industries.active_system(),
                           industry_name=industries.label)


def _industry_or_404(code):
    item = industries.industry(code)
    if item is None:
        abort(404)
    return item


#: Above this many projects of the industry the user reads, the target form asks for the linked
#: project's number instead of offering every one in a select (the bureau's select of 11,191 projects
#: at 100,300 was 0.7 MB of the chain's page).
PROJECT_CHOICES_MAX = 300


def _linkable_projects(code):
    """The projects a target enterprise of the industry ``code`` may be linked to: active, of the
    industry, read by the user."""
    return permissions.visible_projects(current_user).where(
        Project.industry_code == code, Project.archived == False)  # noqa: E712


def _target_form(code, target=None, formdata=None):
    projects = list(_linkable_projects(code).select(Project.id, Project.name).order_by(Project.name)
                    .limit(PROJECT_CHOICES_MAX + 1))
    by_number = len(projects) > PROJECT_CHOICES_MAX
    form = (TargetFormByNumber if by_number else TargetForm)(formdata=formdata, obj=target)
    form.chain_link_code.choices = [("", "—")] + industries.chain_link_choices(code)
    if not by_number:
        form.project.choices = [(None, "—")] + [(p.id, p.name) for p in projects]
    if target is not None and formdata is None:
        form.project.data = target.project_id
    return form


#: Projects named on a chain link's row, and among those without a link: the page is the chain's map,
#: the list of the industry's projects holds them all. Naming every one made the bureau's page of an
#: industry 1.6 MB at 100,300 projects (11,191 names), 1.4-1.6 s.
LINK_PROJECTS_SHOWN = 20


@dataclass
class LinkProjects:
    """The first ``LINK_PROJECTS_SHOWN`` projects (by stage, then name) and how many there are."""

    shown: list
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.shown)


def _link_projects(code: str, link_codes: list[str]) -> tuple[dict[str, LinkProjects], LinkProjects]:
    """The projects ``current_user`` reads in the industry ``code``: by chain link, and those on none
    of its links (no link, or a link the industry no longer has). One count by link, then a page of
    names per link."""
    readable = permissions.visible_projects(current_user).where(
        Project.industry_code == code, Project.archived == False)  # noqa: E712
    counts = dict(readable.select(Project.chain_link_code, peewee.fn.COUNT(peewee.SQL("*")))
                  .group_by(Project.chain_link_code).tuples())

    def first(condition):  # what the page shows of each: its name, stage and page
        return list(readable.select(Project.id, Project.name, Project.stage).where(condition)
                    .order_by(Project.stage, Project.name, Project.id).limit(LINK_PROJECTS_SHOWN))

    by_link = {link: LinkProjects(first(Project.chain_link_code == link) if counts.get(link) else [],
                                  counts.get(link, 0)) for link in link_codes}
    elsewhere = sum(n for link, n in counts.items() if link not in by_link)
    off_links = Project.chain_link_code.is_null() | Project.chain_link_code.not_in(link_codes or [""])
    unlinked = LinkProjects(first(off_links) if elsewhere else [], elsewhere)
    return by_link, unlinked


def _page(code, info_form=None, target_form=None, status=200):
    item = _industry_or_404(code)
    signed = signed_counts(code)
    chain_links = industries.chain_links(code)
    by_link, unlinked = _link_projects(code, [link["code"] for link in chain_links])
    links = [{"link": link, "position": industries.position_label(link.get("position", "mid")),
              "name": industries.chain_link_label(link["code"]), "projects": by_link[link["code"]],
              "signed": signed.get(link["code"], 0)} for link in chain_links]
    info = ChainInfo.get_or_none(ChainInfo.industry_code == code)
    if info_form is None:
        info_form = ChainInfoForm(formdata=None, obj=info)
        if info is not None:
            info_form.leader.data, info_form.special_team.data = info.leader_id, info.special_team_id
    targets = list(TargetEnterprise.select(TargetEnterprise, Project.id, Project.name, Unit.id, Unit.name)
                   .join(Project, peewee.JOIN.LEFT_OUTER, on=(TargetEnterprise.project == Project.id), attr="project")
                   .switch(TargetEnterprise).join(Unit, on=(TargetEnterprise.unit == Unit.id), attr="unit")
                   .where(TargetEnterprise.industry_code == code)
                   .order_by(TargetEnterprise.status, TargetEnterprise.company))
    # A linked project's name only for those who may read the project.
    linked = [t.project_id for t in targets if t.project_id]
    readable = {pid for (pid,) in permissions.visible_projects(
        current_user, Project.select(Project.id).where(Project.id.in_(linked))).tuples()} if linked else set()
    can_add_target = chains_permissions.can_add_target_enterprise(current_user)
    return render_template(
        "chains/show.html", item=item, industry_label=industries.label(code), links=links, unlinked=unlinked,
        gaps=[row for row in links if not row["signed"]], info=info, info_form=info_form,
        # The form (its select of every project of the industry the user reads) only for who may add.
        target_form=target_form or (_target_form(code) if can_add_target else None), targets=targets,
        readable_projects=readable, status_labels=TARGET_STATUS_LABELS,
        can_edit_chain=chains_permissions.can_edit_chain(current_user), can_add_target=can_add_target,
        can_edit_target=lambda t: chains_permissions.can_edit_target_enterprise(current_user, t),
        link_label=industries.chain_link_label, project_url=project_page_url,
        industry_list_url=served_url("lists.all_projects", industry=code),
        kind=industries.kind_label(item.get("kind", "leading")),
    ), status


@bp.route("/<code>")
@login_required
def show(code):
    _read_required()
    return _page(code)


def _info_values(info: ChainInfo) -> dict:
    return {"leader": info.leader_id, "special_team": info.special_team_id, "note": info.note or ""}


@bp.route("/<code>/info", methods=["POST"])
@login_required
def edit_info(code):
    _read_required()
    _industry_or_404(code)
    if not chains_permissions.can_edit_chain(current_user):
        abort(403)
    form = ChainInfoForm()
    if not form.validate_on_submit():
        return _page(code, info_form=form, status=422)
    with database.atomic():
        info = ChainInfo.get_or_none(ChainInfo.industry_code == code)
        before = {} if info is None else _info_values(info)
        info = info or ChainInfo(industry_code=code)
        info.leader, info.special_team = form.leader.data, form.special_team.data
        info.note = (form.note.data or "").strip()
        after = _info_values(info)
        # Saved unchanged (or still empty, for a chain without a row yet): nothing to write or audit.
        if after != (before or _info_values(ChainInfo())):
            info.updated_at = utcnow()
            info.save()
            audit.record("edit", "chain", info.id, audit.diff(before, after), note=code)
    flash(_("Chain saved."), "success")
    return see_other("chains.show", code=code)


def _save_target(form, target, code):
    if form.project.data and not _linkable_projects(code).where(Project.id == form.project.data).exists():
        form.project.errors.append(_("No active project of this industry that you may read has this number.")
                                   if isinstance(form, TargetFormByNumber) else _("Choose a project you may read."))
        return False
    fields = ("company", "chain_link_code", "reason", "reviewed_quarter", "status")
    before = {f: getattr(target, f) for f in fields} | {"project": target.project_id}
    for f in fields:
        setattr(target, f, (getattr(form, f).data or "").strip())
    target.project = form.project.data
    if not target.reviewed_quarter:
        day = today()
        target.reviewed_quarter = f"{day.year}Q{(day.month - 1) // 3 + 1}"
    after = {f: getattr(target, f) for f in fields} | {"project": target.project_id}
    changes = audit.diff(before, after)
    if not changes:  # saved unchanged: nothing to write or audit
        return True
    target.updated_at = utcnow()
    target.save()
    audit.record("edit" if before.get("company") else "create", "target_enterprise", target.id, changes, note=code)
    if target.project_id:  # a target linked to a project: its project's history shows it too
        audit.record("edit", "project", target.project_id, {"target_enterprise": [None, target.company]},
                     note=code)
    return True


@bp.route("/<code>/targets", methods=["POST"])
@login_required
def add_target(code):
    _read_required()
    _industry_or_404(code)
    if not chains_permissions.can_add_target_enterprise(current_user):
        abort(403)
    form = _target_form(code, formdata=request.form)
    if form.validate_on_submit():
        with database.atomic():
            target = TargetEnterprise(industry_code=code, unit=current_user.unit_id, created_by=current_user.id,
                                      company="")
            if _save_target(form, target, code):
                flash(_("Target enterprise saved."), "success")
                return see_other("chains.show", code=code)
    return _page(code, target_form=form, status=422)


@bp.route("/targets/<target_id>", methods=["GET", "POST"])
@login_required
def edit_target(target_id):
    _read_required()
    target = get_or_404(TargetEnterprise, target_id)
    if not chains_permissions.can_edit_target_enterprise(current_user, target):
        abort(403)
    code = target.industry_code
    form = _target_form(code, target=target, formdata=request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate_on_submit():
        with database.atomic():
            if _save_target(form, target, code):
                flash(_("Target enterprise saved."), "success")
                return see_other("chains.show", code=code)
    return render_template("chains/target.html", form=form, target=target, industry_label=industries.label(code)), \
        form_status(form)
