"""The lists' filters: parsing GET parameters into SQL conditions, with messages at the fields.

One ``ListFilters`` is built per request from ``request.args``. Bad values never
raise: each one adds a translated message to ``errors`` (keyed by the parameter
name) and is ignored, so the view answers the list with those messages and 400.
"""
from __future__ import annotations

import datetime as dt
import functools
import operator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import peewee
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import figures, permissions
from portal.db import backend, count_up_to, not_by_index
from portal.figures import tally
from portal.figures.scope import PROJECT_COLUMNS, ProjectColumns
from portal.models import STAGES, CapitalEntry, Enterprise, Project, Unit, User
from portal.projects import masking
from portal.projects.forms import MAX_AMOUNT  # the largest amount a project holds (money_field)
from portal.web import parse_id


@dataclass(frozen=True)
class ListSpec:
    """One of the lists: which stages it holds and which date it filters and sorts on."""

    key: str
    endpoint: str
    title: object
    stages: tuple | None  # None: every stage
    date_field: str
    date_label: object


LISTS: dict[str, ListSpec] = {
    "all": ListSpec("all", "lists.all_projects", _l("All projects"), None, "clue_on", _l("Clue date")),
    "clues": ListSpec("clues", "lists.clues", _l("Clue list"), ("clue", "negotiating"), "clue_on", _l("Clue date")),
    "signed": ListSpec("signed", "lists.signed", _l("Signed list"), ("signed",), "signed_on", _l("Signing date")),
    "landed": ListSpec("landed", "lists.landed", _l("Landed list"), ("started", "completed"), "started_on",
                       _l("Start date")),
    "production": ListSpec("production", "lists.production", _l("Production list"), ("production",),
                           "production_on", _l("Production date")),
}



@dataclass(frozen=True)
class ShownDate:
    """The date column of a list: its own, or the one a dashboard figure counts."""

    field: str | None  # a Project date field; None: the latest capital entry in the filtered period
    label: object


#: The list behind a dashboard figure shows the date the figure counts (the first of its
#: milestone filters given: signing for the signed figures, start for the starts…), not the
#: list's own date (the clue date on /projects).
FIGURE_DATES = {
    "signed": ShownDate("signed_on", _l("Signing date")),
    "started": ShownDate("started_on", _l("Start date")),
    "completed": ShownDate("completed_on", _l("Completion date")),
    "production": ShownDate("production_on", _l("Production date")),
    "capital": ShownDate(None, _l("Capital in place on")),
}


def as_date(value) -> dt.date | None:
    """A date read through a subquery (SQLite returns text, others a date or datetime)."""
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        return value.date()
    return value


FLAGS = ("green", "yellow", "red")
RECOMMENDATIONS = {
    "suits": _l("Suits: do it"),
    "discuss": _l("To be discussed"),
    "unsuitable": _l("Unsuitable"),
}
MAX_QUERY_LENGTH = 100

#: Sortable columns: parameter value -> (label, field or callable(spec) -> field).
SORTS = {
    "name": (_l("Project"), lambda spec: Project.name),
    "unit": (_l("Responsible unit"), lambda spec: Unit.path),
    "industry": (_l("Industry"), lambda spec: Project.industry_code),
    "stage": (_l("Stage"), lambda spec: Project.stage),
    "amount": (_l("Total investment"), lambda spec: Project.total_investment),
    "date": (_l("Date"), None),  # the shown date (ListFilters.shown_date_column)
    "updated": (_l("Last change"), lambda spec: Project.updated_at),
}
DEFAULT_SORT = "-date"


