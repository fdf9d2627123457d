"""What the tests of the figures the database keeps share (the tally of migration 0051, the capital
entries' copies of migration 0052): the scopes they compare, and a fixture that skips a test where
the database keeps no triggers (MySQL, whose figures read the projects)."""
from __future__ import annotations

import pytest

from portal.db import keeps_figure_triggers
from portal.figures.scope import Scope


@pytest.fixture
def figure_triggers(app):
    """Skip where the database keeps no figure triggers (MySQL)."""
    with app.app_context():
        if not keeps_figure_triggers():
            pytest.skip("MySQL keeps no figure triggers: its figures read the projects")


def city_scopes(org) -> list[Scope]:
    """The city, a county, a stationed team's unit, an industry, a team, and a unit with an industry."""
    return [Scope(), Scope(unit_id=org.units["county_a"].id), Scope(unit_id=org.units["team"].id),
            Scope(industry="ind1"), Scope(team_id=org.units["team"].id),
            Scope(unit_id=org.units["bureau"].id, industry="ind2")]
