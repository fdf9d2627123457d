"""A county's own figures (``portal_figures``): counted like the core's, shown on the dashboard
with the list of projects behind each number, given to the ranking's assessment, and a bad
figure reported without taking the others or the page down."""
from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from peewee import SQL

from portal import figures, hookimpl, plugins
from portal.figures.definitions import CATALOGUE_KEY
from portal.models import PluginFailureRecord, Project, StageChange, Unit
from portal.periods import Period
from portal.ranking.data import unit_figures
from tests.plugins_helpers import temporary_plugin

D = dt.date
NEW_ENERGY = ("ev", "pv")


class NewEnergyFigures:
    @hookimpl
    def portal_figures(self):
        return [{"key": "new_energy_signed", "label": "New-energy projects signed", "counts_by": "signed",
                 "where": lambda: Project.industry_code.in_(NEW_ENERGY)},
                {"key": "new_energy_investment", "label": "New-energy investment signed", "counts_by": "signed",
                 "sum": "total_investment", "where": lambda: Project.industry_code.in_(NEW_ENERGY)}]


class BrokenFigure:
    @hookimpl
    def portal_figures(self):
        return [{"key": "broken", "label": "Broken", "counts_by": "clues", "where": lambda: SQL("no_such_column = 1")}]


@pytest.fixture
def county(app):
    """The app with the county's figures (the catalogue is built afresh for it)."""
    with temporary_plugin(app, NewEnergyFigures(), "new_energy"):
        app.extensions.pop(CATALOGUE_KEY, None)
        yield app
    app.extensions.pop(CATALOGUE_KEY, None)


@pytest.fixture
def signed(org, make_project):
    by = org.users["bureau"]

    def _signed(name, unit, industry, on, amount, verification="approved"):
        project = make_project(name, unit, industry_code=industry, total_investment=Decimal(amount),
                               signed_on=on, stage="signed")
        StageChange.create(project=project, from_stage="", to_stage="signed", on_date=on, by=by,
                           verification=verification)
        return project

    _signed("EV plant", "county_a", "ev", D(2026, 3, 1), "30000")
    _signed("Solar farm", "town_a", "pv", D(2026, 5, 2), "20000")
    _signed("Battery line", "county_b", "ev", D(2025, 4, 1), "10000")  # last year
    _signed("Pending EV", "county_b", "ev", D(2026, 6, 1), "5000", verification="pending")  # not counted
    _signed("Textiles", "county_a", "textile", D(2026, 2, 1), "90000")  # another industry
    return _signed


def _row(page: str, key: str) -> str:
    match = re.search(rf'<tr class="figure-{key}">(.*?)</tr>', page, re.S)
    assert match, f"no row for {key}"
    return match.group(1)


def _listed(client, link: str) -> set[str]:
    page = client.get(html.unescape(link)).get_data(as_text=True)
    return {name for name in ("EV plant", "Solar farm", "Battery line", "Pending EV", "Textiles") if name in page}


def test_a_county_figure_is_counted_shown_and_listed(county, signed, login):
    bureau = login("bureau")
    page = bureau.get("/dashboard?period=2026").get_data(as_text=True)
    row = _row(page, "new_energy_signed")
    assert "New-energy projects signed" in row
    link, value = re.search(r'class="figure-link" href="([^"]+)">([^<]+)<', row).groups()
    assert value == "2"  # the EV plant and the solar farm; not last year's, the pending or the textiles
    assert "figure=new_energy_signed" in link
    assert _listed(bureau, link) == {"EV plant", "Solar farm"}  # the list behind the number is what it counts
    note = re.search(r'<p class="figure-filters">(.*?)</p>', bureau.get(html.unescape(link)).get_data(as_text=True),
                     re.S).group(1)
    assert "Figure: New-energy projects signed" in note and "Signing date: 2026-01-01 – 2026-12-31" in note
    previous = re.search(r'class="previous-link" href="([^"]+)">([^<]+)<', row).groups()
    assert previous[1] == "1" and _listed(bureau, previous[0]) == {"Battery line"}
    with county.test_request_context():
        computed = figures.compute(Period.of_year(2026))
        assert computed["new_energy_investment"].value == Decimal("50000.00")
        assert computed["new_energy_investment"].kind == "amount"
        # Scoped to County A with its towns: the EV plant and the solar farm (Town A1 is in County A).
        scoped = figures.compute(Period.of_year(2026), figures.Scope(unit_id=Unit.get(Unit.name == "County B").id))
        assert scoped["new_energy_signed"].value == 0


def test_the_assessment_receives_the_county_figures(county, signed, org):
    with county.test_request_context():
        units = [org.units["county_a"], org.units["county_b"]]
        (values,) = unit_figures([Period.of_year(2026)], units)
    assert values[org.units["county_a"].id]["new_energy_signed"] == 2
    assert values[org.units["county_a"].id]["new_energy_investment"] == Decimal("50000.00")
    assert values[org.units["county_b"].id]["new_energy_signed"] == 0
    assert values[org.units["county_a"].id]["signed_count"] == 3  # the core's figures still there


def test_an_unknown_figure_in_a_list_link_is_a_message(county, login):
    response = login("bureau").get("/projects?figure=no_such_figure")
    assert response.status_code == 400
    assert "Unknown figure." in response.get_data(as_text=True)


def test_a_figure_the_database_refuses_is_reported_and_the_others_stay(app, signed, login, monkeypatch):
    with app.app_context():
        monkeypatch.setattr(plugins.registry(), "strict", False)  # as in production: report, do not raise
    with temporary_plugin(app, NewEnergyFigures(), "new_energy"), temporary_plugin(app, BrokenFigure(), "broken"):
        app.extensions.pop(CATALOGUE_KEY, None)
        page = login("bureau").get("/dashboard?period=2026")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert 'class="figure-new_energy_signed"' in text and 'class="figure-broken"' not in text
        with app.app_context():
            plugins.registry().save_failures()
            assert PluginFailureRecord.select().where(PluginFailureRecord.plugin == "broken",
                                                      PluginFailureRecord.hook == "portal_figures").exists()
    app.extensions.pop(CATALOGUE_KEY, None)
