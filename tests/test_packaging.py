"""`pip install .` (not only -e) must give a complete portal: setup.cfg lists every package and
its package_data globs take every template, static file, translation and bundled plugin.
(.ci/run also builds the wheel, installs it in a fresh virtualenv and serves from it.)"""
from __future__ import annotations

import configparser
import glob
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IGNORED = ("__pycache__", ".pyc", ".pyo", ".DS_Store", "~")


def _setup_cfg():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg", encoding="utf-8")
    return cfg


def _lines(value: str) -> list[str]:
    return [line.split("#")[0].strip() for line in value.splitlines() if line.split("#")[0].strip()]


def _package_dirs() -> dict[str, Path]:
    """{package name: its folder}, as setuptools resolves them through package_dir."""
    cfg = _setup_cfg()
    mapping = dict(line.split("=", 1) for line in _lines(cfg["options"]["package_dir"]))
    mapping = {k.strip(): v.strip() for k, v in mapping.items()}
    dirs = {}
    for package in _lines(cfg["options"]["packages"]):
        # The longest mapped prefix decides (portal.templates -> templates/, portal.x -> portal/x).
        prefix = max((p for p in mapping if package == p or package.startswith(p + ".")), key=len)
        rest = package[len(prefix):].lstrip(".").replace(".", "/")
        dirs[package] = ROOT / mapping[prefix] / rest
    return dirs


def _package_data() -> dict[str, list[str]]:
    cfg = _setup_cfg()
    return {k: [g.strip() for g in v.replace("\n", ",").split(",") if g.strip()]
            for k, v in cfg["options.package_data"].items()}


def _shipped_files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")
            if p.is_file() and not any(part in str(p) for part in IGNORED)}


def _covered(folder: Path, globs: list[str]) -> set[str]:
    """What setuptools takes for these package_data globs (recursive ** as setuptools does)."""
    return {str(Path(f)) for pattern in globs for f in glob.glob(pattern, root_dir=folder, recursive=True)
            if (folder / f).is_file()}


def test_every_python_package_under_portal_is_listed():
    listed = set(_package_dirs())
    missing = []
    for init in (ROOT / "portal").rglob("*.py"):
        folder = init.parent
        if "__pycache__" in folder.parts:
            continue
        name = ".".join(folder.relative_to(ROOT).parts)
        if name not in listed:
            missing.append(name)
    assert not sorted(set(missing)), f"add to [options] packages in setup.cfg: {sorted(set(missing))}"


def test_every_listed_package_exists_with_its_init():
    problems = []
    for package, folder in _package_dirs().items():
        if not folder.is_dir():
            problems.append(f"{package}: no folder {folder.relative_to(ROOT)}")
        elif (package.count(".")
              and package.split(".")[1] not in ("templates", "static", "bundled_plugins", "translations")
              and not (folder / "__init__.py").exists()):
            problems.append(f"{package}: no __init__.py")
    assert not problems, problems


def test_listed_packages_are_in_git_so_a_fresh_clone_builds():
    """An empty folder is not in git: a package listed in setup.cfg but without a committed
    file makes `pip install .` fail in a fresh clone ("package directory … does not exist")."""
    try:
        tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        pytest.skip("git is not available")
    if tracked.returncode != 0:
        pytest.skip("not a git checkout")
    folders = {str(Path(f).parent) for f in tracked.stdout.splitlines()}
    folders |= {str(p) for f in list(folders) for p in Path(f).parents}
    missing = [package for package, folder in _package_dirs().items()
               if str(folder.relative_to(ROOT)) not in folders]
    assert not missing, f"listed in setup.cfg but nothing committed there: {missing}"


@pytest.mark.parametrize("package", ["portal.templates", "portal.static", "portal.translations",
                                     "portal.bundled_plugins", "portal.migrations"])
def test_package_data_takes_every_shipped_file(package):
    folder = _package_dirs()[package]
    globs = _package_data().get(package)
    assert globs, f"no package_data for {package}"
    shipped = _shipped_files(folder)
    if package in ("portal.translations", "portal.migrations", "portal.bundled_plugins"):
        # .py files of a listed package travel as modules; the rest must be package data.
        listed = set(_package_dirs())
        shipped = {f for f in shipped if not (f.endswith(".py") and ".".join([package, *Path(f).parent.parts])
                                              .rstrip(".") in listed)}
    left_out = sorted(shipped - _covered(folder, globs))
    assert not left_out, f"{package}: package_data globs {globs} leave out {left_out}"


def test_translations_and_vendored_files_are_present_to_ship():
    assert glob.glob("**/messages.mo", root_dir=ROOT / "portal" / "translations", recursive=True)
    assert (ROOT / "static" / "vendor" / "htmx" / "htmx.min.js").exists()
    assert (ROOT / "static" / "css" / "portal.css").exists()


def test_console_script_and_extras():
    cfg = _setup_cfg()
    assert "portal = portal.cli:main" in cfg["options.entry_points"]["console_scripts"]
    extras = cfg["options.extras_require"]
    assert {"test", "postgres", "mysql"} <= set(extras)
    assert "playwright" in extras["test"] and "pytest" in extras["test"]
    assert "waitress" in cfg["options"]["install_requires"]
