"""Each row of a sheet checked and matched: what it creates or updates, or what is wrong with it.

``plan_rows`` streams the sheet and yields one ``RowPlan`` per table row; the preview counts
them and the batch applies them (reading the sheet again, in its own request), so both see the
same rules. Each of the two opens the file once (``opened``): the header found in the first rows,
the table rows read on from there. A row is matched to an existing project by its project code
when the sheet has one, else by responsible unit + project name + investor.

Stages: a row's project is at the stage the sheet names (or, without a stage column, the
furthest stage it gives a date for). Every main-line stage up to that one counts as passed;
those with a date get a dated stage change, those without stay passed with no date (no
stage change, no date column: the current lists count them, no dated figure does).
"""
from __future__ import annotations

import contextlib
import difflib
import functools
import operator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Iterable, Iterator

import peewee
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from portal import industries
from portal.db import backend
from portal.labels import STAGE_LABELS
from portal.models import Enterprise, Project, Unit, User
from portal.projects.forms import credit_code_valid
from portal.projects.importing import columns as C
from portal.projects.importing.sheets import read_rows
from portal.projects.importing.values import ValueProblem, blank, parse_cell, text
from portal.stages import DATE_COLUMN, LINE, OFF_RAMPS, effective_stage, history_problems, rank

#: More words offices use for the stages.
STAGE_ALIASES = {
    "线索": "clue", "重点线索": "clue", "信息": "clue", "洽谈": "negotiating", "在谈": "negotiating",
    "签约": "signed", "已签约": "signed", "开工": "started", "落地": "started", "已开工": "started",
    "在建": "started", "竣工": "completed", "已竣工": "completed", "投产": "production", "已投产": "production",
    "停滞": "stalled", "停工": "stalled", "终止": "dropped", "已终止": "dropped",
}
#: Names in a sheet's name column that mark a totals row, not a project.
TOTAL_ROWS = {"合计", "总计", "小计", "total", "sum"}
TEXT_LIMITS = {"name": 200, "investor_name": 200, "responsible_person": 100, "park": 100, "code": 40}
#: Fields written to the project as they are (the others are resolved or handled apart).
PLAIN_FIELDS = ("code", "name", "total_investment", "contracted_amount", "foreign_capital", "is_key",
                "responsible_person", "park", "land_area_mu", "expected_output", "expected_tax", "expected_jobs")


@dataclass
class Problem:
    row: int
    column: str  # the header as the sheet writes it ("" for the whole row)
    message: object


@dataclass
class RowPlan:
    number: int
    action: str = "create"  # create, update, unchanged, skip, error
    fields: dict = field(default_factory=dict)  # Project column -> value
    investor: dict | None = None  # {"name": …, "credit_code": …}
    new_dates: dict = field(default_factory=dict)  # stage -> date of each stage change to record
    project: Project | None = None
    problems: list = field(default_factory=list)
    pending: tuple | None = None  # (cells, values, match key): checked, its project not yet looked up
    record: object = None  # other lists: the unit, user, investor … the row updates
    changes: dict = field(default_factory=dict)  # other lists: field -> [old, new]


class Lookups:
    """Units, industries, leaders and stages by the names a sheet uses, read once per pass."""

    def __init__(self):
        self.units = {u.name.strip(): u for u in Unit.select().where(Unit.active == True)}  # noqa: E712
        self.industries: dict[str, str] = {}
        for item in industries.industries():
            for name in (item.get("name_zh"), item.get("name_en"), item["code"]):
                if name:
                    self.industries.setdefault(C.normalise(name), item["code"])
        self.industry_names = sorted({n for item in industries.industries()
                                      for n in (item.get("name_zh"), item.get("name_en")) if n})
        leaders = User.select().where(User.role == "leader", User.active == True)  # noqa: E712
        self.leaders = {}
        for user in leaders:
            self.leaders.setdefault(user.display_name.strip(), user)
            self.leaders.setdefault(user.username, user)
        self.stages = {C.normalise(k): v for k, v in STAGE_ALIASES.items()}
        for locale in C.LOCALES:
            with force_locale(locale):
                for code, label in STAGE_LABELS.items():
                    self.stages.setdefault(C.normalise(str(label)), code)
        for code in STAGE_LABELS:
            self.stages.setdefault(code, code)


def suggest(name: str, names) -> object:
    """The nearest of ``names`` as "Did you mean …?", or an empty string."""
    close = difflib.get_close_matches(name, list(names), n=3, cutoff=0.4)
    if close:
        return _l("Did you mean: %(names)s?", names="、".join(close))
    return ""


