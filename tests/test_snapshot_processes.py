"""Two portal processes on one SQLite file freezing at once (`portal snapshot` from cron and the
first request of a week in the server, or two upgrades): every week frozen once, by one of them,
completely, and neither fails."""
import datetime as dt
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from portal.models import FlagSnapshot, WeekFreeze, WeekNewInList, WeekUnitFigures
from portal.scheduling import snapshots as S
from portal.timeutil import today
from tests.conftest import TEST_DB_URL

ROOT = Path(__file__).resolve().parent.parent
WEEKS = 6
PROJECTS = 60

pytestmark = pytest.mark.skipif(bool(TEST_DB_URL), reason="two processes on one SQLite file")


@pytest.fixture
def history(app, make_project):
    """Projects entered (and advancing) over the last weeks: WEEKS completed weeks to freeze."""
    with app.app_context():
        start = today() - dt.timedelta(weeks=WEEKS)
        for i in range(PROJECTS):
            day = start + dt.timedelta(days=i % (7 * WEEKS))
            make_project(name=f"Project {i}", unit=("county_a", "county_b", "town_a")[i % 3], stage="negotiating",
                         clue_on=start, negotiating_on=day,
                         created_at=dt.datetime.combine(start, dt.time(1)))
        return S.pending_weeks()


def run_at_once(app, tmp_path, modes):
    """Start one process per mode, release them together; their logs (stderr)."""
    start_file = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [subprocess.Popen([sys.executable, "-m", "tests.snapshot_process", mode, app.config["DATABASE_URL"],
                                   app.instance_path, str(start_file)], cwd=ROOT, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for mode in modes]
    time.sleep(2)  # both have started and wait for the signal
    start_file.touch()
    logs = []
    for process in processes:
        _out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        assert "Traceback" not in err and "failed" not in err, err
        logs.append(err)
    return logs


def test_snapshot_command_and_first_request_at_once_freeze_each_week_once(app, tmp_path, history):
    assert len(history) >= WEEKS
    logs = run_at_once(app, tmp_path, ["cli", "request"])
    froze = [re.findall(r"froze week (\S+)", log) for log in logs]
    assert sorted(froze[0] + froze[1]) == history  # every week, by one process only
    with app.app_context():
        assert sorted(w.week for w in WeekFreeze.select()) == history
        for week in history:
            snapshot = FlagSnapshot.select().where(FlagSnapshot.week == week)
            assert snapshot.count() == PROJECTS
            assert snapshot.where(FlagSnapshot.reported.is_null()).count() == 0
            assert WeekUnitFigures.select().where(WeekUnitFigures.week == week).count() == 3
            assert WeekFreeze.get(WeekFreeze.week == week).figures_frozen_at is not None
        assert S.freeze_pending() == []


def test_two_upgrades_at_once_store_the_figures_of_old_weeks_once(app, tmp_path, history):
    with app.app_context():
        for week in history:
            assert S.freeze_week(week)
        expected = {week: sorted((r.unit_id, r.projects, r.advances) for r in
                                 WeekUnitFigures.select().where(WeekUnitFigures.week == week)) for week in history}
        new_in = WeekNewInList.select().count()
        # As a portal before migration 0012 left them.
        WeekUnitFigures.delete().execute()
        WeekNewInList.delete().execute()
        FlagSnapshot.update(reported=None).execute()
        WeekFreeze.update(figures_frozen_at=None, report_deadline=None).execute()
    logs = run_at_once(app, tmp_path, ["upgrade", "upgrade"])
    done = [re.findall(r"(\d{4}-W\d{2})", log) for log in logs]
    assert sorted(done[0] + done[1]) == history  # each week by one process only
    with app.app_context():
        assert {week: sorted((r.unit_id, r.projects, r.advances) for r in
                             WeekUnitFigures.select().where(WeekUnitFigures.week == week))
                for week in history} == expected
        assert WeekNewInList.select().count() == new_in > 0
        assert WeekFreeze.select().where(WeekFreeze.figures_frozen_at.is_null()).count() == 0
