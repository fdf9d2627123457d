"""Administrators manage units and users (deactivate, never delete) and read the audit log."""
import datetime as dt

import peewee

from flask import Blueprint, abort, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import audit, permissions
from portal.admin.forms import ResetPasswordForm, UnitForm, UserForm, unit_choices
from portal.auth import events, sessions, throttle
from portal.auth.passwords import hash_password
from portal.db import database
from portal.models import AuditLog, SignInEvent, Unit, User
from portal.timeutil import local_midnight_utc
from portal.web import Page, form_status, get_or_404, page_number, parse_id, requires, see_other

bp = Blueprint("admin", __name__, url_prefix="/admin")


admin_required = requires(permissions.can_manage_organisation)


# Units -----------------------------------------------------------------------

@bp.route("/units")
@admin_required
def units():
    rows = list(Unit.select().order_by(Unit.path))
    return render_template("admin/units.html", units=rows)


UNIT_FIELDS = ("name", "kind", "parent", "city", "sort_order")


def _unit_form(unit: Unit | None):
    form = UnitForm(obj=unit)
    form.parent.choices = unit_choices(include_blank=True)
    if unit is not None:  # a unit cannot move below itself: its subtree leaves the choices (one query)
        own = set(unit.subtree_ids())
        form.parent.choices = [c for c in form.parent.choices if not c[0] or int(c[0]) not in own]
    if form.validate_on_submit():
        if unit is not None and form.parent.data is not None and form.parent.data.is_within(unit):
            form.parent.errors.append(_("A unit cannot be placed below itself."))
        else:
            before = {} if unit is None else {f: getattr(unit, f) for f in UNIT_FIELDS}
            target = unit or Unit()
            target.name = form.name.data.strip()
            target.kind = form.kind.data
            target.parent = form.parent.data
            target.city = (form.city.data or "").strip()
            target.sort_order = form.sort_order.data or 0
            changes = audit.diff(before, {f: getattr(target, f) for f in UNIT_FIELDS})
            if changes or unit is None:  # saved unchanged: no write, no audit entry
                with database.atomic():
                    target.save_with_path()
                    audit.record("create" if unit is None else "edit", "unit", target.id, changes)
            flash(_("Unit saved."), "success")
            return see_other("admin.units")
    return render_template("admin/unit_form.html", form=form, unit=unit), form_status(form)


@bp.route("/units/new", methods=["GET", "POST"])
@admin_required
def unit_new():
    return _unit_form(None)


@bp.route("/units/<unit_id>", methods=["GET", "POST"])
@admin_required
def unit_edit(unit_id):
    return _unit_form(get_or_404(Unit, unit_id))


@bp.route("/units/<unit_id>/active", methods=["POST"])
@admin_required
def unit_active(unit_id):
    unit = get_or_404(Unit, unit_id)
    active = request.form.get("active") == "1"
    with database.atomic():
        Unit.update(active=active).where(Unit.id == unit.id).execute()
        audit.record("activate" if active else "deactivate", "unit", unit.id, {"active": [unit.active, active]})
    flash(_("Unit activated.") if active else _("Unit deactivated."), "success")
    return see_other("admin.units")


# Users -----------------------------------------------------------------------

@bp.route("/users")
@admin_required
def users():
    query = User.select(User, Unit).join(Unit).order_by(User.active.desc(), Unit.path, User.username)
    return render_template("admin/users.html", users=list(query), throttled=throttle.accounts_with_failures())


USER_FIELDS = ("username", "display_name", "role", "unit", "phone")


def _user_form(user: User | None):
    form = UserForm(obj=user, editing=user)
    form.unit.choices = unit_choices()
    if form.validate_on_submit():
        before = {} if user is None else {f: getattr(user, f) for f in USER_FIELDS}
        target = user or User()
        for name in USER_FIELDS:
            value = getattr(form, name).data
            setattr(target, name, value.strip() if isinstance(value, str) else value)
        if form.password.data:
            target.password_hash = hash_password(form.password.data)
            if user is not None:
                target.session_version += 1
        changes = audit.diff(before, {f: getattr(target, f) for f in USER_FIELDS})
        if form.password.data and user is not None:
            changes["password"] = ["***", "***"]
        if changes or user is None:  # saved unchanged: no write, no audit entry
            with database.atomic():
                target.save()
                if form.password.data and user is not None:
                    events.record(events.PASSWORD_CHANGED, target, detail="administrator")
                    sessions.end_all(target, "password")
                audit.record("create" if user is None else "edit", "user", target.id, changes)
        flash(_("User saved."), "success")
        return see_other("admin.users")
    return render_template("admin/user_form.html", form=form, user=user), form_status(form)


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def user_new():
    return _user_form(None)


