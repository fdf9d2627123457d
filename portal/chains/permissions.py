"""Who may read and change industry chains and target enterprises (chains feature).

Built on the core's rules in ``portal.permissions`` (units, projects); the same answer rule:
a record the user may not read is 404, an action they may not take on one they read is 403.
"""
from __future__ import annotations

from portal.models import User
from portal.permissions import is_bureau, logged_in


def can_read_chains(user: User) -> bool:
    """The chain pages (links, gaps, leader, team, targets); the projects on them stay filtered."""
    return logged_in(user)


def can_edit_chain(user: User) -> bool:
    """Set a chain's leader and special team."""
    return is_bureau(user)


def can_add_target_enterprise(user: User) -> bool:
    """Departments keep the target-enterprise lists; the bureau may add to any."""
    return is_bureau(user) or (logged_in(user) and user.role == "department")


def can_edit_target_enterprise(user: User, target) -> bool:
    if target is None or not logged_in(user):
        return False
    if is_bureau(user):
        return True
    return user.role == "department" and target.unit_id == user.unit_id
