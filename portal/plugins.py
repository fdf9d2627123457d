"""The plugin manager: registering the core's own plugins and county plugins, and calling hooks safely.

Pluggy does not isolate failures; this module does. ``call`` runs each
implementation on its own, so one raising plugin is logged, reported to
administrators and skipped while the page still renders. With
PORTAL_STRICT_PLUGINS=1 (tests, CI) a failure is raised instead.
"""
from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field

import pluggy
from flask import current_app

from portal import hookspecs

log = logging.getLogger(__name__)

#: The core's own features, registered through the same path as county plugins.
CORE_PLUGINS = [
    "portal.home",
    "portal.auth.plugin",
    "portal.admin.plugin",
]


class PluginError(RuntimeError):
    """A plugin failed and the deployment runs with PORTAL_STRICT_PLUGINS=1."""


@dataclass
class PluginFailure:
    plugin: str
    where: str  # "import" or a hook name
    error: str


@dataclass
class PluginRegistry:
    pm: pluggy.PluginManager
    strict: bool
    failures: list[PluginFailure] = field(default_factory=list)

    def report(self, plugin: str, where: str, exc: BaseException) -> None:
        log.error("Plugin %s failed in %s: %s", plugin, where, exc, exc_info=exc)
        failure = PluginFailure(plugin, where, f"{type(exc).__name__}: {exc}")
        if failure not in self.failures:
            self.failures.append(failure)
        if self.strict:
            raise PluginError(f"plugin {plugin!r} failed in {where}: {exc}") from exc


def create_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("portal")
    pm.add_hookspecs(hookspecs)
    return pm


def init_app(app) -> None:
    pm = create_manager()
    registry = PluginRegistry(pm=pm, strict=bool(app.config.get("STRICT_PLUGINS")))
    app.extensions["portal_plugins"] = registry
    for module_name in CORE_PLUGINS:
        module = importlib.import_module(module_name)
        pm.register(module, name=module_name)
    pm.check_pending()
    with app.app_context():
        for blueprints in call("portal_blueprints"):
            for bp in blueprints or []:
                app.register_blueprint(bp)
    app.jinja_env.globals["menu_items"] = menu_items
    app.jinja_env.globals["panels"] = panels


def registry() -> PluginRegistry:
    return current_app.extensions["portal_plugins"]


def call(hook_name: str, **kwargs) -> list:
    """Call every implementation of a hook, isolating failures; return the non-None results."""
    reg = registry()
    caller = getattr(reg.pm.hook, hook_name)
    results = []
    for impl in reversed(caller.get_hookimpls()):  # pluggy's order: last registered first
        args = {name: kwargs[name] for name in impl.argnames if name in kwargs}
        try:
            result = impl.function(**args)
        except Exception as exc:  # noqa: BLE001 - a plugin's bug must not take the portal down
            reg.report(impl.plugin_name, hook_name, exc)
            continue
        if result is not None:
            results.append(result)
            if caller.spec and caller.spec.opts.get("firstresult"):
                break
    return results


def call_first(hook_name: str, **kwargs):
    """The first non-None result of a hook, or None."""
    results = call(hook_name, **kwargs)
    return results[0] if results else None


def menu_items(user) -> list[dict]:
    items = []
    for entries in call("portal_menu_items", user=user):
        items.extend(entries)
    return sorted(items, key=lambda e: e.get("order", 100))


def panels(slot: str, **context) -> list[dict]:
    """Collect the panels for a template slot; a failing plugin leaves a visible note instead.

    Used in templates as ``{% for panel in panels("project_page", project=project, user=current_user) %}``.
    """
    from flask_babel import gettext as _
    from markupsafe import Markup, escape

    reg = registry()
    caller = reg.pm.hook.portal_template_panels
    collected = []
    for impl in reversed(caller.get_hookimpls()):
        try:
            result = impl.function(**{k: v for k, v in {"slot": slot, "context": context}.items() if k in impl.argnames})
            for panel in result or []:
                html = panel.get("html", "")
                collected.append({
                    "title": str(panel.get("title", "")),
                    "html": html if isinstance(html, Markup) else escape(html),
                    "order": int(panel.get("order", 100)),
                    "plugin": impl.plugin_name,
                })
        except Exception as exc:  # noqa: BLE001
            reg.report(impl.plugin_name, "portal_template_panels", exc)
            collected.append({
                "title": _("Part of this page is missing"),
                "html": escape(_("The plugin %(name)s failed; an administrator can see the error on the plugins page.",
                                 name=impl.plugin_name)),
                "order": 10_000, "plugin": impl.plugin_name, "failed": True,
            })
    return sorted(collected, key=lambda p: p["order"])


def project_changed(project, change: str, user=None) -> None:
    """Tell every plugin that a project changed (flags, reviews … recompute their stored values)."""
    call("portal_project_changed", project=project, change=change, user=user)
