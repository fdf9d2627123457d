"""Text search reads the database's own index: on SQLite the FTS5 trigram tables (terms of three
characters or more) and the tables of the names' character pairs (one or two characters), on
PostgreSQL pg_trgm's GIN indexes (three or more) and the GIN index of the names' character pairs
(one or two), LIKE on MySQL. The results are exactly those of the plain LIKE search it replaces,
for Chinese and English terms of every length, mixed case, wildcards and quotes, whether the list
looks the matches up or reads the list in its order testing each project; and the index follows
every write: forms, imports, merges, bulk inserts (seed), SQL renames and deletes."""
from __future__ import annotations

import sqlite3

import pytest
from markupsafe import escape

from portal import permissions
from portal.db import backend, database
from portal.models import Enterprise, Project, User
from portal.projects import masking
from tests.conftest import TEST_DB_URL
from tests.forms_helpers import forms_on, submit

NAMES = ["宁德时代动力电池基地", "动力电池回收项目", "光伏组件产业园", "储能电站二期", "Battery Plant East",
         "battery recycling", "Solar farm 光伏", "50% stake fund", "under_score works", "鼎", "光伏",
         'The "quoted" plant', "back\\slash park", "ＡＢ全角项目", "Ende"]
INVESTORS = ["华鼎新能源科技有限公司", "Open Foods Group", "恒远实业集团有限公司"]
EXTRA = ["氢能重卡整车项目", "燃料电池重卡"]
TERMS = ["电池", "池", "动力电池", "光伏组件", "储能电站二期", "产业园", "新能源科技", "有限公司", "华鼎",
         "battery", "BATTERY", "bAtTeRy", "Plant", "e", "E", "ry", "RY", "Foods", "50%", "%", "_", "r_s", "光伏",
         "不存在的词", "Solar farm 光", "鼎", "伏", "期", "二期", "d", "nd", "EN", "%_", "5%", "r_", "\\", "k\\",
         '"', '"q', '"quoted"', "ＡＢ", "ａｂ", "ab", "Ａ", "科技", "有限", "限", " ", "m 光", "o"]
MYSQL = "mysql" in TEST_DB_URL


@pytest.fixture
def named(app, make_project):
    with app.app_context():
        investors = [Enterprise.create(name=name) for name in INVESTORS]
        for index, name in enumerate(NAMES):
            # Every third project keeps its investor confidential (shown to its county and the bureau).
            make_project(name, "county_a", stage="clue", enterprise=investors[index % len(investors)],
                         is_confidential=index % 3 == 0)


def _ids(field, condition):
    return {row for (row,) in field.model.select(field.model.id).where(condition).tuples()}


def _like_search(user, term):
    """The search as plain LIKE/ILIKE states it: the reference the indexed search must equal."""
    investors = Enterprise.select(Enterprise.id).where(Enterprise.name.contains(term))
    return Project.name.contains(term) | (Project.enterprise.in_(investors)
                                          & permissions.sees_investor_condition(user))


@pytest.mark.parametrize("term", TERMS)
def test_indexed_search_finds_what_like_finds(named, term):
    for field in (Project.name, Enterprise.name):
        assert _ids(field, masking.contains(field, term)) == _ids(field, field.contains(term)), (term, field)


@pytest.mark.parametrize("term", [term for term in TERMS if term.strip()])  # the list strips the text
def test_the_list_condition_finds_what_like_finds_looked_up_or_read_in_order(named, org, term):
    """Both forms of the list's condition (few matches: looked up in the indexes; many: each project
    tested as the list is read), for a user who reads the confidential investors and one who may not."""
    plans = [masking.SearchPlan(many=False), masking.SearchPlan(many=True),
             masking.SearchPlan(many=True, investors_by_index=True)]
    for username in ("bureau", "unit_b"):
        user = User.get(User.username == username)
        expected = _ids(Project.name, _like_search(user, term))
        for plan in plans:
            found = _ids(Project.name, masking.search_condition(user, term, plan=plan))
            assert found == expected, (term, username, plan)


