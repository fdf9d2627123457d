"""The audited import batch: the uploaded file kept under the batch, applied in one transaction
(all rows or none), undone while nothing has changed its projects since."""
from __future__ import annotations

import secrets
from pathlib import Path

import peewee

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import audit, permissions, plugins, uploads
from portal.db import AnalyzeAsItGrows, backend, database
from portal.models import AuditLog, Enterprise, ImportBatch, ImportItem, Project, StageChange, cascading_keys
from portal.models.fields import utcnow
from portal.projects.importing import fastsql, planning
from portal.projects.importing.sheets import check_extension
from portal.stages import counted_of_entered_history, enter_history, keep_class_at_signing, refresh_counted

#: Project columns an import may write (and an undo restores).
RESTORED = planning.PLAIN_FIELDS + ("responsible_unit", "industry_code", "leader", "enterprise", "stage",
                                    "stage_before_stall", "clue_on", "negotiating_on", "signed_on", "started_on",
                                    "completed_on", "production_on")


class ImportRefused(ValueError):
    """The batch cannot be applied or undone; ``message`` says why, ``preview`` has the rows' problems."""

    def __init__(self, message, preview=None):
        super().__init__(str(message))
        self.message = message
        self.preview = preview


def imports_dir() -> Path:
    path = Path(current_app.config["UPLOADS_DIR"]) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_path(batch: ImportBatch) -> Path:
    return imports_dir() / batch.stored_name


def start(stream, file_name: str, user, kind: str = "projects") -> ImportBatch:
    """Store an uploaded sheet under a random name and open a batch in the preview state."""
    file_name = Path(file_name or "").name[:200]
    extension = check_extension(file_name)
    stored_name = secrets.token_hex(16) + extension
    target = imports_dir() / stored_name
    with target.open("wb") as out:
        while chunk := stream.read(64 * 1024):
            out.write(chunk)
    return ImportBatch.create(user=user.id, file_name=file_name, stored_name=stored_name, kind=kind)


def preview(batch: ImportBatch) -> planning.Preview:
    return planning.preview(file_path(batch), batch.file_name, batch.mapping)


def label(batch: ImportBatch) -> str:
    """How the history names the batch."""
    return _("Import #%(id)s (%(file)s)", id=batch.id, file=batch.file_name)


#: Projects an import creates before its first ANALYZE on PostgreSQL (then ten times as many, …).
STATISTICS_FIRST = 1000


