"""Units, industries and investors the user reads, the dashboard's figures (portal/figures/) and
the province report built from them (portal/api/province.py)."""
from __future__ import annotations

from flask import Response, g
from flask_login import current_user

from portal import figures, industries, permissions
from portal.api import problems, province, schemas, serialize
from portal.api.blueprint import bp
from portal.api.registry import operation
from portal.dashboard.views import parse_request as parse_dashboard_request
from portal.models import INVESTOR_CLASSES, Enterprise, Unit
from portal.sourcing.permissions import project_investors_condition

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
           query=schemas.InvestorsQuery, response=schemas.InvestorList)
def investors():
    """Investor enterprises of the (non-archived) projects the user reads; a confidential
    project's investor only for those who may see it (portal/projects/masking.py). By name, a page
    of ``limit`` at a time (a province holds tens of thousands): follow ``next_cursor``."""
    query = (Enterprise.select().where(project_investors_condition(current_user))
             .order_by(Enterprise.name, Enterprise.id))
    rows, next_cursor = serialize.page_of(query, g.query.cursor, g.query.limit)
    return schemas.InvestorList(items=[schemas.InvestorOut(
        id=e.id, name=e.name, credit_code=e.credit_code, origin_country=e.origin_country,
        origin_province=e.origin_province, origin_city=e.origin_city,
        classes=[flag for flag in INVESTOR_CLASSES if getattr(e, flag)]) for e in rows], next_cursor=next_cursor)


@operation(bp, "/figures", summary="The dashboard's figures for a period and scope", tag="figures",
           query=schemas.PeriodQuery, response=schemas.FiguresOut)
def figure_list():
    """Every figure of the dashboard for a period and scope, computed by the same module as the
    dashboard (so the two never disagree), with last year's value and the change."""
    req = _period_request()
    result = figures.compute(req.period, req.scope)
    return schemas.FiguresOut(
        period=schemas.PeriodOut(code=req.period.code, start=req.period.start, end=req.period.end),
        scope=schemas.ScopeOut(unit=req.scope.unit_id, industry=req.scope.industry, team=req.scope.team_id),
        figures=[serialize.figure_out(f) for f in result])


def _period_request():
    """The period and scope of the query string, read as the dashboard reads them (400 at the field)."""
    req = parse_dashboard_request(current_user)
    if req.errors:
        raise problems.invalid(req.errors)
    return req


@operation(bp, "/province-report", summary="The province report: figures and projects, fixed layout",
           tag="figures", query=schemas.PeriodQuery, response=schemas.ProvinceReport)
def province_report():
    """A period's figures and the projects behind the new clues, signings, starts, completions
    and productions (as the dashboard's links list them), in a fixed, versioned layout for the
    monthly reporting to the province; under the token user's permissions."""
    req = _period_request()
    return province.build(current_user, req.period, req.scope)


@operation(bp, "/province-report.xlsx", summary="The province report as an Excel workbook", tag="figures",
           query=schemas.PeriodQuery, response=None, media_type=XLSX)
def province_report_workbook():
    """The same report as .xlsx (one sheet for the figures, one per list of projects), plus the
    sheets a county's plugin lays out for its province's template (portal_province_report)."""
    req = _period_request()
    report = province.build(current_user, req.period, req.scope)
    data = province.workbook(report, {"period": req.period, "scope": req.scope})
    return Response(data, mimetype=XLSX, headers={
        "Content-Disposition": f'attachment; filename="province-report-{req.period.code or "custom"}.xlsx"'})
