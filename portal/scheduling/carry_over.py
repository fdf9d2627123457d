"""The weekly report's starting point: last week's plan offered as this week's progress."""
from __future__ import annotations

from dataclasses import dataclass

from portal.models import ProgressReport
from portal.scheduling import weeks as W

#: How far back a plan is still offered: a project skipped for a week or two keeps its plan.
PLAN_LOOKBACK_WEEKS = 8


@dataclass(frozen=True)
class Plan:
    text: str
    week: str


def last_plans(project_ids, week: str) -> dict[int, Plan]:
    """The latest "next steps" written for each project in the weeks before ``week``."""
    if not project_ids:
        return {}
    query = (ProgressReport.select(ProgressReport.project, ProgressReport.week, ProgressReport.next_steps)
             .where(ProgressReport.project.in_(list(project_ids)), ProgressReport.week < week,
                    ProgressReport.week >= W.shift_week(week, -PLAN_LOOKBACK_WEEKS),
                    ProgressReport.next_steps != "")
             .order_by(ProgressReport.week, ProgressReport.created_at, ProgressReport.id))
    plans = {}
    for report in query:  # ordered oldest first: the last one wins
        if report.next_steps.strip():
            plans[report.project_id] = Plan(report.next_steps.strip(), report.week)
    return plans


def _text(value: str) -> str:
    return (value or "").replace("\r\n", "\n").strip()  # a browser sends a textarea's lines as CRLF


def untouched(row: dict, plan: Plan | None) -> bool:
    """The row still shows the offered plan and nothing else: the clerk has not answered it yet.
    "Save all rows" leaves such rows alone (saving a suggestion nobody read would be a false
    report); the row's own save button keeps it, which is the clerk accepting the plan."""
    return (plan is not None and _text(row["happened"]) == _text(plan.text)
            and not _text(row["next_steps"]) and row["percent_complete"] is None)

