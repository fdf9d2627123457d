"""Benchmark: every heavy page's latency at a given database size, as ratios to a bare Flask page
and a minimal Flask + sqlite3 list page served the same way in the same run.

    python bench/pages.py --database /tmp/b100k.sqlite3          # a seeded file (bench/seeded.py), copied
    python bench/pages.py --database FILE --rounds 3 --requests 7
    python bench/pages.py --database FILE --database-url postgresql://…/bench   # the portal on PostgreSQL

With ``--database-url`` the portal serves that database (upgraded in place: use your own) while the
bare and minimal pages still read the SQLite file: the baselines stay the same, so the ratios say
what PostgreSQL costs the portal's pages.

The file is copied into a fresh instance folder (the copy is upgraded; the original is not
touched). `portal serve --workers 1 --threads 8` and bench/minimal_app.py (waitress, 8 threads)
start on 127.0.0.1. One client, one request at a time: for each page the first request after the
start (cold), then ``--rounds`` × ``--requests`` passes over all pages, one request per page in
each (so a burst of load from elsewhere falls on every page alike). Reported per page: cold ms, median ms,
p10–p90 ms, bytes of HTML, and the median's ratio to the bare page and to the minimal list page.
`uptime` is recorded before and after: on a shared machine the load says how far to trust a figure.
"""
from __future__ import annotations

import argparse
import http.client
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import PASSWORD, PORTAL, PYTHON, login, machine, run, wait_for  # noqa: E402


def get(port: int, path: str, headers: dict) -> tuple[float, int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"{path} on port {port} answered {response.status}")
    return elapsed, len(body)


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def _connect(db_file: Path, database_url: str):
    if database_url.startswith("postgres"):
        import psycopg2

        return psycopg2.connect(database_url)
    return sqlite3.connect(db_file)


def _one(conn, sql: str):
    cursor = conn.cursor()
    cursor.execute(sql)
    return cursor.fetchone()[0]


def cases(db_file: Path, portal: int, minimal: int, cookie: dict,
          database_url: str = "", county_cookie: dict | None = None,
          department_cookie: dict | None = None) -> list[tuple[str, int, str, dict]]:
    """The pages timed: (title, port, path, headers). ``cookie``: the bureau's; ``county_cookie`` and
    ``department_cookie``: the demo's users of a county (donghu) and a department (industry), for the
    pages that differ by who reads them."""
    conn = _connect(db_file, database_url)
    unit_id = _one(conn, "SELECT id FROM unit WHERE kind = 'county' ORDER BY id")
    project_id = _one(conn, "SELECT id FROM project WHERE stage = 'signed' ORDER BY id DESC LIMIT 1")
    industry = _one(conn, "SELECT industry_code FROM project WHERE industry_code <> '' GROUP BY industry_code "
                          "ORDER BY count(*) DESC, industry_code LIMIT 1")
    conn.close()
    q3, q2 = urllib.parse.quote("动力电池"), urllib.parse.quote("华鼎")
    # Two-character words as users type them: one in thousands of project names, one in a quarter
    # of the investors' names (so in tens of thousands of projects); and a single character.
    common2, investors2, q1 = (urllib.parse.quote(term) for term in ("光伏", "科技", "池"))
    return [
        ("bare Flask page", minimal, "/bare", {}),
        ("minimal list page (signed, county)", minimal, f"/signed?unit={unit_id}", {}),
        ("login page", portal, "/login", {}),
        ("/healthz", portal, "/healthz", {}),
        ("signed list, county", portal, f"/lists/signed?unit={unit_id}", cookie),
        ("all projects", portal, "/projects", cookie),
        ("clue list, county", portal, f"/lists/clues?unit={unit_id}", cookie),
        ("landed list, county", portal, f"/lists/landed?unit={unit_id}", cookie),
        ("production list, county", portal, f"/lists/production?unit={unit_id}", cookie),
        ("signed list, by industry", portal, f"/lists/signed?industry={industry}", cookie),
        ("all projects, by industry", portal, f"/projects?industry={industry}", cookie),
        ("signed list, a county's user", portal, "/lists/signed", county_cookie or cookie),
        ("search, 4 characters", portal, f"/projects?q={q3}", cookie),
        ("search, 2 characters, few matches", portal, f"/projects?q={q2}", cookie),
        ("search, 2 characters, a common word", portal, f"/projects?q={common2}", cookie),
        ("search, 2 characters, in many investors", portal, f"/projects?q={investors2}", cookie),
        ("search, 1 character", portal, f"/projects?q={q1}", cookie),
        ("project page", portal, f"/projects/{project_id}", cookie),
        ("investors, bureau", portal, "/investors", cookie),
        ("investors, a county's user", portal, "/investors", county_cookie or cookie),
        ("investors, a department's user", portal, "/investors", department_cookie or cookie),
        ("signed list, a department's user", portal, "/lists/signed", department_cookie or cookie),
        ("chains, a county's user", portal, "/chains", county_cookie or cookie),
        ("chain of the largest industry, bureau", portal, f"/chains/{industry}", cookie),
        ("chain of the largest industry, a county's user", portal, f"/chains/{industry}", county_cookie or cookie),
        ("problems, a county's user", portal, "/problems", county_cookie or cookie),
        ("/scheduling (meeting)", portal, "/scheduling", cookie),
        ("/scheduling (meeting), a county's user", portal, "/scheduling", county_cookie or cookie),
        ("/scheduling (meeting), page 100 of both lists", portal, "/scheduling?flagged_page=100&missing_page=100",
         cookie),
        ("/scheduling/report", portal, "/scheduling/report", cookie),
        ("/scheduling/report, a county's user", portal, "/scheduling/report", county_cookie or cookie),
        ("/scheduling/report, unreported", portal, "/scheduling/report?show=unreported", cookie),
        ("/scheduling/report, page 100", portal, "/scheduling/report?page=100", cookie),
        ("/scheduling/wallchart", portal, "/scheduling/wallchart", cookie),
        ("/scheduling/wallchart, a county's user", portal, "/scheduling/wallchart", county_cookie or cookie),
        ("/ranking", portal, "/ranking", cookie),
        ("/dashboard", portal, "/dashboard", cookie),
        ("export: county's signed list", portal, f"/lists/signed?unit={unit_id}&format=xlsx", cookie),
        # The largest industry's projects, every stage: 11,316 rows at 100,300 projects (the 10,000).
        ("export: all projects, by industry", portal, f"/projects?industry={industry}&format=xlsx", cookie),
    ]


