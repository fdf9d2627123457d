"""Which SQL statements an action sends: one helper for the tests that bound a page's queries."""
import contextlib

from portal.db import database


@contextlib.contextmanager
def queries_sent(monkeypatch):
    """Yields a list that fills with (sql, params) for every statement sent inside the block.
    Identifier quotes are normalised to double quotes, so one expected text fits every engine
    (MySQL quotes with backticks)."""
    real, sent = database.obj, []
    original = real.execute_sql

    def recording(sql, params=None, *args, **kwargs):
        sent.append((sql.replace("`", '"'), params))
        return original(sql, params, *args, **kwargs)

    monkeypatch.setattr(real, "execute_sql", recording)
    try:
        yield sent
    finally:
        monkeypatch.setattr(real, "execute_sql", original)
