"""Who may read and change the figures pages (dashboard feature).

Built on the core's rules in ``portal.permissions`` (units, projects); the same answer rule:
a record the user may not read is 404, an action they may not take on one they read is 403.
"""
from __future__ import annotations

from portal.models import Unit, User
from portal.permissions import logged_in, sees_everything


def can_view_dashboard(user: User) -> bool:
    """Every logged-in user opens the dashboard; what it covers depends on the role."""
    return logged_in(user)


def dashboard_unit(user: User) -> Unit | None:
    """The unit a user's figures are confined to (with its sub-units), or None for the whole city.

    Leaders, the bureau and administrators see the city; unit staff their subtree;
    departments their own unit. A unit's figures cover ``units_projects_condition``: a
    stationed team's are those of the projects it sourced.
    """
    if sees_everything(user):
        return None
    return user.unit


def can_view_dashboard_unit(user: User, unit: Unit) -> bool:
    """May the user see the figures of this unit (and its sub-units)?"""
    if not can_view_dashboard(user) or unit is None:
        return False
    confined = dashboard_unit(user)
    return confined is None or unit.is_within(confined)
