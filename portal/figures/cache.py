"""A small cache of expensive figures, keyed by a change stamp: a change to the data (in any
process: the stamp is read from the database) is seen at once."""
from __future__ import annotations

import threading
import time
from collections import OrderedDict

import peewee
from flask import current_app
from peewee import fn

from portal.db import database
from portal.models import AuditLog, CapitalEntry, Project, StageChange

_cache_lock = threading.Lock()
CACHE_SIZE = 128


def change_stamp() -> tuple:
    """Changes whenever projects, their stage history, capital or any audited record change:
    the highest id of each table (one indexed lookup each). Every change to a project is
    audited (portal.audit), so edits and verifications give a new stamp too. One query (read
    afresh for every cached result: a request may change data between two of them)."""
    highest = [model.select(fn.MAX(model.id)) for model in (AuditLog, Project, StageChange, CapitalEntry)]
    return tuple(database.execute(peewee.Select(columns=highest)).fetchone())


def cached(key: tuple, compute_fn):
    """``compute_fn()``, kept per application for FIGURES_CACHE_SECONDS (default 300; 0: off)
    under ``key`` plus the change stamp, so a change to the data is seen at once.
    The result is shared between requests: callers treat it as read-only."""
    try:
        app = current_app._get_current_object()
    except RuntimeError:
        return compute_fn()
    max_age = float(app.config.get("FIGURES_CACHE_SECONDS", 300) or 0)
    if max_age <= 0:
        return compute_fn()
    full_key = (key, change_stamp())
    store = app.extensions.setdefault("figures_cache", OrderedDict())
    now = time.monotonic()
    with _cache_lock:
        hit = store.get(full_key)
        if hit is not None and now - hit[0] <= max_age:
            store.move_to_end(full_key)
            return hit[1]
    result = compute_fn()
    with _cache_lock:
        store[full_key] = (now, result)
        while len(store) > CACHE_SIZE:
            store.popitem(last=False)
    return result