def _unknown(kind_message, name, names):
    hint = suggest(name, names)
    return f"{kind_message} {hint}".strip() if hint else kind_message


class RowChecker:
    """Turns one row's cells into a RowPlan; remembers the keys seen, for duplicate rows."""

    def __init__(self, layout: C.Layout, lookups: Lookups):
        self.layout = layout
        self.lookups = lookups
        self.seen: dict[tuple, int] = {}
        # Rows match the projects that existed before the import: the preview and the import
        # then agree, whichever rows the import has written by the time it reads a row.
        self.before = Project.select(peewee.fn.MAX(Project.id)).scalar() or 0

    def header(self, key: str) -> str:
        index = self.layout.column_of(key)
        return self.layout.headers.get(index, "") if index is not None else ""

    def problem(self, plan: RowPlan, key: str, message) -> None:
        plan.problems.append(Problem(plan.number, self.header(key) if key else "", message))

    def cells(self, row: list) -> dict:
        return {key: (row[index] if index < len(row) else None)
                for index, key in self.layout.columns.items() if key}

    def check(self, number: int, row: list) -> RowPlan | None:
        """The plan of one row, or None for a blank row; a row to match waits in ``plan.pending``
        for ``match`` (rows are matched a chunk at a time)."""
        cells = self.cells(row)
        if all(blank(v) for v in cells.values()):
            return None
        plan = RowPlan(number)
        name = text(cells.get("name"))
        if name.lower() in TOTAL_ROWS:
            plan.action = "skip"
            return plan
        values = self._values(plan, cells)
        if not name:
            self.problem(plan, "name", _l("The project name is missing."))
        unit = self._unit(plan, cells)
        self._references(plan, cells)
        if plan.problems:
            plan.action = "error"
            return plan
        investor_name = values.get("investor_name") or ""
        key = ("code", values["code"]) if values.get("code") else ("row", unit.id, name.lower(), investor_name.lower())
        if key in self.seen:
            self.problem(plan, "", _l("This row repeats row %(row)s (the same project).", row=self.seen[key]))
            plan.action = "error"
            return plan
        self.seen[key] = number
        plan.fields.update({k: values[k] for k in PLAIN_FIELDS if k in values})
        plan.fields["responsible_unit"] = unit
        if investor_name or values.get("investor_credit_code"):
            plan.investor = {"name": investor_name, "credit_code": values.get("investor_credit_code") or None}
        plan.pending = (cells, values, match_key(values.get("code"), name, unit.id, investor_name))
        return plan

    def matched(self, plan: RowPlan, project: Project | None) -> RowPlan:
        """Finish a checked row once its project is known (None: a new one)."""
        cells, values, _key = plan.pending
        plan.pending = None
        plan.project = project
        self._stages(plan, cells, values)
        if plan.problems:
            plan.action = "error"
        elif plan.project is not None:
            plan.action = "update" if self._differs(plan) else "unchanged"
        return plan

    def match(self, plans: list[RowPlan]) -> Iterator[RowPlan]:
        """The plans of a chunk of rows, finished: their projects found in one query."""
        waiting = [p for p in plans if p.pending]
        found = existing_projects([p.pending[2] for p in waiting], self.before)
        for plan in plans:
            yield self.matched(plan, found.get(plan.pending[2])) if plan.pending else plan

    # Values -----------------------------------------------------------------

    def _values(self, plan: RowPlan, cells: dict) -> dict:
        values = {}
        for key, raw in cells.items():
            spec = C.BY_KEY[key]
            try:
                values[key] = parse_cell(spec.kind, raw, self.layout.factors.get(self.layout.column_of(key)))
            except ValueProblem as exc:
                self.problem(plan, key, exc.message)
        for key, limit in TEXT_LIMITS.items():
            if len(values.get(key) or "") > limit:
                self.problem(plan, key, _l("At most %(max)s characters.", max=limit))
        code = values.get("investor_credit_code")
        if code and not credit_code_valid(code):
            self.problem(plan, "investor_credit_code",
                         _l("A unified social credit code has 18 characters (digits and capital letters) "
                            "and a valid check character."))
        if code and not values.get("investor_name"):
            self.problem(plan, "investor_name", _l("Enter the investor's name with its credit code."))
        return values

    def _unit(self, plan: RowPlan, cells: dict) -> Unit | None:
        name = text(cells.get("responsible_unit"))
        if not name:
            self.problem(plan, "responsible_unit", _l("The responsible unit is missing."))
            return None
        unit = self.lookups.units.get(name)
        if unit is None:
            self.problem(plan, "responsible_unit", _unknown(
                _l("No active unit is called “%(name)s”.", name=name), name, self.lookups.units))
        return unit

    def _references(self, plan: RowPlan, cells: dict) -> None:
        """Industry, leader and stage by name."""
        industry = text(cells.get("industry"))
        if industry:
            code = self.lookups.industries.get(C.normalise(industry))
            if code is None:
                self.problem(plan, "industry", _unknown(
                    _l("No industry is called “%(name)s”.", name=industry), industry, self.lookups.industry_names))
            plan.fields["industry_code"] = code
        elif "industry" in cells:
            plan.fields["industry_code"] = ""
        leader = text(cells.get("leader"))
        if leader:
            user = self.lookups.leaders.get(leader)
            if user is None:
                self.problem(plan, "leader", _unknown(
                    _l("No leader is called “%(name)s”.", name=leader), leader,
                    [u.display_name for u in self.lookups.leaders.values()]))
            plan.fields["leader"] = user
        elif "leader" in cells:
            plan.fields["leader"] = None
        stage = text(cells.get("stage"))
        if stage:
            code = self.lookups.stages.get(C.normalise(stage))
            if code is None:
                self.problem(plan, "stage", _l("“%(name)s” is not a stage. Use one of: %(stages)s.", name=stage,
                                               stages="、".join(str(v) for v in STAGE_LABELS.values())))
            plan.fields["stage"] = code

    # Stages -------------------------------------------------------------------

    def _stages(self, plan: RowPlan, cells: dict, values: dict) -> None:
        sheet_dates = {s: values[DATE_COLUMN[s]] for s in LINE if values.get(DATE_COLUMN[s])}
        project = plan.project
        named = plan.fields.pop("stage", None)
        dated = max(sheet_dates, key=rank) if sheet_dates else None
        current = effective_stage(project) if project is not None else None
        if named in OFF_RAMPS:
            if project is not None and project.stage == named:
                base = current
            else:
                base = max([s for s in (dated, current) if s], key=rank, default="clue")
        else:
            base = named or max([s for s in (dated, current) if s], key=rank, default="clue")
        stage = named or base
        if project is not None and (rank(base) < rank(current) or (project.stage == "dropped" and stage != "dropped")):
            self.problem(plan, "stage", _l("The project is already at stage %(current)s; the sheet says %(stage)s. "
                                           "Move it back on the project's page.",
                                           current=STAGE_LABELS[project.stage], stage=STAGE_LABELS[stage]))
            return
        known = {}
        for s in LINE[: rank(base) + 1]:
            existing = getattr(project, DATE_COLUMN[s]) if project is not None else None
            date = sheet_dates.get(s)
            if existing and date and existing != date:
                self.problem(plan, DATE_COLUMN[s], _l("The project's date for this stage is %(date)s. "
                                                      "Correct it on the project's page.", date=existing.isoformat()))
            elif date and not existing:
                plan.new_dates[s] = date
            if existing:
                known[s] = existing
        for s, message in history_problems(base, sheet_dates, known):
            self.problem(plan, DATE_COLUMN[s], message)
        if project is None or stage != project.stage:
            plan.fields["stage"] = stage
            plan.fields["stage_before_stall"] = base if stage in OFF_RAMPS else ""
        for s, date in plan.new_dates.items():
            plan.fields[DATE_COLUMN[s]] = date

    def _differs(self, plan: RowPlan) -> bool:
        project = plan.project
        for key, value in plan.fields.items():
            current = getattr(project, key + "_id") if key in ("responsible_unit", "leader") else getattr(project, key)
            if key in ("responsible_unit", "leader"):
                value = value.id if value is not None else None
            if key in ("total_investment",) and value is None:
                continue
            if isinstance(current, Decimal) or isinstance(value, Decimal):
                if (current is None) != (value is None) or (current is not None and Decimal(current) != Decimal(value)):
                    return True
            elif (current or None) != (value or None):
                return True
        if plan.investor:  # the investor's name and code came with the project (existing_projects)
            if project.enterprise_id is None or project.investor_name != plan.investor["name"] or (
                    plan.investor["credit_code"] and project.investor_code != plan.investor["credit_code"]):
                return True
        return bool(plan.new_dates)


