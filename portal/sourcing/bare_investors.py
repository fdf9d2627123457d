"""The bare investors: those with neither projects nor contacts, whose page every user may open.

On SQLite and PostgreSQL the database lists their ids in ``bare_investor`` (migration 0058's
triggers), so a user who reads few projects finds them without testing every investor of the
city. The list is a hint: each listed investor is asked again for a project or a contact, so a row
left behind by two racing transactions opens nothing. MySQL keeps no list (no triggers): every
investor is tested there.
"""
from __future__ import annotations

import logging

import peewee

from portal.db import backend, database, keeps_figure_triggers
from portal.models import BareInvestor, Contact, Enterprise, Project

log = logging.getLogger(__name__)


def kept() -> bool:
    """Whether the database keeps the list (the same triggers' support as the figures' tally)."""
    return keeps_figure_triggers()


def unused(investor) -> peewee.Expression:
    """SQL: the investor whose id is ``investor`` (a column) has no project and no contact, asked of
    each investor in an index. (On PostgreSQL OFFSET 0: in an OR, its planner would hash every
    project's investor first: a county's /investors took twice as long.)"""
    def none_in(query):
        return ~peewee.fn.EXISTS(query.offset(0) if backend() == "postgresql" else query)

    return (none_in(Project.select(peewee.SQL("1")).where(Project.enterprise == investor))
            & none_in(Contact.select(peewee.SQL("1")).where(Contact.enterprise == investor)))


def listed():
    """The ids of the bare investors (only where ``kept``): the database's list, each checked again."""
    return BareInvestor.select(BareInvestor.enterprise_id).where(unused(BareInvestor.enterprise_id))


def repair_if_wrong() -> bool:
    """Compare the list with the investors and write it again where they differ (triggers switched off
    during a restore, two racing transactions, rows written by hand). ``portal db upgrade`` runs it.
    Returns whether it wrote."""
    if not kept():
        return False
    should, params = Enterprise.select(Enterprise.id).where(unused(Enterprise.id)).sql()
    differ = database.execute_sql(
        f"SELECT EXISTS ({should} EXCEPT SELECT enterprise_id FROM bare_investor) "
        f"OR EXISTS (SELECT enterprise_id FROM bare_investor EXCEPT {should})", params * 2).fetchone()[0]
    if not differ:
        return False
    with database.atomic():
        if backend() == "postgresql":  # one statement, one snapshot, as the tally's repair
            database.execute_sql(f"WITH gone AS (DELETE FROM bare_investor) "
                                 f"INSERT INTO bare_investor (enterprise_id) {should}", params)
        else:
            database.execute_sql("DELETE FROM bare_investor")
            database.execute_sql(f"INSERT INTO bare_investor (enterprise_id) {should}", params)
    log.warning("the list of bare investors differed from the investors: listed again")
    return True
