"""Merging duplicate investors and projects through the pages: the bureau picks the survivor,
sees what moves, confirms; the merges page undoes it, or says why it cannot."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from portal.models import (AuditLog, Contact, Enterprise, EventProject, MergeRecord, Problem, ProgressReport, Project,
                           PromotionEvent, StageChange)
from tests.forms_helpers import forms_on, submit

D = dt.date


@pytest.fixture
def investors(org, make_project):
    survivor = Enterprise.create(name="Ningde Battery Co", credit_code="91350900MA2YQ5NB4A")
    duplicate = Enterprise.create(name="Ningde Battery Company Ltd", credit_code="91350900MA2YQ5NB4B")
    kept = make_project(name="Battery plant", enterprise=survivor)
    moved = make_project(name="Battery recycling", enterprise=duplicate)
    contact = Contact.create(enterprise=duplicate, unit=org.units["county_a"], project=moved, kind="visit",
                             happened_on=D(2026, 11, 2), summary="Visited the head office", by=org.users["unit_a"])
    return {"survivor": survivor, "duplicate": duplicate, "kept": kept, "moved": moved, "contact": contact}


def _merge_page(client, url, into):
    """Open the merge page, type the survivor's number into its form and ask what moves."""
    page = client.get(url).get_data(as_text=True)
    [form] = [f for f in forms_on(page, url) if f.method_with(None) == "GET" and f.action.endswith(url)]
    form.type_into("into", str(into))
    return submit(client, form)


def _confirm(client, preview_html, url):
    [form] = [f for f in forms_on(preview_html, url) if f.method_with(None) == "POST" and f.action.endswith(url)]
    return submit(client, form)


def _undo_form(client, merge_id):
    page = client.get("/merges").get_data(as_text=True)
    [form] = [f for f in forms_on(page, "/merges") if f.action.endswith(f"/merges/{merge_id}/undo")]
    return submit(client, form)


def test_the_bureau_merges_a_duplicate_investor_and_undoes_it(login, investors):
    dup, surv = investors["duplicate"], investors["survivor"]
    bureau = login("bureau")
    investor_page = bureau.get(f"/investors/{dup.id}").get_data(as_text=True)
    assert f"/investors/{dup.id}/merge" in investor_page
    url = f"/investors/{dup.id}/merge"
    assert f'?into={surv.id}"' in bureau.get(url).get_data(as_text=True)  # offered as a likely survivor
    preview = _merge_page(bureau, url, surv.id)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert re.search(r'data-table="project.enterprise"><td>Projects</td><td class="num">1<', html)
    assert re.search(r'data-table="contact.enterprise"><td>[^<]+</td><td class="num">1<', html)
    assert Project.get_by_id(investors["moved"].id).enterprise_id == dup.id  # nothing moved by looking

    response = _confirm(bureau, html, url)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/investors/{surv.id}")
    assert Project.get_by_id(investors["moved"].id).enterprise_id == surv.id
    assert Contact.get_by_id(investors["contact"].id).enterprise_id == surv.id
    assert Enterprise.get_or_none(Enterprise.id == dup.id) is None
    assert bureau.get(f"/investors/{dup.id}").status_code == 404
    survivor_page = bureau.get(f"/investors/{surv.id}").get_data(as_text=True)
    assert "Battery recycling" in survivor_page and "Visited the head office" in survivor_page
    assert AuditLog.get(AuditLog.action == "merge").entity_id == dup.id

    record = MergeRecord.get()
    assert _undo_form(bureau, record.id).status_code == 303
    restored = Enterprise.get_by_id(dup.id)
    assert (restored.name, restored.credit_code) == ("Ningde Battery Company Ltd", "91350900MA2YQ5NB4B")
    assert Project.get_by_id(investors["moved"].id).enterprise_id == dup.id
    assert Project.get_by_id(investors["kept"].id).enterprise_id == surv.id
    assert Contact.get_by_id(investors["contact"].id).enterprise_id == dup.id
    assert MergeRecord.get_by_id(record.id).undone_at is not None
    assert "Undone" in bureau.get("/merges").get_data(as_text=True)


def test_an_undo_blocked_by_a_later_change_is_refused_with_the_reason(login, investors, make_project):
    dup, surv = investors["duplicate"], investors["survivor"]
    bureau = login("bureau")
    url = f"/investors/{dup.id}/merge"
    _confirm(bureau, _merge_page(bureau, url, surv.id).get_data(as_text=True), url)
    other = Enterprise.create(name="Another investor", credit_code="91350900MA2YQ5NB4B")  # took the code
    Project.update(enterprise=other).where(Project.id == investors["moved"].id).execute()
    response = _undo_form(bureau, MergeRecord.get().id)
    assert response.status_code == 303
    page = bureau.get("/merges").get_data(as_text=True)
    assert "cannot be undone" in page and "91350900MA2YQ5NB4B" in page and "changed or deleted" in page
    assert Enterprise.get_or_none(Enterprise.name == "Ningde Battery Company Ltd") is None
    assert MergeRecord.get().undone_at is None


