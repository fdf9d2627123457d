"""THE figures module: every number the portal reports is computed here.

The dashboard, its summary and workbook, the ranking and the reports all call
these functions; none counts projects itself. Every function aggregates in SQL
(GROUP BY, SUM, COUNT) and runs unchanged on SQLite, PostgreSQL and MySQL.

Counting rules (tested in tests/test_figures.py):

- Milestones (signed, started, completed, in production) count *verified* stage
  changes at their actual dates: a StageChange to that stage whose verification
  is "approved" or "not_required" (pending and returned ones do not count; the
  same condition as ``portal.stages.counted_changes()``).
- Each project counts at most once per figure and period, at its latest counted
  date in the period: a project signed in March, moved back and signed again in
  May counts once (in May) for the year, and its amounts are added once.
- A project's amounts (total investment, contracted amount, foreign capital) are
  its current values. Archived projects are never counted.
- A signed project counts as Three-Category-500 or foreign-invested by its investor's class
  when its signing came to count (copied onto the project by portal.stages), so a later
  change of the investor's class leaves reported periods alone. Foreign capital sums every
  signed project's foreign capital; its list holds the signed projects with some entered.
- New clues: projects whose clue date (``clue_on``) falls in the period.
- Capital in place: the sum of the CapitalEntry amounts dated in the period.
- Rates, in percent (None where the denominator is nil), from counted dates only,
  like the milestones (``Project.signed_on``/``started_on`` are set while a change
  still awaits verification, so the rates never read them); each numerator is the
  list its link opens: implementation rate = signed projects of the period with a
  counted start by the period's end ÷ signed projects of the period; start rate =
  projects started in the period ÷ those plus the projects waiting to start at its
  end (a counted signing by then, no counted start); capital availability rate =
  capital in place ÷ contracted amount.
- Average days from clue to signing (clue date to the counted signing date) and
  from signing to start (the project's signing date to the counted start date).
- Each figure carries the same period last year and its change: in percent, or for
  a rate in percentage points (50 % → 60 % is +10 points, not +20 %); the change is
  None where there is nothing to compare (pages show a mark, never divide by 0).
"""
from __future__ import annotations

import datetime as dt
import functools
import operator
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

import peewee
from flask import current_app
from flask_babel import lazy_gettext as _l
from peewee import Case, fn

from portal import credit, permissions
from portal.db import backend, database
from portal.models import STAGES, CapitalEntry, Enterprise, Project, ProjectCredit, StageChange, Unit
from portal.periods import Period
from portal.stages import COUNTED, COUNTED_MILESTONES, counted_changes
from portal.timeutil import iso_week, week_start
from portal.web import parse_id, per_request

#: Verification states of a stage change that count in statistics, and the stages whose counted
#: reaching is a figure: the rules of portal.stages (one place for both).
COUNTED_VERIFICATIONS = COUNTED
MILESTONES = COUNTED_MILESTONES
#: Projects of 10亿元 (1 billion yuan) or more: total investment in 万元.
ONE_BILLION_WAN = Decimal("100000")
#: Unit kinds that always get a row in the table by unit, even without numbers.
PLACE_KINDS = ("county", "district", "zone", "town")
#: Stages in funnel order (off-ramps last).
FUNNEL_STAGES = STAGES

CENT = Decimal("0.01")
TENTH = Decimal("0.1")

#: Every figure: key → (label, kind). Kinds: count, amount (万元), usd (万美元), percent, days.
FIGURES = {
    "new_clues": (_l("New clues"), "count"),
    "signed_count": (_l("Newly signed projects"), "count"),
    "signed_investment": (_l("Signed amount"), "amount"),
    "contracted_amount": (_l("Contracted amount"), "amount"),
    "projects_1bn": (_l("Projects of 1 billion yuan or more"), "count"),
    "three500_count": (_l("Three-Category-500 projects"), "count"),
    "foreign_count": (_l("Foreign-invested projects"), "count"),
    "foreign_capital": (_l("Foreign capital"), "usd"),
    "started_count": (_l("Newly started projects"), "count"),
    "completed_count": (_l("Completed projects"), "count"),
    "production_count": (_l("Projects in production"), "count"),
    "capital_in_place": (_l("Capital in place"), "amount"),
    "implementation_rate": (_l("Implementation rate"), "percent"),
    "start_rate": (_l("Start rate"), "percent"),
    "capital_availability_rate": (_l("Capital availability rate"), "percent"),
    "avg_days_clue_to_sign": (_l("Average days from clue to signing"), "days"),
    "avg_days_sign_to_start": (_l("Average days from signing to start"), "days"),
}

#: The figures shown per row in the tables by unit, industry and team.
TABLE_FIGURES = ("new_clues", "signed_count", "signed_investment", "contracted_amount", "projects_1bn",
                 "three500_count", "started_count", "capital_in_place", "implementation_rate")
#: The figures of those tables shown with last year's value too.
TABLE_PREVIOUS = ("signed_investment",)


# Scope ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    """What the figures cover: the whole city, or a unit with its sub-units, an industry, a team."""

    unit_id: int | None = None
    industry: str | None = None
    team_id: int | None = None

    @property
    def is_city(self) -> bool:
        return not (self.unit_id or self.industry or self.team_id)

    def unit(self) -> Unit | None:
        """The scope's unit, read once per request (every query of a page asks for it)."""
        if not self.unit_id:
            return None
        return per_request(("figures.scope_unit", self.unit_id), lambda: Unit.get_or_none(Unit.id == self.unit_id))

    def condition(self, with_archived: bool = False, credited: bool = False):
        """The WHERE condition on Project for this scope (archived projects excluded unless asked).
        ``credited``: the query joins the credit shares (``_credited``), which choose the unit's
        projects themselves; else a unit's projects are those it hosts or sourced as a team."""
        cond = peewee.SQL("1 = 1") if with_archived else Project.archived == False  # noqa: E712
        if self.unit_id and not credited:
            unit = self.unit()
            if unit is None:
                return cond & peewee.SQL("1 = 0")
            cond &= permissions.units_projects_condition(unit.subtree_ids())  # a team: what it sourced
        if self.industry:
            cond &= Project.industry_code == self.industry
        if self.team_id:
            cond &= Project.source_team == self.team_id
        return cond

    def query_args(self) -> dict:
        args = {}
        if self.unit_id:
            args["unit"] = self.unit_id
        if self.industry:
            args["industry"] = self.industry
        if self.team_id:
            args["team"] = self.team_id
        return args

    def narrowed(self, **changes) -> "Scope":
        values = {"unit_id": self.unit_id, "industry": self.industry, "team_id": self.team_id}
        values.update(changes)
        return Scope(**values)


# Values ----------------------------------------------------------------------------

def change_pct(value, previous) -> Decimal | None:
    """Change against last year in percent, one decimal; None where last year was nil."""
    if value is None or previous is None or previous == 0:
        return None
    return ((Decimal(value) - Decimal(previous)) * 100 / Decimal(previous)).quantize(TENTH, ROUND_HALF_UP)


