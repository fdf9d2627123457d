"""Figures that do not move behind people's backs (issue #12): who may change a shared investor's
class, signed projects counted by their class at signing, and one population for foreign capital.

Every change goes through the real pages: the edit form is loaded and submitted with what it
holds (as a browser sends it: disabled fields left out), with one change."""
import datetime as dt
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser

import pytest

from portal import schema
from portal.db import database
from portal.figures import compute
from portal.models import AuditLog, Enterprise, Project, StageChange
from portal.periods import Period
from tests.test_schema import FIRST, NOW, empty_database  # noqa: F401 (a fixture)
from tests.test_schema import _app as schema_app
from tests.test_schema import _fill_version_1 as fill_version_1
from tests.test_schema import _table as table

D = dt.date
LOCKED = "Only the bureau can change an investor's class."
KEPT = "The investor's class was kept as recorded: only the bureau can change an investor's class."


class _FormFields(HTMLParser):
    """What a browser submits from the first ``<form>`` posting to ``action``: the enabled named
    inputs (checked boxes only), selects (the selected option, else the first) and textareas."""

    def __init__(self, action):
        super().__init__()
        self.action, self.inside, self.done = action, False, False
        self.data: dict = {}
        self.disabled: set = set()
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and not self.done and a.get("action") == self.action:
            self.inside = True
        if not self.inside:
            return
        name = a.get("name")
        if name and "disabled" in a:
            self.disabled.add(name)
            return
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.data[name] = a.get("value", "on")
            elif kind not in ("submit", "file", "button"):
                self.data[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            if "selected" in a or self._select not in self.data:  # a browser sends the first without one
                self.data[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True


def form_of(client, url, action=None):
    """``(data, disabled names)`` of the form on page ``url`` that posts to ``action`` (default ``url``)."""
    page = client.get(url)
    assert page.status_code == 200
    parser = _FormFields(action or url)
    parser.feed(page.get_data(as_text=True))
    assert parser.done, f"no form posting to {action or url}"
    return parser.data, parser.disabled


def edit_project(client, project, **changes):
    """Load the project's edit form and submit what it holds, with ``changes`` (None: unticked)."""
    url = f"/projects/{project.id}/edit"
    data, _disabled = form_of(client, url)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return client.post(url, data=data)


def sign(project, on, by):
    """A counted signing (approved by the bureau) on ``on``."""
    Project.update(stage="signed", signed_on=on, contracted_amount=project.total_investment).where(
        Project.id == project.id).execute()
    StageChange.create(project=project.id, from_stage="negotiating", to_stage="signed", on_date=on, by=by,
                       verification="approved")


def figure_and_list(client, key, query):
    """A dashboard figure's shown value and the html of the list its number links to."""
    html = client.get(f"/dashboard?{query}").get_data(as_text=True)
    start = html.index(f'class="figure-{key}"')
    row = html[start:html.index("</tr>", start)]
    link = row.split('class="figure-link" href="')[1].split('"')[0].replace("&amp;", "&")
    value = row.split('class="figure-link" href="')[1].split(">", 1)[1].split("</a>")[0]
    listing = client.get(link)
    assert listing.status_code == 200
    return value, listing.get_data(as_text=True)


@pytest.fixture
def shared(org, make_project):
    """A domestic investor of one project in County A and one in County B (signed in 2025)."""
    investor = Enterprise.create(name="Shared Holdings", china_500=True)
    a = make_project("Alpha line", "county_a", enterprise=investor, stage="negotiating")
    b = make_project("Beta line", "county_b", enterprise=investor, stage="negotiating",
                     total_investment=Decimal("30000"))
    sign(b, D(2025, 5, 10), org.users["bureau"])
    return investor, a, b


# 1. Who may change an investor's class ------------------------------------------------------

def test_a_unit_sees_a_shared_investors_class_read_only_and_a_forged_post_changes_nothing(login, shared):
    investor, a, _b = shared
    client = login("unit_a")
    assert LOCKED in unescape(client.get(f"/projects/{a.id}/edit").get_data(as_text=True))
    data, disabled = form_of(client, f"/projects/{a.id}/edit")
    assert {"foreign_invested", "china_500", "fortune_global_500"} <= disabled

    # Submitting what the form holds saves (the read-only class is left as it is) …
    saved = edit_project(client, a, park="East park")
    assert saved.status_code == 303, saved.get_data(as_text=True)
    assert Project.get_by_id(a.id).park == "East park"
    assert Enterprise.get_by_id(investor.id).china_500 is True

    assert KEPT not in unescape(client.get(saved.headers["Location"]).get_data(as_text=True))

    # … a forged class is not applied (the rest is saved), and the user is told so.
    dashboard = login("bureau")
    value, listing = figure_and_list(dashboard, "three500_count", "period=2025")
    assert value == "1" and "Beta line" in listing
    forged = edit_project(client, a, foreign_invested="y", china_500=None, park="West park")
    assert forged.status_code == 303
    assert KEPT in unescape(client.get(forged.headers["Location"]).get_data(as_text=True))
    stored = Enterprise.get_by_id(investor.id)
    assert (stored.foreign_invested, stored.china_500) == (False, True)
    assert Project.get_by_id(a.id).park == "West park"
    # With htmx the saved section says it.
    data, _ = form_of(client, f"/projects/{a.id}/edit")
    data["foreign_invested"] = "y"
    partial = client.htmx("POST", f"/projects/{a.id}/edit", data=data)
    assert partial.status_code == 200 and KEPT in unescape(partial.get_data(as_text=True))
    assert Enterprise.get_by_id(investor.id).foreign_invested is False
    assert figure_and_list(dashboard, "foreign_count", "period=2025")[0] == "0"
    value, listing = figure_and_list(dashboard, "three500_count", "period=2025")
    assert value == "1" and "Beta line" in listing
    # County B's unsigned projects follow the investor's class: still not foreign-invested.
    listing = dashboard.get("/projects?foreign=1").get_data(as_text=True)
    assert "Beta line" not in listing and "Alpha line" not in listing


def test_a_unit_naming_a_shared_investor_on_a_new_project_cannot_reclassify_it(login, org, shared):
    investor, _a, _b = shared
    client = login("unit_a")
    data, _disabled = form_of(client, "/projects/new")
    data.update(name="Gamma line", investor_name="Shared Holdings", total_investment="5000",
                fortune_global_500="y", china_500="y", confirm_duplicates="1")
    saved = client.post("/projects/new", data=data)
    assert saved.status_code == 303, saved.get_data(as_text=True)
    assert KEPT in unescape(client.get(saved.headers["Location"]).get_data(as_text=True))
    project = Project.get(Project.name == "Gamma line")
    assert project.enterprise_id == investor.id
    stored = Enterprise.get_by_id(investor.id)
    assert (stored.fortune_global_500, stored.china_500) == (False, True)
    entries = AuditLog.select().where(AuditLog.entity == "enterprise", AuditLog.entity_id == investor.id)
    assert not entries.exists()


def test_a_unit_sets_the_class_of_a_new_investor_and_of_one_only_its_projects_share(login, org):
    client = login("unit_a")
    data, disabled = form_of(client, "/projects/new")
    assert not disabled
    data.update(name="Delta line", investor_name="Fresh Capital Ltd", total_investment="5000",
                foreign_invested="y")
    assert client.post("/projects/new", data=data).status_code == 303
    project = Project.get(Project.name == "Delta line")
    assert project.enterprise.foreign_invested is True
    # Its only project is County A's: County A may still correct the class.
    assert edit_project(client, project, foreign_invested=None, listed="y").status_code == 303
    investor = Enterprise.get_by_id(project.enterprise_id)
    assert (investor.foreign_invested, investor.listed) == (False, True)


def test_the_bureau_changes_a_shared_investors_class_and_it_is_audited(login, org, shared):
    investor, a, _b = shared
    client = login("bureau")
    _data, disabled = form_of(client, f"/projects/{a.id}/edit")
    assert not disabled & {"foreign_invested", "china_500"}
    assert edit_project(client, a, foreign_invested="y", china_500=None).status_code == 303
    stored = Enterprise.get_by_id(investor.id)
    assert (stored.foreign_invested, stored.china_500) == (True, False)
    entry = AuditLog.get(AuditLog.entity == "enterprise", AuditLog.entity_id == investor.id)
    assert entry.user_id == org.users["bureau"].id
    assert entry.changes["foreign_invested"] == [False, True] and entry.changes["china_500"] == [True, False]


# 2. A signed project counts by its class at signing -------------------------------------------

def test_a_class_change_after_signing_leaves_a_closed_period_as_reported(login, org, shared):
    investor, a, b = shared
    client = login("bureau")
    value, listing = figure_and_list(client, "three500_count", "period=2025")
    assert value == "1" and "Beta line" in listing

    assert edit_project(client, a, china_500=None, fortune_global_500=None).status_code == 303
    assert Enterprise.get_by_id(investor.id).china_500 is False
    value, listing = figure_and_list(client, "three500_count", "period=2025")
    assert value == "1" and "Beta line" in listing  # as reported
    page = client.get(f"/projects/{b.id}").get_data(as_text=True)
    assert "Counted in the figures with its class at signing: China 500" in page
    # The unsigned project follows the investor's class as it is now.
    assert "Alpha line" not in client.get("/projects?three500=1").get_data(as_text=True)
    assert "Alpha line" in client.get("/projects?three500=0").get_data(as_text=True)

    # Made foreign-invested after the signing: last year's foreign-invested figure stays nil.
    assert edit_project(client, a, foreign_invested="y").status_code == 303
    value, listing = figure_and_list(client, "foreign_count", "period=2025")
    assert value == "0" and "Beta line" not in listing
    # A project signed from now on counts by the new class.
    sign(a, D(2026, 3, 1), org.users["bureau"])
    value, listing = figure_and_list(client, "foreign_count", "period=2026")
    assert value == "1" and "Alpha line" in listing and "Beta line" not in listing
    stored = Project.get_by_id(b.id)
    assert (stored.china_500_at_signing, stored.foreign_invested_at_signing) == (True, False)


def test_the_class_is_taken_when_the_signing_comes_to_count(login, org, make_project):
    investor = Enterprise.create(name="Pending Corp")
    p = make_project("Pending line", "county_a", enterprise=investor, stage="negotiating",
                     contracted_amount=Decimal("5000"))
    client = login("unit_a")
    data, _ = form_of(client, f"/projects/{p.id}/stage")
    data.update(to_stage="signed", on_date="2026-02-01")
    assert client.post(f"/projects/{p.id}/stage", data=data).status_code == 303
    assert Project.get_by_id(p.id).foreign_invested_at_signing is None  # awaiting verification
    bureau = login("bureau")
    assert edit_project(bureau, p, foreign_invested="y").status_code == 303
    change = StageChange.get(StageChange.project == p.id, StageChange.to_stage == "signed")
    approved = bureau.post_form(f"/projects/{p.id}/verify/{change.id}", {"decision": "approve"})
    assert approved.status_code == 303
    assert Project.get_by_id(p.id).foreign_invested_at_signing is True
    assert edit_project(bureau, p, foreign_invested=None).status_code == 303
    value, listing = figure_and_list(bureau, "foreign_count", "period=2026")
    assert value == "1" and "Pending line" in listing


# 3. Foreign capital: one population for the figure and its list ------------------------------

def test_the_foreign_capital_figure_is_the_sum_over_its_list(login, org, make_project):
    by = org.users["bureau"]
    domestic = Enterprise.create(name="Home Corp")
    foreign = Enterprise.create(name="Overseas Corp", foreign_invested=True)
    for name, investor, capital in (("Home plant", domestic, "300"), ("Overseas plant", foreign, "500"),
                                    ("Overseas depot", foreign, None)):
        p = make_project(name, "county_a", enterprise=investor, stage="negotiating",
                         foreign_capital=Decimal(capital) if capital else None)
        sign(p, D(2026, 4, 1), by)
    client = login("bureau")
    value, listing = figure_and_list(client, "foreign_capital", "period=2026")
    assert value == "USD 8.00 million"  # 800 (10k USD)
    listed = {name for name in ("Home plant", "Overseas plant", "Overseas depot") if name in listing}
    assert listed == {"Home plant", "Overseas plant"}  # 300 + 500
    assert "Overseas depot" in client.get("/projects?foreign_capital=0").get_data(as_text=True)
    assert client.get("/projects?foreign_capital=maybe").status_code == 400


def test_foreign_capital_for_a_domestic_investor_is_saved_with_a_warning(login, org, make_project):
    investor = Enterprise.create(name="Home Corp")
    p = make_project("Home plant", "county_a", enterprise=investor, stage="negotiating")
    client = login("unit_a")
    warning = "Foreign capital is entered, but the investor is not marked foreign-invested"
    assert warning not in client.get(f"/projects/{p.id}").get_data(as_text=True)
    saved = edit_project(client, p, foreign_capital="250")
    assert saved.status_code == 303  # a warning, not a refusal
    assert Project.get_by_id(p.id).foreign_capital == Decimal("250")
    assert warning in client.get(saved.headers["Location"]).get_data(as_text=True)
    # With htmx the saved section carries it too; in Chinese as well.
    url = f"/projects/{p.id}/edit"
    data, _ = form_of(client, url)
    partial = client.htmx("POST", url, data=data)
    assert partial.status_code == 200 and warning in partial.get_data(as_text=True)
    client.post_form("/language", {"locale": "zh_CN", "next": "/"})
    assert "已填写外资" in client.get(f"/projects/{p.id}").get_data(as_text=True)



def test_migration_0010_keeps_the_class_of_projects_signed_before_it(empty_database, tmp_path, password_hash):
    """A project signed before the upgrade counts by its investor's class as it stood at the
    upgrade (the best record there is); an unsigned one goes on following its investor."""
    app = schema_app(empty_database, tmp_path)
    with app.app_context(), database.connection_context():
        schema._runner().up(target=FIRST)
        fill_version_1(password_hash)  # one signed project of County 东湖区, without stage history
        investor = table("enterprise", "name", "origin_country", "origin_province", "origin_city",
                         "fortune_global_500", "china_500", "china_private_500", "central_soe", "foreign_invested",
                         "listed", "created_at").add(
            name="Old Global", origin_country="", origin_province="", origin_city="", fortune_global_500=True,
            china_500=False, china_private_500=False, central_soe=False, foreign_invested=True, listed=False,
            created_at=NOW)
        project = table("project", "enterprise_id")
        signed_id = project.select(project.id).scalar()
        project.update(enterprise_id=investor).execute()
        table("stage_change", "project_id", "from_stage", "to_stage", "on_date", "note", "reason", "is_correction",
              "by_id", "at", "verification", "verification_note").add(
            project_id=signed_id, from_stage="negotiating", to_stage="signed", on_date=D(2026, 1, 20), note="",
            reason="", is_correction=False, by_id=table("user").select(table("user").id).scalar(), at=NOW,
            verification="not_required", verification_note="")
        schema.upgrade()
        unsigned = Project.create(name="Not signed yet", enterprise=investor, total_investment=Decimal("1"),
                                  responsible_unit=Project.get_by_id(signed_id).responsible_unit_id)
        Enterprise.update(fortune_global_500=False, foreign_invested=False).execute()  # reclassified later
        stored = Project.get_by_id(signed_id)
        assert stored.counted_signed_on == D(2026, 1, 20)
        assert (stored.fortune_global_500_at_signing, stored.foreign_invested_at_signing,
                stored.china_500_at_signing) == (True, True, False)
        assert Project.get_by_id(unsigned.id).foreign_invested_at_signing is None
        with app.test_request_context():
            year = compute(Period.of_year(2026))
            assert (year.three500_count.value, year.foreign_count.value) == (1, 1)
