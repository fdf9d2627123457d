"""Where the portal's shipped files live, in a source checkout and in an installed wheel.

In a checkout the top-level folders templates/, static/ and plugins/ sit beside
portal/; an installed wheel maps them into the package (see setup.cfg).
"""
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _shipped(packaged_name: str, top_level_name: str) -> Path:
    inside = PACKAGE_DIR / packaged_name
    if inside.is_dir():
        return inside
    return PACKAGE_DIR.parent / top_level_name


TEMPLATES_DIR = _shipped("templates", "templates")
STATIC_DIR = _shipped("static", "static")
BUNDLED_PLUGINS_DIR = _shipped("bundled_plugins", "plugins")
TRANSLATIONS_DIR = PACKAGE_DIR / "translations"
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"