def memory(pid: int) -> str:
    """Resident and peak resident memory of a process and its children (the workers), from /proc."""
    def status(p):
        try:
            text = Path(f"/proc/{p}/status").read_text()
        except OSError:
            return {}
        return {k: int(v.split()[0]) // 1024 for k, v in (line.split(":", 1) for line in text.splitlines())
                if k in ("VmRSS", "VmHWM")}

    children = Path(f"/proc/{pid}/task/{pid}/children")
    pids = [pid] + ([int(c) for c in children.read_text().split()] if children.exists() else [])
    return ", ".join(f"pid {p}: RSS {m.get('VmRSS')} MB, peak {m.get('VmHWM')} MB" for p in pids if (m := status(p)))


def under_exports(pages, exports: int) -> list[str]:
    """While ``exports`` clients download the export over and over, time the login page and the
    signed list (10 requests each): do other pages still answer?"""
    by_title = {title: (port, path, headers) for title, port, path, headers in pages}
    export = by_title["export: county's signed list"]
    stop, done, failed = threading.Event(), [], []

    refused = []

    def exporter():
        while not stop.is_set():
            try:
                done.append(get(*export)[0])
            except RuntimeError as exc:
                if " 503" not in str(exc):
                    failed.append(1)
                    continue
                refused.append(1)  # too many exports at once in that process: wait, as Retry-After asks
                stop.wait(1)
            except (OSError, http.client.HTTPException):
                failed.append(1)

    threads = [threading.Thread(target=exporter) for _ in range(exports)]
    for thread in threads:
        thread.start()
    time.sleep(1)
    out = [f"- while {exports} clients export at once:"]
    for title in ("login page", "signed list, county"):
        times = sorted(get(*by_title[title])[0] for _ in range(10))
        out.append(f"  - {title}: median {statistics.median(times):.0f} ms, max {times[-1]:.0f} ms")
    stop.set()
    for thread in threads:
        thread.join()
    out.append(f"  - exports completed meanwhile: {len(done)} (median {statistics.median(done):.0f} ms), "
               f"refused (503, retried after 1 s): {len(refused)}, failed: {len(failed)}" if done
               else f"  - exports completed meanwhile: 0, refused: {len(refused)}, failed: {len(failed)}")
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", required=True, help="a seeded SQLite file (copied, never changed)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=5, help="per page and round")
    parser.add_argument("--port", type=int, default=18500)
    parser.add_argument("--out", default=str(HERE / "last-pages.md"))
    parser.add_argument("--exports", type=int, default=8, help="concurrent exports while other pages are timed")
    parser.add_argument("--workers", type=int, default=1, help="portal serve --workers")
    parser.add_argument("--database-url", default="", help="serve the portal from this database instead "
                                                             "(upgraded in place; the baselines keep the file)")
    parser.add_argument("--pages", default="", help="only the pages whose title holds one of these comma-separated "
                                                    "words (the bare and minimal pages are always timed)")
    args = parser.parse_args(argv)

    instance = Path(tempfile.mkdtemp(prefix="portal-pages-"))
    db_file = instance / "portal.sqlite3"
    shutil.copy(args.database, db_file)
    env = dict(os.environ, PORTAL_INSTANCE=str(instance),
               PORTAL_DATABASE_URL=args.database_url or f"sqlite:///{db_file}",
               PORTAL_LOCALE="zh_CN")
    env.pop("PORTAL_STRICT_PLUGINS", None)
    (instance / "portal.cfg").write_text("SCHEDULING_AUTO_SNAPSHOT = False\nPROBLEMS_AUTO_OVERDUE = False\n",
                                         encoding="utf-8")
    lines = [f"Machine: {machine()}", f"- before: `{uptime()}`"]
    lines.append(f"- `portal db upgrade` on the copy: {run(PORTAL + ['db', 'upgrade'], env):.1f} s")
    for username in ("bureau", "donghu", "industry"):
        run(PORTAL + ["users", "reset-password", username, "--password", PASSWORD], env)
    conn = _connect(db_file, args.database_url)
    projects = _one(conn, "SELECT COUNT(*) FROM project")
    conn.close()
    lines.append(f"- database: {projects} projects, " + ("PostgreSQL" if args.database_url
                                                          else f"{db_file.stat().st_size // 2**20} MB"))
    portal, minimal = args.port, args.port + 1
    procs = [subprocess.Popen(PORTAL + ["serve", "--port", str(portal), "--workers", str(args.workers),
                                        "--threads", "8"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
             subprocess.Popen([PYTHON, str(HERE / "minimal_app.py"), str(db_file), str(minimal)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        wait_for(portal)
        wait_for(minimal)
        cookie = {"Cookie": login(portal, "bureau")}
        pages = cases(db_file, portal, minimal, cookie, args.database_url, {"Cookie": login(portal, "donghu")},
                      {"Cookie": login(portal, "industry")})
        if args.pages:
            wanted = [word.strip() for word in args.pages.split(",") if word.strip()]
            pages = [page for page in pages if page[1] == minimal or any(word in page[0] for word in wanted)]
        cold, sizes, times = {}, {}, {title: [] for title, *_ in pages}
        for title, port, path, headers in pages:
            cold[title], sizes[title] = get(port, path, headers)
        for _round in range(args.rounds):
            for _ in range(args.requests):  # one request per page in turn: a burst of load falls on all alike
                for title, port, path, headers in pages:
                    times[title].append(get(port, path, headers)[0])
        lines.append(f"- portal memory after the pages: {memory(procs[0].pid)}")
        timed = {title for title, *_ in pages}
        if args.exports and {"export: county's signed list", "login page", "signed list, county"} <= timed:
            lines += under_exports(pages, args.exports)
            lines.append(f"- portal memory after the exports: {memory(procs[0].pid)}")
        lines.append(f"- after: `{uptime()}`")
        bare = statistics.median(times["bare Flask page"])
        minimal_list = statistics.median(times["minimal list page (signed, county)"])
        lines += ["", f"One client, one request at a time; {args.rounds * args.requests} passes over the pages, "
                      f"one request per page in each; portal: `portal serve --workers {args.workers} --threads 8`; "
                      "minimal: waitress, 8 threads.", "",
                  "| page | cold ms | median ms | p10–p90 ms | bytes | × bare | × minimal list |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for title, *_ in pages:
            values = sorted(times[title])
            median = statistics.median(values)
            p10, p90 = values[len(values) // 10], values[min(len(values) - 1, len(values) * 9 // 10)]
            spread = ".1f" if p90 < 10 else ".0f"  # sub-millisecond pages need the tenth
            lines.append(f"| {title} | {cold[title]:.0f} | {median:.1f} | {p10:{spread}}–{p90:{spread}} | "
                         f"{sizes[title]} | {median / bare:.1f} | {median / minimal_list:.2f} |")
            print(lines[-1], flush=True)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(instance, ignore_errors=True)
    text = "\n".join(lines) + "\n"
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
