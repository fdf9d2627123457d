"""Benchmark: requests per second of the portal with 1, 2 and 4 processes on one database.

    python bench/processes.py --database-url postgresql://USER@HOST/DB   # a seeded database (portal seed)
    python bench/processes.py --database-url sqlite:////path/seeded.sqlite3 --workers 1,2 --seconds 5

For each number of processes, `portal serve --workers N --threads 8` serves the database and a
threaded load generator (``--connections`` keep-alive connections, on the same machine) asks for
each page in turn for ``--seconds``: the login page (a request's fixed cost), a county's signed
list, a project page and the meeting (/scheduling), logged in as the demo bureau user. The table
gives requests per second, median and p95 latency. Several machines behind a load balancer on one
PostgreSQL are several processes that share nothing but the database (docs/deployment.md), so
the figures show what another process, or machine, adds; on a machine with fewer cores than
processes plus the load generator, the cores are the limit.

The database is upgraded in place and the bench users' passwords are reset: use a copy.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from pages import _connect, _one, uptime  # noqa: E402
from run import PASSWORD, PORTAL, load, login, machine, run, wait_for  # noqa: E402


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True, help="a seeded database (upgraded in place)")
    parser.add_argument("--workers", default="1,2,4", help="comma-separated numbers of processes")
    parser.add_argument("--seconds", type=float, default=10.0, help="per page and number of processes")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--port", type=int, default=18600)
    parser.add_argument("--out", default="")
    args = parser.parse_args(argv)

    instance = Path(tempfile.mkdtemp(prefix="portal-processes-"))
    env = dict(os.environ, PORTAL_INSTANCE=str(instance), PORTAL_DATABASE_URL=args.database_url,
               PORTAL_LOCALE="zh_CN")
    env.pop("PORTAL_STRICT_PLUGINS", None)
    (instance / "portal.cfg").write_text("SCHEDULING_AUTO_SNAPSHOT = False\nPROBLEMS_AUTO_OVERDUE = False\n",
                                         encoding="utf-8")
    lines = [f"Machine: {machine()}", f"- before: `{uptime()}`"]
    run(PORTAL + ["db", "upgrade"], env)
    run(PORTAL + ["users", "reset-password", "bureau", "--password", PASSWORD], env)
    sqlite_file = Path(args.database_url.removeprefix("sqlite:///")) if args.database_url.startswith("sqlite") \
        else None
    conn = _connect(sqlite_file, "" if sqlite_file else args.database_url)
    projects = _one(conn, "SELECT COUNT(*) FROM project")
    unit_id = _one(conn, "SELECT id FROM unit WHERE kind = 'county' ORDER BY id")
    project_id = _one(conn, "SELECT id FROM project WHERE stage = 'signed' ORDER BY id DESC LIMIT 1")
    conn.close()
    lines.append(f"- database: {projects} projects, {'SQLite' if sqlite_file else 'PostgreSQL'}")
    pages = [("login page", "/login", False), ("signed list, county", f"/lists/signed?unit={unit_id}", True),
             ("project page", f"/projects/{project_id}", True), ("/scheduling (meeting)", "/scheduling", True)]
    results = {}
    try:
        for workers in [int(n) for n in args.workers.split(",")]:
            server = subprocess.Popen(PORTAL + ["serve", "--port", str(args.port), "--workers", str(workers),
                                                "--threads", "8"], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_for(args.port)
                cookie = {"Cookie": login(args.port, "bureau")}
                for title, path, logged_in in pages:
                    rate, median, p95, errors, count = load(args.port, path, cookie if logged_in else {},
                                                            args.connections, args.seconds, 100_000)
                    results[(workers, title)] = (rate, median, p95, errors)
                    print(f"{workers} processes, {title}: {rate:.0f}/s, median {median:.0f} ms, p95 {p95:.0f} ms, "
                          f"{errors} errors", flush=True)
            finally:
                server.terminate()
                try:
                    server.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    server.kill()
        lines.append(f"- after: `{uptime()}`")
        counts = sorted({workers for workers, _title in results})
        lines += ["", f"{args.connections} connections, {args.seconds:.0f} s per page; `portal serve --workers N "
                      "--threads 8`; requests per second (median / p95 ms).", "",
                  "| page | " + " | ".join(f"{n} process{'es' if n > 1 else ''}" for n in counts) + " |",
                  "|---|" + "---:|" * len(counts)]
        for title, _path, _logged_in in pages:
            cells = []
            for n in counts:
                rate, median, p95, errors = results[(n, title)]
                cells.append(f"{rate:.0f}/s ({median:.0f} / {p95:.0f} ms)" + (f", {errors} errors" if errors else ""))
            lines.append(f"| {title} | " + " | ".join(cells) + " |")
    finally:
        shutil.rmtree(instance, ignore_errors=True)
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
