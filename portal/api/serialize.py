"""Records as the API's response schemas, cursors, and the pages' forms checking JSON bodies."""
from __future__ import annotations

import base64
import binascii
import datetime as dt

from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from portal import flag_reasons, permissions
from portal.api import problems, schemas
from portal.models import Project, StageChange
from portal.problems import service as problem_service
from portal.projects import masking

#: The deepest a cursor reaches (ten million rows), so no offset overflows a query.
MAX_OFFSET = 10_000_000


def amount_text(value) -> str | None:
    return None if value is None else format(value, "f")


def investor_ref(project: Project) -> schemas.InvestorRef:
    visible = permissions.can_see_confidential(current_user, project)
    name = masking.investor_name(project, current_user)
    return schemas.InvestorRef(id=project.enterprise_id if visible else None, name=name, masked=not visible)


def stage_history(project_ids) -> dict:
    history = {pid: [] for pid in project_ids}
    if project_ids:
        for change in (StageChange.select().where(StageChange.project.in_(project_ids))
                       .order_by(StageChange.on_date, StageChange.id)):
            history[change.project_id].append(schemas.StageStep(
                from_stage=change.from_stage, to_stage=change.to_stage, on_date=change.on_date,
                is_correction=change.is_correction, verification=change.verification))
    return history


def figure_out(figure) -> schemas.FigureOut:
    """A figure of portal.figures: values as decimal strings (counts too), None where nothing can be said."""
    return schemas.FigureOut(key=figure.key, label=figure.label, kind=figure.kind, value=decimal_text(figure.value),
                             previous=decimal_text(figure.previous), change=decimal_text(figure.change))


def project_out(project: Project, history: list) -> schemas.ProjectOut:
    unit = project.responsible_unit
    return schemas.ProjectOut(
        id=project.id, name=project.name, code=project.code, stage=project.stage,
        responsible_unit=schemas.UnitRef(id=unit.id, name=unit.name), investor=investor_ref(project),
        industry_code=project.industry_code, total_investment=amount_text(project.total_investment),
        contracted_amount=amount_text(project.contracted_amount), is_key=project.is_key,
        is_confidential=project.is_confidential, flag=project.flag,
        flag_reasons=flag_reasons.render_each(project.flag_reasons),
        review_recommendation=project.review_recommendation, clue_on=project.clue_on,
        signed_on=project.signed_on, started_on=project.started_on, completed_on=project.completed_on,
        production_on=project.production_on, version=project.version,
        updated_at=project.updated_at.replace(tzinfo=dt.timezone.utc),  # stored naive in UTC
        stage_history=history)


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{offset}".encode()).decode().rstrip("=")


def page_of(query, cursor: str | None, limit: int) -> tuple[list, str | None]:
    """One page of an ordered query from ``cursor``: its rows and the next page's cursor (None: the last)."""
    offset = decode_cursor(cursor)
    rows = list(query.offset(offset).limit(limit + 1))
    more, rows = len(rows) > limit, rows[:limit]
    return rows, encode_cursor(offset + len(rows)) if more else None


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


def utc(moment):
    """A stored (naive UTC) time with its offset."""
    return None if moment is None else moment.replace(tzinfo=dt.timezone.utc)


def problem_out(p) -> schemas.ProblemOut:
    return schemas.ProblemOut(
        id=p.id, project=schemas.ProjectRef(id=p.project.id, name=p.project.name), category=p.category,
        description=p.description, priority=p.priority, state=p.state, deadline=p.deadline,
        overdue=problem_service.is_overdue(p), assigned_unit=unit_ref(p.assigned_unit),
        created_at=utc(p.created_at), resolved_at=utc(p.resolved_at), closed_at=utc(p.closed_at))


def formdata_of(form) -> MultiDict:
    """What a browser would post for a form left as it is shown (a ticked box sends "y", an
    unticked one nothing): the base an API change is laid over."""
    data = MultiDict()
    for field in form:
        if field.type == "BooleanField":
            if field.data:
                data.add(field.name, "y")
        elif field.type != "CSRFTokenField":
            data.add(field.name, field._value() if hasattr(field, "_value") else
                     "" if field.data is None else str(field.data))
    return data


def lay_over(formdata: MultiDict, values: dict) -> MultiDict:
    """``formdata`` with the given members replaced as a form posts them (true: "y", null: empty)."""
    for name, value in values.items():
        formdata.setlist(name, ["y"] if value is True else [] if value is False else
                         [""] if value is None else [str(value)])
    return formdata


def checked_form(form_class, body, prepare=None):
    """A page's form filled from a validated JSON body (no CSRF: cookies do not open /api) and
    checked by its own validators: the API takes exactly what the form takes. 422 otherwise."""
    values = {k: "" if v is None else str(v) for k, v in body.model_dump().items()}
    form = form_class(formdata=MultiDict(values), meta={"csrf": False})
    if prepare is not None:
        prepare(form)
    if not form.validate():
        raise problems.invalid({name: messages[0] for name, messages in form.errors.items()}, 422)
    return form


def progress_entry(report) -> schemas.ProgressEntry:
    return schemas.ProgressEntry(happened=report.happened, next_steps=report.next_steps,
                                 percent_complete=report.percent_complete, author=str(report.author),
                                 created_at=utc(report.created_at))


def unit_ref(unit) -> schemas.UnitRef:
    return schemas.UnitRef(id=unit.id, name=unit.name)


def decimal_text(value) -> str | None:
    return None if value is None else str(value)
