"""SQL building blocks of the figures: portable expressions (conditional counts and sums,
days between dates), the projects with repeated counted milestones, and reading grouped rows
back. Every expression runs unchanged on SQLite, PostgreSQL and MySQL."""
from __future__ import annotations

import datetime as dt
import functools
import operator
from decimal import ROUND_HALF_UP, Decimal

import peewee
from peewee import Case, fn

from portal.db import backend
from portal.models import Enterprise, Project, StageChange
from portal.periods import Period
from portal.stages import COUNTED

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
#: The investor classes of the Three-Category-500 (三类500强).
THREE500_CLASSES = ("fortune_global_500", "china_500", "china_private_500")
#: COUNT(*), not COUNT(id): PostgreSQL's indexes do not hold the id, so counting it would read
#: every row instead of the index alone (an index-only scan).
COUNT_ROWS = fn.COUNT(peewee.SQL("*"))
#: Up to this many projects with repeated counted milestones are passed to SQL as a list of ids.
REPEATS_AS_LIST = 1000


def days_between(later, earlier):
    """A portable SQL expression: the number of days from ``earlier`` to ``later``."""
    kind = backend()
    if kind == "postgresql":
        return peewee.Cast(later, "date") - peewee.Cast(earlier, "date")
    if kind == "mysql":
        return fn.DATEDIFF(later, earlier)
    return fn.julianday(later) - fn.julianday(earlier)


def in_period(column, period: Period):
    return (column >= period.start) & (column <= period.end)


def both(ok, cond):
    """``ok & cond``; ``ok`` None means "every row" (the WHERE clause already chose them)."""
    return cond if ok is None else ok & cond


def count_if(cond, w=None):
    """SQL: how many rows meet ``cond``; with a credit weight ``w``, the sum of their shares."""
    return fn.SUM(Case(None, [(cond, 1 if w is None else w)], 0))


def sum_if(cond, value, w=None):
    return fn.SUM(Case(None, [(cond, value if w is None else value * w)], None))


def count_where(ok, w=None):
    """How many rows read have ``ok`` (None: every row read), weighted by ``w``."""
    if ok is None:
        return COUNT_ROWS if w is None else fn.SUM(w)
    return count_if(ok, w)


def sum_where(ok, value, w=None):
    if ok is None:
        return fn.SUM(value if w is None else value * w)
    return sum_if(ok, value, w)


def money(value) -> Decimal:
    if value is None:
        return Decimal("0.00")
    return Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)


def count(value):
    """A count: whole, or with two decimals where credit shares split projects (0.5 of one)."""
    number = Decimal(str(value or 0))
    return int(number) if number == number.to_integral_value() else number.quantize(CENT, ROUND_HALF_UP)


def avg_days(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(TENTH, ROUND_HALF_UP)


def rate(numerator, denominator) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(TENTH, ROUND_HALF_UP)


def of_class(flags, at_signing: bool):
    """The investor is of one of the classes ``flags``: as copied onto the project at signing
    (``Project.<flag>_at_signing``, what a signed project counts by), or as the investor is now."""
    columns = [getattr(Project, f"{flag}_at_signing") if at_signing else getattr(Enterprise, flag) for flag in flags]
    return functools.reduce(operator.or_, [column == True for column in columns])  # noqa: E712


def repeated_projects():
    """The projects with more than one counted change to some milestone (``counted_repeats``):
    None when there are none, a list of ids, or a subquery when there are many. One seek in
    the index on ``counted_repeats``; the list lets SQLite start from those few projects."""
    ids = [pid for (pid,) in Project.select(Project.id).where(Project.counted_repeats == True)  # noqa: E712
           .limit(REPEATS_AS_LIST + 1).tuples()]
    if len(ids) > REPEATS_AS_LIST:
        return Project.select(Project.id).where(Project.counted_repeats == True)  # noqa: E712
    return ids or None


def milestones(periods, stages, projects):
    """Per project of ``projects`` (ids or a subquery, from ``repeated_projects()``): the latest
    counted date of each milestone in each period (a subquery ``d``)."""
    sc = StageChange
    columns = [sc.project.alias("pid")]
    for i, period in enumerate(periods):
        for stage in stages:
            columns.append(fn.MAX(Case(None, [((sc.to_stage == stage) & in_period(sc.on_date, period), sc.on_date)],
                                       None)).alias(f"{stage}_{i}"))
    query = (sc.select(*columns)
             .where(sc.to_stage.in_(stages), sc.on_date >= min(p.start for p in periods),
                    sc.on_date <= max(p.end for p in periods), sc.verification.in_(COUNTED)))
    return query.where(sc.project.in_(projects)).group_by(sc.project).alias("d")


def counted_column(stage):
    return getattr(Project, f"counted_{stage}_on")


def has_counted(stage: str, on_or_before: dt.date):
    """SQL: the project has a counted change to ``stage`` dated on or before ``on_or_before``,
    the condition of the list filter ``<stage>_to`` (``list_filters``). For the few projects
    with repeated counted milestones, whose stored date is only their latest."""
    sc = StageChange.alias("hc")
    return fn.EXISTS(sc.select(sc.id).where((sc.project == Project.id) & (sc.to_stage == stage)
                                            & sc.verification.in_(COUNTED) & (sc.on_date <= on_or_before)))


def started_by_stored(period: Period):
    """SQL: a counted start by the period's end, for projects with at most one counted change
    per milestone (their stored counted date; the counted start, never ``started_on``, which is
    set while the start still awaits verification)."""
    return Project.counted_started_on <= period.end


def plus(a, b):
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, int) and isinstance(b, int):
        return a + b
    return Decimal(str(a)) + Decimal(str(b))


def add_rows(a: dict, b: dict) -> dict:
    """Add two ``rows`` results (raw sums and counts per group) of disjoint project sets."""
    out = {key: dict(row) for key, row in a.items()}
    for key, row in b.items():
        target = out.setdefault(key, {})
        for name, value in row.items():
            target[name] = plus(target.get(name), value)
    return out


def grouped_select(query, group, select):
    """Select ``select`` grouped by one column (key ``g``) or a tuple of columns (``g0``, ``g1`` …)."""
    if group is None:
        return query.select(*select)
    if isinstance(group, (tuple, list)):
        return query.select(*[g.alias(f"g{i}") for i, g in enumerate(group)], *select).group_by(*group)
    return query.select(group.alias("g"), *select).group_by(group)


def rows(query, group, factor=None) -> dict:
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
