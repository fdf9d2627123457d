"""Shared field helpers."""
import datetime as dt
import json

import peewee


def utcnow() -> dt.datetime:
    """Naive UTC timestamp: every stored datetime is UTC; pages show it in PORTAL_TIMEZONE."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class JSONField(peewee.TextField):
    """JSON stored as text, portable across SQLite, PostgreSQL and MySQL."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False, default=str)

    def python_value(self, value):
        return None if value is None else json.loads(value)


def money_field(**kwargs) -> peewee.DecimalField:
    """An exact amount in 万元 (or 万美元), two decimals, never a float."""
    return peewee.DecimalField(max_digits=16, decimal_places=2, auto_round=True, **kwargs)
