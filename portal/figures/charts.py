"""The dashboard's charts: projects by stage (the funnel) and the signed amount per month."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from peewee import fn

from portal.figures import tally
from portal.figures.cache import cached
from portal.figures.definitions import COUNTED_VERIFICATIONS, FUNNEL_STAGES
from portal.figures.scope import Scope
from portal.figures.sql import COUNT_ROWS, add_rows, milestones, money, plus, repeated_projects, sum_if
from portal.figures.tables import list_query
from portal.figures.values import change_pct
from portal.labels import STAGE_LABELS, label
from portal.models import Project, StageChange
from portal.periods import Period


@dataclass
class FunnelStage:
    stage: str
    count: int
    investment: Decimal
    link: str

    @property
    def label(self) -> str:
        return label(STAGE_LABELS, self.stage)


def funnel(scope: Scope | None = None, on_date: dt.date | None = None) -> list[FunnelStage]:
    """Projects by stage: their current stage, or (with ``on_date`` in the past) the stage of
    their latest counted stage change on or before that date."""
    scope = scope or Scope()
    if on_date is None and tally.available():  # kept by the database: no pass over every project
        query = None
    elif on_date is None:
        query = (Project.select(Project.stage, COUNT_ROWS, fn.SUM(Project.total_investment))
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
                    lambda: tally.counts(scope, tally.T.stage) if query is None
                    else {stage: (int(n or 0), money(total)) for stage, n, total in query.tuples()})
    return [FunnelStage(stage, *counts.get(stage, (0, money(0))),
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
            row[key] = plus(row.get(key), total)
        # The few with repeated counted signings: their latest counted signing in each year.
        repeats = repeated_projects()
        if repeats is None:
            return row
        d = milestones([this, last], ("signed",), repeats)
        select = []
        for i, period in enumerate((this, last)):
            signed = getattr(d.c, f"signed_{i}")
            for m in period.months():
                select.append(sum_if((signed >= m.start) & (signed <= m.end), Project.total_investment)
                              .alias(f"m{i}_{m.part}"))
        repeated = Project.select(*select).join(d, on=(Project.id == d.c.pid)).where(scope.condition()).dicts().get()
        return add_rows({None: row}, {None: repeated})[None]

    row = cached(("monthly", year, scope), sums)
    points = []
    for month in range(1, 13):
        m = Period.of_month(year, month)
        points.append(MonthPoint(month, money(row.get(f"m0_{month}")), money(row.get(f"m1_{month}")),
                                 list_query("signed_investment", m, scope),
                                 list_query("signed_investment", Period.of_month(year - 1, month), scope)))
    return points


#: Where the feature that freezes weeks (scheduling) registers them in ``app.extensions``: an object
