"""The administrators' plugins page: every plugin, its hooks and status; enable, disable; the active rules."""
from __future__ import annotations


from flask import Blueprint, abort, current_app, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from portal import audit, plugins, rules
from portal.platform import permissions as platform_permissions
from portal.db import database
from portal.models import PluginState
from portal.models.fields import utcnow
from portal.web import requires, see_other

bp = Blueprint("platform", __name__, url_prefix="/admin")


plugins_admin_required = requires(platform_permissions.can_manage_plugins)


def stored_states() -> dict[str, bool]:
    return {row.name: row.enabled for row in PluginState.select()}


@bp.route("/plugins")
@plugins_admin_required
def plugin_list():
    reg = plugins.registry()
    states = stored_states()
    rows = reg.plugin_list()
    for row in rows:
        wanted = states.get(row["name"], True)
        row["enabled_next_start"] = wanted
        row["restart_needed"] = (row["status"] == "disabled") == wanted
    other_failures = [f for f in reg.all_failures() if f.plugin not in reg.infos]
    return render_template(
        "platform/plugins.html", rows=rows, other_failures=other_failures,
        has_failures=bool(other_failures) or any(row["failures"] for row in rows),
        systems=rules.systems(), active=rules.active_system(), configured=rules.configured_code(),
        fixed_by_env=bool(current_app.config.get("RULES")), strict=reg.strict)


@bp.route("/plugins/failures/clear", methods=["POST"])
@plugins_admin_required
def clear_failures():
    """Forget the recorded plugin errors (after the plugin was fixed); new ones are recorded again."""
    with database.atomic():
        cleared = plugins.registry().clear_failures()
        audit.record("edit", "setting", 0, {"plugin_failures": [cleared, 0]}, note="plugin failures cleared")
    flash(_("The recorded plugin errors were cleared."), "success")
    return see_other("platform.plugin_list")


@bp.route("/plugins/<name>/state", methods=["POST"])
@plugins_admin_required
def plugin_state(name):
    reg = plugins.registry()
    info = reg.infos.get(name)
    if info is None:
        abort(404)
    if info.source == "core":
        abort(400, _("The core's own plugins cannot be disabled."))
    enabled = request.form.get("enabled") == "1"
    with database.atomic():
        before = stored_states().get(name, True)
        if PluginState.update(enabled=enabled, changed_at=utcnow()).where(PluginState.name == name).execute() == 0:
            PluginState.create(name=name, enabled=enabled)
        audit.record("enable" if enabled else "disable", "plugin", 0, {"enabled": [before, enabled]}, note=name)
    flash(_("Plugin %(name)s will be enabled at the next restart.", name=name) if enabled
          else _("Plugin %(name)s will be disabled at the next restart.", name=name), "success")
    return see_other("platform.plugin_list")


@bp.route("/plugins/rules", methods=["POST"])
@plugins_admin_required
def choose_rules():
    if current_app.config.get("RULES"):
        abort(409, _("The industry system is fixed by PORTAL_RULES."))
    code = request.form.get("system", "")
    known = {s["code"] for s in rules.systems()} | {"core"}
    if code not in known:
        flash(_("Unknown industry system."), "error")
        response = plugin_list()
        return response, 422
    before = rules.configured_code() or "core"
    if code == before:  # the form sent back unchanged: nothing to store or audit
        flash(_("Nothing changed."), "success")
        return see_other("platform.plugin_list")
    with database.atomic():
        rules.set_active(code)
        audit.record("edit", "setting", 0, {rules.SETTING_KEY: [before, code]}, note=rules.SETTING_KEY)
        # Stored results (recommendations, flags) follow the new rules at once.
        plugins.call("portal_rules_changed", system_code=code, user=current_user)
    flash(_("Industry system changed."), "success")
    return see_other("platform.plugin_list")
