"""Importing an office's other lists with the project import's reader, columns and values: the
generic part (a row checker, the preview, applying a batch in one transaction).

A list kind (``portal.projects.importing.org_lists`` and ``.investor_lists``) names its columns
(a ``columns.FieldSet``), checks each row into a ``planning.RowPlan`` and writes the checked rows.
These lists are short (an office's units, users, investors, capital entries), so their plans are
kept for the pass: a unit's parent may stand on a later row, and a cycle shows only once all
rows are read.
"""
from __future__ import annotations

import abc
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import audit
from portal.db import database
from portal.models import ImportBatch
from portal.models.fields import utcnow
from portal.projects.importing import batches, list_undo
from portal.projects.importing import columns as C
from portal.projects.importing.planning import Preview, Problem, RowPlan, suggest
from portal.projects.importing.sheets import read_rows
from portal.projects.importing.values import ValueProblem, blank, parse_cell, text


class ListChecker(abc.ABC):
    """Turns rows into RowPlans: each column parsed by its kind; the kind's ``check_row`` does the
    rest. ``finish`` runs once every row is read (checks across rows)."""

    #: field key -> most characters
    limits: dict = {}

    def __init__(self, layout: C.Layout, user):
        self.layout = layout
        self.user = user
        self.by_key = layout.fieldset.by_key
        self.seen: dict = {}  # a row's key -> the row it was first seen on

    def header(self, key: str) -> str:
        index = self.layout.column_of(key)
        return self.layout.headers.get(index, "") if index is not None else ""

    def problem(self, plan: RowPlan, key: str, message) -> None:
        plan.problems.append(Problem(plan.number, self.header(key) if key else "", message))

    def flagged(self, plan: RowPlan, key: str) -> bool:
        """Has this row a problem in that column already (a value that could not be read)?"""
        return any(p.column == self.header(key) for p in plan.problems)

    def has(self, key: str) -> bool:
        return self.layout.column_of(key) is not None

    def check(self, number: int, row: list) -> RowPlan | None:
        cells = {key: (row[index] if index < len(row) else None)
                 for index, key in self.layout.columns.items() if key}
        if all(blank(v) for v in cells.values()):
            return None
        plan = RowPlan(number)
        values = {}
        for key, raw in cells.items():
            spec = self.by_key[key]
            try:
                # A blank yes/no cell says nothing (keep what is recorded), not "no".
                values[key] = None if spec.kind == "bool" and blank(raw) else parse_cell(
                    spec.kind, raw, self.layout.factors.get(self.layout.column_of(key)))
            except ValueProblem as exc:
                self.problem(plan, key, exc.message)
        for key, limit in self.limits.items():
            if len(text(values.get(key))) > limit:
                self.problem(plan, key, _l("At most %(max)s characters.", max=limit))
        self.check_row(plan, values)
        if plan.problems:
            plan.action = "error"
        return plan

    def repeated(self, plan: RowPlan, key) -> bool:
        """Is this row's record named on an earlier row? (Then it is a problem of this row.)"""
        if key in self.seen:
            self.problem(plan, "", _l("This row repeats row %(row)s.", row=self.seen[key]))
            return True
        self.seen[key] = plan.number
        return False

    def settle(self, plan: RowPlan, record, changes: dict) -> None:
        """create (no record), update (something differs) or unchanged; ``changes`` as audit.diff."""
        plan.project = None
        plan.record = record
        plan.changes = changes
        if plan.problems:
            plan.action = "error"
        elif record is None:
            plan.action = "create"
        else:
            plan.action = "update" if changes else "unchanged"

    @abc.abstractmethod
    def check_row(self, plan: RowPlan, values: dict) -> None:
        """Check one row's parsed values into ``plan`` (problems, the record it matches, changes)."""

    def finish(self, plans: list[RowPlan]) -> None:
        """Checks across rows, once all are read."""


