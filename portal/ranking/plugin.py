"""Registers the ranking pages and their menu entries."""
from flask_babel import lazy_gettext as _l

from portal import hookimpl, permissions
from portal.ranking.views import bp


@hookimpl
def portal_blueprints():
    return [bp]


@hookimpl
def portal_menu_items(user):
    items = []
    if permissions.can_read_ranking(user):
        items += [
            {"endpoint": "ranking.index", "label": _l("Ranking"), "order": 400},
            {"endpoint": "ranking.top_ten_page", "label": _l("Top ten projects"), "order": 410},
        ]
    if permissions.can_edit_targets(user):
        items.append({"endpoint": "ranking.targets", "label": _l("Targets"), "order": 420})
    return items
