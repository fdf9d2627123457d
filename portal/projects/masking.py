"""Masking of confidential investors (保密项目), in Python and in SQL.

The investor of a confidential project is shown only to the owning unit (and the
units above it), the bureau and leaders. Everyone else reads "Confidential
investor" in pages, search results, duplicate warnings and exports, and a text
search never matches the hidden name for them.
"""
from __future__ import annotations

import peewee
from flask_babel import lazy_gettext as _l

from portal import permissions
from portal.db import backend
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


def contains(field, text: str):
    """Case-insensitive substring match with LIKE wildcards escaped (ILIKE on PostgreSQL,
    LIKE elsewhere: SQLite and MySQL's default collations ignore case already).

    On SQLite a text of three characters or more first narrows the rows through the name's FTS5
    trigram index, then the same LIKE decides (so the results are LIKE's, whatever the index's
    case folding); PostgreSQL's pg_trgm index serves ILIKE by itself; MySQL scans."""
    like = field.contains(text)
    fts = TRIGRAM_TABLES.get((field.model._meta.table_name, field.column_name))
    if fts is None or backend() != "sqlite" or len(text) < TRIGRAM_MIN or any(c in text for c in "%_\\"):
        return like
    pattern = f"%{text}%"
    matching = peewee.SQL(f"(SELECT rowid FROM {fts} WHERE name LIKE ?)", [pattern])
    return field.model._meta.primary_key.in_(matching) & like


def matching_ids(field, text: str):
    """A subquery: the ids of ``field``'s model whose ``field`` contains ``text`` (``contains``)."""
    model = field.model
    return model.select(model._meta.primary_key).where(contains(field, text))


def search_condition(user, text: str):
    """A SQL condition on Project: its name or its (visible) investor's name contains ``text``.

    Each side is an ``IN`` over the ids that match (through the text index where there is one),
    so the database looks the matches up instead of testing every project's row. A masked
    investor's name never matches for a user who may not read it.
    """
    text = (text or "").strip()
    if not text:
        return peewee.SQL("1 = 1")
    investor_matches = Project.enterprise.in_(matching_ids(Enterprise.name, text)) & may_see_investor_condition(user)
    return Project.id.in_(matching_ids(Project.name, text)) | investor_matches
