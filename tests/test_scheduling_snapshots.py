"""Weekly snapshots: frozen once (also by two threads at once), immutable afterwards, catching up
missed weeks, list counts, flag_counts for the dashboard, `portal snapshot` and the first request of a week."""
import datetime as dt
import sqlite3
import threading

import pytest
from click.testing import CliRunner

from portal import hookimpl
from portal.db import database
from portal.models import FlagSnapshot, ListCountSnapshot, Milestone, Project, UnitWeekFlag, WeekFreeze
from portal.scheduling import flags as F
from portal.scheduling import snapshots as S
from portal.timeutil import iso_week, today
from tests.conftest import TEST_DB_URL
from tests.plugins_helpers import temporary_plugin
from tests.scheduling_helpers import LONG_AGO, report


@pytest.fixture
def ctx_app(app):
    with app.app_context():
        yield app


def test_a_week_is_frozen_once_and_never_changes(ctx_app, make_project, org):
    late = make_project(name="Late", stage="signed", created_at=LONG_AGO)
    fine = make_project(name="Fine", stage="signed", created_at=LONG_AGO)
    report(fine, "2026-W40", org.users["unit_a"])
    assert S.freeze_week("2026-W40") is True
    assert S.freeze_week("2026-W40") is False
    before = sorted((s.project_id, s.flag) for s in FlagSnapshot.select().where(FlagSnapshot.week == "2026-W40"))
    assert before == [(late.id, "yellow"), (fine.id, "green")]
    assert S.flag_counts("2026-W40") == {"red": 0, "yellow": 1, "green": 1}
    # Later changes do not touch the frozen week.
    Milestone.create(project=fine, title="Power", planned_on=dt.date(2026, 1, 1), created_by=org.users["bureau"])
    report(late, "2026-W40", org.users["unit_a"])
    F.recompute_all()
    assert Project.get_by_id(fine.id).flag == "red"
    assert S.freeze_week("2026-W40") is False
    after = sorted((s.project_id, s.flag) for s in FlagSnapshot.select().where(FlagSnapshot.week == "2026-W40"))
    assert after == before
    assert S.flag_counts("2026-W40") == {"red": 0, "yellow": 1, "green": 1}
    assert WeekFreeze.select().count() == 1


def test_two_processes_freezing_the_same_week_at_once(ctx_app, make_project):
    for i in range(30):
        make_project(name=f"P{i}", stage="negotiating", created_at=LONG_AGO)
    results, errors = [], []
    barrier = threading.Barrier(2)

    def worker():
        try:
            with ctx_app.app_context():
                database.connect(reuse_if_open=True)
                try:
                    barrier.wait()
                    results.append(S.freeze_week("2026-W41"))
                finally:
                    database.close()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert sorted(results) == [False, True]
    assert WeekFreeze.select().where(WeekFreeze.week == "2026-W41").count() == 1
    assert FlagSnapshot.select().where(FlagSnapshot.week == "2026-W41").count() == 30


def test_catch_up_freezes_every_missed_week_in_order(ctx_app, make_project):
    make_project(stage="signed", clue_on=dt.date(2026, 9, 20), created_at=dt.datetime(2026, 9, 21))
    day = dt.date(2026, 10, 21)  # a Wednesday of 2026-W43: W38 … W42 are complete
    assert S.pending_weeks(day=day) == ["2026-W38", "2026-W39", "2026-W40", "2026-W41", "2026-W42"]
    assert S.freeze_pending(day=day) == ["2026-W38", "2026-W39", "2026-W40", "2026-W41", "2026-W42"]
    assert S.freeze_pending(day=day) == []
    # Nobody ran it for three weeks: the next run catches up from the last frozen week.
    assert S.freeze_pending(day=dt.date(2026, 11, 12)) == ["2026-W43", "2026-W44", "2026-W45"]
    # Bounded: at most max_weeks, the latest ones.
    assert S.pending_weeks(max_weeks=2, day=dt.date(2026, 12, 30)) == ["2026-W51", "2026-W52"]


def test_catch_up_across_the_year_end(ctx_app, make_project):
    make_project(stage="signed", clue_on=dt.date(2026, 12, 20), created_at=dt.datetime(2026, 12, 20))
    assert S.freeze_pending(day=dt.date(2027, 1, 13)) == ["2026-W51", "2026-W52", "2026-W53", "2027-W01"]


def test_nothing_to_freeze_without_projects(ctx_app):
    assert S.pending_weeks() == []
    assert S.freeze_pending() == []


