"""The count a list page shows is the number of projects it lists, page after page, for every kind
of user and filter; where the filters are the tally's groups (portal.figures.tally) the count is read
from the tally, not from every matching project."""
from __future__ import annotations

import datetime as dt
import random
import re
from decimal import Decimal

import pytest

from portal.db import backend, database, keeps_figure_triggers
from portal.models import STAGES, Project
from portal.projects import masking
from tests.conftest import TEST_DB_URL
from tests.query_log import queries_sent

MYSQL = "mysql" in TEST_DB_URL
USERS = ("bureau", "leader", "unit_a", "town_a", "team", "department")
LISTS = (
    "/projects", "/projects?unit={county_a}", "/projects?industry=ind1", "/projects?flag=red",
    "/projects?stage=signed&industry=ind2", "/lists/signed", "/lists/signed?unit={team}&flag=yellow",
    "/projects?key=1", "/projects?q=P1",  # filters the tally does not group by: counted from the projects
)


@pytest.fixture
def projects(app, org):
    rng = random.Random(20261201)
    units = [org.units[k] for k in ("county_a", "town_a", "county_b", "bureau")]
    with app.app_context():
        Project.insert_many([dict(
            name=f"P{n}", responsible_unit=rng.choice(units), source_team=rng.choice([None, None, org.units["team"]]),
            industry_code=rng.choice(["", "ind1", "ind2"]), stage=rng.choice(STAGES),
            flag=rng.choice(["green", "yellow", "red"]), is_key=rng.random() < 0.3, archived=rng.random() < 0.1,
            total_investment=Decimal("100"), clue_on=dt.date(2026, 1, 5), created_by=org.users["bureau"],
        ) for n in range(130)]).execute()


def _listed(client, url: str) -> tuple[int, set]:
    """The count the first page shows, and the projects every page lists."""
    first = client.get(url).get_data(as_text=True)
    shown = re.search(r'<div class="list-summary">\s*<span>(\d+) projects?</span>', first)
    assert shown, url
    seen, page = set(), 1
    while True:
        html = first if page == 1 else client.get(f"{url}{'&' if '?' in url else '?'}page={page}").get_data(
            as_text=True)
        seen |= set(re.findall(r'<td class="project-name"><a href="/projects/(\d+)"', html))
        if 'rel="next"' not in html:
            return int(shown.group(1)), seen
        page += 1


@pytest.mark.parametrize("username", USERS)
def test_the_count_is_what_the_pages_list(app, org, login, projects, username):
    client = login(username)
    for template in LISTS:
        url = template.format(county_a=org.units["county_a"].id, team=org.units["team"].id)
        count, seen = _listed(client, url)
        assert count == len(seen), (username, url)


def test_a_list_filtered_by_the_tallys_groups_counts_from_the_tally(app, org, login, projects, monkeypatch):
    app.config["PAGE_SIZE"] = 2  # a full first page: its rows alone do not tell the count
    client = login("unit_a")
    url = f"/lists/signed?unit={org.units['town_a'].id}&industry=ind1"
    with queries_sent(monkeypatch) as sent:
        assert client.get(url).status_code == 200
    counts = [sql for sql, _ in sent if sql.startswith(("SELECT COUNT(", "SELECT SUM("))]
    with app.app_context():
        from_the_tally = keeps_figure_triggers()
    if from_the_tally:
        assert any('FROM "project_tally"' in sql for sql in counts), counts
        assert not any('FROM "project" ' in sql for sql in counts), counts
    else:  # MySQL keeps no tally: the projects are counted
        assert any('FROM "project" ' in sql for sql in counts), counts


SEARCHES = ("/projects?q=P1", "/projects?q=P1&unit={county_a}", "/lists/signed?q=P1", "/projects?q=P1&flag=red")


