"""Pages of the weekly scheduling: the unit's weekly report, milestones, the wall chart and the meeting page."""
from __future__ import annotations

import datetime as dt
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from math import ceil

import peewee
from peewee import SQL, fn
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required

from portal import audit, flag_reasons, industries, permissions, plugins, unit_pages
from portal.scheduling import permissions as scheduling_permissions
from portal.figures import cached
from portal.figures.scope import PROJECT_COLUMNS, Scope
from portal.admin.forms import coerce_unit
from portal.db import database
from portal.models import FlagSnapshot, Milestone, ProgressReport, Project, Unit, UnitWeekFlag, User
from portal.models.scheduling import LIST_NAMES
from portal.projects.export import in_chunks
from portal.scheduling import carry_over as C
from portal.scheduling import meeting_lists as L
from portal.scheduling import flags as F
from portal.scheduling import snapshots as S
from portal.scheduling import weeks as W
from portal.scheduling.forms import CompleteMilestoneForm, MilestoneForm, read_report_row
from portal.timeutil import iso_week, today
from portal.web import form_status, get_or_404, parse_id, project_page_url, render, safe_next

bp = Blueprint("scheduling", __name__, url_prefix="/scheduling")

#: The four lists (四张清单) counted per unit in the weekly snapshots.
LIST_LABELS = {
    "clues": _l("Clue list"),
    "signed": _l("Signed list"),
    "landed": _l("Landed list"),
    "production": _l("Production list"),
}


class BadParameter(Exception):
    def __init__(self, field, message):
        super().__init__(message)
        self.field, self.message = field, message


@bp.errorhandler(BadParameter)
def _bad_parameter(exc):
    return render_template("scheduling/bad_parameter.html", field=exc.field, message=exc.message), 400


def week_arg(name="week", allow_future=False) -> str:
    raw = request.values.get(name, "").strip()
    current = iso_week(today())
    if not raw:
        return current
    week = W.parse_week(raw)
    if week is None:
        raise BadParameter(name, _("Enter a week such as %(example)s.", example=current))
    if not allow_future and week > current:
        raise BadParameter(name, _("This week has not begun yet."))
    return week


def unit_arg(default=None) -> Unit | None:
    raw = request.values.get("unit", "").strip()
    if not raw:
        return default
    unit = coerce_unit(raw)
    if unit is None:
        raise BadParameter("unit", _("Choose a unit from the list."))
    return unit


def _readable_unit_choices():
    readable = permissions.readable_unit_ids(current_user)
    query = Unit.select().where(Unit.active == True).order_by(Unit.path)  # noqa: E712
    if readable is not None:
        query = query.where(Unit.id.in_(readable))
    return [(u.id, "\u2003" * (u.path.count("/") - 2) + u.name) for u in query]


def _safe_next(default: str) -> str:
    return safe_next(request.form.get("next"), default)


# Weekly report ------------------------------------------------------------------

def week_open(week: str) -> bool:
    """Progress may be entered for the current week and for earlier weeks not yet frozen."""
    return week <= iso_week(today()) and not S.is_frozen(week)


#: Rows of the weekly report form at a time: a county at province scale has thousands of projects.
REPORT_PAGE_SIZE = 50


#: The rows' order (by unit, then name); the id makes it total, so a row's page is well defined.
_REPORT_ORDER = (Unit.path, Project.name, Project.id)


def _report_query(unit: Unit, week: str):
    """The active projects of the unit and the units below it; of a frozen week, those its snapshot
    recorded (with the unit and stage they had then: see ``_as_reported``), in the page's order."""
    if S.is_frozen(week):
        query = (Project.select(Project, FlagSnapshot, Unit)
                 .join(FlagSnapshot, on=((FlagSnapshot.project == Project.id) & (FlagSnapshot.week == week)),
                       attr="snapshot")
                 .join(Unit, on=(FlagSnapshot.unit == Unit.id), attr="unit_then")
                 .where(FlagSnapshot.stage.in_(F.ACTIVE_STAGES), Unit.path.startswith(unit.path)))
    else:
        query = (Project.select(Project, Unit).join(Unit, on=(Project.responsible_unit == Unit.id))
                 .where(_on_report(unit, PROJECT_COLUMNS)))
    return permissions.visible_projects(current_user, query).order_by(*_REPORT_ORDER)