def test_list_counts_and_unit_flags_are_frozen(ctx_app, make_project, org):
    make_project(name="Clue", stage="clue", clue_on=dt.date(2026, 9, 1), created_at=LONG_AGO)
    make_project(name="Signed", stage="started", clue_on=dt.date(2026, 8, 1), signed_on=dt.date(2026, 10, 7),
                 started_on=dt.date(2026, 11, 2), created_at=LONG_AGO)
    make_project(name="Other", unit="county_b", stage="production", clue_on=dt.date(2026, 1, 1),
                 signed_on=dt.date(2026, 2, 1), started_on=dt.date(2026, 3, 1), production_on=dt.date(2026, 9, 1),
                 created_at=LONG_AGO)
    S.freeze_week("2026-W41")  # 5–11 October
    counts = {(r.unit_id, r.list_name): r.count
              for r in ListCountSnapshot.select().where(ListCountSnapshot.week == "2026-W41")}
    a, b = org.units["county_a"].id, org.units["county_b"].id
    assert counts[(a, "clues")] == 2 and counts[(a, "signed")] == 1 and counts[(a, "landed")] == 0
    assert counts[(b, "production")] == 1
    assert UnitWeekFlag.select().where(UnitWeekFlag.week == "2026-W41").count() >= 1


def test_flag_counts_of_the_current_week_come_from_the_stored_flags(ctx_app, make_project, org):
    make_project(name="R", flag="red", created_at=LONG_AGO)
    make_project(name="Y", unit="county_b", flag="yellow", created_at=LONG_AGO)
    make_project(name="G", created_at=LONG_AGO)
    make_project(name="Archived", flag="red", archived=True)
    week = iso_week(today())
    assert S.flag_counts(week) == {"red": 1, "yellow": 1, "green": 1}
    assert S.flag_counts(week, unit_ids=[org.units["county_a"].id]) == {"red": 1, "yellow": 0, "green": 1}


def test_portal_snapshot_command(app, make_project, monkeypatch):
    from portal.cli import cli

    with app.app_context():
        make_project(stage="signed", clue_on=today() - dt.timedelta(days=20),
                     created_at=dt.datetime.combine(today() - dt.timedelta(days=20), dt.time(1)))
    monkeypatch.setenv("PORTAL_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("PORTAL_INSTANCE", app.instance_path)
    result = CliRunner().invoke(cli, ["snapshot"])
    assert result.exit_code == 0, result.output
    assert "froze " in result.output
    again = CliRunner().invoke(cli, ["snapshot"])
    assert "no completed week waiting to be frozen" in again.output
    with app.app_context():
        assert WeekFreeze.select().count() >= 2
        assert S.is_frozen(S.last_completed_week())


def test_first_request_of_a_week_freezes_the_last_week(app, make_project, login):
    app.config["SCHEDULING_AUTO_SNAPSHOT"] = True
    with app.app_context():
        make_project(stage="signed", clue_on=today() - dt.timedelta(days=30),
                     created_at=dt.datetime.combine(today() - dt.timedelta(days=30), dt.time(1)))
        last = S.last_completed_week()
    client = login("bureau")
    assert client.get("/").status_code == 200
    with app.app_context():
        assert S.is_frozen(last)
        frozen = WeekFreeze.select().count()
    client.get("/")
    with app.app_context():
        assert WeekFreeze.select().count() == frozen


@pytest.mark.skipif(bool(TEST_DB_URL), reason="SQLite's whole-database write lock")
def test_freezing_a_week_lets_other_writers_in_while_the_flag_rules_run(ctx_app, make_project):
    """The flags are computed before the freeze's transaction: a clerk saving a report while a
    long freeze runs its rules is not refused with 'database is locked'."""
    project = make_project(name="Busy", stage="negotiating", created_at=LONG_AGO)
    path = ctx_app.config["DATABASE_URL"].removeprefix("sqlite:///")
    writes = []

    class SlowCountyRules:
        @hookimpl
        def portal_unit_week_flags(self, week, units, context):
            other = sqlite3.connect(path, timeout=0.2)  # another process's connection, impatient
            try:
                with other:
                    other.execute("UPDATE project SET name = name WHERE id = ?", (project.id,))
                writes.append("saved")
            except sqlite3.OperationalError as error:
                writes.append(str(error))
            finally:
                other.close()

    with temporary_plugin(ctx_app, SlowCountyRules()):
        assert S.freeze_week("2026-W40") is True
    assert writes == ["saved"]
