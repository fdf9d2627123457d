"""/api: read the projects, units, industries, investors and figures as JSON, under the same
permission rules and filters as the pages (portal/permissions.py, portal/projects/filters.py,
portal/projects/masking.py, portal/figures.py: nothing is decided a second time here)."""
from __future__ import annotations

import base64
import binascii
import datetime as dt

from flask import Blueprint, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from portal import errors, figures, industries, permissions, stages
from portal.api import auth, openapi, problems, schemas
from portal.api.registry import OPERATIONS, operation
from portal.dashboard.views import parse_request as parse_dashboard_request
from portal.db import database
from portal.models import INVESTOR_CLASSES, Enterprise, Problem, Project, StageChange, Unit
from portal.problems import service as problem_service
from portal.scheduling import snapshots, weeks
from portal.scheduling import views as scheduling
from portal.timeutil import iso_week, today
from portal.problems.forms import AnswerForm, BoardFilterForm, ProblemForm
from portal.problems.views import filtered_problems, ordered_problems
from portal.projects import masking
from portal.projects.filters import LISTS, ListFilters, base_query, count
from portal.projects.forms import StageForm
from portal.projects.views import load_project
from portal.scheduling.forms import read_report_row
from portal.security import csrf
from portal.web import get_or_404

bp = Blueprint("api", __name__, url_prefix="/api")
# Cookies never authorise /api (portal.api.auth), so there is no cross-site request to forge.
csrf.exempt(bp)

PUBLIC = frozenset({"api.openapi_json", "api.docs"})
MAX_OFFSET = 10_000_000


@bp.before_request
def _authenticate():
    auth.authenticate(PUBLIC)


@bp.errorhandler(problems.Problem)
def _problem(error):
    return problems.from_problem(error)


@bp.errorhandler(HTTPException)
def _http_error(error):
    return problems.from_http_error(error)


def _routing_error(error):
    """A 404 or 405 raised before any blueprint is chosen (an unknown /api address, a wrong
    method): a problem under /api, the usual error page elsewhere."""
    if request.path == bp.url_prefix or request.path.startswith(bp.url_prefix + "/"):
        return problems.from_http_error(error)
    return errors.http_error(error)


@bp.record_once
def _register_routing_errors(state):
    for code in (404, 405):
        state.app.register_error_handler(code, _routing_error)


# Serialising -----------------------------------------------------------------------

def _amount(value) -> str | None:
    return None if value is None else format(value, "f")


def _investor(project: Project) -> schemas.InvestorRef:
    visible = permissions.can_see_confidential(current_user, project)
    name = masking.investor_name(project, current_user)
    return schemas.InvestorRef(id=project.enterprise_id if visible else None, name=name, masked=not visible)


def _stage_history(project_ids) -> dict:
    history = {pid: [] for pid in project_ids}
    if project_ids:
        for change in (StageChange.select().where(StageChange.project.in_(project_ids))
                       .order_by(StageChange.on_date, StageChange.id)):
            history[change.project_id].append(schemas.StageStep(
                from_stage=change.from_stage, to_stage=change.to_stage, on_date=change.on_date,
                is_correction=change.is_correction, verification=change.verification))
    return history


def project_out(project: Project, history: list) -> schemas.ProjectOut:
    unit = project.responsible_unit
    return schemas.ProjectOut(
        id=project.id, name=project.name, code=project.code, stage=project.stage,
        responsible_unit=schemas.UnitRef(id=unit.id, name=unit.name), investor=_investor(project),
        industry_code=project.industry_code, total_investment=_amount(project.total_investment),
        contracted_amount=_amount(project.contracted_amount), is_key=project.is_key,
        is_confidential=project.is_confidential, flag=project.flag,
        review_recommendation=project.review_recommendation, clue_on=project.clue_on,
        signed_on=project.signed_on, started_on=project.started_on, completed_on=project.completed_on,
        production_on=project.production_on, version=project.version,
        updated_at=project.updated_at.replace(tzinfo=dt.timezone.utc),  # stored naive in UTC
        stage_history=history)


# Cursors: an opaque, versioned position in the list's fixed order (sort column, then id).

def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, _sep, number = text.partition(":")
        offset = int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        offset = -1
        version = ""
    if version != "v1" or not 0 <= offset <= MAX_OFFSET:
        raise problems.invalid({"cursor": _("This cursor is not one the API gave.")})
    return offset


# Projects ---------------------------------------------------------------------------

@operation(bp, "/projects", summary="Projects, filtered and sorted as the lists", tag="projects",
           query=schemas.ProjectsQuery, response=schemas.ProjectPage)
