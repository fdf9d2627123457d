"""The plugin manager: discovering, registering and calling plugins safely.

Discovery, in this order (see docs/plugins.md):

1. the core's and the features' own plugins (``portal/features.toml``, without the features
   the setting FEATURES_OFF turns off); their defaults are ``trylast`` so a county plugin wins;
2. the bundled plugins folder (``portal.paths.BUNDLED_PLUGINS_DIR``): each
   sub-package or ``.py`` file, imported by path;
3. ``PORTAL_PLUGINS_DIR``: each ``.py`` file (and sub-package) in that folder;
4. installed packages declaring the entry-point group ``portal``.

``PORTAL_LOAD_PLUGINS`` limits which non-core plugins load: unset loads every
plugin found; a comma-separated list of names loads only those; an empty value
loads none (only the core). A TESTING app loads installed packages only when
PORTAL_LOAD_PLUGINS names them. Plugins an administrator disabled (``PluginState``)
are blocked with ``pm.set_blocked`` before they are imported.

Every hook is called through pluggy (``pm.hook.<name>(...)``), so ``firstresult``,
``tryfirst``/``trylast``, hook wrappers and pluggy's tracing hold. Pluggy does not
isolate failures; ``PortalPluginManager`` does, once: when a plugin is registered, each
of its implementations is wrapped so that an exception, or an answer of another shape
than its hookspec declares (``portal.plugin_answers``), is reported with the plugin's
name and the implementation answers None, which pluggy skips. One failing plugin is
logged, reported to administrators and skipped while the page still renders. With
PORTAL_STRICT_PLUGINS=1 (tests, CI) a failure is raised instead. Hook wrappers are
not wrapped: they see every call and its outcome, and are trusted like the core.
"""
from __future__ import annotations

import contextvars
import datetime as dt
import functools
import importlib
import importlib.metadata
import importlib.util
import logging
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import peewee
import pluggy
from flask import current_app

from portal import features, hookspecs
from portal.db import database
from portal.models import PluginFailureRecord, PluginState, Project
from portal.models.fields import utcnow
from portal.paths import BUNDLED_PLUGINS_DIR
from portal.plugin_answers import BadReturnValue, check_answer  # noqa: F401 - BadReturnValue re-exported

log = logging.getLogger(__name__)

def builtin_plugins(off=frozenset()) -> list[str]:
    """The modules of the core's and the features' plugins (``portal/features.toml``), in the order
    they are registered, without those of the features turned off (``off``)."""
    return features.modules(off)


def register_commands(group) -> None:
    """Add the built-in plugins' commands to the ``portal`` click group (``portal_register_commands``).

    The command line is built before any app: this asks a plugin manager of the built-in plugins
    only (a county plugin's folder and the disabled plugins are the app's settings, read later)."""
    pm = create_manager()
    for module_name in builtin_plugins(features.off_before_app()):
        pm.register(importlib.import_module(module_name), name=module_name)
    pm.hook.portal_register_commands(cli=group)


class PluginError(RuntimeError):
    """A plugin failed and the deployment runs with PORTAL_STRICT_PLUGINS=1."""


#: Failures every process meets by itself at start-up: kept in memory only. Any other
#: failure (in a hook, a rules file, a snapshot) is also recorded in the database, so
#: every process's /admin/plugins and ``portal plugins`` show it.
START_UP_STAGES = ("import", "register", "check_pending", "start")


@dataclass
class PluginFailure:
    plugin: str
    where: str  # "import", "register", "check_pending", "start", "snapshot", "rules" or a hook name
    error: str
    count: int = 1
    last_at: dt.datetime | None = None  # UTC, naive (as stored); None: this process, not yet stored

    @property
    def last_at_text(self) -> str:
        return self.last_at.strftime("%Y-%m-%d %H:%M") if isinstance(self.last_at, dt.datetime) else ""


@dataclass
class PluginInfo:
    """What the administrators' plugins page and ``portal plugins`` show about one plugin."""

    name: str
    source: str  # core, bundled, folder, package
    version: str = ""
    status: str = "active"  # active, disabled, failed, not_loaded
    location: str = ""
    module: object | None = None


