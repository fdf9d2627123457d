"""The projects counted by stage and flag that the database keeps (migration 0051,
portal.figures.tally): after any change to the projects, in any way they are written, the
dashboard's funnel and flag counts equal a count of the projects themselves."""
from __future__ import annotations

import datetime as dt
import random
import re
from decimal import Decimal

import peewee
import pytest
from peewee import fn

from portal import figures
from portal.db import database
from portal.figures import tally
from portal.figures.scope import Scope
from portal.figures.sql import money
from portal.models import STAGES, Project, ProjectTally
from tests.figures_helpers import city_scopes, figure_triggers  # noqa: F401 - the fixture, by name
from tests.forms_helpers import forms_on, submit

pytestmark = pytest.mark.usefixtures("figure_triggers")  # MySQL keeps no tally


def _counted_from_the_projects(scope: Scope, column) -> dict:
    query = (Project.select(column, fn.COUNT(Project.id), fn.SUM(Project.total_investment))
             .where(scope.condition()).group_by(column))
    return {value: (n, money(total)) for value, n, total in query.tuples() if n}


def _assert_same(app, org):
    with app.app_context():
        assert tally.available()
        for scope in city_scopes(org):
            for column, tallied in ((Project.stage, ProjectTally.stage), (Project.flag, ProjectTally.flag)):
                assert tally.counts(scope, tallied) == _counted_from_the_projects(scope, column), (scope, column)
            funnel = {s.stage: (s.count, s.investment) for s in figures.funnel(scope) if s.count}
            expected = _counted_from_the_projects(scope, Project.stage)
            assert funnel == {stage: expected[stage] for stage in funnel} and set(expected) <= set(STAGES)
            flags = figures.flag_counts("2099-W01", scope)  # a week never frozen: today's flags
            live = _counted_from_the_projects(scope, Project.flag)
            assert flags == {flag: live.get(flag, (0,))[0] for flag in ("red", "yellow", "green")}


def test_every_way_of_writing_projects_keeps_the_counts_equal_to_the_projects(app, org, monkeypatch):
    """Random inserts (one and many at once), updates of every counted column (one project and
    many), archiving, deletions, and a folding of the rows halfway: after each round the tally
    says what a count of the projects says, for the city, a county, a team's unit, an industry,
    a team and a combination."""
    rng = random.Random(20261201)
    units = [org.units[k] for k in ("bureau", "county_a", "town_a", "county_b", "team")]
    creator = org.users["bureau"]
    amounts = [Decimal("0"), Decimal("0.01"), Decimal("1234.56"), Decimal("99999.99"), Decimal("5")]

    def values():
        return dict(name=f"P{rng.randrange(10**6)}", responsible_unit=rng.choice(units[:4]),
                    source_team=rng.choice([None, units[4]]), industry_code=rng.choice(["", "ind1", "ind2"]),
                    stage=rng.choice(STAGES), flag=rng.choice(["green", "yellow", "red"]),
                    total_investment=rng.choice(amounts), clue_on=dt.date(2026, 1, 5), created_by=creator)

    with app.app_context(), database.connection_context():
        for round_ in range(6):
            Project.create(**values())
            Project.insert_many([values() for _ in range(rng.randrange(1, 30))]).execute()
            ids = [p.id for p in Project.select(Project.id)]
            one = Project.get_by_id(rng.choice(ids))
            one.stage, one.total_investment = rng.choice(STAGES), rng.choice(amounts)
            one.save()
            some = rng.sample(ids, min(len(ids), 10))
            Project.update(flag=rng.choice(["green", "yellow", "red"])).where(Project.id.in_(some)).execute()
            Project.update(responsible_unit=rng.choice(units[:4]), industry_code="ind2").where(
                Project.id.in_(rng.sample(ids, min(len(ids), 5)))).execute()
            Project.update(archived=True).where(Project.id == rng.choice(ids)).execute()
            Project.update(name="renamed").where(Project.id.in_(some)).execute()  # nothing counted changes
            Project.delete().where(Project.id.in_(rng.sample(ids, min(len(ids), 3)))).execute()
            with database.atomic() as transaction:  # a change undone is no change
                Project.update(stage="dropped").execute()
                transaction.rollback()
            _assert_same(app, org)
            if round_ == 2:
                rows = ProjectTally.select().count()
                monkeypatch.setattr(tally, "COMPACT_AFTER", 0)
                _assert_same(app, org)  # reading folds the rows
                monkeypatch.setattr(tally, "COMPACT_AFTER", 20_000)
                assert ProjectTally.select().count() < rows
                _assert_same(app, org)


def test_folding_drops_groups_that_add_up_to_nothing_and_a_fold_twice_changes_nothing(app, org, make_project):
    with app.app_context(), database.connection_context():
        kept = make_project(name="Kept", stage="signed")
        gone = make_project(name="Gone", stage="started", unit="county_b")
        kept.stage = "started"
        kept.save()
        gone.delete_instance()
        tally.compact()
        rows = list(ProjectTally.select().dicts())
        assert [(r["stage"], r["projects"], r["investment_cents"]) for r in rows] == [("started", 1, 1_000_000)]
        tally.compact()
        assert list(ProjectTally.select().dicts()) != [] and ProjectTally.select().count() == 1
        assert tally.counts(Scope(), ProjectTally.stage) == {"started": (1, Decimal("10000.00"))}


