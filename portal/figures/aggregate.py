"""The raw numbers of the figures, per period and group, in SQL.

The raw numbers come in families (``portal.figures.definitions``). Each period's families are
computed by one small query per *source* (the date they count by: a counted milestone date,
the clue date, the projects waiting to start, the capital entry's date), which reads only the
rows dated in the period through an index led by that date (migration 0009), never a pass
over all projects; a panel or the ranking asks only for the families of the figures it shows.
"""
from __future__ import annotations

from portal.figures import capital
from portal.figures.credit_parts import credit_parts, credited
from portal.figures.definitions import MILESTONES, Catalogue, Measure, catalogue
from portal.figures.scope import Scope
from portal.figures.sql import (
    add_rows, count_if, counted_column, grouped_select, has_counted, in_period, milestones, repeated_projects,
    rows, started_by_stored,
)
from portal.models import CapitalEntry, Project
from portal.periods import Period


def _select(cat: Catalogue, families, i: int, measure: Measure) -> list:
    """The SELECT expressions (aliased ``<key>_<i>``) of the raw figures of ``families`` for period ``i``."""
    return [d.sql(measure).alias(f"{d.key}_{i}") for family in families for d in cat.families[family][1]]


def _source_query(cat: Catalogue, source: str, families, i: int, period: Period, scope: Scope, w=None,
                  credited_part: bool = False, whole_city: bool = False) -> tuple:
    """``(query, select)`` of the ``families`` of one source for period ``i``: the projects
    (or capital entries) whose date of that source falls in the period; ``w`` the credit share
    and ``credited_part`` whether the caller chooses the unit's projects by their credit (``credited``);
    ``whole_city``: the city's figures, not grouped (nothing about the project is asked)."""
    where = scope.condition(credited=credited_part)
    if source in MILESTONES:
        # Projects with at most one counted change per milestone: their stored counted date
        # (Project.counted_<stage>_on, kept by portal.stages.refresh_counted). The few with
        # repeated counted changes come from their stage changes (``_repeated_milestones``).
        column = counted_column(source)
        query = Project.select().where(where & ~Project.counted_repeats & in_period(column, period))
        return query, _select(cat, families, i, Measure(None, column, started_by_stored(period), w))
    if source == "clues":
        query = Project.select().where(where & in_period(Project.clue_on, period))
    elif source == "start_rate":
        # Waiting to start at the period's end: a counted signing by then and no counted start
        # (projects with one counted change per milestone; ``_repeated_waiting`` the others).
        waiting = ((Project.counted_signed_on <= period.end)
                   & (Project.counted_started_on.is_null(True) | (Project.counted_started_on > period.end)))
        query = Project.select().where(where & ~Project.counted_repeats & waiting)
    elif source == "capital" and whole_city and set(families) == {"capital"}:
        # The city's capital, ungrouped: the entries alone, less those of archived projects (few).
        # Joining every project to its entries read the whole table (378 ms a year at 1,000,000
        # projects on PostgreSQL; this: 13 ms). County figures may ask about the project: joined.
        archived = Project.select(Project.id).where(Project.archived == True)  # noqa: E712
        query = CapitalEntry.select().where(in_period(CapitalEntry.on_date, period)
                                            & CapitalEntry.project.not_in(archived))
    elif source == "capital":
        query = (Project.select().join(CapitalEntry, on=(CapitalEntry.project == Project.id))
                 .where(where & in_period(CapitalEntry.on_date, period)))
    else:
        raise ValueError(f"unknown source {source!r}")
    return query, _select(cat, families, i, Measure(w=w))


def _repeated_waiting(periods, scope: Scope, families_per_period, repeated, w=None,
                      credited_part: bool = False) -> tuple | None:
    """``(query, select)`` of the projects waiting to start (start rate) among the few with
    repeated counted milestones (``repeated``): from their stage changes."""
    select = [count_if(has_counted("signed", period.end) & ~has_counted("started", period.end), w)
              .alias(f"_waiting_to_start_{i}")
              for i, (period, families) in enumerate(zip(periods, families_per_period)) if "start_rate" in families]
    if not select or repeated is None:
        return None
    return Project.select().where(scope.condition(credited=credited_part) & Project.id.in_(repeated)), select


