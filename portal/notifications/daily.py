"""The scheduled notifications: ``run()`` sends every scheduled kind's due items once.

Called by ``portal notify`` (cron) and on the first request of each day in each process, so
several processes run it the same day: each kind's day is claimed by inserting a
``NotificationSend`` row (unique kind, subject and key: ``day:2026-12-01``) in the transaction
that writes its notifications; a process that loses the insert (it waits for the winner's
commit first) skips the kind. Each item sent is recorded too, so the collectors' SQL leaves it
out on later days (a reminder goes out once, a weekly one once a week)."""
from __future__ import annotations

import datetime as dt
import logging

import peewee

from portal import timeutil
from portal.db import database
from portal.models.notifications import NotificationSend
from portal.notifications import kinds, service

log = logging.getLogger(__name__)


def _claim_day(kind: str, today: dt.date) -> bool:
    """Take the day's run of ``kind`` for this process; False when another took it (and sent it)."""
    try:
        with database.atomic():
            NotificationSend.insert(kind=kind, subject_id=0, key=f"day:{today.isoformat()}").execute()
        return True
    except peewee.IntegrityError:  # another process ran it today (or is running it now: we waited for it)
        return False


def run(today: dt.date | None = None) -> dict[str, int]:
    """Send the due items of every scheduled kind; ``{kind: notifications created}``. Each kind
    runs in its own transaction, claimed for the day first, and records every item it sent
    (its key keeps the item out of later days' selections); a few queries per kind, however
    many items. A kind whose collector fails is logged and skipped (the others still go out;
    its claim is rolled back with it, so the next run retries)."""
    today = today or timeutil.today()
    sent: dict[str, int] = {}
    for kind in kinds.scheduled():
        try:
            with database.atomic():
                if not _claim_day(kind.code, today):
                    sent[kind.code] = 0
                    continue
                due = list(kind.daily(today))
                counts = service.send_many(kind.code, [(d.user_ids, d.args, d.link) for d in due])
                rows = [{"kind": kind.code, "subject_id": d.subject_id, "key": d.key, "count": n}
                        for d, n in zip(due, counts)]
                for start in range(0, len(rows), 500):
                    NotificationSend.insert_many(rows[start:start + 500]).execute()
            sent[kind.code] = sum(counts)
        except Exception:  # noqa: BLE001 - one kind's failure must not stop the others
            log.exception("scheduled notifications of kind %s failed", kind.code)
    return sent

