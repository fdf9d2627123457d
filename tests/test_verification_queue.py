"""The bureau's verification queue: several changes approved at once (each audited), and the
four-eyes rule (PORTAL_VERIFY_BY_ANOTHER) where the deployment asks for it."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from portal import stages
from portal.models import AuditLog, Project, StageChange, User

D = dt.date


def _signed_pending(app, org, make_project, name, by="unit_a"):
    """A project moved to signed by ``by``: a change awaiting verification."""
    project = make_project(name=name, clue_on=D(2026, 1, 5))
    with app.test_request_context():
        stages.record_initial(project, org.users[by], D(2026, 1, 5))
        stages.change_stage(Project.get_by_id(project.id), org.users[by], "negotiating", D(2026, 2, 1))
        return stages.change_stage(Project.get_by_id(project.id), org.users[by], "signed", D(2026, 3, 1),
                                   contracted_amount=Decimal("5000"))


def _ticked_form(html: str) -> dict:
    """What the browser sends for the queue's 'approve the ticked' form with every box ticked."""
    form = re.search(r'<form[^>]*id="approve-selected".*?</form>', html, re.S).group(0)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    boxes = re.findall(r'<input type="checkbox" name="change" value="(\d+)" form="approve-selected"', html)
    return {"csrf_token": token, "change": boxes}


def test_the_bureau_approves_the_ticked_changes_at_once_each_audited(app, org, login, make_project):
    changes = [_signed_pending(app, org, make_project, f"Plant {i}") for i in range(3)]
    bureau = login("bureau")
    html = bureau.get("/projects/verification").get_data(as_text=True)
    data = _ticked_form(html)
    assert sorted(data["change"]) == sorted(str(c.id) for c in changes)
    data["change"] = data["change"][:2]  # two of the three ticked
    response = bureau.post("/projects/verification", data=data)
    assert response.status_code == 303
    states = {c.id: StageChange.get_by_id(c.id).verification for c in changes}
    ticked = {int(i) for i in data["change"]}
    assert all(states[i] == "approved" for i in ticked)
    assert [state for i, state in states.items() if i not in ticked] == ["pending"]
    audits = AuditLog.select().where(AuditLog.action == "verify")
    assert sorted(a.entity_id for a in audits) == sorted(StageChange.get_by_id(i).project_id for i in ticked)
    assert all(a.user_id == org.users["bureau"].id for a in audits)
    assert "2 stage changes approved" in bureau.get("/projects/verification").get_data(as_text=True)
    # Signed projects count once approved.
    assert all(Project.get_by_id(StageChange.get_by_id(i).project_id).counted_signed_on == D(2026, 3, 1)
               for i in ticked)


def test_only_the_bureau_approves_in_bulk(app, org, login, make_project):
    change = _signed_pending(app, org, make_project, "Plant")
    unit = login("unit_a")
    response = unit.post_form("/projects/verification", {"change": [str(change.id)]})
    assert response.status_code == 403
    assert StageChange.get_by_id(change.id).verification == "pending"


def test_four_eyes_whoever_entered_a_change_does_not_approve_it_alone(app, org, login, make_project):
    app.config["VERIFY_BY_ANOTHER"] = True
    own = _signed_pending(app, org, make_project, "Own entry", by="bureau")
    other = _signed_pending(app, org, make_project, "Unit entry", by="unit_a")
    bureau = login("bureau")
    data = _ticked_form(bureau.get("/projects/verification").get_data(as_text=True))
    bureau.post("/projects/verification", data=data)
    assert StageChange.get_by_id(own.id).verification == "pending"
    assert StageChange.get_by_id(other.id).verification == "approved"
    page = bureau.get("/projects/verification").get_data(as_text=True)
    assert "another member of the bureau must approve it" in page and "Own entry" in page
    single = bureau.post_form(f"/projects/{own.project_id}/verify/{own.id}", {"decision": "approve", "opinion": ""})
    assert single.status_code == 422 and StageChange.get_by_id(own.id).verification == "pending"
    User.create(username="colleague", display_name="Colleague", role="bureau", unit=org.units["bureau"],
                password_hash=org.users["bureau"].password_hash)
    colleague = login("colleague")  # another person of the bureau may
    assert colleague.post_form(f"/projects/{own.project_id}/verify/{own.id}",
                           {"decision": "approve", "opinion": ""}).status_code == 303
    assert StageChange.get_by_id(own.id).verification == "approved"


def test_without_the_four_eyes_setting_the_bureau_approves_its_own_entry(app, org, login, make_project):
    own = _signed_pending(app, org, make_project, "Own entry", by="bureau")
    bureau = login("bureau")
    assert bureau.post_form(f"/projects/{own.project_id}/verify/{own.id}",
                            {"decision": "approve", "opinion": ""}).status_code == 303
    assert StageChange.get_by_id(own.id).verification == "approved"
