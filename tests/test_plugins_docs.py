"""docs/plugins.md documents every hook with its hookspec's signature, every hook has a test, the
slots it names are the ones pages render, and an installed package is loaded."""
import ast
import inspect
import re
import textwrap
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


def hook_sections() -> dict[str, str]:
    docs = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    parts = re.split(r"^### (portal_\w+)$", docs, flags=re.M)
    return {name: body.split("\n## ", 1)[0] for name, body in zip(parts[1::2], parts[2::2])}


@pytest.mark.parametrize("hook", HOOKS)
def test_each_documented_signature_matches_its_hookspec(hook):
    """As Datasette's docs test: the signature the docs give is the hookspec's, argument for argument."""
    section = hook_sections()[hook]
    match = re.search(r"^`" + hook + r"\(([^)]*)\) -> ([^`]+)`", section, re.M)
    assert match, f"docs/plugins.md gives no `{hook}(...) -> ...` signature line"
    spec = getattr(hookspecs, hook)
    documented_args = [a.strip() for a in match.group(1).split(",") if a.strip()]
    assert documented_args == list(inspect.signature(spec).parameters), f"{hook}: arguments differ"
    assert match.group(2).strip() == spec.__annotations__["return"], f"{hook}: return type differs"
    first_paragraph = section.strip().split("\n\n", 1)[0]
    assert ("`firstresult`" in first_paragraph) == spec.portal_spec["firstresult"], f"{hook}: firstresult"


@pytest.mark.parametrize("hook", HOOKS)
def test_each_documented_example_takes_only_arguments_of_its_hookspec(hook):
    spec_args = set(inspect.signature(getattr(hookspecs, hook)).parameters)
    examples = re.findall(r"```python\n(.*?)```", hook_sections()[hook], re.S)
    defined = [node for code in examples for node in ast.walk(ast.parse(textwrap.dedent(code)))
               if isinstance(node, ast.FunctionDef) and node.name == hook]
    assert defined, f"{hook}: no example implementation"
    for function in defined:
        assert {a.arg for a in function.args.args} <= spec_args, f"{hook}: example takes unknown arguments"


def test_the_documented_slots_are_the_slots_pages_render():
    docs = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    table = hook_sections()["portal_template_panels"]
    documented = set(re.findall(r"^\| `(\w+)` \|", table, re.M))
    templates = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "templates").rglob("*.html"))
    rendered = set(re.findall(r'slot="(\w+)"', templates)) | set(re.findall(r'panels\("(\w+)"', templates))
    assert documented == rendered
    assert "project_sidebar" not in docs


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
