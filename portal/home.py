"""The start page and the health check."""
from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal import hookimpl, schema
from portal.db import database

bp = Blueprint("home", __name__)


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render_template("home/index.html")


@bp.route("/healthz")
def healthz():
    """Database reachability and schema version, for monitoring (no login, no personal data)."""
    try:
        database.execute_sql("SELECT 1")
        st = schema.status()
        body = {"status": "ok" if st.ok else "degraded", "database": "ok",
                "schema": {"current": st.current, "expected": st.expected}}
        return jsonify(body), 200 if st.ok else 503
    except Exception as exc:  # noqa: BLE001 - a health check reports, it never raises
        return jsonify({"status": "error", "database": "unreachable", "error": type(exc).__name__}), 503


@hookimpl(trylast=True)
def portal_blueprints():
    return [bp]


@hookimpl(trylast=True)
def portal_menu_items(user):
    return [{"endpoint": "home.index", "label": _l("Home"), "order": 0, "group": "overview"}]