class BatchWriter:
    """Writes a batch's rows: projects, investors, stage changes, history and the batch's items.

    Rows are written ``fastsql.Buffer.ROWS`` at a time: their investors looked up in one query
    and the new ones inserted together, the new projects inserted together (a statement per
    row was most of an import's time on a database server)."""

    def __init__(self, batch: ImportBatch, user):
        self.batch, self.user, self.note = batch, user, label(batch)
        self.projects = fastsql.Inserter(Project)
        self.stage_changes = fastsql.Inserter(StageChange)  # of updated projects: their ids undo them
        self.new_stage_changes = fastsql.Buffer(StageChange)  # of created projects: undone with them
        self.items = fastsql.Buffer(ImportItem)
        self.enterprises = fastsql.Inserter(Enterprise)
        self.audit_entries = fastsql.Buffer(AuditLog)
        self.investors: dict[tuple, dict] = {}  # (name, code) -> the enterprise, for investors named on many rows
        self.waiting: list[planning.RowPlan] = []
        self.touched: list[int] = []
        self.created: list[int] = []  # of touched, the new projects (their counted dates written with them)
        self.history_added: list[int] = []  # of touched, the updated projects given stage changes
        # On PostgreSQL, ANALYZE (in the transaction: it counts its own new rows) the tables whose
        # foreign keys the import's rows name. PostgreSQL checks a foreign key with a plan made once
        # per connection: made on an import's first rows, a sequential scan read every project
        # written so far for every row written next (20,000 projects 64 s; 100,000 ran over 7
        # minutes, now 126 s). MySQL's ANALYZE TABLE would commit the import half-way.
        self.statistics = AnalyzeAsItGrows(lambda: database.execute_sql('ANALYZE "project", "enterprise"'),
                                           first=STATISTICS_FIRST, factor=10)

    def add(self, plan: planning.RowPlan) -> None:
        self.waiting.append(plan)
        if len(self.waiting) >= fastsql.Buffer.ROWS:
            self.write_waiting()

    def write_waiting(self) -> None:
        plans, self.waiting = self.waiting, []
        self.resolve_investors([p.investor for p in plans if p.investor])
        created = []
        for plan in plans:
            values = dict(plan.fields)
            enterprise_created = None
            if plan.investor:
                enterprise = self.investors[(plan.investor["name"], plan.investor["credit_code"])]
                values["enterprise"] = enterprise["id"]
                if enterprise.pop("new", False):  # named on the item of the first row that needed it
                    enterprise_created = enterprise["id"]
            if plan.project is None:
                if values.get("total_investment") is None:
                    values["total_investment"] = 0
                created.append((plan, values, enterprise_created))
                continue
            project_id, before, changes, version = self._update(plan.project, values)
            change_ids = enter_history(project_id, plan.new_dates, self.user, self.note,
                                       insert=self.stage_changes.insert)
            if change_ids:
                self.history_added.append(project_id)
            self.recorded(project_id, "updated", changes, version, before, change_ids, enterprise_created)
        ids = self.projects.insert_many([
            dict(values, created_by=self.user.id, **counted_of_entered_history(plan.new_dates))
            for plan, values, _e in created])
        self.created.extend(ids)
        if backend() == "postgresql":
            self.statistics.grew(len(self.created))
        for project_id, (plan, values, enterprise_created) in zip(ids, created):
            # deleting the project deletes its stage changes: their ids are not kept
            enter_history(project_id, plan.new_dates, self.user, self.note, insert=self.new_stage_changes.add)
            changes = audit.diff({}, _named(dict(values, enterprise=(plan.investor or {}).get("name"))))
            self.recorded(project_id, "created", changes, 1, None, [], enterprise_created)

    def recorded(self, project_id, action, changes, version, before, change_ids, enterprise_created) -> None:
        """The project's history entry and the batch's item (what undo reads)."""
        self.audit("import", "project", project_id, changes, note=self.note)
        self.items.add(batch=self.batch.id, project=project_id, action=action, version_after=version,
                       before=before, stage_change_ids=change_ids, enterprise_created=enterprise_created)
        self.touched.append(project_id)

    def resolve_investors(self, investors: list[dict]) -> None:
        """Find or create the rows' investors: by unified social credit code, then by exact name
        (one with no code yet takes the row's); otherwise created. One query for the lot."""
        keys = [k for k in dict.fromkeys((i["name"], i["credit_code"]) for i in investors) if k not in self.investors]
        if not keys:
            return
        codes = {code for _name, code in keys if code}
        by_code: dict = {}
        by_name: dict = {}
        wanted = Enterprise.name.in_([name for name, _code in keys])
        if codes:
            wanted |= Enterprise.credit_code.in_(codes)
        known = (Enterprise.select(Enterprise.id, Enterprise.name, Enterprise.credit_code).where(wanted)
                 .order_by(Enterprise.id).tuples())
        for found_id, name, code in known:
            record = {"id": found_id, "name": name, "credit_code": code}
            if code:
                by_code.setdefault(planning.fold(code), record)
            by_name.setdefault(planning.fold(name), []).append(record)
        new = []
        for name, code in keys:
            same_name = by_name.setdefault(planning.fold(name), [])
            if code:
                record = by_code.get(planning.fold(code)) or next(
                    (r for r in same_name if r["credit_code"] in (None, code)), None)
                if record is not None and record["credit_code"] is None:
                    record["credit_code"] = code
                    by_code[planning.fold(code)] = record
                    if "id" in record:
                        (Enterprise.update(credit_code=code)
                         .where(Enterprise.id == record["id"], Enterprise.credit_code.is_null()).execute())
            else:
                record = same_name[0] if same_name else None
            if record is None:
                record = {"name": name, "credit_code": code}
                new.append(record)
                same_name.append(record)
                if code:
                    by_code[planning.fold(code)] = record
            self.investors[(name, code)] = record
        ids = self.enterprises.insert_many([{"name": r["name"], "credit_code": r["credit_code"]} for r in new])
        for record, new_id in zip(new, ids):
            record.update(id=new_id, new=True)
            self.audit("create", "enterprise", new_id,
                       audit.diff({}, {"name": record["name"], "credit_code": record["credit_code"]}))

    def audit(self, action: str, entity: str, entity_id: int, changes: dict, note: str = "") -> None:
        self.audit_entries.add(**audit.entry_values(action, entity, entity_id, changes, note, self.user))

    def flush(self) -> None:
        """Write the waiting and buffered rows (before anything reads them)."""
        self.write_waiting()
        for buffer in (self.new_stage_changes, self.items, self.audit_entries):
            buffer.flush()

    def _update(self, project: Project, values: dict):
        if values.get("total_investment", 0) is None:
            values.pop("total_investment")
        before = {k: audit._plain(getattr(project, k + "_id" if k in FOREIGN_KEYS else k)) for k in values}
        changes = audit.diff({k: getattr(project, k + "_id" if k in FOREIGN_KEYS else k) for k in values},
                             {k: getattr(v, "id", v) if k in FOREIGN_KEYS else v for k, v in values.items()})
        version = project.version + 1
        updated = (Project.update(**values, version=version, updated_at=utcnow())
                   .where(Project.id == project.id, Project.version == project.version).execute())
        if not updated:
            raise ImportRefused(_l("Someone changed project “%(name)s” while the import ran. Import again.",
                                   name=project.name))
        changes["version"] = [project.version, version]
        return project.id, before, changes, version


