"""Computing and storing project flags (红黄旗) from the ``portal_project_flags`` hook.

Flags are computed when a project's records change and when a week is frozen,
and stored in ``Project.flag``/``Project.flag_reasons``; no page view calls the
hook. Reasons are stored as codes with params (``portal.flag_reasons``), shown in the
reader's language; a plugin's plain-text reason is stored as it is.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

import peewee
from flask import current_app
from flask_babel import force_locale

from portal import figures, flag_reasons, plugins, rules  # figures.cached, read at call time (figures imports us)
from portal.db import database
from portal.models import (
    ACTIVE_STAGES,
    STAGE_DATE_COLUMNS,
    STAGE_LINE,
    FlagSnapshot,
    Milestone,
    ProgressReport,
    Project,
    StageChange,
)
from portal.models.fields import utcnow
from portal.scheduling import weeks as W
from portal.timeutil import iso_week, now_local, to_local, tz

log = logging.getLogger(__name__)

LEVELS = {"green": 0, "yellow": 1, "red": 2}
#: The main sequence of stages (portal.models.projects holds the stage lists); stalled and dropped are off-ramps.
SEQUENCE = STAGE_LINE
STAGE_DATE_FIELDS = STAGE_DATE_COLUMNS
#: Projects that are worked on (ACTIVE_STAGES) report every week, but clues: they get follow-up notes.
REPORTING_STAGES = ACTIVE_STAGES[1:]

DEFAULTS = {
    "overdue_red_days": 30,        # overdue up to this many days: yellow; more: red
    "clue_followup_days": 7,       # a clue with no follow-up note for longer turns yellow
    "yellow_weeks_to_red": 3,      # yellow this many weeks running: red
    "deadline_weekday": 5,         # the weekly report deadline: ISO weekday (5 = Friday) …
    "deadline_time": "18:00",      # … at this local time
    "unit_red_min_report_rate": 80,  # a unit earns the red flag only when it reported this % on time
    "unit_yellow_report_rate": 50,   # a unit reporting fewer than this % on time gets the yellow flag
}
CONFIG_KEYS = {name: "SCHEDULING_" + name.upper() for name in DEFAULTS}

#: Callables ``fn(project_ids, until) -> {project id: date}`` giving follow-up other than progress
#: notes (the sourcing feature adds logged contacts): a clue's follow-up clock restarts with any.
FOLLOW_UP_SOURCES: list = []

def _rules_section(year: int) -> dict:
    """The ``[YEAR.scheduling]`` section of the active rules file (portal.rules), when there is one."""
    try:
        system = rules.active_system()
        if not system or not system.get("file"):
            return {}
        _year, section = rules.year_section(rules.load_file(system["file"], system.get("review_keys")), year)
    except Exception as exc:  # noqa: BLE001 - thresholds fall back to the defaults, loudly
        log.error("Rules file unreadable for the scheduling thresholds (%s); using the defaults", exc)
        return {}
    scheduling = section.get("scheduling", {})
    return scheduling if isinstance(scheduling, dict) else {}


def _valid(name, value):
    if name == "deadline_time":
        hours, _, minutes = str(value).partition(":")
        return dt.time(int(hours), int(minutes or 0)).strftime("%H:%M")
    number = int(value)
    if name == "deadline_weekday" and not 1 <= number <= 7:
        raise ValueError("weekday 1-7")
    if number < 0:
        raise ValueError("negative")
    return number


def flag_settings(year: int | None = None) -> dict:
    """Thresholds: defaults, then the rules file's [YEAR.scheduling] section, then SCHEDULING_* settings."""
    settings = dict(DEFAULTS)
    layers = [_rules_section(year or now_local().year),
              {n: current_app.config[k] for n, k in CONFIG_KEYS.items() if k in current_app.config}]
    for layer in layers:
        for name, value in layer.items():
            if name not in DEFAULTS:
                continue
            try:
                settings[name] = _valid(name, value)
            except (TypeError, ValueError):
                log.error("Ignoring the scheduling setting %s=%r (not valid)", name, value)
    return settings


