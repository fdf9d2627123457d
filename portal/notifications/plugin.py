"""Registers the notifications feature: its pages, the portal's own kinds and the once-a-day
run of the scheduled kinds."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal import hookimpl, timeutil
from portal.notifications import daily, scheduled, service
from portal.notifications.views import bp, unread_notifications
from portal.request_jobs import run_once_per



@bp.before_app_request
def _notify_daily():
    """The day's scheduled notifications (``NOTIFY_AUTO_DAILY``, off in tests)."""
    day = timeutil.today()
    run_once_per("notifications", day, "NOTIFY_AUTO_DAILY", lambda: daily.run(day))


@hookimpl
def portal_blueprints():
    return [bp]


@hookimpl
def portal_template_globals():
    return {"unread_notifications": unread_notifications, "NOTIFICATION_BADGE_CAP": service.BADGE_CAP}


@hookimpl
def portal_history_labels():
    return {"actions": {"notification_preferences": _l("Notification choices")}}


@hookimpl
def portal_notification_kinds():
    return list(scheduled.KINDS)
