"""Every hook a plugin can implement, documented like an API.

Plugins import the marker with ``from portal import hookimpl`` and implement
any of these functions by name. Hooks are called with keyword arguments; an
implementation may accept only the arguments it needs. Unless a hook says
``firstresult``, every implementation runs and the portal receives a list of
their results (last registered first). Return None when a question is not
your plugin's own. The portal isolates failures: an implementation that
raises is logged, reported to administrators and skipped.

Every hook's return annotation is the shape of a valid answer, stated with the
types below (TypedDicts, Literals for enums, ``Annotated`` rules such as a finite
number or a non-empty reason). ``portal.plugin_answers`` checks each answer
against it; an answer of another shape is that plugin's error, like an exception.

Reference with examples: docs/plugins.md (a test keeps the two in step).
"""
from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, NotRequired, TypedDict, Union

import peewee
import pluggy
from flask import Blueprint
from flask_babel.speaklater import LazyString
from markupsafe import Markup

from portal import flag_reasons
from portal.notifications.kinds import Kind

hookspec = pluggy.HookspecMarker("portal")


# ------------------------------------------------- shapes of the answers ----

class Rule:
    """A condition an answer's value must meet beyond its type (used in ``Annotated``)."""

    def __init__(self, test: Callable[[Any], bool], message: str):
        self.test, self.message = test, message

    def __repr__(self) -> str:
        return f"Rule({self.message!r})"


#: No figure the portal handles comes near this; larger "numbers" are garbage (and overflow Decimal quantizing).
NUMBER_LIMIT = 10 ** 15


def _finite(value) -> bool:
    if isinstance(value, bool):
        return False
    finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
    return finite and abs(value) < NUMBER_LIMIT


#: Words a user reads: a str or a lazy translation, never Markup (it would not be escaped).
Text = Annotated[Union[str, LazyString], Rule(lambda v: not isinstance(v, Markup), "must be text, not Markup")]
#: A reason or label that must say something.
#: A lazy translation is taken as written (it cannot be read outside a request, e.g. in the CLI).
NonEmptyText = Annotated[Text, Rule(lambda v: isinstance(v, LazyString) or bool(v.strip()), "must not be empty")]
#: A finite number of sensible size (not NaN, not infinite, not a bool).
Number = Annotated[Union[int, float, Decimal], Rule(_finite, "must be a finite number (below 10^15)")]
#: A whole number (not a bool).
Integer = Annotated[int, Rule(lambda v: not isinstance(v, bool), "must be a whole number")]


#: A query selecting project ids (``Project.select(Project.id).where(...)`` or any select of one id column).
ProjectIds = peewee.SelectBase


#: The kinds of extra project field (``portal.extra_fields``) and of review recommendation.
FieldType = Literal["text", "int", "decimal", "bool", "date", "choice"]
Recommendation = Literal["suits", "discuss", "unsuitable"]


class MenuItem(TypedDict):
    endpoint: str
    label: NonEmptyText
    order: NotRequired[Integer]
    args: NotRequired[dict[str, Any]]
    group: NotRequired[str]
    # A feature's own menu section, declared on its entries (``portal.menu``).
    group_label: NotRequired[NonEmptyText]
    group_order: NotRequired[Integer]
    group_first_for: NotRequired[dict[str, Integer]]


class Panel(TypedDict):
    title: Text
    html: Union[Markup, Text]  # plain text is escaped; Markup is trusted as the plugin's HTML
    order: NotRequired[Integer]


class AssessmentItem(TypedDict):
    label: NonEmptyText
    points: Number
    detail: NotRequired[Text]


class Assessment(TypedDict):
    score: Number
    breakdown: NotRequired[list[AssessmentItem]]
    vetoes: NotRequired[list[NonEmptyText]]


#: A value in a reason's params: a name (str, shown as typed), a number or a date (formatted for the locale).
ReasonParam = Union[str, Annotated[Union[int, float], Rule(_finite, "must be a finite number (below 10^15)")], dt.date]


def _reason_shows(reason: dict) -> bool:
    """A coded reason can be shown: its code is the core's or it brings its message, whose
    placeholders its params fill (checked in the answer's language)."""
    message = reason.get("message")
    if message is None:
        return reason["code"] in flag_reasons.codes()
    params = reason.get("params") or {}
    try:
        if params:  # without params the message is shown as written
            str(message) % {name: "" for name in params}
    except (KeyError, ValueError, TypeError):
        return False
    return bool(str(message).strip())