def change_points(value, previous) -> Decimal | None:
    """Change of a rate against last year in percentage points (个百分点), one decimal: 50 % → 60 %
    is +10.0, not the +20 % a relative change would read; None where either rate is missing."""
    if value is None or previous is None:
        return None
    return (Decimal(value) - Decimal(previous)).quantize(TENTH, ROUND_HALF_UP)


@dataclass
class Figure:
    """One number: its value, the same period last year and the change (in percent, or in
    percentage points for a rate: ``change`` and ``in_points``)."""

    key: str
    value: object
    previous: object = None
    link: str = ""  # the query string of /projects listing the projects behind the value
    #: A rate's parts: the numerator (the number of projects its link lists, or for the capital
    #: availability rate the capital in place) and the denominator; None for other figures.
    numerator: object = None
    denominator: object = None
    previous_link: str = ""  # the same list for the same period last year

    @property
    def label(self) -> str:
        return str(FIGURES[self.key][0]) if self.key in FIGURES else self.key

    @property
    def kind(self) -> str:
        return FIGURES[self.key][1] if self.key in FIGURES else "count"

    @property
    def in_points(self) -> bool:
        """A rate: its change is in percentage points, never a percentage of a percentage."""
        return self.kind == "percent"

    @property
    def change_pct(self) -> Decimal | None:
        """The relative change in percent; None for a rate (see ``change_points``)."""
        return None if self.in_points else change_pct(self.value, self.previous)

    @property
    def change_points(self) -> Decimal | None:
        """A rate's change in percentage points; None for other figures."""
        return change_points(self.value, self.previous) if self.in_points else None

    @property
    def change(self) -> Decimal | None:
        """The change as pages show it: percentage points for a rate, percent otherwise."""
        return self.change_points if self.in_points else self.change_pct

    @property
    def trend(self) -> str:
        """"up", "down", "flat" or "none" (no comparison possible)."""
        change = self.change
        if change is None:
            return "none"
        return "up" if change > 0 else "down" if change < 0 else "flat"


@dataclass
class Figures:
    """Every figure of a period and scope; ``figures.signed_count.value`` and so on."""

    period: Period
    previous_period: Period
    scope: Scope
    items: dict = field(default_factory=dict)

    def __getattr__(self, name):
        items = self.__dict__.get("items", {})
        if name in items:
            return items[name]
        raise AttributeError(name)

    def __iter__(self):
        return iter(self.items.values())

    def __getitem__(self, key) -> Figure:
        return self.items[key]


@dataclass
class Row:
    """A row of a table by unit, industry or team: a key, its label and its figures."""

    key: object
    label: str
    figures: dict  # key → Figure

    def __getitem__(self, key) -> Figure:
        return self.figures[key]


# SQL helpers ------------------------------------------------------------------------

def days_between(later, earlier):
    """A portable SQL expression: the number of days from ``earlier`` to ``later``."""
    kind = backend()
    if kind == "postgresql":
        return peewee.Cast(later, "date") - peewee.Cast(earlier, "date")
    if kind == "mysql":
        return fn.DATEDIFF(later, earlier)
    return fn.julianday(later) - fn.julianday(earlier)


def _in(column, period: Period):
    return (column >= period.start) & (column <= period.end)


def _count_if(cond, w=None):
    """SQL: how many rows meet ``cond``; with a credit weight ``w``, the sum of their shares."""
    return fn.SUM(Case(None, [(cond, 1 if w is None else w)], 0))


def _sum_if(cond, value, w=None):
    return fn.SUM(Case(None, [(cond, value if w is None else value * w)], None))


def _money(value) -> Decimal:
    if value is None:
        return Decimal("0.00")
    return Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)


def _count(value):
    """A count: whole, or with two decimals where credit shares split projects (0.5 of one)."""
    number = Decimal(str(value or 0))
    return int(number) if number == number.to_integral_value() else number.quantize(CENT, ROUND_HALF_UP)


