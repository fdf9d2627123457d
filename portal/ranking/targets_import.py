"""Unit targets through the import pages (upload → preview → confirm, ``portal import targets``):
the year's template (``targets.template_workbook``) or any sheet with a unit and figure columns.

A row is an assessed unit (by its id, as the template gives it, or by name) and its targets, one
column per figure (found by the template's "label [code]" header, the label or the code). The
year is the sheet's: a Year column, else the sheet's name or the year in its title cell (as the
template writes them); the preview shows it with each unit before anything is saved. A blank
cell changes nothing (an import never removes a target); a rate cell formatted as a percentage
reads as Excel shows it (85%, not 0.85).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook

from portal.ranking import permissions as ranking_permissions
from portal.projects.importing import columns as C
from portal.projects.importing.lists import ListChecker, ListKind, unknown
from portal.projects.importing.planning import RowPlan
from portal.projects.importing.sheets import read_rows
from portal.projects.importing.values import text
from portal.ranking.targets import (
    FIGURES_BY_CODE, TARGET_FIGURES, assessed_units, parse_value, save_targets, sheet_year, targets_for_year,
)


_CODE = re.compile(r"\[\s*(\w+)\s*\]\s*$")


class _Bracketed:
    """The template's header of a figure, "Signed projects [signed_count]", in the language it is
    asked in (``columns`` reads every header in both)."""

    def __init__(self, figure):
        self.figure = figure

    def __str__(self):
        return f"{self.figure.label} [{self.figure.code}]"


TARGET_FIELDS = C.FieldSet(
    (C.Field("unit_id", _l("Unit id"), "integer", ("单位编号", "单位id", "unit id")),
     C.Field("unit", _l("Unit"), "text", ("单位", "单位名称", "unit name"), required=True),
     C.Field("year", _l("Year"), "integer", ("年度", "年份", "目标年度", "year")))
    + tuple(C.Field(f.code, f.label, "target") for f in TARGET_FIGURES),
    "unit",
    tuple((_Bracketed(f), f.code) for f in TARGET_FIGURES))


@dataclass
class TargetRow:
    """What a row sets, as the preview names it: the unit and the year."""

    unit_id: int
    year: int
    name: str


class TargetsChecker(ListChecker):
    def __init__(self, layout, user, year: int | None = None):
        super().__init__(layout, user)
        self.year = year  # the sheet's year (None: it names none)
        self.units = list(assessed_units())
        self.by_id = {u.id: u for u in self.units}
        self.by_name = {u.name.strip(): u for u in self.units}
        self.current: dict[int, dict] = {}  # year -> its targets, read once

    def check_row(self, plan: RowPlan, values: dict) -> None:
        unit = self._unit(plan, values)
        year = values.get("year") or self.year
        if year is None and not self.flagged(plan, "year"):
            self.problem(plan, "year", _l("The sheet does not say which year its targets are for: name the sheet "
                                          "after the year (as the template does), write the year in its title "
                                          "or add a Year column."))
        elif year is not None and not 2000 <= year <= 2100:
            self.problem(plan, "year", _l("Enter a year between 2000 and 2100."))
        wanted = {}
        for figure in TARGET_FIGURES:
            if not self.has(figure.code) or self.flagged(plan, figure.code):
                continue
            try:
                value = parse_value(values.get(figure.code) or None, figure)
            except ValueError as exc:
                self.problem(plan, figure.code, str(exc))
                continue
            if value is not None:  # a blank cell leaves the target as it is
                wanted[figure.code] = value
        if unit is None or plan.problems or self.repeated(plan, (year, unit.id)):
            return
        if year not in self.current:
            self.current[year] = targets_for_year(year)
        before = self.current[year].get(unit.id, {})
        plan.fields = {"year": year, "unit": unit.id, "targets": wanted}
        plan.record = TargetRow(unit.id, year, f"{unit.name} · {year}")  # the preview names unit and year
        plan.changes = {f"{year}.{code}": [str(before[code]) if code in before else None, str(value)]
                        for code, value in wanted.items() if before.get(code) != value}
        if not before:
            plan.action = "create" if wanted else "unchanged"
        else:
            plan.action = "update" if plan.changes else "unchanged"

    def _unit(self, plan: RowPlan, values: dict):
        unit_id, name = values.get("unit_id"), text(values.get("unit"))
        if unit_id is not None:
            unit = self.by_id.get(unit_id)
            if unit is None:
                self.problem(plan, "unit_id", _l("Unknown unit id %(value)s.", value=unit_id))
            return unit
        if not name:
            self.problem(plan, "unit", _l("The unit is missing."))
            return None
        unit = self.by_name.get(name)
        if unit is None:
            self.problem(plan, "unit", unknown(_l("No assessed unit is called “%(name)s”.", name=name), name,
                                               self.by_name))
        return unit


def workbook_year(path: Path, file_name: str) -> int | None:
    """The year an .xlsx sheet says (its name, else its title cell); a CSV file's title cell."""
    title = next((row[0] for number, row in read_rows(path, file_name) if row), None)
    name = ""
    if file_name.lower().endswith(".xlsx"):
        workbook = load_workbook(path, read_only=True)
        try:
            name = workbook.worksheets[0].title
        finally:
            workbook.close()
    return sheet_year(name, title)


class TargetsKind(ListKind):
    key = "targets"
    entity = "unit_target"
    fieldset = TARGET_FIELDS
    title = _l("Import targets")
    permission = staticmethod(ranking_permissions.can_edit_targets)
    undo = False  # targets are corrected on the targets page, each change audited
    percents = True

    def layout(self, path: Path, file_name: str, mapping: dict | None) -> C.Layout:
        """As for every list, and a column headed "… [code]" holds that figure whatever its label
        says (the template's own columns, with the label in another language or edited)."""
        layout = super().layout(path, file_name, mapping)
        taken = set(layout.columns.values())
        for index in list(layout.unrecognised):
            match = _CODE.search(layout.headers.get(index, ""))
            mapped = layout.columns.get(index)  # the importer's choice stands
            if match and not mapped and match.group(1) in FIGURES_BY_CODE and match.group(1) not in taken:
                layout.columns[index] = match.group(1)
                taken.add(match.group(1))
        return layout

    def make_checker(self, layout, user, path: Path, file_name: str):
        return TargetsChecker(layout, user, workbook_year(path, file_name))

    def write(self, plans, user, note, items):
        by_year: dict[int, dict] = {}
        for plan in plans:
            by_year.setdefault(plan.fields["year"], {})[plan.fields["unit"]] = plan.fields["targets"]
        for year, values in by_year.items():
            save_targets(year, values, user, source="upload")
        return []
