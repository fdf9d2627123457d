"""Jobs a serving process runs on its first request of a day (or a week): the sign-in housekeeping,
the scheduled notifications, the problems' overdue check, the freezing of a completed week and
SQLite's planner statistics. Each also has a command for cron; this is for a portal nobody
schedules anything for.

One rule for all of them (``run_once_per``): not for static files or /healthz, off in tests unless
its setting is on, at most once per period and process (the period is remembered in the process
only: the jobs are safe to run in several processes, each claims or checks its own work in the
database), and a failure is logged and retried by the next request, never failing the page.
"""
from __future__ import annotations

import logging
from typing import Callable

from flask import current_app, request

log = logging.getLogger(__name__)

#: Requests that run no job: static files and the health check (a load balancer's, every few seconds).
SKIP_ENDPOINTS = frozenset({None, "static", "home.healthz"})


def run_once_per(name: str, period, setting: str, job: Callable[[], object]) -> None:
    """Run ``job()`` before the first request of each ``period`` (a day, a week: any value that changes)
    in this process, where the app's ``setting`` is on (by default on, but off in tests).
    ``name``: the job's key among the app's extensions, and its name in the log."""
    app = current_app
    if request.endpoint in SKIP_ENDPOINTS or not app.config.get(setting, not app.testing):
        return
    state = app.extensions.setdefault(name, {})
    if state.get("period") == period:
        return
    state["period"] = period
    try:
        job()
    except Exception:  # noqa: BLE001 - a page must not fail because a job did; the next request retries
        log.exception("%s failed on a request", name)
        state.pop("period", None)
