"""The industry system in force: industries and chain links by stable code, with labels.

The active industry system comes from a plugin (``portal.rules.active_system``:
PORTAL_RULES or the administrator's choice); without one, the core list that
the administrator edits (the Industry table) is used. Forms, lists, exports and
figures ask this module, never the table or a plugin directly.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.i18n import current_locale
from portal.models import Industry, IndustryLink
from portal.web import per_request

#: The kinds of industry and the positions of a chain link, in display order: the one list
#: that the pages, the admin forms and the sort order read.
KIND_LABELS = {"leading": _l("Leading industry"), "characteristic": _l("Characteristic industry")}
POSITION_LABELS = {"up": _l("Upstream"), "mid": _l("Midstream"), "down": _l("Downstream")}
KIND_ORDER = {kind: number for number, kind in enumerate(KIND_LABELS)}
POSITION_ORDER = {position: number for number, position in enumerate(POSITION_LABELS)}


def _name(item: dict) -> str:
    if current_locale() == "en":
        return item.get("name_en") or item.get("name_zh") or item["code"]
    return item.get("name_zh") or item.get("name_en") or item["code"]


def active_system() -> dict | None:
    from portal import rules

    return rules.active_system()


def industries() -> list[dict]:
    """The active system's industries (dicts with code, names, kind, links), or the core list's rows."""
    system = active_system()
    if system is not None:
        return sorted(system["industries"], key=lambda i: KIND_ORDER.get(i.get("kind"), 9))
    return per_request("industries.core", _core_industries)


def _core_industries() -> list[dict]:
    """The portal's own active industries with their active links, in the administrator's order
    (two queries, read once per request)."""
    rows = Industry.select().where(Industry.active == True).order_by(Industry.sort_order, Industry.code)  # noqa: E712
    items = {r.id: {"code": r.code, "name_zh": r.name_zh, "name_en": r.name_en, "kind": r.kind or "leading",
                    "links": []} for r in rows}
    links = (IndustryLink.select().where(IndustryLink.active == True,  # noqa: E712
                                         IndustryLink.industry.in_(list(items)))
             .order_by(IndustryLink.sort_order, IndustryLink.code)) if items else []
    for link in links:
        items[link.industry_id]["links"].append({"code": link.code, "name_zh": link.name_zh,
                                                 "name_en": link.name_en, "position": link.position})
    return list(items.values())


def industry(code: str | None) -> dict | None:
    for item in industries():
        if item["code"] == code:
            return item
    return None


def choices() -> list[tuple[str, str]]:
    """``[(code, label), …]`` of the active industries, in the user's language."""
    system = active_system()
    if system is not None:
        return [(item["code"], _name(item)) for item in industries()]
    return [(item["code"], _name(item)) for item in industries()]


def _all_known_industries():
    """The active system first, then its other years, then the other systems: codes survive changes."""
    from portal import rules

    system = active_system()
    if system is not None:
        yield from system["industries"]
        for year_items in system.get("all_years", {}).values():
            yield from year_items
    for other in rules.systems():
        yield from other["industries"]
        for year_items in other.get("all_years", {}).values():
            yield from year_items


def _table_label(code: str) -> str | None:
    """The name in the portal's own industry list (administered in the portal), read once per request."""
    rows = per_request("industries.table", lambda: {r.code: (r.name_zh, r.name_en) for r in Industry.select()})
    if code not in rows:
        return None
    zh, en = rows[code]
    return (en or zh) if current_locale() == "en" else zh


def label(code: str | None) -> str:
    """The label of an industry code; the code itself when unknown, '' for none. Without an
    active system the portal's own list speaks first (the names an administrator gave), as in
    ``choices``; then every system's codes, so old projects keep a name."""
    if not code:
        return ""
    if active_system() is None and (name := _table_label(code)) is not None:
        return name
    for item in _all_known_industries():
        if item["code"] == code:
            return _name(item)
    return _table_label(code) or code


def chain_links(industry_code: str | None) -> list[dict]:
    item = industry(industry_code)
    if item is None:
        return []
    return sorted(item.get("links", []), key=lambda link: POSITION_ORDER.get(link.get("position"), 9))


def chain_link_choices(industry_code: str | None) -> list[tuple[str, str]]:
    """``[(code, label), …]`` of an industry's chain links (up-, mid-, downstream) in the active system."""
    return [(link["code"], _name(link)) for link in chain_links(industry_code)]


def chain_link_label(code: str | None) -> str:
    if not code:
        return ""
    if active_system() is None and (name := _table_link_label(code)) is not None:
        return name
    for item in _all_known_industries():
        for link in item.get("links", []):
            if link["code"] == code:
                return _name(link)
    return _table_link_label(code) or code


def _table_link_label(code: str) -> str | None:
    """A link's name in the portal's own list, retired links included, read once per request."""
    rows = per_request("industries.table_links",
                       lambda: {r.code: (r.name_zh, r.name_en) for r in IndustryLink.select()})
    if code not in rows:
        return None
    zh, en = rows[code]
    return (en or zh) if current_locale() == "en" else zh


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def position_label(position: str) -> str:
    return str(POSITION_LABELS.get(position, position))
