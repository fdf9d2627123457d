"""`portal demo` with the scheduling: progress reports and milestones on demo projects, green,
yellow and red projects, the weeks of the history frozen, idempotent."""
import datetime as dt

import pytest

from portal.models import FlagSnapshot, Milestone, ProgressReport, Project, WeekFreeze


@pytest.fixture
def demo(app, monkeypatch, password_hash):
    import portal.demo

    monkeypatch.setattr(portal.demo, "hash_password", lambda password: password_hash)

    def _run():
        with app.app_context():
            return portal.demo.build_demo("password123", dt.date(2026, 11, 21))

    return _run


def test_demo_shows_green_yellow_and_red_projects(demo):
    context = demo()
    if not Project.select().exists():
        pytest.skip("no feature adds demo projects")
    flags = {flag for (flag,) in Project.select(Project.flag).distinct().tuples()}
    assert {"green", "yellow", "red"} <= flags
    assert context.created["progress reports"] == ProgressReport.select().count() > 100
    assert Milestone.select().count() > 10
    assert WeekFreeze.select().count() == 8
    assert FlagSnapshot.select().where(FlagSnapshot.flag == "yellow").exists()
    reports, frozen = ProgressReport.select().count(), WeekFreeze.select().count()
    demo()  # idempotent
    assert ProgressReport.select().count() == reports and WeekFreeze.select().count() == frozen


def test_demo_without_projects_adds_nothing(app):
    from portal.demo import DemoContext
    from portal.scheduling.demo import add_demo_data
    import random

    with app.app_context():
        context = DemoContext(units={}, users={}, rng=random.Random(1), today=dt.date(2026, 11, 21), password_hash="x")
        add_demo_data(context)
        assert ProgressReport.select().count() == 0 and WeekFreeze.select().count() == 0
