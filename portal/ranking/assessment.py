"""Scoring and ranking units for a period through the ``portal_assess_unit`` hook.

The default assessment (``portal.ranking.default_assessment``) answers last; a
county's plugin answering first replaces its formula. The rules a formula reads
come from the active system's rules file (``[YEAR.assessment]``, see
``rules_for_year``), over the ``RANKING_RULES`` setting, over ``DEFAULT_RULES``.
"""
from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from flask import current_app

from portal import plugins
from portal import rules as rule_files  # the module; `rules` below are a year's assessment rules
from portal.models import Unit
from portal.periods import Period
from portal.ranking import data
from portal.ranking.targets import FIGURES_BY_CODE, TARGET_FIGURES, assessed_units, targets_for_year
from portal.timeutil import today as local_today

HUNDRED = Decimal(100)

#: The default assessment's rules (docs/ranking.md). Keys:
#: ``weights`` – points for a figure at 100 % of its target (cumulative figures
#: against the target pro-rated to the period); ``completion_cap`` – completion
#: counts up to this percentage; ``bonus`` – points per project for
#: ``three500_count`` and ``projects_1bn``, at most ``bonus_cap`` in all;
#: ``deductions`` – ``[{"figure", "below", "points"}]`` subtracted when the figure
#: is below the value; ``vetoes`` – ``[{"figure", "below", "reason"}]`` a unit
#: below the value is vetoed (一票否决) and ranks after all others.
DEFAULT_RULES = {
    "weights": {"signed_count": 20, "signed_investment": 30, "projects_1bn": 10,
                "three500_count": 10, "foreign_capital": 10, "capital_in_place": 20},
    "completion_cap": 120,
    "bonus": {"three500_count": 1, "projects_1bn": 2},
    "bonus_cap": 10,
    "deductions": [],
    "vetoes": [],
}


@dataclass
class AssessmentContext:
    """What ``portal_assess_unit`` receives besides the unit's figures and targets."""

    today: dt.date
    year: int
    period: Period
    settings: object
    rules: dict  # the assessment rules for the year (DEFAULT_RULES keys, and a plugin's own)
    annual_targets: dict
    system: dict | None = None  # the active industry system (portal.rules), or None

    @property
    def system_code(self) -> str | None:
        """The active system's code: a county plugin answers only when its own system is active."""
        return self.system["code"] if self.system else None


@dataclass
class UnitResult:
    unit: Unit
    figures: dict
    targets: dict  # for the period (pro-rated)
    annual_targets: dict
    completion: dict  # code -> percent or None
    ahead: dict  # code -> completion minus time elapsed, percentage points (cumulative figures)
    score: Decimal
    breakdown: list
    vetoes: list
    rank: int = 0
    previous_rank: int | None = None

    @property
    def rank_change(self) -> int | None:
        """Places gained since the previous period (negative: places lost)."""
        return None if self.previous_rank is None else self.previous_rank - self.rank


@dataclass
class Ranking:
    period: Period
    previous_period: Period | None
    elapsed_pct: Decimal
    results: list = field(default_factory=list)
    #: Assessment plugins that failed, so that a later one (the default) scored in their place.
    failed_plugins: list[str] = field(default_factory=list)

    def note_failures(self, names: list[str]) -> None:
        self.failed_plugins += [name for name in names if name not in self.failed_plugins]

    def for_unit(self, unit_id: int) -> UnitResult | None:
        return next((r for r in self.results if r.unit.id == unit_id), None)


def previous_period(period: Period) -> Period:
    """The period of the same length just before: 2026-Q3 → 2026-Q2, 2026 → 2025, 2026-H1 → 2025-H2."""
    if period.kind == "year":
        return Period.of_year(period.year - 1)
    if period.kind == "half":
        return Period.of_half(period.year, 1) if period.part == 2 else Period.of_half(period.year - 1, 2)
    if period.kind == "quarter":
        return (Period.of_quarter(period.year, period.part - 1) if period.part > 1
                else Period.of_quarter(period.year - 1, 4))
    if period.kind == "month":
        return (Period.of_month(period.year, period.part - 1) if period.part > 1
                else Period.of_month(period.year - 1, 12))
    return period.previous_year()


def _merge(base: dict, override: dict) -> dict:
    result = copy.deepcopy(base)
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _merge(result[key], value)
        else:
            result[key] = value
    return result


def active_system() -> dict | None:
    """The active industry system (portal.rules), or None."""
    try:
        return rule_files.active_system()
    except Exception:  # noqa: BLE001 - a broken rules file is reported by portal.rules itself
        return None


def rules_for_year(year: int, system: dict | None = None) -> dict:
    """The assessment rules for a year: the ``[YEAR.assessment]`` table of the active system's
    rules file (the latest year up to ``year``), over the ``RANKING_RULES`` setting, over
    DEFAULT_RULES."""
    rules = _merge(DEFAULT_RULES, current_app.config.get("RANKING_RULES") or {})
    if not system or not system.get("file"):
        return rules
    try:
        parsed = rule_files.load_file(system["file"], system.get("review_keys"))
        _year, section = rule_files.year_section(parsed, year)
    except Exception:  # noqa: BLE001 - without a readable file the settings apply
        return rules
    table = section.get("assessment")
    return _merge(rules, table) if isinstance(table, dict) else rules


