"""The meeting page and the weekly report at province scale: the red/yellow and the missing-report
lists show a page of rows with the full count and links to the next rows (each unit's count stands in the
units' table), the Excel file keeps every row; the weekly report form shows 100 rows a page."""
from __future__ import annotations

import datetime as dt
import io
import re

from openpyxl import load_workbook

from portal.models import Project
from portal.scheduling import snapshots as S
from portal.scheduling.views import MEETING_LIST_LIMIT, NEW_IN_SHOWN
from portal.timeutil import iso_week
from tests.scheduling_helpers import LONG_AGO, SHANGHAI

EXTRA = 7


def _today():
    return dt.datetime.now(SHANGHAI).date()


def _many(app, make_project, count, **fields):
    with app.app_context():
        return [make_project(name=f"P{i:04d}", unit="county_a", stage="signed", created_at=LONG_AGO, **fields)
                for i in range(count)]


def _section(page, anchor):
    return page.split(f'<section id="{anchor}">')[1].split("</section>")[0]


def test_flagged_list_shows_a_page_with_the_total_and_links_to_the_rest(app, login, make_project):
    total = MEETING_LIST_LIMIT + EXTRA
    projects = _many(app, make_project, total)
    with app.app_context():
        Project.update(flag="yellow", flag_reasons=[{"level": "yellow", "reason": "Late"}]).execute()
        Project.update(flag="red").where(Project.id == projects[-1].id).execute()  # last by name, first shown
    client = login("bureau")
    first = _section(client.get("/scheduling").get_data(as_text=True), "flagged")
    assert f"Red and yellow projects ({total})" in first
    names = re.findall(r">(P\d{4})</a>", first)
    assert len(names) == MEETING_LIST_LIMIT
    assert names[0] == projects[-1].name  # red first
    assert f"Rows 1–{MEETING_LIST_LIMIT} of {total}" in first
    next_link = re.search(r'<a rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "flagged_page=2" in next_link
    second = _section(client.get(next_link).get_data(as_text=True), "flagged")
    rest = re.findall(r">(P\d{4})</a>", second)
    assert len(rest) == EXTRA and not set(rest) & set(names)
    assert set(names) | set(rest) == {p.name for p in projects}
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_missing_reports_of_a_frozen_week_are_paged_and_the_workbook_keeps_all(app, login, make_project):
    total = MEETING_LIST_LIMIT + EXTRA
    _many(app, make_project, total)
    with app.app_context():
        assert S.freeze_week("2026-W40")
    client = login("bureau")
    page = client.get("/scheduling?week=2026-W40").get_data(as_text=True)
    missing = _section(page, "missing")
    assert f"Reports missing ({total})" in missing
    assert len(re.findall(r"data-missing=", missing)) == MEETING_LIST_LIMIT
    last = _section(client.get("/scheduling?week=2026-W40&missing_page=2").get_data(as_text=True), "missing")
    assert len(re.findall(r"data-missing=", last)) == EXTRA
    book = load_workbook(io.BytesIO(client.get("/scheduling?week=2026-W40&format=xlsx").data))
    assert book["Reports missing"].max_row == total + 1  # the header and every row


def test_a_page_past_the_end_keeps_the_count_and_a_way_back(app, login, make_project):
    _many(app, make_project, MEETING_LIST_LIMIT + 1)
    page = login("bureau").get("/scheduling?missing_page=9").get_data(as_text=True)
    missing = _section(page, "missing")
    assert f"Reports missing ({MEETING_LIST_LIMIT + 1})" in missing and 'rel="prev"' in missing
    assert "Every active project reported" not in missing


def test_a_bad_page_number_is_a_400_naming_the_field(login, org):
    response = login("bureau").get("/scheduling?flagged_page=abc")
    assert response.status_code == 400 and "Enter a page number" in response.get_data(as_text=True)


def test_new_in_list_cards_name_the_first_projects_and_count_the_others(app, login, make_project):
    monday = _today() - dt.timedelta(days=_today().weekday())
    total = NEW_IN_SHOWN + 3
    _many(app, make_project, total, signed_on=monday)
    page = login("bureau").get(f"/scheduling?week={iso_week(_today())}").get_data(as_text=True)
    card = page.split('data-list="signed"')[1].split("</div>")[0]
    assert f"({total})" in card
    assert len(re.findall(r">(P\d{4})</a>", card)) == NEW_IN_SHOWN
    assert "and 3 more" in card


def test_the_meetings_cached_unit_figures_follow_a_new_project(app, login, make_project):
    app.config["FIGURES_CACHE_SECONDS"] = 300  # the production default: whole-table counts are kept
    signed = dt.date(2026, 1, 10)
    _many(app, make_project, 2, signed_on=signed)
    client = login("bureau")

    def active_in_county():
        page = client.get("/scheduling").get_data(as_text=True)
        row = page.split(f'data-unit="{_unit_id(app)}"')[1].split("</tr>")[0]
        return int(re.findall(r'<td class="num">(\d+)</td>', row)[0]), \
            int(re.search(r'data-list-count="signed">(\d+)<', row).group(1))

    assert active_in_county() == (2, 2)
    assert active_in_county() == (2, 2)  # from the cache
    _many(app, make_project, 1, signed_on=signed)  # a new project: a new change stamp, whichever process wrote it
    assert active_in_county() == (3, 3)


def _unit_id(app):
    from portal.models import Unit

    with app.app_context():
        return Unit.get(Unit.name == "County A").id


def _ids(rows, key=None):
    return [(row["project"] if key else row).id for row in rows]


def test_the_lists_read_a_page_at_a_time_give_the_workbooks_rows_in_its_order(app, org, make_project):
    """The meeting finds a page of each long list unit by unit (counted per unit first, from the tally
    where the database keeps one). Read a page after another, at any page size, the lists give the
    workbook's rows (the lists as one query) in its order, with its totals: for the bureau, a county
    (with its town) and a stationed team (with a project it sourced for another county), this week and
    last week (not frozen, where a project created since is due no report)."""
    from portal.scheduling import flags as F
    from portal.scheduling.views import meeting_data
    from tests.scheduling_helpers import report

    this_week = iso_week(_today())
    last_week = S.W.shift_week(this_week, -1)
    from portal.models import Unit

    # A town made after County B: by id it comes after County B, in the tree before it.
    late_town = Unit(name="Town A2", kind="town", parent=org.units["county_a"]).save_with_path()
    made = [make_project(name="Works of the late town", unit=late_town, stage="signed", flag="red",
                         created_at=LONG_AGO)]
    for number, (unit, flag, stage) in enumerate([
            ("county_a", "red", "signed"), ("county_a", "yellow", "negotiating"), ("town_a", "red", "started"),
            ("county_b", "yellow", "clue"), ("county_b", "red", "signed"), ("bureau", "yellow", "completed"),
            ("team", "red", "clue"), ("county_a", "green", "signed"), ("town_a", "yellow", "production"),
            ("county_b", "green", "dropped"), ("county_a", "red", "negotiating"), ("town_a", "green", "clue")]):
        name = "Same name" if number % 4 == 0 else f"Works {number:02d}"  # ties are ordered by id
        made.append(make_project(name=name, unit=unit, stage=stage, flag=flag, created_at=LONG_AGO))
    make_project(name="Sourced by the team", unit="county_b", source_team=org.units["team"], flag="red",
                 stage="signed", created_at=LONG_AGO)
    created_now = make_project(name="Created this week", unit="county_a", flag="yellow", stage="clue")
    sourced = Project.get(Project.name == "Sourced by the team")
    make_project(name="Archived", unit="county_a", flag="red", stage="signed", archived=True, created_at=LONG_AGO)
    for project in made[1::3]:
        report(project, this_week, org.users["bureau"])
    for project in made[2::3]:
        report(project, last_week, org.users["bureau"])

    for username in ("bureau", "unit_a", "team"):
        user = org.users[username]
        for week in (this_week, last_week):
            with app.test_request_context():
                whole = meeting_data(week, user)
                flagged, missing = _ids(whole["flagged"], key="project"), _ids(whole["missing"])
                assert flagged and missing, (username, week)
                assert (created_now.id in missing) == (week == this_week and username != "team"), (username, week)
                assert (sourced.id in missing) == (username != "unit_a"), (username, week)
                for row in whole["units"]:  # each unit's active projects by flag colour
                    active = [p.flag for p in Project.select().where(Project.responsible_unit == row["unit"].id,
                                                                     Project.archived == False)  # noqa: E712
                              if p.stage in F.ACTIVE_STAGES]
                    assert row["counts"] == {flag: active.count(flag) for flag in ("red", "yellow", "green")}
                for limit in (1, 2, 5):
                    pages = [meeting_data(week, user, limit=limit, pages={"flagged": page, "missing": page})
                             for page in range(1, len(made) + 5)]
                    assert [p["flagged_total"] for p in pages] == [len(flagged)] * len(pages)
                    assert [p["missing_total"] for p in pages] == [len(missing)] * len(pages)
                    assert [i for p in pages for i in _ids(p["flagged"], key="project")] == flagged, (username, week)
                    assert [i for p in pages for i in _ids(p["missing"])] == missing, (username, week, limit)
                    for name, whole_list in (("flagged", flagged), ("missing", missing)):  # every page full
                        assert [len(p[name]) for p in pages] == [min(limit, max(0, len(whole_list) - n * limit))
                                                                 for n in range(len(pages))], (username, name)


def test_sqlite_reads_a_units_page_of_either_list_in_name_order_from_an_index(app, login, make_project, monkeypatch):
    """Migration 0059: a unit's red, yellow and unreported projects are walked in the order the page
    shows them, not all read and sorted for a page (at 100,000 projects the largest county's
    unreported list took 11-15 ms so, 0.5 ms from the index)."""
    import pytest

    from portal.db import backend, database
    from tests.query_log import queries_sent

    projects = _many(app, make_project, 30)
    with app.app_context():
        if backend() != "sqlite":
            pytest.skip("the plan is SQLite's: PostgreSQL and MySQL choose theirs by their statistics")
        Project.update(flag="yellow").where(Project.id.in_([p.id for p in projects[:10]])).execute()
        Project.update(flag="red").where(Project.id.in_([p.id for p in projects[10:15]])).execute()
    client = login("bureau")
    with queries_sent(monkeypatch) as sent:
        assert client.get("/scheduling").status_code == 200
    unit_pages = [(sql, params) for sql, params in sent
                  if sql.endswith('ORDER BY "t1"."name", "t1"."id" LIMIT ? OFFSET ?') and "responsible_unit_id" in sql]
    assert len(unit_pages) == 3, [sql for sql, _ in sent]  # red, yellow, unreported
    with app.app_context():
        for sql, params in unit_pages:
            plan = " ".join(str(row) for row in database.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
            assert "TEMP B-TREE" not in plan and "project_meeting_" in plan, plan
