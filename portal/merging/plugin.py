"""Registers merging: its pages, the bureau's menu entry to the merges, and the audit labels."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal import hookimpl
from portal.merging.demo import add_demo_duplicate
from portal.merging.permissions import can_merge
from portal.merging.views import bp, merge_url


@hookimpl
def portal_history_labels():
    return {"actions": {"merge": _l("Merged into another"), "merge_survivor": _l("Duplicate merged in"),
                        "unmerge": _l("Merge undone"), "unmerge_survivor": _l("Merged duplicate taken out")}}


@hookimpl
def portal_blueprints():
    return [bp]


@hookimpl
def portal_menu_items(user):
    if can_merge(user):
        return [{"endpoint": "merging.index", "label": _l("Merged duplicates"), "order": 180, "group": "projects"}]
    return None


@hookimpl(trylast=True)
def portal_demo_data(context):
    add_demo_duplicate(context)


@hookimpl
def portal_template_globals():
    return {"merge_url": merge_url}