class ReasonCode(TypedDict):
    code: Annotated[str, Rule(lambda v: 0 < len(v) <= 60, "must be a code of 1 to 60 characters")]
    params: NotRequired[dict[str, ReasonParam]]
    message: NotRequired[Text]  # English, with %(name)s placeholders; translate it with _l


#: Why a flag was given: words (shown as they are), or a code with params shown in the reader's language.
Reason = Union[NonEmptyText, Annotated[ReasonCode, Rule(
    _reason_shows,
    "must be a core reason code or bring a non-empty message whose %(name)s placeholders its params fill")]]


class ProjectFlag(TypedDict):
    level: Literal["yellow", "red"]
    reason: Reason


class UnitFlag(TypedDict):
    unit_id: Integer
    flag: Literal["red", "yellow"]
    reason: Reason


class ChainLink(TypedDict):
    code: str
    name_zh: NotRequired[str]
    name_en: NotRequired[str]
    position: NotRequired[Literal["up", "mid", "down"]]


class Industry(TypedDict):
    code: str
    name_zh: NotRequired[str]
    name_en: NotRequired[str]
    kind: NotRequired[Literal["leading", "characteristic"]]
    links: NotRequired[list[ChainLink]]


class Layout(TypedDict):
    place: str
    industries: list[str]


class IndustrySystem(TypedDict):
    code: str
    name_zh: NotRequired[str]
    name_en: NotRequired[str]
    scope: NotRequired[Literal["county", "city"]]
    rules_file: NotRequired[Union[Path, str]]
    review_keys: NotRequired[dict[str, str]]
    industries: NotRequired[list[Industry]]
    layouts: NotRequired[list[Layout]]


class ReviewScore(TypedDict):
    label: NonEmptyText
    code: NotRequired[str]
    value: NotRequired[Union[Text, Number]]
    benchmark: NotRequired[Union[Text, Number]]
    points: NotRequired[Number]
    max_points: NotRequired[Number]


class ReviewAnswer(TypedDict):
    recommendation: Recommendation
    scores: NotRequired[list[ReviewScore]]
    total: NotRequired[Union[Number, None]]
    vetoes: NotRequired[list[NonEmptyText]]
    notes: NotRequired[list[Text]]


class ExtraField(TypedDict):
    code: str
    label: NonEmptyText
    type: FieldType
    choices: NotRequired[list[tuple[Any, Text]]]
    required: NotRequired[bool]
    help: NotRequired[Text]
    list: NotRequired[bool]


class ExportColumn(TypedDict):
    code: str
    label: NonEmptyText
    value: Callable[..., Any]


#: The lists of codes a county may supply: the project's investment method (招商方式) and source
#: channel, a problem's category.
ChoiceListName = Literal["investment_method", "source_channel", "problem_category"]
#: A code stored in a project's or problem's column (at most 20 characters, the shortest column).
ChoiceCode = Annotated[str, Rule(lambda v: re.fullmatch(r"[a-z0-9_.-]{1,20}", v) is not None,
                                 "must be a code of 1 to 20 characters (a-z 0-9 _ . -)")]


class Choice(TypedDict):
    code: ChoiceCode
    label: NonEmptyText


class ChoiceList(TypedDict):
    list: ChoiceListName
    choices: Annotated[list[Choice], Rule(bool, "must offer at least one choice")]


#: A share of a project's credit in whole percent.
Percent = Annotated[int, Rule(lambda v: not isinstance(v, bool) and 0 <= v <= 100, "must be a whole percent, 0 to 100")]


class CreditRule(TypedDict):
    team: NotRequired[Percent]
    unit: NotRequired[Percent]


class TeamQuotaFlag(TypedDict):
    team_id: Integer
    level: Literal["yellow", "red"]
    reason: Reason


class ReportSheet(TypedDict):
    title: NonEmptyText
    rows: list[list[Any]]


#: A name templates use: a Python identifier.
TemplateName = Annotated[str, Rule(lambda v: v.isidentifier(), "must be a Python identifier")]


class FlagReasonCode(TypedDict):
    code: Annotated[str, Rule(lambda v: 0 < len(v) <= 60, "must be a code of 1 to 60 characters")]
    message: NonEmptyText
    formatters: NotRequired[dict[str, Callable[..., Any]]]


class HistoryLabels(TypedDict):
    actions: NotRequired[dict[str, NonEmptyText]]
    entities: NotRequired[dict[str, NonEmptyText]]
    fields: NotRequired[dict[str, NonEmptyText]]
    values: NotRequired[dict[str, Union[dict[str, NonEmptyText], Callable[..., Any]]]]


