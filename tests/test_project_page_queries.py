"""The project page runs a small, fixed number of SQL queries: no query per stage change,
attachment, capital entry, history entry, milestone, problem or review decision (N+1), and no
setting read twice in a request."""
import datetime as dt
from decimal import Decimal

import pytest

from portal.models import Attachment, AuditLog, CapitalEntry, StageChange
from tests.query_log import queries_sent

#: Queries of one project page for the bureau (every panel and form shown). About 13 on SQLite:
#: session user with unit, project with its related records, capital, stage changes, attachments,
#: history, the active rules setting, unread notifications, review decisions, milestones, the
#: unit list for the forms, problems, commitments; with sourcing, the project's contacts, its
#: promotion events and the clue follow-up clock (latest contact on the project, on its investor,
#: latest stage change: one query of three maxima) and its credit shares (one query, with their units).
#: History names (units, users) are kept per process under a one-query stamp. A unit's user: the
#: ids of the units it reads, one query per request (a list plans better than a subquery on paths).
MAX_QUERIES = 20


def _count_queries(monkeypatch, client, url):
    with queries_sent(monkeypatch) as sent:
        response = client.get(url)
    assert response.status_code == 200
    return [sql for sql, _ in sent], response.get_data(as_text=True)


def _add_rows(project, org, n, start):
    """``n`` more of every kind of row the page lists (each stage change with two files)."""
    from portal.models import Commitment, Milestone, Problem
    from portal.models.chains import ReviewDecision

    bureau = org.users["bureau"]
    for i in range(start, start + n):
        change = StageChange.create(project=project, from_stage="clue", to_stage="negotiating",
                                    on_date=dt.date(2026, 2, 1) + dt.timedelta(days=i), note=f"step {i}", by=bureau)
        for k in range(2):
            Attachment.create(project=project, stage_change=change, stored_name=f"f{i}-{k}-{project.id}",
                              original_name=f"minutes-{i}-{k}.pdf", content_type="application/pdf", size=2048,
                              by=bureau)
        CapitalEntry.create(project=project, on_date=dt.date(2026, 3, 1) + dt.timedelta(days=i),
                            amount=Decimal("10.5"), note=f"capital {i}", by=bureau)
        AuditLog.create(user=bureau, action="edit", entity="project", entity_id=project.id,
                        changes={"park": [f"p{i}", f"p{i + 1}"]})
        Milestone.create(project=project, title=f"milestone {i}", planned_on=dt.date(2026, 4, 1) + dt.timedelta(days=i),
                         responsible_unit=org.units["county_a"], created_by=bureau)
        Problem.create(project=project, category="land", description=f"problem {i}", raised_by=bureau,
                       assigned_unit=org.units["department"], deadline=dt.date(2099, 1, 1))
        Commitment.create(project=project, kind="land", promise=f"promise {i}", unit=org.units["department"],
                          due_date=dt.date(2099, 1, 1), created_by=bureau)
        ReviewDecision.create(project=project, decision="approve", note=f"decision {i}", by=bureau)


@pytest.mark.parametrize("username", ["bureau", "unit_a", "leader"])
def test_project_page_queries_are_few_and_do_not_grow_with_rows(app, org, login, make_project, monkeypatch,
                                                                 username):
    if "projects.show" not in app.view_functions:
        pytest.skip("the project pages are not installed")
    project = make_project(name="Query count plant", unit="county_a", leader=org.users["leader"],
                           source_team=org.units["team"])
    client = login(username)
    url = f"/projects/{project.id}"
    client.get(url)  # first request of the client: nothing one-off in the count

    _add_rows(project, org, 1, 0)
    few, page = _count_queries(monkeypatch, client, url)
    assert "minutes-0-1.pdf" in page and "capital 0" in page

    _add_rows(project, org, 6, 1)
    many, page = _count_queries(monkeypatch, client, url)
    assert "minutes-6-1.pdf" in page and "capital 6" in page and "step 6" in page

    assert len(many) == len(few), "a query per row (N+1) on the project page:\n" + "\n".join(many)
    assert len(many) <= MAX_QUERIES, f"{len(many)} queries on the project page:\n" + "\n".join(many)
    settings_reads = [sql for sql in many if '"setting"' in sql or "`setting`" in sql]
    assert len(settings_reads) <= 1, settings_reads


def test_verification_queue_queries_do_not_grow_with_its_rows(monkeypatch, login, org, make_project):
    """Each pending change shows its project's unit: read with the changes, not one query per row."""
    bureau = org.users["bureau"]

    def pending(n):
        for i in range(n):
            project = make_project(name=f"Pending {n}-{i}", unit="county_a" if i % 2 else "county_b")
            StageChange.create(project=project, from_stage="negotiating", to_stage="signed",
                               on_date=dt.date(2026, 3, 1), by=bureau, verification="pending")

    client = login("bureau")
    pending(1)
    few, page = _count_queries(monkeypatch, client, "/projects/verification")
    pending(5)
    more, page = _count_queries(monkeypatch, client, "/projects/verification")
    assert "County B" in page and page.count(">Pending 5-") == 5  # the link text of each row
    assert len(more) == len(few)
