"""The plugin platform: discovery, blocking, fault isolation, the plugins page, `portal plugins`."""
import logging
import sys
import textwrap

import pytest

from portal import hookimpl, plugins
from portal.models import AuditLog, PluginState
from tests.plugins_helpers import BUNDLED, login_to, other_app, temporary_plugin


def write(folder, name, source):
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(textwrap.dedent(source), encoding="utf-8")
    return folder


def test_core_and_bundled_plugins_are_listed_with_source_version_and_hooks(app, org, login):
    with app.app_context():
        rows = {row["name"]: row for row in plugins.registry().plugin_list()}
    assert rows["portal.home"]["source"] == "core"
    bundled = rows["six_plus_three"]
    assert bundled["source"] == "bundled" and bundled["version"] == "1.0.0" and bundled["status"] == "active"
    assert "portal_project_review" in bundled["hooks"] and "portal_industry_systems" in bundled["hooks"]
    page = login("admin").get("/admin/plugins").get_data(as_text=True)
    assert "six_plus_three" in page and "portal_project_review" in page and "restart" in page


def test_plugins_page_is_for_administrators_only(app, org, login):
    assert login("bureau").get("/admin/plugins").status_code == 403
    assert login("admin").post_form("/admin/plugins/portal.home/state", {"enabled": "0"}).status_code == 400


def test_load_plugins_limits_non_core_plugins(app, org):
    only = other_app(app, LOAD_PLUGINS="four_plus_one")
    with only.app_context():
        names = set(plugins.registry().infos)
    assert "four_plus_one" in names and "six_plus_three" not in names and "portal.home" in names
    none = other_app(app, LOAD_PLUGINS="")
    with none.app_context():
        assert {i.source for i in plugins.registry().infos.values()} == {"core"}


def test_plugins_dir_py_file_provides_blueprint_and_menu_item(app, org, tmp_path):
    folder = write(tmp_path / "plugdir", "county_extra.py", '''
        from flask import Blueprint
        from portal import hookimpl
        __version__ = "3.1"
        bp = Blueprint("county_extra", __name__)

        @bp.route("/county-extra")
        def page():
            return "county extra page"

        @hookimpl
        def portal_blueprints():
            return [bp]

        @hookimpl
        def portal_menu_items(user):
            return [{"endpoint": "county_extra.page", "label": "County extra", "order": 5}]
    ''')
    portal = other_app(app, PLUGINS_DIR=str(folder), LOAD_PLUGINS=BUNDLED + ",county_extra")
    client = login_to(portal, "bureau")
    assert client.get("/county-extra").get_data(as_text=True) == "county extra page"
    assert "County extra" in client.get("/").get_data(as_text=True)
    with portal.app_context():
        info = plugins.registry().infos["county_extra"]
    assert info.source == "folder" and info.version == "3.1"


BROKEN = {
    "broken_import.py": "import a_module_that_does_not_exist\n",
    "raising_panel.py": '''
        from portal import hookimpl

        @hookimpl
        def portal_template_panels(slot, context):
            raise RuntimeError("panel exploded")
    ''',
    "bad_menu.py": '''
        from portal import hookimpl

        @hookimpl
        def portal_menu_items(user):
            return "not a list"
    ''',
    "misspelled.py": '''
        from portal import hookimpl

        @hookimpl
        def portal_menu_itemz(user):
            return []
    ''',
}
BROKEN_NAMES = ",".join(name.removesuffix(".py") for name in BROKEN)


@pytest.fixture
def broken_dir(tmp_path):
    folder = tmp_path / "broken"
    for name, source in BROKEN.items():
        write(folder, name, source)
    return folder


