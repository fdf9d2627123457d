"""The plugin kit: `portal plugin new` makes a package whose own tests pass against the installed
portal, with the fixtures of its pytest plugin (portal.testing, entry point pytest11)."""
import configparser
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from portal.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def pip_install(source: Path, target: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", str(target), str(source)],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr + result.stdout


def run_pytest(folder: Path, site: Path | None = None, *options: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(site) if site else ""}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *options], cwd=folder,
                          env=env, capture_output=True, text=True, timeout=600)


def test_the_fixtures_are_a_pytest_plugin_of_the_installed_portal():
    setup = configparser.ConfigParser()
    setup.read(ROOT / "setup.cfg")
    assert setup["options.entry_points"]["pytest11"].split() == ["portal", "=", "portal.testing"]


def docs_testing_examples() -> list[str]:
    """The Python blocks of docs/plugins.md's "Testing a plugin": its conftest.py and its test."""
    docs = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    section = docs.split("## Testing a plugin", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_a_generated_plugin_passes_its_own_tests_and_the_docs_test_against_the_installed_portal(tmp_path):
    result = CliRunner().invoke(cli, ["plugin", "new", "my_county", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    package = tmp_path / "portal-my-county"
    assert {p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file()} == {
        "pyproject.toml", "README.md", "ci.sh", "my_county/__init__.py", "my_county/rules.toml",
        "tests/conftest.py", "tests/test_my_county.py"}
    assert os.access(package / "ci.sh", os.X_OK)
    conftest, docs_test = docs_testing_examples()
    [settings] = re.findall(r"return \{.*\}", conftest)  # the docs' conftest is the generated one's
    assert settings in (package / "tests" / "conftest.py").read_text(encoding="utf-8")
    (package / "tests" / "test_from_the_docs.py").write_text(docs_test, encoding="utf-8")
    pip_install(package, tmp_path / "site")
    ran = run_pytest(package, tmp_path / "site")
    assert ran.returncode == 0 and "6 passed" in ran.stdout, ran.stdout + ran.stderr
    # The fixtures come from the portal's pytest plugin: switched off, the package has none.
    alone = run_pytest(package, tmp_path / "site", "-p", "no:portal")
    assert alone.returncode != 0 and "fixture 'app' not found" in alone.stdout, alone.stdout


def test_plugin_new_refuses_a_bad_name_and_a_folder_in_use(tmp_path):
    bad = CliRunner().invoke(cli, ["plugin", "new", "Tea-County", "--dir", str(tmp_path)])
    assert bad.exit_code == 2 and "not a valid plugin name" in bad.output
    assert CliRunner().invoke(cli, ["plugin", "new", "tea", "--dir", str(tmp_path)]).exit_code == 0
    again = CliRunner().invoke(cli, ["plugin", "new", "tea", "--dir", str(tmp_path)])
    assert again.exit_code == 2 and "not empty" in again.output


@pytest.mark.skipif(sys.platform == "win32", reason="checks file creation in a POSIX temporary folder")
def test_another_project_runs_with_the_plugin_loaded_and_nothing_is_touched(tmp_path):
    (tmp_path / "test_other.py").write_text("def test_other():\n    assert True\n", encoding="utf-8")
    ran = run_pytest(tmp_path)
    assert ran.returncode == 0 and "1 passed" in ran.stdout, ran.stdout + ran.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "__pycache__") == ["test_other.py"]
