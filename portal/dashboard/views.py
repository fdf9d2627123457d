"""/dashboard: every panel in one response; htmx swaps the panels; one panel per partial;
the printable summary; the Excel workbook. All numbers come from portal.figures."""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import figures, industries, svgcharts
from portal.dashboard import permissions as dashboard_permissions
from portal.figures import Scope
from portal.i18n import format_amount, format_month_short
from portal.models import Unit
from portal.periods import Period
from portal.periods import choices as period_choices
from portal.sourcing.permissions import readable_teams
from portal.sourcing.service import team_results, totals
from portal.timeutil import today
from portal.web import parse_id, render

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

PANELS = ("figures", "funnel", "monthly", "units", "industries", "teams", "flags")


@dataclass
class Request:
    """The period and scope a request asks for, validated, with messages at the fields."""

    period: Period | None = None
    scope: Scope = field(default_factory=Scope)
    errors: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict)
    forced_unit: Unit | None = None

    def query_args(self, **overrides) -> dict:
        args = {}
        if self.period is not None:
            args.update(self.period.query_args())
        args.update(self.scope.query_args())
        args.update(overrides)
        return {k: v for k, v in args.items() if v not in (None, "")}

    def url(self, endpoint: str, **overrides) -> str:
        query = urlencode(self.query_args(**overrides))
        return url_for(endpoint) + ("?" + query if query else "")


def parse_request(user) -> Request:
    """Read period and scope from the query string; an unreadable unit is a 403."""
    args = request.args
    req = Request(raw={k: (args.get(k) or "").strip() for k in ("period", "from", "to", "unit", "industry", "team")})
    try:
        req.period = Period.from_args(args, today())
        req.period.previous_year()  # every panel compares with it: a period without one is refused here
    except ValueError as exc:
        req.errors["from" if (req.raw["from"] or req.raw["to"]) else "period"] = str(exc)
    confined = dashboard_permissions.dashboard_unit(user)
    req.forced_unit = confined
    unit_id = confined.id if confined is not None else None
    if req.raw["unit"]:
        unit_id = parse_id(req.raw["unit"])
        unit = Unit.get_or_none(Unit.id == unit_id) if unit_id else None
        if unit is None:
            req.errors["unit"] = _("Unknown unit.")
        elif not dashboard_permissions.can_view_dashboard_unit(user, unit):
            abort(403)
        else:
            unit_id = unit.id
    industry = req.raw["industry"]
    if industry and (len(industry) > 40 or industry not in {code for code, _label in industries.choices()}):
        req.errors["industry"] = _("Unknown industry.")
        industry = ""
    team_id = None
    if req.raw["team"]:
        team_id = parse_id(req.raw["team"])
        team = Unit.get_or_none(Unit.id == team_id, Unit.kind == "team") if team_id else None
        if team is None:
            req.errors["team"] = _("Unknown stationed team.")
        else:
            team_id = team.id
    req.scope = Scope(unit_id=unit_id, industry=industry or None, team_id=team_id)
    return req


def projects_url(query: str) -> str:
    """The filtered list of projects (the lists feature's /projects) for a query string."""
    try:
        base = url_for("lists.all_projects")
    except Exception:  # noqa: BLE001 - the lists feature may be switched off
        base = "/projects"
    return base + ("?" + query if query else "")


# Panels -----------------------------------------------------------------------------

def _monthly_chart(points, year):
    months = [format_month_short(p.month) for p in points]
    return svgcharts.monthly_chart(
        months, [p.value for p in points], [p.previous for p in points],
        title=_("Signed amount per month, %(year)s against %(last)s", year=year, last=year - 1),
        this_label=str(year), last_label=str(year - 1),
        links=[projects_url(p.link) for p in points], value_text=format_amount)


def panel_context(name: str, req: Request, data: dict | None = None) -> dict:
    """What one panel needs (its own few SQL queries, or ``data`` from figures.grouped)."""
    period, scope = req.period, req.scope
    if name == "figures":  # with the tables: what their grouped queries hold is not queried again
        return {"figures": figures.compute(period, scope, data=data)}
    if name == "funnel":
        stages = figures.funnel(scope)
        chart = svgcharts.funnel_chart(
            [svgcharts.Bar(s.label, s.count, str(s.count), projects_url(s.link)) for s in stages],
            title=_("Projects by current stage"))
        return {"stages": stages, "funnel_chart": chart}
    if name == "monthly":
        year = period.end.year
        points = figures.monthly_signed(year, scope)
        return {"points": points, "year": year, "monthly_chart": _monthly_chart(points, year)}
    if name == "units":
        rows = figures.by_unit(period, scope, data=data)
        chart = svgcharts.bar_chart(
            [svgcharts.Bar(r.label, r["signed_investment"].value, format_amount(r["signed_investment"].value),
                           projects_url(r["signed_investment"].link)) for r in rows],
            title=_("Signed amount by unit"), empty_text=_("No units."))
        return {"unit_rows": rows, "unit_chart": chart}
    if name == "industries":
        return {"industry_rows": figures.by_industry(period, scope, data=data)}
    if name == "teams":
        year = period.end.year
        # The teams' own pages are the sourcing feature's: linked only where it is on.
        teams_page = "sourcing.teams" in current_app.view_functions
        return {"team_rows": figures.by_team(period, scope, data=data), "team_year": year,
                "team_months": team_months_of(readable_teams(current_user), year),
                "teams_url": url_for("sourcing.teams", year=year) if teams_page else None}
    if name == "flags":
        shown = figures.period_flags(period, scope, today())
        return {"flag_week": shown.week, "flags": shown.counts, "flag_title": _flags_title(shown),
                "flag_links": _flag_links(shown, scope)}
    abort(404)