def _repeated_milestones(cat: Catalogue, periods, scope: Scope, families_per_period, repeated, w=None,
                         credited_part: bool = False) -> tuple | None:
    """``(query, select)`` of the milestone families for the few projects with several counted
    changes to a milestone (``counted_repeats``: e.g. signed, moved back, signed again without
    the first change superseded): from their stage changes, so each counts at its latest
    counted date *in the period*. Disjoint from the stored-date queries; their sums add up."""
    wanted = [(i, family, cat.families[family][0]) for i, families in enumerate(families_per_period)
              for family in sorted(families) if cat.families[family][0] in MILESTONES]
    if not wanted or repeated is None:
        return None
    stages = sorted({stage for _, _, stage in wanted})
    d = milestones(periods, stages, repeated)
    select = []
    for i, family, stage in wanted:
        column = getattr(d.c, f"{stage}_{i}")
        select += _select(cat, [family], i, Measure(column.is_null(False), column,
                                                    has_counted("started", periods[i].end), w))
    query = Project.select().join(d, on=(Project.id == d.c.pid)).where(scope.condition(credited=credited_part))
    return query, select


def aggregate(periods: list[Period], scope: Scope, group=None, families=None) -> dict:
    """The raw numbers of the ``families`` (one set for every period, or a list with a set
    per period; None: all) for each period, per group value (None without grouping):
    ``{group: [values of each period]}``. Values hold every figure; those of families not
    asked for stay zero or None, so callers ask for what they show.

    One small query per source and period, each reading only the rows dated in the period
    through an index, plus one for the few projects with repeated counted milestones."""
    cat = catalogue()
    families = cat.all_families if families is None else families
    per_period = ([frozenset(f) for f in families] if isinstance(families, list)
                  else [frozenset(families)] * len(periods))
    parts = credit_parts(scope, group)
    entry_parts = None  # the same parts written on the capital entries' copies, made when needed
    whole_city = group is None and scope.is_city and not scope.credited_to
    raw: dict = {}
    for i, (period, wanted) in enumerate(zip(periods, per_period)):
        sources: dict = {}
        for family in sorted(wanted):
            sources.setdefault(cat.families[family][0], []).append(family)
        for source, source_families in sources.items():
            # The capital entries alone, with their copies of the project's columns (not joined).
            copies = (source == "capital" and not (whole_city and set(source_families) == {"capital"})
                      and capital.answers(cat, source_families, group))
            if copies and entry_parts is None:
                entry_parts = capital.parts(scope, group)
            for part in (entry_parts if copies else parts):
                if copies:
                    query, by = capital.query(period, scope, group, part)
                    select = _select(cat, source_families, i, Measure(w=part.w))
                else:
                    query, select = _source_query(cat, source, source_families, i, period, scope, part.w,
                                                  part.credited, whole_city=whole_city)
                    query, by = credited(query, group, scope, part)
                raw = add_rows(raw, rows(grouped_select(query, by, select), by, part.factor))
    needs_repeats = any(cat.families[f][0] in MILESTONES or f == "start_rate" for wanted in per_period for f in wanted)
    repeated = repeated_projects() if needs_repeats else None
    for part in parts:
        for repeated_part in (_repeated_milestones(cat, periods, scope, per_period, repeated, part.w, part.credited),
                              _repeated_waiting(periods, scope, per_period, repeated, part.w, part.credited)):
            if repeated_part is not None:
                query, select = repeated_part
                query, by = credited(query, group, scope, part)
                raw = add_rows(raw, rows(grouped_select(query, by, select), by, part.factor))

    result = {}
    for key in set(raw) | ({None} if group is None else set()):
        row = raw.get(key, {})
        values_per_period = []
        for i, wanted in enumerate(per_period):
            values = cat.empty_values()
            for family in wanted:
                for d in cat.families[family][1]:
                    values[d.key] = d.convert(row.get(f"{d.key}_{i}"))
            values_per_period.append(cat.finish(values))
        result[key] = values_per_period
    return result


def empty_pair(periods: int = 2) -> list[dict]:
    cat = catalogue()
    return [cat.finish(cat.empty_values()) for _ in range(periods)]


def roll_up(data: dict, key_of, periods: int = 2) -> dict:
    """Add the grouped raw values up to new keys: ``{key_of(group): [values per period]}``.

    ``key_of`` returns None to leave a group out. Loops over groups (units × industries
    × teams), never over projects."""
    cat = catalogue()
    result: dict = {}
    for group, per_period in data.items():
        key = key_of(group)
        if key is None:
            continue
        acc = result.get(key)
        if acc is None:
            acc = result[key] = [cat.empty_values() for _ in range(periods)]
        for i in range(periods):
            for d in cat.raw:
                acc[i][d.key] = acc[i][d.key] + per_period[i].get(d.key, 0)
    for per_period in result.values():
        for values in per_period:
            cat.finish(values)
    return result
