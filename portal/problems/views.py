"""Pages: the problems board, the department inbox, a problem's thread, raising problems and adding
commitments from a project, and the notifications list with its unread count."""
from __future__ import annotations

import io

import peewee
from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from openpyxl import Workbook

from portal import choice_lists, industries, permissions, timeutil, xlsx
from portal.problems import permissions as problems_permissions
from portal.models import Commitment, Problem, ProblemResponse, Project, Unit, User
from portal.models.problems import OPEN_STATES
from portal.problems import service
from portal.problems.forms import (
    AnswerForm,
    BoardFilterForm,
    CommitmentForm,
    FulfilForm,
    HandoverForm,
    ProblemForm,
    StateForm,
)
from portal.problems.labels import (
    ACTION_LABELS,
    COMMITMENT_KIND_LABELS,
    PRIORITY_LABELS,
    RESPONSE_KIND_LABELS,
    STATE_LABELS,
)
from portal.web import (Page, form_status, load_or_404, page_number, project_page_url, render, safe_next, see_other,
                        wants_partial)

bp = Blueprint("problems", __name__)

BOARD_PAGE_SIZE = 50


def template_globals() -> dict:
    """The names the problem pages and panels use (``portal_template_globals``)."""
    return {
        "PROBLEM_CATEGORY_LABELS": choice_lists.Labels("problem_category"),
        "PROBLEM_STATE_LABELS": STATE_LABELS,
        "PROBLEM_PRIORITY_LABELS": PRIORITY_LABELS,
        "PROBLEM_ACTION_LABELS": ACTION_LABELS,
        "RESPONSE_KIND_LABELS": RESPONSE_KIND_LABELS,
        "COMMITMENT_KIND_LABELS": COMMITMENT_KIND_LABELS,
        "project_url": project_page_url,
        "problem_overdue": service.is_overdue,
    }


def _safe_next(default: str) -> str:
    return safe_next(request.form.get("next") or request.args.get("next"), default)


def _problem_for(problem_id) -> Problem:
    return load_or_404(Problem, problem_id, problems_permissions.can_read_problem)


def _responses(problem):
    FromUnit, ToUnit = Unit.alias(), Unit.alias()
    return list(ProblemResponse.select(ProblemResponse, User, FromUnit, ToUnit)
                .join(User, on=(ProblemResponse.by == User.id))
                .switch(ProblemResponse)
                .join(FromUnit, peewee.JOIN.LEFT_OUTER, on=(ProblemResponse.from_unit == FromUnit.id))
                .switch(ProblemResponse).join(ToUnit, peewee.JOIN.LEFT_OUTER, on=(ProblemResponse.to_unit == ToUnit.id))
                .where(ProblemResponse.problem == problem.id)
                .order_by(ProblemResponse.at, ProblemResponse.id))


# Board ------------------------------------------------------------------------------------

def filtered_problems(form: BoardFilterForm, user):
    """The board's problems for its filters, restricted to what ``user`` reads (the API lists them too)."""
    query = (Problem.select(Problem, Project, Unit)
             .join(Project, on=(Problem.project == Project.id))
             .switch(Problem).join(Unit, on=(Problem.assigned_unit == Unit.id)))
    query = problems_permissions.visible_problems(user, query)
    if form.department.data is not None:
        query = query.where(Problem.assigned_unit == form.department.data.id)
    if form.category.data:
        query = query.where(Problem.category == form.category.data)
    if form.state.data == "active":
        query = query.where(Problem.state.in_(OPEN_STATES))
    elif form.state.data:
        query = query.where(Problem.state == form.state.data)
    if form.overdue.data:
        query = query.where(service.overdue_condition())
    if form.unit.data is not None:
        query = query.where(Project.responsible_unit.in_(form.unit.data.subtree_ids()))
    if form.industry.data:
        query = query.where(Project.industry_code == form.industry.data)
    if form.q.data:
        term = form.q.data.strip()
        query = query.where(Problem.description.contains(term) | Project.name.contains(term))
    return query


def _open_first():
    return peewee.Case(None, [(Problem.state.in_(OPEN_STATES), 0)], 1)


def ordered_problems(query):
    return query.order_by(_open_first(), Problem.deadline, Problem.id)


