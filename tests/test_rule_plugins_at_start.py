"""A rule plugin enabled or removed between two starts recomputes the stored flags once, at the
next start (``portal serve`` and ``portal db upgrade`` call ``portal.rule_plugins``), as choosing
another system on /admin/plugins does at once."""
import datetime as dt

import pytest

from portal import rule_plugins
from portal.db import backend, database
from portal.models import Project, Setting
from tests.plugins_helpers import BUNDLED, other_app

RED_CLUES = '''
from portal import hookimpl

__version__ = "1.0"


@hookimpl
def portal_project_flags(project, context):
    return [{"level": "red", "reason": "Every clue is red in this county"}]
'''


def _start(app, **config):
    """What a start does: build the app, then compare the rule plugins with the last start's."""
    portal = other_app(app, **config)
    with portal.app_context():
        recomputed = rule_plugins.recompute_if_changed()
    return portal, recomputed


def test_a_flags_plugin_added_then_removed_recomputes_the_stored_flags_at_the_next_start(app, org, make_project,
                                                                                         tmp_path):
    (tmp_path / "red_clues.py").write_text(RED_CLUES, encoding="utf-8")
    project = make_project(name="Quiet clue", stage="clue", clue_on=dt.date.today())
    with_plugin = {"PLUGINS_DIR": str(tmp_path), "LOAD_PLUGINS": f"{BUNDLED},red_clues"}

    assert _start(app)[1]  # the first start records the plugins (and recomputes, nothing stored yet)
    assert not _start(app)[1]  # the same plugins: nothing to do
    assert Project.get_by_id(project.id).flag != "red"

    _portal, recomputed = _start(app, **with_plugin)
    assert recomputed and Project.get_by_id(project.id).flag == "red"
    assert "red_clues==1.0" in Setting.get_value(rule_plugins.SETTING_KEY)
    assert not _start(app, **with_plugin)[1]  # a second process starting with the same plugins

    _portal, recomputed = _start(app)  # the plugin removed
    assert recomputed and Project.get_by_id(project.id).flag != "red"


def test_of_two_processes_starting_together_one_recomputes(app, org):
    with app.app_context():
        current = rule_plugins.fingerprint()
        Setting.set_value(rule_plugins.SETTING_KEY, "old_plugin==0.1")
        assert rule_plugins._claim(current) is True
        assert rule_plugins._claim(current) is False  # the other process finds it stored


def test_on_postgresql_a_start_that_rewrote_the_flags_vacuums_the_projects(app, org, make_project, tmp_path):
    """The rewritten rows' dead copies would make every list read the table until autovacuum came
    by (three times slower where it is off): the start vacuums the projects itself."""
    if backend() != "postgresql":
        pytest.skip("PostgreSQL only: SQLite and MySQL update rows in place")
    (tmp_path / "red_clues.py").write_text(RED_CLUES, encoding="utf-8")
    for n in range(20):
        make_project(name=f"Clue {n}", stage="clue", clue_on=dt.date.today())
    _start(app)

    def vacuums():
        database.execute_sql("SELECT pg_stat_clear_snapshot()")
        return database.execute_sql("SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'project' "
                                    "AND schemaname = current_schema()").fetchone()[0]

    before = vacuums()
    _portal, recomputed = _start(app, PLUGINS_DIR=str(tmp_path), LOAD_PLUGINS=f"{BUNDLED},red_clues")
    assert recomputed and Project.select().where(Project.flag == "red").count() == 20
    assert vacuums() == before + 1
