"""The seeded benchmark database the dashboard and ranking benchmarks share.

``open_app(projects, database_url)`` gives a Flask app on a database holding the demo
city, ``projects`` seeded projects with their stage histories (``portal seed``),
capital in place for a fifth of them and a target for every figure of every assessed
unit this year. A database that already holds the projects (``--database-url`` of an
earlier run) is reused as it is, so several benchmarks can run on one seed (seeding
100,000 projects takes about five minutes on the development machine).
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal import create_app, schema  # noqa: E402
from portal.db import database  # noqa: E402

PASSWORD = "bench-password-1"


def arguments(doc: str, argv=None) -> argparse.Namespace:
    """The options both benchmarks take: --projects, --runs, --modes, --database-url."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--modes", default="cold,warm", help="cold (cache off), warm (cache on), or both")
    parser.add_argument("--database-url", default="", help="keep the seeded database here and reuse it next time")
    return parser.parse_args(argv)


def open_app(projects: int, database_url: str = ""):
    """A Flask app on a seeded database (a temporary SQLite file unless ``database_url``)."""
    folder = tempfile.mkdtemp(prefix="bench-")
    url = database_url or f"sqlite:///{folder}/bench.sqlite3"
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": folder, "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False, "DEFAULT_LOCALE": "en", "LOGIN_SLOW_AFTER": 100})
    with app.app_context(), database.connection_context():
        _prepare(projects)
    return app


def _prepare(projects: int) -> None:
    from portal.demo import build_demo
    from portal.models import Project
    from portal.projects.seed import seed_projects

    today = dt.date.today()
    schema.upgrade()
    have = Project.select().count()
    if have >= projects:
        print(f"reusing the database: {have} projects")
    else:
        build_demo(PASSWORD, today)
        started = time.monotonic()
        seed_projects(projects, rng=random.Random(11), today=today)
        print(f"seeded {projects} projects in {time.monotonic() - started:.0f} s")
        _add_capital(projects, today)
    _add_targets(today)
    # The rule plugins' answers (flags, reviews) as a start recomputes them, with their fingerprint
    # stored: otherwise each benchmark's `portal db upgrade` of a copy recomputes every project again.
    from portal import rule_plugins

    rule_plugins.recompute_if_changed(echo=print)
    _maintain()


def _maintain() -> None:
    """Statistics for the planner, as a maintained database has them. On PostgreSQL also
    VACUUM (autovacuum does it in production): it marks pages all-visible, without which
    the figures' index-only scans read every row from the table."""
    import peewee

    db = database.obj
    if isinstance(db, peewee.PostgresqlDatabase):
        conn = db.connection()
        db.commit()
        conn.autocommit = True
        try:
            conn.cursor().execute("VACUUM ANALYZE")
        finally:
            conn.autocommit = False
    else:
        database.execute_sql("ANALYZE")


def _add_capital(projects: int, today: dt.date) -> None:
    from portal.models import CapitalEntry, Project, User

    rng = random.Random(5)
    signed = [pid for (pid,) in Project.select(Project.id).where(Project.signed_on.is_null(False)).tuples()]
    by = User.get(User.username == "bureau").id
    entries = [{"project": pid, "on_date": today - dt.timedelta(days=rng.randint(0, 500)),
                "amount": Decimal(rng.randint(100, 50000)), "by": by, "at": dt.datetime.utcnow()}
               for pid in rng.sample(signed, min(len(signed), projects // 5))]
    for chunk in range(0, len(entries), 500):
        with database.atomic():
            CapitalEntry.insert_many(entries[chunk:chunk + 500]).execute()
    print(f"{len(entries)} capital entries")


def _add_targets(today: dt.date) -> None:
    """A target for every figure of every assessed unit this year (replacing earlier ones)."""
    from portal.models import UnitTarget
    from portal.ranking.targets import TARGET_FIGURES, assessed_units

    rng = random.Random(7)
    rows = []
    for unit in assessed_units():
        for figure in TARGET_FIGURES:
            value = {"count": rng.randint(5, 200), "amount": rng.randint(10000, 5000000),
                     "usd": rng.randint(100, 50000), "rate": rng.randint(50, 95)}[figure.kind]
            rows.append({"year": today.year, "unit": unit.id, "figure": figure.code, "value": Decimal(value),
                         "updated_at": dt.datetime.utcnow()})
    with database.atomic():
        UnitTarget.delete().where(UnitTarget.year == today.year).execute()
        UnitTarget.insert_many(rows).execute()


def login(app):
    client = app.test_client()
    assert client.post("/login", data={"username": "bureau", "password": PASSWORD}).status_code == 303
    return client


def timed(client, url: str, runs: int, headers=None) -> list[float]:
    """Milliseconds of ``runs`` requests after one warm-up request (not counted)."""
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return times


#: Cold: the figures cache off, every request runs its SQL, as the first request after any
#: change does. Warm: the change-stamp cache on (the default), the data unchanged.
MODES = (("cold", 0), ("warm", 300))


def run_cases(app, client, cases, modes: str, runs: int) -> bool:
    """Time each ``(label, path, budget ms or None, headers)`` in each mode; True when a
    budgeted median is over its budget in any mode."""
    failed = False
    for mode, seconds in [m for m in MODES if m[0] in modes.split(",")]:
        app.config["FIGURES_CACHE_SECONDS"] = seconds
        print(f"--- {mode} ({'cache off' if not seconds else 'change-stamp cache on'})")
        for label, path, budget, headers in cases:
            times = timed(client, path, runs, headers)
            median = statistics.median(times)
            over = budget is not None and median > budget
            failed |= over
            print(f"{label:32} median {median:7.1f} ms  max {max(times):7.1f} ms"
                  + (f"  OVER BUDGET ({budget} ms)" if over else ""))
    return failed
