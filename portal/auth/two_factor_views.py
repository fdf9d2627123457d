"""Pages of two-factor login: the second login step, the account's set-up page, and the
administrator's reset. The rules live in portal.auth.two_factor."""
import time

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import permissions, security
from portal.auth import events, sessions, throttle, two_factor
from portal.auth.forms import ConfirmTwoFactorForm, LoginCodeForm, PasswordCheckForm
from portal.auth.passwords import verify_password
from portal.auth.views import PENDING_LOGIN, _safe_next, bp, complete_login
from portal.models import User
from portal.web import get_or_404, see_other

#: How long the second step waits for its code after the password was accepted.
PENDING_SECONDS = 300
#: Pages a user who must set up two-factor login may still open.
OPEN_WHILE_REQUIRED = {"auth.two_factor_page", "auth.two_factor_setup", "auth.two_factor_confirm", "auth.logout",
                       "auth.set_language", "auth.login", "auth.login_code", "static", "healthz"}


def _pending_user() -> tuple[User | None, dict]:
    pending = session.get(PENDING_LOGIN) or {}
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None, {}
    user = User.get_or_none(User.id == pending.get("user"))
    if user is None or not user.active or user.session_version != pending.get("version"):
        return None, {}
    return user, pending


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    """The second step: a code from the app, or one of the recovery codes."""
    user, pending = _pending_user()
    if user is None:
        session.pop(PENDING_LOGIN, None)
        flash(_("Please log in again."), "info")
        return see_other("auth.login")
    form = LoginCodeForm()
    status = 200
    if form.validate_on_submit():
        keys = throttle.keys_for(user.username, user)
        wait = throttle.seconds_to_wait(keys)
        if wait:
            events.record(events.SIGN_IN_FAILED, user, detail="throttled")
            form.code.errors.append(_("Too many failed attempts. Please wait %(seconds)d seconds.", seconds=wait))
            status = 429
        elif two_factor.check_code(user, form.code.data) or two_factor.use_recovery_code(user, form.code.data):
            throttle.record_success(user, keys)
            complete_login(user, pending.get("locale"))
            if len(form.code.data.strip()) > 8:  # a recovery code was used: say how many are left
                flash(_("You logged in with a recovery code; %(count)d are left.",
                        count=two_factor.recovery_codes_left(user)), "info")
            return redirect(_safe_next(pending.get("next")), code=303)
        else:
            throttle.record_failure(keys)
            events.record(events.SIGN_IN_FAILED, user, detail="second factor")
            form.code.errors.append(_("This code is not right, or it was used already."))
            status = 422
    elif request.method == "POST":
        status = 422
    return render_template("auth/login_code.html", form=form), status


@bp.route("/account/two-factor")
@login_required
def two_factor_page():
    return render_template("auth/two_factor.html", enabled=two_factor.is_enabled(current_user),
                           required=two_factor.is_required(current_user),
                           codes_left=two_factor.recovery_codes_left(current_user),
                           password_form=PasswordCheckForm())


@bp.route("/account/two-factor/setup", methods=["POST"])
@login_required
def two_factor_setup():
    """A new secret, shown as a QR code with a field for the first code."""
    if two_factor.is_enabled(current_user):
        return see_other("auth.two_factor_page")
    two_factor.start_setup(current_user)
    return _setup_page(ConfirmTwoFactorForm(formdata=None), 200)


def _setup_page(form, status):
    return render_template("auth/two_factor_setup.html", form=form, qr=two_factor.qr_code_svg(current_user),
                           secret=current_user.totp_secret), status


@bp.route("/account/two-factor/confirm", methods=["POST"])
@login_required
def two_factor_confirm():
    if two_factor.is_enabled(current_user) or not current_user.totp_secret:
        return see_other("auth.two_factor_page")
    form = ConfirmTwoFactorForm()
    if form.validate_on_submit():
        codes = two_factor.confirm_setup(current_user, form.code.data)
        if codes is not None:  # shown once, never again
            events.record(events.TWO_FACTOR_CHANGED, current_user, detail="enabled")
            return render_template("auth/recovery_codes.html", codes=codes, first=True)
        form.code.errors.append(_("This code is not right. Check the clock of your phone and try the next code."))
    return _setup_page(form, 422)


def _password_checked(form) -> bool:
    if form.validate_on_submit() and verify_password(current_user.password_hash, form.current_password.data):
        return True
    flash(_("The current password is wrong."), "error")
    return False


@bp.route("/account/two-factor/off", methods=["POST"])
@login_required
def two_factor_off():
    if two_factor.is_required(current_user):
        flash(_("Your role must use two-factor login: it cannot be turned off."), "error")
        return see_other("auth.two_factor_page")
    if _password_checked(PasswordCheckForm()):
        two_factor.turn_off(current_user, current_user, end_sessions=False)
        events.record(events.TWO_FACTOR_CHANGED, current_user, detail="disabled")
        flash(_("Two-factor login is off."), "success")
    return see_other("auth.two_factor_page")


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@login_required
def two_factor_new_codes():
    if not two_factor.is_enabled(current_user):
        return see_other("auth.two_factor_page")
    if not _password_checked(PasswordCheckForm()):
        return see_other("auth.two_factor_page")
    return render_template("auth/recovery_codes.html", codes=two_factor.new_recovery_codes(current_user), first=False)


@bp.route("/admin/users/<user_id>/two-factor/reset", methods=["POST"])
@login_required
def two_factor_reset(user_id):
    """An administrator removes a user's two-factor login (a lost phone); audited."""
    if not permissions.can_manage_organisation(current_user):
        abort(403)
    user = get_or_404(User, user_id)
    two_factor.turn_off(user, current_user, action="reset_two_factor")
    sessions.end_all(user, "reset")
    events.record(events.TWO_FACTOR_CHANGED, user, detail="reset")
    flash(_("Two-factor login of %(name)s was reset: they set it up again at their next login.",
            name=user.display_name), "success")
    return see_other("admin.users")


def require_setup():
    """Before every request: a user whose role must use two-factor login and has not set it up
    is sent to the set-up page (and can open nothing else). The API is left alone: a session
    cookie never authorises it, so it answers 401 there, not a redirect to a page."""
    if security.is_token_only(current_app, request.blueprint):
        return None
    if (current_user.is_authenticated and two_factor.is_required(current_user)
            and not two_factor.is_enabled(current_user) and request.endpoint not in OPEN_WHILE_REQUIRED):
        if request.method == "GET" and not getattr(request, "htmx", None):
            flash(_("Your role must use two-factor login: set it up to continue."), "info")
        return redirect(url_for("auth.two_factor_page"), code=303)
    return None


bp.before_app_request(require_setup)
