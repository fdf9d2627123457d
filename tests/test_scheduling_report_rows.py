"""The weekly report row by row: last week's plan offered as this week's progress, the filter of
rows still to report, the count of what is left, and a row saved without leaving its place
(the page comes back at the next row to report without JavaScript; htmx swaps the row and the
count). Forms are sent as a browser sends them (tests/forms_helpers.py)."""
import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from portal.models import AuditLog, ProgressReport
from portal.scheduling import weeks as W
from portal.timeutil import iso_week
from tests.forms_helpers import forms_on, submit
from tests.scheduling_helpers import LONG_AGO, SHANGHAI, report

URL = "/scheduling/report"


def this_week():
    return iso_week(dt.datetime.now(SHANGHAI).date())


@pytest.fixture
def rows(app, org, make_project):
    """Three county A projects ordered by name; two were planned last week, one three weeks ago."""
    week, clerk = this_week(), org.users["unit_a"]
    made = {key: make_project(name=name, unit="county_a", stage="signed", created_at=LONG_AGO)
            for key, name in (("a", "A plant"), ("b", "B mill"), ("c", "C park"))}
    report(made["a"], W.shift_week(week, -2), clerk, next_steps="An older plan")
    report(made["a"], W.shift_week(week, -1), clerk, next_steps="Sign the lease")
    report(made["b"], W.shift_week(week, -3), clerk, next_steps="Visit the site")
    return made


def report_form(client, url=URL):
    html = client.get(url).get_data(as_text=True)
    [form] = [f for f in forms_on(html, url) if f.id == "report-form"]
    return html, form


def query(location):
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def saved():
    return {(r.project_id, r.happened, r.next_steps, r.percent_complete)
            for r in ProgressReport.select().where(ProgressReport.week == this_week())}


def test_last_weeks_plan_is_offered_in_the_row_marked_as_a_suggestion(login, rows):
    html, form = report_form(login("unit_a"))
    a, b, c = rows["a"], rows["b"], rows["c"]
    assert form.data()[f"happened-{a.id}"] == "Sign the lease"  # the latest plan, not the older one
    assert form.data()[f"happened-{b.id}"] == "Visit the site"  # skipped a week: its plan still stands
    assert form.data()[f"happened-{c.id}"] == ""  # never planned
    assert f'id="happened-{a.id}-plan"' in html and f'id="happened-{c.id}-plan"' not in html
    plan_note = re.search(rf'<p class="hint suggestion" id="happened-{a.id}-plan">([^<]+)</p>', html).group(1)
    assert W.shift_week(this_week(), -1) in plan_note and "not saved until you save" in plan_note
    # The first row still to report has the cursor.
    assert re.search(rf'<textarea id="happened-{a.id}"[^>]*autofocus', html)


def test_save_all_leaves_untouched_suggestions_and_saves_the_rows_changed(login, rows, app):
    client = login("unit_a")
    _html, form = report_form(client)
    response = submit(client, form, button=form.button("all"))  # nothing changed: nothing saved
    assert response.status_code == 303
    assert saved() == set()
    assert "2 rows still show last week&#39;s plan unchanged" in client.get(response.headers["Location"]).get_data(
        as_text=True)

    a, b = rows["a"], rows["b"]
    _html, form = report_form(client)
    form.type_into(f"next-{a.id}", "Start the works")  # plan accepted, next week's typed: a change
    response = submit(client, form, button=form.button("all"))
    assert response.status_code == 303
    assert saved() == {(a.id, "Sign the lease", "Start the works", None)}
    assert AuditLog.select().where(AuditLog.action == "progress", AuditLog.entity_id == a.id).count() == 1
    assert query(response.headers["Location"])["at"] == str(b.id)  # on to the next row to report


