"""Who merges duplicates: the bureau's staff, who read and edit every record (a unit might see
only one of the two records, and the other unit's projects would move under its eyes)."""
from __future__ import annotations

from portal import permissions


def can_merge(user) -> bool:
    return permissions.is_bureau(user)
