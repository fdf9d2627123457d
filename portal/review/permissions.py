"""Who may read and change project review (review feature).

Built on the core's rules in ``portal.permissions`` (units, projects); the same answer rule:
a record the user may not read is 404, an action they may not take on one they read is 403.
"""
from __future__ import annotations

from portal.models import Project, User
from portal.permissions import can_read_project, is_bureau


def can_read_review(user: User, project: Project) -> bool:
    return can_read_project(user, project)


def can_decide_review(user: User, project: Project) -> bool:
    """Record the review decision on a project (the bureau)."""
    return is_bureau(user) and project is not None and not project.archived
