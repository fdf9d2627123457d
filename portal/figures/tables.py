"""The figures of a period as pages show them: every figure of a scope (``compute``), the tables
by unit, industry and stationed team, the figures of many units at once (the ranking), and the
link to the list of projects behind each number."""
from __future__ import annotations

from urllib.parse import urlencode

from flask_babel import lazy_gettext as _l

from portal import industries
from portal.figures.aggregate import aggregate, empty_pair, roll_up
from portal.figures.cache import cached
from portal.figures.credit_parts import CREDITED_UNIT
from portal.figures.definitions import BUILTIN_CATALOGUE, PLACE_KINDS, TABLE_FIGURES, TABLE_PREVIOUS, catalogue
from portal.figures.scope import Scope
from portal.figures.values import Figure, Figures, Row
from portal.models import Project, Unit
from portal.periods import Period


def list_args(key: str, period: Period | None, scope: Scope) -> dict:
    """The /projects query arguments listing the projects behind figure ``key``: the scope's,
    then the figure's own (its definition's date filter and drill-down filter).

    /projects (all projects) filters ``from``/``to`` on the clue date and ``min`` on
    the total investment; the other dates are filtered with ``signed_from``/``signed_to``,
    ``started_from``/… and the investor class with ``three500=1`` / ``foreign=1``, foreign
    capital entered with ``foreign_capital=1``, a county figure's condition with
    ``figure=<key>``, the source team with ``team=<id>`` (portal/projects/filters.py).
    """
    return {**scope.query_args(), **catalogue().list_args(key, period)}


def list_query(key: str, period: Period | None, scope: Scope, **extra) -> str:
    """The query string (without "?") of the filtered list behind figure ``key``."""
    args = list_args(key, period, scope)
    args.update({k: v for k, v in extra.items() if v is not None})
    return urlencode(args)


#: The families of the tables by unit, industry and team: this period's, and last year's.
TABLE_FAMILIES = BUILTIN_CATALOGUE.families_for(TABLE_FIGURES)
TABLE_PREVIOUS_FAMILIES = BUILTIN_CATALOGUE.families_for(TABLE_PREVIOUS)
TABLE_FAMILIES_PER_PERIOD = [TABLE_FAMILIES, TABLE_PREVIOUS_FAMILIES]

#: The grouping of ``grouped()``: every table and the totals roll up from it.
_GROUPS = (CREDITED_UNIT, Project.industry_code, Project.source_team)


class GroupedFigures(dict):
    """``{(unit, industry, team): [values this period, values last year]}`` and, in
    ``families``, the families computed for each of the two periods."""

    families: tuple = ()

    def require(self, needed: list) -> None:
        """Refuse to roll up figures these queries did not compute (they would read as zero)."""
        missing = [set(want) - set(have) for want, have in zip(needed, self.families)]
        if any(missing):
            raise ValueError(f"grouped figures lack the families {missing}")


def grouped(period: Period, scope: Scope | None = None, families=None) -> GroupedFigures:
    """The raw figures of a period and the same period last year, grouped by responsible
    unit, industry and source team in SQL. Pass it as ``data=`` to ``compute``,
    ``by_unit``, ``by_industry`` and ``by_team`` to compute several panels from one set of
    queries; they roll it up over its groups, never over projects. ``families``: only the
    queries of these families, one set for both periods or a list of two (the tables need
    ``TABLE_FAMILIES_PER_PERIOD``; None: all).

    Cached per change stamp (see ``cached``)."""
    scope = scope or Scope()
    families = catalogue().all_families if families is None else families
    per_period = tuple(frozenset(f) for f in (families if isinstance(families, list) else [families] * 2))

    def run():
        data = GroupedFigures(aggregate([period, period.previous_year()], scope, _GROUPS, list(per_period)))
        data.families = per_period
        return data

    return cached(("grouped", period, scope, per_period), run)  # the period whole: its kind decides last year


def compute(period: Period, scope: Scope | None = None, data: GroupedFigures | None = None) -> Figures:
    """Every figure for a period and scope, each with the same period last year (cached per
    change stamp). Without ``data`` its own queries, ungrouped; with ``data`` (``grouped`` for the
    same period and scope) the families it holds are rolled up from it, since the credited shares
    of a project add up to the project, and only the other families are queried, ungrouped."""
    scope = scope or Scope()
    previous = period.previous_year()
    cat = catalogue()
    if data is None:
        current, last = cached(("figures", period, scope),
                               lambda: aggregate([period, previous], scope)[None])
    else:
        current, last = roll_up(data, lambda g: "all").get("all") or empty_pair()
        rest = [cat.all_families - frozenset(have) for have in data.families]
        if any(rest):
            queried = cached(("figures, rest", period, scope, tuple(rest)),
                             lambda: aggregate([period, previous], scope, None, rest)[None])
            for values, more, families in zip((current, last), queried, rest):
                for family in families:
                    for d in cat.families[family][1]:
                        values[d.key] = more[d.key]
                cat.finish(values)
    figures = Figures(period=period, previous_period=previous, scope=scope)
    for key in cat.figures:
        figures.items[key] = Figure(key, current[key], last[key], list_query(key, period, scope),
                                    *cat.parts(key, current), previous_link=list_query(key, previous, scope))
    return figures


def _has_values(row: Row) -> bool:
    return any(f.value or f.previous for f in row.figures.values())


def _row(key, label, current, last, period, link_scope) -> Row:
    previous = period.previous_year()
    figures = {f: Figure(f, current[f], last[f] if f in TABLE_PREVIOUS else None, list_query(f, period, link_scope),
                         *catalogue().parts(f, current), previous_link=list_query(f, previous, link_scope))
               for f in TABLE_FIGURES}
    return Row(key, label, figures)


