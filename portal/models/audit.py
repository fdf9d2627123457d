"""The audit log: who changed what, when, from what to what."""
import peewee

from portal.db import BaseModel
from portal.models.fields import JSONField, utcnow
from portal.models.org import User


class AuditLog(BaseModel):
    at = peewee.DateTimeField(default=utcnow, index=True)
    user = peewee.ForeignKeyField(User, null=True, backref="audit_entries", on_delete="RESTRICT")
    action = peewee.CharField(max_length=32)  # create, edit, stage, verify, archive, restore, …
    entity = peewee.CharField(max_length=32)  # project, unit, user, …
    entity_id = peewee.IntegerField()
    # {"field": [old, new], …} or free details for the action
    changes = JSONField(null=True)
    note = peewee.TextField(default="")
    # The API token the change came through (portal/api), None for the pages: a leaked token's
    # writes can be found. A plain id: tokens are revoked, never deleted.
    api_token_id = peewee.IntegerField(null=True)

    class Meta:
        indexes = ((("entity", "entity_id", "at"), False),)