@dataclass
class ListFilters:
    """Parsed, validated filter values of one request (None or "" when not given)."""

    spec: ListSpec
    unit: Unit | None = None
    industry: str = ""
    stage: str = ""
    leader: User | None = None
    key: bool | None = None
    flag: str = ""
    recommendation: str = ""
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    q: str = ""
    sort: str = DEFAULT_SORT
    raw: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    figure_filters: dict = field(default_factory=dict)  # parsed by portal.figures.parse_list_filters
    _search_plan: masking.SearchPlan | None = field(default=None, repr=False, compare=False)  # see search_plan
    _walks_past_industry: bool | None = field(default=None, repr=False, compare=False)  # see walks_past_industry

    # Parsing ---------------------------------------------------------------

    @classmethod
    def parse(cls, spec: ListSpec, args, user) -> "ListFilters":
        f = cls(spec=spec)
        f.raw = {k: (args.get(k) or "").strip() for k in (
            "unit", "industry", "stage", "leader", "key", "flag", "recommendation",
            "min", "max", "from", "to", "q", "sort") + figures.FIGURE_FILTER_PARAMS}
        raw = f.raw
        if raw["unit"]:
            f.unit = _readable_unit(raw["unit"], user)
            if f.unit is None:
                f.errors["unit"] = _("Unknown unit.")
        if raw["industry"]:
            if len(raw["industry"]) > 40:
                f.errors["industry"] = _("Unknown industry.")
            else:
                f.industry = raw["industry"]
        if raw["stage"]:
            if raw["stage"] in f.stage_choices():
                f.stage = raw["stage"]
            else:
                f.errors["stage"] = _("Unknown stage.")
        if raw["leader"]:
            f.leader = _leader(raw["leader"])
            if f.leader is None:
                f.errors["leader"] = _("Unknown leader.")
        if raw["key"]:
            if raw["key"] in ("1", "0"):
                f.key = raw["key"] == "1"
            else:
                f.errors["key"] = _("Choose yes or no.")
        if raw["flag"]:
            if raw["flag"] in FLAGS:
                f.flag = raw["flag"]
            else:
                f.errors["flag"] = _("Unknown flag.")
        if raw["recommendation"]:
            if raw["recommendation"] in RECOMMENDATIONS:
                f.recommendation = raw["recommendation"]
            else:
                f.errors["recommendation"] = _("Unknown recommendation.")
        f.min_amount = f._amount("min")
        f.max_amount = f._amount("max")
        if f.min_amount is not None and f.max_amount is not None and f.min_amount > f.max_amount:
            f.errors["max"] = _("The largest amount must not be below the smallest.")
        f.date_from = f._date("from")
        f.date_to = f._date("to")
        if f.date_from and f.date_to and f.date_from > f.date_to:
            f.errors["to"] = _("The end date must not be before the start date.")
        if len(raw["q"]) > MAX_QUERY_LENGTH:
            f.errors["q"] = _("Search for at most %(n)d characters.", n=MAX_QUERY_LENGTH)
        else:
            f.q = raw["q"]
        if raw["sort"]:
            if raw["sort"].lstrip("-") in SORTS:
                f.sort = raw["sort"]
            else:
                f.errors["sort"] = _("Unknown sort order.")
        # The projects behind a dashboard figure (signed_from/_to …, three500, foreign, foreign_capital, team).
        f.figure_filters, figure_errors = figures.parse_list_filters(raw)
        f.errors.update(figure_errors)
        return f

    def _amount(self, name):
        value = self.raw[name]
        if not value:
            return None
        try:
            amount = Decimal(value.replace(",", ""))
        except InvalidOperation:
            self.errors[name] = _("Enter an amount in 10,000 yuan, e.g. 5000.")
            return None
        if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
            self.errors[name] = _("Enter an amount between 0 and %(max)s.", max="99999999999999")
            return None
        return amount

    def _date(self, name):
        value = self.raw[name]
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.errors[name] = _("Enter a date as YYYY-MM-DD.")
            return None

    STANDARD_PARAMS = ("unit", "industry", "stage", "leader", "key", "flag", "recommendation",
                       "min", "max", "from", "to", "q", "sort")

    @property
    def extra_params(self) -> dict:
        """Filters given by other features (e.g. a dashboard figure's), kept as hidden fields."""
        return {k: v for k, v in self.raw.items() if v and k not in self.STANDARD_PARAMS}

    @property
    def figure_notes(self) -> list[tuple[str, str]]:
        """The figure filters applied, named (the list behind a dashboard number says which)."""
        return figures.list_filters.describe(self.figure_filters)

    @property
    def extra_errors(self) -> list:
        """Messages about those filters (they have no field of their own on the form)."""
        return [v for k, v in self.errors.items() if k not in self.STANDARD_PARAMS]

    # Choices ---------------------------------------------------------------

    def stage_choices(self) -> tuple:
        return self.spec.stages or STAGES

    @property
    def active(self) -> bool:
        """Is any filter (not the sort order) in use?"""
        return any(v for k, v in self.raw.items() if k != "sort")

    def query_string(self, **overrides) -> str:
        """The current filters as a query string (without page), with some values replaced."""
        from urllib.parse import urlencode

        values = {k: v for k, v in self.raw.items() if v}
        values.update({k: v for k, v in overrides.items()})
        return urlencode({k: v for k, v in values.items() if v})

    # SQL -------------------------------------------------------------------

    @property
    def date_column(self):
        return getattr(Project, self.spec.date_field)

    @property
    def shown_date(self) -> ShownDate:
        for milestone, shown in FIGURE_DATES.items():
            if f"{milestone}_from" in self.figure_filters or f"{milestone}_to" in self.figure_filters:
                return shown
        return ShownDate(self.spec.date_field, self.spec.date_label)

    @property
    def shown_date_column(self):
        """The shown date as SQL (selected as ``shown_on`` and sorted on)."""
        shown = self.shown_date
        if shown.field is not None:
            return getattr(Project, shown.field)
        latest = CapitalEntry.select(peewee.fn.MAX(CapitalEntry.on_date)).where(CapitalEntry.project == Project.id)
        start, end = self.figure_filters.get("capital_from"), self.figure_filters.get("capital_to")
        if start is not None:
            latest = latest.where(CapitalEntry.on_date >= start)
        if end is not None:
            latest = latest.where(CapitalEntry.on_date <= end)
        return latest

    def grouped_conditions(self, c: ProjectColumns = PROJECT_COLUMNS, *, industry_by_index: bool = True) -> list:
        """The conditions on the columns the tally groups projects by (portal.figures.tally), written on
        ``c``: the project's own or the tally's (``tally.COLUMNS``). ``industry_by_index``: False where
        SQLite must not find the industry's projects by its index (``walks_past_industry``)."""
        conds = [c.archived == False]  # noqa: E712
        if self.spec.stages:
            conds.append(c.stage.in_(self.spec.stages) if len(self.spec.stages) > 1 else c.stage == self.spec.stages[0])
        if self.unit is not None:
            conds.append(permissions.units_projects_condition(permissions.subtree_ids(self.unit), c.responsible_unit,
                                                              c.source_team))
        if self.industry:
            conds.append((c.industry_code if industry_by_index else not_by_index(c.industry_code)) == self.industry)
        if self.stage:
            conds.append(c.stage == self.stage)
        if self.flag:
            conds.append(c.flag == self.flag)
        return conds

    def conditions(self, user) -> list:
        """The WHERE conditions of this list and its filters (permissions come separately), as the list's
        rows are read in its order."""
        return (self.grouped_conditions(industry_by_index=not self.walks_past_industry(user))
                + self.other_conditions(user))

    def walks_past_industry(self, user) -> bool:
        """SQLite, a list filtered by an industry where the rows the user reads hold MANY_PROJECTS_SHARE of
        the city's projects or more (from the tally), read in the list's order: the rows are found by walking the list's
        date index past the other industries' projects, not by the industry's index and a sort of all its
        projects. SQLite keeps no statistics of single values and chose the industry's index: the city's
        projects of an industry of 11% at 100,300 projects, 38 ms for the page's 50, 0.4 ms walking.
        An industry with few projects is found by its index (walking, a missing one read every project).
        Asked once per request."""
        if self._walks_past_industry is None:
            readable = (tally.readable_conditions(user) if backend() == "sqlite" and self.industry
                        and permissions.units_hold_many_projects(user) else None)
            self._walks_past_industry = readable is not None and tally.share(functools.reduce(
                operator.and_, self.grouped_conditions(tally.COLUMNS) + readable)) >= permissions.MANY_PROJECTS_SHARE
        return self._walks_past_industry

    def other_conditions(self, user) -> list:
        """The conditions on the columns the tally does not group by: none when it can count the list."""
        conds = []
        if self.leader is not None:
            conds.append(Project.leader == self.leader.id)
        if self.key is not None:
            conds.append(Project.is_key == self.key)
        if self.recommendation:
            conds.append(Project.review_recommendation == self.recommendation)
        if self.min_amount is not None:
            conds.append(Project.total_investment >= self.min_amount)
        if self.max_amount is not None:
            conds.append(Project.total_investment <= self.max_amount)
        if self.date_from is not None:
            conds.append(self.date_column >= self.date_from)
        if self.date_to is not None:
            conds.append(self.date_column <= self.date_to)
        if self.q:
            conds.append(masking.search_condition(user, self.q, plan=self.search_plan))
        conds.extend(figures.list_conditions(self.figure_filters))
        class_visible = masking.investor_class_condition(user, self.figure_filters)
        if class_visible is not None:  # a hidden investor's class must not show through the filter
            conds.append(class_visible)
        return conds

    @property
    def search_plan(self) -> masking.SearchPlan:
        """How the text search is asked (masking.plan_search: does it match many projects?). Asked
        once per request: the page's rows and its count query alike."""
        if self._search_plan is None:
            self._search_plan = masking.plan_search(self.q.strip())
        return self._search_plan

    @property
    def search_many(self) -> bool:
        return self.search_plan.many

    def order_by(self, *, after_filtering: bool = False) -> list:
        """The list's ORDER BY. ``after_filtering``: sort the rows the filters find rather than walk an index
        in the list's order (portal.db.not_by_index; a department's signed list at 100,000 projects on
        SQLite: 124 -> 15 ms)."""
        name = self.sort.lstrip("-")
        column = self.shown_date_column if name == "date" else SORTS[name][1](self.spec)
        tie = Project.id
        if after_filtering:
            column, tie = not_by_index(column), not_by_index(tie)
        descending = self.sort.startswith("-")
        direction = "DESC" if descending else "ASC"  # Ordering: the column may be a subquery (no .desc())
        nulls = None
        if name == "date" and backend() == "postgresql":
            # Undated projects where SQLite and MySQL put them (NULL is their smallest value, and
            # PostgreSQL's largest): last when the newest come first. Migration 0049's indexes
            # hold the dates in that order, so the lists still walk an index.
            nulls = "LAST" if descending else "FIRST"
        return [peewee.Ordering(column, direction, nulls=nulls), peewee.Ordering(tie, direction)]

    def order_for(self, user) -> list:
        """The list's ORDER BY as ``user`` reads it, the same rows in the same order either way: sorted after
        filtering where the user's units hold few of the city's projects (walking the list's index would
        pass the city's every project to find theirs: a department's export at 100,000 projects on SQLite
        took 92 ms for its few rows), in the index's order otherwise (permissions.units_hold_many_projects)."""
        return self.order_by(after_filtering=not permissions.units_hold_many_projects(user))

    def sort_link(self, name: str) -> str:
        """The sort parameter a column header links to (toggles asc/desc)."""
        current, descending = self.sort.lstrip("-"), self.sort.startswith("-")
        if current == name:
            return name if descending else "-" + name
        return "-" + name if name in ("amount", "date", "updated") else name