#: A county figure's key: lower-case, 2 to 40 characters, not starting with "_" (the core's
#: hidden parts) and not one of the core's figures (checked when the catalogue is built).
FigureKey = Annotated[str, Rule(lambda v: re.fullmatch(r"[a-z][a-z0-9_]{1,39}", v) is not None,
                                "must be a key of 2 to 40 characters (a-z 0-9 _), starting with a letter")]


class CountyFigure(TypedDict):
    key: FigureKey
    label: NonEmptyText
    counts_by: Literal["clues", "signed", "started", "completed", "production"]
    where: Callable[[], Any]
    sum: NotRequired[Literal["total_investment", "contracted_amount", "foreign_capital"]]


# ---------------------------------------------------------------- pages ----

@hookspec
def portal_blueprints() -> list[Blueprint] | None:
    """Flask blueprints to register, e.g. ``[bp]``.

    Returns: a list of ``flask.Blueprint`` (or None). The core's own pages come
    through this hook too. Called once at start-up.
    """


@hookspec
def portal_menu_items(user) -> list[MenuItem] | None:
    """Entries for the main navigation, for the logged-in ``user``.

    Parameters: ``user`` – the current user (a ``portal.models.User``).
    Returns: a list of dicts ``{"endpoint": str, "label": str, "order": int,
    "args": dict (optional), "group": str (optional)}``; return only entries this user may
    open. ``group`` names the menu section the entry belongs to: the core's ``overview``,
    ``projects``, ``more`` or ``admin``, or a feature's own, declared on its entries with
    ``group_label`` (str), ``group_order`` (int) and ``group_first_for`` ({role: place among
    the sections that role sees first}); an undeclared group goes under "More".
    """


# --------------------------------------------------------- command line ----

@hookspec
def portal_register_commands(cli) -> None:
    """Add commands to the ``portal`` command line (as Datasette's ``register_commands``).

    Parameters: ``cli`` – the ``portal`` click group: ``cli.add_command(my_command)`` or
    ``@cli.command()``. Called once when the command line is built, before any app exists,
    for the portal's own features (the plugin modules the app registers first); a command
    opens the app itself (``with portal.cli.AppContext(): …``).
    Returns: nothing.
    """


@hookspec
def portal_database_upgraded(echo) -> None:
    """Told after ``portal db upgrade`` (and ``init``, ``demo``) brought the schema up to date,
    in an app context: bring a feature's stored data up to the new schema (the scheduling
    feature stores the shown figures of weeks frozen before they were kept). Must be safe
    to run again and from several processes at once.
    Parameters: ``echo`` – a function printing one line of what was done (silent in ``demo``).
    Returns: nothing.
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
def portal_template_panels(slot: str, context: dict) -> list[Panel] | None:
    """Panels a plugin adds to a page at a named slot.

    Parameters: ``slot`` – where the page asks: ``"project_page"`` (context
    ``project``, ``user``), ``"dashboard"`` (``period``, ``scope``, ``user``) or
    ``"scheduling_meeting"`` (``week``, ``user``); ``context`` – a dict with what
    the page shows. Returns: a list of ``{"title": str, "html": markupsafe.Markup
    | str, "order": int}``, or None when the slot is not yours. Plain ``str`` html
    is escaped; wrap markup in ``Markup`` (``render_template`` returns a ``str``).
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


@hookspec
def portal_rules_changed(system_code: str, user) -> None:
    """Told after an administrator chose another industry system (``/admin/plugins``), inside
    the same transaction, and at a start after the plugins that answer ``portal_project_flags``
    or ``portal_project_review`` changed (one enabled, disabled, installed, removed or upgraded:
    ``portal.rule_plugins``).

    Parameters: ``system_code`` – the active system's code now (``"core"`` for the core
    industry list; None at a start without a chosen system); ``user`` – the administrator (None
    at a start). Recompute what the rules decide and the
    portal stores (the review stores recommendations, the flag rules store flags), so a
    county's rules apply at once and not at the next change or snapshot.
    Returns: nothing.
    """


