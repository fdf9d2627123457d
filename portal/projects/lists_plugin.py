"""Registers the lists (blueprint, menu entries) and the demo projects."""
from flask_babel import lazy_gettext as _l

from portal import hookimpl
from portal.projects.filters import LISTS
from portal.projects.lists import bp


@hookimpl
def portal_blueprints():
    return [bp]


@hookimpl
def portal_menu_items(user):
    if not getattr(user, "is_authenticated", False):
        return []
    items = [{"endpoint": LISTS["all"].endpoint, "label": _l("All projects"), "order": 20, "group": "projects"}]
    for order, key in enumerate(("clues", "signed", "landed", "production"), start=21):
        items.append({"endpoint": LISTS[key].endpoint, "label": LISTS[key].title, "order": order, "group": "projects"})
    return items



@hookimpl
def portal_demo_data(context):
    from portal.projects.demo import add_demo_projects

    add_demo_projects(context)