@pytest.mark.parametrize("username", USERS)
def test_a_search_read_in_the_lists_order_counts_what_its_pages_list(app, org, login, projects, username,
                                                                     monkeypatch):
    """Every search takes the path of a common word here (its projects tested one by one, the count
    capped, read from the index of names where that index holds all the count reads: migration 0053),
    and the count is still the number of projects the pages list."""
    monkeypatch.setattr(masking, "many_threshold", lambda: 1)
    client = login(username)
    for template in SEARCHES:
        url = template.format(county_a=org.units["county_a"].id)
        count, seen = _listed(client, url)
        assert count == len(seen), (username, url)


def _capped_count(client, monkeypatch, url: str) -> tuple[str, list]:
    """The statement that counted a search's matches on the page at ``url``."""
    with queries_sent(monkeypatch) as sent:
        assert client.get(url).status_code == 200
    [statement] = [(sql, params) for sql, params in sent
                   if sql.startswith("SELECT COUNT(") and 'FROM "project" AS "t1"' in sql and "LIKE" in sql]
    return statement


@pytest.mark.skipif(MYSQL, reason="MySQL keeps no index of names: its searches read every name")
@pytest.mark.parametrize("username", ["bureau", "unit_a"])
def test_a_common_words_count_reads_the_index_of_names_not_the_projects(app, org, login, projects, username,
                                                                        monkeypatch):
    """SQLite reads the covering index by itself. PostgreSQL's planner costs the index's pages as random
    reads and would read the table (bench/README.md): the count is asked in the index's order where the
    index holds all the count reads, and in no order where a list's stage needs the table anyway."""
    monkeypatch.setattr(masking, "many_threshold", lambda: 1)
    app.config["PAGE_SIZE"] = 1  # a full first page: its rows alone do not tell the count
    client = login(username)
    sql, params = _capped_count(client, monkeypatch, "/projects?q=P1")
    with app.app_context():
        if backend() == "sqlite":
            plan = " ".join(str(row) for row in database.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
            assert "COVERING INDEX project_search_names" in plan, plan
            return
    assert 'ORDER BY "t1"."name"' in sql, sql
    sql, _ = _capped_count(client, monkeypatch, "/lists/signed?q=P1")
    assert "ORDER BY" not in sql, sql


def _project_counts(sent) -> list[str]:
    """The statements that count the list's projects: not the unread notifications, nor the share of the
    city the user's units hold (permissions.units_hold_many_projects: a sum over the whole tally)."""
    return [sql for sql, _ in sent if sql.startswith(("SELECT COUNT(", "SELECT SUM(")) and '"notification"' not in sql
            and "SUM(CASE WHEN" not in sql]


@pytest.mark.parametrize("username", USERS)
def test_a_first_page_that_holds_every_match_is_not_counted_again(app, org, login, projects, username, monkeypatch):
    """A first page with fewer rows than a page holds is the whole list: the count it shows is its rows,
    with no COUNT over the projects (a search with few matches read them twice). A full first page, and
    any later page, still count."""
    client = login(username)
    for url in ("/projects?q=P12", "/projects?q=P3&stage=signed", f"/lists/signed?unit={org.units['town_a'].id}"):
        with queries_sent(monkeypatch) as sent:
            html = client.get(url).get_data(as_text=True)
        listed = set(re.findall(r'<td class="project-name"><a href="/projects/(\d+)"', html))
        if username in ("bureau", "leader"):
            assert listed, url  # they read every project: the lists are not empty
        shown = re.search(r'<div class="list-summary">\s*<span>(\d+) projects?</span>', html)
        assert shown and int(shown.group(1)) == len(listed), (username, url)
        assert 'rel="next"' not in html
        assert _project_counts(sent) == [], (username, url, _project_counts(sent))

    app.config["PAGE_SIZE"] = 2
    count, seen = _listed(client, "/projects?q=P12")
    assert count == len(seen)
    with queries_sent(monkeypatch) as sent:
        client.get("/projects?q=P12")
    assert bool(_project_counts(sent)) == (len(seen) >= 2), (username, seen)  # counted when page 1 is full
    with queries_sent(monkeypatch) as sent:
        client.get("/projects?q=P12&page=2")
    assert _project_counts(sent), username  # a later page is told how many pages there are
