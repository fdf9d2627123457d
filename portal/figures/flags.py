"""The flags a dashboard shows: projects per flag colour for a week, from the frozen snapshot of
a past week (the scheduling feature's) or from the projects' current flags."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app

from portal.figures import tally
from portal.figures.scope import Scope
from portal.figures.sql import COUNT_ROWS
from portal.models import Project
from portal.periods import Period
from portal.timeutil import iso_week, week_start


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
        unit_ids = scope.subtree_ids() if scope.unit_id else None
        project_ids = None
        if scope.industry or scope.team_id:  # archived since or not: the snapshot counted them then
            project_ids = Project.select(Project.id).where(scope.narrowed(unit_id=None).condition(with_archived=True))
        return frozen.flag_counts(week, unit_ids=unit_ids, project_ids=project_ids)
    counts = {"red": 0, "yellow": 0, "green": 0}
    if tally.available():  # kept by the database: no pass over every project
        counts.update({flag: n for flag, (n, _investment) in tally.counts(scope, tally.T.flag).items()})
        return counts
    query = Project.select(Project.flag, COUNT_ROWS).where(scope.condition()).group_by(Project.flag)
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

