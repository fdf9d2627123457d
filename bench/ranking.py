"""Benchmark: the ranking with 100,000 projects must render within the dashboard's budget (300 ms).

    /tmp/venv/bin/python bench/ranking.py                    # SQLite in a temporary folder
    /tmp/venv/bin/python bench/ranking.py --projects 20000 --runs 3
    /tmp/venv/bin/python bench/ranking.py --database-url sqlite:////tmp/bench.sqlite3   # keep and reuse the seed
    /tmp/venv/bin/python bench/ranking.py --database-url postgresql://postgres@127.0.0.1:5432/bench

Seeds the database (bench/seeded.py: demo city, projects, capital in place, a target
for every figure of every assessed unit), then times `/ranking` for a year and a
quarter (budgeted), the Excel export and a unit's history, cold (figures cache off:
every request computes the figures of all units) and warm. Exits 1 when a ranking
median is over the budget in either mode.
"""
from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from seeded import arguments, login, open_app, run_cases  # noqa: E402

BUDGET_MS = 300


def main(argv=None) -> int:
    args = arguments(__doc__, argv)
    app = open_app(args.projects, args.database_url)
    from portal.db import database
    from portal.periods import Period
    from portal.ranking import data
    from portal.ranking.assessment import previous_period
    from portal.ranking.targets import assessed_units

    year = dt.date.today().year
    with app.app_context(), database.connection_context():
        units = list(assessed_units())
        unit = units[0].id
        period = Period.of_year(year)
        started = time.perf_counter()
        data._compute([period, previous_period(period)], units)
        print(f"figures of all {len(units)} assessed units for a year and the year before (SQL):"
              f" {(time.perf_counter() - started) * 1000:.1f} ms")
    cases = [
        ("ranking, year", f"/ranking?period={year}", BUDGET_MS, None),
        ("ranking, quarter", f"/ranking?period={year}-Q1", BUDGET_MS, None),
        ("ranking, Excel export", f"/ranking?period={year}&format=xlsx", None, None),
        ("unit history (4 periods)", f"/ranking/units/{unit}?period={year}", None, None),
    ]
    return 1 if run_cases(app, login(app), cases, args.modes, args.runs) else 0


if __name__ == "__main__":
    sys.exit(main())