def test_a_masked_investor_never_matches_for_who_may_not_read_it(named, org):
    unit_b = User.get(User.username == "unit_b")
    bureau = User.get(User.username == "bureau")
    for term in ("华鼎", "鼎", "华鼎新能源"):  # the first project's investor, kept confidential
        for many in (False, True):
            assert _ids(Project.name, masking.search_condition(unit_b, term, many=many)) == _ids(
                Project.name, Project.name.contains(term)), term
            assert len(_ids(Project.name, masking.search_condition(bureau, term, many=many))) > 1


def _listed(client, term):
    html = client.get("/projects", query_string={"q": term}).get_data(as_text=True)
    return {name for name in NAMES + EXTRA + ["光伏电站", "电站", "海上风电场"] if f">{escape(name)}</a>" in html}


@pytest.mark.parametrize("threshold", [None, 1, 10 ** 9])
@pytest.mark.parametrize("term", ["电池", "动力电池", "有限公司", "battery", "Foods", "池", "光伏", "鼎", "e"])
def test_the_list_search_shows_the_projects_whose_name_or_investor_contains_the_term(
        named, login, monkeypatch, term, threshold):
    if threshold is not None:  # 1: every search reads the list in its order; 10**9: every one looks up
        monkeypatch.setattr(masking, "many_threshold", lambda: threshold)
    investor = {name: INVESTORS[index % len(INVESTORS)] for index, name in enumerate(NAMES)}
    expected = {name for name in NAMES if term.lower() in name.lower() or term.lower() in investor[name].lower()}
    assert expected and _listed(login("bureau"), term) == expected


def _rename_on_the_page(client, project, name):
    url = f"/projects/{project.id}/edit"
    [form] = [f for f in forms_on(client.get(url).get_data(as_text=True), url) if f.action.endswith(url)]
    form.type_into("name", name)
    assert submit(client, form).status_code == 303


def test_the_index_follows_inserts_renames_and_deletes(named, login, org):
    client = login("bureau")
    # A bulk insert, as the import and `portal seed` write.
    Project.insert_many([{"name": "氢能重卡整车项目", "responsible_unit": org.units["county_a"].id,
                          "created_by": org.users["bureau"].id, "clue_on": "2026-01-05"}]).execute()
    assert _listed(client, "氢能重卡") == _listed(client, "氢能") == _listed(client, "氢") == {"氢能重卡整车项目"}
    project = Project.get(Project.name == "氢能重卡整车项目")
    Project.update(name="燃料电池重卡").where(Project.id == project.id).execute()
    assert _listed(client, "氢能重卡") == _listed(client, "氢能") == _listed(client, "氢") == set()
    assert "燃料电池重卡" in _listed(client, "燃料电池") and "燃料电池重卡" in _listed(client, "燃料")
    Enterprise.update(name="鑫源投资集团").where(Enterprise.name == "Open Foods Group").execute()
    assert _listed(client, "Foods") == _listed(client, "Fo") == set() and _listed(client, "鑫源投资")
    assert _listed(client, "鑫源") == _listed(client, "鑫") == _listed(client, "鑫源投资")
    Project.delete().where(Project.id == project.id).execute()
    assert _listed(client, "燃料电池") == _listed(client, "燃料") == set()


@pytest.mark.parametrize("threshold", [1, 10 ** 9])
def test_a_project_renamed_on_its_page_is_found_by_its_new_name_only(named, login, monkeypatch, threshold):
    monkeypatch.setattr(masking, "many_threshold", lambda: threshold)
    client = login("bureau")
    project = Project.get(Project.name == "储能电站二期")
    assert _listed(client, "储能") == _listed(client, "储") == {"储能电站二期"}
    _rename_on_the_page(client, project, "光伏电站")
    assert Project.get_by_id(project.id).name == "光伏电站"
    assert _listed(client, "储能") == _listed(client, "储") == _listed(client, "二期") == set()
    assert _listed(client, "电站") == _listed(client, "站") == {"光伏电站"}
    assert "光伏电站" in _listed(client, "光伏") and "光伏电站" in _listed(client, "伏电")
    _rename_on_the_page(client, Project.get_by_id(project.id), "电站")  # a name of two characters
    assert _listed(client, "电站") == {"电站"} and _listed(client, "伏电") == set()


