"""Writing the audit log: every change records who, when, and which fields from what to what."""
from decimal import Decimal

from flask_login import current_user

from portal.models import AuditLog


def _plain(value):
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)  # 12000, not 1.2E+4
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "id"):  # a model instance: store its id and name
        return {"id": value.id, "name": str(value)}
    return value


def diff(before: dict, after: dict) -> dict:
    """``{field: [old, new]}`` for the fields whose values differ."""
    changes = {}
    for key, new in after.items():
        old = before.get(key)
        if _plain(old) != _plain(new):
            changes[key] = [_plain(old), _plain(new)]
    return changes


def entry_values(action: str, entity: str, entity_id: int, changes: dict | None = None, note: str = "",
                 user=None) -> dict:
    """The columns of one audit entry (``record`` writes them; bulk writers insert them themselves)."""
    if user is None and current_user and getattr(current_user, "is_authenticated", False):
        user = current_user
    return dict(
        user=user.id if user is not None else None,
        action=action, entity=entity, entity_id=entity_id,
        changes={k: [_plain(v) for v in pair] if isinstance(pair, (list, tuple)) else _plain(pair)
                 for k, pair in (changes or {}).items()} or None,
        note=note,
    )


def record(action: str, entity: str, entity_id: int, changes: dict | None = None, note: str = "", user=None):
    """Append one entry to the audit log (inside the caller's transaction)."""
    return AuditLog.create(**entry_values(action, entity, entity_id, changes, note, user))
