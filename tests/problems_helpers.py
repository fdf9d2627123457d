"""Helpers for the problems tests."""
import datetime as dt
import zoneinfo

from flask import current_app


def local_today() -> dt.date:
    """Today in the deployment's time zone, as the portal counts deadlines (tests run near midnight UTC)."""
    try:
        tz = current_app.config["TZ"]
    except RuntimeError:
        import os
        tz = zoneinfo.ZoneInfo(os.environ.get("PORTAL_TIMEZONE", "Asia/Shanghai"))
    return dt.datetime.now(tz).date()
