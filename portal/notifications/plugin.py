"""Registers the notifications feature: its pages, the portal's own kinds and the once-a-day
run of the scheduled kinds."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal import hookimpl
from portal.notifications import daily, scheduled, service
from portal.notifications.views import bp, unread_notifications



@bp.before_app_request
def _notify_daily():
    daily.run_once_a_day()


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
