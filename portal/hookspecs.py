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
    "args": dict (optional), "group": str (optional)}``; return only entries this user may
    open. ``group`` names the menu section the entry belongs to: ``overview``, ``projects``,
    ``scheduling``, ``problems``, ``assessment`` or ``admin`` (others go under "More").
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
    period's year: a dict, from ``[YEAR.assessment]`` of the active rules file
    over the defaults), ``annual_targets``, and ``system`` / ``system_code``
    (the active industry system: a county plugin answers only for its own).
    Returns: ``{"score": Decimal | float, "breakdown": [{"label": str,
    "points": Decimal | float, "detail": str}], "vetoes": [str]}`` or None to
    leave the unit to the next plugin (the core's default assessment runs last).
    A unit with a veto ranks below every unit without one.
    """


# ----------------------------------------------------------------- flags ----

@hookspec
def portal_project_flags(project, context) -> list[dict] | None:
    """Warnings on a project that lags (red and yellow flags, 红黄旗).

    Called when a project's records change and when a week is frozen, never on
    a page view: the portal stores the combined answer in ``Project.flag`` and
    ``Project.flag_reasons`` (and in the week's ``FlagSnapshot``), so lists
    filter by flag and dashboards count flags in SQL.

    Parameters: ``project`` – the ``portal.models.Project``; ``context`` – a
    ``portal.scheduling.flags.FlagContext`` with ``today`` and ``now`` (the
    moment judged, in the deployment time zone: the end of the week for a
    snapshot), ``week`` (its ISO week, "2026-W47"), ``settings`` (thresholds:
    ``overdue_red_days``, ``clue_followup_days``, ``yellow_weeks_to_red``,
    ``deadline_weekday``, ``deadline_time``), and accessors that answer from
    the database (and from a cache during a snapshot): ``milestones(project)``,
    ``last_report_on(project)``, ``has_report(project, week)``,
    ``report_deadline(week)``, ``previous_flags(project, n)``,
    ``stage_reached(project, stage)``. A plugin may query its own tables by
    ``project.id`` (e.g. overdue problems or commitments).
    Returns: a list of ``{"level": "yellow" | "red", "reason": str}`` (the
    reason translated, in words), an empty list or None for no warning. Every
    plugin's answers are combined: red beats yellow beats green, and all
    reasons are kept. The default rules (``portal.scheduling.default_flags``)
    run last; a county changes their thresholds in its rules file or disables
    that plugin and ships its own.
    """


@hookspec(firstresult=True)
def portal_unit_week_flags(week: str, units, context) -> list[dict] | None:
    """The weekly red and yellow flags awarded to units (red: advanced most; yellow: lagged).

    Parameters: ``week`` – the ISO week, "2026-W47"; ``units`` – a list of
    ``portal.models.Unit`` responsible for active projects; ``context`` – a
    ``portal.scheduling.flags.FlagContext`` for the end of that week, whose
    ``unit_week_figures(week)`` gives ``{unit_id: {"projects": n,
    "reported": n, "on_time": n, "advances": n}}`` from SQL.
    Returns: a list of ``{"unit_id": int, "flag": "red" | "yellow",
    "reason": str}`` (units without a flag are left out), or None to leave the
    decision to the next plugin. ``firstresult``: the first answer wins; the
    default rule runs last, so a county plugin replaces it.
    """


# ----------------------------------------- industry systems and review ----
# (plugin platform: industry systems, project review, extra fields, exports)

@hookspec
def portal_industry_systems(context) -> list[dict] | None:
    """The industry systems (产业体系) this plugin provides, e.g. a county's "6+3".

    Parameters: ``context`` – a ``portal.context.RuleContext`` (``today``,
    ``settings``, ``year``; see docs/plugins.md).
    Returns: a list of systems, or None. A system is a dict::

        {"code": "six_plus_three", "name_zh": "…", "name_en": "…",
         "scope": "county" | "city",
         "rules_file": Path (optional: industries, layouts and review
                        parameters are then read from this TOML file, one
                        section per year, see portal/rules.py),
         "review_keys": {"key": "number", …} (optional: required numbers
                        in the file's [YEAR.review] section),
         "industries": [{"code", "name_zh", "name_en",
                         "kind": "leading" | "characteristic",
                         "links": [{"code", "name_zh", "name_en",
                                    "position": "up" | "mid" | "down"}]}],
         "layouts": [{"place": unit name, "industries": [code, …]}]}

    Codes are stable: keep them when a new year's section or another plugin
    arrives, so projects keep their industry. Every implementation runs; the
    deployment's settings (PORTAL_RULES or the administrator's choice) pick
    the active system by ``code``.
    """


@hookspec
def portal_project_review(project, context) -> dict | None:
    """Review a project (项目评审/准入) under the active rules.

    Parameters: ``project`` – the ``portal.models.Project``; ``context`` – a
    ``portal.context.RuleContext`` with ``today``, ``settings``, ``year``,
    ``system`` (the active system's dict), ``rules`` (its rules for the year:
    the parsed TOML section) and accessors such as ``county_of(unit)``.
    Answer only when ``context.system_code`` is your system; return None otherwise.
    Returns: ``{"scores": [{"label": str, "value": str, "benchmark": str,
    "points": number, "max_points": number}], "total": number | None,
    "recommendation": "suits" | "discuss" | "unsuitable",
    "vetoes": [str], "notes": [str]}``. Every implementation runs; the page
    shows each answer and the stored recommendation is the most cautious one.
    """


@hookspec
def portal_extra_fields() -> list[dict] | None:
    """Extra project fields a plugin declares; stored in ``Project.extra`` (JSON).

    Returns: a list of ``{"code": str, "label": str, "type": "text" | "int" |
    "decimal" | "bool" | "date" | "choice", "choices": [(value, label)]
    (for "choice"), "required": bool, "help": str, "list": bool}``, or None. The
    fields appear in the project form, on the project page and in exports
    (``portal.extra_fields``); with ``"list": True`` also as a column of the lists.
    """


@hookspec
def portal_export_columns() -> list[dict] | None:
    """Extra columns for the project exports (Excel/CSV).

    Returns: a list of ``{"code": str, "label": str, "value": callable}``
    where ``value(project)`` returns a str, number, date or None.
    """
