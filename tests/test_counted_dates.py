"""The counted milestone dates stored on the project (portal.stages.refresh_counted, migration 0008)
follow every way a stage history changes, and the figures read them without changing a number."""
import datetime as dt
import random
from decimal import Decimal

import pytest

from portal import figures, stages
from portal.models import Project, StageChange
from portal.periods import Period

D = dt.date
COLUMNS = ("counted_signed_on", "counted_started_on", "counted_completed_on", "counted_production_on",
           "counted_repeats")


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield app


def stored(project):
    p = Project.get_by_id(project.id)
    return tuple(getattr(p, c) for c in COLUMNS)


def all_stored():
    return {p.id: tuple(getattr(p, c) for c in COLUMNS) for p in Project.select()}


def move(project, who, to, day, **kw):
    return stages.change_stage(Project.get_by_id(project.id), who, to, day, **kw)


def test_kept_through_verification_return_backwards_moves_and_corrections(make_project, org, ctx):
    unit, bureau = org.users["unit_a"], org.users["bureau"]
    p = make_project(name="Battery plant", clue_on=D(2026, 1, 5), total_investment=Decimal("1000"))
    stages.record_initial(p, unit, D(2026, 1, 5))
    move(p, unit, "negotiating", D(2026, 2, 1))
    signed = move(p, unit, "signed", D(2026, 3, 1), contracted_amount=Decimal("500"))
    assert stored(p) == (None, None, None, None, False)  # pending: not counted
    stages.verify(signed, bureau, False, "Send the contract.")
    assert stored(p)[0] is None  # returned
    signed = stages.resubmit(StageChange.get_by_id(signed.id), unit, D(2026, 3, 2))
    stages.verify(signed, bureau, True)
    assert stored(p) == (D(2026, 3, 2), None, None, None, False)
    started = move(p, unit, "started", D(2026, 4, 1))
    stages.verify(started, bureau, True)
    assert stored(p)[:2] == (D(2026, 3, 2), D(2026, 4, 1))
    # Corrected date: the old change is superseded, the correction counts.
    stages.correct_date(Project.get_by_id(p.id), bureau, StageChange.get_by_id(started.id), D(2026, 4, 3), "typo")
    assert stored(p)[:2] == (D(2026, 3, 2), D(2026, 4, 3))
    # Back to signed: the start is undone; the move itself is a second counted change to "signed".
    move(p, bureau, "signed", D(2026, 6, 1), reason="Start was premature.")
    assert stored(p) == (D(2026, 6, 1), None, None, None, True)
    # A project with repeated counted signings still counts at its latest signing *in the period*.
    assert figures.compute(Period.of_quarter(2026, 1)).signed_count.value == 1
    assert figures.compute(Period.of_quarter(2026, 2)).signed_count.value == 1
    assert figures.compute(Period.of_year(2026)).signed_count.value == 1
    assert figures.compute(Period.of_year(2026)).signed_investment.value == Decimal("1000.00")
    months = {m.month: m.value for m in figures.monthly_signed(2026)}
    assert months[6] == Decimal("1000.00") and months[3] == 0
    # Back to negotiating: every signing is superseded.
    move(p, bureau, "negotiating", D(2026, 7, 1), reason="Contract cancelled.")
    assert stored(p) == (None, None, None, None, False)
    assert figures.compute(Period.of_year(2026)).signed_count.value == 0


def test_direct_writes_and_stale_instances(make_project, org, ctx):
    by = org.users["bureau"]
    p = make_project(name="Direct", clue_on=D(2026, 1, 5))
    change = StageChange.create(project=p, to_stage="signed", on_date=D(2026, 2, 1), by=by, verification="approved")
    assert stored(p)[0] == D(2026, 2, 1)
    p.name = "Direct, renamed"
    p.save()  # an instance read before the stage change does not write its stale copy back
    assert stored(p)[0] == D(2026, 2, 1)
    change.delete_instance()
    assert stored(p)[0] is None
    assert Project.get_by_id(p.id).name == "Direct, renamed"


def test_seed_matches_a_full_recompute(app, org, ctx):
    from portal.projects.seed import seed_projects

    seed_projects(300, random.Random(3), D(2026, 11, 21))
    before = all_stored()
    assert any(v[0] for v in before.values())
    stages.refresh_counted()
    assert all_stored() == before
