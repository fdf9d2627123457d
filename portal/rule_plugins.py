"""Stored answers follow the rule plugins across restarts.

The portal stores what some hooks answer (a project's flag, its review recommendation) so that
lists filter and figures count in SQL. Choosing another system on /admin/plugins recomputes them
at once (``portal_rules_changed``); enabling, disabling, installing, removing or upgrading a plugin
takes effect at the next start, so the start compares the plugins that answer those hooks (names
and versions) with the last start's and, when they differ, recomputes once through the same hook.

Called by ``portal serve`` before its workers start and by ``portal db upgrade``. Several processes
or machines starting together recompute once: the stored fingerprint is swapped with a
compare-and-set, and only the process whose swap took does the work.
"""
from __future__ import annotations

import peewee

from portal import plugins, rules
from portal.db import database, vacuum_after_rewrite
from portal.figures import tally
from portal.models import Setting

#: The hooks whose answers the portal stores.
STORED_ANSWER_HOOKS = ("portal_project_flags", "portal_project_review")
SETTING_KEY = "plugins.rule_fingerprint"


def fingerprint() -> str:
    """``name==version`` of every loaded plugin that answers a stored-answer hook, sorted."""
    registry = plugins.registry()
    names = {impl.plugin_name for hook in STORED_ANSWER_HOOKS
             for impl in getattr(registry.pm.hook, hook).get_hookimpls()}
    return ";".join(sorted(f"{name}=={registry.infos[name].version if name in registry.infos else ''}"
                           for name in names))


def _claim(current: str) -> bool:
    """Store ``current`` unless it is stored already; True for the one process whose write took."""
    stored = Setting.get_value(SETTING_KEY)
    if stored == current:
        return False
    if stored is None:
        try:
            with database.atomic():
                Setting.insert(key=SETTING_KEY, value=current).execute()
        except peewee.IntegrityError:  # another process stored it first
            return False
        return True
    return Setting.update(value=current).where(Setting.key == SETTING_KEY, Setting.value == stored).execute() == 1


def recompute_if_changed(echo=lambda line: None) -> bool:
    """Recompute the stored answers when the rule plugins changed since the last start (in an app
    context). Returns whether it recomputed. The swap and the recomputation are one transaction, so
    a start that dies half-way leaves the old fingerprint and the next start tries again."""
    current = fingerprint()
    with database.atomic():
        if not _claim(current):
            return False
        echo(f"the rule plugins changed ({current or 'none'}): recomputing stored flags and recommendations")
        plugins.call("portal_rules_changed", system_code=rules.configured_code(), user=None)
    tally.compact()  # the tally holds a row for each flag changed: folded, the old rows dead
    # The answers of many projects may have been rewritten, and the tally's rows folded: each dead
    # row is read until a vacuum (autovacuum may be off, or come late).
    vacuum_after_rewrite("project", "project_tally")
    return True
