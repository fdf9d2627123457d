"""The portal's own plugins, read from ``portal/features.toml``, and the features a deployment
turned off (the setting FEATURES_OFF, ``PORTAL_FEATURES_OFF="ranking,sourcing"``).

The list lives in a data file so the core names no feature: ``portal.plugins`` registers what it
lists, in its order, before any county plugin. An entry with a ``feature`` belongs to a feature
package a deployment may turn off; the others are the core's and always load.
"""
from __future__ import annotations

import functools
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import flask

LIST_FILE = Path(__file__).with_name("features.toml")


@dataclass(frozen=True)
class BuiltinPlugin:
    module: str
    feature: str | None  # None: the core's


@functools.cache
def builtin() -> tuple[BuiltinPlugin, ...]:
    entries = tomllib.loads(LIST_FILE.read_text(encoding="utf-8"))["plugin"]
    return tuple(BuiltinPlugin(entry["module"], entry.get("feature")) for entry in entries)


def names() -> list[str]:
    """Every feature that can be turned off, in the order of the list."""
    return list(dict.fromkeys(p.feature for p in builtin() if p.feature))


def parse_off(value) -> frozenset[str]:
    """The features FEATURES_OFF names (a comma-separated string or a list); an unknown name is an
    error at start-up rather than a feature silently left on."""
    parts = value if isinstance(value, (list, tuple, set, frozenset)) else str(value or "").split(",")
    off = frozenset(str(part).strip() for part in parts if str(part).strip())
    unknown = sorted(off - set(names()))
    if unknown:
        raise RuntimeError(f"PORTAL_FEATURES_OFF names no feature {', '.join(map(repr, unknown))}; "
                           f"the features are {', '.join(names())}.")
    return off


def modules(off=frozenset()) -> list[str]:
    """The plugin modules to register, in order, without those of the features turned off."""
    return [p.module for p in builtin() if p.feature not in off]


def off_before_app() -> frozenset[str]:
    """FEATURES_OFF as the app will read it (the environment, else the instance's portal.cfg), for
    the command line, which is built before any app."""
    if os.environ.get("PORTAL_FEATURES_OFF"):
        return parse_off(os.environ["PORTAL_FEATURES_OFF"])
    from portal.config import default_instance_path  # portal.config reads this module's parse_off

    config = flask.Config(str(default_instance_path()))
    config.from_pyfile(str(default_instance_path() / "portal.cfg"), silent=True)
    return parse_off(config.get("FEATURES_OFF", ""))