@dataclass
class PluginRegistry:
    pm: pluggy.PluginManager
    strict: bool
    failures: list[PluginFailure] = field(default_factory=list)
    infos: dict[str, PluginInfo] = field(default_factory=dict)
    trace: bool = False
    unsaved: list[PluginFailure] = field(default_factory=list)  # waiting for the end of a transaction

    def report(self, plugin: str, where: str, exc: BaseException) -> None:
        log.error("Plugin %s failed in %s: %s", plugin, where, exc, exc_info=exc)
        failure = PluginFailure(plugin, where, f"{type(exc).__name__}: {exc}")
        if failure not in self.failures:
            self.failures.append(failure)
        if where not in START_UP_STAGES:
            self.unsaved.append(failure)
            self.save_failures()
        if self.strict:
            raise PluginError(f"plugin {plugin!r} failed in {where}: {exc}") from exc

    def save_failures(self) -> None:
        """Record unsaved failures in the database, but never inside a transaction: one rolled
        back (a refused snapshot) would take the record with it; teardown saves the rest."""
        if not self.unsaved or database.obj is None or database.in_transaction():
            return
        pending, self.unsaved = self.unsaved, []
        try:
            for failure in pending:
                _record_failure(failure)
        except peewee.PeeweeException as exc:  # e.g. not yet migrated: this process still lists them
            log.warning("plugin failures not recorded in the database (%s)", exc)

    def all_failures(self) -> list[PluginFailure]:
        """Start-up failures of this process, and the failures every process recorded."""
        own = [f for f in self.failures if f.where in START_UP_STAGES or f in self.unsaved]
        try:
            stored = [PluginFailure(r.plugin, r.hook, r.message, r.count, r.last_at)
                      for r in PluginFailureRecord.select().order_by(PluginFailureRecord.last_at.desc())]
        except peewee.PeeweeException as exc:
            log.warning("plugin failures not read from the database (%s)", exc)
            return list(self.failures)
        return own + stored

    def clear_failures(self) -> int:
        """Forget the recorded failures (an administrator fixed the plugin); how many rows."""
        self.failures = [f for f in self.failures if f.where in START_UP_STAGES]
        self.unsaved = []
        return PluginFailureRecord.delete().execute()

    def failures_of(self, plugin: str, failures: list[PluginFailure] | None = None) -> list[PluginFailure]:
        return [f for f in (self.all_failures() if failures is None else failures) if f.plugin == plugin]

    def hooks_of(self, name: str) -> list[str]:
        module = self.pm.get_plugin(name)
        if module is None:
            return []
        return sorted(caller.name for caller in (self.pm.get_hookcallers(module) or []))

    def plugin_list(self) -> list[dict]:
        """Every plugin seen at start-up: name, version, source, hooks, status and errors."""
        rows = []
        failures = self.all_failures()
        for info in self.infos.values():
            errors = self.failures_of(info.name, failures)
            status = info.status
            if status == "active" and errors:
                status = "errors"
            rows.append({
                "name": info.name, "source": info.source, "version": info.version or "",
                "hooks": self.hooks_of(info.name), "status": status, "location": info.location,
                "errors": [f"{f.where}: {f.error}" for f in errors], "failures": errors,
            })
        return rows


def _record_failure(failure: PluginFailure) -> None:
    """Count one more failure of a plugin in a hook (one row per plugin and hook, latest message)."""
    now = utcnow()
    key = (PluginFailureRecord.plugin == failure.plugin) & (PluginFailureRecord.hook == failure.where)
    changes = {"message": failure.error, "last_at": now, "count": PluginFailureRecord.count + 1}
    if PluginFailureRecord.update(**changes).where(key).execute():
        return
    try:
        PluginFailureRecord.insert(plugin=failure.plugin, hook=failure.where, message=failure.error,
                                   first_at=now, last_at=now, count=1).execute()
    except peewee.IntegrityError:  # another process inserted it first
        PluginFailureRecord.update(**changes).where(key).execute()


class PortalPluginManager(pluggy.PluginManager):
    """Pluggy's manager, with every implementation a plugin registers made safe (see the module's doc).

    ``report(plugin name, hook name, exception)`` is told of each failure; until a registry
    sets it, failures are raised.
    """

    def __init__(self):
        super().__init__("portal")
        self.report = None

    def register(self, plugin, name: str | None = None) -> str | None:
        plugin_name = super().register(plugin, name)
        if plugin_name is not None:
            for caller in self.get_hookcallers(plugin) or []:
                for impl in caller.get_hookimpls():
                    if impl.plugin is plugin and not (impl.wrapper or impl.hookwrapper):
                        impl.function = _isolated(self, caller.name, impl.plugin_name, impl.function)
        return plugin_name

    def failed(self, plugin_name: str, hook_name: str, exc: Exception) -> None:
        if self.report is None:
            raise exc
        self.report(plugin_name, hook_name, exc)


