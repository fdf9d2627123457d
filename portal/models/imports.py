"""Imports: an audited batch per imported sheet and the projects it created or updated."""
import peewee

from portal.db import BaseModel
from portal.models.fields import JSONField, utcnow
from portal.models.org import User
from portal.models.projects import Project

#: preview: uploaded, not saved; imported; undone; discarded (the importer cancelled it).
BATCH_STATES = ("preview", "imported", "undone", "discarded")


class ImportBatch(BaseModel):
    """One uploaded sheet: who, when, which file, the column mapping chosen, the counts and state.

    The file itself is kept under the uploads folder (``imports/<stored_name>``) until it is
    imported or discarded, so any server process can show the preview and apply it."""

    kind = peewee.CharField(max_length=20, default="projects")
    user = peewee.ForeignKeyField(User, backref="import_batches", on_delete="RESTRICT")
    created_at = peewee.DateTimeField(default=utcnow)
    file_name = peewee.CharField(max_length=200)
    stored_name = peewee.CharField(max_length=64)
    mapping = JSONField(null=True)  # {"column index": field key or ""} chosen by the importer
    state = peewee.CharField(max_length=16, default="preview")
    created_count = peewee.IntegerField(default=0)
    updated_count = peewee.IntegerField(default=0)
    skipped_count = peewee.IntegerField(default=0)
    imported_at = peewee.DateTimeField(null=True)
    undone_at = peewee.DateTimeField(null=True)
    undone_by = peewee.ForeignKeyField(User, null=True, backref="undone_imports", on_delete="RESTRICT")

    class Meta:
        indexes = ((("state", "created_at"), False),)


class ImportItem(BaseModel):
    """A record a batch created or updated: a project, with its version right after the import (undo is
    refused once it moved on), the values it replaced and the stage changes it added."""

    batch = peewee.ForeignKeyField(ImportBatch, backref="items", on_delete="CASCADE")
    project = peewee.ForeignKeyField(Project, null=True, backref="import_items", on_delete="SET NULL")
    action = peewee.CharField(max_length=10)  # created, updated
    version_after = peewee.IntegerField()
    before = JSONField(null=True)
    stage_change_ids = JSONField(null=True)
    enterprise_created = peewee.IntegerField(null=True)  # an investor the import created
    # The other lists (``lists.ListKind``): the record an item names (project is then None) and
    # its imported values, as ``audit._plain`` writes them.
    entity = peewee.CharField(max_length=20, default="project")  # project, unit, user, enterprise, capital_entry
    entity_id = peewee.IntegerField(null=True)
    after = JSONField(null=True)
