"""Stationed teams' quotas (new clues and visits per week or month): pace against the time
elapsed in the current span, and the red or yellow flags of teams behind it, decided by the hook
``portal_team_quota_flags`` (the default rule here runs last, so a county can change it).
Counts come from two SQL aggregates grouped by team, for every team at once."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import peewee
from flask_babel import lazy_gettext as _l

from portal import audit, plugins
from portal.context import make_context
from portal.db import database
from portal.models import Contact, Project, TeamQuota, TeamRegion, Unit
from portal.sourcing.labels import QUOTA_METRIC_LABELS

#: Contact kinds that count as visits for a quota (a trip to the enterprise, a leader's visit).
VISIT_KINDS = ("visit", "leader_visit")


@dataclass
class Pace:
    team: Unit
    metric: str  # "clues" or "visits"
    span: str  # "week" or "month"
    target: int
    done: int
    elapsed: Decimal  # the fraction of the span gone, 0 to 1
    start: dt.date
    end: dt.date

    @property
    def expected(self) -> Decimal:
        """The target pro-rated to the time elapsed, one decimal."""
        return (self.target * self.elapsed).quantize(Decimal("0.1"), ROUND_HALF_UP)


def span_of(span: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The week (Monday to Sunday) or calendar month holding ``day``."""
    if span == "week":
        monday = day - dt.timedelta(days=day.weekday())
        return monday, monday + dt.timedelta(days=6)
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def _elapsed(start: dt.date, end: dt.date, day: dt.date) -> Decimal:
    """Days gone, today included, over the span's days."""
    return (Decimal((day - start).days + 1) / Decimal((end - start).days + 1)).quantize(Decimal("0.001"))


def _counts(model_team, date_column, where, ids, start, end) -> dict:
    query = (model_team.model.select(model_team, peewee.fn.COUNT(peewee.SQL("*")))
             .where(where, model_team.in_(ids), date_column.between(start, end)).group_by(model_team))
    return dict(query.tuples())


def paces(teams, day: dt.date) -> list[Pace]:
    """Every quota of the ``teams`` with what was done so far in its current span: at most four
    aggregates (clues and visits, per week and per month), each grouped by team."""
    teams = {team.id: team for team in teams}
    quotas = list(TeamQuota.select().where(TeamQuota.team.in_(list(teams))).order_by(TeamQuota.team, TeamQuota.metric))
    done: dict = {}
    for metric, span in {(q.metric, q.span) for q in quotas}:
        start, end = span_of(span, day)
        ids = [q.team_id for q in quotas if (q.metric, q.span) == (metric, span)]
        if metric == "clues":
            counts = _counts(Project.source_team, Project.clue_on, Project.archived == False, ids, start, end)  # noqa: E712
        else:
            counts = _counts(Contact.unit, Contact.happened_on, Contact.kind.in_(VISIT_KINDS), ids, start, end)
        done[(metric, span)] = counts
    out = []
    for q in quotas:
        start, end = span_of(q.span, day)
        out.append(Pace(teams[q.team_id], q.metric, q.span, q.target, int(done[(q.metric, q.span)].get(q.team_id, 0)),
                        _elapsed(start, end, day), start, end))
    return out


def flags(pace_list: list[Pace]) -> dict[int, dict]:
    """``{team id: {"level", "reasons"}}`` from the hook (the worst level of a team's answers)."""
    if not pace_list:
        return {}
    answer = plugins.call_first("portal_team_quota_flags", paces=pace_list, context=make_context()) or []
    out: dict = {}
    for item in answer:
        entry = out.setdefault(item["team_id"], {"level": item["level"], "reasons": []})
        if item["level"] == "red":
            entry["level"] = "red"
        entry["reasons"].append(item["reason"])
    return out


def default_flags(paces: list[Pace]) -> list[dict]:
    """The default rule (the sourcing plugin's ``portal_team_quota_flags``, run last): yellow
    below the pro-rated quota, red below half of it."""
    answer = []
    for pace in paces:
        if pace.done >= pace.expected:
            continue
        level = "red" if pace.done < pace.expected / 2 else "yellow"
        answer.append({"team_id": pace.team.id, "level": level, "reason": {
            "code": "team_behind_quota", "message": _l("%(metric)s: %(done)s of %(expected)s expected by now"),
            "params": {"metric": str(QUOTA_METRIC_LABELS[pace.metric]), "done": pace.done,
                       "expected": float(pace.expected)}}})
    return answer


# The bureau's plan of a team: quotas and regions --------------------------------------------

def plan_of(team: Unit, year: int) -> dict:
    """``{"quotas": {metric: (target, span)}, "regions": [(region, plan)]}`` of a team and year."""
    quotas = {q.metric: (q.target, q.span) for q in TeamQuota.select().where(TeamQuota.team == team.id)}
    query = TeamRegion.select().where(TeamRegion.team == team.id, TeamRegion.year == year).order_by(TeamRegion.id)
    regions = [(r.region, r.plan) for r in query]
    return {"quotas": quotas, "regions": regions}


def save_plan(team: Unit, year: int, quotas: dict, regions: list, user) -> bool:
    """Replace a team's quotas and its regions of ``year``, audited; False when nothing changed."""
    before = plan_of(team, year)
    after = {"quotas": quotas, "regions": regions}
    if before == after:
        return False
    with database.atomic():
        TeamQuota.delete().where(TeamQuota.team == team.id).execute()
        for metric, (target, span) in quotas.items():
            TeamQuota.create(team=team.id, metric=metric, target=target, span=span)
        TeamRegion.delete().where(TeamRegion.team == team.id, TeamRegion.year == year).execute()
        for region, plan in regions:
            TeamRegion.create(team=team.id, year=year, region=region, plan=plan)
        audit.record("team_plan", "unit", team.id, audit.diff(_audit_values(before), _audit_values(after)), user=user)
    return True


def _audit_values(plan: dict) -> dict:
    return {"quotas": [f"{m} {t}/{s}" for m, (t, s) in sorted(plan["quotas"].items())],
            "regions": [f"{r}: {p}" for r, p in plan["regions"]]}

