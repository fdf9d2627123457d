"""SQLite's planner statistics kept up with the tables as they grow.

SQLite plans a query from the statistics ``ANALYZE`` leaves in ``sqlite_stat1``; with none, it
guesses, and with 100,000 projects it guessed badly: the meeting (/scheduling) took 733 ms
instead of 32 and the all-projects list 126 ms instead of 10, reading every project through an
index led by ``archived``. A database filled by ``portal seed`` or an import is analyzed as it
grows (``portal.db.AnalyzeAsItGrows``); one that grew a project at a time through the pages never
was, and statistics taken when it was small keep describing a small database.

So the database is analyzed again once its projects number at least ``MIN_ROWS`` and twice or
half as many as the statistics recorded (``ANALYZE`` of the whole database: 0.65 s at 100,300
projects). Checked by ``portal db upgrade`` and once a day per process on the first request (one
count of the projects). PostgreSQL's autovacuum and MySQL's persistent statistics keep their own.
"""
from __future__ import annotations

import logging

import peewee
from flask import current_app

from portal import timeutil
from portal.db import backend, database
from portal.request_jobs import run_once_per

log = logging.getLogger(__name__)

#: Below this many projects every plan is quick: no statistics needed.
MIN_ROWS = 1000
#: Analyzed again when the projects are this many times as many as recorded, or as few.
GROWTH = 2


def recorded_projects() -> int | None:
    """How many projects the statistics describe (None: never analyzed)."""
    try:
        row = database.execute_sql("SELECT stat FROM sqlite_stat1 WHERE tbl = 'project' LIMIT 1").fetchone()
    except peewee.OperationalError:  # no sqlite_stat1: this database was never analyzed
        return None
    return int(row[0].split()[0]) if row and row[0] else None


def refresh_if_stale(min_rows: int = MIN_ROWS) -> bool:
    """``ANALYZE`` an SQLite database whose statistics are missing or describe another size; whether it ran."""
    if backend() != "sqlite":
        return False
    from portal.models import Project

    projects = Project.select().count()
    if projects < min_rows:
        return False
    recorded = recorded_projects()
    if recorded and recorded / GROWTH <= projects <= recorded * GROWTH:
        return False
    database.execute_sql("ANALYZE")
    log.info("planner statistics refreshed: %s projects (recorded: %s)", projects, recorded)
    return True


def init_app(app) -> None:
    """Checked on the first request of each day in each process (``portal.request_jobs``; off in tests
    unless PLANNER_STATISTICS_AUTO is set: a test's plans are its own)."""

    @app.before_request
    def _refresh_planner_statistics():
        min_rows = int(current_app.config.get("PLANNER_STATISTICS_MIN_ROWS", MIN_ROWS))
        run_once_per("planner_statistics", timeutil.today(), "PLANNER_STATISTICS_AUTO",
                     lambda: refresh_if_stale(min_rows))
