"""Demo projects (``portal demo``) and ``portal seed``: realistic, idempotent, counted."""
import datetime as dt
import random

import pytest
from click.testing import CliRunner

from portal.models import CapitalEntry, Enterprise, Industry, Project, StageChange, Unit


@pytest.fixture
def demo(app, monkeypatch, password_hash):
    """Run the demo city builder (with the session's password hash: no hashing per test)."""
    import portal.demo

    monkeypatch.setattr(portal.demo, "hash_password", lambda password: password_hash)

    def _run():
        with app.app_context():
            return portal.demo.build_demo("password123", dt.date(2026, 11, 21))

    return _run


def test_demo_adds_projects_with_histories_once(demo):
    context = demo()
    total = Project.select().count()
    assert context.created["projects"] == total
    assert 250 <= total <= 350
    stages = {p.stage for p in Project.select(Project.stage).distinct()}
    assert {"clue", "negotiating", "signed", "started", "completed", "production", "stalled"} <= stages
    assert StageChange.select().count() >= total
    signed = Project.select().where(Project.stage == "signed").order_by(Project.id).first()
    history = list(StageChange.select().where(StageChange.project == signed).order_by(StageChange.on_date))
    assert [c.to_stage for c in history] == ["clue", "negotiating", "signed"]
    assert signed.signed_on == history[-1].on_date and signed.contracted_amount
    approved = StageChange.select().where(StageChange.verification == "approved").count()
    pending = StageChange.select().where(StageChange.verification == "pending").count()
    assert approved > pending > 0
    assert CapitalEntry.select().count() > 0
    assert Industry.select().where(Industry.code == "new_energy").exists()
    assert Project.select().where(Project.is_confidential == True).exists()  # noqa: E712
    assert Project.select().where(Project.source_team.is_null(False)).exists()
    assert Project.select().where(Project.leader.is_null(False)).exists()
    assert Enterprise.select().where(Enterprise.foreign_invested == True).exists()  # noqa: E712
    oldest = Project.select(Project.clue_on).order_by(Project.clue_on).first().clue_on
    assert dt.date(2024, 11, 1) <= oldest
    assert Project.select().where(Project.signed_on > dt.date(2026, 11, 21)).count() == 0

    again = demo()
    assert again.created["projects"] == 0
    assert Project.select().count() == total


def test_demo_projects_fill_the_lists(demo, app):
    demo()
    c = app.test_client()
    assert c.login("bureau").status_code == 303
    for url in ("/lists/clues", "/lists/signed", "/lists/landed", "/lists/production"):
        page = c.get(url).get_data(as_text=True)
        assert "项目</a>" in page, url
    # A county officer sees only the county's projects.
    c = app.test_client()
    assert c.login("nanling").status_code == 303
    nanling = Unit.get(Unit.name == "南岭县")
    visible = c.get("/projects?format=xlsx")
    assert visible.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    names = [r[0] for r in load_workbook(BytesIO(visible.data)).active.iter_rows(min_row=2, values_only=True)]
    expected = Project.select().where(Project.archived == False,  # noqa: E712
                                      Project.responsible_unit.in_(nanling.subtree_ids())).count()
    assert len(names) == expected > 0


def test_seed_adds_projects_with_histories(app, org):
    from portal.projects.seed import seed_projects

    with app.app_context():
        assert seed_projects(900, random.Random(1), dt.date(2026, 11, 21)) == 900
    assert Project.select().count() == 900
    assert StageChange.select().count() >= 900
    assert not Project.select().where(Project.stage == "signed", Project.signed_on.is_null()).exists()
    assert Project.select().where(Project.stage == "production").count() > 0
    unit_ids = {p.responsible_unit_id for p in Project.select(Project.responsible_unit).distinct()}
    assert unit_ids <= {org.units[k].id for k in ("county_a", "town_a", "county_b")}
    # every project sits on a link of its own industry's chain (chain pages have data)
    links = {(p.industry_code, p.chain_link_code)
             for p in Project.select(Project.industry_code, Project.chain_link_code)}
    assert all(link and link.split(".")[0] == code and link.split(".")[1] in ("up", "mid", "down")
               for code, link in links)
    assert len({link.split(".")[1] for _, link in links}) == 3
    with app.app_context():
        seed_projects(10, random.Random(2), dt.date(2026, 11, 21))
    assert Project.select().count() == 910


def test_seed_command_on_empty_instance(app, monkeypatch):
    from portal.cli import cli

    monkeypatch.setenv("PORTAL_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("PORTAL_INSTANCE", app.instance_path)
    result = CliRunner().invoke(cli, ["seed", "--projects", "50"])
    assert result.exit_code == 0, result.output
    assert "seeded 50 projects" in result.output
    assert Project.select().count() == 50
    assert Unit.select().where(Unit.kind == "county").count() == 3
    assert CliRunner().invoke(cli, ["seed", "--projects", "0"]).exit_code != 0


def test_demo_city_shows_events_and_contacts_once(demo, app):
    """The demo city has promotion events with their projects and contacts of the counties and
    the stationed teams; a team member sees the team's visits; running the demo again adds none."""
    from portal.models import Contact, EventProject, PromotionEvent

    context = demo()
    assert context.created["promotion events"] == PromotionEvent.select().count() >= 3
    assert EventProject.select().count() >= 10
    shanghai = Unit.get(Unit.name == "驻上海招商组")
    visits = Contact.select().where(Contact.unit == shanghai.id).count()
    assert context.created["contacts"] == Contact.select().count() and visits > 0
    c = app.test_client()
    assert c.login("shanghai").status_code == 303
    page = c.get(f"/teams/{shanghai.id}").get_data(as_text=True)
    assert page.count('<ol class="timeline contacts">') == 1 and page.count("<li>") >= visits
    bureau = app.test_client()
    assert bureau.login("bureau").status_code == 303
    assert "2026示范市招商引资推介会" in bureau.get("/events").get_data(as_text=True)
    again = demo()
    assert again.created["promotion events"] == 0 and again.created["contacts"] == 0
