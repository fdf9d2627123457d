"""Each user's choice of notification kinds (a row only where it differs from nothing: the
kind's default holds until the user saves a choice)."""
from __future__ import annotations

from portal.models.fields import utcnow
from portal.models.notifications import NotificationPreference
from portal.notifications import kinds


def enabled(user, available) -> dict[str, bool]:
    """``{kind code: wanted}`` for the given kinds: the user's choice, else the kind's default (one query)."""
    chosen = dict(NotificationPreference.select(NotificationPreference.kind, NotificationPreference.enabled)
                  .where(NotificationPreference.user == user.id).tuples())
    return {k.code: bool(chosen.get(k.code, k.default)) for k in available}


def save(user, wanted: dict[str, bool]) -> dict[str, list]:
    """Store the choices that differ from the current ones; ``{kind: [before, after]}`` of those."""
    rows = {row.kind: row for row in NotificationPreference.select().where(NotificationPreference.user == user.id)}
    changes = {}
    for code, want in wanted.items():
        kind = kinds.get(code)
        before = rows[code].enabled if code in rows else (kind.default if kind else True)
        if bool(before) == bool(want):
            continue
        changes[code] = [bool(before), bool(want)]
        if code in rows:
            NotificationPreference.update(enabled=want, updated_at=utcnow()).where(
                NotificationPreference.id == rows[code].id).execute()
        else:
            NotificationPreference.create(user=user.id, kind=code, enabled=want)
    return changes
