"""Text search reads the database's own index: SQLite's FTS5 trigram tables (terms of three
characters or more), PostgreSQL's pg_trgm GIN indexes, LIKE on MySQL. The results are exactly
those of the plain LIKE search it replaces, for Chinese and English terms of every length, and the
index follows every write: forms, bulk inserts (import, seed), renames and deletes."""
from __future__ import annotations

import pytest

from portal.db import backend, database
from portal.models import Enterprise, Project, User
from portal.projects import masking

NAMES = ["宁德时代动力电池基地", "动力电池回收项目", "光伏组件产业园", "储能电站二期", "Battery Plant East",
         "battery recycling", "Solar farm 光伏", "50% stake fund", "under_score works"]
INVESTORS = ["华鼎新能源科技有限公司", "Open Foods Group", "恒远实业集团有限公司"]
EXTRA = ["氢能重卡整车项目", "燃料电池重卡"]
TERMS = ["电池", "池", "动力电池", "光伏组件", "储能电站二期", "产业园", "新能源科技", "有限公司", "华鼎",
         "battery", "BATTERY", "Plant", "e", "ry", "Foods", "50%", "%", "_", "r_s", "光伏", "不存在的词",
         "Solar farm 光"]


@pytest.fixture
def named(app, make_project):
    with app.app_context():
        investors = [Enterprise.create(name=name) for name in INVESTORS]
        for index, name in enumerate(NAMES):
            make_project(name, "county_a", stage="clue", enterprise=investors[index % len(investors)])


def _ids(field, condition):
    return {row for (row,) in field.model.select(field.model.id).where(condition).tuples()}


@pytest.mark.parametrize("term", TERMS)
def test_indexed_search_finds_what_like_finds(named, term):
    for field in (Project.name, Enterprise.name):
        assert _ids(field, masking.contains(field, term)) == _ids(field, field.contains(term)), (term, field)


def _listed(client, term):
    html = client.get("/projects", query_string={"q": term}).get_data(as_text=True)
    return {name for name in NAMES + EXTRA if f">{name}</a>" in html}


@pytest.mark.parametrize("term", ["电池", "动力电池", "有限公司", "battery", "Foods", "池"])
def test_the_list_search_shows_the_projects_whose_name_or_investor_contains_the_term(named, login, term):
    investor = {name: INVESTORS[index % len(INVESTORS)] for index, name in enumerate(NAMES)}
    expected = {name for name in NAMES if term.lower() in name.lower() or term.lower() in investor[name].lower()}
    assert expected and _listed(login("bureau"), term) == expected


def test_the_index_follows_inserts_renames_and_deletes(named, login, org):
    client = login("bureau")
    # A bulk insert, as the import and `portal seed` write.
    Project.insert_many([{"name": "氢能重卡整车项目", "responsible_unit": org.units["county_a"].id,
                          "created_by": org.users["bureau"].id, "clue_on": "2026-01-05"}]).execute()
    assert _listed(client, "氢能重卡") == {"氢能重卡整车项目"}
    project = Project.get(Project.name == "氢能重卡整车项目")
    Project.update(name="燃料电池重卡").where(Project.id == project.id).execute()
    assert _listed(client, "氢能重卡") == set()
    assert "燃料电池重卡" in _listed(client, "燃料电池")
    Enterprise.update(name="鑫源投资集团").where(Enterprise.name == "Open Foods Group").execute()
    assert _listed(client, "Foods") == set() and _listed(client, "鑫源投资")
    Project.delete().where(Project.id == project.id).execute()
    assert _listed(client, "燃料电池") == set()


@pytest.mark.skipif(bool(__import__("tests.conftest", fromlist=["TEST_DB_URL"]).TEST_DB_URL)
                    and "mysql" in __import__("tests.conftest", fromlist=["TEST_DB_URL"]).TEST_DB_URL,
                    reason="MySQL keeps LIKE")
def test_a_search_of_three_characters_or_more_uses_the_index(named, app, org):
    if backend() == "sqlite":
        condition = masking.contains(Project.name, "动力电池")
        sql, params = Project.select(Project.id).where(condition).sql()
        plan = " ".join(str(row) for row in database.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
        assert "project_name_fts VIRTUAL TABLE INDEX" in plan
        # The list's condition looks both names up in their indexes: no project row is tested in turn.
        bureau = User.get(User.username == "bureau")
        sql, params = Project.select(Project.id).where(masking.search_condition(bureau, "动力电池")).sql()
        plan = " ".join(str(row) for row in database.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
        assert "project_name_fts VIRTUAL TABLE INDEX" in plan and "enterprise_name_fts VIRTUAL TABLE INDEX" in plan
        assert "SCAN t1" not in plan
        sql, params = Project.select(Project.id).where(masking.contains(Project.name, "电池")).sql()
        assert "project_name_fts" not in sql  # two characters: LIKE, as before
    else:
        indexes = {row[0] for row in database.execute_sql(
            "SELECT indexname FROM pg_indexes WHERE tablename IN ('project', 'enterprise')"
            " AND schemaname = current_schema()")}
        assert {"project_name_trgm", "enterprise_name_trgm"} <= indexes
