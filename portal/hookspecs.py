"""Every hook a plugin can implement, documented like an API.

Plugins import the marker with ``from portal import hookimpl`` and implement
any of these functions by name. Hooks are called with keyword arguments; an
implementation may accept only the arguments it needs. Unless a hook says
``firstresult``, every implementation runs and the portal receives a list of
their results (last registered first). Return None when a question is not
your plugin's own. The portal isolates failures: an implementation that
raises is logged, reported to administrators and skipped.

Reference with examples: docs/plugins.md (a test keeps the two in step).
"""
from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("portal")


# ---------------------------------------------------------------- pages ----

@hookspec
def portal_blueprints() -> list[Any]:
    """Flask blueprints to register, e.g. ``[bp]``.

    Returns: a list of ``flask.Blueprint`` (or None). The core's own pages come
    through this hook too. Called once at start-up.
    """


@hookspec
def portal_menu_items(user) -> list[dict]:
    """Entries for the main navigation, for the logged-in ``user``.

    Parameters: ``user`` – the current user (a ``portal.models.User``).
    Returns: a list of dicts ``{"endpoint": str, "label": str, "order": int,
    "args": dict (optional)}``; return only entries this user may open.
    """


# ------------------------------------------------------------- demo data ----

@hookspec
def portal_demo_data(context) -> None:
    """Add this feature's or county's records to the demo city (``portal demo``).

    Parameters: ``context`` – a ``portal.demo.DemoContext`` with the demo's
    units, users, a seeded ``random.Random`` and ``today``. Must be idempotent:
    running ``portal demo`` twice must not duplicate records.
    Returns: nothing.
    """


# ------------------------------------------------------- template panels ----

@hookspec
def portal_template_panels(slot: str, context: dict) -> list[dict] | None:
    """Panels a plugin adds to a page at a named slot.

    Parameters: ``slot`` – where the page asks, e.g. ``"project_page"``,
    ``"project_sidebar"``, ``"dashboard"``, ``"scheduling"``; ``context`` – a dict
    with what the page shows (for project slots: ``project`` and ``user``).
    Returns: a list of ``{"title": str, "html": markupsafe.Markup | str,
    "order": int}``, or None when the slot is not yours. Plain ``str`` html is
    escaped; return ``Markup`` (e.g. from ``render_template``) for markup.
    A panel whose plugin fails is replaced by a visible note.
    """


# -------------------------------------------------------------- records ----

@hookspec
def portal_project_changed(project, change: str, user) -> None:
    """Told after a project was created or changed, inside the same transaction.

    Parameters: ``project`` – the saved ``portal.models.Project``; ``change`` –
    ``"create"``, ``"edit"``, ``"stage"``, ``"verify"``, ``"archive"``,
    ``"restore"``, ``"capital"``, or a feature's own word (``"progress"``,
    ``"problem"`` …); ``user`` – who made the change (None for the system).
    Use it to recompute stored values such as flags or review results.
    Returns: nothing.
    """


# ------------------------------------------------------------ assessment ----

@hookspec(firstresult=True)
def portal_assess_unit(unit, figures, targets, period, context) -> dict | None:
    """Score one unit for one period (考核排名); the first non-None answer wins.

    Parameters: ``unit`` – the assessed ``portal.models.Unit``; ``figures`` – a
    dict ``{figure code: Decimal}`` of the unit's figures for the period (codes in
    ``portal.ranking.targets.TARGET_FIGURES``: ``signed_count``,
    ``signed_investment``, ``projects_1bn``, ``three500_count``,
    ``foreign_count``, ``foreign_capital``, ``capital_in_place``,
    ``implementation_rate``, ``start_rate``, ``capital_availability_rate``;
    amounts in 万元, foreign capital in 万美元, rates in percent or None);
    ``targets`` – a dict ``{figure code: Decimal}`` of the unit's targets for
    this period (annual targets of cumulative figures pro-rated to the period's
    share of the year, rates as entered; a figure without a target is absent);
    ``period`` – the ``portal.periods.Period``; ``context`` – a
    ``portal.ranking.assessment.AssessmentContext`` with ``today``, ``year``,
    ``settings`` (the app config), ``rules`` (the assessment rules for the
    period's year: a dict) and ``annual_targets``.
    Returns: ``{"score": Decimal | float, "breakdown": [{"label": str,
    "points": Decimal | float, "detail": str}], "vetoes": [str]}`` or None to
    leave the unit to the next plugin (the core's default assessment runs last).
    A unit with a veto ranks below every unit without one.
    """