def _on_report(unit: Unit, columns):
    """The unit's report holds its active projects (of the current week, or one not frozen), written
    on the project's columns or on the tally's."""
    return ((columns.archived == False) & columns.stage.in_(F.ACTIVE_STAGES)  # noqa: E712
            & scheduling_permissions.report_projects_condition(unit, columns.responsible_unit, columns.source_team))


@dataclass(frozen=True)
class ReportCounts:
    """The report's rows and those reported in the week, per responsible unit (``{(None, unit id): n}``,
    as portal.unit_pages walks them)."""

    rows: dict
    reported: dict

    def shown(self, show: str) -> dict:
        if not show:
            return self.rows
        return {key: n - self.reported.get(key, 0) for key, n in self.rows.items()}


def report_counts(unit: Unit, week: str) -> ReportCounts | None:
    """The report's rows counted per unit: from the tally where it can say what the user reads (else
    grouped in the database), the reported ones from the week's reports; None for a frozen week,
    whose rows come from its snapshot. A county's report at 100,300 projects counted and sorted its
    20,000 rows for a page of 50 (PostgreSQL: 18 and 61 ms). Read them once for a page and give them
    to ``report_progress`` and ``report_projects`` (not kept: a request that saves a report reads
    them after)."""
    if S.is_frozen(week):
        return None
    query = _report_query(unit, week).order_by()
    rows = unit_pages.counts_for(current_user, query, lambda columns: _on_report(unit, columns))
    reported = query.switch(Project).join(ProgressReport, on=(ProgressReport.project == Project.id)).where(
        ProgressReport.week == week)
    return ReportCounts(rows, unit_pages.counts_by_unit(reported, distinct=True))


def _reported(week: str):
    """SQL on Project: it has a progress entry in the week (the week's entries are few: a set)."""
    return Project.id.in_(ProgressReport.select(ProgressReport.project).where(ProgressReport.week == week))


def _shown_query(unit: Unit, week: str, show: str):
    query = _report_query(unit, week)
    return query.where(~_reported(week)) if show else query


def _as_reported(projects, week) -> list:
    """Of a frozen week, each project with the unit and stage it had then (set on the objects, which
    are not saved)."""
    projects = list(projects)
    if S.is_frozen(week):
        for project in projects:
            project.responsible_unit, project.stage = project.snapshot.unit_then, project.snapshot.stage
    return projects


def report_projects(unit: Unit, week: str, page: int | None = None, show: str = "", ids=None,
                    size: int | None = None, counts: ReportCounts | None = None):
    """The projects of the report form: one page of ``size`` (default ``REPORT_PAGE_SIZE``) of them
    (all when ``page`` is None), or those of ``ids`` (the rows a posted form held) on the report.
    A page is read unit by unit where ``counts`` (``report_counts``) are given."""
    query = _shown_query(unit, week, show)
    if ids is not None:
        query = query.where(Project.id.in_(list(ids)))
    if counts is not None and ids is None and page is not None:  # unit by unit (portal.unit_pages)
        size = size or REPORT_PAGE_SIZE
        rows, _total = unit_pages.page_of(
            unit_pages.in_unit_order(counts.shown(show)), (page - 1) * size, size,
            lambda group: query.where(Project.responsible_unit == group[1]).order_by(Project.name, Project.id),
            whole_rows=True)
        return rows
    return _as_reported(query if page is None else query.paginate(page, size or REPORT_PAGE_SIZE), week)


def report_progress(unit: Unit, week: str, counts: ReportCounts | None = None) -> dict:
    """How many of the unit's rows are reported this week, counted in SQL (from ``counts`` where given)."""
    counts = counts or report_counts(unit, week)
    if counts is not None:
        total, reported = sum(counts.rows.values()), sum(counts.reported.values())
    else:
        done = peewee.Case(None, [(_reported(week), 1)], 0)
        total, reported = (_report_query(unit, week).order_by()
                           .select(fn.COUNT(SQL("*")), fn.SUM(done)).tuples().get())
    reported = int(reported or 0)
    return {"reported": reported, "total": total, "left": total - reported}


