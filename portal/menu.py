"""The main navigation, grouped by task: each feature's menu entries (``portal_menu_items``)
name a section; each role sees its daily work first. Sections with several entries open as
native ``<details>`` menus, so the navigation works without JavaScript, on a phone too."""
from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l

from portal import plugins

#: The core's sections: key -> (label, default order, {role: place among the role's first sections}).
#: A feature declares its own section on its entries (``group_label``, ``group_order``,
#: ``group_first_for``; the first entry that does wins). Entries naming no known section go to "more".
SECTIONS = {
    "overview": (_l("Overview"), 0, {"leader": 0, "bureau": 0}),
    "projects": (_l("Projects and lists"), 10, {"unit": 0, "department": 1, "bureau": 2}),
    "more": (_l("More"), 80, {}),
    "admin": (_l("Administration"), 90, {"admin": 0}),
}
#: Sections shown as plain links side by side rather than a menu.
FLAT = {"overview"}
#: After every place a role gives its first sections.
NOT_FIRST = 1000


def _declared_sections(items) -> dict:
    """The core's sections and those the entries declare."""
    known = dict(SECTIONS)
    for item in items:
        key = item.get("group")
        if key and key not in known and item.get("group_label"):
            known[key] = (item["group_label"], item.get("group_order", 50), item.get("group_first_for") or {})
    return known


def sections(user) -> list[dict]:
    """``[{"key", "label", "entries", "flat", "current"}]`` for the user, in the role's order:
    the sections of the role's daily work first, then by each section's order."""
    items = plugins.menu_items(user)
    known = _declared_sections(items)
    grouped: dict[str, list[dict]] = {}
    for item in items:
        key = item.get("group") if item.get("group") in known else "more"
        grouped.setdefault(key, []).append(item)
    role = getattr(user, "role", "")

    def rank(key):
        _label, order, first_for = known[key]
        return (first_for.get(role, NOT_FIRST), order)

    result = []
    for key in sorted(grouped, key=rank):
        items = grouped[key]
        result.append({"key": key, "label": known[key][0], "entries": items,
                       "flat": key in FLAT or len(items) == 1,
                       "current": any(item["endpoint"] == request.endpoint for item in items)})
    return result


def init_app(app) -> None:
    app.jinja_env.globals["menu_sections"] = sections
