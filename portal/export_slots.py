"""At most a few workbook downloads (``?format=xlsx``) built at once in each server process.

Building a workbook is seconds of CPU (a county's signed list at 100,000 projects: about a
second; every project: half a minute). A process serves with a fixed number of threads (8 by
default): eight exports at once held every thread and the other pages queued behind them for
up to 9 s. Past ``EXPORTS_AT_ONCE`` exports in a process, another is answered at once with 503
and ``Retry-After`` (a page saying to try again shortly), so the other threads stay free for
the pages. The limit is per process, sized well below the threads.
"""
from __future__ import annotations

import threading

from flask import g, request
from flask_babel import gettext as _

from portal.errors import render_error

#: What the 503 answer asks the browser (and the person) to wait before trying again.
RETRY_AFTER_SECONDS = 5


def is_export() -> bool:
    return request.args.get("format") == "xlsx"


def init_app(app) -> None:
    app.config.setdefault("EXPORTS_AT_ONCE", 2)
    slots = threading.BoundedSemaphore(max(1, int(app.config["EXPORTS_AT_ONCE"])))

    @app.before_request
    def _take_an_export_slot():
        if not is_export():
            return None
        if not slots.acquire(blocking=False):
            response, code, headers = render_error(503, _(
                "Other exports are being prepared right now. Please try again in a few seconds."))
            headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response, code, headers
        g.export_slot = True
        return None

    @app.teardown_request
    def _give_the_slot_back(_exc):
        if g.pop("export_slot", False):
            slots.release()