def _readable_unit(value: str, user) -> Unit | None:
    unit_id = parse_id(value)
    unit = Unit.get_or_none(Unit.id == unit_id) if unit_id else None
    if unit is None or not permissions.can_read_unit(user, unit):
        return None
    return unit


def _leader(value: str) -> User | None:
    user_id = parse_id(value)
    return User.get_or_none(User.id == user_id, User.role == "leader") if user_id else None


def unit_choices(user) -> list[tuple[int, str, int]]:
    """``[(id, name, depth), …]`` of the units the user reads, in tree order."""
    query = Unit.select(Unit.id, Unit.name, Unit.path).where(Unit.active == True)  # noqa: E712
    readable = permissions.readable_unit_ids(user)
    if readable is not None:
        query = query.where(Unit.id.in_(readable))
    rows = list(query.order_by(Unit.path))
    top = min((r.path.count("/") for r in rows), default=0)
    return [(r.id, r.name, r.path.count("/") - top) for r in rows]


def leader_choices() -> list[tuple[int, str]]:
    rows = User.select(User.id, User.display_name).where(User.role == "leader", User.active == True)  # noqa: E712
    return [(u.id, u.display_name) for u in rows.order_by(User.display_name)]


#: What a list page reads of each project: projects/_rows.html, the investor's mask
#: (masking.investor_name, permissions.can_see_confidential), the plugins' list columns
#: (extra_fields.display) and the clue list's days since follow-up (sourcing.service). A page of 50
#: rows of all 58 columns took 7-9 ms to read and build into objects at 100,000 projects, these 2-5 ms.
#: A column the page reads that is not here shows as empty: tests/test_list_columns.py renders every
#: list both ways.
LIST_PAGE_COLUMNS = (
    Project.id, Project.name, Project.is_key, Project.enterprise, Project.is_confidential, Project.responsible_unit,
    Project.source_team, Project.industry_code, Project.stage, Project.total_investment, Project.leader,
    Project.flag, Project.flag_reasons, Project.extra, Project.clue_on,
)


