"""The project pages: create with every field, edit, bad input, concurrency, audit, attachments,
capital, archive/restore, duplicate warnings with masking, and permissions per role."""
import datetime as dt
import io
import re
import zipfile
from decimal import Decimal

import pytest

from portal.models import Attachment, AuditLog, CapitalEntry, Enterprise, Industry, Project, StageChange, Unit
from portal.projects.forms import credit_code_valid
from tests.plugins_helpers import GrantEveryProject, temporary_plugin

CODE = "91110000600037341L"  # a valid unified social credit code


@pytest.fixture
def extra(org):
    """A leader, a special team and an industry to choose in the form."""
    Industry.create(code="nev", name_zh="新能源汽车", name_en="New energy vehicles")
    team = Unit(name="Battery special team", kind="special_team", parent=org.units["bureau"]).save_with_path()
    return {"special_team": team}


def full_form(org, extra, **over):
    data = {
        "name": "Lithium battery plant", "investor_name": "Ningde Power Co., Ltd.", "investor_credit_code": CODE,
        "origin_country": "China", "origin_province": "Fujian", "origin_city": "Ningde",
        "fortune_global_500": "y", "listed": "y",
        "industry_code": "nev", "chain_link_code": "", "park": "High-tech park",
        "source_channel": "stationed_team", "investment_method": "business_referral",
        "source_team": str(org.units["team"].id), "is_key": "y",
        "total_investment": "120000.50", "contracted_amount": "", "foreign_capital": "500",
        "expected_output": "300000", "expected_tax": "12000", "expected_jobs": "800", "land_area_mu": "300",
        "safety_assessment": "passed", "environment_assessment": "pending",
        "responsible_unit": str(org.units["county_a"].id), "responsible_person": "Wang Fang",
        "leader": str(org.users["leader"].id), "special_team": str(extra["special_team"].id),
        "planned_sign_date": "2026-03-01", "planned_start_date": "2026-06-01",
        "planned_completion_date": "2027-06-01", "planned_production_date": "2027-09-01",
        "clue_on": "2026-01-10",
    }
    data.update(over)
    return data


def project_id(response):
    return int(re.search(r"/projects/(\d+)$", response.headers["Location"]).group(1))


def test_credit_code_check_character():
    assert credit_code_valid(CODE)
    assert not credit_code_valid(CODE[:-1] + "X")
    assert not credit_code_valid("12345")


def test_create_with_every_field(login, org, extra):
    client = login("unit_a")
    assert client.get("/projects/new").status_code == 200
    response = client.post_form("/projects/new", full_form(org, extra))
    assert response.status_code == 303, response.get_data(as_text=True)
    p = Project.get_by_id(project_id(response))
    assert p.name == "Lithium battery plant" and p.stage == "clue" and p.clue_on == dt.date(2026, 1, 10)
    assert p.total_investment == Decimal("120000.50") and p.contracted_amount is None
    assert p.foreign_capital == Decimal("500") and p.expected_jobs == 800 and p.land_area_mu == Decimal("300")
    assert p.investment_intensity == Decimal("400.00")
    assert (p.source_team.id, p.leader.id, p.special_team.id) == (org.units["team"].id, org.users["leader"].id,
                                                                 extra["special_team"].id)
    assert (p.industry_code, p.chain_link_code, p.is_key, p.is_confidential) == ("nev", "", True, False)
    assert p.planned_production_date == dt.date(2027, 9, 1) and p.created_by.username == "unit_a"
    e = p.enterprise
    assert ((e.credit_code, e.origin_city, e.fortune_global_500, e.listed, e.china_500)
            == (CODE, "Ningde", True, True, False))
    assert StageChange.get(StageChange.project == p.id).to_stage == "clue"
    assert AuditLog.get(AuditLog.entity == "project", AuditLog.entity_id == p.id).action == "create"
    page = client.get(f"/projects/{p.id}").get_data(as_text=True)
    for text in ("Lithium battery plant", "Ningde Power Co., Ltd.", "Fortune Global 500", "High-tech park",
                 "Wang Fang", "Battery special team", "New energy vehicles", "400.00", "History"):
        assert text in page, text
    # The same credit code reuses the enterprise (after confirming the duplicate warning).
    again = full_form(org, extra, name="Second line", confirm_duplicates="1")
    response = client.post_form("/projects/new", again)
    assert response.status_code == 303
    assert Enterprise.select().count() == 1