def projects():
    """The projects of one of the lists (list=all, clues, signed, landed, production) with the
    same filters, sort order and permissions as the list pages, with their stage history."""
    query = g.query
    filters = ListFilters.parse(LISTS[query.list_], request.args, current_user)
    if filters.errors:
        raise problems.invalid(filters.errors)
    offset = decode_cursor(query.cursor)
    rows = list(base_query(current_user, filters).order_by(*filters.order_by())
                .offset(offset).limit(query.limit + 1))
    more, rows = len(rows) > query.limit, rows[:query.limit]
    history = _stage_history([p.id for p in rows])
    return schemas.ProjectPage(items=[project_out(p, history[p.id]) for p in rows],
                               total=count(current_user, filters),
                               next_cursor=encode_cursor(offset + len(rows)) if more else None)


@operation(bp, "/projects/<project_id>", summary="One project", tag="projects",
           response=schemas.ProjectOut)
def project(project_id):
    """A project the token's user may read (404 otherwise, as the project page), with its stage history."""
    item = load_project(project_id)
    return project_out(item, _stage_history([item.id])[item.id]), etag(item)


# Problems -----------------------------------------------------------------------------------

def _utc(moment):
    """A stored (naive UTC) time with its offset."""
    return None if moment is None else moment.replace(tzinfo=dt.timezone.utc)


@operation(bp, "/problems", summary="Problems, filtered as the problem board", tag="problems",
           query=schemas.ProblemsQuery, response=schemas.ProblemPage)
def problem_list():
    """The problems the user reads with the board's filters and order (open ones first, then by deadline)."""
    form = BoardFilterForm(request.args, industries=industries.choices())
    if not form.validate():
        raise problems.invalid({name: messages[0] for name, messages in form.errors.items()})
    query = g.query
    offset = decode_cursor(query.cursor)
    found = filtered_problems(form, current_user)
    rows = list(ordered_problems(found.clone()).offset(offset).limit(query.limit + 1))
    more, rows = len(rows) > query.limit, rows[:query.limit]
    return schemas.ProblemPage(items=[problem_out(p) for p in rows], total=found.count(),
                               next_cursor=encode_cursor(offset + len(rows)) if more else None)


def problem_out(p) -> schemas.ProblemOut:
    return schemas.ProblemOut(
        id=p.id, project=schemas.ProjectRef(id=p.project.id, name=p.project.name), category=p.category,
        description=p.description, priority=p.priority, state=p.state, deadline=p.deadline,
        overdue=problem_service.is_overdue(p), assigned_unit=_unit_ref(p.assigned_unit),
        created_at=_utc(p.created_at), resolved_at=_utc(p.resolved_at), closed_at=_utc(p.closed_at))


def _checked_form(form_class, body, prepare=None):
    """A page's form filled from a validated JSON body (no CSRF: cookies do not open /api) and
    checked by its own validators: the API takes exactly what the form takes. 422 otherwise."""
    values = {k: "" if v is None else str(v) for k, v in body.model_dump().items()}
    form = form_class(formdata=MultiDict(values), meta={"csrf": False})
    if prepare is not None:
        prepare(form)
    if not form.validate():
        raise problems.invalid({name: messages[0] for name, messages in form.errors.items()}, 422)
    return form


@operation(bp, "/projects/<project_id>/problems", method="POST", summary="Raise a problem on a project",
           tag="problems", body=schemas.ProblemIn, response=schemas.ProblemOut, status=201)
def raise_problem(project_id):
    """Raise a problem and assign it to a unit, as the project page's form does (the project's
    editors and the bureau; notified and audited the same way)."""
    item = load_project(project_id)
    if not permissions.can_raise_problem(current_user, item):
        raise problems.Problem(403, _("You may not raise a problem on this project."))
    form = _checked_form(ProblemForm, g.body)
    return problem_out(problem_service.raise_problem(
        item, current_user, category=form.category.data, description=form.description.data,
        assigned_unit=form.assigned_unit.data, deadline=form.deadline.data, priority=form.priority.data))


@operation(bp, "/problems/<problem_id>/answers", method="POST", summary="Answer a problem", tag="problems",
           body=schemas.AnswerIn, response=schemas.ProblemOut, status=201)