@bp.route("/users/<user_id>", methods=["GET", "POST"])
@admin_required
def user_edit(user_id):
    return _user_form(get_or_404(User, user_id))


@bp.route("/users/<user_id>/active", methods=["POST"])
@admin_required
def user_active(user_id):
    user = get_or_404(User, user_id)
    active = request.form.get("active") == "1"
    if user.id == current_user.id and not active:
        flash(_("You cannot deactivate your own account."), "error")
        return see_other("admin.users")
    with database.atomic():
        # Deactivation also ends the user's sessions.
        User.update(active=active, session_version=User.session_version + 1).where(User.id == user.id).execute()
        audit.record("activate" if active else "deactivate", "user", user.id, {"active": [user.active, active]})
    flash(_("User activated.") if active else _("User deactivated."), "success")
    return see_other("admin.users")


@bp.route("/users/<user_id>/unlock", methods=["POST"])
@admin_required
def user_unlock(user_id):
    user = get_or_404(User, user_id)
    with database.atomic():
        throttle.unlock(user)
        audit.record("unlock", "user", user.id)
    flash(_("The account was unlocked."), "success")
    return see_other("admin.users")


@bp.route("/users/<user_id>/password", methods=["GET", "POST"])
@admin_required
def user_password(user_id):
    user = get_or_404(User, user_id)
    form = ResetPasswordForm(username=user.username)
    if form.validate_on_submit():
        with database.atomic():
            User.update(password_hash=hash_password(form.password.data),
                        session_version=User.session_version + 1).where(User.id == user.id).execute()
            throttle.unlock(user)
            audit.record("reset_password", "user", user.id)
            events.record(events.PASSWORD_CHANGED, user, detail="administrator")
            sessions.end_all(user, "password")
        flash(_("The password was reset."), "success")
        return see_other("admin.users")
    return render_template("admin/user_password.html", form=form, user=user), form_status(form)


# Audit log -----------------------------------------------------------------------

@bp.route("/sign-ins")
@login_required
def sign_ins():
    """The sign-in log: sign-ins, failed sign-ins, lockouts, password changes, session ends."""
    if not permissions.can_read_sign_in_log(current_user):
        abort(403)
    query = SignInEvent.select().order_by(SignInEvent.at.desc(), SignInEvent.id.desc())
    username = request.args.get("username", "").strip()[:64]
    if username:
        query = query.where(SignInEvent.username == username)
    page = Page(query, page_number(), 100)
    return render_template("admin/sign_ins.html", page=page, username=username,
                           kind_labels=events.KIND_LABELS, detail_labels=events.DETAIL_LABELS,
                           browser_summary=events.browser_summary)


@bp.route("/audit")
@login_required
def audit_log():
    """The audit log, filtered by kind of record, action, person, record number and dates."""
    if not permissions.can_read_audit_log(current_user):
        abort(403)
    filters, errors = _audit_filters(request.args)
    query = AuditLog.select(AuditLog, User).join(User, on=(AuditLog.user == User.id), join_type=peewee.JOIN.LEFT_OUTER)
    if filters["entity"]:
        query = query.where(AuditLog.entity == filters["entity"])
    if filters["action"]:
        query = query.where(AuditLog.action == filters["action"])
    if filters["user"]:
        query = query.where(AuditLog.user == filters["user"])
    if filters["record"]:
        query = query.where(AuditLog.entity_id == filters["record"])
    if filters["start"]:
        query = query.where(AuditLog.at >= local_midnight_utc(filters["start"]))
    if filters["end"]:
        query = query.where(AuditLog.at < local_midnight_utc(filters["end"] + dt.timedelta(days=1)))
    page = Page(query.order_by(AuditLog.at.desc(), AuditLog.id.desc()), page_number(), 100)
    people = User.select(User.id, User.display_name, User.username).order_by(User.username)
    return render_template("admin/audit.html", page=page, filters=filters, errors=errors, people=people,
                           record_names=audit.record_names(page.items)), 400 if errors else 200


def _audit_filters(args) -> tuple[dict, dict]:
    """The audit log's filters from the query string; a bad date is an error at its field."""
    filters = {"entity": (args.get("entity") or "").strip()[:40], "action": (args.get("action") or "").strip()[:40],
               "user": parse_id(args.get("user")), "record": parse_id(args.get("record")), "start": None, "end": None}
    errors = {}
    for key in ("start", "end"):
        raw = (args.get(key) or "").strip()
        if raw:
            try:
                filters[key] = dt.date.fromisoformat(raw)
            except ValueError:
                errors[key] = _("Write the date as 2026-03-01.")
    return filters, errors