def test_an_investor_renamed_by_an_import_or_merged_away_is_found_by_its_new_name_only(named, login, make_project):
    from tests.test_import_lists import INVESTORS as INVESTORS_IMPORT
    from tests.test_import_lists import press_import, preview
    from tests.test_import import xlsx

    client = login("bureau")
    renamed = Enterprise.get(Enterprise.name == "恒远实业集团有限公司")
    Enterprise.update(credit_code="91350900MA2YQ5NB4A").where(Enterprise.id == renamed.id).execute()
    owned = {name for index, name in enumerate(NAMES) if index % len(INVESTORS) == 2}
    assert _listed(client, "恒远") == owned
    rows = [["企业名称", "统一社会信用代码"], ["鸿图控股集团", "91350900MA2YQ5NB4A"]]  # found by code: renamed
    bid, html = preview(client, INVESTORS_IMPORT, xlsx(rows))
    assert press_import(client, INVESTORS_IMPORT, bid, html).status_code == 303
    assert Enterprise.get_by_id(renamed.id).name == "鸿图控股集团"
    assert _listed(client, "恒远") == _listed(client, "恒") == set()
    assert _listed(client, "鸿图") == _listed(client, "鸿") == owned

    # Merged into another investor: its name no longer finds the projects, the survivor's does.
    from tests.test_merging import _confirm, _merge_page

    survivor = Enterprise.get(Enterprise.name == "Open Foods Group")
    url = f"/investors/{renamed.id}/merge"
    assert _confirm(client, _merge_page(client, url, survivor.id).get_data(as_text=True), url).status_code == 303
    assert Enterprise.get_or_none(Enterprise.id == renamed.id) is None
    assert _listed(client, "鸿图") == _listed(client, "鸿") == set()
    assert owned <= _listed(client, "Fo")


@pytest.mark.skipif(bool(TEST_DB_URL), reason="SQLite: another program writing the file")
def test_a_plain_sqlite3_client_writing_the_file_keeps_the_index_right(named, app, login):
    """The triggers are plain SQL: the sqlite3 shell, a script or an import in SQL keep the index
    right without the portal (nor any function of it)."""
    path = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as other:
        other.execute("UPDATE project SET name = '海上风电场' WHERE name = '储能电站二期'")
        other.execute("UPDATE enterprise SET name = 'Harbour Wind AG' WHERE name = 'Open Foods Group'")
        other.execute("DELETE FROM project WHERE name = '鼎'")
    other.close()
    client = login("bureau")
    assert _listed(client, "风电") == _listed(client, "风") == {"海上风电场"}
    assert _listed(client, "储能") == _listed(client, "储") == set()
    assert _listed(client, "Fo") == set() and _listed(client, "Wi") == _listed(client, "Harbour")
    assert "鼎" not in _listed(client, "鼎")


def test_many_matches_counts_or_estimates_the_candidates(named):
    if MYSQL:
        assert masking.many_matches("电池", 1) is False  # no index: nothing to choose
        return
    assert masking.many_matches("电池", 1) is True
    assert masking.many_matches("电池", 10 ** 9) is False
    assert masking.many_matches("不存在的词", 10 ** 9) is False
    if backend() == "sqlite":  # counted exactly: projects by their name, then by their investor's
        for term in ("电池", "有限", "ba"):  # (one character: its occurrences, an estimate)
            by_name = sum(1 for name in NAMES if term in name.lower())
            by_investor = sum(1 for index in range(len(NAMES)) if term in INVESTORS[index % len(INVESTORS)].lower())
            count = by_name + by_investor
            assert masking.many_matches(term, count) and not masking.many_matches(term, count + 1), term
    assert masking.many_threshold() == 1000  # at least 1,000; about the square root of the projects beyond


