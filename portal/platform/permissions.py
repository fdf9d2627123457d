"""Who may read and change the plugins page (platform feature).

Built on the core's rules in ``portal.permissions`` (units, projects); the same answer rule:
a record the user may not read is 404, an action they may not take on one they read is 403.
"""
from __future__ import annotations

from portal.models import User
from portal.permissions import is_admin


def can_manage_plugins(user: User) -> bool:
    """See every plugin with its errors, enable and disable plugins, choose the industry system."""
    return is_admin(user)
