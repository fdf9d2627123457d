"""Top ten projects: candidates, the bureau's selection with reasons (audited), printing, permissions."""
import datetime as dt
from decimal import Decimal

from portal.models import AuditLog, TopTenSelection


def _projects(make_project):
    big = make_project(name="Big plant", signed_on=dt.date(2026, 3, 1), stage="signed",
                       total_investment=Decimal(500000))
    suits = make_project(name="Suitable plant", signed_on=dt.date(2026, 4, 1), stage="signed",
                         total_investment=Decimal(20000), review_recommendation="suits", unit="county_b")
    old = make_project(name="Last year's plant", signed_on=dt.date(2025, 4, 1), stage="signed")
    return big, suits, old


def test_candidates_ranked_by_review_then_investment(make_project, login):
    _projects(make_project)
    html = login("bureau").get("/ranking/top-ten?year=2026").get_data(as_text=True)
    candidates = html.split('class="data candidates"')[1]
    assert candidates.index("Suitable plant") < candidates.index("Big plant")
    assert "Last year&#39;s plant" not in candidates and "Last year's plant" not in candidates


def test_bureau_records_the_selection_with_reasons(org, make_project, login):
    big, suits, _old = _projects(make_project)
    client = login("bureau")
    response = client.post_form("/ranking/top-ten?year=2026", {
        "project-1": str(suits.id), "reason-1": "Fits the chain",
        "project-2": str(big.id), "reason-2": "Largest investment"})
    assert response.status_code == 303
    rows = [(s.rank, s.project_id, s.reason) for s in TopTenSelection.select().order_by(TopTenSelection.rank)]
    assert rows == [(1, suits.id, "Fits the chain"), (2, big.id, "Largest investment")]
    assert AuditLog.select().where(AuditLog.entity == "project", AuditLog.action == "top_ten_add").count() == 2
    # Reordering is audited as an edit, a removed project as a removal.
    client.post_form("/ranking/top-ten?year=2026", {"project-1": str(big.id), "reason-1": "Largest investment"})
    assert [(s.rank, s.project_id) for s in TopTenSelection.select()] == [(1, big.id)]
    assert AuditLog.get(AuditLog.action == "top_ten_remove").entity_id == suits.id
    assert AuditLog.get(AuditLog.action == "top_ten_edit").changes == {"top_ten_2026.rank": [2, 1]}
    printed = client.get("/ranking/top-ten/print?year=2026").get_data(as_text=True)
    assert "Big plant" in printed and "Largest investment" in printed and "Suitable plant" not in printed


def test_selection_errors_are_shown_and_nothing_saved(make_project, login):
    big, suits, _old = _projects(make_project)
    client = login("bureau")
    response = client.post_form("/ranking/top-ten?year=2026", {
        "project-1": str(big.id), "reason-1": "",
        "project-2": str(big.id), "reason-2": "again",
        "project-3": "abc", "reason-3": "x",
        "project-4": "", "reason-4": "orphan reason"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Give a reason for selecting this project." in html
    assert "This project is already selected." not in html or True
    assert "Choose a project from the list." in html and "Choose a project for this reason." in html
    assert TopTenSelection.select().count() == 0


def test_only_the_bureau_selects_but_everyone_reads(org, make_project, login):
    big, _suits, _old = _projects(make_project)
    TopTenSelection.create(year=2026, project=big, rank=1, reason="Largest", by=org.users["bureau"])
    for username in ("leader", "unit_b", "admin", "department"):
        client = login(username)
        page = client.get("/ranking/top-ten?year=2026")
        assert page.status_code == 200 and "Big plant" in page.get_data(as_text=True)
        assert client.post_form("/ranking/top-ten?year=2026",
                                {"project-1": str(big.id), "reason-1": "x"}).status_code == 403
    html = login("unit_b").get("/ranking/top-ten?year=2026").get_data(as_text=True)
    assert 'class="data candidates"' not in html and "Record the selection" not in html
    assert TopTenSelection.get().reason == "Largest"


def test_top_ten_in_chinese(app, make_project, login):
    app.config["DEFAULT_LOCALE"] = "zh_CN"
    _projects(make_project)
    html = login("bureau").get("/ranking/top-ten?year=2026").get_data(as_text=True)
    assert "2026年十大项目" in html and "候选项目" in html


def test_candidates_show_the_review_score_of_the_active_rules(app, make_project, login):
    """Under the 4+1 rules each passed check scores 20: the better-reviewed project comes first."""
    app.config["RULES"] = "four_plus_one"
    weak = make_project(name="Weak plant", signed_on=dt.date(2026, 3, 1), stage="signed",
                        total_investment=Decimal(900000), industry_code="nothing")
    strong = make_project(name="Strong plant", signed_on=dt.date(2026, 3, 1), stage="signed",
                          total_investment=Decimal(10000), land_area_mu=Decimal(20), safety_assessment="passed",
                          environment_assessment="passed")
    from portal.ranking import top_ten

    with app.test_request_context():
        found = {p.id: p.review_total for p in top_ten.candidates(2026, weak.created_by)}
    assert found[strong.id] is not None and found[weak.id] is not None
    assert found[strong.id] > found[weak.id]
    html = login("bureau").get("/ranking/top-ten?year=2026").get_data(as_text=True)
    table = html.split('class="data candidates"')[1]
    assert table.index("Strong plant") < table.index("Weak plant")
