"""The API token pages: a user's own tokens (make one, see it once, revoke), and the
administrators' list of every token. Ordinary pages: session login and CSRF."""
from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from portal import audit
from portal.api import permissions as api_permissions
from portal.api import tokens
from portal.api.forms import TokenForm
from portal.db import database
from portal.models import ApiToken, User
from portal.models.fields import utcnow
from portal.web import Page, get_or_404, page_number, requires, safe_next, see_other

bp = Blueprint("api_tokens", __name__, url_prefix="/account/api-tokens")


def _page(form, issued=None, status=200):
    return render_template("api/tokens.html", form=form, issued=issued, tokens=list(tokens.user_tokens(current_user)),
                           now=utcnow()), status


@bp.route("", methods=["GET", "POST"])
@requires(api_permissions.can_have_api_tokens)
def index():
    form = TokenForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return _page(form, status=422)
        with database.atomic():
            issued = tokens.issue(current_user, form.name.data, form.days.data, form.access.data == "read")
            audit.record("create", "api_token", issued.token.id, note=issued.token.name)
        # Shown in this answer only (no redirect: the secret must not travel through the session).
        return _page(TokenForm(formdata=None), issued=issued, status=201)
    return _page(form)


@bp.route("/<token_id>/revoke", methods=["POST"])
@requires(api_permissions.can_have_api_tokens)
def revoke(token_id):
    token = get_or_404(ApiToken, token_id)
    if not api_permissions.can_revoke_api_token(current_user, token):
        abort(404)
    with database.atomic():
        if tokens.revoke(token, current_user):
            audit.record("revoke", "api_token", token.id, note=token.name)
    flash(_("The token was revoked: it opens nothing any more."), "success")
    target = safe_next(request.form.get("next"), "")
    return see_other("api_tokens.all_tokens") if target.endswith("/all") else see_other("api_tokens.index")


@bp.route("/all")
@requires(api_permissions.can_read_all_api_tokens)
def all_tokens():
    query = (ApiToken.select(ApiToken, User).join(User, on=(ApiToken.user == User.id))
             .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))
    return render_template("api/all_tokens.html", page=Page(query, page_number(), 50), now=utcnow())
