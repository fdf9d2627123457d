"""Who may read and change API tokens (api feature).

Built on the core's rules in ``portal.permissions`` (units, projects); the same answer rule:
a record the user may not read is 404, an action they may not take on one they read is 403.
"""
from __future__ import annotations

from portal.models import User
from portal.permissions import is_admin, logged_in


def can_have_api_tokens(user: User) -> bool:
    """Every signed-in user may make tokens for their own scripts: a token reads and writes only
    what its user may in the pages."""
    return logged_in(user)


def can_revoke_api_token(user: User, token) -> bool:
    """Its owner, and administrators (a lost laptop, a colleague who left)."""
    return logged_in(user) and token is not None and (token.user_id == user.id or is_admin(user))


def can_read_all_api_tokens(user: User) -> bool:
    return is_admin(user)
