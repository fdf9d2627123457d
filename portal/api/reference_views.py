"""Units, industries and investors the user reads, and the dashboard's figures (portal/figures.py)."""
from __future__ import annotations


from flask_login import current_user

from portal import figures, industries, permissions
from portal.api.serialize import decimal_text as text
from portal.api import problems, schemas
from portal.api.blueprint import bp
from portal.api.registry import operation
from portal.dashboard.views import parse_request as parse_dashboard_request
from portal.models import INVESTOR_CLASSES, Enterprise, Project, Unit
from portal.projects import masking


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
        figures=[schemas.FigureOut(key=f.key, label=f.label, kind=f.kind, value=text(f.value),
                                   previous=text(f.previous), change=text(f.change)) for f in result])
