"""Input that once gave a 500 now gets a 4xx (or the page): found by hand and by tests/test_fuzz.py."""
from __future__ import annotations

import pytest

from portal.models import Project
from tests.test_fuzz import _forms


@pytest.fixture
def project(app, make_project):
    with app.app_context():
        return make_project(name="Battery plant", stage="signed")


def _edit_form(client, project) -> dict:
    """The project's edit form as the page fills it in (a valid submission)."""
    page = client.get(f"/projects/{project.id}/edit").get_data(as_text=True)
    form = next(f for f in _forms(page) if f["method"] == "post" and "version" in f["fields"])
    data = {name: value for name, value in form["fields"].items() if value is not None}
    data["responsible_unit"] = str(project.responsible_unit_id)  # not pre-selected on every branch yet
    return data


@pytest.mark.parametrize("value", ["", "csv", "pdf", "XLSX", "xlsx "])
def test_problem_board_with_another_format_is_the_page(login, value):
    response = login("bureau").get(f"/problems?format={value}")
    assert response.status_code == 200 and response.mimetype == "text/html"


@pytest.mark.parametrize("amount", ["1e308", "-1e308", "1e20", "100000000000000"])
def test_a_huge_amount_is_refused_at_the_field(login, project, app, amount):
    client = login("bureau")
    data = {**_edit_form(client, project), "total_investment": amount}
    response = client.post_form(f"/projects/{project.id}/edit", data)
    assert response.status_code == 422
    assert "Enter an amount between 0 and 99,999,999,999,999." in response.get_data(as_text=True)
    with app.app_context():
        assert Project.get_by_id(project.id).total_investment == project.total_investment


@pytest.mark.parametrize("version", [str(2**63), str(2**31), str(-2**63 - 1), "0", "-1"])
def test_a_version_out_of_range_is_a_400(login, project, version):
    client = login("bureau")
    assert client.post_form(f"/projects/{project.id}/edit", _edit_form(client, project)).status_code == 303
    data = {**_edit_form(client, project), "version": version}
    assert client.post_form(f"/projects/{project.id}/edit", data).status_code == 400


def test_a_file_field_posted_as_text_asks_for_a_file(login, project):
    response = login("bureau").post_form(f"/projects/{project.id}/attachments", {"files": "not a file"})
    assert response.status_code == 422
    assert "Choose a file to upload." in response.get_data(as_text=True)