@hookspec
def portal_project_read_grants(user) -> list[ProjectIds] | None:
    """Projects ``user`` may read besides those of their units (and those their team sourced).

    Parameters: ``user`` – a logged-in user who does not see everything (a department,
    unit staff). Returns: a list of queries selecting project ids (``Project.select(Project.id)
    .where(...)``), or None. The problems feature lets a department read the projects where it
    holds a problem or a commitment. Asked by every project list and page
    (``portal.permissions.visible_projects``, ``can_read_project``): answer with a query, never
    a Python list of ids, and cheaply. The core reads the ids each time it asks and writes up to
    ``GRANTED_IDS_WRITTEN_OUT`` of them into the list's SQL (found by the primary key). Each
    query is read on its own: one that raises, that the database refuses or that selects anything
    but project ids is the plugin's reported failure and grants nothing; other queries still grant.
    """


@hookspec
def portal_projects_changed(project_ids: list, change: str, user) -> None:
    """Told once after many projects were created or changed together (an import and its
    undo), inside the same transaction, after their counted dates were refreshed.

    Parameters: ``project_ids`` – the ids of the changed projects (a list of ints, possibly
    thousands: read them in chunks); ``change`` – as for ``portal_project_changed``
    (``"import"`` …); ``user`` – who made the change.
    A plugin that implements this hook is not told about each of these projects through
    ``portal_project_changed``: it recomputes its stored values for the whole set here (in a
    few queries per chunk rather than a few per project). A plugin that implements only
    ``portal_project_changed`` is still told about every project, one call each.
    Returns: nothing.
    """


# ------------------------------------------------------------ assessment ----

@hookspec(firstresult=True)
def portal_assess_unit(unit, figures, targets, period, context) -> Assessment | None:
    """Score one unit for one period (考核排名); the first non-None answer wins.

    Parameters: ``unit`` – the assessed ``portal.models.Unit``; ``figures`` – a
    dict ``{figure code: Decimal}`` of the unit's figures for the period (codes in
    ``portal.ranking.targets.TARGET_FIGURES``: ``signed_count``,
    ``signed_investment``, ``projects_1bn``, ``three500_count``,
    ``foreign_count``, ``foreign_capital``, ``capital_in_place``,
    ``implementation_rate``, ``start_rate``, ``capital_availability_rate``, then the keys of
    the county's own figures, ``portal_figures``; amounts in 万元, foreign capital in 万美元,
    rates in percent or None);
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
def portal_project_flags(project, context) -> list[ProjectFlag] | None:
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
    ``last_report_on(project)``, ``last_follow_up_on(project)`` (a progress entry or
    a logged contact), ``has_report(project, week)``,
    ``report_deadline(week)``, ``previous_flags(project, n)``,
    ``stage_reached(project, stage)``. A plugin may query its own tables by
    ``project.id`` (e.g. overdue problems or commitments).
    Returns: a list of ``{"level": "yellow" | "red", "reason": Reason}``, an
    empty list or None for no warning. The reason is required (a flag without
    one is a bad answer) and is either words (a str, stored and shown as
    written) or ``{"code": str, "params": {name: str | number | date},
    "message": _l("English template with %(name)s placeholders")}``: stored
    as the code, params and English template, and shown in each reader's
    language (``portal.flag_reasons``; names as typed, numbers and dates
    formatted for the locale). ``message`` may be left out for a core code
    (``portal.flag_reasons.codes()``). While a plugin fails, the
    stored flag stays and no week is frozen (docs/plugins.md). Every
    plugin's answers are combined: red beats yellow beats green, and all
    reasons are kept. The default rules (``portal.scheduling.default_flags``)
    run last; a county changes their thresholds in its rules file or disables
    that plugin and ships its own.
    """


@hookspec(firstresult=True)
def portal_unit_week_flags(week: str, units, context) -> list[UnitFlag] | None:
    """The weekly red and yellow flags awarded to units (red: advanced most; yellow: lagged).

    Parameters: ``week`` – the ISO week, "2026-W47"; ``units`` – a list of
    ``portal.models.Unit`` responsible for active projects; ``context`` – a
    ``portal.scheduling.flags.FlagContext`` for the end of that week, whose
    ``unit_week_figures(week)`` gives ``{unit_id: {"projects": n,
    "reported": n, "on_time": n, "advances": n}}`` from SQL.
    Returns: a list of ``{"unit_id": int, "flag": "red" | "yellow",
    "reason": Reason}`` (reason required, words or a code with params as for
    ``portal_project_flags``; units without a flag are left out), or None to leave the
    decision to the next plugin. ``firstresult``: the first answer wins; the
    default rule runs last, so a county plugin replaces it.
    """


# ----------------------------------------- industry systems and review ----
# (plugin platform: industry systems, project review, extra fields, exports)