def _table_data(name: str, period: Period, scope: Scope, group) -> dict:
    """A table's own figures (cached per change stamp): grouped by its one column only."""
    return cached((name, period, scope), lambda: aggregate(
        [period, period.previous_year()], scope, group, TABLE_FAMILIES_PER_PERIOD))


def by_unit(period: Period, scope: Scope | None = None, data: GroupedFigures | None = None) -> list[Row]:
    """One row per unit directly below the scope's unit (or the city's top units), each with
    its sub-units; a row for the unit itself when projects sit directly with it."""
    scope = scope or Scope()
    base = scope.unit()
    if base is not None:
        children = list(Unit.select().where(Unit.parent == base).order_by(Unit.sort_order, Unit.name))
        tops = [base]
    else:
        tops = list(Unit.select().where(Unit.parent.is_null(True)).order_by(Unit.sort_order, Unit.name))
        children = list(Unit.select().where(Unit.parent.in_([u.id for u in tops]))
                        .order_by(Unit.sort_order, Unit.name)) if tops else []
    if data is None:
        data = _table_data("units", period, scope, CREDITED_UNIT)
        unit_of = lambda g: g  # noqa: E731
    else:
        data.require(TABLE_FAMILIES_PER_PERIOD)
        unit_of = lambda g: g[0]  # noqa: E731
    # Roll the per-unit numbers (a few hundred units at most) up to the rows' units by path.
    paths = dict(Unit.select(Unit.id, Unit.path).tuples())
    target_of: dict = {}

    def target(group):
        unit_id = unit_of(group)
        if unit_id not in target_of:
            path = paths.get(unit_id, "")
            found = next((c.id for c in children if path.startswith(c.path)), None)
            if found is None:
                top = next((t.id for t in tops if path.startswith(t.path)), None)
                found = ("self", top) if top is not None else None
            target_of[unit_id] = found
        return target_of[unit_id]

    rolled = roll_up(data, target)
    kinds = {c.id: c.kind for c in children}
    rows = []
    ordered = [(("self", t.id), t.name) for t in tops] + [(c.id, c.name) for c in children]
    for key, name in ordered:
        current, last = rolled.get(key) or empty_pair()
        direct = isinstance(key, tuple)
        unit_id = key[1] if direct else key
        row = _row(unit_id, name, current, last, period, scope.narrowed(unit_id=unit_id))
        row.direct = direct
        # Places (counties, districts, zones, towns) always get a row; other units (departments,
        # teams, the bureau itself) only when they hold projects with numbers.
        if not _has_values(row) and (direct or kinds.get(unit_id) not in PLACE_KINDS):
            continue
        rows.append(row)
    return rows


def by_industry(period: Period, scope: Scope | None = None, data: GroupedFigures | None = None) -> list[Row]:
    """One row per industry of the projects in scope (labels from portal.industries), largest first."""
    scope = scope or Scope()
    if data is None:
        data = _table_data("industries", period, scope, Project.industry_code)
    else:
        data.require(TABLE_FAMILIES_PER_PERIOD)
        data = roll_up(data, lambda g: g[1] or "")
    rows = []
    for code, (current, last) in data.items():
        label = industries.label(code) if code else str(_l("No industry"))
        row = _row(code or "", label, current, last, period, scope.narrowed(industry=code) if code else scope)
        if _has_values(row):
            rows.append(row)
    rows.sort(key=lambda r: (-r["signed_investment"].value, -r["signed_count"].value, r.label))
    return rows


def by_team(period: Period, scope: Scope | None = None, data: GroupedFigures | None = None) -> list[Row]:
    """One row per stationed team: its credited share of projects (portal.credit; under the
    default rule a team hosts few projects and is credited with none it only referred), largest first."""
    scope = scope or Scope()
    names = dict(Unit.select(Unit.id, Unit.name).where(Unit.kind == "team").tuples())
    if data is None:
        data = _table_data("units", period, scope, CREDITED_UNIT)  # the by-unit table's own queries
    else:
        data.require(TABLE_FAMILIES_PER_PERIOD)
        data = roll_up(data, lambda g: g[0] if g[0] in names else None)
    rows = []
    for team_id in names:
        current, last = data.get(team_id) or empty_pair()
        rows.append(_row(team_id, names[team_id], current, last, period, scope.narrowed(unit_id=team_id)))
    rows.sort(key=lambda r: (-r["signed_investment"].value, -r["signed_count"].value, r.label))
    return rows



def for_units(periods: list[Period], units, keys=None) -> dict:
    """``{unit id: [values of each period]}`` for many units in one go: each unit (a stationed
    team too) with its sub-units, by its credited shares of projects (portal.credit), so units
    that do not contain one another add up to no more than the city. Values as in ``compute``
    without the comparison; only the figures ``keys`` are computed (the others stay zero). One
    query set grouped by credited unit in SQL; only those groups are rolled up, never projects.
    ``keys`` None: every figure of the catalogue (the county's too)."""
    cat = catalogue()
    paths = dict(Unit.select(Unit.id, Unit.path).tuples())
    within = {uid for uid, path in paths.items() if any(path.startswith(unit.path) for unit in units)}
    # Only the shares of these units and their sub-units are read (a few teams: their projects,
    # not every project of the month) unless they cover every unit.
    scope = Scope(credited_to=tuple(sorted(within))) if within != set(paths) else Scope()
    data = aggregate(periods, scope, (CREDITED_UNIT,), cat.families_for(cat.figures if keys is None else keys))
    result = {}
    for unit in units:
        def key_of(group, unit=unit):
            return unit.id if group[0] is not None and paths.get(group[0], "").startswith(unit.path) else None
        rolled = roll_up(data, key_of, len(periods))
        result[unit.id] = rolled.get(unit.id) or empty_pair(len(periods))
    return result
