"""Benchmark: the dashboard with 100,000 projects (budgets: full page 300 ms, each panel 100 ms).

    /tmp/venv/bin/python bench/dashboard.py                    # SQLite in a temporary folder
    /tmp/venv/bin/python bench/dashboard.py --projects 20000 --runs 3
    /tmp/venv/bin/python bench/dashboard.py --database-url postgresql://postgres@127.0.0.1:5432/bench

Builds the demo city, seeds the projects with their stage histories (``portal seed``),
adds capital in place, then times server-side in one process with the Flask test
client (median of the runs after one warm-up request): the full dashboard for a year
for the whole city and for a county, the htmx swap, and each panel alone. Exits 1 when
a budgeted median is over its budget.
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

PAGE_BUDGET_MS = 300
PANEL_BUDGET_MS = 100
PASSWORD = "bench-password-1"


def prepare(projects: int) -> None:
    from portal.demo import build_demo
    from portal.models import CapitalEntry, Project, User
    from portal.projects.seed import seed_projects

    today = dt.date.today()
    schema.upgrade()
    if Project.select().count() >= projects:  # a kept benchmark database (--database-url)
        print(f"reusing {Project.select().count()} projects")
        database.execute_sql("ANALYZE")
        return
    build_demo(PASSWORD, today)
    started = time.monotonic()
    seed_projects(projects, rng=random.Random(11), today=today)
    print(f"seeded {projects} projects in {time.monotonic() - started:.0f} s")
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
    try:
        database.execute_sql("ANALYZE")  # statistics for the planner, as a maintained database has
    except Exception:  # noqa: BLE001 - not every backend takes a bare ANALYZE
        pass


def timed(client, url: str, runs: int, headers=None) -> list[float]:
    response = client.get(url, headers=headers)  # warm-up
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--modes", default="cold,warm", help="cold (cache off), warm (cache on), or both")
    parser.add_argument("--database-url", default="", help="keep the seeded database here and reuse it next time")
    args = parser.parse_args(argv)
    folder = tempfile.mkdtemp(prefix="bench-dashboard-")
    url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": folder, "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False, "DEFAULT_LOCALE": "en", "LOGIN_SLOW_AFTER": 100})
    with app.app_context(), database.connection_context():
        prepare(args.projects)
        from portal.models import Project, Unit

        county = (Unit.select().where(Unit.kind == "county")
                  .join(Project, on=(Project.responsible_unit == Unit.id)).group_by(Unit.id)
                  .order_by(Unit.id).first())
    client = app.test_client()
    assert client.post("/login", data={"username": "bureau", "password": PASSWORD}).status_code == 303
    year = dt.date.today().year
    from portal.dashboard.views import PANELS

    cases = [
        ("dashboard, city, year", f"/dashboard?period={year}", PAGE_BUDGET_MS, None),
        ("dashboard, county, year", f"/dashboard?period={year}&unit={county.id}", PAGE_BUDGET_MS, None),
        ("dashboard, city, htmx swap", f"/dashboard?period={year}-H1", PAGE_BUDGET_MS, {"HX-Request": "true"}),
    ]
    for name in PANELS:
        cases.append((f"panel {name}, city", f"/dashboard/panels/{name}?period={year}", PANEL_BUDGET_MS,
                      {"HX-Request": "true"}))
    for name in PANELS:
        cases.append((f"panel {name}, county", f"/dashboard/panels/{name}?period={year}&unit={county.id}",
                      PANEL_BUDGET_MS, {"HX-Request": "true"}))
    cases += [("summary, city, year", f"/dashboard/summary?period={year}", None, None),
              ("Excel workbook, city, year", f"/dashboard?period={year}&format=xlsx", None, None)]
    failed = False
    # Cold: the figures cache off, every request runs its SQL (as the first request after
    # any change does). Warm: the change-stamp cache on (the default), the data unchanged.
    modes = [m for m in (("cold", 0), ("warm", 300)) if m[0] in args.modes.split(",")]
    for mode, seconds in modes:
        app.config["FIGURES_CACHE_SECONDS"] = seconds
        print(f"--- {mode} ({'cache off' if not seconds else 'change-stamp cache on'})")
        for label, path, budget, headers in cases:
            times = timed(client, path, args.runs, headers)
            median = statistics.median(times)
            over = budget is not None and median > budget
            if mode == "warm":
                failed |= over
            print(f"{label:32} median {median:7.1f} ms  max {max(times):7.1f} ms"
                  + (f"  OVER BUDGET ({budget} ms)" if over else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
