"""Masking of confidential investors (保密项目), in Python and in SQL.

The investor of a confidential project is shown only to the owning unit (and the
units above it), the bureau and leaders. Everyone else reads "Confidential
investor" in pages, search results, duplicate warnings and exports, and a text
search never matches the hidden name for them.
"""
from __future__ import annotations

import json
import math
import unicodedata
from dataclasses import dataclass

import peewee
from flask_babel import lazy_gettext as _l

from portal import permissions
from portal.db import backend, database
from portal.models import Enterprise, Project

MASKED_INVESTOR = _l("Confidential investor")
#: The list filters that select by the investor's class (portal.figures.parse_list_filters).
INVESTOR_CLASS_FILTERS = ("three500", "foreign")


def investor_name(project: Project, user) -> str:
    """The investor's name as ``user`` may read it ("" when there is no investor)."""
    if not permissions.can_see_confidential(user, project):
        return str(MASKED_INVESTOR)
    if project.enterprise_id is None:
        return ""
    return project.enterprise.name


def may_see_investor_condition(user):
    """A SQL condition on Project: true for the rows whose investor ``user`` may read
    (permissions.sees_investor_condition, the SQL twin of can_see_confidential)."""
    return permissions.sees_investor_condition(user)


def investor_class_condition(user, figure_filters: dict):
    """A SQL condition on Project for a list filtered by investor class (``three500``,
    ``foreign``): only the rows whose investor ``user`` may read, so that filtering never
    tells a user the class of a confidential investor hidden from them. None when the
    filters ask nothing about the investor's class."""
    if not any(name in figure_filters for name in INVESTOR_CLASS_FILTERS):
        return None
    return may_see_investor_condition(user)


#: The SQLite FTS5 trigram tables over names (migration 0028), by (table, column).
TRIGRAM_TABLES = {("project", "name"): "project_name_fts", ("enterprise", "name"): "enterprise_name_fts"}
#: The trigram index finds substrings of at least three characters.
TRIGRAM_MIN = 3
#: The SQLite tables of the names' character pairs (migration 0048) for shorter texts, by (table, column):
#: (gram table, its id column).
GRAM_TABLES = {("project", "name"): ("project_name_gram", "project_id"),
               ("enterprise", "name"): ("enterprise_name_gram", "enterprise_id")}
#: The greatest code point: the pairs that begin with a character c lie between c and c + this.
LAST_CHARACTER = 0x10FFFF


def _indexed(field) -> bool:
    return (field.model._meta.table_name, field.column_name) in GRAM_TABLES


def _sqlite_candidates(field, text: str) -> tuple[str, list]:
    """SQLite: a SELECT (SQL, parameters) of the ids whose ``field`` may contain ``text``: every row
    that does, found in an index (the trigram table from three characters, else the character pairs)."""
    if len(text) >= TRIGRAM_MIN:
        fts = TRIGRAM_TABLES[(field.model._meta.table_name, field.column_name)]
        phrase = '"' + text.replace('"', '""') + '"'  # a phrase: the substring, its characters taken literally
        return f"SELECT rowid FROM {fts} WHERE {fts} MATCH ?", [phrase]
    grams, column = GRAM_TABLES[(field.model._meta.table_name, field.column_name)]
    if len(text) == 2:
        return f'SELECT {column} FROM "{grams}" WHERE gram = lower(?)', [text]
    return (f'SELECT {column} FROM "{grams}" WHERE gram BETWEEN lower(?) AND lower(?) || char(?)',
            [text, text, LAST_CHARACTER])


def _postgresql_grams(field, text: str):
    """PostgreSQL: true for the rows whose ``field`` holds every character pair of ``text`` (its
    character for one alone): the GIN index ``<table>_name_grams`` (migration 0048) answers it."""
    return peewee.Expression(peewee.fn.portal_name_grams(field), "@>", peewee.fn.portal_search_grams(text))


def _caseless(text: str) -> bool:
    """Has no character of ``text`` another case (Chinese, digits, punctuation)? Then a
    case-sensitive LIKE finds exactly what ILIKE finds."""
    return all(ch.lower() == ch == ch.upper() and not unicodedata.combining(ch) for ch in text)


