"""The sourcing feature's notification: a stationed team behind its quota (registered with
``portal.notifications.kinds`` when the sourcing plugin loads). The flag rule decides who is
behind (``portal_team_quota_flags``, so a county's rule decides here too); the team's staff and
the bureau hear of it once a week per team."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from portal.models import Unit, User
from portal.models.notifications import NotificationSend
from portal.notifications.kinds import Due, Kind
from portal.notifications.service import unit_user_ids
from portal.sourcing import quotas
from portal.timeutil import iso_week

KIND = "team_quota"


def teams_behind_quota(today: dt.date) -> list[Due]:
    """The teams the quota rule flags today, not yet told this week: their staff and the bureau.
    The teams are few (a city has a handful): their paces are four grouped counts."""
    teams = {team.id: team for team in Unit.select().where(Unit.kind == "team", Unit.active == True)}  # noqa: E712
    flagged = quotas.flags(quotas.paces(teams.values(), today))
    week = iso_week(today)
    told = {subject for (subject,) in NotificationSend.select(NotificationSend.subject_id)
            .where(NotificationSend.kind == KIND, NotificationSend.key == week).tuples()}
    behind = [team_id for team_id in flagged if team_id in teams and team_id not in told]
    if not behind:
        return []
    staff = unit_user_ids(behind)
    bureau = [uid for (uid,) in User.select(User.id).where(User.role == "bureau", User.active == True).tuples()]  # noqa: E712
    return [Due(tuple(dict.fromkeys(staff.get(team_id, []) + bureau)), {"team": teams[team_id].name},
                f"/teams/{team_id}", team_id, week) for team_id in sorted(behind)]


#: Sourcing's kind (``portal_notification_kinds`` of its plugin).
KINDS = (
    Kind(KIND, _l("A stationed team behind its quota"),
         _l("The stationed team %(team)s is behind its quota: see its page."),
         roles=("bureau", "unit"), daily=teams_behind_quota, order=60),
)
