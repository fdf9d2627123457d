"""The bare investors (no project, no contact) the database lists (migration 0058,
portal.sourcing.bare_investors): after any change of projects, contacts and investors the list is
what a look at the investors says; a wrong list opens no investor, and `portal db upgrade`
lists them again."""
from __future__ import annotations

import datetime as dt

import pytest

from portal.db import database
from portal.models import BareInvestor, Contact, Enterprise, Project
from portal.sourcing import bare_investors
from tests.figures_helpers import figure_triggers  # noqa: F401 - the fixture, by name

pytestmark = pytest.mark.usefixtures("figure_triggers")  # MySQL keeps no list


def listed_as_they_are() -> bool:
    """Whether the database's list names exactly the investors with neither projects nor contacts."""
    listed = {row.enterprise_id for row in BareInvestor.select()}
    bare = {e.id for e in Enterprise.select() if not e.projects.exists() and not e.contacts.exists()}
    return listed == bare


def test_every_way_of_writing_projects_contacts_and_investors_keeps_the_list(app, org, make_project):
    creator, unit = org.users["unit_a"], org.units["county_a"]

    def contact(enterprise):
        return Contact.create(enterprise=enterprise, unit=unit, kind="call", happened_on=dt.date(2026, 11, 2),
                              summary="Call", by=creator)

    with app.app_context(), database.connection_context():
        a, b, c = (Enterprise.create(name=name) for name in ("A Co", "B Co", "C Co"))
        assert listed_as_they_are() and BareInvestor.select().count() == 3
        project = make_project(name="Plant", enterprise=a)
        assert listed_as_they_are() and not BareInvestor.get_or_none(enterprise_id=a.id)
        project.enterprise = b  # moved to another investor through save(), as the edit form does
        project.save()
        assert listed_as_they_are() and BareInvestor.get_or_none(enterprise_id=a.id)
        Project.update(enterprise=None).where(Project.id == project.id).execute()
        assert listed_as_they_are()
        Project.update(name="Renamed").where(Project.id == project.id).execute()  # no investor changes
        assert listed_as_they_are()
        # Many rows in one statement, as the import writes them, and their deletion.
        Project.insert_many([dict(name=f"Imported {n}", enterprise=(a, c)[n % 2], responsible_unit=unit,
                                  clue_on=dt.date(2026, 1, 5), created_by=creator) for n in range(6)]).execute()
        assert listed_as_they_are() and BareInvestor.select().count() == 1  # b
        Project.delete().where(Project.name.startswith("Imported"), Project.enterprise == a.id).execute()
        assert listed_as_they_are() and BareInvestor.select().count() == 2  # a, b
        first = contact(b)
        assert listed_as_they_are()
        Contact.update(enterprise=a).where(Contact.id == first.id).execute()
        assert listed_as_they_are()
        first.delete_instance()
        assert listed_as_they_are()
        with database.atomic() as transaction:  # a change undone is no change
            contact(a)
            Project.update(enterprise=a).execute()
            transaction.rollback()
        assert listed_as_they_are()
        contact(a)
        a.delete_instance(recursive=False)  # its contacts go with it (ON DELETE CASCADE)
        assert listed_as_they_are()
        assert set(BareInvestor.select(BareInvestor.enterprise_id).tuples()) <= set(
            Enterprise.select(Enterprise.id).tuples())


def test_a_wrong_list_opens_nothing_and_the_repair_lists_them_again(app, login, org, make_project):
    """The list is a hint: an investor with projects listed by mistake stays closed to a user who
    reads none of them; a bare investor left off is hidden until `portal db upgrade` (its repair)."""
    with app.app_context(), database.connection_context():
        used = Enterprise.create(name="Used Holdings")
        make_project(name="Used works", unit="county_a", enterprise=used)
        bare = Enterprise.create(name="Bare Target Ltd")
        BareInvestor.insert(enterprise_id=used.id).execute()
        BareInvestor.delete().where(BareInvestor.enterprise_id == bare.id).execute()
    department = login("department")
    page = department.get("/investors").get_data(as_text=True)
    assert "Used Holdings" not in page and "Bare Target Ltd" not in page
    with app.app_context(), database.connection_context():
        assert bare_investors.repair_if_wrong() is True
        assert listed_as_they_are()
        assert bare_investors.repair_if_wrong() is False  # a right list is left alone
    page = department.get("/investors").get_data(as_text=True)
    assert "Used Holdings" not in page and "Bare Target Ltd" in page
    assert department.get(f"/investors/{bare.id}").status_code == 200
    assert department.get(f"/investors/{used.id}").status_code == 404