@dataclass(frozen=True)
class ReportPage:
    """Where a page of the report's rows stands among them (templates/_pager.html); its links keep
    the week, unit and filter and lead to the form page, also from a row's own address."""

    number: int
    total: int
    week: str
    unit_id: int
    show: str

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / REPORT_PAGE_SIZE))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    def url(self, number: int) -> str:
        return report_url(self.week, self.unit_id, self.show, number)


def report_url(week, unit_id, show, page=1, **args) -> str:
    return url_for("scheduling.report", week=week, unit=unit_id, show=show or None,
                   page=page if page > 1 else None, **args)


def _row_key(unit, week, project_ids, last=False):
    """The ordering key (unit path, name, id) of the first (or last) of these rows on the report."""
    order = [c.desc() for c in _REPORT_ORDER] if last else list(_REPORT_ORDER)
    return (_report_query(unit, week).where(Project.id.in_(list(project_ids))).order_by(*order)
            .select(*_REPORT_ORDER).tuples().first())


def _landing_row(unit, week, saved_ids):
    """The row the page opens at after saving: the first still to report after the last row
    saved, else the first still to report (wrapping round), else None: found in SQL."""
    waiting = _report_query(unit, week).where(~_reported(week))
    key = _row_key(unit, week, saved_ids, last=True) if saved_ids else None
    after = waiting.where(peewee.Tuple(*_REPORT_ORDER) > peewee.Tuple(*key)) if key else waiting
    row = after.select(Project.id).tuples().first() or waiting.select(Project.id).tuples().first()
    return row[0] if row else None


def _page_of(unit, week, show, project_id) -> int:
    """The page of the (shown) rows that holds this row."""
    key = _row_key(unit, week, [project_id])
    if key is None:
        return 1
    before = _shown_query(unit, week, show).where(peewee.Tuple(*_REPORT_ORDER) < peewee.Tuple(*key)).order_by()
    return before.count() // REPORT_PAGE_SIZE + 1


def week_reports(project_ids, week) -> dict[int, list]:
    reports = defaultdict(list)
    if project_ids:
        query = (ProgressReport.select(ProgressReport, User).join(User)
                 .where(ProgressReport.project.in_(project_ids), ProgressReport.week == week)
                 .order_by(ProgressReport.created_at, ProgressReport.id))
        for report in query:
            reports[report.project_id].append(report)
    return reports


def save_report(project: Project, week: str, values: dict, user) -> ProgressReport:
    """Store one progress entry, audit it and let the flags recompute."""
    with database.atomic():
        report = ProgressReport.create(project=project, week=week, author=user, **values)
        audit.record("progress", "project", project.id,
                     {"week": [None, week], "happened": [None, values["happened"]],
                      "next_steps": [None, values["next_steps"]],
                      "percent_complete": [None, values["percent_complete"]]}, user=user)
        plugins.project_changed(project, "progress", user)
    return report


def _typed_row(form, project_id) -> dict:
    """What was typed in one row, as typed, to show it again."""
    return {k: form.get(f"{k}-{project_id}", "") for k in ("happened", "next", "percent")}


#: ``?show=unreported``: only the rows still without a report this week.
SHOW_UNREPORTED = "unreported"


def _show_arg() -> str:
    return SHOW_UNREPORTED if request.values.get("show") == SHOW_UNREPORTED else ""


def _report_scope():
    """The week, the unit and whether the user may enter its progress; 403 for a unit the user
    may not read."""
    week = week_arg()
    unit = unit_arg(default=current_user.unit)
    if not scheduling_permissions.can_read_progress(current_user, unit):
        abort(403)
    return week, unit, scheduling_permissions.can_report_progress(current_user, unit) and week_open(week)


def _row_context(project, week, unit, show, progress, reports, plan=None, errors=None, values=None, focus=None):
    return {"project": project, "week": week, "unit": unit, "editable": True, "show": show, "progress": progress,
            "save_all": True, "page_number": _page_arg("page"),
            "reports": reports, "plan": plan, "errors": errors or {}, "values": values or {}, "focus": focus}