FOREIGN_KEYS = ("responsible_unit", "leader", "enterprise")


def _named(values: dict) -> dict:
    return {k: _plain_name(v) for k, v in values.items()}


def _plain_name(value):
    if hasattr(value, "display_name"):
        return value.display_name
    if hasattr(value, "name") and not isinstance(value, str):
        return value.name
    return value


def _after_import(writer: BatchWriter, user) -> None:
    """Counted milestone dates of the updated projects whose history grew (the new projects' came
    with them: only their investor's class at signing is taken here), then the plugins told
    (flags, reviews) once for the whole batch."""
    refresh_counted(writer.history_added)
    ids = sorted(writer.created)
    for start in range(0, len(ids), 500):
        keep_class_at_signing(Project.id.in_(ids[start:start + 500]))
    plugins.projects_changed(writer.touched, "import", user)


def apply(batch: ImportBatch, user) -> ImportBatch:
    """Import every row in one transaction; raises ImportRefused (nothing saved) on any problem."""
    if batch.state != "preview":
        raise ImportRefused(_l("This import has been confirmed or discarded already."))
    if not permissions.can_import_projects(user):
        raise ImportRefused(_l("You may not import projects."))
    # One open of the file for the header and the rows (planning.opened), closed before it is removed.
    with planning.opened(file_path(batch), batch.file_name, batch.mapping) as (layout, rows):
        result = planning.Preview(layout)
        if not layout.header_row or layout.missing_required():
            raise ImportRefused(_l("The sheet has problems. Nothing was imported."), result)
        with database.atomic() as transaction:
            writer = BatchWriter(batch, user)
            for plan in planning.plan_rows(rows, layout):
                result.add(plan)
                if plan.action in ("create", "update") and not result.problem_count:
                    writer.add(plan)
            writer.flush()
            if not result.ok:
                transaction.rollback()
                raise ImportRefused(_l("The sheet has problems. Nothing was imported."), result)
            _after_import(writer, user)
            ImportBatch.update(state="imported", imported_at=utcnow(), created_count=result.created,
                               updated_count=result.updated, skipped_count=result.skipped).where(
                ImportBatch.id == batch.id).execute()
            audit.record("import", "import_batch", batch.id,
                         {"created": result.created, "updated": result.updated, "skipped": result.skipped},
                         note=batch.file_name, user=user)
    discard_file(batch)
    return ImportBatch.get_by_id(batch.id)


def discard(batch: ImportBatch) -> None:
    if batch.state == "preview":
        ImportBatch.update(state="discarded").where(ImportBatch.id == batch.id).execute()
        discard_file(batch)


def discard_file(batch: ImportBatch) -> None:
    try:
        file_path(batch).unlink()
    except FileNotFoundError:
        pass


# Undo -----------------------------------------------------------------------------

def investors_with_records(ids) -> set[int]:
    """The investors of ``ids`` that other records hang on which deleting them would delete with
    them (the database's cascade: visits logged since): an undo must not delete those."""
    found: set[int] = set()
    for model, key in cascading_keys(Enterprise):
        found.update(investor for (investor,) in model.select(key).where(key.in_(list(ids))).distinct().tuples())
    return found


