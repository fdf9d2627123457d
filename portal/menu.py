"""The main navigation, grouped by task: each feature's menu entries (``portal_menu_items``)
name a section; each role sees its daily work first. Sections with several entries open as
native ``<details>`` menus, so the navigation works without JavaScript, on a phone too."""
from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l

from portal import plugins

#: Section key -> (label, default order). Entries naming no known section go to "more".
SECTIONS = {
    "overview": (_l("Overview"), 0),
    "projects": (_l("Projects and lists"), 10),
    "scheduling": (_l("Scheduling"), 20),
    "problems": (_l("Problems"), 30),
    "sourcing": (_l("Sourcing"), 35),
    "assessment": (_l("Assessment"), 40),
    "more": (_l("More"), 80),
    "admin": (_l("Administration"), 90),
}
#: The sections a role works in every day come first, in this order.
ROLE_FIRST = {
    "unit": ("projects", "scheduling", "problems"),
    "department": ("problems", "projects"),
    "leader": ("overview", "assessment"),
    "bureau": ("overview", "scheduling", "projects"),
    "admin": ("admin",),
}
#: Sections shown as plain links side by side rather than a menu.
FLAT = {"overview"}


def sections(user) -> list[dict]:
    """``[{"key", "label", "entries", "flat", "current"}]`` for the user, in the role's order."""
    grouped: dict[str, list[dict]] = {}
    for item in plugins.menu_items(user):
        key = item.get("group") if item.get("group") in SECTIONS else "more"
        grouped.setdefault(key, []).append(item)
    first = ROLE_FIRST.get(getattr(user, "role", ""), ())

    def rank(key):
        return (first.index(key) if key in first else len(first), SECTIONS[key][1])

    result = []
    for key in sorted(grouped, key=rank):
        items = grouped[key]
        result.append({"key": key, "label": SECTIONS[key][0], "entries": items,
                       "flat": key in FLAT or len(items) == 1,
                       "current": any(item["endpoint"] == request.endpoint for item in items)})
    return result


def init_app(app) -> None:
    app.jinja_env.globals["menu_sections"] = sections
