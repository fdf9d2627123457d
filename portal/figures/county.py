"""County figures: the ``portal_figures`` hook's answers made into definitions of the catalogue.

An answer is untrusted: its shape is checked by the plugin manager; here a key the core or an
earlier plugin holds, or a condition the database refuses, is reported as that plugin's
failure and the figure left out (the pages still render, with the other figures)."""
from __future__ import annotations

import peewee

from portal import plugins
from portal.db import database
from portal.figures.definitions import BUILTIN_CATALOGUE, SOURCE_LIST_DATES, Definition
from portal.figures.sql import both, count_if, sum_if
from portal.models import Project


class FigureRefused(ValueError):
    pass


def county_definitions() -> list[Definition]:
    answers, _failed = plugins.call_with_plugins("portal_figures")
    taken = set(BUILTIN_CATALOGUE.definitions)
    found = []
    for plugin, figures in answers:
        for figure in figures:
            try:
                definition = _definition(plugin, figure, taken)
            except Exception as exc:  # noqa: BLE001 - a plugin's figure must not take the pages down
                plugins.registry().report(plugin, "portal_figures", exc)
                continue
            taken.add(definition.key)
            found.append(definition)
    return found


def _definition(plugin: str, figure: dict, taken: set) -> Definition:
    key = figure["key"]
    if key in taken:
        raise FigureRefused(f"figure key {key!r} is taken")
    condition = figure["where"]()
    if not isinstance(condition, peewee.Node):
        raise FigureRefused(f"figure {key!r}: where() must return a peewee condition, not {type(condition).__name__}")
    with database.atomic():  # the database accepts it (a savepoint: a refusal spoils no transaction)
        Project.select(Project.id).where(condition).limit(1).execute()
    column = figure.get("sum")
    if column:
        value = getattr(Project, column)
        sql = lambda m: sum_if(both(m.ok, condition), value, m.w)  # noqa: E731
        kind = "usd" if column == "foreign_capital" else "amount"
    else:
        sql = lambda m: count_if(both(m.ok, condition), m.w)  # noqa: E731
        kind = "count"
    return Definition(key, figure["label"], kind, f"county.{key}", sql, source=figure["counts_by"],
                      list_date=SOURCE_LIST_DATES[figure["counts_by"]],
                      list_filter=lambda period: {"figure": key}, plugin=plugin, condition=condition)