@dataclass
class FlagContext:
    """What flag rules receive: the moment judged, thresholds, and accessors to the records.

    ``now`` is an aware local datetime: the current moment for a live
    computation, the end of the week for a snapshot. Accessors answer from a
    cache filled by ``preload`` during a snapshot, else from the database.
    """

    now: dt.datetime
    settings: dict
    _cache: dict = field(default_factory=dict)

    def __post_init__(self):
        # Judge in the deployment's time zone, whatever zone the moment was given in.
        if self.now.tzinfo is None:
            raise ValueError("FlagContext.now must be an aware datetime")
        self.now = self.now.astimezone(tz())

    @classmethod
    def live(cls) -> "FlagContext":
        return cls(now=now_local(), settings=flag_settings())

    @classmethod
    def for_week(cls, week: str) -> "FlagContext":
        end = W.week_end(week)
        return cls(now=end, settings=flag_settings(end.year))

    @property
    def today(self) -> dt.date:
        return self.now.date()

    @property
    def week(self) -> str:
        return iso_week(self.today)

    @property
    def now_utc(self) -> dt.datetime:
        return W.to_utc_naive(self.now)

    # Deadlines --------------------------------------------------------------

    def report_deadline(self, week: str | None = None) -> dt.datetime:
        """The weekly report deadline (aware, local) of a week, by default the judged one."""
        hours, minutes = (int(x) for x in self.settings["deadline_time"].split(":"))
        return W.deadline(week or self.week, self.settings["deadline_weekday"], dt.time(hours, minutes))

    def report_deadline_utc(self, week: str | None = None) -> dt.datetime:
        return W.to_utc_naive(self.report_deadline(week))

    # Accessors ----------------------------------------------------------------

    def preload(self, project_ids: list[int]) -> None:
        """Fetch milestones, report dates and earlier flags of many projects in a few queries."""
        ids = list(project_ids)
        milestones: dict = {pid: [] for pid in ids}
        last_report: dict = {}
        week_reports: set = set()
        previous: dict = {}
        for chunk_start in range(0, len(ids), 500):
            chunk = ids[chunk_start:chunk_start + 500]
            for m in Milestone.select().where(Milestone.project.in_(chunk)).order_by(Milestone.planned_on):
                milestones[m.project_id].append(m)
            last = peewee.fn.MAX(ProgressReport.created_at).alias("last")
            rows = (ProgressReport.select(ProgressReport.project, last)
                    .where(ProgressReport.project.in_(chunk), ProgressReport.created_at <= self.now_utc)
                    .group_by(ProgressReport.project).tuples())
            for pid, last in rows:
                last_report[pid] = _as_datetime(last)
            rows = (ProgressReport.select(ProgressReport.project).distinct()
                    .where(ProgressReport.project.in_(chunk), ProgressReport.week == self.week,
                           ProgressReport.created_at <= self.now_utc).tuples())
            week_reports.update(pid for (pid,) in rows)
            earlier = [W.shift_week(self.week, -n) for n in range(1, 6)]
            rows = (FlagSnapshot.select(FlagSnapshot.project, FlagSnapshot.week, FlagSnapshot.flag)
                    .where(FlagSnapshot.project.in_(chunk), FlagSnapshot.week.in_(earlier)).tuples())
            for pid, week, flag in rows:
                previous.setdefault(pid, {})[week] = flag
        self._cache = {"milestones": milestones, "last_report": last_report, "week_reports": week_reports,
                       "previous": previous, "ids": set(ids), "plugins": {}}

    def preloaded(self, project, key: str, load):
        """For a flag plugin's own records: ``load(project ids)`` once for the projects
        ``preload`` fetched (cached under ``key``), or None when ``project`` is not among them
        (the plugin then reads that project's records alone)."""
        if not self._cached(project):
            return None
        shared = self._cache["plugins"]
        if key not in shared:
            shared[key] = load(sorted(self._cache["ids"]))
        return shared[key]

    def _cached(self, project) -> bool:
        return bool(self._cache) and project.id in self._cache["ids"]

    def milestones(self, project) -> list:
        """The project's milestones, by planned date."""
        if self._cached(project):
            return self._cache["milestones"][project.id]
        return list(Milestone.select().where(Milestone.project == project.id).order_by(Milestone.planned_on))

    def done_on(self, milestone) -> dt.date | None:
        """A milestone's actual date if it was reached by the judged day."""
        return milestone.actual_on if milestone.actual_on and milestone.actual_on <= self.today else None

    def last_report_on(self, project) -> dt.date | None:
        """The local date of the project's latest progress entry up to the judged moment."""
        if self._cached(project):
            last = self._cache["last_report"].get(project.id)
        else:
            last = _as_datetime(ProgressReport.select(peewee.fn.MAX(ProgressReport.created_at))
                                .where(ProgressReport.project == project.id,
                                       ProgressReport.created_at <= self.now_utc).scalar())
        return to_local(last).date() if last else None

    def last_follow_up_on(self, project) -> dt.date | None:
        """The latest follow-up of the project up to the judged day: a progress entry, or what a
        feature registered in FOLLOW_UP_SOURCES (a logged contact)."""
        days = [self.last_report_on(project)]
        for source in FOLLOW_UP_SOURCES:  # preloaded with the rest: an import recomputes thousands of flags
            known = self.preloaded(project, f"follow_up:{source.__module__}.{source.__qualname__}",
                                   lambda ids, source=source: source(ids, self.today))
            days.append((known if known is not None else source([project.id], self.today)).get(project.id))
        return max((day for day in days if day), default=None)

    def has_report(self, project, week: str | None = None) -> bool:
        """Has the project a progress entry in the week (by default the judged one), up to now?"""
        week = week or self.week
        if self._cached(project) and week == self.week:
            return project.id in self._cache["week_reports"]
        return (ProgressReport.select().where(ProgressReport.project == project.id, ProgressReport.week == week,
                                              ProgressReport.created_at <= self.now_utc).exists())

    def previous_flags(self, project, n: int) -> list[str | None]:
        """The project's frozen flags of the ``n`` weeks before the judged one, latest first (None: not frozen)."""
        earlier = [W.shift_week(self.week, -k) for k in range(1, n + 1)]
        if self._cached(project) and n <= 5:
            known = self._cache["previous"].get(project.id, {})
        else:
            known = dict(FlagSnapshot.select(FlagSnapshot.week, FlagSnapshot.flag)
                         .where(FlagSnapshot.project == project.id, FlagSnapshot.week.in_(earlier)).tuples())
        return [known.get(week) for week in earlier]

    def stage_changes(self, project) -> list:
        return list(StageChange.select().where(StageChange.project == project.id, StageChange.on_date <= self.today)
                    .order_by(StageChange.on_date, StageChange.id))

    def stage_reached(self, project, stage: str) -> bool:
        """Had the project reached ``stage`` (of the main sequence) by the judged day?"""
        on = getattr(project, STAGE_DATE_FIELDS[stage])
        if on is not None:
            return on <= self.today
        current = project.stage_before_stall if project.stage == "stalled" else project.stage
        if current not in SEQUENCE:
            return False
        return SEQUENCE.index(current) >= SEQUENCE.index(stage)