def _avg_days(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(TENTH, ROUND_HALF_UP)


def _rate(numerator, denominator) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(TENTH, ROUND_HALF_UP)


#: The investor classes of the Three-Category-500 (三类500强).
THREE500_CLASSES = ("fortune_global_500", "china_500", "china_private_500")


def _of_class(flags, at_signing: bool):
    """The investor is of one of the classes ``flags``: as copied onto the project at signing
    (``Project.<flag>_at_signing``, what a signed project counts by), or as the investor is now."""
    columns = [getattr(Project, f"{flag}_at_signing") if at_signing else getattr(Enterprise, flag) for flag in flags]
    return functools.reduce(operator.or_, [column == True for column in columns])  # noqa: E712


#: Up to this many projects with repeated counted milestones are passed to SQL as a list of ids.
_REPEATS_AS_LIST = 1000


def _repeated_projects():
    """The projects with more than one counted change to some milestone (``counted_repeats``):
    None when there are none, a list of ids, or a subquery when there are many. One seek in
    the index on ``counted_repeats``; the list lets SQLite start from those few projects."""
    ids = [pid for (pid,) in Project.select(Project.id).where(Project.counted_repeats == True)  # noqa: E712
           .limit(_REPEATS_AS_LIST + 1).tuples()]
    if len(ids) > _REPEATS_AS_LIST:
        return Project.select(Project.id).where(Project.counted_repeats == True)  # noqa: E712
    return ids or None


def _milestones(periods, stages, projects):
    """Per project of ``projects`` (ids or a subquery, from ``_repeated_projects()``): the latest
    counted date of each milestone in each period (a subquery ``d``)."""
    sc = StageChange
    columns = [sc.project.alias("pid")]
    for i, period in enumerate(periods):
        for stage in stages:
            columns.append(fn.MAX(Case(None, [((sc.to_stage == stage) & _in(sc.on_date, period), sc.on_date)], None))
                           .alias(f"{stage}_{i}"))
    query = (sc.select(*columns)
             .where(sc.to_stage.in_(stages), sc.on_date >= min(p.start for p in periods),
                    sc.on_date <= max(p.end for p in periods), sc.verification.in_(COUNTED_VERIFICATIONS)))
    return query.where(sc.project.in_(projects)).group_by(sc.project).alias("d")


def _counted_column(stage):
    return getattr(Project, f"counted_{stage}_on")


# Families of raw numbers ----------------------------------------------------------------
#
# The raw numbers come in families. Each period's families are computed by one small query
# per *source* (the date they count by: a counted milestone date, the clue date, the signing
# date, the capital entry's date), which reads only the rows dated in the period through an
# index led by that date (migration 0009), never a pass over all projects; a panel or the
# ranking asks only for the families of the figures it shows.

#: Family → (source, the raw numbers it gives; raw parts of rates and averages start with "_").
#: A source named after a milestone (``MILESTONES``) counts by the project's counted date of it.
FAMILIES = {
    "signed": ("signed", ("signed_count", "signed_investment", "contracted_amount", "projects_1bn",
                          "three500_count", "foreign_count", "foreign_capital", "_implemented")),
    "clue_to_sign": ("signed", ("_c2s_sum", "_c2s_n")),
    "started": ("started", ("started_count",)),
    "sign_to_start": ("started", ("_s2st_sum", "_s2st_n")),
    "completed": ("completed", ("completed_count",)),
    "production": ("production", ("production_count",)),
    "clues": ("clues", ("new_clues",)),
    "start_rate": ("start_rate", ("_waiting_to_start",)),
    "capital": ("capital", ("capital_in_place",)),
}
ALL_FAMILIES = frozenset(FAMILIES)
#: The families of the derived figures (the others are raw numbers of one family).
_DERIVED_NEEDS = {
    "implementation_rate": ("signed",),
    "start_rate": ("started", "start_rate"),
    "capital_availability_rate": ("capital", "signed"),
    "avg_days_clue_to_sign": ("clue_to_sign",),
    "avg_days_sign_to_start": ("sign_to_start",),
}
_FAMILY_OF = {raw: family for family, (_, raws) in FAMILIES.items() for raw in raws}


def families_for(keys) -> frozenset:
    """The families needed to compute the figures ``keys``."""
    out = set()
    for key in keys:
        out.update(_DERIVED_NEEDS.get(key) or (_FAMILY_OF[key],))
    return frozenset(out)


def _and(ok, cond):
    """``ok & cond``; ``ok`` None means "every row" (the WHERE clause already chose them)."""
    return cond if ok is None else ok & cond


#: COUNT(*), not COUNT(id): PostgreSQL's indexes do not hold the id, so counting it would read
#: every row instead of the index alone (an index-only scan).
_COUNT_ROWS = fn.COUNT(peewee.SQL("*"))


def _count_where(ok, w=None):
    if ok is None:
        return _COUNT_ROWS if w is None else fn.SUM(w)
    return _count_if(ok, w)


def _sum_where(ok, value, w=None):
    if ok is None:
        return fn.SUM(value if w is None else value * w)
    return _sum_if(ok, value, w)


# Credit: THE unit join ---------------------------------------------------------------------
#
# Every figure per unit or team counts each unit's share of a project (portal.credit), so the
# units add up to the city. A query grouped by ``CREDITED_UNIT`` or scoped to a unit runs in
# parts (``_credit_parts``), each a plain indexed query whose sums add up: the projects credited
# by the county's rule (grouped by host unit, and by source team when the rule gives teams a
# share) and those whose shares the bureau set (joined to ``ProjectCredit``, grouped by its
# unit, each row's counts and amounts weighted by its share in SQL). Other queries (the city,
# an industry, a source team's projects) count whole projects, in one part.

#: A group column standing for the unit credited with (a share of) each project.
CREDITED_UNIT = "credited_unit"


@dataclass(frozen=True)
class _CreditPart:
    """One part of a credited query: ``unit`` the column of the credited unit (None: whole
    projects, uncredited), ``w`` the SQL weight of each row (None: 1), ``factor`` what its sums
    are multiplied by afterwards (None: 1), ``where`` its condition, ``join`` whether it joins
    the bureau's shares."""

    unit: object = None
    w: object = None
    factor: Decimal | None = None
    where: object = None
    join: bool = False

    @property
    def credited(self) -> bool:
        return self.unit is not None


def _credit_parts(scope: Scope, group) -> list[_CreditPart]:
    """The parts of a query: one (whole projects) unless it counts per unit (grouped by, or
    scoped to, a unit); then the rule's host, the rule's team (if it gives one a share) and the
    bureau's shares."""
    by_unit = any(g is CREDITED_UNIT for g in (group if isinstance(group, (tuple, list)) else (group,)))
    if not (by_unit or scope.unit_id):
        return [_CreditPart()]
    team_share = credit.rule()["team"]
    by_rule = Project.id.not_in(ProjectCredit.select(ProjectCredit.project))
    referred = Project.source_team.is_null(False) & (Project.source_team != Project.responsible_unit)
    hundredth = Decimal(1) / credit.SCALE
    parts = [
        _CreditPart(Project.responsible_unit, where=by_rule) if not team_share else
        _CreditPart(Project.responsible_unit, w=Case(None, [(referred, credit.SCALE - team_share)], credit.SCALE),
                    factor=hundredth, where=by_rule),
        _CreditPart(ProjectCredit.unit, w=ProjectCredit.share, factor=hundredth,
                    where=ProjectCredit.unit.is_null(False) & (ProjectCredit.share > 0), join=True),
    ]
    if team_share:
        parts.append(_CreditPart(Project.source_team, factor=Decimal(team_share) * hundredth, where=by_rule & referred))
    return parts


def _credited(query, group, scope: Scope, part: _CreditPart):
    """``(query, group)`` of one credit part: its join and condition, a unit scope's subtree on
    its unit column, and ``CREDITED_UNIT`` standing for that column; unchanged for whole projects."""
    if not part.credited:
        return query, group
    if part.join:
        query = query.join_from(Project, ProjectCredit, on=(ProjectCredit.project == Project.id))
    query = query.where(part.where)
    if scope.unit_id:
        unit = scope.unit()
        query = query.where(part.unit.in_(unit.subtree_ids()) if unit is not None else peewee.SQL("1 = 0"))
    if isinstance(group, (tuple, list)):
        group = tuple(part.unit if g is CREDITED_UNIT else g for g in group)
    elif group is CREDITED_UNIT:
        group = part.unit
    return query, group


def _has_counted(stage: str, on_or_before: dt.date):
    """SQL: the project has a counted change to ``stage`` dated on or before ``on_or_before``,
    the condition of the list filter ``<stage>_to`` (``list_conditions``). For the few projects
    with repeated counted milestones, whose stored date is only their latest."""
    sc = StageChange.alias("hc")
    return fn.EXISTS(sc.select(sc.id).where((sc.project == Project.id) & (sc.to_stage == stage)
                                            & sc.verification.in_(COUNTED_VERIFICATIONS)
                                            & (sc.on_date <= on_or_before)))


def _started_by_stored(period: Period):
    """SQL: a counted start by the period's end, for projects with at most one counted change
    per milestone (their stored counted date; the counted start, never ``started_on``, which is
    set while the start still awaits verification)."""
    return Project.counted_started_on <= period.end


def _milestone_select(family: str, i: int, period: Period, date, ok, started_by, w=None) -> list:
    """The SELECT expressions (aliased ``<raw number>_<i>``) of a milestone family for period
    ``i``: ``date`` is the SQL expression of the project's counted date of the milestone in the
    period, ``ok`` whether it has one (None: every row read has one), ``started_by`` whether the
    project has a counted start by the period's end (the implementation rate), ``w`` the credit
    share weighting each row (None: whole projects)."""
    if family == "signed":
        return [
            _count_where(ok, w).alias(f"signed_count_{i}"),
            _sum_where(ok, Project.total_investment, w).alias(f"signed_investment_{i}"),
            _sum_where(ok, Project.contracted_amount, w).alias(f"contracted_amount_{i}"),
            _count_if(_and(ok, Project.total_investment >= ONE_BILLION_WAN), w).alias(f"projects_1bn_{i}"),
            # Counted signings only: each project by its investor's class at signing.
            _count_if(_and(ok, _of_class(THREE500_CLASSES, True)), w).alias(f"three500_count_{i}"),
            _count_if(_and(ok, _of_class(("foreign_invested",), True)), w).alias(f"foreign_count_{i}"),
            _sum_where(ok, Project.foreign_capital, w).alias(f"foreign_capital_{i}"),
            _count_if(_and(ok, started_by), w).alias(f"_implemented_{i}"),
        ]
    if family == "clue_to_sign":  # averages as sum and count, so groups roll up exactly
        clue = Project.clue_on.is_null(False)
        return [_sum_if(_and(ok, clue), days_between(date, Project.clue_on), w).alias(f"_c2s_sum_{i}"),
                _count_if(_and(ok, clue), w).alias(f"_c2s_n_{i}")]
    if family == "sign_to_start":
        signed = Project.signed_on.is_null(False)
        return [_sum_if(_and(ok, signed), days_between(date, Project.signed_on), w).alias(f"_s2st_sum_{i}"),
                _count_if(_and(ok, signed), w).alias(f"_s2st_n_{i}")]
    return [_count_where(ok, w).alias(f"{family}_count_{i}")]  # started, completed, production


def _source_query(source: str, families, i: int, period: Period, scope: Scope, w=None,
                  credited: bool = False) -> tuple:
    """``(query, select)`` of the ``families`` of one source for period ``i``: the projects
    (or capital entries) whose date of that source falls in the period; ``w`` the credit share
    and ``credited`` whether the caller chooses the unit's projects by their credit (``_credited``)."""
    if source in MILESTONES:
        # Projects with at most one counted change per milestone: their stored counted date
        # (Project.counted_<stage>_on, kept by portal.stages.refresh_counted). The few with
        # repeated counted changes come from their stage changes (``_repeated_milestones``).
        column = _counted_column(source)
        query = Project.select().where(scope.condition(credited=credited) & ~Project.counted_repeats
                                       & _in(column, period))
        select = [e for family in families
                  for e in _milestone_select(family, i, period, column, None, _started_by_stored(period), w)]
        return query, select
    if source == "clues":
        query = Project.select().where(scope.condition(credited=credited) & _in(Project.clue_on, period))
        return query, [_count_where(None, w).alias(f"new_clues_{i}")]
    if source == "start_rate":
        # Waiting to start at the period's end: a counted signing by then and no counted start
        # (projects with one counted change per milestone; ``_repeated_waiting`` the others).
        waiting = ((Project.counted_signed_on <= period.end)
                   & (Project.counted_started_on.is_null(True) | (Project.counted_started_on > period.end)))
        query = Project.select().where(scope.condition(credited=credited) & ~Project.counted_repeats & waiting)
        return query, [_count_where(None, w).alias(f"_waiting_to_start_{i}")]
    if source == "capital":
        query = (Project.select().join(CapitalEntry, on=(CapitalEntry.project == Project.id))
                 .where(scope.condition(credited=credited) & _in(CapitalEntry.on_date, period)))
        return query, [_sum_where(None, CapitalEntry.amount, w).alias(f"capital_in_place_{i}")]
    raise ValueError(f"unknown source {source!r}")


def _repeated_waiting(periods, scope: Scope, families_per_period, repeated, w=None,
                      credited: bool = False) -> tuple | None:
    """``(query, select)`` of the projects waiting to start (start rate) among the few with
    repeated counted milestones (``repeated``): from their stage changes."""
    select = [_count_if(_has_counted("signed", period.end) & ~_has_counted("started", period.end), w)
              .alias(f"_waiting_to_start_{i}")
              for i, (period, families) in enumerate(zip(periods, families_per_period)) if "start_rate" in families]
    if not select or repeated is None:
        return None
    return Project.select().where(scope.condition(credited=credited) & Project.id.in_(repeated)), select


def _repeated_milestones(periods, scope: Scope, families_per_period, repeated, w=None,
                         credited: bool = False) -> tuple | None:
    """``(query, select)`` of the milestone families for the few projects with several counted
    changes to a milestone (``counted_repeats``: e.g. signed, moved back, signed again without
    the first change superseded): from their stage changes, so each counts at its latest
    counted date *in the period*. Disjoint from the stored-date queries; their sums add up."""
    wanted = [(i, family, FAMILIES[family][0]) for i, families in enumerate(families_per_period)
              for family in sorted(families) if FAMILIES[family][0] in MILESTONES]
    if not wanted or repeated is None:
        return None
    stages = sorted({stage for _, _, stage in wanted})
    d = _milestones(periods, stages, repeated)
    select = []
    for i, family, stage in wanted:
        column = getattr(d.c, f"{stage}_{i}")
        select += _milestone_select(family, i, periods[i], column, column.is_null(False),
                                    _has_counted("started", periods[i].end), w)
    query = Project.select().join(d, on=(Project.id == d.c.pid)).where(scope.condition(credited=credited))
    return query, select


def _plus(a, b):
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, int) and isinstance(b, int):
        return a + b
    return Decimal(str(a)) + Decimal(str(b))