def base_query(user, filters: ListFilters, *, project_columns=(Project,)):
    """The list's rows: Project (``project_columns``: every column unless told) with unit, investor and
    leader joined, and the shown date as ``shown_on``, restricted to what ``user`` reads."""
    leader = User.alias("leader")
    query = (
        Project.select(*project_columns, Unit.id, Unit.name, Unit.path, Enterprise.id, Enterprise.name, leader.id,
                       leader.display_name, filters.shown_date_column.alias("shown_on"))
        .join(Unit, on=(Project.responsible_unit == Unit.id), attr="responsible_unit")
        .switch(Project)
        .join(Enterprise, peewee.JOIN.LEFT_OUTER, on=(Project.enterprise == Enterprise.id), attr="enterprise")
        .switch(Project)
        .join(leader, peewee.JOIN.LEFT_OUTER, on=(Project.leader == leader.id), attr="leader")
        .switch(Project)
    )
    query = permissions.visible_projects(user, query)
    conds = filters.conditions(user)
    return query.where(*conds) if conds else query


#: A list page counts the matches of a text search up to this many and then says "more than": a
#: common word matched tens of thousands of rows, all read for a figure nobody needs exactly
#: (the pages are there to narrow a search; the export and the API take every match).
SEARCH_COUNT_CAP = 1000