def _report_page(week, unit, editable, show, projects=None, errors=None, values=None, status=200):
    """One page of the rows (or, when a posted form comes back with errors, the rows it held) with
    the week's count over every row, both from SQL."""
    counts = report_counts(unit, week)
    progress = report_progress(unit, week, counts)
    pager = ReportPage(_page_arg("page"), progress["left"] if show else progress["total"], week, unit.id, show)
    pager = ReportPage(min(pager.number, pager.pages), pager.total, week, unit.id, show)
    if projects is None:
        projects = report_projects(unit, week, page=pager.number, show=show, counts=counts)
    reports = week_reports([p.id for p in projects], week)
    waiting = [p.id for p in projects if not reports.get(p.id)]
    plans = C.last_plans(waiting, week) if editable else {}
    at = parse_id(request.args.get("at"))
    focus_id = at if at in waiting else (waiting[0] if waiting and not errors else None)
    return render("scheduling/report.html", status=status, week=week, unit=unit, projects=projects,
                  reports=reports, editable=editable, errors=errors or {}, values=values or {}, plans=plans,
                  show=show, progress=progress, focus_id=focus_id, page=pager, page_number=pager.number,
                  save_all=editable and bool(projects), current_week=iso_week(today()), frozen=S.is_frozen(week),
                  previous_week=W.shift_week(week, -1),
                  next_week=W.shift_week(week, 1) if week < iso_week(today()) else None,
                  unit_choices=_readable_unit_choices())


def _back_to_report(week, unit, show, saved_ids):
    """303 to the report page, opened at the next row still to report and on the page that holds
    it: ``at`` puts the cursor there (``autofocus``, which scrolls to it, without JavaScript too;
    no ``#anchor``, since a browser skips autofocus on a page opened at one), the filter kept."""
    at = _landing_row(unit, week, saved_ids)
    page = _page_of(unit, week, show, at) if at else 1
    return redirect(report_url(week, unit.id, show, page, at=at), code=303)


def _posted_rows(unit, week):
    """The rows the posted form held (its fields are named ``happened-<id>``, ``next-<id>``,
    ``percent-<id>``) that are on the unit's report: a page of them, whatever else changed on the
    report since the page was sent."""
    ids = {parse_id(value) for name, _sep, value in (key.partition("-") for key in request.form)
           if name in ("happened", "next", "percent")}
    ids.discard(None)
    return report_projects(unit, week, ids=sorted(ids)[:4 * REPORT_PAGE_SIZE])


@bp.route("/report", methods=["GET", "POST"])
@login_required
def report():
    week, unit, editable = _report_scope()
    show = _show_arg()
    if request.method == "GET":
        return _report_page(week, unit, editable, show)
    if not editable:
        abort(403)
    projects = _posted_rows(unit, week)
    reports = week_reports([p.id for p in projects], week)
    plans = C.last_plans([p.id for p in projects if not reports.get(p.id)], week)
    rows, errors, untouched = {}, {}, 0
    for project in projects:
        row, row_errors = read_report_row(request.form, project.id)
        if row_errors:
            errors[project.id] = row_errors
        elif row is not None and C.untouched(row, plans.get(project.id)):
            untouched += 1
        elif row is not None:
            rows[project.id] = row
    if errors:
        # "Save all" is one decision: with a row to fix nothing is saved, so every row keeps
        # what the clerk typed and one more click saves them all once fixed.
        values = {p.id: _typed_row(request.form, p.id) for p in projects}
        return _report_page(week, unit, editable, show, projects, errors, values, status=422)
    by_id = {p.id: p for p in projects}
    for project_id, row in rows.items():
        save_report(by_id[project_id], week, row, current_user)
    if rows:
        flash(ngettext("%(num)d progress entry saved.", "%(num)d progress entries saved.", len(rows)), "success")
    elif untouched:
        flash(ngettext("%(num)d row still shows last week's plan unchanged and was not saved: "
                       "its own “Save this row” button keeps the plan as this week's progress.",
                       "%(num)d rows still show last week's plan unchanged and were not saved: "
                       "a row's own “Save this row” button keeps the plan as this week's progress.",
                       untouched), "error")
    else:
        flash(_("Nothing to save: every row was empty."), "error")
    return _back_to_report(week, unit, show, list(rows))


