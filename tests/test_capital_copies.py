"""The capital entries' copies of their project's unit, team, industry and archiving (migration
0052, portal.figures.capital): whatever is written, the capital in place per unit, industry and
team read from the entries alone equals the same figure joined to the projects."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from portal import credit, figures
from portal.db import database
from portal.figures import aggregate, capital
from portal.figures.credit_parts import CREDITED_UNIT
from portal.figures.scope import Scope
from portal.models import CapitalEntry, Project, ProjectCredit
from portal.periods import Period
from tests.figures_helpers import city_scopes, figure_triggers  # noqa: F401 - the fixture, by name
from tests.forms_helpers import forms_on, submit

pytestmark = pytest.mark.usefixtures("figure_triggers")  # MySQL keeps no copies

GROUPS = [None, CREDITED_UNIT, (CREDITED_UNIT, Project.industry_code, Project.source_team), Project.industry_code,
          Project.source_team]


def _capital(scope, group, periods, joined: bool, monkeypatch) -> dict:
    with monkeypatch.context() as patch:
        if joined:
            patch.setattr(capital, "kept", lambda: False)
        result = aggregate.aggregate(periods, scope, group, families={"capital"})
    return {key: [values["capital_in_place"] for values in per_period] for key, per_period in result.items()}


def _assert_same(app, org, monkeypatch):
    periods = [Period.of_year(2026), Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))]
    scopes = city_scopes(org) + [Scope(credited_to=(org.units["county_b"].id, org.units["team"].id))]
    with app.app_context():  # a request's own reading of the credit rule and of the bureau's shares
        for scope in scopes:
            for group in GROUPS:
                copied = _capital(scope, group, periods, False, monkeypatch)
                joined = _capital(scope, group, periods, True, monkeypatch)
                assert copied == joined, (scope, group)


@pytest.mark.parametrize("team_share", [0, 40], ids=["all to the host", "a team takes 40%"])
def test_capital_from_the_entries_equals_capital_joined_to_the_projects_after_any_change(
        app, org, monkeypatch, team_share):
    """Entries added one and many at once, moved to another project, deleted; projects moved to
    another unit, team and industry (one and many at once), archived and deleted; shares set by the
    bureau; the county's rule giving teams a share or not: after each round, every scope and
    grouping gives the same capital both ways."""
    rng = random.Random(52)
    monkeypatch.setattr(credit, "rule", lambda: {"team": team_share, "unit": 0})  # the county's rule
    units = [org.units[k] for k in ("bureau", "county_a", "town_a", "county_b", "team")]
    creator = org.users["bureau"]
    with app.app_context(), database.connection_context():
        projects = [Project.create(name=f"P{i}", responsible_unit=rng.choice(units[:4]),
                                   source_team=rng.choice([None, units[4]]),
                                   industry_code=rng.choice(["", "ind1", "ind2"]),
                                   stage="signed", total_investment=Decimal("100"), created_by=creator)
                    for i in range(12)]

        def entry():
            day = dt.date(2026, rng.randrange(1, 13), rng.randrange(1, 28))
            return dict(project=rng.choice(projects).id, on_date=day, amount=Decimal(rng.randrange(1, 10**6)) / 100,
                        by=creator.id)

        for round_ in range(5):
            CapitalEntry.create(**entry())
            CapitalEntry.insert_many([entry() for _ in range(rng.randrange(1, 15))]).execute()
            ids = [e.id for e in CapitalEntry.select(CapitalEntry.id)]
            CapitalEntry.update(project=rng.choice(projects).id).where(CapitalEntry.id == rng.choice(ids)).execute()
            moved = rng.choice(projects)
            moved.responsible_unit, moved.industry_code = rng.choice(units[:4]), rng.choice(["", "ind1", "ind2"])
            moved.save()
            Project.update(source_team=rng.choice([None, units[4]])).where(
                Project.id.in_([p.id for p in rng.sample(projects, 4)])).execute()
            Project.update(archived=round_ % 2 == 0).where(Project.id == rng.choice(projects).id).execute()
            CapitalEntry.delete().where(CapitalEntry.id == rng.choice(ids)).execute()
            if round_ == 2:  # the bureau sets one project's shares: its parts join the shares
                shared = rng.choice(projects)
                ProjectCredit.create(project=shared, kind="unit", unit=units[1], share=60)
                ProjectCredit.create(project=shared, kind="unit", unit=units[3], share=40)
            if round_ == 3:
                gone = projects.pop()
                gone.delete_instance(recursive=True)
            _assert_same(app, org, monkeypatch)


def test_the_dashboard_reads_a_units_capital_from_the_entries(app, org, make_project, login):
    """What the bureau sees: a project's capital in place counts under its county on the
    dashboard's unit table, and under the other county once the project is moved there."""
    project = make_project(name="Moving", unit="county_a", stage="signed", signed_on=dt.date(2026, 2, 1))
    with app.app_context():
        CapitalEntry.create(project=project, on_date=dt.date(2026, 3, 2), amount=Decimal("321.50"),
                            by=org.users["bureau"])

    def by_unit():
        with app.test_request_context("/"):
            rows = figures.by_unit(Period.of_year(2026))
            return {row.label: row["capital_in_place"].value for row in rows if row["capital_in_place"].value}

    assert by_unit() == {"County A": Decimal("321.50")}
    client = login("bureau")
    url = f"/projects/{project.id}/edit"
    [form] = [f for f in forms_on(client.get(url).get_data(as_text=True), url) if "responsible_unit" in f.names()]
    form.choose("responsible_unit", str(org.units["county_b"].id))
    response = submit(client, form)
    assert response.status_code == 303, response.status_code
    with app.app_context():
        assert CapitalEntry.get().project_responsible_unit_id == org.units["county_b"].id
    assert by_unit() == {"County B": Decimal("321.50")}

