"""Benchmark: the dashboard with 100,000 projects (budget: 300 ms for the page and its htmx swap).

    /tmp/venv/bin/python bench/dashboard.py                    # SQLite in a temporary folder
    /tmp/venv/bin/python bench/dashboard.py --projects 20000 --runs 3
    /tmp/venv/bin/python bench/dashboard.py --database-url sqlite:////tmp/bench.sqlite3   # keep and reuse the seed
    /tmp/venv/bin/python bench/dashboard.py --database-url postgresql://postgres@127.0.0.1:5432/bench

Seeds the database (bench/seeded.py: demo city, projects with their stage histories,
capital in place), then times server-side in one process with the Flask test client
(median of the runs after one warm-up request): the full dashboard for a year for the
whole city and for a county, the htmx swap, each panel alone, the summary and the Excel
workbook, cold (figures cache off) and warm. Exits 1 when a budgeted median is over its
budget in either mode.
"""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from seeded import arguments, login, open_app, run_cases  # noqa: E402

PAGE_BUDGET_MS = 300


def main(argv=None) -> int:
    args = arguments(__doc__, argv)
    app = open_app(args.projects, args.database_url)
    from portal.db import database
    from portal.models import Project, Unit

    with app.app_context(), database.connection_context():
        county = (Unit.select().where(Unit.kind == "county")
                  .join(Project, on=(Project.responsible_unit == Unit.id)).group_by(Unit.id)
                  .order_by(Unit.id).first())
    client = login(app)
    year = dt.date.today().year
    # The panels come with the page or its htmx swap (the separate panel addresses are gone).
    cases = [
        ("dashboard, city, year", f"/dashboard?period={year}", PAGE_BUDGET_MS, None),
        ("dashboard, county, year", f"/dashboard?period={year}&unit={county.id}", PAGE_BUDGET_MS, None),
        ("dashboard, city, htmx swap", f"/dashboard?period={year}-H1", PAGE_BUDGET_MS, {"HX-Request": "true"}),
        ("dashboard, county, htmx swap", f"/dashboard?period={year}-H1&unit={county.id}", PAGE_BUDGET_MS,
         {"HX-Request": "true"}),
    ]
    cases += [("summary, city, year", f"/dashboard/summary?period={year}", None, None),
              ("Excel workbook, city, year", f"/dashboard?period={year}&format=xlsx", None, None)]
    return 1 if run_cases(app, client, cases, args.modes, args.runs) else 0


if __name__ == "__main__":
    sys.exit(main())
