"""Deployment settings an administrator changes in the portal, and plugin states."""
import peewee

from portal.db import BaseModel
from portal.models.fields import utcnow


class Setting(BaseModel):
    """A key/value setting shared by every process (never cached in process memory)."""

    key = peewee.CharField(max_length=100, primary_key=True)
    value = peewee.TextField()

    @classmethod
    def get_value(cls, key, default=None):
        row = cls.get_or_none(cls.key == key)
        return default if row is None else row.value

    @classmethod
    def get_value_per_request(cls, key, default=None):
        """``get_value``, read once per request (remembered on ``flask.g``, never across requests)."""
        from portal.web import per_request

        value = per_request(("setting", key), lambda: cls.get_value(key))
        return default if value is None else value

    @classmethod
    def set_value(cls, key, value):
        from portal.web import forget_per_request

        forget_per_request(("setting", key))
        with cls._meta.database.atomic():
            if cls.update(value=str(value)).where(cls.key == key).execute() == 0:
                cls.insert(key=key, value=str(value)).execute()
        forget_per_request(("setting", key))


class PluginState(BaseModel):
    """Which plugins an administrator disabled; read at start-up before plugins load."""

    name = peewee.CharField(max_length=100, primary_key=True)
    enabled = peewee.BooleanField(default=True)
    changed_at = peewee.DateTimeField(default=utcnow)


class PluginFailureRecord(BaseModel):
    """A plugin's failure in a hook, kept for every process (one row per plugin and hook)."""

    plugin = peewee.CharField(max_length=100)
    hook = peewee.CharField(max_length=100)
    message = peewee.TextField()  # the latest failure's
    first_at = peewee.DateTimeField(default=utcnow)
    last_at = peewee.DateTimeField(default=utcnow)
    count = peewee.IntegerField(default=1)

    class Meta:
        indexes = ((("plugin", "hook"), True),)