@bp.route("/report/row/<project_id>", methods=["POST"])
@login_required
def report_row(project_id):
    """Save one row: htmx swaps the row in place (and the count out of band); without JavaScript
    the row's button posts the whole form here and the page comes back at the next row."""
    project = get_or_404(Project, project_id)
    week = week_arg()
    unit = unit_arg(default=project.responsible_unit)
    show = _show_arg()
    if not scheduling_permissions.can_report_project_progress(current_user, project):
        abort(403)
    if not week_open(week):
        raise BadParameter("week", _("This week is closed for reports."))
    row, row_errors = read_report_row(request.form, project.id)
    if row is None and not row_errors:
        row_errors = {"happened": _("Say what happened this week.")}
    if not row_errors:
        save_report(project, week, row, current_user)
    if not request.headers.get("HX-Request"):
        if not row_errors:
            flash(_("Progress saved."), "success")
            return _back_to_report(week, unit, show, [project.id])
        # The page again with every typed value and the message at the row (nothing was saved).
        if not scheduling_permissions.can_read_progress(current_user, unit):
            abort(403)
        projects = _posted_rows(unit, week)
        values = {p.id: _typed_row(request.form, p.id) for p in projects}
        editable = scheduling_permissions.can_report_progress(current_user, unit)
        return _report_page(week, unit, editable, show, projects, {project.id: row_errors}, values, status=422)
    reports = week_reports([project.id], week).get(project.id, [])
    plan = None if reports else C.last_plans([project.id], week).get(project.id)
    progress = report_progress(unit, week) if scheduling_permissions.can_read_progress(current_user, unit) else None
    context = _row_context(project, week, unit, show, progress, reports, plan, row_errors,
                           _typed_row(request.form, project.id) if row_errors else {},
                           focus="error" if row_errors else "next")
    return render("scheduling/_report_row_answer.html", status=422 if row_errors else 200, **context)


# Milestones -----------------------------------------------------------------------

STAGE_PLANS = (
    ("signed", "planned_sign_date", "signed_on"),
    ("started", "planned_start_date", "started_on"),
    ("completed", "planned_completion_date", "completed_on"),
    ("production", "planned_production_date", "production_on"),
)


def timeline(project: Project, day: dt.date | None = None) -> list[dict]:
    """Plan against actual: planned stage dates and milestones with their status, by planned date."""
    day = day or today()
    from portal.labels import STAGE_LABELS

    items = []
    for stage, planned_field, actual_field in STAGE_PLANS:
        planned = getattr(project, planned_field)
        if planned:
            items.append({"title": str(STAGE_LABELS[stage]), "planned": planned,
                          "actual": getattr(project, actual_field), "milestone": None, "unit": None})
    for milestone in Milestone.select(Milestone, Unit).join(Unit, peewee.JOIN.LEFT_OUTER).where(
            Milestone.project == project.id).order_by(Milestone.planned_on, Milestone.id):
        items.append({"title": milestone.title, "planned": milestone.planned_on, "actual": milestone.actual_on,
                      "milestone": milestone,
                      "unit": milestone.responsible_unit if milestone.responsible_unit_id else None})
    for item in items:
        planned, actual = item["planned"], item["actual"]
        if actual:
            late = (actual - planned).days
            item["status"] = "late" if late > 0 else "on_time"
            item["days"] = max(late, 0)
        elif project.stage == "dropped":
            item["status"], item["days"] = "dropped", 0
        elif planned < day:
            item["status"], item["days"] = "overdue", (day - planned).days
        else:
            item["status"], item["days"] = "due", (planned - day).days
    items.sort(key=lambda i: (i["planned"], i["title"]))
    return items


def _milestone_page(project, form, complete_form=None, status=None):
    if not permissions.can_read_project(current_user, project):
        abort(403)
    return render_template(
        "scheduling/milestones.html", project=project, items=timeline(project), form=form,
        complete_form=complete_form or CompleteMilestoneForm(today=today()),
        can_edit=scheduling_permissions.can_edit_milestones(current_user, project), next_url=request.path,
    ), status or form_status(form)