@dataclass
class Preview:
    """What an import would do: counts, the problems (the first ``LIMIT``) and the matches."""

    LIMIT = 500
    layout: C.Layout
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    error_rows: int = 0
    problem_count: int = 0
    problems: list = field(default_factory=list)
    matches: list = field(default_factory=list)  # (row number, project id, project name)

    @property
    def ok(self) -> bool:
        return self.layout.header_row > 0 and not self.layout.missing_required() and not self.problem_count

    def add(self, plan: RowPlan) -> None:
        if plan.action == "create":
            self.created += 1
        elif plan.action == "update":
            self.updated += 1
        elif plan.action in ("unchanged", "skip"):
            self.skipped += 1
        else:
            self.error_rows += 1
        if plan.project is not None and len(self.matches) < self.LIMIT:
            self.matches.append((plan.number, plan.project.id, plan.project.name, plan.action))
        elif plan.record is not None and len(self.matches) < self.LIMIT:  # other lists: no page to link
            name = getattr(plan.record, "username", None) or getattr(plan.record, "name", "")
            self.matches.append((plan.number, None, name, plan.action))
        self.problem_count += len(plan.problems)
        room = self.LIMIT - len(self.problems)
        if room > 0:
            self.problems.extend(plan.problems[:room])


@contextlib.contextmanager
def opened(path: Path, file_name: str, mapping: dict | None) -> Iterator[tuple[C.Layout, Iterator]]:
    """``(layout, rows)`` from one open of the file: the layout read from its first rows, ``rows``
    the ``(number, cells)`` after the header row, streamed (for ``plan_rows``); the file is closed
    on leaving. A workbook without a ``<dimension>`` (openpyxl's write-only mode writes none) costs
    a parse of the whole sheet on every open in openpyxl's read-only reader: one open, one parse."""
    rows = read_rows(path, file_name)
    try:
        yield C.find_layout(rows, mapping), rows
    finally:
        rows.close()