def answer_problem(problem_id):
    """Answer a problem as its assigned unit (or the bureau); an open problem becomes "being
    handled". 409 when it is no longer open."""
    problem = get_or_404(Problem, problem_id)
    if not permissions.can_read_problem(current_user, problem):
        raise problems.Problem(404, _("The record does not exist, or you may not read it."))
    if not permissions.can_answer_problem(current_user, problem):
        raise problems.Problem(403, _("You may not answer this problem."))
    form = _checked_form(AnswerForm, g.body)
    try:
        problem_service.answer(problem, current_user, form.text.data)
    except problem_service.TransitionError as exc:
        raise problems.Problem(409, str(exc)) from None
    return problem_out(Problem.get_by_id(problem.id))


# Weekly reports --------------------------------------------------------------------------------

def _entry(report) -> schemas.ProgressEntry:
    return schemas.ProgressEntry(happened=report.happened, next_steps=report.next_steps,
                                 percent_complete=report.percent_complete, author=str(report.author),
                                 created_at=_utc(report.created_at))


def _scheduling_arg(read):
    """A week or unit parameter read as the weekly report page reads it; its refusal as a problem."""
    try:
        return read()
    except scheduling.BadParameter as exc:
        raise problems.invalid({exc.field: exc.message}) from None


@operation(bp, "/weekly-reports", summary="A unit's weekly progress report", tag="scheduling",
           query=schemas.WeekQuery, response=schemas.WeeklyReport)
def weekly_report():
    """The projects on a unit's weekly report (its subtree's and those it sourced) with the week's
    progress entries, as the weekly report page shows them; 403 for a unit the user may not read."""
    week = _scheduling_arg(scheduling.week_arg)
    unit = _scheduling_arg(lambda: scheduling.unit_arg(default=current_user.unit))
    if not permissions.can_read_progress(current_user, unit):
        raise problems.Problem(403, _("You may not read this unit's report."))
    projects = scheduling.report_projects(unit, week)
    reports = scheduling.week_reports([p.id for p in projects], week)
    return schemas.WeeklyReport(
        week=week, unit=schemas.UnitRef(id=unit.id, name=unit.name), frozen=snapshots.is_frozen(week),
        rows=[schemas.ReportRow(project=schemas.ProjectRef(id=p.id, name=p.name), stage=p.stage,
                                responsible_unit=_unit_ref(p.responsible_unit),
                                entries=[_entry(r) for r in reports.get(p.id, [])]) for p in projects])


def _unit_ref(unit) -> schemas.UnitRef:
    return schemas.UnitRef(id=unit.id, name=unit.name)


# Reference data ------------------------------------------------------------------------

@operation(bp, "/units", summary="The units the token's user reads", tag="reference", response=schemas.UnitList)
def units():
    """Units whose records the user reads (every unit for the bureau, leaders and administrators), in tree order."""
    query = Unit.select().order_by(Unit.path)
    readable = permissions.readable_unit_ids(current_user)
    if readable is not None:
        query = query.where(Unit.id.in_(readable))
    return schemas.UnitList(items=[schemas.UnitOut(id=u.id, name=u.name, kind=u.kind, parent_id=u.parent_id,
                                                   active=u.active) for u in query])


@operation(bp, "/industries", summary="Industries", tag="reference", response=schemas.IndustryList)
def industry_list():
    """The active industries, named in the user's language (as the forms offer them)."""
    return schemas.IndustryList(items=[schemas.IndustryOut(code=code, name=name)
                                       for code, name in industries.choices()])


@operation(bp, "/investors", summary="Investors of the projects the user reads", tag="reference",
           response=schemas.InvestorList)
def investors():
    """Investor enterprises of the (non-archived) projects the user reads; a confidential
    project's investor only for those who may see it (portal/projects/masking.py)."""
    project_ids = permissions.visible_projects(current_user, Project.select(Project.enterprise)).where(
        Project.archived == False, Project.enterprise.is_null(False),  # noqa: E712
        masking.may_see_investor_condition(current_user))
    query = Enterprise.select().where(Enterprise.id.in_(project_ids)).order_by(Enterprise.name, Enterprise.id)
    return schemas.InvestorList(items=[schemas.InvestorOut(
        id=e.id, name=e.name, credit_code=e.credit_code, origin_country=e.origin_country,
        origin_province=e.origin_province, origin_city=e.origin_city,
        classes=[flag for flag in INVESTOR_CLASSES if getattr(e, flag)]) for e in query])


# Figures -----------------------------------------------------------------------------------

def _text(value) -> str | None:
    return None if value is None else str(value)


@operation(bp, "/figures", summary="The dashboard's figures for a period and scope", tag="figures",
           query=schemas.PeriodQuery, response=schemas.FiguresOut)
