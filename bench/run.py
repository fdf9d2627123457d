"""Benchmark: the portal under waitress next to a minimal Flask + sqlite3 app, same file, same run.

    /tmp/venv/bin/python bench/run.py                    # 100,000 projects, 10 s per measurement
    /tmp/venv/bin/python bench/run.py --projects 5000 --seconds 3   # a quick look
    /tmp/venv/bin/python bench/run.py --instance DIR --only project  # one page on a seeded instance

Steps: a fresh instance folder (SQLite) gets the demo city (`portal demo`) and N
synthetic projects (`portal seed`); `portal serve` (waitress, 8 threads) and
bench/minimal_app.py (waitress, 8 threads) start on 127.0.0.1; a small threaded
load generator (keep-alive connections, one per thread) measures requests per
second and latency (median, p95) of three pages, each next to its minimal
counterpart:

- the signed list filtered by a county (/lists/signed?unit=…),
- a text search over project and investor names (/projects?q=…),
- a project page (/projects/<id>).

Every measurement is bounded by --seconds and --max-requests. Results are printed
as a Markdown table (paste them into bench/README.md) and written to --out.
"""
from __future__ import annotations

import argparse
import http.client
import os
import platform
import re
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
PYTHON = sys.executable
_SCRIPT = Path(PYTHON).parent / "portal"
PORTAL = [str(_SCRIPT)] if _SCRIPT.exists() else [PYTHON, "-m", "portal.cli"]
PASSWORD = "bench-password-1"


