"""/api/problems and /api/commitments: the problem board's lists; raising and answering a problem
(portal/problems)."""
from __future__ import annotations

from flask import g, request
from flask_babel import gettext as _
from flask_login import current_user

from portal import industries
from portal.problems import permissions as problems_permissions
from portal.api import problems, schemas, serialize
from portal.api.blueprint import bp
from portal.api.registry import operation
from portal.models import Commitment, Problem
from portal.problems import service as problem_service
from portal.problems import views as problem_pages
from portal.problems.forms import AnswerForm, BoardFilterForm, FulfilForm, HandoverForm, ProblemForm, StateForm
from portal.problems.views import board_commitments, filtered_problems, ordered_problems
from portal.projects.views import load_project
from portal.web import get_or_404


@operation(bp, "/problems", summary="Problems, filtered as the problem board", tag="problems",
           query=schemas.ProblemsQuery, response=schemas.ProblemPage)
def problem_list():
    """The problems the user reads with the board's filters and order (open ones first, then by deadline)."""
    found = filtered_problems(_board_form(), current_user)
    rows, next_cursor = serialize.page_of(ordered_problems(found.clone()), g.query.cursor, g.query.limit)
    return schemas.ProblemPage(items=[serialize.problem_out(p) for p in rows], total=found.count(),
                               next_cursor=next_cursor)


def _board_form() -> BoardFilterForm:
    """The board's filters from the query string, checked by the board's form (400 at the field)."""
    form = BoardFilterForm(request.args, industries=industries.choices())
    if not form.validate():
        raise problems.invalid({name: messages[0] for name, messages in form.errors.items()})
    return form


@operation(bp, "/commitments", summary="Open commitments, filtered as on the problem board", tag="problems",
           query=schemas.CommitmentsQuery, response=schemas.CommitmentPage)
def commitment_list():
    """The open (unfulfilled) commitments the user reads, with the board's filters and order (by due date)."""
    found = board_commitments(_board_form(), current_user)
    rows, next_cursor = serialize.page_of(found.clone(), g.query.cursor, g.query.limit)
    return schemas.CommitmentPage(items=[commitment_out(c) for c in rows], total=found.count(),
                                  next_cursor=next_cursor)


def commitment_out(c) -> schemas.CommitmentOut:
    return schemas.CommitmentOut(id=c.id, project=schemas.ProjectRef(id=c.project.id, name=c.project.name),
                                 kind=c.kind, promise=c.promise, unit=serialize.unit_ref(c.unit),
                                 due_date=c.due_date, fulfilled_on=c.fulfilled_on,
                                 overdue=problem_service.commitment_is_overdue(c))


@operation(bp, "/projects/<project_id>/problems", method="POST", summary="Raise a problem on a project",
           tag="problems", body=schemas.ProblemIn, response=schemas.ProblemOut, status=201)
def raise_problem(project_id):
    """Raise a problem and assign it to a unit, as the project page's form does (the project's
    editors and the bureau; notified and audited the same way)."""
    item = load_project(project_id)
    if not problems_permissions.can_raise_problem(current_user, item):
        raise problems.Problem(403, _("You may not raise a problem on this project."))
    form = serialize.checked_form(ProblemForm, g.body)
    return serialize.problem_out(problem_service.raise_problem(
        item, current_user, category=form.category.data, description=form.description.data,
        assigned_unit=form.assigned_unit.data, deadline=form.deadline.data, priority=form.priority.data))


@operation(bp, "/problems/<problem_id>/answers", method="POST", summary="Answer a problem", tag="problems",
           body=schemas.AnswerIn, response=schemas.ProblemOut, status=201,
           conflict="The problem is no longer open")
def answer_problem(problem_id):
    """Answer a problem as its assigned unit (or the bureau); an open problem becomes "being
    handled". 409 when it is no longer open."""
    problem = get_or_404(Problem, problem_id)
    if not problems_permissions.can_read_problem(current_user, problem):
        raise problems.Problem(404, _("The record does not exist, or you may not read it."))
    if not problems_permissions.can_answer_problem(current_user, problem):
        raise problems.Problem(403, _("You may not answer this problem."))
    form = serialize.checked_form(AnswerForm, g.body)
    try:
        problem_service.answer(problem, current_user, form.text.data)
    except problem_service.TransitionError as exc:
        raise problems.Problem(409, str(exc)) from None
    return serialize.problem_out(Problem.get_by_id(problem.id))


def _readable_problem(problem_id) -> Problem:
    problem = get_or_404(Problem, problem_id)
    if not problems_permissions.can_read_problem(current_user, problem):
        raise problems.Problem(404, _("The record does not exist, or you may not read it."))
    return problem


@operation(bp, "/problems/<problem_id>/state", method="POST", summary="Take a step of a problem",
           tag="problems", body=schemas.StateIn, response=schemas.ProblemOut,
           conflict="The step does not fit the problem's state")
def change_problem_state(problem_id):
    """Handle or resolve it (its assigned unit), close or reopen it (whoever raised it, the
    bureau), with the problem page's rules; 409 when the step does not fit its state."""
    problem = _readable_problem(problem_id)
    form = serialize.checked_form(StateForm, g.body)
    if not problem_pages.may_take(current_user, problem, form.action.data):
        raise problems.Problem(403, _("You may not take this step."))
    try:
        problem_service.change_state(problem, current_user, form.action.data, form.text.data,
                                     form.new_deadline.data)
    except problem_service.MissingReason as exc:
        raise problems.invalid({"text": str(exc)}, 422) from None
    except problem_service.TransitionError as exc:
        raise problems.Problem(409, str(exc)) from None
    return serialize.problem_out(Problem.get_by_id(problem.id))


@operation(bp, "/problems/<problem_id>/handover", method="POST", summary="Hand a problem over",
           tag="problems", body=schemas.HandoverIn, response=schemas.ProblemOut)
def hand_over_problem(problem_id):
    """Hand an open problem over to another unit, as its assigned unit (or the bureau)."""
    problem = _readable_problem(problem_id)
    if not problems_permissions.can_hand_over_problem(current_user, problem):
        raise problems.Problem(403, _("You may not hand this problem over."))
    form = serialize.checked_form(HandoverForm, g.body)
    try:
        problem_service.hand_over(problem, current_user, form.unit.data, form.reason.data)
    except problem_service.TransitionError as exc:
        raise problems.invalid({"unit": str(exc)}, 422) from None
    return serialize.problem_out(Problem.get_by_id(problem.id))


@operation(bp, "/commitments/<commitment_id>/fulfilment", method="POST", summary="Record a commitment fulfilled",
           tag="problems", body=schemas.FulfilmentIn, response=schemas.CommitmentOut,
           conflict="The commitment is recorded as fulfilled already")
def fulfil_commitment(commitment_id):
    """Record that a commitment was kept, with the date and the evidence (the bureau, the
    project's editors or the promising unit); 409 when it was recorded already."""
    commitment = get_or_404(Commitment, commitment_id)
    if not problems_permissions.can_read_commitment(current_user, commitment):
        raise problems.Problem(404, _("The record does not exist, or you may not read it."))
    if not problems_permissions.can_fulfil_commitment(current_user, commitment):
        raise problems.Problem(403, _("You may not record this commitment fulfilled."))
    form = serialize.checked_form(FulfilForm, g.body)
    try:
        kept = problem_service.fulfil_commitment(commitment, current_user, form.fulfilled_on.data,
                                                 form.evidence.data)
    except problem_service.TransitionError as exc:
        raise problems.Problem(409, str(exc)) from None
    return commitment_out(kept)