@pytest.mark.parametrize("over, field_message", [
    ({"total_investment": "-5"}, "Enter an amount between 0"),
    ({"total_investment": "lots"}, "Enter a number"),
    ({"total_investment": "NaN"}, "Enter a number"),
    ({"expected_jobs": "many"}, "Not a valid integer value."),
    ({"planned_completion_date": "2026-05-01"}, "The completion cannot be planned before the start."),
    ({"responsible_unit": "999999"}, "Choose a unit from the list."),
    ({"leader": "999999"}, "Choose an entry from the list."),
    ({"leader": "abc"}, "Choose an entry from the list."),
    ({"industry_code": "no-such"}, "Not a valid choice"),
    ({"name": "x" * 5000}, "Field cannot be longer than 200 characters."),
    ({"name": ""}, "This field is required."),
    ({"investor_credit_code": "ABC"}, "18 characters"),
    ({"source_team": ""}, "Choose the stationed team"),
    ({"clue_on": "2999-01-01"}, "cannot be in the future"),
    ({"clue_on": "yesterday"}, "Enter the date."),
])
def test_bad_input_gets_message_and_422(login, org, extra, over, field_message):
    client = login("unit_a")
    response = client.post_form("/projects/new", full_form(org, extra, **over))
    assert response.status_code == 422
    assert field_message in response.get_data(as_text=True)
    assert Project.select().count() == 0


def test_ten_megabyte_name_is_refused(login, org, extra):
    client = login("unit_a")
    response = client.post_form("/projects/new", full_form(org, extra, name="x" * (10 * 1024 * 1024)))
    assert 400 <= response.status_code < 500
    assert Project.select().count() == 0


def test_unit_cannot_file_for_another_unit(login, org, extra):
    response = login("unit_b").post_form("/projects/new", full_form(org, extra))
    assert response.status_code == 422
    assert Project.select().count() == 0


def test_duplicate_warning_masks_confidential_investors(login, org, extra, make_project):
    secret = Enterprise.create(name="Hidden Motors Ltd", credit_code=CODE)
    make_project(name="Hidden motors battery base", unit="town_a", enterprise=secret, is_confidential=True)
    client = login("unit_b")  # reads neither the town's project nor (so) its investor
    response = client.post_form("/projects/new", full_form(org, extra, name="Hidden Motors battery base project",
                                                           investor_name="Hidden Motors Ltd",
                                                           responsible_unit=str(org.units["county_b"].id)))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Possible duplicates" in page
    assert "A similar project exists at a unit whose projects you do not read" in page
    assert "Hidden Motors Ltd" not in page.split("id=\"duplicates\"")[1].split("</section>")[0]
    assert Project.select().count() == 1
    # Matching only on the confidential investor's code or name reveals nothing.
    response = client.post_form("/projects/new", full_form(org, extra, name="Completely different",
                                                           investor_name="Hidden Motors Ltd",
                                                           responsible_unit=str(org.units["county_b"].id)))
    assert "Possible duplicates" not in response.get_data(as_text=True)
    # The bureau sees the investor; confirming saves anyway.
    bureau = login("bureau")
    page = bureau.post_form("/projects/new", full_form(org, extra, name="Other", investor_name="Hidden Motors")
                            ).get_data(as_text=True)
    assert "Possible duplicates" in page and "Hidden Motors Ltd" in page
    response = bureau.post_form("/projects/new", full_form(org, extra, name="Other", investor_name="Hidden Motors",
                                                           investor_credit_code="", confirm_duplicates="1"))
    assert response.status_code == 303


def _created(login, org, extra, username="unit_a", **over):
    client = login(username)
    response = client.post_form("/projects/new", full_form(org, extra, confirm_duplicates="1", **over))
    assert response.status_code == 303
    return client, Project.get_by_id(project_id(response))


def edit_data(project, **over):
    from portal.projects.views import _initial

    data = {}
    for key, value in _initial(project).items():
        if isinstance(value, bool):
            if value:
                data[key] = "y"
        elif hasattr(value, "id"):
            data[key] = str(value.id)
        elif value is None:
            data[key] = ""
        else:
            data[key] = str(value)
    data.update(over)
    return data