@hookspec
def portal_industry_systems(context) -> list[IndustrySystem] | None:
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
def portal_project_review(project, context) -> ReviewAnswer | None:
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
    shows each answer and the stored recommendation is the most cautious one
    (kept unchanged while a review plugin fails).
    """


@hookspec
def portal_extra_fields() -> list[ExtraField] | None:
    """Extra project fields a plugin declares; stored in ``Project.extra`` (JSON).

    Returns: a list of ``{"code": str, "label": str, "type": "text" | "int" |
    "decimal" | "bool" | "date" | "choice", "choices": [(value, label)]
    (for "choice"), "required": bool, "help": str, "list": bool}``, or None. The
    fields appear in the project form, on the project page and in exports
    (``portal.extra_fields``); with ``"list": True`` also as a column of the lists.
    """


@hookspec
def portal_export_columns() -> list[ExportColumn] | None:
    """Extra columns for the lists' Excel exports.

    Returns: a list of ``{"code": str, "label": str, "value": callable}``
    where ``value(project)`` returns a str, number, date or None. ``project`` holds every
    column of the project (while such a column is declared, the export reads whole rows).
    A ``value`` that raises is reported on the plugins page once per export and its
    cells read "(plugin failed)"; the rest of the export is unchanged.
    """


@hookspec
def portal_choice_lists() -> list[ChoiceList] | None:
    """Lists of choices a county supplies in place of the core's fixed ones.

    Returns: a list of ``{"list": "investment_method" | "source_channel" |
    "problem_category", "choices": [{"code": str, "label": str}]}``, or None. For
    each list the first plugin that gives it (in pluggy's order: the core's own
    lists come last) decides the choices the forms offer; stored codes missing from
    it still read with the label any plugin gives them (``portal.choice_lists``).
    """


@hookspec
def portal_province_report(report: dict, context: dict) -> list[ReportSheet] | None:
    """Sheets laid out as the province's own template, added to the province report's workbook.

    Parameters: ``report`` – the report in its fixed, versioned layout (``portal.api.province``:
    ``{"layout", "version", "period", "scope", "figures": [...], "projects": {...}}``, as
    ``/api/province-report`` answers it); ``context`` – ``{"period": Period, "scope": Scope}``.
    Returns: a list of ``{"title": str, "rows": [[cell, …], …]}`` (cells: text, numbers, dates
    or None), or None. The JSON report itself never changes shape: a county adapts it here.
    """


# --------------------------------------------------------- notifications ----

@hookspec
def portal_notification_kinds() -> list[Kind] | None:
    """The kinds of notification a feature sends (``portal.notifications.kinds.Kind``).

    Returns: a list of ``Kind(code, label, text, roles=..., default=..., daily=...,
    readable=..., order=..., labels=...)``, or None: a code of 1-20 characters stored with
    each notification, the label users choose it by on their preferences page, the text (an
    ``_l`` template with ``%(name)s`` placeholders filled from the notification's args), the
    roles it may reach (None: all), for a scheduled kind ``daily(today)`` returning the day's
    ``Due`` items (``portal notify`` and the once-a-day run send each once). Read once per
    application (``kinds.registry()``); a code a plugin registered earlier gave (the portal's
    own come first) is reported as this plugin's failure. A feature turned off sends none of its kinds.
    """


@hookspec
def portal_deliver_notification(user, notification: dict) -> None:
    """Deliver a notification elsewhere besides the portal (e-mail, an enterprise messenger …).

    Called once per recipient after the notification was written in the portal, for every
    kind (``portal.notifications.kinds``) the user did not turn off on their preferences page.
    Parameters: ``user`` – the recipient (a ``portal.models.User``: ``username``,
    ``display_name``, ``locale``); ``notification`` – ``{"kind": str, "text": str (in the
    recipient's language), "link": str (a path such as ``/projects/12``: prefix your
    deployment's address), "args": dict}``. Runs inside the sender's transaction: send
    quickly or queue. A failure is reported to administrators (``/admin/plugins``) and the
    notification stays in the portal; it is not retried.
    Returns: nothing.
    """


# ---------------------------------------------------------------- sourcing ----

@hookspec(firstresult=True)
def portal_credit_rule(context) -> CreditRule | None:
    """The county's default credit shares (成果认定): the share in whole percent of a project
    that its referring stationed team (``team``) or referring other unit (``unit``) takes by
    default; the host unit (the responsible unit) takes the rest.

    Parameters: ``context`` – a ``portal.context.RuleContext`` (``today``, ``settings``,
    ``rules`` of the active system). Returns: ``{"team": 0-100, "unit": 0-100}`` (either may be
    left out: 0), or None to leave it to the next plugin. ``firstresult``: the first answer
    wins. Without an answer every project's credit goes to its host and a referrer counts a
    referral only. The shares apply in SQL to every project whose shares the bureau did not set
    on its credit page (``portal.credit``); a chamber of commerce or an investor, not being a
    unit, never takes a share.
    """


@hookspec
def portal_template_globals() -> dict[TemplateName, Any] | None:
    """Names a plugin's templates use: label tables, small functions (``investor_url(id)``).

    Returns: ``{name: value}``, or None. Added to the templates' globals once, when the
    application starts, after the core's: a name already set (by the core or a plugin
    registered earlier) is reported as this plugin's failure and left as it was. A function is
    called when a template uses it (a request's user and language are there). A feature turned
    off adds none of its names, so a template of the core tests a feature's name with
    ``{% if merge_url is defined %}``.
    """


@hookspec
def portal_flag_reason_codes() -> list[FlagReasonCode] | None:
    """Flag reason codes a feature's flag rules give (``portal.flag_reasons.reason(code, **params)``).

    Returns: a list of ``{"code": str, "message": lazy template with %(name)s placeholders,
    "formatters": {param: function stored code -> words}}``, or None. A reason is stored as its
    code and params and shown in the reader's language with the message; a formatter turns a
    param stored as a code (a problem's category) into its label. Gathered once per application
    (``portal.flag_reasons.codes()``): the core's codes first, then each plugin's in the order
    they were registered; a code already known is kept. A stored reason whose code nobody
    knows any more (a feature turned off) shows its code.
    """


@hookspec
def portal_history_labels() -> HistoryLabels | None:
    """What the project history and the audit log call a feature's records.

    Returns: ``{"actions": {code: label}, "entities": {code: label}, "fields": {name: label},
    "values": {field: {code: label} or a function code -> label}}`` (each optional), or None:
    the audit actions a feature records (``portal.audit.record``'s ``action``), the kinds of
    record (``entity``), the names of the fields its entries store and the labels of the codes
    stored in a field. Gathered once per application (``portal.labels.history_labels()``): the
    core's labels first, then each plugin's in the order they were registered; a label already
    given is kept. A code without a label shows as stored.
    """


@hookspec
def portal_figures() -> list[CountyFigure] | None:
    """Figures of a county's own, counted like the core's: on the dashboard, for the ranking's
    assessment and with the list of projects behind each number.

    Returns: a list of ``{"key": str, "label": str, "counts_by": "clues" | "signed" |
    "started" | "completed" | "production", "where": callable, "sum": "total_investment" |
    "contracted_amount" | "foreign_capital"}``, or None. ``where()`` returns a peewee
    condition on ``portal.models.Project`` (e.g. ``Project.industry_code.in_(["ev", "chip"])``
    or ``Project.extra`` fields through SQL); it is called once when the application first
    needs its figures. A figure counts the projects of the period's ``counts_by`` date
    (the clue date, or the counted date of a milestone, as the core's figures) that meet the
    condition; with ``sum`` it adds up that column instead (万元; foreign capital 万美元).
    Credit shares, scopes, last year's value and the change apply as to the core's figures.
    The list behind a number is ``/projects?figure=<key>`` with the period's date filter.
    A key already taken (by the core or another plugin) or a condition the database refuses is
    reported as the plugin's failure and that figure left out; the others stay.
    """


@hookspec(firstresult=True)
def portal_team_quota_flags(paces, context) -> list[TeamQuotaFlag] | None:
    """Red and yellow flags for stationed teams behind their quotas (new clues, visits).

    Parameters: ``paces`` – a list of ``portal.sourcing.quotas.Pace``, one per team and quota,
    each with ``team`` (the Unit), ``metric`` ("clues" or "visits"), ``span`` ("week" or
    "month"), ``target``, ``done`` (so far in the current span), ``elapsed`` (the fraction of
    the span gone, 0 to 1) and ``expected`` (the target pro-rated to it); ``context`` – a
    ``portal.context.RuleContext``. Returns: a list of ``{"team_id": int, "level": "yellow" |
    "red", "reason": Reason}`` (reason as for ``portal_project_flags``; teams on pace are left
    out; a team's worst flag is shown), or None to leave the decision to the next plugin.
    ``firstresult``: the first answer wins; the default rule (``portal.sourcing.quotas``, run
    last) flags yellow a team below its pro-rated quota and red one below half of it.
    """