def figure_list():
    """Every figure of the dashboard for a period and scope, computed by the same module as the
    dashboard (so the two never disagree), with last year's value and the change."""
    req = parse_dashboard_request(current_user)
    if req.errors:
        raise problems.invalid(req.errors)
    result = figures.compute(req.period, req.scope)
    return schemas.FiguresOut(
        period=schemas.PeriodOut(code=req.period.code, start=req.period.start, end=req.period.end),
        scope=schemas.ScopeOut(unit=req.scope.unit_id, industry=req.scope.industry, team=req.scope.team_id),
        figures=[schemas.FigureOut(key=f.key, label=f.label, kind=f.kind, value=_text(f.value),
                                   previous=_text(f.previous), change=_text(f.change)) for f in result])


# The description -----------------------------------------------------------------------------

@bp.route("/openapi.json")
def openapi_json():
    return jsonify(openapi.document(OPERATIONS))


@bp.route("/docs")
def docs():
    """The reference, rendered here from the description (no script, nothing from other hosts)."""
    return render_template("api/docs.html", doc=openapi.document(OPERATIONS), reference=openapi.reference(OPERATIONS))



# Writes ------------------------------------------------------------------------------------

def expected_version(project: Project) -> int:
    """The version If-Match names when it is the project's current ETag (the write then goes on,
    and the service checks it again inside its transaction); 412 when it names no current one
    (RFC 9110), 428 without If-Match."""
    header = (request.headers.get("If-Match") or "").strip()
    if not header:
        raise problems.Problem(428, _("Send If-Match with the project's ETag (its version) from your last read."))
    current = etag(project)["ETag"]
    if header != "*" and current not in (tag.strip() for tag in header.split(",")):
        raise problems.Problem(412, _("The project was changed since you read it. Read it again."))
    return project.version


def etag(project: Project) -> dict:
    return {"ETag": f'"{project.version}"'}


@operation(bp, "/projects/<project_id>/stage", method="POST", summary="Change a project's stage",
           tag="projects", body=schemas.StageChangeIn, response=schemas.ProjectOut, if_match=True)
def change_stage(project_id):
    """Move the project to another stage, with the rules, verification and audit of the project
    page's stage form. If-Match must carry the ETag of your last read: 412 when the project
    changed meanwhile."""
    item = load_project(project_id)
    if not permissions.can_edit_project(current_user, item):
        raise problems.Problem(403, _("You may not change this project."))
    version = expected_version(item)
    # The stage choices the page offers this user.
    form = _checked_form(StageForm, g.body, prepare=lambda f: f.set_targets(stages.allowed_targets(item, current_user)))
    try:
        with database.atomic():
            stages.change_stage(item, current_user, form.to_stage.data, form.on_date.data, note=form.note.data,
                                reason=form.reason.data, contracted_amount=form.contracted_amount.data,
                                expected_version=version)
    except stages.StageConflict as exc:
        raise problems.Problem(412, str(exc.message)) from None
    except stages.StageError as exc:
        raise problems.invalid({exc.field: exc.message}, 422) from None
    item = load_project(project_id)
    return project_out(item, _stage_history([item.id])[item.id]), etag(item)


@operation(bp, "/projects/<project_id>/progress", method="POST", summary="File a weekly progress entry",
           tag="scheduling", body=schemas.ProgressIn, response=schemas.ProgressEntry, status=201)
def file_progress(project_id):
    """Add a progress entry for an open week, as a row of the weekly report page: the project's
    reporters (its unit's editors and the stationed team that sourced it), the same checks, audited."""
    item = load_project(project_id)
    if not permissions.can_report_project_progress(current_user, item):
        raise problems.Problem(403, _("You may not report this project's progress."))
    body = g.body
    week = iso_week(today()) if not body.week else weeks.parse_week(body.week)
    if week is None or week > iso_week(today()):
        raise problems.invalid({"week": _("Enter a week such as %(example)s.", example=iso_week(today()))}, 422)
    if not scheduling.week_open(week):
        raise problems.invalid({"week": _("This week is closed for reports.")}, 422)
    percent = "" if body.percent_complete is None else str(body.percent_complete)
    row, errors = read_report_row({f"happened-{item.id}": body.happened, f"next-{item.id}": body.next_steps,
                                   f"percent-{item.id}": percent}, item.id)
    if row is None and not errors:
        errors = {"happened": _("Say what happened this week.")}
    if errors:
        names = {"next": "next_steps", "percent": "percent_complete"}
        raise problems.invalid({names.get(k, k): v for k, v in errors.items()}, 422)
    return _entry(scheduling.save_report(item, week, row, current_user))