@pytest.mark.skipif("postgres" not in TEST_DB_URL, reason="PostgreSQL's planner decides: elsewhere nothing to choose")
def test_the_investors_of_a_common_search_are_looked_up_where_the_planner_would(app, org):
    """A search with many matches reads the list in its order; its investors' names are looked up in
    their index of pairs where PostgreSQL's planner would use it (few of them match), and read by LIKE
    where it would test the pairs' function on every investor (a character in every name). The choice
    is the planner's: told to prefer the index, or not to use it, the plan follows."""
    names = [f"{'华鼎' if n % 500 == 0 else '恒远'}实业{n}有限公司" for n in range(3000)]
    Enterprise.insert_many([{"name": name} for name in names]).execute()
    database.execute_sql("ANALYZE enterprise")
    for settings, by_index in ((("enable_seqscan = off",), True),
                               (("enable_bitmapscan = off", "enable_indexscan = off"), False)):
        with database.atomic() as transaction:
            for setting in settings:
                database.execute_sql(f"SET LOCAL {setting}")
            assert masking.plan_search("华鼎", 1).investors_by_index is by_index, settings
            assert masking.plan_search("华鼎", 10 ** 9).many is False
            transaction.rollback()


def _plan(query) -> str:
    sql, params = query.sql()
    if backend() == "sqlite":
        return " ".join(str(row) for row in database.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
    # A few rows: the planner reads them all unless told to prefer the GIN indexes.
    with database.atomic() as transaction:
        database.execute_sql("SET LOCAL enable_seqscan = off")
        database.execute_sql("SET LOCAL enable_indexscan = off")
        # Of a few rows, migration 0059's index (flag, unit, name, id) read whole costs less than the GIN
        # index (its name column tested row by row): left out of this plan (the transaction is rolled back).
        database.execute_sql("DROP INDEX project_meeting_flagged")
        plan = " ".join(row[0] for row in database.execute_sql("EXPLAIN " + sql, params))
        transaction.rollback()
        return plan


@pytest.mark.skipif(MYSQL, reason="MySQL keeps LIKE")
def test_a_search_of_three_characters_or_more_uses_the_index(named, app, org):
    if backend() == "sqlite":
        plan = _plan(Project.select(Project.id).where(masking.contains(Project.name, "动力电池")))
        assert "project_name_fts VIRTUAL TABLE INDEX" in plan
        # The list's condition looks both names up in their indexes: no project row is tested in turn.
        bureau = User.get(User.username == "bureau")
        plan = _plan(Project.select(Project.id).where(masking.search_condition(bureau, "动力电池", many=False)))
        assert "project_name_fts VIRTUAL TABLE INDEX" in plan and "enterprise_name_fts VIRTUAL TABLE INDEX" in plan
        assert "SCAN t1" not in plan
    else:
        indexes = {row[0] for row in database.execute_sql(
            "SELECT indexname FROM pg_indexes WHERE tablename IN ('project', 'enterprise')"
            " AND schemaname = current_schema()")}
        assert {"project_name_trgm", "enterprise_name_trgm"} <= indexes


@pytest.mark.skipif(MYSQL, reason="MySQL keeps LIKE")
@pytest.mark.parametrize("term", ["电池", "池", "Ba", "e", "5%"])
def test_a_search_of_one_or_two_characters_uses_the_index(named, app, org, term):
    table = {"sqlite": "project_name_gram", "postgresql": "project_name_grams"}[backend()]
    plan = _plan(Project.select(Project.id).where(masking.contains(Project.name, term)))
    assert table in plan and ("USING PRIMARY KEY (gram" in plan if backend() == "sqlite" else True), plan
    bureau = User.get(User.username == "bureau")
    plan = _plan(Project.select(Project.id).where(masking.search_condition(bureau, term, many=False)))
    assert table in plan and table.replace("project", "enterprise") in plan, plan
    if backend() == "sqlite":
        assert "SCAN t1" not in plan  # both names looked up; no project tested in turn
