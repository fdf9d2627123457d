"""Registers the notifications feature: its pages, the portal's own kinds (importing
``scheduled`` registers them) and the once-a-day run of the scheduled kinds."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal import hookimpl
from portal.labels import AUDIT_ACTION_LABELS
from portal.notifications import daily, scheduled  # noqa: F401  (scheduled registers the kinds)
from portal.notifications.views import bp

AUDIT_ACTION_LABELS.setdefault("notification_preferences", _l("Notification choices"))


@bp.before_app_request
def _notify_daily():
    daily.run_once_a_day()


@hookimpl
def portal_blueprints():
    return [bp]