def changed_since(batch: ImportBatch) -> list[Project]:
    """The batch's projects that someone changed after the import (version or history moved on)."""
    items = (ImportItem.select(ImportItem, Project)
             .join(Project, on=(ImportItem.project == Project.id))
             .where(ImportItem.batch == batch.id))
    changed = []
    for item in items.iterator():
        later = (AuditLog.select().where(AuditLog.entity == "project", AuditLog.entity_id == item.project_id,
                                         AuditLog.at > batch.imported_at, AuditLog.action != "import").exists())
        if item.project.version != item.version_after or later:
            changed.append(item.project)
            if len(changed) >= 20:
                break
    return changed


def undo(batch: ImportBatch, user) -> None:
    """Delete the projects the batch created and restore those it updated, in one transaction."""
    if not permissions.can_import_projects(user) or batch.state != "imported":
        raise ImportRefused(_l("This import cannot be undone."))
    changed = changed_since(batch)
    if changed:
        raise ImportRefused(_l("These projects changed after the import, so it can no longer be undone: %(names)s.",
                               names="、".join(p.name for p in changed)))
    note = _("Undo of %(batch)s", batch=label(batch))
    try:
        with uploads.deleted_once_committed() as gone:
            restored = _undo_items(batch, user, note, gone)
    except peewee.IntegrityError:  # records added to a project since (reports, problems …) keep it
        raise ImportRefused(_l("Records were added to the imported projects since, so the import can no longer "
                               "be undone.")) from None
    plugins.projects_changed(restored, "import", user)


def _undo_items(batch: ImportBatch, user, note: str, gone: list[str]) -> list[int]:
    """Undo in one transaction; ``gone`` gets the stored files deleted with the projects and
    investors (the files of contacts logged with a created investor since), deleted from disk once
    it committed."""
    with database.atomic():
        restored = []
        gone.extend(uploads.files_deleted_with(Project, ImportItem.select(ImportItem.project).where(
            ImportItem.batch == batch.id, ImportItem.action == "created", ImportItem.project.is_null(False))))
        created_investors = []
        for item in ImportItem.select().where(ImportItem.batch == batch.id).iterator():
            if item.project_id is None:
                continue
            if item.enterprise_created:
                created_investors.append(item.enterprise_created)
            if item.action == "created":
                audit.record("import_undo", "project", item.project_id, {"deleted": True}, note=note, user=user)
                Project.delete().where(Project.id == item.project_id).execute()
            else:
                StageChange.delete().where(StageChange.id.in_(item.stage_change_ids or [])).execute()
                values = _restored_values(item.before or {})
                Project.update({**values, Project.version: Project.version + 1, Project.updated_at: utcnow()}).where(
                    Project.id == item.project_id).execute()
                audit.record("import_undo", "project", item.project_id, {}, note=note, user=user)
                restored.append(item.project_id)
        _delete_investors_left_alone(created_investors, gone)
        refresh_counted(restored)
        ImportBatch.update(state="undone", undone_at=utcnow(), undone_by=user.id).where(
            ImportBatch.id == batch.id).execute()
        audit.record("import_undo", "import_batch", batch.id, {}, note=batch.file_name, user=user)
    return restored


def _delete_investors_left_alone(created: list[int], gone: list[str]) -> None:
    """Delete the investors the import created that no project names any more, once every project
    of the batch is deleted or restored. (Checked item by item, an investor named on several rows
    outlived the undo: its later rows' projects still stood when its first row was undone.) An
    investor a project names since the import stays."""
    named = set()
    for chunk in peewee.chunked(created, 500):
        named.update(e for (e,) in Project.select(Project.enterprise).where(Project.enterprise.in_(chunk))
                     .distinct().tuples())
    chunks = list(peewee.chunked([investor for investor in created if investor not in named], 500))
    if any(investors_with_records(chunk) for chunk in chunks):
        # Visits logged with the investor since: deleting it would delete them.
        raise ImportRefused(_l("Visits were logged with an investor this import created, so the "
                               "import can no longer be undone: undoing it would delete them."))
    for chunk in chunks:
        gone.extend(uploads.files_deleted_with(Enterprise, chunk))
        Enterprise.delete().where(Enterprise.id.in_(chunk)).execute()


def _restored_values(before: dict) -> dict:
    values = {}
    for key, value in before.items():
        field = getattr(Project, key)
        values[field] = field.python_value(value) if value is not None else None
    return values

