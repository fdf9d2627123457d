"""Stage rules (portal.stages): moves, requirements, backwards moves, stall/resume, drop, verification."""
import datetime as dt
from decimal import Decimal

import pytest

from portal import stages
from portal.models import AuditLog, Project, StageChange

D = dt.date


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield app


@pytest.fixture
def project(make_project, org, ctx):
    p = make_project(name="Battery plant", clue_on=D(2026, 1, 5))
    stages.record_initial(p, org.users["unit_a"], D(2026, 1, 5))
    return p


def fresh(p):
    return Project.get_by_id(p.id)


def move(p, who, to, day, **kw):
    return stages.change_stage(fresh(p), who, to, day, **kw)


def test_forward_one_stage_at_a_time_and_dates_kept_in_step(project, org):
    unit = org.users["unit_a"]
    move(project, unit, "negotiating", D(2026, 2, 1), note="first talks")
    with pytest.raises(stages.StageError) as err:
        move(project, unit, "started", D(2026, 3, 1))
    assert err.value.field == "to_stage"
    change = move(project, unit, "signed", D(2026, 3, 1), contracted_amount=Decimal("5000"))
    p = fresh(project)
    assert ((p.stage, p.negotiating_on, p.signed_on, p.contracted_amount)
            == ("signed", D(2026, 2, 1), D(2026, 3, 1), Decimal("5000")))
    assert change.by.id == unit.id and change.from_stage == "negotiating"
    assert AuditLog.select().where(AuditLog.action == "stage", AuditLog.entity_id == p.id).count() == 2
    move(project, unit, "started", D(2026, 4, 1))
    move(project, unit, "completed", D(2026, 5, 1))
    move(project, unit, "production", D(2026, 6, 1))
    p = fresh(project)
    assert ((p.stage, p.started_on, p.completed_on, p.production_on)
            == ("production", D(2026, 4, 1), D(2026, 5, 1), D(2026, 6, 1)))
    assert stages.allowed_targets(p, unit) == []  # production is the end of the line


def test_signing_needs_amount_and_dates_are_checked(project, org):
    unit = org.users["unit_a"]
    move(project, unit, "negotiating", D(2026, 2, 1))
    with pytest.raises(stages.StageError) as err:
        move(project, unit, "signed", D(2026, 3, 1))
    assert err.value.field == "contracted_amount"
    with pytest.raises(stages.StageError) as err:
        move(project, unit, "signed", D(2026, 1, 20), contracted_amount=Decimal("1"))
    assert err.value.field == "on_date" and "previous stage" in str(err.value)
    with pytest.raises(stages.StageError) as err:
        move(project, unit, "signed", dt.date.today() + dt.timedelta(days=3), contracted_amount=Decimal("1"))
    assert "future" in str(err.value)
    with pytest.raises(stages.StageError):
        move(project, unit, "signed", D(2026, 3, 1), contracted_amount=Decimal("0"))
    with pytest.raises(stages.StageError) as err:
        move(project, unit, "nonsense", D(2026, 3, 1))
    assert err.value.field == "to_stage"
    assert fresh(project).stage == "negotiating"


def test_backwards_only_for_bureau_and_only_with_reason(project, org, ctx):
    ctx.config["VERIFY_STAGES"] = False
    unit, bureau = org.users["unit_a"], org.users["bureau"]
    move(project, unit, "negotiating", D(2026, 2, 1))
    move(project, unit, "signed", D(2026, 3, 1), contracted_amount=Decimal("100"))
    assert "negotiating" not in stages.allowed_targets(fresh(project), unit)
    with pytest.raises(stages.StageError) as err:
        move(project, unit, "negotiating", D(2026, 3, 5), reason="mistake")
    assert "bureau" in str(err.value)
    with pytest.raises(stages.StageError) as err:
        move(project, bureau, "negotiating", D(2026, 3, 5))
    assert err.value.field == "reason"
    move(project, bureau, "negotiating", D(2026, 3, 5), reason="The contract was not signed after all.")
    p = fresh(project)
    assert p.stage == "negotiating" and p.signed_on is None
    signed = StageChange.get(StageChange.project == p.id, StageChange.to_stage == "signed")
    assert signed.verification == "superseded"
    assert not stages.counted_changes().where(StageChange.project == p.id, StageChange.to_stage == "signed").exists()


def test_stall_and_resume_to_the_stage_it_had_and_drop(project, org):
    unit = org.users["unit_a"]
    move(project, unit, "negotiating", D(2026, 2, 1))
    with pytest.raises(stages.StageError) as err:
        move(project, unit, "stalled", D(2026, 2, 10))
    assert err.value.field == "reason"
    move(project, unit, "stalled", D(2026, 2, 10), reason="Investor's funds frozen")
    p = fresh(project)
    assert (p.stage, p.stage_before_stall, p.stage_reason) == ("stalled", "negotiating", "Investor's funds frozen")
    assert stages.allowed_targets(p, unit) == ["negotiating", "dropped"]
    with pytest.raises(stages.StageError):
        move(project, unit, "signed", D(2026, 3, 1), contracted_amount=Decimal("1"))
    move(project, unit, "negotiating", D(2026, 3, 1), note="talks resumed")
    p = fresh(project)
    assert (p.stage, p.stage_before_stall, p.negotiating_on) == ("negotiating", "", D(2026, 2, 1))
    move(project, unit, "dropped", D(2026, 3, 10), reason="Investor chose another city")
    p = fresh(project)
    assert p.stage == "dropped" and stages.allowed_targets(p, unit) == []
    assert "negotiating" in stages.allowed_targets(p, org.users["bureau"])  # the bureau may reopen


