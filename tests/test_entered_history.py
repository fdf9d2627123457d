"""The bureau enters a project at the stage it has reached, with the dates of the stages it
passed, on the new-project form: counted at once, no verification round, audited as entered
history; the same rules and records as the import (``stages.enter_history``)."""
import datetime as dt
import re

from portal.models import AuditLog, Project, StageChange
from tests.problems_helpers import local_today as today
from tests.forms_helpers import forms_on, submit

D = dt.date


def _new_form(client):
    page = client.get("/projects/new")
    assert page.status_code == 200
    return next(f for f in forms_on(page.get_data(as_text=True), "/projects/new") if f.action == "/projects/new")


def _filled(client, name="Harbour cold store", stage="signed", **dates):
    form = _new_form(client)
    form.type_into("name", name)
    form.type_into("total_investment", "50000")
    form.type_into("contracted_amount", "42000")
    form.choose("stage", stage)
    form.type_into("clue_on", "")  # today by default: not known for an old project
    for field, value in dates.items():
        form.type_into(field, value)
    return form


def _figure_cell(html, key):
    start = html.index(f'class="figure-{key}"')
    return html[start:html.index("</tr>", start)]


def _signed_2022(client):
    """The 2022 signed figure and the names in the list behind it."""
    html = client.get("/dashboard?period=2022").get_data(as_text=True)
    row = _figure_cell(html, "signed_count")
    count = re.search(r">(\d+)</a>", row)
    if count is None:
        return 0, ""
    href = row.split('href="')[1].split('"')[0].replace("&amp;", "&")
    return int(count.group(1)), client.get(href).get_data(as_text=True)


def test_a_project_signed_in_2022_is_entered_as_signed_then_and_counts_at_once(login, org):
    bureau = login("bureau")
    before, _listing = _signed_2022(bureau)
    response = submit(bureau, _filled(bureau, signed_on="2022-03-01"))
    assert response.status_code == 303, response.get_data(as_text=True)
    project = Project.get(Project.name == "Harbour cold store")
    assert project.stage == "signed" and project.signed_on == D(2022, 3, 1)
    # no invented dates: clue and negotiating passed without a date, like an imported row
    assert project.clue_on is None and project.negotiating_on is None
    changes = list(StageChange.select().where(StageChange.project == project.id))
    assert [(c.to_stage, c.on_date, c.verification) for c in changes] == [("signed", D(2022, 3, 1), "approved")]
    assert changes[0].verified_by_id == org.users["bureau"].id
    assert project.counted_signed_on == D(2022, 3, 1)
    # nothing waits in the verification queue
    assert "Harbour cold store" not in bureau.get("/projects/verification").get_data(as_text=True)
    count, listing = _signed_2022(bureau)
    assert count == before + 1
    assert "Harbour cold store" in listing
    entry = AuditLog.get(AuditLog.entity == "project", AuditLog.entity_id == project.id)
    assert entry.action == "create" and entry.note == "Entered with its history"
    assert entry.changes["stage"] == [None, "signed"] and entry.changes["signed_on"][1] == "2022-03-01"


def test_every_passed_stage_with_its_date_gets_its_change(login):
    bureau = login("bureau")
    response = submit(bureau, _filled(bureau, stage="started", clue_on="2021-05-04", negotiating_on="2021-09-01",
                                      signed_on="2022-03-01", started_on="2022-10-10"))
    assert response.status_code == 303
    project = Project.get(Project.name == "Harbour cold store")
    assert project.stage == "started" and project.counted_started_on == D(2022, 10, 10)
    changes = StageChange.select().where(StageChange.project == project.id).order_by(StageChange.on_date)
    assert [(c.from_stage, c.to_stage) for c in changes] == [
        ("", "clue"), ("clue", "negotiating"), ("negotiating", "signed"), ("signed", "started")]


def _errors_at(html, field):
    match = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    return match.group(1) if match else None


