"""After an import the plugins are told once per batch (``portal_projects_changed``), those
that only listen project by project still hear of every project, and what they store (flags,
review recommendations) is right at once."""
from __future__ import annotations

import datetime as dt

from portal import hookimpl
from portal.models import Problem, Project
from tests.plugins_helpers import temporary_plugin
from tests.problems_helpers import local_today
from tests.test_import import batch_id, confirm, upload, xlsx

HEADER = ["项目名称", "责任单位", "阶段", "总投资(亿元)", "线索日期"]


def sheet(today: dt.date) -> bytes:
    return xlsx([HEADER,
                 ["Old plant", "County A", "洽谈", 3, None],
                 ["Quiet lead", "County A", "线索", 0.5, (today - dt.timedelta(days=40)).isoformat()],
                 ["Big mill", "County B", "线索", 20, today.isoformat()]])


class PerProject:
    """A plugin written before the batch hook: told one project at a time."""

    def __init__(self):
        self.told = []

    @hookimpl
    def portal_project_changed(self, project, change, user):
        self.told.append((project.name, change, user.username))


class PerBatch(PerProject):
    """A plugin that recomputes for the whole set at once (and so is not told project by project)."""

    def __init__(self):
        super().__init__()
        self.batches = []

    @hookimpl
    def portal_projects_changed(self, project_ids, change, user):
        self.batches.append((sorted(project_ids), change, user.username))


class BigIsDiscussed:
    @hookimpl
    def portal_project_review(self, project, context):
        return {"recommendation": "discuss" if project.total_investment >= 100000 else "suits",
                "scores": [], "total": None, "vetoes": [], "notes": []}


def test_plugins_hear_of_an_import_once_per_batch_or_once_per_project(app, login, org, make_project):
    make_project(name="Old plant", unit="county_a", stage="negotiating")
    bureau = login("bureau")
    with temporary_plugin(app, PerProject(), "per_project") as one, \
            temporary_plugin(app, PerBatch(), "per_batch") as batch:
        confirm(bureau, batch_id(upload(bureau, sheet(local_today()))))
    ids = sorted(p.id for p in Project.select())
    assert sorted(one.told) == [("Big mill", "import", "bureau"), ("Old plant", "import", "bureau"),
                                ("Quiet lead", "import", "bureau")]
    assert batch.batches == [(ids, "import", "bureau")] and batch.told == []


def test_flags_and_recommendations_are_right_right_after_the_import(app, login, org, make_project):
    today = local_today()
    old = make_project(name="Old plant", unit="county_a", stage="negotiating")
    Problem.create(project=old, category="land", description="Land not ready", raised_by=org.users["unit_a"],
                   assigned_unit=org.units["department"], deadline=today - dt.timedelta(days=45))
    bureau = login("bureau")
    with temporary_plugin(app, BigIsDiscussed(), "big_is_discussed"):
        confirm(bureau, batch_id(upload(bureau, sheet(today))))
    projects = {p.name: p for p in Project.select()}
    # an overdue problem (45 days: red) on the project the import updated
    assert projects["Old plant"].flag == "red"
    assert [r["reason"]["code"] for r in projects["Old plant"].flag_reasons] == ["problem_overdue"]
    # a clue without follow-up for 40 days (the default rules: more than 7 days is yellow)
    assert projects["Quiet lead"].flag == "yellow"
    assert "clue_no_followup" in [r["reason"]["code"] for r in projects["Quiet lead"].flag_reasons]
    assert projects["Big mill"].flag == "green"
    assert projects["Big mill"].review_recommendation == "discuss"
    assert projects["Quiet lead"].review_recommendation == "suits"