def test_edit_records_field_diffs(login, org, extra, app):
    client, p = _created(login, org, extra)
    assert client.get(f"/projects/{p.id}/edit").status_code == 200
    response = client.post_form(f"/projects/{p.id}/edit", edit_data(p, park="Port park", expected_jobs="900"))
    assert response.status_code == 303
    p2 = Project.get_by_id(p.id)
    assert (p2.park, p2.expected_jobs, p2.version) == ("Port park", 900, p.version + 1)
    entry = AuditLog.select().where(AuditLog.action == "edit", AuditLog.entity_id == p.id).get()
    assert entry.changes["park"] == ["High-tech park", "Port park"] and entry.changes["expected_jobs"] == [800, 900]
    assert "Port park" in client.get(f"/projects/{p.id}").get_data(as_text=True)
    # htmx: the section comes back, not a whole page
    response = client.htmx("GET", f"/projects/{p.id}/edit")
    assert response.status_code == 200 and "<html" not in response.get_data(as_text=True)
    p2 = Project.get_by_id(p.id)
    response = client.htmx("POST", f"/projects/{p.id}/edit", data=edit_data(p2, park="River park"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="details"' in body and "River park" in body and "<html" not in body
    response = client.htmx("POST", f"/projects/{p.id}/edit", data=edit_data(p2, total_investment="-1"))
    assert response.status_code == 409 or response.status_code == 422


def test_history_names_fields_and_values_as_people_read_them(login, org, extra):
    """The history shows a field's label and a stage's name in the reader's language, not the
    stored codes (total_investment, signed)."""
    client, p = _created(login, org, extra)
    assert client.post_form(f"/projects/{p.id}/edit", edit_data(p, total_investment="65000")).status_code == 303
    history = client.get(f"/projects/{p.id}").get_data(as_text=True).split('id="history"')[1]
    assert "Total investment (10k CNY)" in history and ">total_investment<" not in history
    client.post_form("/language", {"locale": "zh_CN", "next": "/"})
    history = client.get(f"/projects/{p.id}").get_data(as_text=True).split('id="history"')[1]
    assert "总投资" in history
    assert "线索" in history or "洽谈" in history  # the stage the project was created in, by its name


def test_concurrent_edit_is_refused_with_their_values(login, org, extra):
    client, p = _created(login, org, extra)
    other = login("bureau")
    loaded = Project.get_by_id(p.id)
    assert other.post_form(f"/projects/{p.id}/edit", edit_data(loaded, park="Their park")).status_code == 303
    response = client.post_form(f"/projects/{p.id}/edit", edit_data(loaded, park="My park", responsible_person="Li"))
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else saved this project" in page and "Their park" in page and "My park" in page
    assert Project.get_by_id(p.id).park == "Their park" and Project.get_by_id(p.id).responsible_person == "Wang Fang"


def test_stage_change_through_the_page(login, org, extra):
    client, p = _created(login, org, extra)
    assert client.get(f"/projects/{p.id}/stage").status_code == 200
    response = client.post_form(f"/projects/{p.id}/stage", {"to_stage": "negotiating", "on_date": "2026-02-01",
                                                             "version": str(p.version)})
    assert response.status_code == 303
    p = Project.get_by_id(p.id)
    response = client.post_form(f"/projects/{p.id}/stage", {"to_stage": "signed", "on_date": "2026-03-01",
                                                             "version": str(p.version)})
    assert response.status_code == 422 and "Signing needs the contracted amount." in response.get_data(as_text=True)
    response = client.post_form(f"/projects/{p.id}/stage", {"to_stage": "bogus", "on_date": "2026-03-01",
                                                             "version": str(p.version)})
    assert response.status_code == 422 and "Not a valid choice" in response.get_data(as_text=True)
    # posted against an older version: refused, and the page says why (the version field is hidden)
    response = client.post_form(f"/projects/{p.id}/stage", {"to_stage": "signed", "on_date": "2026-03-01",
                                                             "contracted_amount": "100", "version": str(p.version - 1)})
    assert response.status_code == 409
    assert "Someone else changed this project at the same time." in response.get_data(as_text=True)
    # the bureau may correct the date of a stage on the line (the link is on the page)
    assert f"/projects/{p.id}/correct/" in login("bureau").get(f"/projects/{p.id}").get_data(as_text=True)
    pdf = (io.BytesIO(b"%PDF-1.4 contract"), "contract.pdf")
    response = client.post_form(f"/projects/{p.id}/stage", {"to_stage": "signed", "on_date": "2026-03-01",
                                                             "contracted_amount": "90000", "version": str(p.version),
                                                             "files": pdf}, content_type="multipart/form-data")
    assert response.status_code == 303
    change = StageChange.get(StageChange.project == p.id, StageChange.to_stage == "signed")
    assert change.verification == "pending" and change.attachments.count() == 1
    # The bureau's queue and verification
    bureau = login("bureau")
    assert "Lithium battery plant" in bureau.get("/projects/verification").get_data(as_text=True)
    assert client.get("/projects/verification").status_code == 403
    assert client.post_form(f"/projects/{p.id}/verify/{change.id}", {"decision": "approve"}).status_code == 403
    response = bureau.post_form(f"/projects/{p.id}/verify/{change.id}", {"decision": "return", "opinion": ""})
    assert response.status_code == 422 and "Give your opinion" in response.get_data(as_text=True)
    assert bureau.post_form(f"/projects/{p.id}/verify/{change.id}", {"decision": "approve"}).status_code == 303
    assert StageChange.get_by_id(change.id).verification == "approved"
    assert "Verified" in client.get(f"/projects/{p.id}").get_data(as_text=True)


def test_stage_change_with_htmx_reloads_the_project_page_with_a_confirmation(login, org, extra):
    """Title badge, amounts and history all change with the stage, and the form may sit on the
    stage page opened from a bookmark (no #stage there): the whole project page comes again."""
    client, p = _created(login, org, extra)
    response = client.htmx("POST", f"/projects/{p.id}/stage", data={"to_stage": "negotiating", "on_date": "2026-02-01",
                                                                     "version": str(p.version)})
    assert response.headers["HX-Redirect"] == f"/projects/{p.id}"
    page = client.get(f"/projects/{p.id}").get_data(as_text=True)
    assert "Stage changed." in page


def test_capital_in_place(login, org, extra):
    client, p = _created(login, org, extra)
    response = client.post_form(f"/projects/{p.id}/capital", {"on_date": "2026-02-01", "amount": "1500.25"})
    assert response.status_code == 303
    for bad, message in (({"on_date": "2026-02-01", "amount": "0"}, "greater than zero"),
                         ({"on_date": "2026-02-01", "amount": "-3"}, "Enter an amount between 0"),
                         ({"on_date": "2999-02-01", "amount": "3"}, "cannot be in the future"),
                         ({"on_date": "2026-02-01", "amount": "abc"}, "Enter a number")):
        response = client.post_form(f"/projects/{p.id}/capital", bad)
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert [e.amount for e in CapitalEntry.select()] == [Decimal("1500.25")]
    assert AuditLog.select().where(AuditLog.action == "capital").count() == 1
    response = login("leader").post_form(f"/projects/{p.id}/capital", {"on_date": "2026-02-01", "amount": "5"})
    assert response.status_code == 403


def _docx():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_attachments_type_size_and_permission(login, org, extra, app):
    client, p = _created(login, org, extra)
    url = f"/projects/{p.id}/attachments"
    for content, name in ((b"%PDF-1.7 x", "a.pdf"), (b"\x89PNG\r\n\x1a\n....", "b.png"), (_docx(), "c.docx")):
        response = client.post_form(url, {"files": (io.BytesIO(content), name)}, content_type="multipart/form-data")
        assert response.status_code == 303, name
    for content, name in ((b"MZ\x90\x00 exe", "evil.pdf"), (b"%PDF-1.4", "renamed.exe"), (b"<html>", "x.html"),
                          (b"\x89PNG\r\n\x1a\n", "image.pdf")):
        response = client.post_form(url, {"files": (io.BytesIO(content), name)}, content_type="multipart/form-data")
        assert response.status_code == 422 and "is not a PDF" in response.get_data(as_text=True), name
    app.config["MAX_UPLOAD_MB"] = 1
    response = client.post_form(url, {"files": (io.BytesIO(b"%PDF-" + b"0" * (1024 * 1024 + 10)), "big.pdf")},
                                content_type="multipart/form-data")
    assert response.status_code in (413, 422)
    assert Attachment.select().count() == 3
    att = Attachment.get(Attachment.original_name == "a.pdf")
    assert att.stored_name != "a.pdf" and len(att.stored_name) >= 32
    response = client.get(f"/projects/{p.id}/files/{att.stored_name}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert "a.pdf" in response.headers["Content-Disposition"]
    assert login("leader").get(f"/projects/{p.id}/files/{att.stored_name}").status_code == 200
    assert login("unit_b").get(f"/projects/{p.id}/files/{att.stored_name}").status_code == 404
    assert client.get(f"/projects/{p.id}/files/{'0' * 32}.pdf").status_code == 404
    assert login("leader").post_form(url, {"files": (io.BytesIO(b"%PDF-1"), "l.pdf")},
                                     content_type="multipart/form-data").status_code == 403
    assert AuditLog.select().where(AuditLog.action == "attachment").count() == 3


def test_archive_and_restore(login, org, extra):
    client, p = _created(login, org, extra)
    assert client.post_form(f"/projects/{p.id}/archive").status_code == 303
    assert Project.get_by_id(p.id).archived
    page = client.get(f"/projects/{p.id}").get_data(as_text=True)
    assert "This project is archived" in page
    assert client.get(f"/projects/{p.id}/edit").status_code == 403  # units no longer edit it
    assert client.post_form(f"/projects/{p.id}/restore").status_code == 403
    assert login("bureau").post_form(f"/projects/{p.id}/restore").status_code == 403
    assert login("admin").post_form(f"/projects/{p.id}/restore").status_code == 303
    assert not Project.get_by_id(p.id).archived
    actions = [e.action for e in AuditLog.select().where(AuditLog.entity_id == p.id, AuditLog.entity == "project")]
    assert "archive" in actions and "restore" in actions


@pytest.mark.parametrize("username, read, edit", [
    ("unit_a", True, True), ("town_a", False, False), ("unit_b", False, False), ("bureau", True, True),
    ("leader", True, False), ("admin", True, False), ("department", False, False), ("team", False, False),
])
def test_permissions_per_role(login, org, make_project, username, read, edit):
    p = make_project(name="County A factory", unit="county_a")
    client = login(username)
    assert client.get(f"/projects/{p.id}").status_code == (200 if read else 404)
    assert client.get(f"/projects/{p.id}/edit").status_code == (200 if edit else (403 if read else 404))
    assert client.get(f"/projects/{p.id}/stage").status_code == (200 if edit else (403 if read else 404))
    can_create = username in ("unit_a", "town_a", "unit_b", "bureau", "team")
    assert client.get("/projects/new").status_code == (200 if can_create else 403)


def test_unknown_ids_are_404(login, org):
    client = login("bureau")
    for url in ("/projects/999", "/projects/abc", "/projects/999/edit", "/projects/1/verify/abc"):
        assert client.get(url).status_code == 404, url


def test_confidential_investor_masked_on_page_and_history(login, org, extra):
    client, p = _created(login, org, extra, is_confidential="y")
    assert "Ningde Power" in client.get(f"/projects/{p.id}").get_data(as_text=True)
    # A town below cannot read the county's project at all; the bureau and leaders see the investor.
    assert "Ningde Power" in login("leader").get(f"/projects/{p.id}").get_data(as_text=True)


def test_project_page_in_chinese(login, org, extra, app):
    client, p = _created(login, org, extra)
    client.post_form("/language", {"locale": "zh_CN", "next": "/"})
    page = client.get(f"/projects/{p.id}").get_data(as_text=True)
    assert "资金到位" in page and "线索" in page


def test_department_reader_sees_the_investor_masked(app, login, org, extra):
    client, p = _created(login, org, extra, is_confidential="y")
    # A department reads the project where it holds a problem (granted by the problems feature).
    with temporary_plugin(app, GrantEveryProject()):
        response = login("department").get(f"/projects/{p.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Confidential investor" in page
    assert "Ningde" not in page and CODE not in page


def test_stage_change_without_the_form_version_is_refused(login, org, extra):
    """The version the form was filled in against is what detects a concurrent change;
    a stage change posted without it (or with garbage) is refused, not applied blindly."""
    client, p = _created(login, org, extra)
    for version in ("", "abc"):
        response = client.post_form(f"/projects/{p.id}/stage",
                                    {"to_stage": "negotiating", "on_date": "2026-02-01", "version": version})
        assert response.status_code == 400
    assert Project.get_by_id(p.id).stage == p.stage
