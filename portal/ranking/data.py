"""The figures of every assessed unit, from portal.figures (the one place numbers are computed).

``portal.figures.for_units`` groups by responsible unit (and source team) in SQL
and rolls the unit rows up: a county's towns count for the county, a stationed
team's figures are the projects it sourced.

With 100,000 projects those grouped queries take about a second, more than a
page may take; the results are therefore kept per application in a small cache
whose key includes a change stamp: the highest id of the audit log, projects,
stage changes and capital entries (each one indexed lookup). Every change to a
project is audited, so any change gives a new stamp and fresh figures; entries
also expire after ``RANKING_CACHE_SECONDS`` (default 300; 0 switches the cache off).
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict

from flask import current_app
from peewee import fn

from portal import figures
from portal.models import AuditLog, CapitalEntry, Project, StageChange, Unit
from portal.periods import Period
from portal.ranking.targets import TARGET_FIGURES

CODES = tuple(f.code for f in TARGET_FIGURES)
CACHE_SIZE = 64
_lock = threading.Lock()


def change_stamp() -> tuple:
    """Changes whenever projects, their stage history, capital or any audited record change."""
    return tuple(model.select(fn.MAX(model.id)).scalar() for model in (AuditLog, Project, StageChange, CapitalEntry))


def _cache() -> OrderedDict:
    return current_app.extensions.setdefault("ranking_figures_cache", OrderedDict())


def _compute(periods: list[Period], units: list[Unit]) -> list[dict[int, dict]]:
    raw = figures.for_units(periods, units)
    return [{unit.id: {code: raw[unit.id][i][code] for code in CODES} for unit in units}
            for i in range(len(periods))]


def unit_figures(periods: list[Period], units: list[Unit]) -> list[dict[int, dict]]:
    """For each period, ``{unit id: {figure code: value}}`` of the assessed figures."""
    max_age = float(current_app.config.get("RANKING_CACHE_SECONDS", 300) or 0)
    if max_age <= 0:
        return _compute(periods, units)
    key = (tuple((p.start, p.end) for p in periods), tuple((u.id, u.path, u.kind) for u in units), change_stamp())
    now = time.monotonic()
    cache = _cache()
    with _lock:
        hit = cache.get(key)
        if hit is not None and now - hit[0] <= max_age:
            cache.move_to_end(key)
            return hit[1]
    result = _compute(periods, units)
    with _lock:
        cache[key] = (now, result)
        cache.move_to_end(key)
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    return result


__all__ = ["CODES", "change_stamp", "unit_figures"]