def test_dates_out_of_order_in_the_future_or_after_the_stage_are_refused_at_their_fields(login):
    bureau = login("bureau")
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    cases = [
        ({"negotiating_on": "2022-05-01", "signed_on": "2022-03-01"}, "signed_on", "before the date of an earlier"),
        ({"signed_on": tomorrow}, "signed_on", "cannot be in the future"),
        ({"signed_on": "2022-03-01", "started_on": "2022-06-01"}, "started_on", "has not reached this stage"),
        ({"negotiating_on": "2022-03-01"}, "signed_on", "Enter the date"),  # the chosen stage needs its date
    ]
    for dates, field, message in cases:
        response = submit(bureau, _filled(bureau, **dates))
        assert response.status_code == 422, dates
        assert message in (_errors_at(response.get_data(as_text=True), field) or ""), (dates, field)
    assert not Project.select().where(Project.name == "Harbour cold store").exists()


def test_signed_without_a_contracted_amount_is_refused(login):
    bureau = login("bureau")
    form = _filled(bureau, signed_on="2022-03-01")
    form.type_into("contracted_amount", "")
    response = submit(bureau, form)
    assert response.status_code == 422
    assert "contracted amount" in _errors_at(response.get_data(as_text=True), "contracted_amount")


def test_the_prefilled_clue_date_of_a_new_clue_still_works_untouched(login):
    bureau = login("bureau")
    form = _new_form(bureau)
    form.type_into("name", "Fresh lead")
    form.type_into("total_investment", "100")
    assert submit(bureau, form).status_code == 303
    project = Project.get(Project.name == "Fresh lead")
    assert project.stage == "clue" and project.clue_on == today()
    change = StageChange.get(StageChange.project == project.id)
    assert (change.to_stage, change.verification) == ("clue", "not_required")
    assert AuditLog.get(AuditLog.entity == "project", AuditLog.entity_id == project.id).note == ""


def test_units_enter_key_clues_only(login, org):
    unit = login("unit_a")
    form = _new_form(unit)
    assert "stage" not in form.names() and "signed_on" not in form.names()
    form.type_into("name", "County lead")
    form.type_into("total_investment", "100")
    data = form.data()
    data["stage"], data["signed_on"] = "signed", "2022-03-01"  # forged: not applied
    response = unit.post("/projects/new", data=data)
    assert response.status_code == 303
    project = Project.get(Project.name == "County lead")
    assert project.stage == "clue" and project.signed_on is None
    assert not StageChange.select().where(StageChange.project == project.id, StageChange.to_stage == "signed").exists()
    form = _new_form(unit)
    form.type_into("name", "County lead two")
    form.type_into("total_investment", "100")
    form.type_into("clue_on", "")
    response = submit(unit, form)
    assert response.status_code == 422
    assert "Enter the date" in _errors_at(response.get_data(as_text=True), "clue_on")


DATE_FIELDS = ("clue_on", "negotiating_on", "signed_on", "started_on", "completed_on", "production_on")


def test_without_javascript_every_stage_date_is_on_the_form(login):
    form = _new_form(login("bureau"))
    assert all(name in form.names() for name in DATE_FIELDS)


def test_choosing_the_stage_narrows_the_dates_to_the_stages_up_to_it(login):
    """What htmx asks when the bureau picks the stage: the dates up to it, those typed kept."""
    bureau = login("bureau")
    html = bureau.get("/projects/new").get_data(as_text=True)
    select = re.search(r'<select[^>]*id="stage"[^>]*>', html).group(0)
    url = re.search(r'hx-get="([^"]+)"', select).group(1)
    assert 'hx-target="#stage-dates"' in select and 'hx-include="#stage-dates"' in select
    response = bureau.htmx("GET", url, query_string={"stage": "signed", "clue_on": "2022-01-04",
                                                     "started_on": "2022-09-01"})
    assert response.status_code == 200
    part = response.get_data(as_text=True)
    assert part.lstrip().startswith('<div id="stage-dates">')
    shown = re.findall(r'name="(\w+_on)"', part)
    assert shown == ["clue_on", "negotiating_on", "signed_on"]
    assert 'value="2022-01-04"' in part and "2022-09-01" not in part
    response = bureau.htmx("GET", url, query_string={"stage": "production"})
    assert re.findall(r'name="(\w+_on)"', response.get_data(as_text=True)) == list(DATE_FIELDS)


def test_only_those_who_enter_history_narrow_the_dates(login):
    assert login("unit_a").htmx("GET", "/projects/new/stage-dates", query_string={"stage": "signed"}).status_code == 403