def test_a_survivor_that_does_not_exist_or_is_the_duplicate_is_refused_at_the_field(login, investors):
    bureau = login("bureau")
    dup = investors["duplicate"]
    url = f"/investors/{dup.id}/merge"
    for bad in ("999999", "abc", str(dup.id)):
        response = _merge_page(bureau, url, bad)
        assert response.status_code == 422
        assert 'id="into-error"' in response.get_data(as_text=True)
    response = bureau.post_form(url, {"into": str(dup.id)})
    assert response.status_code == 422 and Enterprise.get_or_none(Enterprise.id == dup.id) is not None


@pytest.mark.parametrize("username", ["unit_a", "leader", "admin"])
def test_only_the_bureau_merges(login, investors, username):
    client = login(username)
    dup, surv = investors["duplicate"], investors["survivor"]
    assert client.post_form(f"/investors/{dup.id}/merge", {"into": str(surv.id)}).status_code == 403
    assert Enterprise.get_or_none(Enterprise.id == dup.id) is not None
    assert f"/investors/{dup.id}/merge" not in client.get(f"/investors/{dup.id}").get_data(as_text=True)


def test_the_bureau_merges_a_duplicate_project_and_undoes_it(app, org, login, make_project):
    survivor = make_project(name="Cell factory", stage="negotiating")
    duplicate = make_project(name="Cell factory (entered twice)", unit="county_b", stage="negotiating")
    StageChange.create(project=duplicate, from_stage="clue", to_stage="negotiating", on_date=D(2026, 2, 1),
                       by=org.users["unit_b"])
    problem = Problem.create(project=duplicate, category="land", description="Land", raised_by=org.users["unit_b"],
                             assigned_unit=org.units["department"], deadline=D(2026, 12, 31))
    report = ProgressReport.create(project=duplicate, week="2026-W48", happened="Talks", author=org.users["unit_b"])
    event = PromotionEvent.create(name="Expo", kind="expo", starts_on=D(2026, 5, 1), ends_on=D(2026, 5, 2),
                                  unit=org.units["bureau"], created_by=org.users["bureau"])
    both = EventProject.create(event=event, project=survivor, by=org.users["bureau"])
    twin = EventProject.create(event=event, project=duplicate, by=org.users["bureau"])
    bureau = login("bureau")
    assert f"/projects/{duplicate.id}/merge" in bureau.get(f"/projects/{duplicate.id}").get_data(as_text=True)
    url = f"/projects/{duplicate.id}/merge"
    html = _merge_page(bureau, url, survivor.id).get_data(as_text=True)
    # The event link stays: the survivor is linked to the same event already.
    assert re.search(r'data-table="event_project.project"><td>[^<]+</td><td class="num">0</td>'
                     r'<td class="num">1<', html)
    assert 'data-table="stage_change.project"' not in html  # the duplicate's history stays its own
    assert _confirm(bureau, html, url).status_code == 303
    assert Problem.get_by_id(problem.id).project_id == survivor.id
    assert ProgressReport.get_by_id(report.id).project_id == survivor.id
    assert EventProject.get_by_id(twin.id).project_id == duplicate.id and both.project_id == survivor.id
    assert Project.get_by_id(duplicate.id).archived
    assert StageChange.get(StageChange.project == duplicate.id)

    assert _undo_form(bureau, MergeRecord.get().id).status_code == 303
    assert Problem.get_by_id(problem.id).project_id == duplicate.id
    assert ProgressReport.get_by_id(report.id).project_id == duplicate.id
    assert not Project.get_by_id(duplicate.id).archived


def test_the_demo_city_has_a_duplicate_investor_to_merge_once(app, monkeypatch, password_hash):
    import portal.demo

    monkeypatch.setattr(portal.demo, "hash_password", lambda password: password_hash)
    with app.app_context():
        context = portal.demo.build_demo("password123", dt.date(2026, 11, 21))
        again = portal.demo.build_demo("password123", dt.date(2026, 11, 21))
    [duplicate] = Enterprise.select().where(Enterprise.name.endswith("（重复录入）"))
    assert context.created["duplicate investors"] == 1 and "duplicate investors" not in again.created
    survivor = Enterprise.get(Enterprise.name == duplicate.name.removesuffix("（重复录入）"))
    client = app.test_client()
    assert client.login("bureau").status_code == 303
    page = client.get(f"/investors/{duplicate.id}/merge").get_data(as_text=True)
    assert f'?into={survivor.id}"' in page