@bp.route("/projects/<project_id>/milestones", methods=["GET", "POST"])
@login_required
def milestones(project_id):
    project = get_or_404(Project, project_id)
    if not permissions.can_read_project(current_user, project):
        abort(403)
    form = MilestoneForm(today=today())
    if request.method == "POST":
        if not scheduling_permissions.can_edit_milestones(current_user, project):
            abort(403)
        if form.validate_on_submit():
            with database.atomic():
                milestone = Milestone.create(project=project, title=form.title.data.strip(),
                                             planned_on=form.planned_on.data, actual_on=form.actual_on.data,
                                             responsible_unit=form.responsible_unit.data, created_by=current_user.id)
                audit.record("milestone", "project", project.id, {
                    "milestone": [None, milestone.title], "planned_on": [None, milestone.planned_on],
                    "actual_on": [None, milestone.actual_on],
                    "responsible_unit": [None, milestone.responsible_unit]})
                plugins.project_changed(project, "milestone", current_user)
            flash(_("Milestone added."), "success")
            return redirect(_safe_next(url_for("scheduling.milestones", project_id=project.id)), code=303)
    return _milestone_page(project, form)


@bp.route("/milestones/<milestone_id>/complete", methods=["POST"])
@login_required
def milestone_complete(milestone_id):
    milestone = get_or_404(Milestone, milestone_id)
    project = milestone.project
    if not scheduling_permissions.can_edit_milestones(current_user, project):
        abort(403)
    form = CompleteMilestoneForm(today=today())
    if not form.validate_on_submit():
        return _milestone_page(project, MilestoneForm(formdata=None, today=today()), complete_form=form, status=422)
    with database.atomic():
        before = milestone.actual_on
        Milestone.update(actual_on=form.actual_on.data).where(Milestone.id == milestone.id).execute()
        audit.record("milestone", "project", project.id, {"milestone": [milestone.title, milestone.title],
                                                          "actual_on": [before, form.actual_on.data]})
        plugins.project_changed(project, "milestone", current_user)
    flash(_("Milestone completed."), "success")
    return redirect(_safe_next(url_for("scheduling.milestones", project_id=project.id)), code=303)


# Wall chart ----------------------------------------------------------------------------

WALLCHART_LIMIT = 300


#: What the wall chart shows of a project: its name, stage, flag, unit and stage dates, planned and done.
WALLCHART_COLUMNS = (Project.id, Project.name, Project.stage, Project.flag, Project.responsible_unit,
                     *(getattr(Project, name) for _stage, planned, done in STAGE_PLANS for name in (planned, done)))


def _wallchart_rows(projects, year, day):
    ids = [p.id for p in projects]
    by_project = defaultdict(list)
    if ids:
        for m in Milestone.select().where(Milestone.project.in_(ids)).order_by(Milestone.planned_on):
            by_project[m.project_id].append(m)
    from portal.labels import STAGE_LABELS

    rows = []
    for project in projects:
        months = defaultdict(list)

        def mark(on, kind, title, late=False):
            if on and on.year == year:
                months[on.month].append({"kind": kind, "title": title, "date": on, "late": late})

        for stage, planned_field, actual_field in STAGE_PLANS:
            planned, actual = getattr(project, planned_field), getattr(project, actual_field)
            label = str(STAGE_LABELS[stage])
            mark(planned, "planned", label, late=bool(planned and not actual and planned < day))
            mark(actual, "actual", label, late=bool(planned and actual and actual > planned))
        for m in by_project[project.id]:
            mark(m.planned_on, "planned", m.title, late=bool(not m.actual_on and m.planned_on < day))
            mark(m.actual_on, "actual", m.title, late=bool(m.actual_on and m.actual_on > m.planned_on))
        rows.append({"project": project, "months": months})
    return rows