def _add_rows(a: dict, b: dict) -> dict:
    """Add two ``_rows`` results (raw sums and counts per group) of disjoint project sets."""
    out = {key: dict(row) for key, row in a.items()}
    for key, row in b.items():
        target = out.setdefault(key, {})
        for name, value in row.items():
            target[name] = _plus(target.get(name), value)
    return out


def _grouped(query, group, select):
    """Select ``select`` grouped by one column (key ``g``) or a tuple of columns (``g0``, ``g1`` …)."""
    if group is None:
        return query.select(*select)
    if isinstance(group, (tuple, list)):
        return query.select(*[g.alias(f"g{i}") for i, g in enumerate(group)], *select).group_by(*group)
    return query.select(group.alias("g"), *select).group_by(group)


def _rows(query, group, factor=None) -> dict:
    """The query's rows by group; ``factor``: multiply every value by it (credit shares)."""
    out = {}
    for row in query.dicts():
        if factor is not None:
            row = {k: v if k == "g" or (k[:1] == "g" and k[1:].isdigit()) or v is None else Decimal(str(v)) * factor
                   for k, v in row.items()}
        if group is None:
            key = None
        elif isinstance(group, (tuple, list)):
            key = tuple(row.pop(f"g{i}") for i in range(len(group)))
        else:
            key = row.pop("g")
        out[key] = row
    return out


#: How each raw number is read from SQL.
_CONVERT = {raw: (_money if FIGURES.get(raw, ("", ""))[1] in ("amount", "usd")
                  else (lambda v: Decimal(str(v or 0))) if raw.endswith("_sum") else _count)
            for raw in _FAMILY_OF}