def board_commitments(form: BoardFilterForm, user):
    """The board's open commitments for its filters, restricted to what ``user`` reads (the API lists them too)."""
    query = (Commitment.select(Commitment, Project, Unit)
             .join(Project, on=(Commitment.project == Project.id))
             .switch(Commitment).join(Unit, on=(Commitment.unit == Unit.id))
             .where(Commitment.fulfilled_on.is_null()))
    query = problems_permissions.visible_commitments(user, query)
    if form.department.data is not None:
        query = query.where(Commitment.unit == form.department.data.id)
    if form.unit.data is not None:
        query = query.where(Project.responsible_unit.in_(form.unit.data.subtree_ids()))
    if form.industry.data:
        query = query.where(Project.industry_code == form.industry.data)
    if form.overdue.data:
        query = query.where(service.commitment_overdue_condition())
    return query.order_by(Commitment.due_date, Commitment.id)


@bp.route("/problems")
@login_required
def board():
    form = BoardFilterForm(request.args, industries=industries.choices())
    valid = form.validate()
    if not valid:
        for f in form:  # an invalid filter is not applied
            if f.errors:
                f.data = None if f.type == "UnitField" else ""
    query = filtered_problems(form, current_user)
    if request.args.get("format") == "xlsx":
        return _export(ordered_problems(query))
    counts = service.department_counts(query.clone())
    page = Page(ordered_problems(query), page_number(), BOARD_PAGE_SIZE)
    commitments_query = board_commitments(form, current_user)
    commitments = list(commitments_query.limit(200))
    export_args = request.args.to_dict(flat=True)
    export_args.pop("page", None)
    export_args.pop("format", None)  # ?format=csv shows the page; the link asks for xlsx
    return render("problems/board.html", "problems/_board_results.html", status=200 if valid else 400,
                  form=form, page=page, counts=counts, commitments=commitments,
                  commitments_total=commitments_query.count(), today=timeutil.today(),
                  export_url=url_for("problems.board", **export_args, format="xlsx"))