def test_the_rows_own_button_accepts_the_plan_without_javascript(login, rows):
    client = login("unit_a")
    _html, form = report_form(client)
    a = rows["a"]
    response = submit(client, form, button=form.button("row", str(a.id)))  # "Save this row", untouched
    assert response.status_code == 303
    assert saved() == {(a.id, "Sign the lease", "", None)}
    # The page comes back at the next row still to report, which has the cursor.
    location = response.headers["Location"]
    assert query(location)["at"] == str(rows["b"].id)
    html = client.get(location).get_data(as_text=True)
    assert re.search(rf'<textarea id="happened-{rows["b"].id}"[^>]*autofocus', html)
    assert len(re.findall(r"\bautofocus\b", html)) == 1
    assert "Progress saved." in html and "1 of 3 projects reported, 2 left" in html


def test_filter_shows_only_rows_still_to_report_and_is_kept_after_a_save(login, rows):
    client = login("unit_a")
    a, b, c = rows["a"], rows["b"], rows["c"]
    html, form = report_form(client)
    form.type_into(f"happened-{b.id}", "Site visited")
    response = submit(client, form, button=form.button("row", str(b.id)))
    assert response.status_code == 303

    # The filters form has the box; sent with it ticked, the page lists the two rows left.
    [filters] = [f for f in forms_on(client.get(URL).get_data(as_text=True), URL) if f.method == "GET"]
    [box] = [ctl for ctl in filters.controls if ctl.name == "show"]
    box.attrs["checked"] = ""
    page = submit(client, filters)
    assert page.status_code == 200
    url = f"{URL}?{urlsplit(page.request.url).query}"
    html, form = report_form(client, url)
    assert set(re.findall(r'<tr id="report-row-(\d+)"', html)) == {str(a.id), str(c.id)}
    assert "1 of 3 projects reported, 2 left" in html  # the count covers every row
    assert 'name="show" value="unreported" checked' in html

    form.type_into(f"happened-{c.id}", "Called the investor")
    response = submit(client, form, button=form.button("row", str(c.id)))
    location = response.headers["Location"]
    assert query(location) == {"week": this_week(), "unit": str(c.responsible_unit_id), "show": "unreported",
                               "at": str(a.id)}  # wraps round to the first row left
    html = client.get(location).get_data(as_text=True)
    assert set(re.findall(r'<tr id="report-row-(\d+)"', html)) == {str(a.id)}


def test_a_bad_row_without_javascript_comes_back_with_every_typed_value(login, rows):
    client = login("unit_a")
    a, b, c = rows["a"], rows["b"], rows["c"]
    _html, form = report_form(client)
    typed = {f"happened-{a.id}": "Lease signed", f"happened-{c.id}": "Called", f"percent-{c.id}": "1O0"}
    for name, text in typed.items():
        form.type_into(name, text)
    response = submit(client, form, button=form.button("row", str(c.id)))
    assert response.status_code == 422
    assert saved() == set()
    html = response.get_data(as_text=True)
    [again] = [f for f in forms_on(html, URL) if f.id == "report-form"]
    assert {name: again.data()[name] for name in typed} == typed
    assert again.data()[f"happened-{b.id}"] == "Visit the site"  # still offered
    assert re.findall(r'<a href="#([\w-]+)">([^<]+)</a>', html[html.index('id="report-errors"'):])[:1] == [
        (f"percent-{c.id}", "C park")]
    assert 'aria-invalid="true"' in html


def test_htmx_answers_the_row_and_the_count_out_of_band(login, rows):
    client = login("unit_a")
    a = rows["a"]
    _html, form = report_form(client)
    row_button = form.button("row", str(a.id))
    response = client.htmx("POST", row_button.attrs["hx-post"], form.data(row_button))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith(f'<tr id="report-row-{a.id}"') and 'data-focus="next"' in html
    progress = re.search(r'<div id="report-progress"[^>]*>', html).group(0)
    assert 'hx-swap-oob="true"' in progress and 'data-reported="1"' in progress and 'data-left="2"' in progress
    assert "1 of 3 projects reported, 2 left" in html
    assert saved() == {(a.id, "Sign the lease", "", None)}

    bad = client.htmx("POST", row_button.attrs["hx-post"], {f"happened-{a.id}": "More", f"percent-{a.id}": "x"})
    assert bad.status_code == 422 and 'data-focus="error"' in bad.get_data(as_text=True)