def stage_as_of(project, day: dt.date) -> str:
    """The project's stage at the end of ``day``, from its stage dates (the current stage when
    nothing happened after that day)."""
    dates = {stage: getattr(project, field) for stage, field in STAGE_DATE_FIELDS.items()}
    if not any(on and on > day for on in dates.values()):
        return project.stage
    reached = [stage for stage in SEQUENCE if dates[stage] and dates[stage] <= day]
    return reached[-1] if reached else "clue"


def _as_datetime(value):
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))  # SQLite returns MAX() of a datetime as text


def combine(results: list) -> tuple[str, list[dict]]:
    """Combine the plugins' answers: red beats yellow beats green; every reason is kept."""
    reasons = []
    for answer in results:
        for item in answer or []:
            level = item.get("level") if isinstance(item, dict) else None
            if level not in ("yellow", "red"):
                continue
            reason = {"level": level, "reason": flag_reasons.stored(item.get("reason", ""))}
            if reason not in reasons:
                reasons.append(reason)
    reasons.sort(key=lambda r: -LEVELS[r["level"]])
    flag = max((r["level"] for r in reasons), key=LEVELS.get, default="green")
    return flag, reasons


class FlagPluginsFailed(Exception):
    """A flag plugin failed, so the combined flag is unknown: nothing may be stored in its place.

    The live flag keeps its stored value and a week is not frozen (docs/plugins.md,
    "When a plugin fails").
    """

    def __init__(self, hook: str, plugin_names: list[str]):
        super().__init__(f"{', '.join(plugin_names)} failed in {hook}")
        self.hook, self.plugin_names = hook, plugin_names


