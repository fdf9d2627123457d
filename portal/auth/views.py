"""Log in, log out (here or everywhere), change password, choose the language."""
import time

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_required, login_user, logout_user

from portal.auth import events, sessions, throttle, two_factor
from portal.auth.forms import ChangePasswordForm, LoginForm
from portal.auth.passwords import hash_password, needs_rehash, verify_password
from portal.config import SUPPORTED_LOCALES
from portal.models import Unit, User, UserSession
from portal.web import form_status, safe_next, see_other

bp = Blueprint("auth", __name__)
#: The session key of a login whose password was right and whose second factor is awaited.
PENDING_LOGIN = "pending_login"
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(session_id: str):
    """Load the user of a session, if that session is still valid (its version matches)."""
    user_id, _, version = session_id.partition(":")
    token_hash = sessions.current_token_hash()
    if token_hash is None:
        return None
    try:
        # The unit and this session's row in the same query: the menus and permissions of every
        # page read the unit, and every request checks the session (one round trip, not two).
        user = (User.select(User, Unit, UserSession)
                .join(Unit, on=(User.unit == Unit.id), attr="unit")
                .switch(User)
                .join(UserSession, on=((UserSession.user == User.id) & (UserSession.token_hash == token_hash)),
                      attr="current_session")
                .where(User.id == int(user_id)).first())
        version = int(version)
    except ValueError:
        return None
    if user is None or not user.active or user.session_version != version:
        return None
    open_, _ended_now = sessions.validate(user, user.current_session)
    return user if open_ else None


@login_manager.unauthorized_handler
def _unauthorized():
    if getattr(request, "htmx", None):
        # A full-page redirect to the login form, not a login form inside a fragment.
        return "", 401, {"HX-Redirect": url_for("auth.login", next=request.full_path)}
    flash(_("Please log in to continue."), "info")
    return redirect(url_for("auth.login", next=request.full_path))


def _safe_next(target: str | None) -> str:
    return safe_next(target, url_for("home.index"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        typed_name = form.username.data.strip()
        user = User.get_or_none(User.username == typed_name)
        keys = throttle.keys_for(typed_name, user)
        wait = throttle.seconds_to_wait(keys)
        if wait:  # refused before any password is hashed
            events.record(events.SIGN_IN_FAILED, user, username=typed_name, detail="throttled")
            form.password.errors.append(
                _("Too many failed attempts. Please wait %(seconds)d seconds.", seconds=wait))
            return render_template("auth/login.html", form=form), 429
        with throttle.hashing_slot() as free:
            # Unknown and deactivated accounts cost the same check: they are not told apart.
            right = free and verify_password(user.password_hash if user else None, form.password.data)
        if not free:
            events.record(events.SIGN_IN_FAILED, user, username=typed_name, detail="busy")
            form.password.errors.append(_("Too many sign-ins at once. Please try again in a moment."))
            status = 429
        elif right and user.active:
            if needs_rehash(user.password_hash):
                User.update(password_hash=hash_password(form.password.data)).where(User.id == user.id).execute()
            chosen = session.get("locale")  # picked on the login page: it wins and is remembered
            if two_factor.is_enabled(user):  # the password was right: now the code
                session.clear()
                session[PENDING_LOGIN] = {"user": user.id, "version": user.session_version,
                                          "at": int(time.time()), "locale": chosen,
                                          "next": request.args.get("next") or ""}
                return see_other("auth.login_code")
            # Counters clear only once the sign-in is complete: a known password alone must not
            # reset the brake on guessing two-factor codes.
            throttle.record_success(user, keys)
            complete_login(user, chosen)
            return redirect(_safe_next(request.args.get("next")), code=303)
        else:
            events.record(events.SIGN_IN_FAILED, user, username=typed_name,
                          detail="inactive" if user and not user.active else "")
            throttle.record_failure(keys)
            form.password.errors.append(_("Wrong username or password."))
            status = 401
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form), status


def complete_login(user: User, chosen_locale: str | None) -> None:
    """Start the user's session (a fresh one: nothing of the anonymous session carries over but
    the language chosen on the login page, which wins and is remembered)."""
    session.clear()
    login_user(user)
    session.permanent = True
    sessions.start(user)
    events.record(events.SIGN_IN, user)
    if chosen_locale and chosen_locale != user.locale:
        User.update(locale=chosen_locale).where(User.id == user.id).execute()
    if chosen_locale or user.locale:
        session["locale"] = chosen_locale or user.locale


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated and request.form.get("everywhere"):
        User.update(session_version=User.session_version + 1).where(User.id == current_user.id).execute()
        sessions.end_all(current_user, "everywhere")
    sessions.end_current("logout")
    logout_user()
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    flash(_("You have logged out."), "info")
    return see_other("auth.login")


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("The current password is wrong."))
        else:
            # A new session version ends every other session of this user.
            User.update(
                password_hash=hash_password(form.new_password.data),
                session_version=User.session_version + 1,
            ).where(User.id == current_user.id).execute()
            events.record(events.PASSWORD_CHANGED, current_user, detail="self")
            sessions.end_all(current_user, "password", keep_current=True)
            user = User.get_by_id(current_user.id)
            login_user(user)
            flash(_("Your password was changed. Other sessions were logged out."), "success")
            return see_other("home.index")
    return render_template("auth/change_password.html", form=form), form_status(form)


@bp.route("/language", methods=["POST"])
def set_language():
    locale = request.form.get("locale", "")
    if locale not in SUPPORTED_LOCALES:
        abort(400)
    session["locale"] = locale
    if current_user.is_authenticated:
        User.update(locale=locale).where(User.id == current_user.id).execute()
    return redirect(_safe_next(request.form.get("next")), code=303)


def init_app(app) -> None:
    login_manager.init_app(app)
    throttle.init_app(app)
