"""The audited import batch: the uploaded file kept under the batch, applied in one transaction
(all rows or none), undone while nothing has changed its projects since."""
from __future__ import annotations

import secrets
from pathlib import Path

import peewee

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import audit, permissions, plugins
from portal.db import database
from portal.models import AuditLog, Enterprise, ImportBatch, ImportItem, Project, StageChange
from portal.models.fields import utcnow
from portal.projects.importing import fastsql, planning
from portal.projects.importing.sheets import check_extension
from portal.stages import enter_history, refresh_counted

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


class BatchWriter:
    """Writes a batch's rows: projects, investors, stage changes, history and the batch's items."""

    def __init__(self, batch: ImportBatch, user):
        self.batch, self.user, self.note = batch, user, label(batch)
        self.projects = fastsql.Inserter(Project)
        self.stage_changes = fastsql.Inserter(StageChange)  # of updated projects: their ids undo them
        self.new_stage_changes = fastsql.Buffer(StageChange)  # of created projects: undone with them
        self.items = fastsql.Buffer(ImportItem)
        self.enterprises = fastsql.Inserter(Enterprise)
        self.audit_entries = fastsql.Buffer(AuditLog)
        self.investor_ids: dict[tuple, int] = {}  # (name, code) -> id, for investors named on many rows

    def investor(self, investor: dict | None) -> tuple[int | None, int | None]:
        """(enterprise id, id if this import created it): by unified social credit code, then by
        exact name; otherwise created."""
        if not investor:
            return None, None
        key = (investor["name"], investor["credit_code"])
        if key in self.investor_ids:
            return self.investor_ids[key], None
        name, code = key
        found = fastsql.first_id(fastsql.ENTERPRISE_BY_CODE, code) if code else None
        if found is None:
            found = (fastsql.first_id(fastsql.ENTERPRISE_BY_NAME_AND_CODE, name, code) if code
                     else fastsql.first_id(fastsql.ENTERPRISE_BY_NAME, name))
            if found is not None and code:
                (Enterprise.update(credit_code=code)
                 .where(Enterprise.id == found, Enterprise.credit_code.is_null()).execute())
        created = None
        if found is None:
            found = created = self.enterprises.insert(name=name, credit_code=code)
            self.audit("create", "enterprise", created, audit.diff({}, {"name": name, "credit_code": code}))
        self.investor_ids[key] = found
        return found, created

    def audit(self, action: str, entity: str, entity_id: int, changes: dict, note: str = "") -> None:
        self.audit_entries.add(**audit.entry_values(action, entity, entity_id, changes, note, self.user))

    def row(self, plan: planning.RowPlan) -> int:
        values = dict(plan.fields)
        enterprise_created = None
        if plan.investor:
            values["enterprise"], enterprise_created = self.investor(plan.investor)
        if plan.project is None:
            if values.get("total_investment") is None:
                values["total_investment"] = 0
            project_id = self.projects.insert(created_by=self.user.id, **values)
            changes = audit.diff({}, _named(dict(values, enterprise=(plan.investor or {}).get("name"))))
            before, action, version = None, "created", 1
        else:
            project_id, before, changes, version = self._update(plan.project, values)
            action = "updated"
        if action == "created":  # deleting the project deletes them
            enter_history(project_id, plan.new_dates, self.user, self.note, insert=self.new_stage_changes.add)
            change_ids = []
        else:
            change_ids = enter_history(project_id, plan.new_dates, self.user, self.note,
                                       insert=self.stage_changes.insert)
        self.audit("import", "project", project_id, changes, note=self.note)
        self.items.add(batch=self.batch.id, project=project_id, action=action, version_after=version,
                       before=before, stage_change_ids=change_ids, enterprise_created=enterprise_created)
        return project_id

    def flush(self) -> None:
        """Write the buffered rows (before anything reads them)."""
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


def _after_import(project_ids: list[int], user) -> None:
    """Counted milestone dates, then the plugins told (flags, reviews) once for the whole batch."""
    refresh_counted(project_ids)
    plugins.projects_changed(project_ids, "import", user)


def apply(batch: ImportBatch, user) -> ImportBatch:
    """Import every row in one transaction; raises ImportRefused (nothing saved) on any problem."""
    if batch.state != "preview":
        raise ImportRefused(_l("This import has been confirmed or discarded already."))
    if not permissions.can_import_projects(user):
        raise ImportRefused(_l("You may not import projects."))
    path = file_path(batch)
    layout = planning.layout_of(path, batch.file_name, batch.mapping)
    result = planning.Preview(layout)
    if not layout.header_row or layout.missing_required():
        raise ImportRefused(_l("The sheet has problems. Nothing was imported."), result)
    touched: list[int] = []
    with database.atomic() as transaction:
        writer = BatchWriter(batch, user)
        for plan in planning.plan_rows(path, batch.file_name, layout):
            result.add(plan)
            if plan.action in ("create", "update") and not result.problem_count:
                touched.append(writer.row(plan))
        writer.flush()
        if not result.ok:
            transaction.rollback()
            raise ImportRefused(_l("The sheet has problems. Nothing was imported."), result)
        _after_import(touched, user)
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
        restored = _undo_items(batch, user, note)
    except peewee.IntegrityError:  # records added to a project since (reports, problems …) keep it
        raise ImportRefused(_l("Records were added to the imported projects since, so the import can no longer "
                               "be undone.")) from None
    plugins.projects_changed(restored, "import", user)


def _undo_items(batch: ImportBatch, user, note: str) -> list[int]:
    with database.atomic():
        restored = []
        for item in ImportItem.select().where(ImportItem.batch == batch.id).iterator():
            if item.project_id is None:
                continue
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
            if item.enterprise_created and not Project.select().where(
                    Project.enterprise == item.enterprise_created).exists():
                Enterprise.delete().where(Enterprise.id == item.enterprise_created).execute()
        refresh_counted(restored)
        ImportBatch.update(state="undone", undone_at=utcnow(), undone_by=user.id).where(
            ImportBatch.id == batch.id).execute()
        audit.record("import_undo", "import_batch", batch.id, {}, note=batch.file_name, user=user)
    return restored


def _restored_values(before: dict) -> dict:
    values = {}
    for key, value in before.items():
        field = getattr(Project, key)
        values[field] = field.python_value(value) if value is not None else None
    return values