def run(cmd, env):
    started = time.monotonic()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def wait_for(port: int, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def login(port: int, username: str) -> str:
    """Log in to the portal; return the Cookie header for the session."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login")
    resp = conn.getresponse()
    page = resp.read().decode()
    cookie = resp.getheader("Set-Cookie", "").split(";")[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrf_token": token})
    conn.request("POST", "/login", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    resp = conn.getresponse()
    resp.read()
    if resp.status != 303:
        raise RuntimeError(f"login failed: {resp.status}")
    return resp.getheader("Set-Cookie").split(";")[0]


def load(port: int, path: str, headers: dict, threads: int, seconds: float, max_requests: int, warmup: int = 5):
    """Hammer one URL; return (requests per second, median ms, p95 ms, errors)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for _ in range(warmup):
        conn.request("GET", path, headers=headers)
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            raise RuntimeError(f"{path} on port {port} answered {r.status}")
    conn.close()
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    budget = [max_requests]

    def worker():
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        while time.monotonic() < stop_at:
            with lock:
                if budget[0] <= 0:
                    break
                budget[0] -= 1
            t0 = time.perf_counter()
            try:
                c.request("GET", path, headers=headers)
                r = c.getresponse()
                r.read()
                ok = r.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                c.close()
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            mine.append(time.perf_counter() - t0)
            if not ok:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1] if latencies else 0
    return len(latencies) / elapsed, statistics.median(latencies) * 1000, p95 * 1000, errors[0], len(latencies)


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{platform.system()} {platform.release()}, {os.cpu_count()} CPU ({cpu}), "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10.0, help="per measurement")
    parser.add_argument("--max-requests", type=int, default=5000, help="per measurement")
    parser.add_argument("--threads", type=int, default=4, help="client threads (keep-alive connections)")
    parser.add_argument("--port", type=int, default=18400)
    parser.add_argument("--instance", help="reuse this instance folder (seeded before); default: a fresh one")
    parser.add_argument("--out", default=str(HERE / "last-run.md"))
    parser.add_argument("--keep", action="store_true", help="keep the fresh instance folder afterwards")
    parser.add_argument("--only", choices=("signed", "search", "project"), action="append",
                        help="measure only these pages (repeatable); default: all three")
    args = parser.parse_args()

    fresh = not args.instance
    instance = Path(args.instance or tempfile.mkdtemp(prefix="portal-bench-"))
    db_file = instance / "portal.sqlite3"
    env = dict(os.environ, PORTAL_INSTANCE=str(instance), PORTAL_DATABASE_URL=f"sqlite:///{db_file}",
               PORTAL_LOCALE="zh_CN")
    env.pop("PORTAL_STRICT_PLUGINS", None)
    lines = [f"Machine: {machine()}", ""]
    procs = []
    try:
        if fresh:
            t = run(PORTAL + ["demo", "--password", PASSWORD], env)
            lines.append(f"- `portal demo`: {t:.1f} s")
            t = run(PORTAL + ["seed", "--projects", str(args.projects)], env)
            lines.append(f"- `portal seed --projects {args.projects}`: {t:.1f} s")
        else:  # a reused instance: only make sure we can log in
            run(PORTAL + ["users", "reset-password", "bureau", "--password", PASSWORD], env)
        # The scheduling feature freezes the past weeks' flags on the first request of a week
        # (a one-off job of several seconds on 100,000 projects): done by `portal snapshot` in
        # production, switched off here so that it does not fall into a measurement.
        (instance / "portal.cfg").write_text("SCHEDULING_AUTO_SNAPSHOT = False\n", encoding="utf-8")
        conn = sqlite3.connect(db_file)
        projects = conn.execute("SELECT COUNT(*) FROM project").fetchone()[0]
        unit_id, unit_path = conn.execute("SELECT id, path FROM unit WHERE kind = 'county' ORDER BY id").fetchone()
        signed_in_unit = conn.execute(
            "SELECT COUNT(*) FROM project WHERE stage = 'signed' AND archived = 0 AND responsible_unit_id IN "
            "(SELECT id FROM unit WHERE path LIKE ?)", (unit_path + "%",)).fetchone()[0]
        project_id = conn.execute(
            "SELECT id FROM project WHERE stage = 'signed' ORDER BY id DESC LIMIT 1").fetchone()[0]
        conn.close()
        lines.append(f"- database: {projects} projects, {db_file.stat().st_size // 2**20} MB; "
                     f"the county's signed list holds {signed_in_unit} projects")
        query = "华鼎"
        portal_port, minimal_port = args.port, args.port + 1
        procs.append(subprocess.Popen(PORTAL + ["serve", "--port", str(portal_port), "--threads", "8"], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        procs.append(subprocess.Popen([PYTHON, str(HERE / "minimal_app.py"), str(db_file), str(minimal_port)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for(portal_port)
        wait_for(minimal_port)
        cookie = {"Cookie": login(portal_port, "bureau")}
        q = urllib.parse.quote(query)
        cases = [
            ("Signed list, filtered by a county", (portal_port, f"/lists/signed?unit={unit_id}", cookie),
             (minimal_port, f"/signed?unit={unit_id}", {})),
            (f"Text search ({query}) over all projects", (portal_port, f"/projects?q={q}", cookie),
             (minimal_port, f"/search?q={q}", {})),
            ("Project page", (portal_port, f"/projects/{project_id}", cookie),
             (minimal_port, f"/projects/{project_id}", {})),
        ]
        if args.only:
            keys = {"Signed list": "signed", "Text search": "search", "Project page": "project"}
            cases = [c for c in cases if any(c[0].startswith(k) and v in args.only for k, v in keys.items())]
        lines += ["", f"Load: {args.threads} client threads with keep-alive, {args.seconds:g} s or "
                      f"{args.max_requests} requests per measurement; servers: waitress, 8 threads each.", "",
                  "| page | server | req/s | median ms | p95 ms | requests | errors | ratio to minimal |",
                  "|---|---|---:|---:|---:|---:|---:|---:|"]
        for title, ours, minimal in cases:
            results = {}
            for name, (port, path, headers) in (("minimal", minimal), ("portal", ours)):
                results[name] = load(port, path, headers, args.threads, args.seconds, args.max_requests)
            for name in ("portal", "minimal"):
                rps, median, p95, errors, count = results[name]
                ratio = rps / results["minimal"][0] if results["minimal"][0] else 0
                path = (ours if name == "portal" else minimal)[1]
                lines.append(f"| {title} | {name} `{path}` | {rps:.1f} | {median:.1f} | {p95:.1f} | {count} | "
                             f"{errors} | {ratio:.2f} |")
                print(lines[-1], flush=True)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        if fresh and not args.keep:
            shutil.rmtree(instance, ignore_errors=True)
    text = "\n".join(lines) + "\n"
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
