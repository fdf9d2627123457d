"""The scheduled notifications: ``run()`` sends every scheduled kind's due items once.

Called by ``portal notify`` (cron) and on the first request of each day in each process, so
several processes run it the same day: each item is claimed by inserting its
``NotificationSend`` row (unique kind, subject and key) before its notifications are written,
in the same transaction; the process that loses the insert skips the item."""
from __future__ import annotations

import datetime as dt
import logging

import peewee
from flask import current_app, request

from portal import timeutil
from portal.db import database
from portal.models.notifications import NotificationSend
from portal.notifications import kinds, service

log = logging.getLogger(__name__)


def _claim(kind: str, due) -> bool:
    try:
        with database.atomic():
            NotificationSend.insert(kind=kind, subject_id=due.subject_id, key=due.key).execute()
        return True
    except peewee.IntegrityError:  # another process sent it (or is sending it now)
        return False


def run(today: dt.date | None = None) -> dict[str, int]:
    """Send the due items of every scheduled kind; ``{kind: notifications created}``. A kind
    whose collector fails is logged and skipped (the others still go out; tomorrow retries)."""
    today = today or timeutil.today()
    sent: dict[str, int] = {}
    for kind in kinds.scheduled():
        try:
            with database.atomic():
                count = 0
                for due in kind.daily(today):
                    if _claim(kind.code, due):
                        created = service.send(due.user_ids, kind.code, due.args, due.link)
                        NotificationSend.update(count=created).where(
                            NotificationSend.kind == kind.code, NotificationSend.subject_id == due.subject_id,
                            NotificationSend.key == due.key).execute()
                        count += created
            sent[kind.code] = count
        except Exception:  # noqa: BLE001 - one kind's failure must not stop the others
            log.exception("scheduled notifications of kind %s failed", kind.code)
    return sent


SKIP_ENDPOINTS = {None, "static", "home.healthz"}


def run_once_a_day() -> None:
    """Before the first request of each day in this process (``NOTIFY_AUTO_DAILY``, off in tests)."""
    app = current_app
    if request.endpoint in SKIP_ENDPOINTS or not app.config.get("NOTIFY_AUTO_DAILY", not app.testing):
        return
    state = app.extensions.setdefault("notifications", {})
    day = timeutil.today()
    if state.get("day") == day:
        return
    state["day"] = day
    try:
        run(day)
    except Exception:  # noqa: BLE001 - a page must not fail because the reminders did; tomorrow (or the CLI) retries
        log.exception("daily notifications failed")
        state.pop("day", None)