def test_failing_plugins_are_skipped_and_listed_when_not_strict(app, org, make_project, broken_dir):
    portal = other_app(app, PLUGINS_DIR=str(broken_dir), STRICT_PLUGINS=False, LOAD_PLUGINS=BROKEN_NAMES)
    project = make_project(name="Isolated project")
    client = login_to(portal, "admin")
    home = client.get("/")
    assert home.status_code == 200  # bad_menu's answer is dropped; the menu still renders
    page = client.get(f"/projects/{project.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Isolated project" in text and "raising_panel" in text and "Part of this page is missing" in text
    admin_page = client.get("/admin/plugins").get_data(as_text=True)
    assert "ModuleNotFoundError" in admin_page and "a_module_that_does_not_exist" in admin_page
    assert "panel exploded" in admin_page
    assert "bad_menu" in admin_page and "expected a list" in admin_page
    assert "portal_menu_itemz" in admin_page  # check_pending caught the misspelled hook
    with portal.app_context():
        statuses = {r["name"]: r["status"] for r in plugins.registry().plugin_list()}
    assert statuses["broken_import"] == "failed" and statuses["misspelled"] == "failed"
    assert statuses["raising_panel"] == "errors" and statuses["bad_menu"] == "errors"


@pytest.mark.parametrize("name", ["broken_import", "misspelled"])
def test_strict_mode_makes_start_up_failures_fatal(app, broken_dir, name):
    with pytest.raises(plugins.PluginError, match=name):
        other_app(app, PLUGINS_DIR=str(broken_dir), STRICT_PLUGINS=True, LOAD_PLUGINS=name)


def test_strict_mode_raises_on_an_exception_or_a_bad_value_in_a_hook(app, org):
    class Raising:
        @hookimpl
        def portal_menu_items(self, user):
            raise RuntimeError("boom")

    class Bad:
        @hookimpl
        def portal_industry_systems(self):
            return [{"code": "x", "industries": [{"code": "a", "kind": "sideways"}]}]

    with temporary_plugin(app, Raising(), "raising"), app.test_request_context():
        with pytest.raises(plugins.PluginError, match="boom"):
            plugins.menu_items(org.users["bureau"])
    with temporary_plugin(app, Bad(), "bad"), app.test_request_context():
        with pytest.raises(plugins.PluginError, match="kind.. must be one of 'leading', 'characteristic'"):
            plugins.call("portal_industry_systems", context=None)


def test_a_disabled_plugin_is_blocked_before_import_and_can_be_enabled(app, org, login, tmp_path):
    marker = tmp_path / "imported.txt"
    folder = write(tmp_path / "d", "noisy.py", f'''
        from pathlib import Path
        Path({str(marker)!r}).write_text("imported")
        from portal import hookimpl

        @hookimpl
        def portal_menu_items(user):
            return []
    ''')
    admin = login("admin")
    portal = other_app(app, PLUGINS_DIR=str(folder), LOAD_PLUGINS="noisy")
    assert marker.exists()
    marker.unlink()
    sys.modules.pop("portal_plugin_folder_noisy", None)
    response = login_to(portal, "admin").post_form("/admin/plugins/noisy/state", {"enabled": "0"})
    assert response.status_code == 303
    assert PluginState.get(PluginState.name == "noisy").enabled is False
    entry = AuditLog.select().where(AuditLog.entity == "plugin").get()
    assert entry.action == "disable" and entry.note == "noisy"
    assert "noisy" in login_to(portal, "admin").get("/admin/plugins").get_data(as_text=True)

    restarted = other_app(app, PLUGINS_DIR=str(folder), LOAD_PLUGINS="noisy")
    assert not marker.exists()  # never imported
    with restarted.app_context():
        assert restarted.extensions["portal_plugins"].pm.is_blocked("noisy")
        assert plugins.registry().infos["noisy"].status == "disabled"
    page = login_to(restarted, "admin").get("/admin/plugins").get_data(as_text=True)
    assert "Disabled" in page and "Enable" in page
    assert login_to(restarted, "admin").post_form("/admin/plugins/noisy/state", {"enabled": "1"}).status_code == 303
    assert admin.post_form("/admin/plugins/unknown/state", {"enabled": "1"}).status_code == 404
    assert PluginState.get(PluginState.name == "noisy").enabled is True


def test_trace_switch_logs_every_hook_call(app, org, caplog):
    traced = other_app(app, TRACE_HOOKS="1")
    with caplog.at_level(logging.INFO, logger="portal.plugins"):
        client = login_to(traced, "bureau")
        client.get("/")
    assert any("hook trace: portal_menu_items" in r.getMessage() for r in caplog.records)


def test_portal_plugins_command_prints_the_list(app, org, monkeypatch):
    from portal.cli import cli

    monkeypatch.setenv("PORTAL_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("PORTAL_INSTANCE", app.instance_path)
    monkeypatch.setenv("PORTAL_LOAD_PLUGINS", BUNDLED)
    result = app.test_cli_runner().invoke(cli, ["plugins"])
    assert result.exit_code == 0, result.output
    assert "six_plus_three\t1.0.0\tbundled\tactive" in result.output
    assert "portal.home" in result.output and "industry system: core" in result.output


def test_a_refusal_says_why_in_the_users_language(app, org, login):
    """abort(code, message) shows the message, not the status code's generic text."""
    admin = login("admin")
    response = admin.post_form("/admin/plugins/portal.home/state", {"enabled": "0"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "own plugins cannot be disabled." in page
    app.config["RULES"] = "six_plus_three"
    response = admin.post_form("/admin/plugins/rules", {"system": "core"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "The industry system is fixed by PORTAL_RULES." in page
    assert "Someone else changed this record" not in page
