"""Merges of duplicate investors and projects (portal.merging): what moved, so a merge can be undone."""
import peewee

from portal.db import BaseModel
from portal.models.fields import JSONField, utcnow
from portal.models.org import User


class MergeRecord(BaseModel):
    """One merge: the duplicate folded into the survivor.

    ``moved`` is ``{"table.column": [row ids]}``: the rows whose reference was moved from the
    duplicate to the survivor (undo moves exactly these back). ``duplicate`` keeps the
    duplicate's own columns: a merged investor is deleted and re-created by the undo, a merged
    project is archived and its earlier archived state restored."""

    entity = peewee.CharField(max_length=10)  # "investor" | "project"
    survivor_id = peewee.IntegerField()
    duplicate_id = peewee.IntegerField()
    duplicate_name = peewee.CharField(max_length=200)
    duplicate = JSONField(null=True)
    moved = JSONField(null=True)
    by = peewee.ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    at = peewee.DateTimeField(default=utcnow)
    undone_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    undone_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "merge_record"
        indexes = ((("entity", "survivor_id"), False), (("entity", "duplicate_id"), False))