def _has_text(expression, text: str):
    """``expression`` contains ``text``, wildcards escaped: ILIKE on PostgreSQL (LIKE elsewhere:
    SQLite and MySQL's default collations ignore case already), or LIKE there too for a text
    without case: PostgreSQL's ILIKE lowers every name it tests, which took two to three times as
    long as LIKE over Chinese names (a common word's capped count at 100,000 projects: 25 → 13 ms)."""
    if backend() == "postgresql" and _caseless(text):
        escaped = text.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%")
        pattern = peewee.NodeList((peewee.Value(f"%{escaped}%", converter=False), peewee.SQL("ESCAPE"),
                                   peewee.Value("\\", converter=False)))
        return peewee.Expression(expression, peewee.OP.LIKE, pattern)
    return expression.contains(text)


def _like(field, text: str):
    """``field`` LIKE (ILIKE on PostgreSQL) '%text%', wildcards escaped: the condition that decides.
    On PostgreSQL a text under three characters must not be matched by pg_trgm's index (migration
    0028): it cannot serve it, yet the planner would read all of it for one (slower than reading
    every name). A text without case is found by ``strpos``, LIKE's answer for a pattern without
    wildcards and no index's to serve, in about half LIKE's time per name (a common word's capped
    count at 100,300 projects: 5.1-5.7 -> 3.1 ms); another is matched against ``field || ''``."""
    if backend() == "postgresql" and len(text) < TRIGRAM_MIN and _indexed(field):
        if _caseless(text):
            return peewee.fn.strpos(field, text) > 0
        return _has_text(field.concat(""), text)
    return _has_text(field, text)


def contains(field, text: str):
    """Case-insensitive substring match with LIKE wildcards escaped (ILIKE on PostgreSQL,
    LIKE elsewhere: SQLite and MySQL's default collations ignore case already), looked up in an index.

    The index narrows the rows and the same LIKE decides, so the results are LIKE's whatever the
    index's case folding. SQLite: the trigram table from three characters (0028), the character
    pairs below (0048). PostgreSQL: pg_trgm serves ILIKE by itself from three characters (0028), the
    GIN index of the pairs below (0048). MySQL scans."""
    if not _indexed(field) or backend() == "mysql":
        return field.contains(text)
    if backend() == "sqlite":
        sql, params = _sqlite_candidates(field, text)
        return field.model._meta.primary_key.in_(peewee.SQL(f"({sql})", params)) & _like(field, text)
    if len(text) >= TRIGRAM_MIN:  # pg_trgm serves LIKE as it serves ILIKE
        return _has_text(field, text)
    return _postgresql_grams(field, text) & _like(field, text)


def matching_ids(field, text: str):
    """A subquery: the ids of ``field``'s model whose ``field`` contains ``text`` (``contains``)."""
    model = field.model
    return model.select(model._meta.primary_key).where(contains(field, text))


def many_threshold() -> int:
    """From how many candidate matches a list search reads the list in its order instead of looking
    the matches up: 8 × the square root of the projects, at least 1,000 (looking up costs with each
    match, reading in order with each project passed per match found; at 100,300 projects, 2,528,
    where both cost about the same on SQLite and PostgreSQL: bench/README.md)."""
    last = Project.select(peewee.fn.MAX(Project.id)).scalar() or 0
    return max(1000, 8 * math.isqrt(last))


@dataclass(frozen=True)
class SearchPlan:
    """How a list search is asked (``plan_search``)."""

    many: bool  # many projects match: the list is read in its order, each project tested
    # PostgreSQL, a text under three characters with many matches: the investors' names are looked up
    # in their index of pairs, where the planner would (few investors match), else each name is read.
    investors_by_index: bool = False


def many_matches(text: str, threshold: int | None = None) -> bool:
    """Do ``threshold`` (``many_threshold()``) projects or more match ``text`` by their name or their
    investor's (any investor: an estimate for choosing the query, not a result)? SQLite counts the
    candidates in the indexes up to the threshold (for one character, the pairs beginning with it:
    its occurrences); PostgreSQL asks its planner, whose statistics of
    the pairs (ANALYZE) estimate closely, and evaluates nothing (evaluating the pairs' function row by
    row is what the index avoids). False on MySQL (no index: it reads every name anyway)."""
    return plan_search(text, threshold).many