#: The hook call under way in this context (``call_hook``): each implementation's answer and failure.
_current_call: contextvars.ContextVar[HookAnswers | None] = contextvars.ContextVar("portal_hook_call", default=None)


def _isolated(pm: PortalPluginManager, hook_name: str, plugin_name: str, function):
    """``function`` (one plugin's implementation of a hook) made to answer None instead of failing."""
    checked = hasattr(hookspecs, hook_name)  # an unknown hook is reported by check_pending

    @functools.wraps(function)
    def implementation(*args, **kwargs):
        outcome = _current_call.get()
        try:
            result = function(*args, **kwargs)
            if checked:
                check_answer(hook_name, result)
        except Exception as exc:  # noqa: BLE001 - a plugin's bug must not take the portal down
            if outcome is not None:
                outcome.failed.append(plugin_name)
            pm.failed(plugin_name, hook_name, exc)
            return None
        if outcome is not None and result is not None:
            outcome.given.append((plugin_name, result))
        return result

    return implementation


def create_manager() -> PortalPluginManager:
    pm = PortalPluginManager()
    pm.add_hookspecs(hookspecs)
    return pm


# Discovery ---------------------------------------------------------------------

def _allowed_names(app) -> set[str] | None:
    """None: load every plugin found; else the names PORTAL_LOAD_PLUGINS lists (empty: none)."""
    value = app.config.get("LOAD_PLUGINS")
    if value is None:
        return None
    if isinstance(value, (list, tuple, set)):
        return {str(v).strip() for v in value if str(v).strip()}
    return {part.strip() for part in str(value).split(",") if part.strip()}


def _blocked_names() -> set[str]:
    """Plugins an administrator disabled; read from the database at start-up. A fresh instance
    (``portal init``/``demo`` build the app before they migrate) has no table yet: none disabled."""
    try:
        with database.connection_context():
            if not PluginState.table_exists():
                return set()
            return {row.name for row in PluginState.select().where(PluginState.enabled == False)}  # noqa: E712
    except Exception as exc:  # noqa: BLE001 - an unreachable database: start with every plugin
        log.info("plugin states not read (%s); no plugin is disabled", type(exc).__name__)
        return set()


def _module_name(source: str, name: str) -> str:
    return "portal_plugin_" + source + "_" + re.sub(r"\W", "_", name)


def _import_path(source: str, name: str, path: Path):
    """Import a plugin package (a folder with __init__.py) or a .py file under a unique module name."""
    module_name = _module_name(source, name)
    if module_name in sys.modules:
        return sys.modules[module_name]
    if path.is_dir():
        spec = importlib.util.spec_from_file_location(
            module_name, path / "__init__.py", submodule_search_locations=[str(path)])
    else:
        spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


def _folder_candidates(folder: Path) -> list[tuple[str, Path]]:
    found = []
    if not folder or not Path(folder).is_dir():
        return found
    for entry in sorted(Path(folder).iterdir()):
        if entry.name.startswith(("_", ".")):
            continue
        if entry.is_dir() and (entry / "__init__.py").is_file():
            found.append((entry.name, entry))
        elif entry.is_file() and entry.suffix == ".py":
            found.append((entry.stem, entry))
    return found


