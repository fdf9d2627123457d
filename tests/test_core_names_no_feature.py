"""The core names no feature (issue #14): the top-level modules of ``portal/`` and the core
packages neither import a feature package nor hold its module path, its endpoints or its name in
their code, and ``templates/base.html`` builds no URL to a feature. Features reach the core
through hooks (docs/CONTRIBUTING.md, "Core and features"); which they are is data
(``portal/features.toml``). Docstrings and comments may mention a feature; code may not."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from portal import features

ROOT = Path(__file__).resolve().parent.parent
#: The core: the top-level modules and these packages (the rest of portal/ are features, models
#: and migrations, which keep every feature's tables in one schema).
CORE_PACKAGES = ("projects", "auth", "admin", "notifications")
FEATURES = sorted({p.module.split(".")[1] for p in features.builtin() if p.feature})
#: Words that are a feature's name but mean something else here: (module, word) -> why.
NOT_THE_FEATURE = {
    ("portal/rules.py", "review"): "the [YEAR.review] table of a rules file: its format, which the core checks",
}


def feature_blueprints(app) -> set[str]:
    """The blueprint names of the feature packages (the first part of their endpoints)."""
    return {bp.name for bp in app.blueprints.values()
            if bp.import_name.split(".")[:2] in [["portal", f] for f in FEATURES]}


def _docstrings(tree) -> set[int]:
    """ids of the docstring nodes of a module and its classes and functions."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                found.add(id(first.value))
    return found


def names_of_features(source: str, blueprints: set[str]) -> list[str]:
    """What in a module's code names a feature: imports, and string literals that are a feature's
    module path, endpoint or name (docstrings and comments are prose and left alone)."""
    tree = ast.parse(source)
    prose = _docstrings(tree)
    module_path = re.compile(r"^portal\.(%s)(\.|$)" % "|".join(FEATURES))
    endpoint = re.compile(r"^(%s)\.\w+$" % "|".join(map(re.escape, sorted(blueprints))))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if module_path.match(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if module_path.match(node.module):
                found.append(f"from {node.module} import …")
            elif node.module == "portal":
                found += [f"from portal import {a.name}" for a in node.names if a.name in FEATURES]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose:
            text = node.value.strip()
            if module_path.match(text) or endpoint.match(text) or text in FEATURES:
                found.append(f"{node.value!r} (line {node.lineno})")
    return found


def core_modules(root: Path) -> list[Path]:
    modules = sorted((root / "portal").glob("*.py"))
    for package in CORE_PACKAGES:
        modules += sorted((root / "portal" / package).rglob("*.py"))
    return modules


def template_names_of_features(html: str, blueprints: set[str]) -> list[str]:
    pattern = r"""url_for\(\s*['"]((%s)\.\w+)['"]|portal\.(%s)\b""" % (
        "|".join(map(re.escape, sorted(blueprints))), "|".join(FEATURES))
    return [m.group(0) for m in re.finditer(pattern, html)]


def test_the_core_names_no_feature(app):
    blueprints = feature_blueprints(app)
    assert {"ranking", "sourcing", "problems", "scheduling"} <= blueprints
    found = {}
    for path in core_modules(ROOT):
        module = str(path.relative_to(ROOT))
        names = [name for name in names_of_features(path.read_text(encoding="utf-8"), blueprints)
                 if (module, name.split("'")[1] if name.startswith("'") else name) not in NOT_THE_FEATURE]
        if names:
            found[module] = names
    names = template_names_of_features((ROOT / "templates" / "base.html").read_text(encoding="utf-8"), blueprints)
    if names:
        found["templates/base.html"] = names
    assert found == {}, "the core names features (let the feature register itself through a hook)"


@pytest.mark.parametrize("code, named", [
    ("from portal.scheduling import snapshots", True),
    ("import portal.ranking.plugin", True),
    ("from portal import figures, sourcing", True),
    ("PLUGINS = ['portal.api.plugin']", True),
    ("url = url_for('ranking.index')", True),
    ("SECTIONS = {'problems': 1}", True),
    ('"""Scheduling counts (portal.scheduling.snapshots) and ranking.index."""\nx = 1', False),
    ("def f():\n    '''portal.sourcing decides'''\n    return 'projects.show'  # portal.ranking", False),
    ("from portal import figures, permissions", False),
])
def test_the_check_tells_code_from_prose(app, code, named):
    assert bool(names_of_features(code, feature_blueprints(app))) == named


def test_the_check_reads_the_menu_template():
    assert template_names_of_features("{{ url_for('ranking.index') }}", {"ranking"})
    assert not template_names_of_features("{{ url_for(item.endpoint) }} {{ url_for('home.index') }}", {"ranking"})


def test_no_blueprint_adds_app_wide_template_names():
    """Template names come from ``portal_template_globals``: one place, checked for clashes, and
    absent with the feature (a blueprint's app-wide context processor or global was neither)."""
    found = [f"{path.relative_to(ROOT)}:{number}"
             for path in sorted((ROOT / "portal").rglob("*.py"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if re.search(r"\.app_(context_processor|template_global|template_filter|template_test)\b", line)]
    assert found == []
