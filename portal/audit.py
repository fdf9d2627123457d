"""Writing the audit log: every change records who, when, and which fields from what to what."""
from decimal import Decimal

from flask import g, has_request_context
from flask_login import current_user

from portal.models import AuditLog, Industry, Project, PromotionEvent, Unit, User


def _plain(value):
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)  # 12000, not 1.2E+4
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "id"):  # a model instance: store its id and the name people read
        return {"id": value.id, "name": str(getattr(value, "name", None) or value)}
    return value


def diff(before: dict, after: dict) -> dict:
    """``{field: [old, new]}`` for the fields whose values differ."""
    changes = {}
    for key, new in after.items():
        old = before.get(key)
        # Equal values are no change even when their texts differ (8000.5 read back, 8000.50 from a form).
        if old != new and _plain(old) != _plain(new):
            changes[key] = [_plain(old), _plain(new)]
    return changes


#: The author of what the portal does by itself (scheduled checks): stored without a person and
#: shown as "System", even when it runs during someone's request.
SYSTEM = object()


def entry_values(action: str, entity: str, entity_id: int, changes: dict | None = None, note: str = "",
                 user=None) -> dict:
    """The columns of one audit entry (``record`` writes them; bulk writers insert them themselves).
    Without ``user`` the logged-in user of the request is the author; ``user=SYSTEM`` records the
    system."""
    if user is SYSTEM:
        user = None
    elif user is None and current_user and getattr(current_user, "is_authenticated", False):
        user = current_user
    return dict(
        user=user.id if user is not None else None,
        action=action, entity=entity, entity_id=entity_id,
        changes={k: [_plain(v) for v in pair] if isinstance(pair, (list, tuple)) else _plain(pair)
                 for k, pair in (changes or {}).items()} or None,
        note=note,
        api_token_id=g.get("api_token_id") if has_request_context() else None,  # set by portal/api/auth.py
    )


def record(action: str, entity: str, entity_id: int, changes: dict | None = None, note: str = "", user=None):
    """Append one entry to the audit log (inside the caller's transaction)."""
    return AuditLog.create(**entry_values(action, entity, entity_id, changes, note, user))


def record_names(entries) -> dict:
    """``{(entity, id): name}`` for the projects, units, users and industries the entries are
    about: one query per kind of record, so a page of entries reads them at once."""
    wanted = {}
    for entry in entries:
        wanted.setdefault(entry.entity, set()).add(entry.entity_id)
    names = {}
    for entity, (model, column) in _NAMED_RECORDS.items():
        ids = sorted(i for i in wanted.get(entity, ()) if i is not None)
        if ids:
            for record_id, name in model.select(model.id, column).where(model.id.in_(ids)).tuples():
                names[(entity, record_id)] = name
    return names


_NAMED_RECORDS = {
    "project": (Project, Project.name),
    "unit": (Unit, Unit.name),
    "user": (User, User.display_name),
    "industry": (Industry, Industry.name_zh),
    "promotion_event": (PromotionEvent, PromotionEvent.name),
}