def plan_rows(rows: Iterable[tuple[int, list]], layout: C.Layout) -> Iterator[RowPlan]:
    """One plan per row below the header (blank rows left out), streamed from ``rows`` (those
    ``opened`` leaves after the header; rows up to the header row, if any, are passed over)."""
    checker = RowChecker(layout, Lookups())
    chunk: list[RowPlan] = []
    for number, row in rows:
        if number <= layout.header_row:
            continue
        plan = checker.check(number, row)
        if plan is not None:
            chunk.append(plan)
        if len(chunk) >= MATCH_ROWS:
            yield from checker.match(chunk)
            chunk = []
    yield from checker.match(chunk)


#: Rows matched against the existing projects in one query (a query per row was most of an
#: import's round trips to a database server).
MATCH_ROWS = 200


def fold(name: str | None):
    """A name as the database compares it: MySQL's collations ignore case and trailing spaces."""
    if name is None:
        return None
    return name.lower().rstrip() if backend() == "mysql" else name


def match_key(code: str | None, name: str, unit_id: int, investor_name: str) -> tuple:
    """How a row finds its project: by the project code when the sheet gives one, else by
    responsible unit + name + investor (or no investor)."""
    if code:
        return ("code", fold(code))
    return ("name", fold(name), unit_id, fold(investor_name) if investor_name else None)


def existing_projects(keys: list[tuple], before: int) -> dict[tuple, Project]:
    """The projects (up to id ``before``) the keys of ``match_key`` name, in one query; the
    first by id where several match. Each comes with its investor's name and credit code."""
    codes = [key[1] for key in keys if key[0] == "code"]
    names = [key[1] for key in keys if key[0] == "name"]
    if not keys:
        return {}
    wanted = set(keys)
    named = [Project.code.in_(codes)] if codes else []
    if names:
        named.append(Project.name.in_(names))
    query = (Project.select(Project, Enterprise.name.alias("investor_name"),
                            Enterprise.credit_code.alias("investor_code"))
             .join(Enterprise, peewee.JOIN.LEFT_OUTER, on=(Project.enterprise == Enterprise.id))
             .where((Project.id <= before) & functools.reduce(operator.or_, named))
             .order_by(Project.id).objects())
    found: dict[tuple, Project] = {}
    for project in query:
        for key in (match_key(project.code, "", 0, ""),
                    ("name", fold(project.name), project.responsible_unit_id,
                     fold(project.investor_name) if project.enterprise_id else None)):
            if key in wanted and key[1]:
                found.setdefault(key, project)
    return found


def preview(path: Path, file_name: str, mapping: dict | None = None) -> Preview:
    with opened(path, file_name, mapping) as (layout, rows):
        result = Preview(layout)
        if layout.header_row and not layout.missing_required():
            for plan in plan_rows(rows, layout):
                result.add(plan)
    return result