def _aggregate(periods: list[Period], scope: Scope, group=None, families=ALL_FAMILIES) -> dict:
    """The raw numbers of the ``families`` (one set for every period, or a list with a set
    per period) for each period, per group value (None without grouping):
    ``{group: [values of each period]}``. Values hold every figure; those of families not
    asked for stay zero or None, so callers ask for what they show.

    One small query per source and period, each reading only the rows dated in the period
    through an index, plus one for the few projects with repeated counted milestones."""
    per_period = ([frozenset(f) for f in families] if isinstance(families, list)
                  else [frozenset(families)] * len(periods))
    parts = _credit_parts(scope, group)
    raw: dict = {}
    for i, (period, wanted) in enumerate(zip(periods, per_period)):
        sources: dict = {}
        for family in sorted(wanted):
            sources.setdefault(FAMILIES[family][0], []).append(family)
        for source, source_families in sources.items():
            for part in parts:
                query, select = _source_query(source, source_families, i, period, scope, part.w, part.credited)
                query, by = _credited(query, group, scope, part)
                raw = _add_rows(raw, _rows(_grouped(query, by, select), by, part.factor))
    milestones = any(FAMILIES[f][0] in MILESTONES or f == "start_rate" for wanted in per_period for f in wanted)
    repeated = _repeated_projects() if milestones else None
    for part in parts:
        for repeated_part in (_repeated_milestones(periods, scope, per_period, repeated, part.w, part.credited),
                              _repeated_waiting(periods, scope, per_period, repeated, part.w, part.credited)):
            if repeated_part is not None:
                query, select = repeated_part
                query, by = _credited(query, group, scope, part)
                raw = _add_rows(raw, _rows(_grouped(query, by, select), by, part.factor))

    result = {}
    for key in set(raw) | ({None} if group is None else set()):
        row = raw.get(key, {})
        values_per_period = []
        for i, wanted in enumerate(per_period):
            values = _empty_values()
            for family in wanted:
                for name in FAMILIES[family][1]:
                    values[name] = _CONVERT[name](row.get(f"{name}_{i}"))
            values_per_period.append(_finish(values))
        result[key] = values_per_period
    return result


#: Each rate's (numerator, denominator) from the raw numbers. A numerator of projects is the
#: list its link opens (``list_args``): the signed projects of the period with a counted start by
#: its end; the projects started in the period (of those and the ones still waiting to start).
RATE_PARTS = {
    "implementation_rate": lambda v: (v["_implemented"], v["signed_count"]),
    "start_rate": lambda v: (v["started_count"], v["started_count"] + v["_waiting_to_start"]),
    "capital_availability_rate": lambda v: (v["capital_in_place"], v["contracted_amount"]),
}


def _parts(key: str, values: dict) -> tuple:
    return RATE_PARTS[key](values) if key in RATE_PARTS else (None, None)


def _finish(values: dict) -> dict:
    """Compute the rates and averages from their raw parts (in place); return ``values``."""
    for key, parts in RATE_PARTS.items():
        values[key] = _rate(*parts(values))
    values["avg_days_clue_to_sign"] = (_avg_days(values["_c2s_sum"] / values["_c2s_n"])
                                       if values["_c2s_n"] else None)
    values["avg_days_sign_to_start"] = (_avg_days(values["_s2st_sum"] / values["_s2st_n"])
                                        if values["_s2st_n"] else None)
    return values


#: Raw values that add up across groups (counts, amounts, and the parts of rates and averages).
_ADDS_UP = tuple(k for k, (_, kind) in FIGURES.items() if kind in ("count", "amount", "usd")) + (
    "_implemented", "_waiting_to_start", "_c2s_sum", "_c2s_n", "_s2st_sum", "_s2st_n")


def _empty_values() -> dict:
    values = {"_implemented": 0, "_waiting_to_start": 0,
              "_c2s_sum": Decimal(0), "_c2s_n": 0, "_s2st_sum": Decimal(0), "_s2st_n": 0}
    for key, (_, kind) in FIGURES.items():
        values[key] = None if kind in ("percent", "days") else Decimal("0.00") if kind in ("amount", "usd") else 0
    return values


def _roll_up(data: dict, key_of, periods: int = 2) -> dict:
    """Add the grouped raw values up to new keys: ``{key_of(group): [values per period]}``.

    ``key_of`` returns None to leave a group out. Loops over groups (units × industries
    × teams), never over projects."""
    result: dict = {}
    for group, per_period in data.items():
        key = key_of(group)
        if key is None:
            continue
        acc = result.get(key)
        if acc is None:
            acc = result[key] = [_empty_values() for _ in range(periods)]
        for i in range(periods):
            for name in _ADDS_UP:
                acc[i][name] = acc[i][name] + per_period[i].get(name, 0)
    for per_period in result.values():
        for values in per_period:
            _finish(values)
    return result


# Links to the list of projects behind a number ------------------------------------------

#: The /projects filter parameters for the date of each figure (portal/projects/filters.py).
_DATE_FILTERS = {
    "new_clues": "clue",
    "signed_count": "signed", "signed_investment": "signed", "contracted_amount": "signed",
    "projects_1bn": "signed", "three500_count": "signed", "foreign_count": "signed",
    "foreign_capital": "signed", "implementation_rate": "signed", "avg_days_clue_to_sign": "signed",
    "started_count": "started", "start_rate": "started", "avg_days_sign_to_start": "started",
    "completed_count": "completed", "production_count": "production",
    "capital_in_place": "capital", "capital_availability_rate": "capital",
}


def list_args(key: str, period: Period | None, scope: Scope) -> dict:
    """The /projects query arguments listing the projects behind figure ``key``.

    /projects (all projects) filters ``from``/``to`` on the clue date and ``min`` on
    the total investment; the other dates are filtered with ``signed_from``/``signed_to``,
    ``started_from``/… and the investor class with ``three500=1`` / ``foreign=1``, foreign
    capital entered with ``foreign_capital=1``,
    the source team with ``team=<id>`` (portal/projects/filters.py).
    """
    args = dict(scope.query_args())
    date = _DATE_FILTERS.get(key)
    if date and period is not None:
        prefix = "" if date == "clue" else f"{date}_"
        args[f"{prefix}from"] = period.start.isoformat()
        args[f"{prefix}to"] = period.end.isoformat()
    if key == "implementation_rate" and period is not None:
        args["started_to"] = period.end.isoformat()  # its numerator: those started by the end
    if key == "projects_1bn":
        args["min"] = str(ONE_BILLION_WAN)
    elif key == "three500_count":
        args["three500"] = "1"
    elif key == "foreign_count":
        args["foreign"] = "1"
    elif key == "foreign_capital":  # every signed project with foreign capital, as the figure sums
        args["foreign_capital"] = "1"
    return args


def list_query(key: str, period: Period | None, scope: Scope, **extra) -> str:
    """The query string (without "?") of the filtered list behind figure ``key``."""
    args = list_args(key, period, scope)
    args.update({k: v for k, v in extra.items() if v is not None})
    return urlencode(args)


# Public API --------------------------------------------------------------------------------

#: The families of the tables by unit, industry and team: this period's, and last year's.
TABLE_FAMILIES = families_for(TABLE_FIGURES)
TABLE_PREVIOUS_FAMILIES = families_for(TABLE_PREVIOUS)
TABLE_FAMILIES_PER_PERIOD = [TABLE_FAMILIES, TABLE_PREVIOUS_FAMILIES]

#: The grouping of ``grouped()``: every table and the totals roll up from it.
_GROUPS = (CREDITED_UNIT, Project.industry_code, Project.source_team)


class GroupedFigures(dict):
    """``{(unit, industry, team): [values this period, values last year]}`` and, in
    ``families``, the families computed for each of the two periods."""

    families: tuple = ()

    def require(self, needed: list) -> None:
        """Refuse to roll up figures these queries did not compute (they would read as zero)."""
        missing = [set(want) - set(have) for want, have in zip(needed, self.families)]
        if any(missing):
            raise ValueError(f"grouped figures lack the families {missing}")