def compute(project, context: FlagContext) -> tuple[str, list[dict]]:
    """Ask every plugin about one project; the combined flag and its reasons (codes, or a
    plugin's text in the default language).

    Raises FlagPluginsFailed when a plugin raised or answered with a bad value.
    """
    if project.archived:
        return "green", []
    with force_locale(current_app.config["DEFAULT_LOCALE"]):
        outcome = plugins.call_hook("portal_project_flags", project=project, context=context)
    if outcome.failed:
        raise FlagPluginsFailed("portal_project_flags", outcome.failed)
    return combine(outcome.results)


def store(project, flag: str, reasons: list[dict]) -> bool:
    """Store a computed flag on the project; True when it changed."""
    if project.flag == flag and (project.flag_reasons or []) == reasons:
        return False
    Project.update(flag=flag, flag_reasons=reasons or None).where(Project.id == project.id).execute()
    project.flag, project.flag_reasons = flag, reasons or None
    return True


def recompute_project(project, context: FlagContext | None = None) -> str:
    """Recompute and store one project's flag now (called when its records change);
    when a flag plugin fails, the stored flag stays (the failure is reported)."""
    try:
        flag, reasons = compute(project, context or FlagContext.live())
    except FlagPluginsFailed:
        return project.flag
    store(project, flag, reasons)
    return flag


def _changed_flags(projects, context: FlagContext) -> list[tuple]:
    """(project id, flag, reasons) of the projects whose computed flag differs from the stored
    one (``context`` preloaded for them); a project whose flag plugin failed keeps its stored
    flag (the failure is reported)."""
    new_flags = []
    for project in projects:
        try:
            flag, reasons = compute(project, context)
        except FlagPluginsFailed:
            continue
        if project.flag != flag or (project.flag_reasons or []) != reasons:
            new_flags.append((project.id, flag, reasons))
    return new_flags


def recompute_projects(project_ids, context: FlagContext | None = None, batch: int = 500) -> int:
    """Recompute and store the flags of many projects (an import), their records read a chunk
    at a time (``FlagContext.preload``); the number changed."""
    context = context or FlagContext.live()
    ids = sorted(set(project_ids))
    changed = 0
    for start in range(0, len(ids), batch):
        projects = list(Project.select().where(Project.id.in_(ids[start:start + batch])))
        context.preload([p.id for p in projects])
        new_flags = _changed_flags(projects, context)
        store_many(new_flags)
        changed += len(new_flags)
    return changed


