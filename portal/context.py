"""The context object that hooks judging a project or a unit receive.

A plugin reads what it needs from here instead of importing the portal's
internals, so later features can add attributes and accessors without breaking
installed plugins (implementations accept only the arguments they need, and
only read the attributes they know).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Mapping

from portal import labels

COUNTY_KINDS = ("county", "district", "zone")


@dataclass
class RuleContext:
    """``today``, the deployment's ``settings``, the rules ``year`` and the active system's rules."""

    today: dt.date
    settings: Mapping[str, Any]
    year: int
    #: The active industry system (a dict as returned by ``portal_industry_systems``), or None.
    system: dict | None = None
    #: The active system's rules for ``year`` (the parsed TOML section), or {}.
    rules: dict = field(default_factory=dict)
    #: Room for later features (e.g. ``extras["flags"]``) without changing the signature.
    extras: dict = field(default_factory=dict)

    @property
    def system_code(self) -> str | None:
        return self.system["code"] if self.system else None

    def setting(self, key: str, default=None):
        """A setting an administrator changed in the portal (``Setting`` table)."""
        from portal.models import Setting

        return Setting.get_value(key, default)

    def county_of(self, unit):
        """The county, district or zone a unit belongs to (itself, or the nearest such parent)."""
        while unit is not None:
            if unit.kind in COUNTY_KINDS:
                return unit
            unit = unit.parent
        return None

    def value_label(self, field: str, value) -> str:
        """A project field's stored code as the reader reads it, in their language: an industry's
        name for ``industry_code``, "Passed" for ``safety_assessment`` = "passed"; '' for none."""
        if value is None or value == "":
            return ""
        return labels.audit_value(field, value)

    def projects(self):
        """A query over every project (rules that compare a project with others)."""
        from portal.models import Project

        return Project.select().where(Project.archived == False)  # noqa: E712

    def layout_of(self, unit) -> list[str]:
        """The industry codes of a unit's county layout in the active system ([] when none)."""
        county = self.county_of(unit)
        if county is None or not self.system:
            return []
        for layout in self.system.get("layouts") or []:
            if layout.get("place") == county.name:
                return list(layout.get("industries") or [])
        return []


def make_context(system: dict | None = None, **extras) -> RuleContext:
    """A context for today, in the current app."""
    from flask import current_app

    from portal.timeutil import today

    day = today()
    rules = {}
    year = day.year
    if system is not None:
        year = system.get("year", day.year)
        rules = system.get("rules") or {}
    return RuleContext(today=day, settings=current_app.config, year=year, system=system, rules=rules,
                       extras=extras)