def year_share(period: Period) -> Decimal:
    """The period's share of its year, for pro-rating annual targets."""
    days_in_year = (dt.date(period.year, 12, 31) - dt.date(period.year, 1, 1)).days + 1
    return min(Decimal(1), Decimal(period.days) / Decimal(days_in_year))


def period_targets(annual: dict, period: Period) -> dict:
    share = year_share(period)
    result = {}
    for code, value in annual.items():
        figure = FIGURES_BY_CODE.get(code)
        if figure is None:
            continue
        result[code] = (value * share).quantize(Decimal("0.01")) if figure.cumulative else value
    return result


def completion_pct(value, target) -> Decimal | None:
    if value is None or not target:
        return None
    return (Decimal(value) * HUNDRED / Decimal(target)).quantize(Decimal("0.1"))


def _as_decimal(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _normalise(answer: dict) -> tuple[Decimal, list, list]:
    score = _as_decimal(answer.get("score", 0))
    breakdown = [{"label": str(item.get("label", "")), "points": _as_decimal(item.get("points", 0)),
                  "detail": str(item.get("detail", ""))} for item in answer.get("breakdown") or []]
    vetoes = [str(v) for v in answer.get("vetoes") or []]
    return score, breakdown, vetoes


def assess(period: Period, with_previous: bool = True, today: dt.date | None = None) -> Ranking:
    """Rank every assessed unit for the period (and the previous period of the same length,
    for rank changes; both periods' figures come from one set of grouped queries)."""
    today = today or local_today()
    units = list(assessed_units())
    periods = [period]
    if with_previous:
        try:
            periods.append(previous_period(period))
        except ValueError:  # the first year the portal knows has no predecessor
            with_previous = False
    by_period = data.unit_figures(periods, units)
    ranking = _rank(period, units, by_period[0], today)
    if with_previous:
        ranking.previous_period = periods[1]
        before = _rank(periods[1], units, by_period[1], today)
        ranking.note_failures(before.failed_plugins)
        for result in ranking.results:
            old = before.for_unit(result.unit.id)
            result.previous_rank = old.rank if old else None
    return ranking


def assess_periods(periods: list[Period], today: dt.date | None = None) -> list[Ranking]:
    """Rankings of several periods (a unit's history) from one set of grouped queries."""
    today = today or local_today()
    units = list(assessed_units())
    by_period = data.unit_figures(periods, units)
    return [_rank(p, units, by_period[i], today) for i, p in enumerate(periods)]


def _rank(period: Period, units: list, figures: dict, today: dt.date) -> Ranking:
    annual = targets_for_year(period.year)
    system = active_system()
    rules = rules_for_year(period.year, system)
    elapsed = (period.elapsed_fraction(today) * HUNDRED).quantize(Decimal("0.1"))
    ranking = Ranking(period=period, previous_period=None, elapsed_pct=elapsed)
    # The bureau chooses who is assessed in a year by setting their targets: a department
    # without investment-promotion duties (a utility, say) has none and is not ranked.
    for unit in (u for u in units if annual.get(u.id)):
        unit_annual = annual[unit.id]
        targets = period_targets(unit_annual, period)
        context = AssessmentContext(today=today, year=period.year, period=period,
                                    settings=current_app.config, rules=rules, annual_targets=unit_annual,
                                    system=system)
        unit_figures = figures[unit.id]
        outcome = plugins.call_hook("portal_assess_unit", unit=unit, figures=dict(unit_figures), targets=targets,
                                    period=period, context=context)
        ranking.note_failures(outcome.failed)
        score, breakdown, vetoes = _normalise(outcome.results[0] if outcome.results else {})
        completion = {f.code: completion_pct(unit_figures.get(f.code), targets.get(f.code)) for f in TARGET_FIGURES}
        ahead = {code: (pct - elapsed).quantize(Decimal("0.1"))
                 for code, pct in completion.items() if pct is not None and FIGURES_BY_CODE[code].cumulative}
        ranking.results.append(UnitResult(unit=unit, figures=unit_figures, targets=targets,
                                          annual_targets=unit_annual, completion=completion, ahead=ahead,
                                          score=score, breakdown=breakdown, vetoes=vetoes))
    _assign_ranks(ranking.results)
    return ranking


def _assign_ranks(results: list) -> None:
    """Unvetoed units first, by score; equal scores share a rank (1, 2, 2, 4)."""
    results.sort(key=lambda r: (bool(r.vetoes), -r.score, r.unit.path))
    previous_key, rank = None, 0
    for position, result in enumerate(results, start=1):
        key = (bool(result.vetoes), result.score)
        if key != previous_key:
            rank, previous_key = position, key
        result.rank = rank


def history_periods(period: Period, count: int = 4) -> list[Period]:
    """The period and the ``count - 1`` periods of the same length before it, newest first."""
    periods = [period]
    while len(periods) < count:
        try:
            periods.append(previous_period(periods[-1]))
        except ValueError:
            break
    return periods