def test_the_dashboard_funnel_follows_a_stage_changed_on_the_projects_page(app, org, login, make_project):
    """What a person sees: after the stage is changed through the project's stage form, the
    funnel on /dashboard counts the project in its new stage and no longer in its old one."""
    project = make_project(name="Moving", stage="negotiating")
    client = login("bureau")

    def funnel() -> dict:
        """The funnel table's counts, by the stage each count links to."""
        html = client.get("/dashboard").get_data(as_text=True)
        table = html.split('id="panel-funnel"')[1].split("</table>")[0].split("<tbody>")[1]
        return {stage: int(n) for stage, n in re.findall(r'stage=(\w+)">(\d+)</a>', table)}

    assert funnel()["negotiating"] == 1 and funnel()["signed"] == 0

    url = f"/projects/{project.id}/stage"
    [form] = [f for f in forms_on(client.get(url).get_data(as_text=True), url) if "to_stage" in f.names()]
    form.choose("to_stage", "signed")
    form.type_into("contracted_amount", "8000")
    response = submit(client, form)
    assert response.status_code == 303, re.findall(r"<p class=\"error\"[^>]*>([^<]*)", response.get_data(as_text=True))
    with app.app_context():
        assert tally.counts(Scope(), ProjectTally.stage) == {"signed": (1, Decimal("10000.00"))}
    assert funnel()["negotiating"] == 0 and funnel()["signed"] == 1


def test_a_database_without_the_triggers_is_counted_from_the_projects(app, org, make_project, monkeypatch):
    """MySQL keeps no tally: the same figures come from the projects."""
    make_project(name="A", stage="signed", flag="red")
    with app.app_context():
        with_tally = ([(s.stage, s.count, s.investment) for s in figures.funnel()], figures.flag_counts("2099-W01"))
        monkeypatch.setattr(tally, "available", lambda: False)
        without = ([(s.stage, s.count, s.investment) for s in figures.funnel()], figures.flag_counts("2099-W01"))
    assert with_tally == without and without[1]["red"] == 1


def test_the_migration_counts_the_projects_already_there(app, org, make_project):
    """Upgrading a database with projects: the tally starts from what they are (the migration
    fills it), and dropping the triggers and table again (down) leaves the projects alone."""
    make_project(name="Old", stage="signed")
    with app.app_context(), database.connection_context():
        ProjectTally.delete().execute()
        migration = next(m for m in __import__("portal.schema", fromlist=["x"]).known_migrations()
                         if m.name.startswith("0051_"))
        module = migration.load()
        module.down(None, database.obj)
        assert "project_tally" not in database.get_tables()
        module.up(None, database.obj)
        assert tally.counts(Scope(), ProjectTally.stage) == {"signed": (1, Decimal("10000.00"))}
        assert isinstance(database.obj, (peewee.SqliteDatabase, peewee.PostgresqlDatabase))


def test_a_count_read_while_another_process_writes_answers_at_once_and_folds_later(app, org, make_project,
                                                                                  monkeypatch):
    """SQLite: a page reading the counts while another process holds the write lock (an import)
    does not wait the busy timeout (15 s) to fold the rows; it answers, and a later count folds."""
    import sqlite3
    import time

    if not database.obj.database.endswith(".sqlite3"):
        pytest.skip("SQLite: one writer at a time")
    for i in range(3):
        make_project(name=f"P{i}", stage="signed")
    monkeypatch.setattr(tally, "COMPACT_AFTER", 0)
    other = sqlite3.connect(database.obj.database, timeout=0)
    other.execute("BEGIN IMMEDIATE")  # the other process's write transaction
    try:
        with app.app_context(), database.connection_context():
            started = time.monotonic()
            assert tally.counts(Scope(), ProjectTally.stage) == {"signed": (3, Decimal("30000.00"))}
            assert time.monotonic() - started < 2
            assert ProjectTally.select().count() == 3  # not folded
    finally:
        other.rollback()
        other.close()
    with app.app_context(), database.connection_context():
        assert tally.counts(Scope(), ProjectTally.stage) == {"signed": (3, Decimal("30000.00"))}
        assert ProjectTally.select().count() == 1
        assert database.execute_sql("PRAGMA busy_timeout").fetchone()[0] == 15000


def test_the_seed_leaves_one_row_per_group(app, org):
    """`portal seed` folds the rows its inserts added (one a project on SQLite): the first page
    that counts afterwards does not fold tens of thousands of them."""
    from portal.projects.seed import seed_projects

    with app.app_context(), database.connection_context():
        seed_projects(40, rng=random.Random(3), today=dt.date(2026, 11, 30))
        groups = Project.select(Project.responsible_unit, Project.source_team, Project.industry_code, Project.stage,
                                Project.flag, Project.archived).distinct().count()
        assert ProjectTally.select().count() == groups
        assert sum(n for n, _ in tally.counts(Scope(), ProjectTally.stage).values()) == 40
