"""The review panel on the project page and the stored recommendation."""
from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from portal import hookimpl
from portal.review import permissions as review_permissions
from portal.review import service
from portal.review.forms import DecisionForm
from portal.review.views import _decisions, bp



@hookimpl
def portal_history_labels():
    """The review decision's audit entries (portal.review.views), named in the audit log."""
    return {"actions": {"review": _l("Review")}}


@hookimpl
def portal_blueprints():
    return [bp]


@hookimpl
def portal_template_panels(slot, context):
    if slot != "project_page":
        return None
    project, user = context.get("project"), context.get("user")
    if project is None or not review_permissions.can_read_review(user, project):
        return None
    result = service.review(project)
    html = render_template("review/_panel.html", project=project, result=result,
                           decisions=_decisions(project, limit=3), form=DecisionForm(formdata=None),
                           can_decide=review_permissions.can_decide_review(user, project),
                           labels=service.RECOMMENDATION_LABELS, decision_labels=service.DECISION_LABELS)
    return [{"title": _("Project review"), "html": Markup(html), "order": 30}]


@hookimpl
def portal_project_changed(project, change, user):
    """Store the active rules' recommendation so that lists filter by it."""
    service.store_recommendation(project)


@hookimpl
def portal_rules_changed(system_code, user):
    """Another system's review rules decide now: store every project's recommendation again."""
    service.recompute_all()


@hookimpl
def portal_projects_changed(project_ids, change, user):
    """The same for many projects at once (an import)."""
    service.store_recommendations(project_ids)