def grouped(period: Period, scope: Scope | None = None, families=ALL_FAMILIES) -> GroupedFigures:
    """The raw figures of a period and the same period last year, grouped by responsible
    unit, industry and source team in SQL. Pass it as ``data=`` to ``compute``,
    ``by_unit``, ``by_industry`` and ``by_team`` to compute several panels from one set of
    queries; they roll it up over its groups, never over projects. ``families``: only the
    queries of these families, one set for both periods or a list of two (the tables need
    ``TABLE_FAMILIES_PER_PERIOD``).

    Cached per change stamp (see ``cached``)."""
    scope = scope or Scope()
    per_period = tuple(frozenset(f) for f in (families if isinstance(families, list) else [families] * 2))

    def run():
        data = GroupedFigures(_aggregate([period, period.previous_year()], scope, _GROUPS, list(per_period)))
        data.families = per_period
        return data

    return cached(("grouped", period, scope, per_period), run)  # the period whole: its kind decides last year


# A small cache of expensive results, keyed by a change stamp ------------------------------

_cache_lock = threading.Lock()
CACHE_SIZE = 128


def change_stamp() -> tuple:
    """Changes whenever projects, their stage history, capital or any audited record change:
    the highest id of each table (one indexed lookup each). Every change to a project is
    audited (portal.audit), so edits and verifications give a new stamp too. One query (read
    afresh for every cached result: a request may change data between two of them)."""
    from portal.models import AuditLog

    highest = [model.select(fn.MAX(model.id)) for model in (AuditLog, Project, StageChange, CapitalEntry)]
    return tuple(database.execute(peewee.Select(columns=highest)).fetchone())


def cached(key: tuple, compute_fn):
    """``compute_fn()``, kept per application for FIGURES_CACHE_SECONDS (default 300; 0: off)
    under ``key`` plus the change stamp, so a change to the data is seen at once.
    The result is shared between requests: callers treat it as read-only."""
    try:
        app = current_app._get_current_object()
    except RuntimeError:
        return compute_fn()
    max_age = float(app.config.get("FIGURES_CACHE_SECONDS", 300) or 0)
    if max_age <= 0:
        return compute_fn()
    full_key = (key, change_stamp())
    store = app.extensions.setdefault("figures_cache", OrderedDict())
    now = time.monotonic()
    with _cache_lock:
        hit = store.get(full_key)
        if hit is not None and now - hit[0] <= max_age:
            store.move_to_end(full_key)
            return hit[1]
    result = compute_fn()
    with _cache_lock:
        store[full_key] = (now, result)
        while len(store) > CACHE_SIZE:
            store.popitem(last=False)
    return result


def compute(period: Period, scope: Scope | None = None, data: GroupedFigures | None = None) -> Figures:
    """Every figure for a period and scope, each with the same period last year (cached per
    change stamp; without ``data`` its own queries, ungrouped)."""
    scope = scope or Scope()
    previous = period.previous_year()
    if data is None:
        current, last = cached(("figures", period, scope),
                               lambda: _aggregate([period, previous], scope)[None])
    else:
        data.require([ALL_FAMILIES, ALL_FAMILIES])
        current, last = _roll_up(data, lambda g: "all").get("all") or _zero_pair()
    figures = Figures(period=period, previous_period=previous, scope=scope)
    for key in FIGURES:
        figures.items[key] = Figure(key, current[key], last[key], list_query(key, period, scope),
                                    *_parts(key, current), previous_link=list_query(key, previous, scope))
    return figures


def _has_values(row: Row) -> bool:
    return any(f.value or f.previous for f in row.figures.values())


def _row(key, label, current, last, period, link_scope) -> Row:
    previous = period.previous_year()
    figures = {f: Figure(f, current[f], last[f] if f in TABLE_PREVIOUS else None, list_query(f, period, link_scope),
                         *_parts(f, current), previous_link=list_query(f, previous, link_scope))
               for f in TABLE_FIGURES}
    return Row(key, label, figures)


def _table_data(name: str, period: Period, scope: Scope, group) -> dict:
    """A table's own figures (cached per change stamp): grouped by its one column only."""
    return cached((name, period, scope), lambda: _aggregate(
        [period, period.previous_year()], scope, group, TABLE_FAMILIES_PER_PERIOD))


def _zero_pair():
    return [_finish(_empty_values()), _finish(_empty_values())]


def by_unit(period: Period, scope: Scope | None = None, data: GroupedFigures | None = None) -> list[Row]:
    """One row per unit directly below the scope's unit (or the city's top units), each with
    its sub-units; a row for the unit itself when projects sit directly with it."""
    scope = scope or Scope()
    base = scope.unit()
    if base is not None:
        children = list(Unit.select().where(Unit.parent == base).order_by(Unit.sort_order, Unit.name))
        tops = [base]
    else:
        tops = list(Unit.select().where(Unit.parent.is_null(True)).order_by(Unit.sort_order, Unit.name))
        children = list(Unit.select().where(Unit.parent.in_([u.id for u in tops]))
                        .order_by(Unit.sort_order, Unit.name)) if tops else []
    if data is None:
        data = _table_data("units", period, scope, CREDITED_UNIT)
        unit_of = lambda g: g  # noqa: E731
    else:
        data.require(TABLE_FAMILIES_PER_PERIOD)
        unit_of = lambda g: g[0]  # noqa: E731
    # Roll the per-unit numbers (a few hundred units at most) up to the rows' units by path.
    paths = dict(Unit.select(Unit.id, Unit.path).tuples())
    target_of: dict = {}

    def target(group):
        unit_id = unit_of(group)
        if unit_id not in target_of:
            path = paths.get(unit_id, "")
            found = next((c.id for c in children if path.startswith(c.path)), None)
            if found is None:
                top = next((t.id for t in tops if path.startswith(t.path)), None)
                found = ("self", top) if top is not None else None
            target_of[unit_id] = found
        return target_of[unit_id]

    rolled = _roll_up(data, target)
    kinds = {c.id: c.kind for c in children}
    rows = []
    ordered = [(("self", t.id), t.name) for t in tops] + [(c.id, c.name) for c in children]
    for key, name in ordered:
        current, last = rolled.get(key) or _zero_pair()
        direct = isinstance(key, tuple)
        unit_id = key[1] if direct else key
        row = _row(unit_id, name, current, last, period, scope.narrowed(unit_id=unit_id))
        row.direct = direct
        # Places (counties, districts, zones, towns) always get a row; other units (departments,
        # teams, the bureau itself) only when they hold projects with numbers.
        if not _has_values(row) and (direct or kinds.get(unit_id) not in PLACE_KINDS):
            continue
        rows.append(row)
    return rows


