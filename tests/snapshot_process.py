"""One portal process for tests/test_snapshot_processes.py: waits for the start signal, then freezes
the pending weeks as `portal snapshot` does ("cli") or as the first request of a week does
("request"), or stores the figures of weeks frozen before migration 0012 as `portal db upgrade`
does ("upgrade"). What it froze, and any error, goes to its log on stderr.

    python -m tests.snapshot_process MODE DATABASE_URL INSTANCE_PATH START_FILE
"""
import logging
import sys
import time
from pathlib import Path

from portal import create_app
from portal.db import database
from portal.scheduling import snapshots as S


def main(mode, url, instance, start_file):
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(levelname)s %(message)s")
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": instance, "SECRET_KEY": "s", "DEFAULT_LOCALE": "en",
                      "SCHEDULING_AUTO_SNAPSHOT": True, "SCHEDULING_REQUEST_CATCHUP_WEEKS": 20})
    while not Path(start_file).exists():  # both processes start at the same moment
        time.sleep(0.005)
    if mode == "request":
        assert app.test_client().get("/login").status_code == 200
        return
    with app.app_context(), database.connection_context():
        if mode == "cli":
            S.freeze_pending(max_weeks=20)
        else:
            S.freeze_missing_figures()


if __name__ == "__main__":
    main(*sys.argv[1:])