def discover(app, reg: PluginRegistry) -> None:
    pm = reg.pm
    allowed = _allowed_names(app)
    blocked = _blocked_names()

    for module_name in builtin_plugins(app.config.get("FEATURES_OFF", frozenset())):
        module = importlib.import_module(module_name)
        pm.register(module, name=module_name)
        reg.infos[module_name] = PluginInfo(module_name, "core", version=_core_version(), module=module,
                                            location=module_name)

    candidates: list[tuple[str, str, object]] = []  # (source, name, path or entry point)
    candidates += [("bundled", name, path) for name, path in _folder_candidates(BUNDLED_PLUGINS_DIR)]
    if app.config.get("PLUGINS_DIR"):
        candidates += [("folder", name, path) for name, path in _folder_candidates(Path(app.config["PLUGINS_DIR"]))]
    # Installed packages load when PORTAL_LOAD_PLUGINS is unset, or when it names them; a TESTING
    # app loads them only when named, so a test never runs whatever happens to be installed.
    if (allowed is None and not app.config.get("TESTING")) or allowed:
        for ep in importlib.metadata.entry_points(group="portal"):
            candidates.append(("package", ep.name, ep))

    for source, name, target in candidates:
        if allowed is not None and name not in allowed:
            continue
        if name in reg.infos:
            reg.report(name, "import", ValueError(f"a plugin named {name!r} is already loaded; {source} copy skipped"))
            continue
        info = PluginInfo(name, source)
        reg.infos[name] = info
        if isinstance(target, Path):
            info.location = str(target)
        else:
            info.location = target.value
            info.version = target.dist.version if target.dist else ""
        if name in blocked:
            pm.set_blocked(name)  # before importing: a disabled plugin's code never runs
            info.status = "disabled"
            continue
        try:
            module = _import_path(source, name, target) if isinstance(target, Path) else target.load()
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not take the portal down
            info.status = "failed"
            reg.report(name, "import", exc)
            continue
        info.module = module
        if not info.version:
            info.version = str(getattr(module, "__version__", ""))
        try:
            pm.register(module, name=name)
        except Exception as exc:  # noqa: BLE001 - e.g. an implementation with unknown arguments
            info.status = "failed"
            reg.report(name, "register", exc)

    _check_pending(reg)


def _check_pending(reg: PluginRegistry) -> None:
    """Misspelled hooks: strict mode raises, otherwise the plugin is reported and unregistered."""
    while True:
        try:
            reg.pm.check_pending()
            return
        except pluggy.PluginValidationError as exc:
            plugin = exc.plugin
            name = reg.pm.get_name(plugin) or str(plugin)
            if name in reg.infos and reg.infos[name].source == "core":
                raise
            reg.pm.unregister(plugin)
            if name in reg.infos:
                reg.infos[name].status = "failed"
            reg.report(name, "check_pending", exc)


def _core_version() -> str:
    from portal import __version__

    return __version__


def init_app(app) -> None:
    pm = create_manager()
    registry_ = PluginRegistry(pm=pm, strict=bool(app.config.get("STRICT_PLUGINS")))
    registry_.trace = _as_bool(app.config.get("TRACE_HOOKS") or os.environ.get("PORTAL_TRACE_HOOKS"))
    pm.report = registry_.report
    app.extensions["portal_plugins"] = registry_
    if registry_.trace:
        pm.trace.root.setwriter(lambda message: log.info("hook trace: %s", message.strip()))
        pm.enable_tracing()
    discover(app, registry_)
    with app.app_context():
        for blueprints in call("portal_blueprints"):
            for bp in blueprints or []:
                app.register_blueprint(bp)
        app.jinja_env.globals["menu_items"] = menu_items
        app.jinja_env.globals["panels"] = panels
        _add_template_globals(app, registry_)
        from portal import rules

        rules.check_at_start(app)
    # Registered after the database's teardown, so it runs before the connection closes.
    app.teardown_appcontext(lambda exc: registry_.save_failures())


def _add_template_globals(app, registry_: PluginRegistry) -> None:
    """The names plugins give templates (``portal_template_globals``), in registration order: a
    name the core or an earlier plugin set is the later plugin's reported failure."""
    answers = call_with_plugins("portal_template_globals")[0]
    for plugin, names in reversed(answers):  # pluggy calls the last registered first
        for name, value in names.items():
            if name in app.jinja_env.globals:
                registry_.report(plugin, "portal_template_globals", ValueError(f"template name {name!r} is taken"))
            else:
                app.jinja_env.globals[name] = value


def _as_bool(value) -> bool:
    return str(value or "").strip().lower() in {"1", "true", "yes", "on"}


def registry() -> PluginRegistry:
    return current_app.extensions["portal_plugins"]


# Calling hooks ---------------------------------------------------------------

@dataclass
class HookAnswers:
    """One hook call: each plugin's valid answer (in pluggy's order) and the plugins that failed."""

    answers: list[tuple[str, object]] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    given: list[tuple[str, object]] = field(default_factory=list)  # as the implementations answered

    @property
    def results(self) -> list:
        return [answer for _name, answer in self.answers]

    def plugin_of(self, answer) -> str:
        """The plugin that gave an answer; "" for one a hook wrapper put in."""
        return next((name for name, given in self.given if given is answer), "")