def by_industry(period: Period, scope: Scope | None = None, data: GroupedFigures | None = None) -> list[Row]:
    """One row per industry of the projects in scope (labels from portal.industries), largest first."""
    from portal import industries

    scope = scope or Scope()
    if data is None:
        data = _table_data("industries", period, scope, Project.industry_code)
    else:
        data.require(TABLE_FAMILIES_PER_PERIOD)
        data = _roll_up(data, lambda g: g[1] or "")
    rows = []
    for code, (current, last) in data.items():
        label = industries.label(code) if code else str(_l("No industry"))
        row = _row(code or "", label, current, last, period, scope.narrowed(industry=code) if code else scope)
        if _has_values(row):
            rows.append(row)
    rows.sort(key=lambda r: (-r["signed_investment"].value, -r["signed_count"].value, r.label))
    return rows


def by_team(period: Period, scope: Scope | None = None, data: GroupedFigures | None = None) -> list[Row]:
    """One row per stationed team: its credited share of projects (portal.credit; under the
    default rule a team hosts few projects and is credited with none it only referred), largest first."""
    scope = scope or Scope()
    names = dict(Unit.select(Unit.id, Unit.name).where(Unit.kind == "team").tuples())
    if data is None:
        data = _table_data("units", period, scope, CREDITED_UNIT)  # the by-unit table's own queries
    else:
        data.require(TABLE_FAMILIES_PER_PERIOD)
        data = _roll_up(data, lambda g: g[0] if g[0] in names else None)
    rows = []
    for team_id in names:
        current, last = data.get(team_id) or _zero_pair()
        rows.append(_row(team_id, names[team_id], current, last, period, scope.narrowed(unit_id=team_id)))
    rows.sort(key=lambda r: (-r["signed_investment"].value, -r["signed_count"].value, r.label))
    return rows


@dataclass
class FunnelStage:
    stage: str
    count: int
    investment: Decimal
    link: str

    @property
    def label(self) -> str:
        from portal.labels import STAGE_LABELS, label

        return label(STAGE_LABELS, self.stage)


def funnel(scope: Scope | None = None, on_date: dt.date | None = None) -> list[FunnelStage]:
    """Projects by stage: their current stage, or (with ``on_date`` in the past) the stage of
    their latest counted stage change on or before that date."""
    scope = scope or Scope()
    if on_date is None:
        query = (Project.select(Project.stage, _COUNT_ROWS, fn.SUM(Project.total_investment))
                 .where(scope.condition()).group_by(Project.stage))
    else:
        sc = StageChange
        ranked = (sc.select(sc.project.alias("pid"), sc.to_stage.alias("stage"),
                            fn.ROW_NUMBER().over(partition_by=[sc.project],
                                                 order_by=[sc.on_date.desc(), sc.id.desc()]).alias("rn"))
                  .where(sc.verification.in_(COUNTED_VERIFICATIONS), sc.on_date <= on_date)
                  .alias("r"))
        query = (Project.select(ranked.c.stage, fn.COUNT(Project.id), fn.SUM(Project.total_investment))
                 .join(ranked, on=(Project.id == ranked.c.pid))
                 .where(scope.condition() & (ranked.c.rn == 1))
                 .group_by(ranked.c.stage))
    counts = cached(("funnel", scope, on_date),
                    lambda: {stage: (int(n or 0), _money(total)) for stage, n, total in query.tuples()})
    return [FunnelStage(stage, *counts.get(stage, (0, _money(0))),
                        link=urlencode({**scope.query_args(), "stage": stage}))
            for stage in FUNNEL_STAGES]


@dataclass
class MonthPoint:
    month: int
    value: Decimal
    previous: Decimal
    link: str
    previous_link: str = ""

    @property
    def change_pct(self):
        return change_pct(self.value, self.previous)


def monthly_signed(year: int, scope: Scope | None = None) -> list[MonthPoint]:
    """Signed amount per month of ``year`` and of the year before (each project at its latest
    counted signing date in the year), for the trend chart."""
    scope = scope or Scope()
    this, last = Period.of_year(year), Period.of_year(year - 1)
    def sums():
        # Projects with one counted signing: their stored date, summed per day in SQL (one
        # aggregate per row, in index order), the days added up to months here.
        row: dict = {}
        day = Project.counted_signed_on
        per_day = (Project.select(day, fn.SUM(Project.total_investment))
                   .where(~Project.counted_repeats & (day >= last.start) & (day <= this.end) & scope.condition())
                   .group_by(day))
        for on, total in per_day.tuples():
            on = on if isinstance(on, dt.date) else dt.date.fromisoformat(str(on)[:10])
            key = f"m{0 if on >= this.start else 1}_{on.month}"
            row[key] = _plus(row.get(key), total)
        # The few with repeated counted signings: their latest counted signing in each year.
        repeats = _repeated_projects()
        if repeats is None:
            return row
        d = _milestones([this, last], ("signed",), repeats)
        select = []
        for i, period in enumerate((this, last)):
            signed = getattr(d.c, f"signed_{i}")
            for m in period.months():
                select.append(_sum_if((signed >= m.start) & (signed <= m.end), Project.total_investment)
                              .alias(f"m{i}_{m.part}"))
        repeated = Project.select(*select).join(d, on=(Project.id == d.c.pid)).where(scope.condition()).dicts().get()
        return _add_rows({None: row}, {None: repeated})[None]

    row = cached(("monthly", year, scope), sums)
    points = []
    for month in range(1, 13):
        m = Period.of_month(year, month)
        points.append(MonthPoint(month, _money(row.get(f"m0_{month}")), _money(row.get(f"m1_{month}")),
                                 list_query("signed_investment", m, scope),
                                 list_query("signed_investment", Period.of_month(year - 1, month), scope)))
    return points


#: Where the feature that freezes weeks (scheduling) registers them in ``app.extensions``: an object
#: with ``is_frozen(week)``, ``flag_counts(week, unit_ids=, project_ids=)`` and
#: ``last_frozen_week(first, last)``. Without it (the feature off) every week shows today's flags.
FROZEN_WEEKS_KEY = "portal_frozen_weeks"


def _frozen_weeks():
    return current_app.extensions.get(FROZEN_WEEKS_KEY)


def flag_counts(week: str, scope: Scope | None = None) -> dict:
    """Projects per flag colour ({"red": n, "yellow": n, "green": n}) for an ISO week.

    A frozen week is counted from its snapshot (the units the projects had then; the industry
    and team a snapshot does not record are the projects' current ones); any other week from
    the projects' current flags.
    """
    scope = scope or Scope()
    frozen = _frozen_weeks()
    if frozen is not None and frozen.is_frozen(week):
        unit = scope.unit()
        unit_ids = unit.subtree_ids() if unit is not None else ([] if scope.unit_id else None)
        project_ids = None
        if scope.industry or scope.team_id:  # archived since or not: the snapshot counted them then
            project_ids = Project.select(Project.id).where(scope.narrowed(unit_id=None).condition(with_archived=True))
        return frozen.flag_counts(week, unit_ids=unit_ids, project_ids=project_ids)
    counts = {"red": 0, "yellow": 0, "green": 0}
    query = Project.select(Project.flag, _COUNT_ROWS).where(scope.condition()).group_by(Project.flag)
    for flag, n in query.tuples():
        counts[flag] = int(n or 0)
    return counts