def _export(query):
    wb = Workbook()
    ws = wb.active
    ws.title = _("Problems")[:31]
    headers = [_("No."), _("Project"), _("Problem category"), _("Problem"), _("Assigned to"), _("Deadline"),
               _("Priority"), _("State"), _("Overdue"), _("Raised on"), _("Resolved on"), _("Days to resolve")]
    today = timeutil.today()
    rows = ([
        problem.id, problem.project.name, choice_lists.label("problem_category", problem.category),
        problem.description, problem.assigned_unit.name, problem.deadline,
        str(PRIORITY_LABELS.get(problem.priority, problem.priority)),
        str(STATE_LABELS.get(problem.state, problem.state)),
        _("Yes") if service.is_overdue(problem, today) else "",
        timeutil.to_local(problem.created_at).date(),
        timeutil.to_local(problem.resolved_at).date() if problem.resolved_at else None,
        problem.resolve_days,
    ] for problem in query)
    date = xlsx.DATE_FORMAT
    xlsx.table(ws, headers, rows, (None, None, None, None, None, date, None, None, None, date, date, xlsx.COUNT_FORMAT),
               widths=(6, 28, 16, 50, 20))
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return send_file(buffer, as_attachment=True, download_name=f"problems-{today.isoformat()}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# Inbox ------------------------------------------------------------------------------------

@bp.route("/problems/inbox")
@login_required
def inbox():
    if not problems_permissions.has_problem_inbox(current_user):
        abort(403)
    problems = list(Problem.select(Problem, Project).join(Project)
                    .where(Problem.assigned_unit == current_user.unit_id, Problem.state.in_(OPEN_STATES))
                    .order_by(Problem.deadline, Problem.id))
    commitments = list(Commitment.select(Commitment, Project).join(Project)
                       .where(Commitment.unit == current_user.unit_id, Commitment.fulfilled_on.is_null())
                       .order_by(Commitment.due_date, Commitment.id))
    return render("problems/inbox.html", problems=problems, commitments=commitments,
                  forms={p.id: AnswerForm(formdata=None) for p in problems}, today=timeutil.today())


# One problem --------------------------------------------------------------------------------

def _detail(problem, status=200, answer_form=None, state_form=None, handover_form=None, error=None):
    user = current_user
    can_answer = problems_permissions.can_answer_problem(user, problem)
    can_confirm = problems_permissions.can_confirm_problem(user, problem)
    actions = [a for a in service.allowed_actions(problem)
               if (can_answer if a in service.UNIT_ACTIONS else can_confirm)]
    return render(
        "problems/detail.html", status=status, problem=problem, responses=_responses(problem),
        can_answer=can_answer and problem.state in OPEN_STATES,
        can_hand_over=problems_permissions.can_hand_over_problem(user, problem) and problem.state in OPEN_STATES,
        actions=actions, error=error, today=timeutil.today(),
        answer_form=answer_form or AnswerForm(formdata=None),
        state_form=state_form or StateForm(formdata=None),
        handover_form=handover_form or HandoverForm(formdata=None),
    )


@bp.route("/problems/<problem_id>")
@login_required
def detail(problem_id):
    return _detail(_problem_for(problem_id))


def _inbox_item(problem, form, status=200, message=None):
    html = render_template("problems/_inbox_item.html", problem=problem, form=form, message=message,
                           today=timeutil.today(), responses=_responses(problem))
    response = make_response(html, status)
    response.headers.add("Vary", "HX-Request")
    return response


@bp.route("/problems/<problem_id>/answer", methods=["POST"])
@login_required
def answer(problem_id):
    problem = _problem_for(problem_id)
    if not problems_permissions.can_answer_problem(current_user, problem):
        abort(403)
    form = AnswerForm()
    in_place = wants_partial() and request.form.get("in_place") == "1"
    if form.validate_on_submit():
        try:
            service.answer(problem, current_user, form.text.data)
        except service.TransitionError as exc:
            if in_place:
                return _inbox_item(problem, form, 409, message=str(exc))
            return _detail(problem, 409, error=str(exc))
        if in_place:
            return _inbox_item(problem, AnswerForm(formdata=None), message=_("Your answer was saved."))
        flash(_("Your answer was saved."), "success")
        return redirect(_safe_next(url_for("problems.detail", problem_id=problem.id)), code=303)
    if in_place:
        return _inbox_item(problem, form, 422)
    return _detail(problem, 422, answer_form=form)


def may_take(user, problem, action: str) -> bool:
    """May ``user`` take this step? The assigned unit's steps (handle, resolve) are its staff's;
    closing and reopening are the raiser's (portal.problems.permissions decides each)."""
    check = (problems_permissions.can_answer_problem if action in service.UNIT_ACTIONS
             else problems_permissions.can_confirm_problem)
    return check(user, problem)


@bp.route("/problems/<problem_id>/state", methods=["POST"])
@login_required
def change_state(problem_id):
    problem = _problem_for(problem_id)
    if not (problems_permissions.can_answer_problem(current_user, problem)
            or problems_permissions.can_confirm_problem(current_user, problem)):
        abort(403)  # no action is theirs: refused before the form is read, as every write is
    form = StateForm()
    if not form.validate_on_submit():
        return _detail(problem, 422, state_form=form)
    if not may_take(current_user, problem, form.action.data):
        abort(403)
    action = form.action.data
    try:
        service.change_state(problem, current_user, action, form.text.data, form.new_deadline.data)
    except service.MissingReason as exc:
        form.text.errors = [str(exc)]
        return _detail(problem, 422, state_form=form)
    except service.TransitionError as exc:
        return _detail(problem, 409, error=str(exc))
    flash(_("The problem is now “%(state)s”.", state=STATE_LABELS[problem.state]), "success")
    return see_other("problems.detail", problem_id=problem.id)


@bp.route("/problems/<problem_id>/handover", methods=["POST"])
@login_required
def handover(problem_id):
    problem = _problem_for(problem_id)
    if not problems_permissions.can_hand_over_problem(current_user, problem):
        abort(403)
    form = HandoverForm()
    if not form.validate_on_submit():
        return _detail(problem, 422, handover_form=form)
    try:
        service.hand_over(problem, current_user, form.unit.data, form.reason.data)
    except service.TransitionError as exc:
        form.unit.errors = [str(exc)]
        return _detail(problem, 422 if problem.state in OPEN_STATES else 409, handover_form=form)
    flash(_("The problem was handed over to %(unit)s.", unit=form.unit.data.name), "success")
    # The old unit may no longer read it: go back to the inbox then.
    if problems_permissions.can_read_problem(current_user, problem):
        return see_other("problems.detail", problem_id=problem.id)
    return see_other("problems.inbox")


# From a project -----------------------------------------------------------------------------

def _project_for(project_id) -> Project:
    return load_or_404(Project, project_id, permissions.can_read_project)


def _back_to_project(project):
    page = project_page_url(project) or url_for("problems.project_problems", project_id=project.id)
    return redirect(_safe_next(page), code=303)


@bp.route("/projects/<project_id>/problems", methods=["GET"])
@login_required
def project_problems(project_id):
    """The project's problems and commitments (also shown as a panel on the project page)."""
    project = _project_for(project_id)
    return render("problems/project.html", project=project, **panel_context(project, current_user))


@bp.route("/projects/<project_id>/problems/new", methods=["GET", "POST"])
@login_required
def raise_problem(project_id):
    project = _project_for(project_id)
    if not problems_permissions.can_raise_problem(current_user, project):
        abort(403)
    form = ProblemForm()
    if form.validate_on_submit():
        problem = service.raise_problem(project, current_user, category=form.category.data,
                                        description=form.description.data, assigned_unit=form.assigned_unit.data,
                                        deadline=form.deadline.data, priority=form.priority.data)
        flash(_("The problem was raised and assigned to %(unit)s.", unit=problem.assigned_unit.name), "success")
        return _back_to_project(project)
    return render("problems/raise.html", status=form_status(form), form=form, project=project)


@bp.route("/projects/<project_id>/commitments/new", methods=["GET", "POST"])
@login_required
def add_commitment(project_id):
    project = _project_for(project_id)
    if not problems_permissions.can_add_commitment(current_user, project):
        abort(403)
    form = CommitmentForm()
    if form.validate_on_submit():
        service.add_commitment(project, current_user, kind=form.kind.data, promise=form.promise.data,
                               unit=form.unit.data, due_date=form.due_date.data)
        flash(_("The commitment was recorded."), "success")
        return _back_to_project(project)
    return render("problems/commitment_form.html", status=form_status(form), form=form, project=project)


@bp.route("/commitments/<commitment_id>/fulfil", methods=["GET", "POST"])
@login_required
def fulfil(commitment_id):
    commitment = load_or_404(Commitment, commitment_id, problems_permissions.can_read_commitment,
                             problems_permissions.can_fulfil_commitment)
    form = FulfilForm()
    if request.method == "GET" and form.fulfilled_on.data is None:
        form.fulfilled_on.data = timeutil.today()
    if commitment.fulfilled_on is not None:
        status = 409 if request.method == "POST" else 200
    elif form.validate_on_submit():
        service.fulfil_commitment(commitment, current_user, form.fulfilled_on.data, form.evidence.data)
        flash(_("The commitment is recorded as fulfilled."), "success")
        return redirect(_safe_next(url_for("problems.project_problems", project_id=commitment.project_id)), code=303)
    else:
        status = form_status(form)
    return render("problems/fulfil.html", status=status, form=form, commitment=commitment)


def panel_context(project, user) -> dict:
    """What the project panel and the project's problems page show."""
    # Only the rows the user reads, restricted in SQL as on the board.
    problems = list(problems_permissions.visible_problems(user, Problem.select(Problem, Unit)
                                                 .join(Unit, on=(Problem.assigned_unit == Unit.id))
                                                 .where(Problem.project == project.id)
                                                 .order_by(_open_first(), Problem.deadline, Problem.id)))
    commitments = list(problems_permissions.visible_commitments(
        user, Commitment.select(Commitment, Unit).join(Unit, on=(Commitment.unit == Unit.id))
        .where(Commitment.project == project.id)
        .order_by(Commitment.fulfilled_on.is_null(False), Commitment.due_date, Commitment.id)))
    for row in problems + commitments:  # the per-row checks below read the project: no query per row
        row.project = project
    can_raise = problems_permissions.can_raise_problem(user, project)
    can_add_commitment = problems_permissions.can_add_commitment(user, project)
    return {
        "problems": problems, "commitments": commitments, "today": timeutil.today(),
        "can_raise": can_raise,
        "can_add_commitment": can_add_commitment,
        "can_fulfil": {c.id: problems_permissions.can_fulfil_commitment(user, c) for c in commitments},
        # The forms (and their lists of units) only for those who see them.
        "problem_form": ProblemForm(formdata=None) if can_raise else None,
        "commitment_form": CommitmentForm(formdata=None) if can_add_commitment else None,
    }