def test_reading_or_frozen_pages_offer_no_plan(login, rows, org, app):
    from portal.scheduling import snapshots as S

    html = login("leader").get(f"{URL}?unit={org.units['county_a'].id}").get_data(as_text=True)
    assert "report-row" in html and "Sign the lease" not in html  # readers are offered no plan
    assert "suggestion" not in html and "<textarea" not in html
    last = W.shift_week(this_week(), -1)
    with app.app_context():
        S.freeze_week(last)
    html = login("unit_a").get(f"{URL}?week={last}").get_data(as_text=True)
    assert "This week is frozen" in html and "suggestion" not in html


@pytest.fixture
def two_a_page(monkeypatch):
    """Pages of two rows, so the three rows of ``rows`` take two pages (a county has thousands)."""
    from portal.scheduling import views

    monkeypatch.setattr(views, "REPORT_PAGE_SIZE", 2)


def row_ids(html):
    return re.findall(r'<tr id="report-row-(\d+)"', html)


def test_the_rows_come_a_page_at_a_time_with_the_count_over_every_row(login, rows, two_a_page):
    client = login("unit_a")
    a, b, c = rows["a"], rows["b"], rows["c"]
    html, form = report_form(client)
    assert row_ids(html) == [str(a.id), str(b.id)]
    assert "0 of 3 projects reported, 3 left" in html
    [next_page] = re.findall(r'<a href="([^"]+)" rel="next">', html)
    html, form = report_form(client, next_page.replace("&amp;", "&"))
    assert row_ids(html) == [str(c.id)] and "0 of 3 projects reported, 3 left" in html
    assert 'rel="prev"' in html and 'rel="next"' not in html
    # "Save all rows" on page 2 saves the rows of page 2 (the page's own fields) and nothing else.
    form.type_into(f"happened-{c.id}", "Called the investor")
    response = submit(client, form, button=form.button("all"))
    assert response.status_code == 303
    assert saved() == {(c.id, "Called the investor", "", None)}
    # On to the first row still to report (wrapping round), on its page.
    assert query(response.headers["Location"]) == {"week": this_week(), "unit": str(c.responsible_unit_id),
                                                   "at": str(a.id)}


def test_saving_the_last_row_of_a_page_opens_the_next_page_at_the_next_row(login, rows, two_a_page):
    client = login("unit_a")
    b, c = rows["b"], rows["c"]
    _html, form = report_form(client)
    form.type_into(f"happened-{b.id}", "Site visited")
    response = submit(client, form, button=form.button("row", str(b.id)))  # without JavaScript
    location = response.headers["Location"]
    assert query(location)["page"] == "2" and query(location)["at"] == str(c.id)
    html = client.get(location).get_data(as_text=True)
    assert row_ids(html) == [str(c.id)]
    assert re.search(rf'<textarea id="happened-{c.id}"[^>]*autofocus', html)
    assert "1 of 3 projects reported, 2 left" in html


def test_the_unreported_filter_pages_only_the_rows_left(login, rows, two_a_page):
    client = login("unit_a")
    a, b, c = rows["a"], rows["b"], rows["c"]
    _html, form = report_form(client)
    form.type_into(f"happened-{a.id}", "Lease signed")
    submit(client, form, button=form.button("row", str(a.id)))
    html, form = report_form(client, f"{URL}?show=unreported")
    assert row_ids(html) == [str(b.id), str(c.id)]  # one page: the two rows left
    assert 'rel="next"' not in html and "1 of 3 projects reported, 2 left" in html
    # A bad row comes back on its page with what was typed, the pager's links to the form page.
    form.type_into(f"percent-{c.id}", "abc")
    form.type_into(f"happened-{c.id}", "Called")
    response = submit(client, form, button=form.button("row", str(c.id)))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert row_ids(html) == [str(b.id), str(c.id)]
    [again] = [f for f in forms_on(html, URL) if f.id == "report-form"]
    assert again.action.startswith(URL + "?") and "show=unreported" in again.action


