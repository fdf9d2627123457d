"""The audit log as people read it: records and units by name (never 'Unit #8' or '14 → 13'),
and filters by record, action, person and dates."""
from __future__ import annotations

import datetime as dt
import re

from portal.models import AuditLog
from portal.problems import service


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in body.split("<tr")[1:]]


def test_units_and_records_show_by_name_in_the_log_and_the_history(app, org, login, make_project):
    project = make_project(name="Battery plant")
    with app.test_request_context():
        problem = service.raise_problem(project, org.users["bureau"], category="land", description="Land not ready",
                                        assigned_unit=org.units["department"], deadline=dt.date(2026, 12, 1))
        service.hand_over(problem, org.users["department"], org.units["county_a"], "Not ours")
    # An entry written before names were stored: ids only.
    AuditLog.create(user=org.users["bureau"].id, action="handover", entity="problem", entity_id=problem.id,
                    changes={"assigned_unit": [{"id": org.units["county_b"].id, "name": str(org.units["county_b"].id)},
                                               org.units["town_a"].id]})
    admin = login("admin")
    rows = _rows(admin.get("/admin/audit").get_data(as_text=True))
    text = " | ".join(rows)
    assert "Land Department → County A" in text, rows
    assert "County B → Town A1" in text, rows
    assert "Project Battery plant" in text, rows
    assert not re.search(r"Unit #\d|: → ", text), rows
    history = login("bureau").get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Land Department → County A" in " ".join(_rows(history.split('id="history"')[1]))


def test_the_log_is_filtered_by_record_action_person_and_dates(app, org, login):
    admin = login("admin")
    admin.post_form("/admin/units/new", {"name": "New zone", "kind": "zone", "parent": org.units["bureau"].id})
    AuditLog.create(user=org.users["bureau"].id, action="edit", entity="project", entity_id=7,
                    changes={"name": ["a", "b"]}, at=dt.datetime(2025, 1, 10, 3, 0))
    by_unit = _rows(admin.get("/admin/audit?entity=unit").get_data(as_text=True))
    assert by_unit and all("Unit New zone" in row for row in by_unit)
    by_person = _rows(admin.get(f"/admin/audit?user={org.users['bureau'].id}").get_data(as_text=True))
    assert len(by_person) == 1 and "Project #7" in by_person[0]
    by_dates = _rows(admin.get("/admin/audit?start=2025-01-01&end=2025-01-31").get_data(as_text=True))
    assert len(by_dates) == 1 and "#7" in by_dates[0]
    assert "Nothing recorded" in admin.get("/admin/audit?action=unlock").get_data(as_text=True)
    bad = admin.get("/admin/audit?start=01/02/2025")
    assert bad.status_code == 400 and "Write the date as 2026-03-01." in bad.get_data(as_text=True)
    assert login("unit_a").get("/admin/audit").status_code == 403


def test_the_history_shows_codes_as_the_forms_do_and_no_lock_counter(app, org, login, make_project):
    from portal.models import Industry

    Industry.create(code="new_materials", name_zh="新材料", name_en="New materials")
    project = make_project(name="Mill")
    AuditLog.create(user=org.users["bureau"].id, action="edit", entity="project", entity_id=project.id,
                    changes={"industry_code": [None, "new_materials"], "safety_assessment": ["pending", "passed"],
                             "version": [1, 2]})
    history = login("bureau").get(f"/projects/{project.id}").get_data(as_text=True).split('id="history"')[1]
    text = " ".join(_rows(history))
    assert "— → New materials" in text and "In progress → Passed" in text, text
    assert "new_materials" not in text and "Version" not in text and "#" not in text, text
