"""docs/plugins.md documents every hook, every hook has a test, and an installed package is loaded."""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from portal import hookimpl, hookspecs, plugins
from tests.plugins_helpers import login_to, other_app, temporary_plugin

ROOT = Path(__file__).resolve().parent.parent
HOOKS = sorted(name for name in dir(hookspecs) if name.startswith("portal_"))


def test_every_hook_is_documented():
    docs = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^### (portal_\w+)$", docs, re.M))
    assert set(HOOKS) - documented == set(), "undocumented hooks in docs/plugins.md"
    assert documented - set(HOOKS) == set(), "docs/plugins.md documents hooks that do not exist"


def test_every_hook_has_a_test():
    sources = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("test_*.py"))
    untested = [hook for hook in HOOKS if hook not in sources]
    assert untested == [], f"hooks without a test: {untested}"


class Watcher:
    def __init__(self):
        self.seen = []

    @hookimpl
    def portal_project_changed(self, project, change):
        self.seen.append((project.name, change))


def test_portal_project_changed_reaches_a_temporary_plugin(app, org, make_project):
    project = make_project(name="Watched")
    with temporary_plugin(app, Watcher(), "watcher") as watcher, app.test_request_context():
        plugins.project_changed(project, "edit", org.users["bureau"])
    assert watcher.seen == [("Watched", "edit")]


def test_the_example_package_is_pip_installed_and_loaded_through_its_entry_point(app, org, tmp_path, monkeypatch):
    source = tmp_path / "src"
    shutil.copytree(ROOT / "examples" / "portal-example-plugin", source)
    target = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", str(target), str(source)],
        capture_output=True, text=True, timeout=300)
    if result.returncode != 0 and "No module named 'wheel'" in (result.stderr + result.stdout):
        pytest.skip("the 'wheel' package is needed to build the example offline")
    assert result.returncode == 0, result.stderr
    monkeypatch.syspath_prepend(str(target))
    portal = other_app(app, LOAD_PLUGINS="example_plugin", RULES="example_county")
    with portal.app_context():
        info = plugins.registry().infos["example_plugin"]
        assert info.source == "package" and info.version == "0.2.0" and info.status == "active"
        assert "portal_project_review" in plugins.registry().hooks_of("example_plugin")
    with portal.test_request_context():
        from portal import extra_fields, industries

        assert [c for c, _ in industries.choices()] == ["new_materials", "tea"]
        assert [f["code"] for f in extra_fields.declared_fields()] == ["building_no"]
        assert "investment_yi" in [c["code"] for c in extra_fields.export_columns()]
    page = login_to(portal, "admin").get("/admin/plugins").get_data(as_text=True)
    assert "example_plugin" in page and "installed package" in page
