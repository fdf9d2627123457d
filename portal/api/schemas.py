"""The API's request and response schemas (pydantic v2). The same classes validate the query
strings and bodies of requests and describe them in /api/openapi.json (portal/api/openapi.py),
so the description cannot drift from what the server accepts.

Choices (stages, lists, flags, sorts …) are read from the modules that define them for the
pages, never listed again here. Amounts are decimal strings in 万元 (exact, never floats)."""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, create_model

from portal import figures
from portal.models import STAGES
from portal.models.problems import PROBLEM_CATEGORIES, PROBLEM_PRIORITIES, PROBLEM_STATES
from portal.projects.filters import FLAGS, LISTS, MAX_QUERY_LENGTH, RECOMMENDATIONS, SORTS
from portal.projects.forms import ASSESSMENTS, CHANNELS
from portal.web import MAX_ID

#: An amount in 万元 as an exact decimal string (never a float).
Amount = Annotated[str, Field(pattern=r"^-?[0-9]+(\.[0-9]+)?$")]


def _choice(values):
    return Literal[tuple(values)]


class Schema(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


# Problems -------------------------------------------------------------------------

class FieldError(Schema):
    field: str = Field(description="The query parameter or body member that is wrong")
    detail: str


class ProblemDetails(Schema):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: Optional[str] = None
    errors: Optional[list[FieldError]] = None
    duplicates: Optional[list["ProjectRef"]] = Field(None, description="A new project's likely duplicates you read")
    duplicates_elsewhere: Optional[bool] = Field(None, description="Likely duplicates you may not read exist")


# Queries ----------------------------------------------------------------------------

class Query(Schema):
    """A query string: unknown parameters are ignored (as the pages do)."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")


SORT_VALUES = tuple(SORTS) + tuple("-" + name for name in SORTS)
YES_NO = Literal["0", "1"]

_BaseProjectsQuery = create_model(
    "_BaseProjectsQuery", __base__=Query,
    list_=(_choice(LISTS), Field("all", alias="list", description="Which list: the same as the pages' lists")),
    unit=(Optional[int], Field(None, ge=1, le=MAX_ID, description="A unit's id: its projects and its sub-units'")),
    industry=(Optional[str], Field(None, max_length=40, description="An industry code (see /api/industries)")),
    stage=(Optional[_choice(STAGES)], None),
    leader=(Optional[int], Field(None, ge=1, le=MAX_ID, description="The leader's user id")),
    key=(Optional[YES_NO], Field(None, description="1: key projects only; 0: the others")),
    flag=(Optional[_choice(FLAGS)], None),
    recommendation=(Optional[_choice(RECOMMENDATIONS)], None),
    min_=(Optional[str], Field(None, alias="min", max_length=20,
                               description="Smallest total investment (万元), e.g. 5000")),
    max_=(Optional[str], Field(None, alias="max", max_length=20,
                               description="Largest total investment (万元)")),
    from_=(Optional[dt.date], Field(None, alias="from", description="The list's date on or after")),
    to=(Optional[dt.date], Field(None, description="The list's date on or before")),
    q=(Optional[str], Field(None, max_length=MAX_QUERY_LENGTH, description="Project or (visible) investor name")),
    sort=(Optional[_choice(SORT_VALUES)], Field(None, description="A column; a leading - sorts descending")),
    cursor=(Optional[str], Field(None, max_length=200, description="next_cursor of the previous page")),
    limit=(int, Field(50, ge=1, le=200)),
    # The filters behind a dashboard figure (the figures module's own parameters).
    **{name: ((Optional[dt.date], None) if name.endswith(("_from", "_to"))
              else (Optional[int], Field(None, ge=1, le=MAX_ID)) if name == "team"
              else (Optional[str], Field(None, max_length=40, description="A county figure's key (its condition)"))
              if name == "figure"
              else (Optional[YES_NO], None))
       for name in figures.FIGURE_FILTER_PARAMS},
)


class ProjectsQuery(_BaseProjectsQuery):
    """The lists' filters (portal/projects/filters.py) plus the cursor and page size."""


class PeriodQuery(Query):
    """A period and scope, as the dashboard reads them."""

    period: Optional[str] = Field(None, max_length=40, description="2026, 2026-H1, 2026-Q3, 2026-03 or "
                                  "2026-YTD:2026-05-31; this year to date when empty")
    from_: Optional[dt.date] = Field(None, alias="from", description="Start of a custom period (with to)")
    to: Optional[dt.date] = Field(None, description="End of a custom period (with from)")
    unit: Optional[int] = Field(None, ge=1, le=MAX_ID, description="A unit's id (default: what the user covers)")
    industry: Optional[str] = Field(None, max_length=40)
    team: Optional[int] = Field(None, ge=1, le=MAX_ID, description="A stationed team's id")


class ProblemsQuery(Query):
    """The problem board's filters (portal/problems/forms.py BoardFilterForm)."""

    department: Optional[int] = Field(None, ge=1, le=MAX_ID, description="The assigned unit's id")
    category: Optional[_choice(PROBLEM_CATEGORIES)] = None
    state: Optional[_choice(("active",) + PROBLEM_STATES)] = Field(None, description="active: every open state")
    overdue: Optional[Literal["1"]] = Field(None, description="1: overdue problems only")
    unit: Optional[int] = Field(None, ge=1, le=MAX_ID, description="The project's unit (and its sub-units)")
    industry: Optional[str] = Field(None, max_length=40)
    q: Optional[str] = Field(None, max_length=100, description="In the description or the project's name")
    cursor: Optional[str] = Field(None, max_length=200, description="next_cursor of the previous page")
    limit: int = Field(50, ge=1, le=200)


class WeekQuery(Query):
    """A unit's weekly report, as the weekly report page reads it."""

    week: Optional[str] = Field(None, max_length=10, description="An ISO week such as 2026-W18; this week when empty")
    unit: Optional[int] = Field(None, ge=1, le=MAX_ID, description="The unit (default: the user's)")
    page: int = Field(1, ge=1, le=MAX_ID, description="Which page of rows, in the report's order (unit, name)")
    limit: int = Field(50, ge=1, le=200, description="Rows per page")


class CommitmentsQuery(Query):
    """The problem board's filters that apply to commitments (open commitments only, as the board)."""

    department: Optional[int] = Field(None, ge=1, le=MAX_ID, description="The promising unit's id")
    overdue: Optional[Literal["1"]] = Field(None, description="1: overdue commitments only")
    unit: Optional[int] = Field(None, ge=1, le=MAX_ID, description="The project's unit (and its sub-units)")
    industry: Optional[str] = Field(None, max_length=40)
    cursor: Optional[str] = Field(None, max_length=200, description="next_cursor of the previous page")
    limit: int = Field(50, ge=1, le=200)


class InvestorsQuery(Query):
    """A page of the investors, by name."""

    cursor: Optional[str] = Field(None, max_length=200, description="next_cursor of the previous page")
    limit: int = Field(50, ge=1, le=200)


class EmptyQuery(Query):
    pass


# Bodies ------------------------------------------------------------------------------

class StageChangeIn(Schema):
    """A stage change, as the project page's stage form takes it (the same form validates it)."""

    model_config = ConfigDict(extra="forbid")

    to_stage: _choice(STAGES)
    on_date: dt.date = Field(description="The actual date of the step")
    contracted_amount: Optional[str] = Field(None, max_length=20,
                                             description="In 10,000 yuan (万元), needed when signing")
    note: str = Field("", max_length=2000)
    reason: str = Field("", max_length=2000, description="Needed for a stall, a drop or a move backwards")


class ProgressIn(Schema):
    """One progress entry, as a row of the weekly report page takes it (the same rules check it)."""

    model_config = ConfigDict(extra="forbid")

    week: Optional[str] = Field(None, max_length=10, description="An open ISO week (default: this week)")
    happened: str = Field(max_length=4000, description="What happened this week")
    next_steps: str = Field("", max_length=4000)
    percent_complete: Optional[int] = Field(None, ge=0, le=100)


OptionalId = Optional[Annotated[int, Field(ge=1, le=MAX_ID)]]
OptionalAmount = Optional[Annotated[str, Field(max_length=20, description="万元 (10k USD for foreign capital)")]]


def _unset_is_no_default(schema: dict) -> None:
    """A member that may be left out but not sent as null has no default in the description."""
    for prop in schema.get("properties", {}).values():
        if "default" in prop and prop["default"] is None and "anyOf" not in prop:
            del prop["default"]


class ProjectPatch(Schema):
    """The members to change of a project; the others keep their values. The project page's edit
    form checks the result (the same messages, the same permissions on units and the investor's
    class). null clears an optional member."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_unset_is_no_default)

    name: str = Field(None, max_length=200)
    investor_name: Optional[str] = Field(None, max_length=200, description="An investor is reused by name or code")
    investor_credit_code: Optional[str] = Field(None, max_length=18)
    origin_country: Optional[str] = Field(None, max_length=50)
    origin_province: Optional[str] = Field(None, max_length=50)
    origin_city: Optional[str] = Field(None, max_length=50)
    fortune_global_500: bool = None
    china_500: bool = None
    china_private_500: bool = None
    central_soe: bool = None
    foreign_invested: bool = None
    listed: bool = None
    industry_code: Optional[str] = Field(None, max_length=40)
    chain_link_code: Optional[str] = Field(None, max_length=60)
    park: Optional[str] = Field(None, max_length=100)
    source_channel: Optional[_choice(CHANNELS)] = None
    investment_method: Optional[_choice(CHANNELS)] = None
    source_team: OptionalId = None
    is_key: bool = None
    is_confidential: bool = None
    total_investment: str = Field(None, max_length=20, description="万元")
    contracted_amount: OptionalAmount = None
    foreign_capital: OptionalAmount = None
    expected_output: OptionalAmount = None
    expected_tax: OptionalAmount = None
    expected_jobs: Optional[Annotated[int, Field(ge=0, le=10_000_000)]] = None
    land_area_mu: OptionalAmount = None
    safety_assessment: Optional[_choice(ASSESSMENTS)] = None
    environment_assessment: Optional[_choice(ASSESSMENTS)] = None
    responsible_unit: int = Field(None, ge=1, le=MAX_ID)
    responsible_person: Optional[str] = Field(None, max_length=100)
    leader: OptionalId = None
    special_team: OptionalId = None
    planned_sign_date: Optional[dt.date] = None
    planned_start_date: Optional[dt.date] = None
    planned_completion_date: Optional[dt.date] = None
    planned_production_date: Optional[dt.date] = None


class ProjectIn(ProjectPatch):
    """A new project (a clue), as the new-project form takes it (the same form checks it)."""

    name: str = Field(max_length=200)
    total_investment: str = Field(max_length=20, description="万元")
    responsible_unit: int = Field(None, ge=1, le=MAX_ID, description="Default: the unit staff's own unit")
    clue_on: Optional[dt.date] = Field(None, description="The clue's date, not in the future (default: today)")
    confirm_duplicates: bool = Field(False, description="Save although likely duplicates exist (after a 409)")


class ProblemIn(Schema):
    """A problem raised on a project, as the "raise a problem" form takes it (the same form checks it)."""

    model_config = ConfigDict(extra="forbid")

    category: _choice(PROBLEM_CATEGORIES)
    description: str = Field(max_length=4000)
    assigned_unit: int = Field(ge=1, le=MAX_ID, description="The unit that must solve it (see /api/units)")
    deadline: dt.date = Field(description="Today or later")
    priority: _choice(PROBLEM_PRIORITIES) = "normal"


class StateIn(Schema):
    """A step of a problem, as the problem page's state form takes it."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["handle", "resolve", "close", "reopen"]
    text: str = Field("", max_length=4000, description="A note, or the reason (needed to reopen)")
    new_deadline: Optional[dt.date] = Field(None, description="On reopening, a new deadline (not in the past)")


class HandoverIn(Schema):
    """A problem handed over to another unit, as the problem page's form takes it."""

    model_config = ConfigDict(extra="forbid")

    unit: int = Field(ge=1, le=MAX_ID, description="The unit taking it over")
    reason: str = Field(max_length=4000)


class FulfilmentIn(Schema):
    """A commitment's fulfilment, as its page's form takes it."""

    model_config = ConfigDict(extra="forbid")

    fulfilled_on: dt.date = Field(description="Not in the future")
    evidence: str = Field(max_length=4000)


class AnswerIn(Schema):
    """An answer to a problem, as the problem page's answer form takes it."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=4000)


# Responses ----------------------------------------------------------------------------

class UnitRef(Schema):
    id: int
    name: str


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    parent_id: Optional[int]
    active: bool


class UnitList(Schema):
    items: list[UnitOut]


class IndustryOut(Schema):
    code: str
    name: str


class IndustryList(Schema):
    items: list[IndustryOut]


class InvestorRef(Schema):
    id: Optional[int] = Field(description="None when there is no investor or it is hidden")
    name: str
    masked: bool = Field(description="A confidential investor the token's user may not read")


class InvestorOut(Schema):
    id: int
    name: str
    credit_code: Optional[str]
    origin_country: str
    origin_province: str
    origin_city: str
    classes: list[str] = Field(description="Fortune Global 500, China 500 … (investor class codes)")


class InvestorList(Schema):
    items: list[InvestorOut]
    next_cursor: Optional[str] = Field(description="Pass as cursor for the next page; None on the last")


class StageStep(Schema):
    from_stage: str
    to_stage: str
    on_date: dt.date
    is_correction: bool
    verification: str


class ProjectOut(Schema):
    id: int
    name: str
    code: Optional[str]
    stage: str
    responsible_unit: UnitRef
    investor: InvestorRef
    industry_code: str
    total_investment: Amount = Field(description="10,000 yuan (万元), exact")
    contracted_amount: Optional[Amount] = Field(description="10,000 yuan (万元), exact")
    is_key: bool
    is_confidential: bool
    flag: str = Field(description="green, yellow or red, from the weekly flag rules")
    flag_reasons: list[str] = Field(description="Why the flag is yellow or red, in the user's language")
    review_recommendation: str
    clue_on: Optional[dt.date]
    signed_on: Optional[dt.date]
    started_on: Optional[dt.date]
    completed_on: Optional[dt.date]
    production_on: Optional[dt.date]
    version: int = Field(description="Sent back in If-Match when editing (412 when it changed meanwhile)")
    updated_at: dt.datetime = Field(description="UTC")
    stage_history: list[StageStep]


class ProjectPage(Schema):
    items: list[ProjectOut]
    total: int = Field(description="How many projects the filters select")
    next_cursor: Optional[str] = Field(description="Pass as cursor for the next page; None on the last")


class ProjectRef(Schema):
    id: int
    name: str


class ProblemOut(Schema):
    id: int
    project: ProjectRef
    category: str
    description: str
    priority: str
    state: str
    deadline: dt.date
    overdue: bool
    assigned_unit: UnitRef
    created_at: dt.datetime = Field(description="UTC")
    resolved_at: Optional[dt.datetime] = Field(description="UTC")
    closed_at: Optional[dt.datetime] = Field(description="UTC")


class CommitmentOut(Schema):
    id: int
    project: ProjectRef
    kind: str
    promise: str
    unit: UnitRef = Field(description="The unit that promised")
    due_date: dt.date
    fulfilled_on: Optional[dt.date]
    overdue: bool


class CommitmentPage(Schema):
    items: list[CommitmentOut]
    total: int
    next_cursor: Optional[str]


class ProblemPage(Schema):
    items: list[ProblemOut]
    total: int
    next_cursor: Optional[str]


class ProgressEntry(Schema):
    happened: str
    next_steps: str
    percent_complete: Optional[int]
    author: str
    created_at: dt.datetime = Field(description="UTC")


class ReportRow(Schema):
    project: ProjectRef
    stage: str = Field(description="The project's stage (in a frozen week: as it was then)")
    responsible_unit: UnitRef
    entries: list[ProgressEntry]


class WeeklyReport(Schema):
    week: str
    unit: UnitRef
    frozen: bool = Field(description="The week's figures are frozen: no more entries")
    total: int = Field(description="Rows on the whole report")
    reported: int = Field(description="Rows with an entry this week")
    page: int
    pages: int = Field(description="Pages of ``limit`` rows (at least 1)")
    rows: list[ReportRow] = Field(description="This page's rows")


class FigureOut(Schema):
    key: str
    label: str
    kind: str = Field(description="count, amount, usd, percent or days")
    value: Optional[str] = Field(description="A decimal string (counts too); None where nothing can be said")
    previous: Optional[str] = Field(description="The same period last year")
    change: Optional[str] = Field(description="Percent, or percentage points for a rate")


class PeriodOut(Schema):
    code: str
    start: dt.date
    end: dt.date


class ScopeOut(Schema):
    unit: Optional[int]
    industry: Optional[str]
    team: Optional[int]


class ProvinceReport(Schema):
    """A period's figures and the projects behind them, in a fixed layout (``version`` changes
    when it does)."""

    layout: Literal["investment-portal.province-report"]
    version: Literal[1]
    period: "PeriodOut"
    scope: "ScopeOut"
    generated_at: dt.datetime = Field(description="UTC")
    figures: list["FigureOut"]
    projects: dict[str, list[ProjectOut]] = Field(description="The projects behind new_clues, signed_count, "
                                                  "started_count, completed_count and production_count")


class FiguresOut(Schema):
    period: PeriodOut
    scope: ScopeOut
    figures: list[FigureOut]


ProblemDetails.model_rebuild()  # ProjectRef is declared after it
