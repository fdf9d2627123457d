"""The bureau records its review decision on a project (audited)."""
from flask import Blueprint, abort, flash, redirect, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import audit
from portal.review import permissions as review_permissions
from portal.db import database
from portal.models import Project, User
from portal.models.chains import ReviewDecision
from portal.review import service
from portal.review.forms import DecisionForm
from portal.web import form_status, load_or_404, project_page_url, see_other

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.route("/projects/<project_id>", methods=["GET", "POST"])
@login_required
def decide(project_id):
    project = load_or_404(Project, project_id, review_permissions.can_read_review)
    form = DecisionForm()
    if form.is_submitted():
        if not review_permissions.can_decide_review(current_user, project):
            abort(403)
        if form.validate():
            result = service.review(project)
            with database.atomic():
                decision = ReviewDecision.create(
                    project=project, decision=form.decision.data, note=(form.note.data or "").strip(),
                    recommendation=result.recommendation, system=(result.system or {}).get("code", ""),
                    by=current_user.id)
                audit.record("review", "project", project.id,
                             {"review_decision": [None, decision.decision]},
                             note=decision.note)
            flash(_("Review decision recorded."), "success")
            page = project_page_url(project)
            return redirect(page, code=303) if page else see_other("review.decide", project_id=project.id)
    return render_template("review/decide.html", project=project, form=form, result=service.review(project),
                           decisions=_decisions(project),
                           can_decide=review_permissions.can_decide_review(current_user, project),
                           labels=service.RECOMMENDATION_LABELS,
                           decision_labels=service.DECISION_LABELS), form_status(form)


def _decisions(project, limit=None):
    """The project's decisions, newest first, with who decided (one query)."""
    query = (ReviewDecision.select(ReviewDecision, User.id, User.display_name)
             .join(User, on=(ReviewDecision.by == User.id))
             .where(ReviewDecision.project == project)
             .order_by(ReviewDecision.at.desc(), ReviewDecision.id.desc()))
    return list(query.limit(limit) if limit else query)
