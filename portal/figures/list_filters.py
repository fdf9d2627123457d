"""The list behind a figure: the filters the projects list understands (portal/projects/filters.py)
for a figure's drill-down, and the year the period menus start at."""
from __future__ import annotations

import datetime as dt

import peewee
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.db import database
from portal.figures.definitions import catalogue
from portal.figures.sql import THREE500_CLASSES, of_class
from portal.models import CapitalEntry, Enterprise, Project, StageChange, Unit
from portal.stages import counted_changes
from portal.web import parse_id, per_request

#: Milestone date filters of /projects: ``signed_from``/``signed_to`` … list the projects with a
#: counted stage change to that stage in the range, exactly as the figures count them;
#: ``capital_from``/``capital_to`` those with capital in place dated in the range.
_MILESTONE_FILTERS = ("signed", "started", "completed", "production", "capital")
#: Yes/no filters: the investor's class (``three500``, ``foreign``: at signing for a signed project,
#: as the figures count it) and ``foreign_capital`` (foreign capital entered, more than zero).
_YES_NO_FILTERS = ("three500", "foreign", "foreign_capital")
FIGURE_FILTER_PARAMS = tuple(f"{m}_{end}" for m in _MILESTONE_FILTERS for end in ("from", "to")) + (
    _YES_NO_FILTERS + ("team", "figure"))


def parse_list_filters(raw: dict) -> tuple[dict, dict]:
    """Parse the figure filters of a list's query string: ``(values, errors by parameter)``.
    Messages are translated; a bad value is reported and ignored."""
    values, errors = {}, {}
    for name in FIGURE_FILTER_PARAMS[: 2 * len(_MILESTONE_FILTERS)]:
        text = (raw.get(name) or "").strip()
        if text:
            try:
                values[name] = dt.date.fromisoformat(text)
            except ValueError:
                errors[name] = _("Enter a date as YYYY-MM-DD.")
    for name in _YES_NO_FILTERS:
        text = (raw.get(name) or "").strip()
        if text:
            if text in ("1", "0"):
                values[name] = text == "1"
            else:
                errors[name] = _("Choose yes or no.")
    text = (raw.get("team") or "").strip()
    if text:
        team_id = parse_id(text)
        team = Unit.get_or_none(Unit.id == team_id, Unit.kind == "team") if team_id else None
        if team is None:
            errors["team"] = _("Unknown stationed team.")
        else:
            values["team"] = team.id
    text = (raw.get("figure") or "").strip()
    if text:
        if any(d.key == text for d in catalogue().county):
            values["figure"] = text
        else:
            errors["figure"] = _("Unknown figure.")
    return values, errors


#: How the list names each figure filter it applies (``describe``).
_FILTER_LABELS = {
    "signed": _l("Signing date"), "started": _l("Start date"), "completed": _l("Completion date"),
    "production": _l("Production date"), "capital": _l("Capital in place"),
    "three500": _l("Three-Category-500 projects"), "foreign": _l("Foreign-invested projects"),
    "foreign_capital": _l("Foreign capital"), "team": _l("Stationed team"),
}


def describe(values: dict) -> list[tuple[str, str]]:
    """``[(label, value)]`` of the parsed figure filters, as the list says which it applies (a
    drill-down's filters have no field of their own on the list's form)."""
    shown = []
    for milestone in _MILESTONE_FILTERS:
        start, end = values.get(f"{milestone}_from"), values.get(f"{milestone}_to")
        if start is not None or end is not None:
            shown.append((str(_FILTER_LABELS[milestone]),
                          f"{start.isoformat() if start else '…'} – {end.isoformat() if end else '…'}"))
    for name in _YES_NO_FILTERS:
        if name in values:
            shown.append((str(_FILTER_LABELS[name]), _("Yes") if values[name] else _("No")))
    if "team" in values:
        team = Unit.get_or_none(Unit.id == values["team"])
        shown.append((str(_FILTER_LABELS["team"]), team.name if team else str(values["team"])))
    if "figure" in values:
        shown.append((_("Figure"), str(catalogue().definitions[values["figure"]].label)))
    return shown


def list_conditions(values: dict) -> list:
    """WHERE conditions on Project for parsed figure filters (see ``parse_list_filters``)."""
    conds = []
    for milestone in _MILESTONE_FILTERS:
        start, end = values.get(f"{milestone}_from"), values.get(f"{milestone}_to")
        if start is None and end is None:
            continue
        if milestone == "capital":
            sub = CapitalEntry.select(CapitalEntry.project)
            if start is not None:
                sub = sub.where(CapitalEntry.on_date >= start)
            if end is not None:
                sub = sub.where(CapitalEntry.on_date <= end)
        else:
            sub = counted_changes().select(StageChange.project).where(StageChange.to_stage == milestone)
            if start is not None:
                sub = sub.where(StageChange.on_date >= start)
            if end is not None:
                sub = sub.where(StageChange.on_date <= end)
        conds.append(Project.id.in_(sub))
    for name, flags in (("three500", THREE500_CLASSES), ("foreign", ("foreign_invested",))):
        if name in values:
            conds.append(_class_condition(flags, values[name]))
    if "foreign_capital" in values:
        entered = Project.foreign_capital > 0
        conds.append(entered if values["foreign_capital"] else (Project.foreign_capital.is_null(True) | ~entered))
    if "team" in values:
        conds.append(Project.source_team == values["team"])
    if "figure" in values:  # a county figure's own condition (its date is one of the filters above)
        conds.append(catalogue().definitions[values["figure"]].condition)
    return conds


def first_project_year() -> int | None:
    """The year of the earliest clue or signing date of any project (the period menus start
    there), read once per request. Three scalar subqueries, each a seek at the start of its
    date index (SQLite optimises MIN only when it is the query's single aggregate)."""
    def read():
        columns = (Project.clue_on, Project.signed_on, Project.counted_signed_on)
        query = peewee.Select(columns=[Project.select(peewee.fn.MIN(column)).alias(f"m{i}")
                                       for i, column in enumerate(columns)]).bind(database)
        row = query.tuples().first()
        dates = [_as_date(value) for value in (row or ()) if value]
        return min(dates).year if dates else None

    return per_request("figures.first_project_year", read)


def _as_date(value) -> dt.date:
    """A date column's value: SQLite hands back text from a subquery."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _class_condition(flags, wanted: bool):
    """Projects whose investor is (``wanted``) or is not of one of the classes ``flags``, as the
    figures count them: a signed project by its class at signing, the others by the investor's
    current class (a project without an investor is of no class)."""
    taken = Project.foreign_invested_at_signing.is_null(False)  # the copies are written together
    at_signing = of_class(flags, True)
    now = Enterprise.select(Enterprise.id).where(of_class(flags, False))
    if wanted:
        return (taken & at_signing) | (~taken & Project.enterprise.in_(now))
    return (taken & ~at_signing) | (~taken & (Project.enterprise.is_null(True) | Project.enterprise.not_in(now)))