def team_months_of(teams, year: int) -> dict:
    """The stationed teams' results per month of ``year`` (portal.sourcing.service): each team's
    twelve months and total, and the months added up over the teams."""
    teams = list(teams)
    results = team_results(teams, year)
    months = [{"month": m, **totals([results[t.id][m - 1] for t in teams])} for m in range(1, 13)]
    return {"teams": [(t, results[t.id], totals(results[t.id])) for t in teams], "months": months,
            "total": totals(months)}


def _flags_title(shown: figures.PeriodFlags) -> str:
    """Says whose flags these are: a past week's as frozen, or today's (never today's under a past week)."""
    if shown.frozen:
        monday, sunday = shown.week_days
        return _("Flags as frozen at the end of week %(week)s (%(start)s – %(end)s)",
                 week=shown.week, start=monday.isoformat(), end=sunday.isoformat())
    if shown.period_is_past:
        return _("Today's flags (week %(week)s): no week of this period was frozen", week=shown.week)
    return _("Today's flags (week %(week)s)", week=shown.week)


def _flag_links(shown: figures.PeriodFlags, scope) -> dict:
    """Each count links to the projects behind it: today's flags to the project list filtered by
    flag, a frozen week's to that week's scheduling meeting (the list filters by today's flags)."""
    if shown.frozen:
        try:
            meeting = url_for("scheduling.meeting", week=shown.week)
        except Exception:  # noqa: BLE001 - the scheduling feature may be switched off
            meeting = None
        if meeting:
            return {flag: meeting for flag in ("red", "yellow", "green")}
    return {flag: projects_url(urlencode({**scope.query_args(), "flag": flag})) for flag in ("red", "yellow", "green")}


def _common(req: Request) -> dict:
    user = current_user
    confined = req.forced_unit
    units = Unit.select(Unit.id, Unit.name, Unit.path).where(Unit.active == True)  # noqa: E712
    if confined is not None:
        units = units.where(Unit.path.startswith(confined.path))
    units = list(units.order_by(Unit.path))
    top = min((u.path.count("/") for u in units), default=0)
    teams = list(Unit.select(Unit.id, Unit.name).where(Unit.kind == "team", Unit.active == True)  # noqa: E712
                 .order_by(Unit.name))
    return {
        "req": req, "user": user, "period": req.period, "scope": req.scope,
        "scope_unit": req.scope.unit(),
        "unit_choices": [(u.id, u.name, u.path.count("/") - top) for u in units],
        "industry_choices": industries.choices(),
        "team_choices": teams,
        "period_choices": period_choices(today(), figures.first_project_year()),
        "elapsed_pct": (req.period.elapsed_fraction(today()) * 100).quantize(1) if req.period else None,
        "projects_url": projects_url,
        "industry_label": industries.label,
    }


#: The tables that can share one set of queries grouped by unit, industry and team.
TABLE_PANELS = ("units", "industries", "teams")


def _all_panels(req: Request, names=PANELS) -> dict:
    """Every panel's context. Each panel runs only the queries of the figures it shows: the
    tables, when several are shown, one set grouped by unit, industry and team
    (figures.grouped), a table alone grouped by its one column; the key figures roll up what
    that set holds and query the rest ungrouped (alone: all of them ungrouped)."""
    context = {}
    data = None
    if sum(n in TABLE_PANELS for n in names) > 1:
        data = figures.grouped(req.period, req.scope, figures.TABLE_FAMILIES_PER_PERIOD)
    for name in names:
        context.update(panel_context(name, req, data))
    return context


def _full_context(req: Request) -> dict:
    context = _common(req)
    if req.period is not None and not req.errors:
        context.update(_all_panels(req))
    return context


@bp.route("")
@login_required
def index():
    if not dashboard_permissions.can_view_dashboard(current_user):
        abort(403)
    req = parse_request(current_user)
    status = 400 if req.errors else 200
    if request.args.get("format") == "xlsx" and not req.errors:
        from portal.dashboard.workbook import workbook_response

        return workbook_response(req, {**_common(req), **_all_panels(req)})
    return render("dashboard/index.html", "dashboard/_panels.html", status=status, **_full_context(req))


@bp.route("/summary")
@login_required
def summary():
    """The printable one-page summary for the leaders' meeting."""
    if not dashboard_permissions.can_view_dashboard(current_user):
        abort(403)
    req = parse_request(current_user)
    if req.errors:
        return render("dashboard/index.html", status=400, **_common(req))
    context = _common(req)
    context.update(_all_panels(req, ("figures", "units", "monthly", "flags")))
    return render("dashboard/summary.html", **context)
