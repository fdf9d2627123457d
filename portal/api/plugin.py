"""Registers the API (/api) and the API token pages."""
from flask_babel import lazy_gettext as _l

from portal import hookimpl, permissions
from portal.api.token_views import bp as tokens_bp
from portal.api.views import bp


@hookimpl
def portal_blueprints():
    return [bp, tokens_bp]


@hookimpl
def portal_menu_items(user):
    if not getattr(user, "is_authenticated", False):
        return []
    items = [{"endpoint": "api_tokens.index", "label": _l("API tokens"), "order": 90, "group": "more"}]
    if permissions.can_read_all_api_tokens(user):
        items.append({"endpoint": "api_tokens.all_tokens", "label": _l("All API tokens"), "order": 95,
                      "group": "admin"})
    return items
