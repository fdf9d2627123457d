"""The figures of every assessed unit, from portal.figures (the one place numbers are computed).

``portal.figures.for_units`` computes only the assessed figures (``CODES``), grouped by
credited unit in SQL (each unit's share of a project, portal.credit), and rolls the groups
up: a county's towns count for the county, a stationed team its credited shares.

With 100,000 projects that takes about 100 ms of SQL (bench/ranking.py); the results are
kept with ``portal.figures.cached`` (per application, keyed by a change stamp: the highest
id of the audit log, projects, stage changes and capital entries). Every change to a
project is audited, so any change gives fresh figures; ``FIGURES_CACHE_SECONDS`` (default
300, 0: off) bounds their age.
"""
from __future__ import annotations

from portal import figures
from portal.models import Unit
from portal.periods import Period
from portal.ranking.targets import TARGET_FIGURES

CODES = tuple(f.code for f in TARGET_FIGURES)


def assessed_codes() -> tuple:
    """The figures an assessment reads: the targets' (``CODES``), then the county's own
    (``portal_figures``), which a county's ``portal_assess_unit`` may score."""
    return CODES + tuple(d.key for d in figures.catalogue().county)


def _compute(periods: list[Period], units: list[Unit]) -> list[dict[int, dict]]:
    codes = assessed_codes()
    raw = figures.for_units(periods, units, codes)
    return [{unit.id: {code: raw[unit.id][i][code] for code in codes} for unit in units}
            for i in range(len(periods))]


def unit_figures(periods: list[Period], units: list[Unit]) -> list[dict[int, dict]]:
    """For each period, ``{unit id: {figure code: value}}`` of the assessed figures (the
    county's own figures too)."""
    key = ("ranking", tuple((p.start, p.end) for p in periods), tuple((u.id, u.path, u.kind) for u in units))
    return figures.cached(key, lambda: _compute(periods, units))


__all__ = ["CODES", "unit_figures"]