@pytest.mark.parametrize("defer_from", [None, 1], ids=["as-configured", "ids-first-from-row-1"])
def test_report_pages_read_unit_by_unit_give_the_rows_in_the_forms_order(app, org, make_project, monkeypatch,
                                                                         defer_from):
    """A page of the weekly report form is read unit by unit (its rows counted per unit first, from the
    tally where it can say what the user reads). Read page after page, at any page size and with or
    without the unreported filter, the pages give the rows of the one ordered query (unit path, name,
    id), and the count over every row agrees: for the bureau, a county with its towns, a stationed team
    and a department (counted from the projects, which the tally cannot tell for it). Deep in a unit a
    page's ids are read first, then its rows by key (unit_pages.DEFER_FROM): the same rows."""
    from portal import unit_pages
    from portal.models import Problem, Unit
    from portal.scheduling import views
    from tests.problems_helpers import local_today

    if defer_from is not None:
        monkeypatch.setattr(unit_pages, "DEFER_FROM", defer_from)

    week = iso_week(dt.datetime.now(SHANGHAI).date())
    late_town = Unit(name="Town A2", kind="town", parent=org.units["county_a"]).save_with_path()  # id after County B
    # Last by name, first by id (and "Aardvark" below the other way round): a page's order is the name's.
    made_first = make_project(name="Zz, made first", unit="county_a", stage="signed", created_at=LONG_AGO)
    made = []
    for number, unit in enumerate([late_town, "county_a", "town_a", "county_b", "county_a", "department", late_town,
                                   "county_b", "town_a", "county_a", "bureau"]):
        made.append(make_project(name="Same name" if number % 3 == 0 else f"Row {number:02d}", unit=unit,
                                 stage=("clue", "signed", "started")[number % 3], created_at=LONG_AGO))
    made.append(make_project(name="Sourced by the team", unit="county_b", source_team=org.units["team"],
                             stage="signed", created_at=LONG_AGO))
    made.append(make_project(name="Aardvark, made last", unit="county_a", stage="signed", created_at=LONG_AGO))
    made.append(made_first)
    make_project(name="Dropped", unit="county_a", stage="dropped", created_at=LONG_AGO)
    for project in made[::4]:
        report(project, week, org.users["bureau"])
        report(project, week, org.users["bureau"], happened="Twice in a week")
    Problem.create(project=made[3], category="land", description="Land", raised_by=org.users["unit_b"],
                   assigned_unit=org.units["department"], deadline=local_today())

    for username, unit in (("bureau", "bureau"), ("unit_a", "county_a"), ("team", "team"),
                           ("department", "department")):
        with app.test_request_context():
            from flask_login import login_user

            login_user(org.users[username])
            unit = org.units[unit]
            counts = views.report_counts(unit, week)
            assert counts is not None
            for show in ("", views.SHOW_UNREPORTED):
                whole = [p.id for p in views.report_projects(unit, week, show=show)]
                assert whole, (username, show)
                progress = views.report_progress(unit, week, counts)
                assert progress == views.report_progress(unit, week)
                every = [p.id for p in views.report_projects(unit, week)]
                reported = {r.project_id for r in ProgressReport.select().where(ProgressReport.week == week)}
                assert progress["total"] == len(every) and progress["reported"] == len(reported & set(every))
                for size in (1, 2, 5):
                    pages = [[p.id for p in views.report_projects(unit, week, page=page, show=show, size=size,
                                                                 counts=counts)]
                             for page in range(1, len(made) + 2)]
                    assert [i for page in pages for i in page] == whole, (username, show, size)
                    assert [len(page) for page in pages] == [min(size, max(0, len(whole) - n * size))
                                                             for n in range(len(pages))], (username, show, size)
