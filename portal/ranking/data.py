"""The figures of every assessed unit for a period, in a handful of GROUP BY queries.

Projects count for the unit responsible for them and every unit above it (a
county's towns count for the county); a stationed team's figures are the
projects it sourced (``Project.source_team``). Sums and counts are done in SQL,
grouped by unit; only the (few) unit rows are rolled up in Python.
"""
from __future__ import annotations

from decimal import Decimal

from peewee import JOIN, Case, fn

from portal.models import CapitalEntry, Enterprise, Project, Unit

ONE_BILLION_WAN = Decimal(100000)  # 10亿元 in 万元
ZERO = Decimal(0)

#: Component sums per unit; figures are derived from them (rates from numerator and denominator).
COMPONENTS = ("signed_count", "signed_investment", "projects_1bn", "three500_count", "foreign_count",
              "foreign_capital", "started", "due", "due_started", "contracted", "capital_in_place",
              "capital_signed")


def _d(value) -> Decimal:
    return ZERO if value is None else Decimal(value)


def _project_rows(period, group_field):
    """Per-unit sums over the projects signed in the period."""
    start, end = period.start, period.end
    signed = (Project.signed_on >= start) & (Project.signed_on <= end)
    three500 = (Enterprise.fortune_global_500 | Enterprise.china_500 | Enterprise.china_private_500)
    started_by_end = Project.started_on.is_null(False) & (Project.started_on <= end)
    due = Project.planned_start_date.is_null(False) & (Project.planned_start_date <= end)

    def count_if(condition):
        return fn.SUM(Case(None, [(condition, 1)], 0))

    query = (Project
             .select(group_field.alias("unit_id"),
                     fn.COUNT(Project.id).alias("signed_count"),
                     fn.SUM(Project.total_investment).alias("signed_investment"),
                     count_if(Project.total_investment >= ONE_BILLION_WAN).alias("projects_1bn"),
                     count_if(three500).alias("three500_count"),
                     count_if(Enterprise.foreign_invested == True).alias("foreign_count"),  # noqa: E712
                     fn.SUM(fn.COALESCE(Project.foreign_capital, 0)).alias("foreign_capital"),
                     count_if(started_by_end).alias("started"),
                     count_if(due).alias("due"),
                     count_if(due & started_by_end).alias("due_started"),
                     fn.SUM(fn.COALESCE(Project.contracted_amount, Project.total_investment)).alias("contracted"))
             .join(Enterprise, JOIN.LEFT_OUTER, on=(Project.enterprise == Enterprise.id))
             .where(Project.archived == False, signed, group_field.is_null(False))  # noqa: E712
             .group_by(group_field))
    return query.dicts()


def _capital_rows(period, group_field, signed_only: bool):
    """Capital in place during the period per unit (all projects, or those signed in the period)."""
    query = (CapitalEntry
             .select(group_field.alias("unit_id"), fn.SUM(CapitalEntry.amount).alias("amount"))
             .join(Project, on=(CapitalEntry.project == Project.id))
             .where(CapitalEntry.on_date >= period.start, CapitalEntry.on_date <= period.end,
                    Project.archived == False, group_field.is_null(False))  # noqa: E712
             .group_by(group_field))
    if signed_only:
        query = query.where(Project.signed_on >= period.start, Project.signed_on <= period.end)
    return query.dicts()


def _add(target: dict, unit_id: int, key: str, value) -> None:
    bucket = target.setdefault(unit_id, dict.fromkeys(COMPONENTS, ZERO))
    bucket[key] += _d(value)


def _by_group(period, group_field) -> dict[int, dict[str, Decimal]]:
    sums: dict[int, dict[str, Decimal]] = {}
    for row in _project_rows(period, group_field):
        for key in COMPONENTS:
            if key in row:
                _add(sums, row["unit_id"], key, row[key])
    for row in _capital_rows(period, group_field, signed_only=False):
        _add(sums, row["unit_id"], "capital_in_place", row["amount"])
    for row in _capital_rows(period, group_field, signed_only=True):
        _add(sums, row["unit_id"], "capital_signed", row["amount"])
    return sums


def _rate(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    if not denominator:
        return None
    return (numerator * 100 / denominator).quantize(Decimal("0.1"))


def figures_from_components(c: dict[str, Decimal]) -> dict[str, Decimal | None]:
    """The assessed figures from a unit's component sums.

    - start rate (开工率): signed in the period and started by its end, of all signed;
    - implementation rate (履约率): started by the period's end, of the signed projects
      whose planned start date has come;
    - capital availability rate (资金到位率): capital in place during the period on the
      projects signed in it, of their contracted amount (total investment when none).
    """
    return {
        "signed_count": c["signed_count"],
        "signed_investment": c["signed_investment"],
        "projects_1bn": c["projects_1bn"],
        "three500_count": c["three500_count"],
        "foreign_count": c["foreign_count"],
        "foreign_capital": c["foreign_capital"],
        "capital_in_place": c["capital_in_place"],
        "implementation_rate": _rate(c["due_started"], c["due"]),
        "start_rate": _rate(c["started"], c["signed_count"]),
        "capital_availability_rate": _rate(c["capital_signed"], c["contracted"]),
    }


def unit_figures(period, units: list[Unit]) -> dict[int, dict[str, Decimal | None]]:
    """``{unit id: {figure code: value}}`` for the given (assessed) units and period."""
    by_responsible = _by_group(period, Project.responsible_unit)
    teams = [u for u in units if u.kind == "team"]
    by_team = _by_group(period, Project.source_team) if teams else {}
    paths = dict(Unit.select(Unit.id, Unit.path).tuples())
    result = {}
    for unit in units:
        total = dict.fromkeys(COMPONENTS, ZERO)
        if unit.kind == "team":
            sources = [by_team.get(unit.id, {})]
        else:
            sources = [sums for unit_id, sums in by_responsible.items()
                       if paths.get(unit_id, "").startswith(unit.path)]
        for sums in sources:
            for key, value in sums.items():
                total[key] += value
        result[unit.id] = figures_from_components(total)
    return result


__all__ = ["COMPONENTS", "figures_from_components", "unit_figures"]
