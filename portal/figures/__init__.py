"""THE figures package: every number the portal reports is computed here.

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

The package: ``definitions`` (THE catalogue: one definition per figure, with its label, SQL
and drill-down filter; ``county`` adds a county's through the ``portal_figures`` hook),
``aggregate`` (the queries by family and source), ``credit_parts`` (the unit join),
``tables`` (what pages show: ``compute``, the tables by unit, industry and team,
``for_units``, links), ``charts``, ``flags``, ``list_filters`` (the list behind a figure),
``cache``, ``scope``, ``values``, ``sql``. Import from ``portal.figures``.
"""
from __future__ import annotations

from portal.figures.cache import cached, change_stamp
from portal.figures.charts import FunnelStage, MonthPoint, funnel, monthly_signed
from portal.figures.credit_parts import CREDITED_UNIT
from portal.figures.definitions import (
    COUNTED_VERIFICATIONS, FIGURES, MILESTONES, ONE_BILLION_WAN, PLACE_KINDS, TABLE_FIGURES, TABLE_PREVIOUS,
    Definition, catalogue,
)
from portal.figures.flags import FROZEN_WEEKS_KEY, PeriodFlags, flag_counts, period_flags
from portal.figures.list_filters import FIGURE_FILTER_PARAMS, first_project_year, list_conditions, parse_list_filters
from portal.figures.scope import Scope
from portal.figures.sql import THREE500_CLASSES, days_between
from portal.figures.tables import (
    TABLE_FAMILIES, TABLE_FAMILIES_PER_PERIOD, GroupedFigures, by_industry, by_team, by_unit, compute, for_units,
    grouped, list_args, list_query,
)
from portal.figures.values import Figure, Figures, Row, change_pct, change_points
from portal.periods import Period

__all__ = [
    "COUNTED_VERIFICATIONS", "CREDITED_UNIT", "FIGURES", "FIGURE_FILTER_PARAMS", "FROZEN_WEEKS_KEY", "MILESTONES",
    "ONE_BILLION_WAN", "PLACE_KINDS", "TABLE_FAMILIES", "TABLE_FAMILIES_PER_PERIOD", "TABLE_FIGURES",
    "TABLE_PREVIOUS", "THREE500_CLASSES", "Definition", "Figure", "Figures", "FunnelStage", "GroupedFigures",
    "MonthPoint", "Period", "PeriodFlags", "Row", "Scope", "by_industry", "by_team", "by_unit", "cached",
    "catalogue", "change_pct", "change_points", "change_stamp", "compute", "days_between", "first_project_year",
    "flag_counts", "for_units", "funnel", "grouped", "list_args", "list_conditions", "list_query",
    "monthly_signed", "parse_list_filters", "period_flags",
]
