"""A list page reads only the project columns it shows (portal.projects.filters.LIST_PAGE_COLUMNS):
whatever it reads must be among them, or the page would show an empty cell where the record holds
a value. Every list, as each kind of user reads it, must render exactly as from whole rows."""
import datetime as dt

import pytest

from portal import hookimpl
from portal.models import Contact, Problem, Project, StageChange, User
from portal.projects import lists
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
        # A value in every column a row shows: a plugin's list column; a confidential project the
        # department reads (through a problem it holds) without its investor; a clue with no stage
        # change or contact, whose follow-up days count from its clue date.
        for number, project in enumerate(Project.select().order_by(Project.id).limit(60)):
            project.extra = {"energy": f"0.{number}"}
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