def test_verification_pending_approve_and_return(project, org, ctx):
    unit, bureau = org.users["unit_a"], org.users["bureau"]
    first = move(project, unit, "negotiating", D(2026, 2, 1))
    assert first.verification == "not_required"
    signed = move(project, unit, "signed", D(2026, 3, 1), contracted_amount=Decimal("100"))
    assert signed.verification == "pending"
    assert not stages.counted_changes().where(StageChange.id == signed.id).exists()
    with pytest.raises(stages.StageError):
        stages.verify(signed, unit, True)  # only the bureau verifies
    with pytest.raises(stages.StageError) as err:
        stages.verify(signed, bureau, False, "")
    assert err.value.field == "opinion"
    stages.verify(signed, bureau, True)
    row = StageChange.get_by_id(signed.id)
    assert row.verification == "approved" and row.verified_by.id == bureau.id
    assert stages.counted_changes().where(StageChange.id == signed.id).exists()
    with pytest.raises(stages.StageError):
        stages.verify(row, bureau, True)  # not pending any more
    started = move(project, unit, "started", D(2026, 4, 1))
    stages.verify(started, bureau, False, "Start date does not match the permit")
    row = StageChange.get_by_id(started.id)
    assert row.verification == "returned" and row.verification_note == "Start date does not match the permit"
    assert AuditLog.select().where(AuditLog.action == "verify", AuditLog.entity_id == project.id).count() == 2
    # The unit answers with a corrected date; it waits again.
    stages.resubmit(row, unit, D(2026, 4, 3), "permit date")
    row = StageChange.get_by_id(started.id)
    assert row.verification == "pending" and fresh(project).started_on == D(2026, 4, 3)
    # the new version is recorded, so someone editing the project meanwhile is shown what changed
    entry = AuditLog.select().where(AuditLog.action == "resubmit", AuditLog.entity_id == project.id).get()
    assert entry.changes["version"] == [fresh(project).version - 1, fresh(project).version]


def test_verification_switched_off(project, org, ctx):
    ctx.config["VERIFY_STAGES"] = False
    unit = org.users["unit_a"]
    move(project, unit, "negotiating", D(2026, 2, 1))
    signed = move(project, unit, "signed", D(2026, 3, 1), contracted_amount=Decimal("100"))
    assert signed.verification == "not_required"
    assert stages.counted_changes().where(StageChange.id == signed.id).exists()


def test_date_correction_by_bureau_with_reason(project, org, ctx):
    ctx.config["VERIFY_STAGES"] = False
    unit, bureau = org.users["unit_a"], org.users["bureau"]
    move(project, unit, "negotiating", D(2026, 2, 1))
    signed = move(project, unit, "signed", D(2026, 3, 1), contracted_amount=Decimal("100"))
    move(project, unit, "started", D(2026, 4, 1))
    with pytest.raises(stages.StageError):
        stages.correct_date(fresh(project), unit, signed, D(2026, 3, 2), "typo")
    with pytest.raises(stages.StageError) as err:
        stages.correct_date(fresh(project), bureau, signed, D(2026, 3, 2), "")
    assert err.value.field == "reason"
    with pytest.raises(stages.StageError):  # after the start date
        stages.correct_date(fresh(project), bureau, signed, D(2026, 4, 5), "typo")
    correction = stages.correct_date(fresh(project), bureau, signed, D(2026, 3, 2), "typo in the contract date")
    assert fresh(project).signed_on == D(2026, 3, 2)
    assert correction.is_correction and StageChange.get_by_id(signed.id).verification == "superseded"
    counted = stages.counted_changes().where(StageChange.project == project.id, StageChange.to_stage == "signed")
    assert [c.on_date for c in counted] == [D(2026, 3, 2)]


def test_concurrent_stage_changes_conflict(project, org):
    unit = org.users["unit_a"]
    stale = fresh(project)
    move(project, unit, "negotiating", D(2026, 2, 1))
    with pytest.raises(stages.StageError):
        stages.change_stage(stale, unit, "stalled", D(2026, 2, 2), reason="x", expected_version=stale.version)
    assert fresh(project).stage == "negotiating"


def test_readers_may_not_change_stages(project, org):
    for username in ("leader", "admin", "unit_b", "department"):
        with pytest.raises(stages.StageError):
            move(project, org.users[username], "negotiating", D(2026, 2, 1))


def test_timeline_plan_versus_actual(project, org):
    Project.update(planned_sign_date=D(2026, 2, 15)).where(Project.id == project.id).execute()
    unit = org.users["unit_a"]
    move(project, unit, "negotiating", D(2026, 2, 1))
    move(project, unit, "signed", D(2026, 3, 1), contracted_amount=Decimal("100"))
    rows = {r["stage"]: r for r in stages.timeline(fresh(project))}
    assert rows["signed"]["planned"] == D(2026, 2, 15) and rows["signed"]["actual"] == D(2026, 3, 1)
    assert rows["signed"]["late"] and rows["signed"]["change"].verification == "pending"
    assert rows["started"]["actual"] is None
