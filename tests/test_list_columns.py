"""A list page reads only the project columns it shows (portal.projects.filters.LIST_PAGE_COLUMNS),
and its export only those its columns show (portal.projects.export.PROJECT_COLUMNS): whatever either
reads must be among them, or it would show an empty cell where the record holds a value. Every list,
as each kind of user reads it, must render and export exactly as from whole rows."""
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from portal import hookimpl
from portal.models import Contact, Problem, Project, StageChange, User
from portal.projects import export, lists
from tests.plugins_helpers import temporary_plugin
from tests.test_demo_seed import demo  # noqa: F401 - fixture

PAGES = ["/projects", "/projects?sort=-amount", "/projects?q=%E5%85%89", "/lists/clues", "/lists/signed?sort=date",
         "/lists/landed", "/lists/production?sort=-date"]


class ListedField:
    @hookimpl
    def portal_extra_fields(self):
        return [{"code": "energy", "label": "Energy per output", "type": "decimal", "list": True}]


@pytest.mark.parametrize("username", ["bureau", "donghu", "shanghai", "industry", "mayor"])
def test_every_list_shows_from_its_columns_what_the_whole_rows_show(app, demo, monkeypatch, username):  # noqa: F811
    demo()
    with app.app_context():
        # A value in every column a row shows or exports: a plugin's list column, a project code; a
        # confidential project the department reads (through a problem it holds) without its
        # investor; a clue with no stage change or contact, whose follow-up days count from its clue date.
        for number, project in enumerate(Project.select().order_by(Project.id).limit(60)):
            project.extra = {"energy": f"0.{number}"}
            project.code = f"XM-{number:04d}"  # exported, not shown on the page
            project.save()
        department, bureau = User.get(User.username == "industry"), User.get(User.username == "bureau")
        secret = Project.get(Project.is_confidential == True, Project.enterprise.is_null(False))  # noqa: E712
        Problem.create(project=secret, category="land", description="Land", raised_by=bureau,
                       assigned_unit=department.unit, deadline=dt.date(2026, 12, 31))
        clue = Project.get(Project.stage == "clue", Project.archived == False)  # noqa: E712
        clue.clue_on = dt.date(2026, 10, 1)
        clue.save()
        StageChange.delete().where(StageChange.project == clue.id).execute()
        Contact.delete().where(Contact.project == clue.id).execute()
    app.config["PAGE_SIZE"] = 400  # every project on one page
    client = app.test_client()
    assert client.login(username).status_code == 303
    with temporary_plugin(app, ListedField(), "listed-field"):
        for url in PAGES:
            narrow = client.get(url, headers={"HX-Request": "true"})
            assert narrow.status_code == 200, url
            with monkeypatch.context() as whole_rows:
                whole_rows.setattr(lists, "LIST_PAGE_COLUMNS", (Project,))
                whole = client.get(url, headers={"HX-Request": "true"})
            shown = narrow.get_data(as_text=True)
            assert shown == whole.get_data(as_text=True), (username, url)
            assert shown.count("<tr>") > 1 or username == "industry", (username, url)

            export_url = url + ("&" if "?" in url else "?") + "format=xlsx"
            exported = sheet(client.get(export_url))
            with monkeypatch.context() as whole_rows:
                whole_rows.setattr(export, "PROJECT_COLUMNS", (Project,))
                assert exported == sheet(client.get(export_url)), (username, url)
            assert len(exported) > 1 or username == "industry", (username, url)


def sheet(response) -> list[tuple]:
    assert response.status_code == 200
    return list(load_workbook(io.BytesIO(response.data), read_only=True).active.iter_rows(values_only=True))