def _fill_checkboxes(html: str) -> dict[str, str]:
    """The merge form's "details the survivor does not have": {field: the label's text}."""
    return {m.group(1): re.sub(r"\s+", " ", m.group(2)).strip() for m in re.finditer(
        r'<input type="checkbox" name="take" value="(\w+)"[^>]*checked>\s*<label[^>]*>(.*?)</label>', html, re.S)}


def test_the_survivor_takes_the_details_it_lacks_and_the_undo_blanks_them(app, org, login, make_project):
    investor = Enterprise.create(name="Cell Co")
    survivor = make_project(name="Cell factory", stage="negotiating", park="")
    duplicate = make_project(name="Cell factory (twice)", unit="county_b", stage="negotiating", enterprise=investor,
                             park="East park", planned_sign_date=D(2027, 3, 1), responsible_person="Wang Li")
    Project.update(responsible_person="Zhao Min").where(Project.id == survivor.id).execute()  # its own: kept
    bureau = login("bureau")
    url = f"/projects/{duplicate.id}/merge"
    html = _merge_page(bureau, url, survivor.id).get_data(as_text=True)
    offered = _fill_checkboxes(html)
    assert set(offered) == {"enterprise", "park", "planned_sign_date"}  # not the responsible person it has
    assert "Cell Co" in offered["enterprise"] and "East park" in offered["park"]
    # The clerk unticks the park, as a person would, and merges.
    [form] = [f for f in forms_on(html, url) if f.method_with(None) == "POST" and f.action.endswith(url)]
    form.tick("take", False, value="park")
    assert submit(bureau, form).status_code == 303
    merged = Project.get_by_id(survivor.id)
    assert (merged.enterprise_id, merged.planned_sign_date, merged.park) == (investor.id, D(2027, 3, 1), "")
    assert merged.responsible_person == "Zhao Min" and merged.version == survivor.version + 1
    entry = AuditLog.get(AuditLog.action == "merge_survivor", AuditLog.entity_id == survivor.id)
    assert entry.changes["planned_sign_date"] == [None, "2027-03-01"]
    assert entry.changes["enterprise"] == [None, {"id": investor.id, "name": "Cell Co"}]

    assert _undo_form(bureau, MergeRecord.get().id).status_code == 303
    undone = Project.get_by_id(survivor.id)
    assert (undone.enterprise_id, undone.planned_sign_date) == (None, None)
    assert Project.get_by_id(duplicate.id).enterprise_id == investor.id  # the duplicate never lost it


def test_an_undo_is_refused_when_a_taken_detail_was_changed_since(org, login, make_project):
    survivor = make_project(name="Cell factory", stage="negotiating")
    duplicate = make_project(name="Cell factory (twice)", unit="county_b", stage="negotiating",
                             planned_sign_date=D(2027, 3, 1))
    bureau = login("bureau")
    url = f"/projects/{duplicate.id}/merge"
    assert _confirm(bureau, _merge_page(bureau, url, survivor.id).get_data(as_text=True), url).status_code == 303
    Project.update(planned_sign_date=D(2027, 6, 1)).where(Project.id == survivor.id).execute()  # edited since
    _undo_form(bureau, MergeRecord.get().id)
    assert MergeRecord.get().undone_at is None
    assert Project.get_by_id(survivor.id).planned_sign_date == D(2027, 6, 1)  # the later edit kept
    assert "changed after the merge" in bureau.get("/merges").get_data(as_text=True)  # the reason, flashed


def test_an_investor_without_a_credit_code_takes_the_duplicates_and_the_undo_gives_it_back(login, investors):
    dup, surv = investors["duplicate"], investors["survivor"]
    Enterprise.update(credit_code=None, origin_city="").where(Enterprise.id == surv.id).execute()
    Enterprise.update(origin_city="Ningde").where(Enterprise.id == dup.id).execute()
    bureau = login("bureau")
    url = f"/investors/{dup.id}/merge"
    html = _merge_page(bureau, url, surv.id).get_data(as_text=True)
    assert set(_fill_checkboxes(html)) == {"credit_code", "origin_city"}
    assert _confirm(bureau, html, url).status_code == 303
    assert (Enterprise.get_by_id(surv.id).credit_code, Enterprise.get_by_id(surv.id).origin_city) == (
        "91350900MA2YQ5NB4B", "Ningde")
    assert _undo_form(bureau, MergeRecord.get().id).status_code == 303
    assert Enterprise.get_by_id(surv.id).credit_code is None
    assert Enterprise.get(Enterprise.name == dup.name).credit_code == "91350900MA2YQ5NB4B"
