"""The figures of every assessed unit, from portal.figures (the one place numbers are computed).

``portal.figures.for_units`` groups by responsible unit (and source team) in SQL
and rolls the unit rows up: a county's towns count for the county, a stationed
team's figures are the projects it sourced.
"""
from __future__ import annotations

from portal import figures
from portal.models import Unit
from portal.periods import Period
from portal.ranking.targets import TARGET_FIGURES

CODES = tuple(f.code for f in TARGET_FIGURES)


def unit_figures(periods: list[Period], units: list[Unit]) -> list[dict[int, dict]]:
    """For each period, ``{unit id: {figure code: value}}`` of the assessed figures."""
    raw = figures.for_units(periods, units)
    return [{unit.id: {code: raw[unit.id][i][code] for code in CODES} for unit in units}
            for i in range(len(periods))]


__all__ = ["CODES", "unit_figures"]
