"""Who wants which kind of notification, and which scheduled notifications went out (so a daily
run from several processes, or run twice, never sends the same reminder or digest again)."""
import peewee

from portal.db import BaseModel
from portal.models.fields import utcnow
from portal.models.org import User


class NotificationPreference(BaseModel):
    """A user's choice for one kind (portal.notifications.kinds); no row: the kind's default."""

    user = peewee.ForeignKeyField(User, backref="notification_preferences", on_delete="CASCADE")
    kind = peewee.CharField(max_length=20)
    enabled = peewee.BooleanField()
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "notification_preference"
        indexes = ((("user", "kind"), True),)


class NotificationSend(BaseModel):
    """One scheduled send: the kind, what it was about (a commitment, a project, a unit; 0 for a
    digest) and a key (the day, the week, "due" or "overdue"). Unique, so it is sent once."""

    kind = peewee.CharField(max_length=20)
    subject_id = peewee.IntegerField(default=0)
    key = peewee.CharField(max_length=20)
    sent_at = peewee.DateTimeField(default=utcnow)
    count = peewee.IntegerField(default=0)  # notifications it created

    class Meta:
        table_name = "notification_send"
        indexes = ((("kind", "subject_id", "key"), True),)
