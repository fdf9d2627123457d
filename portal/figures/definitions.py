"""THE catalogue of figures: one definition per figure, with its label, its kind, the SQL that
computes it and the list of projects behind it (its drill-down filter), in one place.

A raw figure belongs to a *family*: the figures computed by one query per period, over the
rows dated in the period by the family's *source* (a counted milestone date, the clue date,
the capital entry's date …; see ``portal.figures.aggregate``). Its ``sql(m)`` is the aggregate
over those rows (``m``: a ``Measure``). A derived figure (a rate, an average) is computed from
raw numbers after the queries, by ``value``; a rate's ``parts`` are its numerator and
denominator. Hidden raw parts (``shown=False``) are the parts of rates and averages.

County plugins add figures through the ``portal_figures`` hook (``portal.figures.county``);
``catalogue()`` is the built-in definitions and those of the application's plugins.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.models import STAGES, CapitalEntry, Project
from portal.periods import Period
from portal.stages import COUNTED, COUNTED_MILESTONES
from portal.figures.sql import (
    THREE500_CLASSES, avg_days, both, count, count_if, count_where, days_between, money, of_class, rate, sum_if,
    sum_where,
)

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

#: Each family's source: the date its rows are chosen by. A source named after a milestone
#: (``MILESTONES``) counts by the project's counted date of it; "clues" by the clue date,
#: "capital" by the capital entry's date, "start_rate" the projects waiting to start at the
#: period's end. A county figure is a family of its own (``county.<key>``) of the source it names.
FAMILY_SOURCES = {
    "signed": "signed", "clue_to_sign": "signed", "started": "started", "sign_to_start": "started",
    "completed": "completed", "production": "production", "clues": "clues", "start_rate": "start_rate",
    "capital": "capital",
}
#: The drill-down list's date filter for each source (portal/projects/filters.py).
SOURCE_LIST_DATES = {"clues": "clue", "signed": "signed", "started": "started", "completed": "completed",
                     "production": "production", "capital": "capital", "start_rate": "started"}


@dataclass(frozen=True)
class Measure:
    """What a raw figure's SQL is written against, for one period and one query: ``ok`` whether
    the row read counts in the period (None: every row read does, the WHERE clause chose them),
    ``date`` the row's date of the family's source (a milestone's counted date), ``started_by``
    whether the project has a counted start by the period's end, ``w`` the credit share of the
    row (None: whole projects)."""

    ok: Any = None
    date: Any = None
    started_by: Any = None
    w: Any = None


def _no_filter(period: Period | None) -> dict:
    return {}


@dataclass(frozen=True)
class Definition:
    """One figure. ``kind``: count, amount (万元), usd (万美元), percent, days; a hidden part is
    a count or, for the day sums of averages, ``sum``."""

    key: str
    label: Any
    kind: str
    family: str = ""  # raw figures: the family computing it
    sql: Callable[[Measure], Any] | None = None  # raw figures: the aggregate
    needs: tuple = ()  # derived figures: the families of their parts
    value: Callable[[dict], Any] | None = None  # derived figures: from the raw numbers
    parts: Callable[[dict], tuple] | None = None  # rates: (numerator, denominator) from the raw numbers
    list_date: str | None = None  # the drill-down list's date filter (``SOURCE_LIST_DATES``' values)
    list_filter: Callable[[Period | None], dict] = _no_filter  # the drill-down list's other arguments
    shown: bool = True  # False: a hidden part of a rate or an average
    source: str = ""  # a county figure's source (built-in families take theirs from FAMILY_SOURCES)
    plugin: str = ""  # the plugin that defined a county figure
    condition: Any = None  # a county figure's condition on Project (its drill-down filter too)

    @property
    def derived(self) -> bool:
        return self.sql is None

    def empty(self):
        """The value before any row is counted: nothing to divide (None) for rates and averages."""
        if self.kind in ("percent", "days"):
            return None
        if self.kind in ("amount", "usd"):
            return Decimal("0.00")
        return Decimal(0) if self.kind == "sum" else 0

    def convert(self, value):
        """A raw number as SQL returned it, as the figure holds it."""
        if self.kind in ("amount", "usd"):
            return money(value)
        if self.kind == "sum":
            return Decimal(str(value or 0))
        return count(value)


def _average(total: str, n: str) -> Callable[[dict], Any]:
    return lambda v: avg_days(v[total] / v[n]) if v[n] else None


def _rate(parts: Callable[[dict], tuple]) -> Callable[[dict], Any]:
    return lambda v: rate(*parts(v))


def _args(**args) -> Callable[[Period | None], dict]:
    return lambda period: dict(args)


def _implementation_list(period: Period | None) -> dict:
    return {"started_to": period.end.isoformat()} if period is not None else {}  # its numerator


_IMPLEMENTATION = lambda v: (v["_implemented"], v["signed_count"])  # noqa: E731
_START = lambda v: (v["started_count"], v["started_count"] + v["_waiting_to_start"])  # noqa: E731
_CAPITAL = lambda v: (v["capital_in_place"], v["contracted_amount"])  # noqa: E731

#: The built-in figures, in the order pages list them.
BUILTIN = (
    Definition("new_clues", _l("New clues"), "count", "clues", lambda m: count_where(m.ok, m.w), list_date="clue"),
    Definition("signed_count", _l("Newly signed projects"), "count", "signed",
               lambda m: count_where(m.ok, m.w), list_date="signed"),
    Definition("signed_investment", _l("Signed amount"), "amount", "signed",
               lambda m: sum_where(m.ok, Project.total_investment, m.w), list_date="signed"),
    Definition("contracted_amount", _l("Contracted amount"), "amount", "signed",
               lambda m: sum_where(m.ok, Project.contracted_amount, m.w), list_date="signed"),
    Definition("projects_1bn", _l("Projects of 1 billion yuan or more"), "count", "signed",
               lambda m: count_if(both(m.ok, Project.total_investment >= ONE_BILLION_WAN), m.w),
               list_date="signed", list_filter=_args(min=str(ONE_BILLION_WAN))),
    # Counted signings only: each project by its investor's class at signing.
    Definition("three500_count", _l("Three-Category-500 projects"), "count", "signed",
               lambda m: count_if(both(m.ok, of_class(THREE500_CLASSES, True)), m.w),
               list_date="signed", list_filter=_args(three500="1")),
    Definition("foreign_count", _l("Foreign-invested projects"), "count", "signed",
               lambda m: count_if(both(m.ok, of_class(("foreign_invested",), True)), m.w),
               list_date="signed", list_filter=_args(foreign="1")),
    # Every signed project with foreign capital, as the figure sums.
    Definition("foreign_capital", _l("Foreign capital"), "usd", "signed",
               lambda m: sum_where(m.ok, Project.foreign_capital, m.w),
               list_date="signed", list_filter=_args(foreign_capital="1")),
    Definition("started_count", _l("Newly started projects"), "count", "started",
               lambda m: count_where(m.ok, m.w), list_date="started"),
    Definition("completed_count", _l("Completed projects"), "count", "completed",
               lambda m: count_where(m.ok, m.w), list_date="completed"),
    Definition("production_count", _l("Projects in production"), "count", "production",
               lambda m: count_where(m.ok, m.w), list_date="production"),
    Definition("capital_in_place", _l("Capital in place"), "amount", "capital",
               lambda m: sum_where(m.ok, CapitalEntry.amount, m.w), list_date="capital"),
    # Rates list their numerator: the signed projects of the period with a counted start by its
    # end; the projects started in the period (of those and the ones still waiting to start).
    Definition("implementation_rate", _l("Implementation rate"), "percent", needs=("signed",),
               value=_rate(_IMPLEMENTATION), parts=_IMPLEMENTATION, list_date="signed",
               list_filter=_implementation_list),
    Definition("start_rate", _l("Start rate"), "percent", needs=("started", "start_rate"),
               value=_rate(_START), parts=_START, list_date="started"),
    Definition("capital_availability_rate", _l("Capital availability rate"), "percent", needs=("capital", "signed"),
               value=_rate(_CAPITAL), parts=_CAPITAL, list_date="capital"),
    Definition("avg_days_clue_to_sign", _l("Average days from clue to signing"), "days", needs=("clue_to_sign",),
               value=_average("_c2s_sum", "_c2s_n"), list_date="signed"),
    Definition("avg_days_sign_to_start", _l("Average days from signing to start"), "days", needs=("sign_to_start",),
               value=_average("_s2st_sum", "_s2st_n"), list_date="started"),
    # Hidden parts. Averages as a sum and a count, so groups roll up exactly.
    Definition("_implemented", "", "count", "signed", lambda m: count_if(both(m.ok, m.started_by), m.w), shown=False),
    Definition("_c2s_sum", "", "sum", "clue_to_sign",
               lambda m: sum_if(both(m.ok, Project.clue_on.is_null(False)), days_between(m.date, Project.clue_on), m.w),
               shown=False),
    Definition("_c2s_n", "", "count", "clue_to_sign",
               lambda m: count_if(both(m.ok, Project.clue_on.is_null(False)), m.w), shown=False),
    Definition("_s2st_sum", "", "sum", "sign_to_start",
               lambda m: sum_if(both(m.ok, Project.signed_on.is_null(False)),
                                days_between(m.date, Project.signed_on), m.w), shown=False),
    Definition("_s2st_n", "", "count", "sign_to_start",
               lambda m: count_if(both(m.ok, Project.signed_on.is_null(False)), m.w), shown=False),
    Definition("_waiting_to_start", "", "count", "start_rate", lambda m: count_where(m.ok, m.w), shown=False),
)


class Catalogue:
    """The figures of one application: the built-in ones, then its county plugins'."""

    def __init__(self, definitions):
        self.definitions = {d.key: d for d in definitions}
        #: key -> (label, kind) of every figure shown (pages, the API, assessment plugins).
        self.figures = {d.key: (d.label, d.kind) for d in definitions if d.shown}
        self.raw = [d for d in definitions if not d.derived]
        self.derived = [d for d in definitions if d.derived]
        self.county = [d for d in definitions if d.plugin]
        #: family -> (source, its raw definitions)
        self.families: dict[str, tuple[str, list[Definition]]] = {}
        for d in self.raw:
            source = FAMILY_SOURCES.get(d.family) or d.source
            self.families.setdefault(d.family, (source, []))[1].append(d)
        self.all_families = frozenset(self.families)
        self._family_of = {d.key: d.family for d in self.raw}

    def families_for(self, keys) -> frozenset:
        """The families needed to compute the figures ``keys``."""
        out = set()
        for key in keys:
            d = self.definitions[key]
            out.update(d.needs if d.derived else (d.family,))
        return frozenset(out)

    def empty_values(self) -> dict:
        return {d.key: d.empty() for d in self.definitions.values()}

    def finish(self, values: dict) -> dict:
        """Compute the derived figures from their raw parts (in place); return ``values``."""
        for d in self.derived:
            values[d.key] = d.value(values)
        return values

    def parts(self, key: str, values: dict) -> tuple:
        """A rate's (numerator, denominator); (None, None) for other figures."""
        d = self.definitions.get(key)
        return d.parts(values) if d is not None and d.parts else (None, None)

    def list_args(self, key: str, period: Period | None) -> dict:
        """The drill-down list's date filter and other arguments of figure ``key`` (without the scope)."""
        d = self.definitions.get(key)
        if d is None:
            return {}
        args = {}
        if d.list_date and period is not None:
            prefix = "" if d.list_date == "clue" else f"{d.list_date}_"
            args[f"{prefix}from"] = period.start.isoformat()
            args[f"{prefix}to"] = period.end.isoformat()
        args.update(d.list_filter(period))
        return args


#: The catalogue without an application (no plugins).
BUILTIN_CATALOGUE = Catalogue(BUILTIN)
#: Where an application keeps its catalogue (``app.extensions``).
CATALOGUE_KEY = "portal_figures_catalogue"


def catalogue() -> Catalogue:
    """The current application's figures: built once per application (plugins are fixed when
    it starts), the built-in ones outside an application."""
    try:
        app = current_app._get_current_object()
    except RuntimeError:
        return BUILTIN_CATALOGUE
    found = app.extensions.get(CATALOGUE_KEY)
    if found is None:
        from portal.figures.county import county_definitions  # a cycle: county builds on this module

        found = app.extensions[CATALOGUE_KEY] = Catalogue(BUILTIN + tuple(county_definitions()))
    return found


#: The figures shown per row in the tables by unit, industry and team.
TABLE_FIGURES = ("new_clues", "signed_count", "signed_investment", "contracted_amount", "projects_1bn",
                 "three500_count", "started_count", "capital_in_place", "implementation_rate")
#: The figures of those tables shown with last year's value too.
TABLE_PREVIOUS = ("signed_investment",)
#: Every built-in figure: key → (label, kind) (``catalogue().figures`` adds the county's).
FIGURES = BUILTIN_CATALOGUE.figures
