"""Who may read and change the assessment, the ranking, targets and the top ten (ranking feature).

Built on the core's rules in ``portal.permissions`` (units, projects); the same answer rule:
a record the user may not read is 404, an action they may not take on one they read is 403.
"""
from __future__ import annotations

from portal.models import User
from portal.permissions import is_bureau, logged_in, sees_everything


def can_read_ranking(user: User) -> bool:
    """The ranking is published within the city: every logged-in user reads it."""
    return logged_in(user)


def can_edit_targets(user: User) -> bool:
    """Only the bureau enters and uploads units' annual targets."""
    return is_bureau(user)


def can_read_top_ten_candidates(user: User) -> bool:
    """The candidate list (every project of the year) is for those who see everything."""
    return sees_everything(user)


def can_select_top_ten(user: User) -> bool:
    """Only the bureau records the year's "Top ten projects"."""
    return is_bureau(user)
