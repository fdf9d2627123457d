"""Pages: one's notifications with the unread count in the header, and one's choice of kinds."""
from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import audit
from portal.auth import sessions
from portal.db import database
from portal.models import Notification
from portal.models.fields import utcnow
from portal.notifications import kinds, preferences, service
from portal.web import Page, get_or_404, page_number, render, see_other

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


def unread_notifications() -> int:
    """How many notifications the signed-in user has not read (the header's count; a template
    global through ``portal_template_globals``)."""
    if not getattr(current_user, "is_authenticated", False):
        return 0
    return service.unread_count(current_user, cap=service.BADGE_CAP)


@bp.route("")
@login_required
def index():
    query = (Notification.select().where(Notification.user == current_user.id)
             .order_by(Notification.created_at.desc(), Notification.id.desc()))
    page = Page(query, page_number(), 50)
    return render("notifications/index.html", page=page, shown=service.readable(page.items, current_user),
                  unread=service.unread_count(current_user, cap=0))  # is there any


@bp.route("/count")
@sessions.passive  # a poll every minute: an open tab alone does not keep the session alive
@login_required  # polled by htmx: after a logout htmx gets 401 with HX-Redirect to the login page
def count():
    response = make_response(render_template("notifications/_count.html",
                                             count=service.unread_count(current_user, cap=service.BADGE_CAP)))
    response.headers["Cache-Control"] = "no-store"
    response.headers.add("Vary", "HX-Request")
    return response


def _own_notification(notification_id) -> Notification:
    notification = get_or_404(Notification, notification_id)
    if notification.user_id != current_user.id:
        abort(404)
    return notification


@bp.route("/<notification_id>/read", methods=["POST"])
@login_required
def read(notification_id):
    notification = _own_notification(notification_id)
    if notification.read_at is None:
        Notification.update(read_at=utcnow()).where(Notification.id == notification.id).execute()
    if request.form.get("open") == "1" and notification.link.startswith("/") and not notification.link.startswith("//"):
        return redirect(notification.link, code=303)
    return see_other("notifications.index")


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    with database.atomic():
        Notification.update(read_at=utcnow()).where(Notification.user == current_user.id,
                                                    Notification.read_at.is_null()).execute()
    flash(_("All notifications are marked read."), "success")
    return see_other("notifications.index")


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences_page():
    """A checkbox per kind that can reach the user; saving records what changed in the audit log."""
    available = kinds.for_user(current_user)
    if request.method == "POST":
        chosen = set(request.form.getlist("kind"))
        with database.atomic():
            changes = preferences.save(current_user, {k.code: k.code in chosen for k in available})
            if changes:
                audit.record("notification_preferences", "user", current_user.id, changes, user=current_user)
        if changes:
            flash(_("Your notification choices are saved."), "success")
        return see_other("notifications.preferences_page")
    return render("notifications/preferences.html", available=available,
                  enabled=preferences.enabled(current_user, available))
