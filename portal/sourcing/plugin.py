"""Registers the sourcing feature: investor, event and team pages with their menu entries, the
contacts panel on the project page, logged contacts as clue follow-up, and demo data."""
from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from portal import hookimpl, permissions
from portal.sourcing import bare_investors, notifications
from portal.sourcing import permissions as sourcing_permissions
from portal.models import Contact, EventProject, PromotionEvent
from portal.scheduling import flags
from portal.sourcing import quotas, service
from portal.sourcing.labels import CREDIT_KIND_LABELS, history_labels
from portal.sourcing.views import bp, credit_panel, readable_teams, template_globals


# A logged contact on a clue restarts its follow-up clock (the default flag rules read it).
if service.last_contact_dates not in flags.FOLLOW_UP_SOURCES:
    flags.FOLLOW_UP_SOURCES.append(service.last_contact_dates)


@hookimpl
def portal_database_upgraded(echo):
    """The database's list of bare investors (migration 0058) checked against the investors, written
    again where it differs (a restore with its triggers off, say)."""
    if bare_investors.repair_if_wrong():
        echo("the list of bare investors (no project, no contact) differed from the investors: listed again")


@hookimpl
def portal_blueprints():
    return [bp]


#: The menu section of this feature's entries (``portal.menu``).
SECTION = {"group": "sourcing", "group_label": _l("Sourcing"), "group_order": 35}


@hookimpl
def portal_menu_items(user):
    if not getattr(user, "is_authenticated", False):
        return []
    items = [{"endpoint": "sourcing.investors", "label": _l("Investors"), "order": 500, **SECTION},
             {"endpoint": "sourcing.events", "label": _l("Promotion events"), "order": 510, **SECTION}]
    if readable_teams(user).exists():
        items.append({"endpoint": "sourcing.teams", "label": _l("Stationed teams"), "order": 520,
                      **SECTION})
    return items


@hookimpl
def portal_template_panels(slot, context):
    if slot != "project_page":
        return None
    project, user = context.get("project"), context.get("user") or current_user
    if project is None or not permissions.can_read_project(user, project):
        return None
    contacts = service.attachments_of(sourcing_permissions.visible_contacts(user, Contact.select())
                                      .where(Contact.project == project.id)
                                      .order_by(Contact.happened_on.desc(), Contact.id.desc()).limit(20))
    events = list(PromotionEvent.select(PromotionEvent, EventProject.role).join(EventProject)
                  .where(EventProject.project == project.id).order_by(PromotionEvent.starts_on).objects())
    enterprise = project.enterprise if project.enterprise_id else None
    can_log = (enterprise is not None and permissions.can_see_confidential(user, project)
               and sourcing_permissions.can_log_contact(user, enterprise))
    days = service.days_since_follow_up([project]).get(project.id)
    html = render_template("sourcing/_project_panel.html", project=project, contacts=contacts, days=days,
                           events=[e for e in events if sourcing_permissions.can_read_event(user, e)], can_log=can_log,
                           credit=credit_panel(project),
                           can_set_credit=sourcing_permissions.can_set_credit(user, project),
                           CREDIT_KIND_LABELS=CREDIT_KIND_LABELS)
    return [{"title": _l("Contacts, events and credit"), "html": Markup(html), "order": 45}]


@hookimpl(trylast=True)
def portal_team_quota_flags(paces):
    return quotas.default_flags(paces)


@hookimpl(trylast=True)
def portal_demo_data(context):
    from portal.sourcing.demo import add_demo_credit_and_plans, add_demo_sourcing

    add_demo_sourcing(context)
    add_demo_credit_and_plans(context)


@hookimpl
def portal_notification_kinds():
    return list(notifications.KINDS)


@hookimpl
def portal_history_labels():
    return history_labels()


@hookimpl
def portal_template_globals():
    return template_globals()