@dataclass
class PeriodFlags:
    """The flags a period's dashboard shows: the frozen flags of its last frozen week when the
    period ended before this week, else today's (``frozen`` False, ``week`` the current week)."""

    counts: dict
    week: str
    frozen: bool
    period_is_past: bool  # the period ended before the current week

    @property
    def week_days(self) -> tuple[dt.date, dt.date]:
        monday = week_start(self.week)
        return monday, monday + dt.timedelta(days=6)


def period_flags(period: Period, scope: Scope, day: dt.date) -> PeriodFlags:
    """Flags for a period (see PeriodFlags): never today's flags under a past week's name."""
    current = iso_week(day)
    past = iso_week(period.end) < current
    frozen = _frozen_weeks()
    week = None
    if past and frozen is not None:
        week = frozen.last_frozen_week(iso_week(period.start), iso_week(period.end))
    if week:
        return PeriodFlags(flag_counts(week, scope), week, frozen=True, period_is_past=True)
    return PeriodFlags(flag_counts(current, scope), current, frozen=False, period_is_past=past)


__all__ = [
    "COUNTED_VERIFICATIONS", "FIGURES", "Figure", "Figures", "FunnelStage", "MonthPoint", "Period", "Row", "Scope",
    "by_industry", "by_team", "by_unit", "change_pct", "compute", "days_between",
    "flag_counts", "for_units", "funnel", "grouped", "list_args", "list_query", "monthly_signed",
    "period_flags", "PeriodFlags",
]


# Assessment: figures of many units at once (the ranking) ---------------------------------

def for_units(periods: list[Period], units, keys=tuple(FIGURES)) -> dict:
    """``{unit id: [values of each period]}`` for many units in one go: each unit (a stationed
    team too) with its sub-units, by its credited shares of projects (portal.credit), so units
    that do not contain one another add up to no more than the city. Values as in ``compute``
    without the comparison; only the figures ``keys`` are computed (the others stay zero). One
    query set grouped by credited unit in SQL; only those groups are rolled up, never projects."""
    data = _aggregate(periods, Scope(), (CREDITED_UNIT,), families_for(keys))
    paths = dict(Unit.select(Unit.id, Unit.path).tuples())
    result = {}
    for unit in units:
        def key_of(group, unit=unit):
            return unit.id if group[0] is not None and paths.get(group[0], "").startswith(unit.path) else None
        rolled = _roll_up(data, key_of, len(periods))
        result[unit.id] = rolled.get(unit.id) or [_finish(_empty_values()) for _ in periods]
    return result


# The list behind a figure: filters the projects list understands (portal/projects/filters.py) ----

#: Milestone date filters of /projects: ``signed_from``/``signed_to`` … list the projects with a
#: counted stage change to that stage in the range, exactly as the figures count them;
#: ``capital_from``/``capital_to`` those with capital in place dated in the range.
_MILESTONE_FILTERS = ("signed", "started", "completed", "production", "capital")
#: Yes/no filters: the investor's class (``three500``, ``foreign``: at signing for a signed project,
#: as the figures count it) and ``foreign_capital`` (foreign capital entered, more than zero).
_YES_NO_FILTERS = ("three500", "foreign", "foreign_capital")
FIGURE_FILTER_PARAMS = tuple(f"{m}_{end}" for m in _MILESTONE_FILTERS for end in ("from", "to")) + (
    _YES_NO_FILTERS + ("team",))


def parse_list_filters(raw: dict) -> tuple[dict, dict]:
    """Parse the figure filters of a list's query string: ``(values, errors by parameter)``.
    Messages are translated; a bad value is reported and ignored."""
    from flask_babel import gettext as _

    values, errors = {}, {}
    for name in FIGURE_FILTER_PARAMS[: 2 * len(_MILESTONE_FILTERS)]:
        text = (raw.get(name) or "").strip()
        if text:
            try:
                values[name] = dt.date.fromisoformat(text)
            except ValueError:
                errors[name] = _("Enter a date as YYYY-MM-DD.")
    for name in _YES_NO_FILTERS:
        text = (raw.get(name) or "").strip()
        if text:
            if text in ("1", "0"):
                values[name] = text == "1"
            else:
                errors[name] = _("Choose yes or no.")
    text = (raw.get("team") or "").strip()
    if text:
        team_id = parse_id(text)
        team = Unit.get_or_none(Unit.id == team_id, Unit.kind == "team") if team_id else None
        if team is None:
            errors["team"] = _("Unknown stationed team.")
        else:
            values["team"] = team.id
    return values, errors


def list_conditions(values: dict) -> list:
    """WHERE conditions on Project for parsed figure filters (see ``parse_list_filters``)."""
    conds = []
    for milestone in _MILESTONE_FILTERS:
        start, end = values.get(f"{milestone}_from"), values.get(f"{milestone}_to")
        if start is None and end is None:
            continue
        if milestone == "capital":
            sub = CapitalEntry.select(CapitalEntry.project)
            if start is not None:
                sub = sub.where(CapitalEntry.on_date >= start)
            if end is not None:
                sub = sub.where(CapitalEntry.on_date <= end)
        else:
            sub = counted_changes().select(StageChange.project).where(StageChange.to_stage == milestone)
            if start is not None:
                sub = sub.where(StageChange.on_date >= start)
            if end is not None:
                sub = sub.where(StageChange.on_date <= end)
        conds.append(Project.id.in_(sub))
    for name, flags in (("three500", THREE500_CLASSES), ("foreign", ("foreign_invested",))):
        if name in values:
            conds.append(_class_condition(flags, values[name]))
    if "foreign_capital" in values:
        entered = Project.foreign_capital > 0
        conds.append(entered if values["foreign_capital"] else (Project.foreign_capital.is_null(True) | ~entered))
    if "team" in values:
        conds.append(Project.source_team == values["team"])
    return conds


def first_project_year() -> int | None:
    """The year of the earliest clue or signing date of any project (the period menus start
    there), read once per request. Three scalar subqueries, each a seek at the start of its
    date index (SQLite optimises MIN only when it is the query's single aggregate)."""
    def read():
        columns = (Project.clue_on, Project.signed_on, Project.counted_signed_on)
        query = peewee.Select(columns=[Project.select(fn.MIN(column)).alias(f"m{i}")
                                       for i, column in enumerate(columns)]).bind(database)
        row = query.tuples().first()
        dates = [_as_date(value) for value in (row or ()) if value]
        return min(dates).year if dates else None

    return per_request("figures.first_project_year", read)


def _as_date(value) -> dt.date:
    """A date column's value: SQLite hands back text from a subquery."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _class_condition(flags, wanted: bool):
    """Projects whose investor is (``wanted``) or is not of one of the classes ``flags``, as the
    figures count them: a signed project by its class at signing, the others by the investor's
    current class (a project without an investor is of no class)."""
    taken = Project.foreign_invested_at_signing.is_null(False)  # the copies are written together
    at_signing = _of_class(flags, True)
    now = Enterprise.select(Enterprise.id).where(_of_class(flags, False))
    if wanted:
        return (taken & at_signing) | (~taken & Project.enterprise.in_(now))
    return (taken & ~at_signing) | (~taken & (Project.enterprise.is_null(True) | Project.enterprise.not_in(now)))
