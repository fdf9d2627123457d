"""Undo of an import of units, users, investors or capital entries: the same rule as for projects
(``batches.undo``): undone while nothing has changed or used its records since.

Each list's ``write`` names what it created or updated through ``Items`` (one ``ImportItem`` a
record, with the values it replaced and the values it wrote). Undo deletes what the batch created
and restores what it updated, in one transaction, or refuses saying what blocks it: a record
changed since (its values are no longer the imported ones), a unit that got projects, users or
units below it, a user who signed in, an investor that got projects.
"""
from __future__ import annotations

import peewee
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import audit, plugins, uploads
from portal.db import database
from portal.models import CapitalEntry, Enterprise, ImportBatch, ImportItem, Project, Unit, User
from portal.models.fields import utcnow
from portal.models.sessions import SignInEvent
from portal.projects.importing.batches import ImportRefused, investors_with_records

#: entity -> its model; the names ``ImportItem.entity`` uses.
MODELS = {"unit": Unit, "user": User, "enterprise": Enterprise, "capital_entry": CapitalEntry}
#: Most reasons listed when an undo is refused.
REASONS = 20


def plain(value):
    """A value as the item stores it: a record by its id, the rest as the audit log writes it."""
    if isinstance(value, peewee.Model):
        return value.id
    return audit._plain(value)


def snapshot(record, keys) -> dict:
    """The record's values of ``keys`` (field names; a foreign key by its id)."""
    return {key: plain(record.__data__.get(key)) for key in keys}


class Items:
    """What a list import created or updated, as the batch's items (written in its transaction)."""

    def __init__(self, batch: ImportBatch, entity: str):
        self.batch, self.entity = batch, entity
        self.rows: list[dict] = []

    def created(self, record, keys) -> None:
        self._add(record.id, "created", None, snapshot(record, keys))

    def updated(self, before_record, after: dict) -> None:
        """``before_record``: the record as read before the import wrote ``after`` (field -> value)."""
        self._add(before_record.id, "updated", snapshot(before_record, after), {k: plain(v) for k, v in after.items()})

    def _add(self, record_id, action, before, after) -> None:
        self.rows.append({"batch": self.batch.id, "entity": self.entity, "entity_id": record_id, "action": action,
                          "version_after": 0, "before": before, "after": after})

    def save(self) -> None:
        for start in range(0, len(self.rows), 200):
            ImportItem.insert_many(self.rows[start:start + 200]).execute()


def _name(entity: str, record) -> str:
    if entity == "user":
        return record.username
    if entity == "capital_entry":
        return f"{record.project.name} {record.on_date.isoformat()}"
    return record.name


def blockers(batch: ImportBatch) -> list[str]:
    """Why the batch can no longer be undone (empty: it can)."""
    items = list(ImportItem.select().where(ImportItem.batch == batch.id).order_by(ImportItem.id))
    reasons = []
    if not items and (batch.created_count or batch.updated_count):
        reasons.append(_("it was imported before imports of this list could be undone"))
    for entity, model in MODELS.items():
        mine = [i for i in items if i.entity == entity]
        if not mine:
            continue
        records = {r.id: r for r in model.select().where(model.id.in_([i.entity_id for i in mine]))}
        created = [i.entity_id for i in mine if i.action == "created" and i.entity_id in records]
        for item in mine:
            record = records.get(item.entity_id)
            if record is None:
                if item.action == "updated":
                    reasons.append(_("a record the import updated was deleted"))
            elif snapshot(record, item.after or {}) != (item.after or {}):
                reasons.append(_("“%(name)s” was changed", name=_name(entity, record)))
        for record_id, message in _uses(entity, created):
            reasons.append(message % {"name": _name(entity, records[record_id])})
    return reasons