def plan_search(text: str, threshold: int | None = None) -> SearchPlan:
    """``many_matches``, and on PostgreSQL whether its planner looks the investors' matches up in their
    index (read from the same plan: no statement more)."""
    kind = backend()
    if kind == "mysql":
        return SearchPlan(many=False)
    threshold = many_threshold() if threshold is None else threshold
    if kind == "sqlite":  # the candidates read from the indexes alone, up to the threshold
        by_name, name_params = _sqlite_candidates(Project.name, text)
        by_investor, investor_params = _sqlite_candidates(Enterprise.name, text)
        found = database.execute_sql(
            f'SELECT count(*) FROM (SELECT 1 FROM ({by_name}) UNION ALL SELECT 1 FROM "{Project._meta.table_name}" '
            f'WHERE "{Project.enterprise.column_name}" IN ({by_investor}) LIMIT ?)',
            [*name_params, *investor_params, threshold])
        return SearchPlan(many=found.fetchone()[0] >= threshold)

    def where(field):
        return field.contains(text) if len(text) >= TRIGRAM_MIN else _postgresql_grams(field, text)

    by_name = Project.select(peewee.SQL("1")).where(where(Project.name))
    by_investor = Project.select(peewee.SQL("1")).where(
        Project.enterprise.in_(Enterprise.select(Enterprise.id).where(where(Enterprise.name))))
    # Under three characters, a third branch: the investors alone, as the list's condition reads them.
    short = len(text) < TRIGRAM_MIN
    investors = Enterprise.select(peewee.SQL("1")).where(where(Enterprise.name))
    query = by_name.union_all(by_investor)
    sql, params = (query.union_all(investors) if short else query).sql()
    plan = database.execute_sql("EXPLAIN (FORMAT JSON) " + sql, params).fetchone()[0]
    top = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
    branches = top.get("Plans", []) if top["Node Type"] == "Append" else []
    if not short or len(branches) != 3:  # (the planner's shape not as expected: the safe way)
        return SearchPlan(many=top["Plan Rows"] >= threshold)
    return SearchPlan(many=branches[0]["Plan Rows"] + branches[1]["Plan Rows"] >= threshold,
                      investors_by_index=branches[2]["Node Type"] != "Seq Scan")


def search_condition(user, text: str, *, many: bool | None = None, plan: SearchPlan | None = None):
    """A SQL condition on Project: its name or its (visible) investor's name contains ``text``.

    Few matches (``many_matches``, or ``many`` given): each name is looked up in its index, so the
    database reads the matching projects only (then sorts them for a page). Many matches: each project
    is tested as the list is read in its order, and a page stops at its 50 rows, the count at its cap
    (portal.projects.filters.count): looking up and sorting tens of thousands of matches cost several
    times the list itself. Both give exactly LIKE's results. A masked investor's name never matches
    for a user who may not read it.
    """
    text = (text or "").strip()
    if not text:
        return peewee.SQL("1 = 1")
    visible = may_see_investor_condition(user)
    kind = backend()
    if kind == "mysql":  # no index: the names are read whichever way
        investor_matches = Project.enterprise.in_(matching_ids(Enterprise.name, text)) & visible
        return Project.id.in_(matching_ids(Project.name, text)) | investor_matches
    if plan is None:
        plan = SearchPlan(many=many) if many is not None else plan_search(text)
    if plan.many:
        # PostgreSQL: the investors by ILIKE (a few thousand names read in milliseconds), unless its
        # planner looks them up in the index of pairs: where most names match, it would test the
        # pairs' function on each (a character in every investor's name: 178 ms instead of 5).
        investors = Enterprise.select(Enterprise.id).where(
            contains(Enterprise.name, text) if kind == "sqlite" or plan.investors_by_index
            else _like(Enterprise.name, text))
        return _like(Project.name, text) | (Project.enterprise.in_(investors) & visible)
    investors = matching_ids(Enterprise.name, text)
    if kind == "sqlite":  # each side of the OR looked up in its index (SQLite's "MULTI-INDEX OR")
        return contains(Project.name, text) | (Project.enterprise.in_(investors) & visible)
    # PostgreSQL cannot look up an OR of two IN subqueries (it tests each project against both): one IN
    # over both lists of ids.
    by_investor = Project.select(Project.id).where(Project.enterprise.in_(investors) & visible)
    return Project.id.in_(matching_ids(Project.name, text).union_all(by_investor))
