"""Registers the API (/api) and the API token pages."""
from flask_babel import lazy_gettext as _l

from portal import hookimpl
from portal.api import permissions as api_permissions
# The endpoints, in the order the reference lists them (importing them adds their routes to bp).
from portal.api import project_views, problem_views, report_views, reference_views  # noqa: F401
from portal.api.blueprint import bp
from portal.api.cli import export_command
from portal.api.token_views import bp as tokens_bp


@hookimpl
def portal_blueprints():
    return [bp, tokens_bp]


@hookimpl
def portal_menu_items(user):
    if not getattr(user, "is_authenticated", False):
        return []
    items = [{"endpoint": "api_tokens.index", "label": _l("API tokens"), "order": 90, "group": "more"}]
    if api_permissions.can_read_all_api_tokens(user):
        items.append({"endpoint": "api_tokens.all_tokens", "label": _l("All API tokens"), "order": 95,
                      "group": "admin"})
    return items


@hookimpl
def portal_register_commands(cli):
    cli.add_command(export_command)