def call_hook(hook_name: str, *, skip_plugins=frozenset(), **kwargs) -> HookAnswers:
    """Call a hook through pluggy; return the answers with the names of the plugins that gave them.

    The failures were isolated where each implementation was registered (``PortalPluginManager``):
    a plugin that raised or answered with a bad shape is in ``failed``. None answers are left out;
    a ``firstresult`` hook has at most one answer. Every argument of the hookspec must be given.
    ``skip_plugins``: names of plugins not to call (``projects_changed``: they had the batch hook).
    """
    pm = registry().pm
    caller = getattr(pm.hook, hook_name)
    if skip_plugins:  # pluggy's own subset caller keeps ordering, wrappers and tracing
        caller = pm.subset_hook_caller(hook_name, [pm.get_plugin(name) for name in skip_plugins
                                                   if pm.get_plugin(name) is not None])
    outcome = HookAnswers()
    token = _current_call.set(outcome)
    try:
        result = caller(**kwargs)
    finally:
        _current_call.reset(token)
    if caller.spec and caller.spec.opts.get("firstresult"):
        result = [] if result is None else [result]
    outcome.answers = [(outcome.plugin_of(answer), answer) for answer in result]
    return outcome


def call(hook_name: str, **kwargs) -> list:
    """Call a hook through pluggy; return the valid non-None results (a list even for ``firstresult``)."""
    return call_hook(hook_name, **kwargs).results


def call_with_plugins(hook_name: str, **kwargs) -> tuple[list[tuple[str, object]], list[str]]:
    """Like ``call``, but returns ``([(plugin name, result)], [names of plugins that failed])``."""
    outcome = call_hook(hook_name, **kwargs)
    return outcome.answers, outcome.failed


def call_first(hook_name: str, **kwargs):
    """The first non-None result of a hook, or None."""
    results = call(hook_name, **kwargs)
    return results[0] if results else None


def menu_items(user) -> list[dict]:
    items = []
    for entries in call("portal_menu_items", user=user):
        items.extend(entries)
    return sorted(items, key=lambda e: e.get("order", 100))


def failure_note(plugin_name: str) -> dict:
    """A panel that stands where a failed plugin's part of a page would be."""
    from flask_babel import gettext as _
    from markupsafe import escape

    return {
        "title": _("Part of this page is missing"),
        "html": escape(_("The plugin %(name)s failed; an administrator can see the error on the plugins page.",
                         name=plugin_name)),
        "order": 10_000, "plugin": plugin_name, "failed": True,
    }


def panels(slot: str, **context) -> list[dict]:
    """Collect the panels for a template slot; a failing plugin leaves a visible note instead.

    Used in templates as ``{% for panel in panels("project_page", project=project, user=current_user) %}``.
    """
    from markupsafe import Markup, escape

    outcome = call_hook("portal_template_panels", slot=slot, context=context)
    collected = [{"title": str(panel["title"]),
                  "html": panel["html"] if isinstance(panel["html"], Markup) else escape(panel["html"]),
                  "order": panel.get("order", 100), "plugin": name}
                 for name, answer in outcome.answers for panel in answer]
    collected += [failure_note(name) for name in outcome.failed]
    return sorted(collected, key=lambda p: p["order"])


def project_changed(project, change: str, user=None) -> None:
    """Tell every plugin that a project changed (flags, reviews … recompute their stored values)."""
    call("portal_project_changed", project=project, change=change, user=user)


#: Projects read at a time for the plugins told one project at a time (``projects_changed``).
CHANGED_CHUNK = 500


def projects_changed(project_ids, change: str, user=None) -> None:
    """Tell every plugin that many projects changed together (an import): once, through
    ``portal_projects_changed``, each plugin that implements it; every other plugin that
    listens to ``portal_project_changed`` project by project, as before."""
    ids = sorted({int(i) for i in project_ids})
    if not ids:
        return
    reg = registry()
    batched = {impl.plugin_name for impl in reg.pm.hook.portal_projects_changed.get_hookimpls()}
    call("portal_projects_changed", project_ids=ids, change=change, user=user)
    if not [impl for impl in reg.pm.hook.portal_project_changed.get_hookimpls() if impl.plugin_name not in batched]:
        return
    for start in range(0, len(ids), CHANGED_CHUNK):
        for project in Project.select().where(Project.id.in_(ids[start:start + CHANGED_CHUNK])):
            call_hook("portal_project_changed", skip_plugins=batched, project=project, change=change, user=user)
