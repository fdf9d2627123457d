"""Import 10,000 projects with stage histories from an .xlsx sheet into a fresh SQLite instance.

    python bench/importing.py [--projects 10000] [--keep] [--database-url postgresql://…] [--reimport] [--profile]
                              [--cprofile FILE]

Builds the sheet (every project with a clue, most with signing and some with start,
completion and production dates, 1,000 investors, five units), runs `portal init` and
times `portal import projects` in-process: the read of the file for the header, the
checking pass and the write in one transaction (the preview pass the page shows before
confirming is a separate request and not counted). Prints the wall time, the process's CPU
time (user), the garbage collector's time, the user CPU per 1,000 rows for each tenth of the
rows (flat: a row costs the same at the end as at the start) and the machine's load average
before and after. ``--reimport`` times a second import of the same projects, each
with a changed figure (every row an update); ``--profile`` prints the statements by time.
With ``--database-url`` (a PostgreSQL or MySQL server) it
imports into a fresh schema (PostgreSQL) or database (MySQL) there, dropped afterwards.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

from openpyxl import Workbook

UNITS = ("东湖区", "西山县", "南岭开发区", "北川县", "高新区")
STAGES = ("线索", "洽谈", "签约", "开工", "竣工", "投产")
HEADER = ["项目名称", "投资方", "责任单位", "阶段", "总投资(亿元)", "签约金额", "线索日期", "洽谈日期", "签约日期",
          "开工日期", "竣工日期", "投产日期", "是否重点"]


def build_sheet(path: Path, count: int, revised: bool = False) -> None:
    """``revised``: the same projects a month on (each total investment 10 % higher; an
    import of it updates every project)."""
    rng = random.Random(7)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("项目")
    ws.append(["2026年招商项目清单"])
    ws.append(HEADER)
    for n in range(count):
        reached = rng.choices(range(6), weights=(30, 15, 25, 15, 8, 7))[0]
        day = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randint(0, 900))
        dates = []
        for _stage in range(6):
            dates.append(day)
            day += dt.timedelta(days=rng.randint(5, 60))
        row_dates = [dates[i] if i <= reached else None for i in range(6)]
        ws.append([f"项目{n:05d}", f"投资企业{n % 1000:04d}有限公司", UNITS[n % len(UNITS)], STAGES[reached],
                   round(rng.uniform(0.1, 50) * (1.1 if revised else 1), 2),
                   f"{rng.randint(100, 90000)}万" if reached >= 2 else None,
                   *row_dates, "是" if n % 10 == 0 else "否"])
    wb.save(path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=10000)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--database-url", help="a PostgreSQL or MySQL server (default: a new SQLite file)")
    parser.add_argument("--reimport", action="store_true",
                        help="import the sheet, then time the import of its revision (every project updated)")
    parser.add_argument("--undo", action="store_true",
                        help="then time the undo of the import (every created project deleted)")
    parser.add_argument("--profile", action="store_true",
                        help="print the import's statements grouped by their first words, with count and time")
    parser.add_argument("--cprofile", metavar="FILE", help="write cProfile's statistics of the import to FILE")
    args = parser.parse_args()
    instance = Path(tempfile.mkdtemp(prefix="portal-import-bench-"))
    url, drop = (server_database(args.database_url) if args.database_url
                 else (f"sqlite:///{instance / 'portal.sqlite3'}", None))
    os.environ.update(PORTAL_INSTANCE_PATH=str(instance), PORTAL_SECRET_KEY="bench", PORTAL_DATABASE_URL=url)
    try:
        run(args, instance)
    finally:
        if drop and not args.keep:
            drop()
    if not args.keep:
        shutil.rmtree(instance)


def server_database(url: str):
    """A fresh schema (PostgreSQL) or database (MySQL) on the server: (its URL, a function dropping it)."""
    from portal.db import make_database  # like the imports in run(): the portal only after the environment

    name = "bench_" + uuid.uuid4().hex[:10]
    admin = make_database(url)
    admin.connect()
    if url.startswith("postgres"):
        admin.execute_sql(f"CREATE SCHEMA {name}")
        run_url, statement = f"{url}{'&' if '?' in url else '?'}schema={name}", f"DROP SCHEMA {name} CASCADE"
    else:
        admin.execute_sql(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
        base, _, query = url.partition("?")
        run_url = base.rsplit("/", 1)[0] + "/" + name + (("?" + query) if query else "")
        statement = f"DROP DATABASE {name}"
    admin.close()

    def drop():
        admin = make_database(url)
        admin.connect()
        admin.execute_sql(statement)
        admin.close()

    return run_url, drop


def statement_profile():
    """Time every statement the portal sends, grouped by its first 60 characters; returns the printer."""
    from collections import defaultdict

    from peewee import Database

    totals: dict[str, list] = defaultdict(lambda: [0, 0.0])
    original = Database.execute_sql

    def timed(self, sql, params=None, *args, **kwargs):
        started = time.perf_counter()
        try:
            return original(self, sql, params, *args, **kwargs)
        finally:
            entry = totals[" ".join(sql.split())[:60]]
            entry[0] += 1
            entry[1] += time.perf_counter() - started

    Database.execute_sql = timed

    def report():
        Database.execute_sql = original
        print(f"{sum(n for n, _ in totals.values())} statements, {sum(t for _, t in totals.values()):.1f} s in SQL")
        for sql, (count, seconds) in sorted(totals.items(), key=lambda item: -item[1][1])[:12]:
            print(f"{seconds:7.2f} s {count:6d}x  {sql}")

    return report


def collector_time():
    """Time the garbage collector's runs from now (gc.callbacks); returns a function giving
    (seconds in all collections, seconds in collections of the oldest generation) and stopping."""
    import gc

    totals = [0.0, 0.0]
    started = [0.0]

    def callback(phase, info):
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            seconds = time.perf_counter() - started[0]
            totals[0] += seconds
            if info["generation"] == 2:
                totals[1] += seconds

    gc.callbacks.append(callback)

    def stop():
        gc.callbacks.remove(callback)
        return tuple(totals)

    return stop


def user_cpu() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_utime


def progress():
    """User CPU seconds per 1,000 rows for each tenth of the rows as they are checked and written
    (the header pass and the set-up before the first row apart), then for what runs once all are
    written (``batches._after_import``: the investors' class at signing, the plugins told). Flat
    tenths mean a row costs the same at the end as at the start, however fast the machine is that
    day. Returns the printer."""
    from portal.projects.importing import batches

    marks = [(0, user_cpu())]  # (rows written so far, user CPU): the start, the first row's writer, each chunk
    after = [0.0]
    init, write_waiting, after_import = (batches.BatchWriter.__init__, batches.BatchWriter.write_waiting,
                                         batches._after_import)

    def timed_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        marks.append((0, user_cpu()))

    def timed_write(self):
        write_waiting(self)
        if len(self.touched) > marks[-1][0]:
            marks.append((len(self.touched), user_cpu()))

    def timed_after(writer, user):
        started = user_cpu()
        after_import(writer, user)
        after[0] = user_cpu() - started

    batches.BatchWriter.__init__, batches.BatchWriter.write_waiting, batches._after_import = (
        timed_init, timed_write, timed_after)

    def report():
        batches.BatchWriter.__init__, batches.BatchWriter.write_waiting, batches._after_import = (
            init, write_waiting, after_import)
        if len(marks) < 3:  # refused before writing a row
            return
        rows = marks[-1][0]
        tenths, start = [], marks[1]
        for mark in marks[2:]:
            if mark[0] - start[0] >= rows / 10 or mark is marks[-1]:
                tenths.append(1000 * (mark[1] - start[1]) / (mark[0] - start[0]))
                start = mark
        print(f"user CPU: {marks[1][1] - marks[0][1]:.1f} s before the first row; per 1,000 rows, each tenth "
              "checked and written: " + " ".join(f"{t:.2f}" for t in tenths)
              + f"; after the writes {1000 * after[0] / max(rows, 1):.2f} ({after[0]:.1f} s)")

    return report


def run(args, instance: Path) -> None:
    from click.testing import CliRunner

    from portal.cli import AppContext, cli
    from portal.models import Project, StageChange, Unit

    runner = CliRunner()
    result = runner.invoke(cli, ["init", "--password", "bench-password"])
    assert result.exit_code == 0, result.output
    with AppContext():
        bureau = Unit.get(Unit.kind == "bureau")
        for name in UNITS:
            Unit(name=name, kind="county", parent=bureau).save_with_path()
    sheet = instance / "projects.xlsx"
    build_sheet(sheet, args.projects)
    if args.reimport:
        result = runner.invoke(cli, ["import", "projects", str(sheet)])
        assert result.exit_code == 0, result.output
        build_sheet(sheet, args.projects, revised=True)
    profile = statement_profile() if args.profile else None
    tenths = progress()
    load_before = os.getloadavg()
    collections = collector_time()
    started, cpu_started = time.perf_counter(), time.process_time()
    user_started = user_cpu()
    if args.cprofile:
        import cProfile

        with cProfile.Profile() as profiler:
            result = runner.invoke(cli, ["import", "projects", str(sheet)])
        profiler.dump_stats(args.cprofile)
    else:
        result = runner.invoke(cli, ["import", "projects", str(sheet)])
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    user_seconds = user_cpu() - user_started
    gc_seconds = collections()
    load_after = os.getloadavg()
    if profile:
        profile()
    tenths()
    print(result.output.strip())
    if result.exit_code != 0:
        print(result.exception, file=sys.stderr)
        sys.exit(1)
    with AppContext():
        projects, changes = Project.select().count(), StageChange.select().count()
    print(f"{projects} projects, {changes} stage changes imported in {elapsed:.1f} s "
          f"({cpu:.1f} s of CPU in this process, {user_seconds:.1f} s user; "
          f"garbage collector {gc_seconds[0]:.1f} s, of it the oldest generation {gc_seconds[1]:.1f} s) "
          f"(sheet {sheet.stat().st_size // 1024} KB; load average before {load_before[0]:.2f}, "
          f"after {load_after[0]:.2f}; {os.cpu_count()} CPUs; "
          f"peak memory of the process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB)")
    if args.undo:
        undo_latest()


def undo_latest() -> None:
    """Time the undo of the latest import batch, as the page's button runs it."""
    from flask_babel import force_locale

    from portal.cli import AppContext, _find_user
    from portal.models import ImportBatch, Project
    from portal.projects.importing import batches

    with AppContext() as app, app.test_request_context("/projects/import"), \
            force_locale(app.config["DEFAULT_LOCALE"]):
        user = _find_user("admin")
        batch = ImportBatch.select().order_by(ImportBatch.id.desc()).get()
        started, cpu_started = time.perf_counter(), time.process_time()
        batches.undo(batch, user)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        left = Project.select().count()
    print(f"undo of import #{batch.id} in {elapsed:.1f} s ({cpu:.1f} s of CPU in this process); {left} projects left")


if __name__ == "__main__":
    main()