def unknown(message, name: str, names) -> str:
    """``message`` and the nearest names, for a name that matches nothing."""
    hint = suggest(name, names)
    return f"{message} {hint}".strip() if hint else str(message)


class ListKind(abc.ABC):
    """One kind of list: its columns, who may import it, how its rows are checked and written."""

    key = ""
    fieldset: C.FieldSet
    checker_class = ListChecker
    title = _l("Import")
    permission = staticmethod(lambda user: False)
    undo = True
    entity = ""  # ImportItem.entity of the records it writes
    percents = False  # read a percent-formatted cell as Excel shows it ("85%", not 0.85)

    def undo_batch(self, batch: ImportBatch, user) -> None:
        if not self.may_import(user):
            raise batches.ImportRefused(_l("This import cannot be undone."))
        list_undo.undo(batch, user)

    def may_import(self, user) -> bool:
        return self.permission(user)

    def make_checker(self, layout: C.Layout, user, path: Path, file_name: str) -> ListChecker:
        return self.checker_class(layout, user)

    def plans(self, path: Path, file_name: str, layout: C.Layout, user) -> list[RowPlan]:
        checker = self.make_checker(layout, user, path, file_name)
        plans = []
        for number, row in read_rows(path, file_name, percents=self.percents):
            if number > layout.header_row:
                plan = checker.check(number, row)
                if plan is not None:
                    plans.append(plan)
        checker.finish(plans)
        for plan in plans:
            if plan.problems:
                plan.action = "error"
        return plans

    def layout(self, path: Path, file_name: str, mapping: dict | None) -> C.Layout:
        return C.find_layout(read_rows(path, file_name), mapping, self.fieldset)

    def check_file(self, path: Path, file_name: str, user, mapping: dict | None = None):
        """(Preview, plans): what importing the sheet would do."""
        layout = self.layout(path, file_name, mapping)
        result = Preview(layout)
        plans = []
        if layout.header_row and not layout.missing_required():
            plans = self.plans(path, file_name, layout, user)
            for plan in plans:
                result.add(plan)
        return result, plans

    def preview(self, batch: ImportBatch, user) -> Preview:
        return self.check_file(batches.file_path(batch), batch.file_name, user, batch.mapping)[0]

    @abc.abstractmethod
    def write(self, plans: list[RowPlan], user, note: str, items: list_undo.Items) -> list:
        """Save the checked rows (inside the caller's transaction), naming each record in
        ``items`` (what undo reads); returns what to show once (the users' first passwords)."""

    def apply(self, batch: ImportBatch, user):
        """Import every row in one transaction: (batch, lines to show once). Raises
        ImportRefused (nothing saved) on any problem."""
        if batch.state != "preview":
            raise batches.ImportRefused(_l("This import has been confirmed or discarded already."))
        if not self.may_import(user):
            raise batches.ImportRefused(_l("You may not import this list."))
        with database.atomic():  # checked and written in the one transaction: what was checked is saved
            result, plans = self.check_file(batches.file_path(batch), batch.file_name, user, batch.mapping)
            if not result.ok:
                raise batches.ImportRefused(_l("The sheet has problems. Nothing was imported."), result)
            items = list_undo.Items(batch, self.entity)
            shown_once = self.write([p for p in plans if p.action in ("create", "update")], user,
                                    _("Import #%(id)s (%(file)s)", id=batch.id, file=batch.file_name), items)
            items.save()
            ImportBatch.update(state="imported", imported_at=utcnow(), created_count=result.created,
                               updated_count=result.updated, skipped_count=result.skipped).where(
                ImportBatch.id == batch.id).execute()
            audit.record("import", "import_batch", batch.id,
                         {"kind": self.key, "created": result.created, "updated": result.updated,
                          "skipped": result.skipped}, note=batch.file_name, user=user)
        batches.discard_file(batch)
        return ImportBatch.get_by_id(batch.id), shown_once
