"""The industry system in force: industries and chain links by stable code, with labels.

Until a county plugin provides an industry system, the core list that the
administrator edits (the Industry table) is used. Forms, lists, exports and
figures ask this module, never the table or a plugin directly.
"""
from __future__ import annotations

from portal.i18n import current_locale
from portal.models import Industry


def choices() -> list[tuple[str, str]]:
    """``[(code, label), …]`` of the active industries, in the user's language."""
    en = current_locale() == "en"
    rows = Industry.select().where(Industry.active == True).order_by(Industry.sort_order, Industry.code)  # noqa: E712
    return [(row.code, (row.name_en or row.name_zh) if en else row.name_zh) for row in rows]


def label(code: str | None) -> str:
    """The label of an industry code; the code itself when unknown, '' for none."""
    if not code:
        return ""
    return dict(choices()).get(code, code)