def store_many(new_flags: list[tuple]) -> None:
    """Store (project id, flag, reasons) of many projects, 200 to a statement (one UPDATE a
    project was most of an import's round trips to a database server once the rows were batched)."""
    for start in range(0, len(new_flags), 200):
        chunk = new_flags[start:start + 200]
        Project.update(
            flag=peewee.Case(Project.id, [(pid, flag) for pid, flag, _reasons in chunk]),
            flag_reasons=peewee.Case(Project.id, [(pid, Project.flag_reasons.db_value(reasons or None))
                                                  for pid, _flag, reasons in chunk]),
        ).where(Project.id.in_([pid for pid, _flag, _reasons in chunk])).execute()


def active_projects():
    return Project.select().where(Project.archived == False)  # noqa: E712


def recompute_all(context: FlagContext | None = None, batch: int = 500) -> int:
    """Recompute and store the flags of every project that is not archived; the number changed."""
    context = context or FlagContext.live()
    changed = 0
    last_id = 0
    while True:
        projects = list(active_projects().where(Project.id > last_id).order_by(Project.id).limit(batch))
        if not projects:
            return changed
        context.preload([p.id for p in projects])
        new_flags = _changed_flags(projects, context)
        with database.atomic():
            store_many(new_flags)
        changed += len(new_flags)
        last_id = projects[-1].id


__all__ = ["ACTIVE_STAGES", "DEFAULTS", "FlagContext", "FlagPluginsFailed", "REPORTING_STAGES", "combine", "compute",
           "flag_settings", "recompute_all", "recompute_project", "recompute_projects", "store", "utcnow"]


def unit_week_figures(week: str, context: FlagContext | None = None) -> dict[int, dict]:
    """Per responsible unit: active projects, projects reported in the week, on time, and stage advances.

    Four grouped SQL queries, never a loop over projects.
    """
    context = context or FlagContext.for_week(week)
    monday, sunday = W.week_days(week)
    deadline_utc = context.report_deadline_utc(week)
    figures: dict[int, dict] = {}

    def put(rows, key):
        for unit_id, count in rows:
            figures.setdefault(unit_id, {"projects": 0, "reported": 0, "on_time": 0, "advances": 0})[key] = count

    base = active_projects().where(Project.stage.in_(ACTIVE_STAGES))
    put(base.select(Project.responsible_unit, peewee.fn.COUNT(Project.id)).group_by(Project.responsible_unit).tuples(),
        "projects")
    for key, extra in (("reported", True), ("on_time", ProgressReport.created_at <= deadline_utc)):
        rows = (Project.select(Project.responsible_unit, peewee.fn.COUNT(peewee.fn.DISTINCT(Project.id)))
                .join(ProgressReport, on=(ProgressReport.project == Project.id))
                .where(Project.archived == False, Project.stage.in_(ACTIVE_STAGES),  # noqa: E712
                       ProgressReport.week == week, extra)
                .group_by(Project.responsible_unit).tuples())
        put(rows, key)
    forward = ("negotiating", "signed", "started", "completed", "production")
    rows = (Project.select(Project.responsible_unit, peewee.fn.COUNT(StageChange.id))
            .join(StageChange, on=(StageChange.project == Project.id))
            .where(Project.archived == False, StageChange.on_date.between(monday, sunday),  # noqa: E712
                   StageChange.to_stage.in_(forward), StageChange.is_correction == False)  # noqa: E712
            .group_by(Project.responsible_unit).tuples())
    put(rows, "advances")
    return figures


def _context_unit_week_figures(self, week=None) -> dict:
    """``unit_week_figures`` of a week, remembered on the context: the meeting page and the
    unit-flag rules both ask for them in one request (four grouped queries each)."""
    week = week or self.week
    memo = self.__dict__.setdefault("_unit_week_memo", {})  # not _cache: its truth means "preloaded"
    if week not in memo:
        # Whole-table aggregates, kept per change stamp (projects, stage changes and progress
        # reports are audited: a change through any process gives fresh figures); the deadline
        # they are judged by is part of the key.
        memo[week] = figures.cached(("unit_week_figures", week, self.report_deadline_utc(week)),
                            lambda: unit_week_figures(week, self))
    return memo[week]


FlagContext.unit_week_figures = _context_unit_week_figures