@bp.route("/wallchart")
@login_required
def wallchart():
    if not scheduling_permissions.can_read_scheduling(current_user):
        abort(403)
    day = today()
    unit = unit_arg(default=None if permissions.sees_everything(current_user) else current_user.unit)
    if unit is not None and not permissions.can_read_unit(current_user, unit):
        abort(403)
    raw_year = request.args.get("year", "").strip()
    try:
        year = int(raw_year) if raw_year else day.year
        if not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        raise BadParameter("year", _("Enter a year such as %(year)s.", year=day.year))
    industry = request.args.get("industry", "").strip()
    # The unit's projects (its subtree's, and those it sourced), in the industry, not dropped.
    scope = Scope(unit_id=unit.id if unit is not None else None, industry=industry or None)

    def charted(columns):
        return scope.condition(columns=columns) & (columns.stage != "dropped")

    query = permissions.visible_projects(current_user, Project.select(*WALLCHART_COLUMNS, Unit.id, Unit.name).join(
        Unit, on=(Project.responsible_unit == Unit.id)).where(charted(PROJECT_COLUMNS)))
    # The first WALLCHART_LIMIT by unit path and name, read unit by unit (portal.unit_pages), each unit's
    # projects counted from the tally where it can say what the user reads (the bureau's count grouped
    # every project: 50 ms on PostgreSQL at 100,300 projects).
    projects, total = unit_pages.page_of(
        unit_pages.in_unit_order(unit_pages.counts_for(current_user, query, charted)), 0, WALLCHART_LIMIT,
        lambda group: query.where(Project.responsible_unit == group[1]).order_by(Project.name, Project.id))
    today_quarter = min(4, (day.day - 1) // 8 + 1)
    return render_template(
        "scheduling/wallchart.html", rows=_wallchart_rows(projects, year, day), year=year, unit=unit,
        industry=industry, industry_choices=industries.choices(), industry_label=industries.label,
        unit_choices=_readable_unit_choices(), total=total, limit=WALLCHART_LIMIT, today=day,
        today_month=day.month if day.year == year else None, today_quarter=today_quarter,
    )


# The weekly scheduling meeting ------------------------------------------------------------

#: Rows of the flagged and the missing lists the meeting page shows at a time.
MEETING_LIST_LIMIT = 50
#: Projects named in each "new in the list" card (the count says how many more; Excel has all).
NEW_IN_SHOWN = 20


def _page_arg(name) -> int:
    raw = request.args.get(name, "").strip()
    if not raw:
        return 1
    if not raw.isdigit() or not 1 <= int(raw) <= 1_000_000:
        raise BadParameter(name, _("Enter a page number such as 2."))
    return int(raw)


def meeting_data(week: str, user, limit: int | None = None, pages: dict | None = None) -> dict:
    """Everything the meeting page shows for a week, restricted to what the user reads.

    ``limit`` rows of the flagged and of the missing lists, at ``pages["flagged"]`` and
    ``pages["missing"]`` (1 when not given); when ``limit`` is None (the workbook), all of them as
    generators, to be read once.

    A frozen week is read from its snapshots only (every figure as it stood when the week was
    frozen); the current week, and a past week not yet frozen, from the stored flags and records.
    """
    pages = pages or {}
    readable = L.Readable(permissions.readable_unit_ids(user))
    scoped, scoped_projects = readable.on, readable.projects
    monday, sunday = W.week_days(week)
    frozen = S.is_frozen(week)
    current = iso_week(today())

    context = F.FlagContext.for_week(week) if week < current else F.FlagContext.live()
    if frozen:  # past weeks come from their snapshot only
        S.freeze_missing_figures([week])  # frozen before they were stored, and no upgrade stored them
        figures = S.frozen_unit_figures(week)
        list_counts = S.frozen_list_counts(week)
    else:
        figures = context.unit_week_figures(week)  # cached per change stamp
        # A whole-table aggregate, kept per change stamp: projects and their stage dates are audited,
        # so a change made through any process gives a new stamp and fresh counts.
        list_counts = cached(("meeting_list_counts", week), lambda: S.list_counts(week))

    counts = L.unit_flag_counts(week, frozen, readable)

    # Weekly unit flags
    unit_flags = {}
    if frozen:
        for row in scoped(UnitWeekFlag.select().where(UnitWeekFlag.week == week), UnitWeekFlag.unit):
            unit_flags[row.unit_id] = {"flag": row.flag, "reasons": row.reasons or []}
    else:
        units_all = list(Unit.select().where(Unit.id.in_(list(figures))).order_by(Unit.path)) if figures else []
        answer = plugins.call_first("portal_unit_week_flags", week=week, units=units_all, context=context) or []
        for item in answer:
            if item.get("flag") in ("red", "yellow"):
                unit_flags[item.get("unit_id")] = {"flag": item["flag"],
                                                   "reasons": [flag_reasons.stored(item.get("reason", ""))]}

    unit_ids = set(figures) | set(counts) | set(unit_flags) | set(list_counts)
    units = list(scoped(Unit.select().where(Unit.id.in_(list(unit_ids or {0}))), Unit.id).order_by(Unit.path))
    unit_rows = []
    for unit in units:
        f = figures.get(unit.id, S.NO_FIGURES)
        rate = round(100 * f["reported"] / f["projects"]) if f["projects"] else None
        unit_rows.append({"unit": unit, "figures": f, "rate": rate, "counts": counts[unit.id],
                          "flag": unit_flags.get(unit.id), "lists": list_counts.get(unit.id, {})})

    # Projects that entered each list this week
    if frozen:
        new_in = S.frozen_new_in_lists(week, readable.unit_ids)
        new_in_totals = {key: len(projects) for key, projects in new_in.items()}
    else:  # the page names the first NEW_IN_SHOWN of each list and counts the rest
        queries = {key: scoped_projects(S.new_in_list_query(week, key)).order_by(Unit.path, Project.name, Project.id)
                   for key in S.NEW_IN_LIST_DATES}
        new_in = {key: list(query if limit is None else query.limit(NEW_IN_SHOWN)) for key, query in queries.items()}
        new_in_totals = {key: len(new_in[key]) if len(new_in[key]) < NEW_IN_SHOWN or limit is None
                         else query.count() for key, query in queries.items()}

    # Red and yellow projects with reasons, and the reports missing: counted in full, listed a page at
    # a time (at province scale they run to tens of thousands, more than a meeting reads; the
    # per-unit counts stand in the units' table above).
    flagged_page, missing_page = pages.get("flagged", 1), pages.get("missing", 1)
    if limit is None:  # the workbook: every row, read a chunk at a time as it is written
        flagged_total = missing_total = None
        flagged = (L.flagged_row(row, frozen)
                   for row in in_chunks(L.written_columns(L.flagged_query(week, frozen, readable), frozen)))
        missing = (L.missing_row(row, frozen)
                   for row in in_chunks(L.written_columns(L.missing_query(week, frozen, readable), frozen)))
    else:
        flagged_rows = L.flagged_page(week, frozen, readable, flagged_page, limit)
        missing_rows = L.missing_page(week, frozen, readable, missing_page, limit)
        flagged, flagged_total = flagged_rows.rows, flagged_rows.total
        missing, missing_total = missing_rows.rows, missing_rows.total

    return {"week": week, "frozen": frozen, "monday": monday, "sunday": sunday, "units": unit_rows,
            "list_names": LIST_NAMES, "list_labels": LIST_LABELS,
            "new_in": new_in, "new_in_totals": new_in_totals, "flagged": flagged, "missing": missing,
            "current_week": current,
            "flagged_total": flagged_total, "missing_total": missing_total, "limit": limit,
            "flagged_page": flagged_page, "missing_page": missing_page,
            "deadline": (frozen and S.frozen_report_deadline(week)) or context.report_deadline(week)}


@bp.route("/")
@bp.route("")
@login_required
def meeting():
    if not scheduling_permissions.can_read_scheduling(current_user):
        abort(403)
    week = week_arg()
    if request.args.get("format") == "xlsx":
        data = meeting_data(week, current_user)
        from portal.scheduling.export import write_meeting_workbook

        out = tempfile.TemporaryFile(suffix=".xlsx")  # sent in blocks, removed once closed
        write_meeting_workbook(data, out)
        out.seek(0)
        return send_file(out, as_attachment=True, download_name=f"scheduling-{week}.xlsx", max_age=0,
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    data = meeting_data(week, current_user, limit=MEETING_LIST_LIMIT,
                        pages={name: _page_arg(f"{name}_page") for name in ("flagged", "missing")})
    return render("scheduling/meeting.html", new_in_shown=NEW_IN_SHOWN, previous_week=W.shift_week(week, -1),
                  next_week=W.shift_week(week, 1) if week < data["current_week"] else None, **data)


def project_url(project) -> str:
    """The project page when the projects feature is installed, else the project's reversed schedule."""
    return project_page_url(project) or url_for("scheduling.milestones", project_id=project.id)