def _uses(entity: str, ids: list[int]):
    """(id, message) for each created record that something else now uses."""
    if not ids:
        return
    if entity == "unit":
        checks = ((Project.select(Project.responsible_unit).where(Project.responsible_unit.in_(ids)),
                   _l("unit “%(name)s” has projects")),
                  (User.select(User.unit).where(User.unit.in_(ids)), _l("unit “%(name)s” has users")),
                  (Unit.select(Unit.parent).where(Unit.parent.in_(ids), Unit.id.not_in(ids)),
                   _l("unit “%(name)s” has units below it")))
    elif entity == "user":
        signed_in = User.select(User.id).where(User.id.in_(ids), User.last_login_at.is_null(False))
        events = SignInEvent.select(SignInEvent.user).where(SignInEvent.user.in_(ids), SignInEvent.kind == "sign_in")
        checks = ((signed_in | events, _l("user “%(name)s” has signed in")),)
    elif entity == "enterprise":
        checks = ((Project.select(Project.enterprise).where(Project.enterprise.in_(ids)),
                   _l("investor “%(name)s” has projects")),)
        for record_id in sorted(investors_with_records(ids)):
            yield record_id, str(_l("investor “%(name)s” has records added since (visits)"))
    else:
        checks = ()
    for query, message in checks:
        for record_id in sorted({row[0] for row in query.tuples()}):
            yield record_id, str(message)


def undo(batch: ImportBatch, user) -> None:
    """Delete what the batch created and restore what it updated, or raise ImportRefused."""
    if batch.state != "imported":
        raise ImportRefused(_l("This import cannot be undone."))
    reasons = blockers(batch)
    if reasons:
        raise ImportRefused(_l("Records changed or were used after the import, so it can no longer be undone: "
                               "%(reasons)s.", reasons="；".join(reasons[:REASONS])))
    note = _("Undo of %(batch)s", batch=_("Import #%(id)s (%(file)s)", id=batch.id, file=batch.file_name))
    try:
        with uploads.deleted_once_committed() as gone:
            projects = _undo_items(batch, user, note, gone)
    except peewee.IntegrityError:  # records added since that name them (a unit's weekly report …)
        raise ImportRefused(_l("Records were added since that use the imported ones, so the import can no longer "
                               "be undone.")) from None
    if projects:
        plugins.projects_changed(projects, "capital", user)


def _undo_items(batch: ImportBatch, user, note: str, gone: list[str]) -> list[int]:
    """Undo in one transaction; ``gone`` gets the stored files deleted with the records (the files
    of contacts logged with an imported investor since), deleted from disk once it committed."""
    projects: set[int] = set()
    with database.atomic():
        items = list(ImportItem.select().where(ImportItem.batch == batch.id).order_by(ImportItem.id.desc()))
        records = {}
        for entity, model in MODELS.items():
            ids = [i.entity_id for i in items if i.entity == entity]
            if ids:
                records.update({(entity, r.id): r for r in model.select().where(model.id.in_(ids))})
        # Restore first (a unit moved below a new one goes back), then delete, children before parents.
        for item in sorted(items, key=lambda i: i.action != "updated"):
            record = records.get((item.entity, item.entity_id))
            if record is None:
                continue
            if item.action == "updated":
                changes = _restore(item, record)
            else:
                gone.extend(uploads.files_deleted_with(type(record), [record.id]))
                record.delete_instance()
                changes = {"deleted": True}
            if item.entity == "capital_entry":  # audited on the project, as the capital entry pages do
                projects.add(record.project_id)
                audit.record("import_undo", "project", record.project_id,
                             dict(changes, on_date=[record.on_date.isoformat()] * 2), note=note, user=user)
            else:
                audit.record("import_undo", item.entity, item.entity_id, changes, note=note, user=user)
        ImportBatch.update(state="undone", undone_at=utcnow(), undone_by=user.id).where(
            ImportBatch.id == batch.id).execute()
        audit.record("import_undo", "import_batch", batch.id, {}, note=batch.file_name, user=user)
    return sorted(projects)


def _restore(item: ImportItem, record) -> dict:
    """Put back the values the import replaced; the changes, as the audit log writes them."""
    fields = record._meta.fields
    for key, value in (item.before or {}).items():
        setattr(record, key, fields[key].python_value(value) if value is not None else None)
    if isinstance(record, Unit):
        record.save_with_path()  # a unit moved back moves its subtree back
    else:
        record.save()
    return {key: [(item.after or {}).get(key), value] for key, value in (item.before or {}).items()}