def count(user, filters: ListFilters, cap: int | None = None) -> int:
    """How many rows the list holds: one COUNT query over projects alone (the search looks investors
    up in a subquery, masking.search_condition). With ``cap``, rows are counted up to ``cap + 1``
    only (the database stops reading there): a result above ``cap`` means "more than ``cap``"."""
    others = filters.other_conditions(user)
    if cap is None and not others:
        tallied = _tallied_count(user, filters)
        if tallied is not None:
            return tallied
    conds = filters.grouped_conditions() + others
    if cap is not None:
        limited = permissions.visible_projects(user, Project.select(peewee.SQL("1")))
        limited = limited.where(*conds) if conds else limited
        if _names_index_holds(filters, others):
            # Ordered as migration 0053's index of names is, so PostgreSQL tests the projects in it: its
            # planner costed the index's pages as random reads and read the 57 columns' table instead
            # (a common word at 100,000 projects: 15-20 ms, 8-12 ms from the index; a county's 65-70 ms,
            # 30-36). SQLite reads that index unordered already.
            limited = limited.order_by(Project.name)
        return count_up_to(limited, cap)
    query = Project.select(peewee.fn.COUNT(peewee.SQL("*")))  # not COUNT(id): PostgreSQL's indexes lack it
    query = permissions.visible_projects(user, query)
    if conds:
        query = query.where(*conds)
    return query.scalar() or 0


def _names_index_holds(filters: ListFilters, others: list) -> bool:
    """Is this a PostgreSQL search with many matches (each project tested row by row) whose conditions
    read only what the index of names holds (migration 0053: the name, the investor, the unit, the
    team, confidentiality)? A list's stage, an industry or any other filter reads the table anyway."""
    return (backend() == "postgresql" and bool(filters.q) and filters.search_many and len(others) == 1
            and not (filters.spec.stages or filters.stage or filters.industry or filters.flag))


def _tallied_count(user, filters: ListFilters) -> int | None:
    """The count of a list filtered by the tally's groups alone, from the tally the database keeps (a few
    thousand rows at most, where the count over projects read every matching one: 100,000 for the
    city's list, 5 ms on PostgreSQL), or None where the tally cannot say: MySQL, projects granted one
    by one."""
    visible = tally.readable_conditions(user)
    if visible is None:
        return None
    return tally.total(*filters.grouped_conditions(tally.COLUMNS), *visible)


def page_count(user, filters: ListFilters) -> tuple[int, bool]:
    """The count a list page shows: exact, or for a text search at most SEARCH_COUNT_CAP;
    ``(count, more match than that)``."""
    if not filters.q:
        return count(user, filters), False
    found = count(user, filters, SEARCH_COUNT_CAP)
    return min(found, SEARCH_COUNT_CAP), found > SEARCH_COUNT_CAP
