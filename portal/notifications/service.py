"""Sending notifications: to the users who did not turn the kind off, in the portal first, then
to every delivery plugin (``portal_deliver_notification``: e-mail, an enterprise messenger …).

A delivery plugin that fails is reported to administrators (the plugin failures page) and the
notification stays in the portal: delivery runs after the rows are written and its failures
never reach the caller's transaction."""
from __future__ import annotations

import logging

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from portal import permissions, plugins
from portal.db import count_up_to
from portal.models import Notification, Project, User
from portal.models.fields import utcnow
from portal.models.notifications import NotificationPreference
from portal.notifications import kinds

log = logging.getLogger(__name__)

#: What a notification says once its project moved out of the reader's reach.
NO_LONGER_READABLE = _l("A notification's project is no longer among those you read.")

DELIVERY_HOOK = "portal_deliver_notification"


def turned_off(user_ids, kind: str) -> set[int]:
    """Those of ``user_ids`` who do not want ``kind`` (their choice, else the kind's default): one query."""
    registered = kinds.get(kind)
    default = registered.default if registered else True
    rows = (NotificationPreference.select(NotificationPreference.user, NotificationPreference.enabled)
            .where(NotificationPreference.kind == kind, NotificationPreference.user.in_(list(user_ids))).tuples())
    chosen = dict(rows)
    return {uid for uid in user_ids if not chosen.get(uid, default)}


def unit_user_ids(unit_ids) -> dict[int, list[int]]:
    """``{unit id: [active user ids]}`` for many units in one query."""
    found: dict[int, list[int]] = {}
    ids = sorted(set(unit_ids))
    if ids:
        for uid, unit_id in (User.select(User.id, User.unit).where(User.unit.in_(ids), User.active == True)  # noqa: E712
                             .order_by(User.id).tuples()):
            found.setdefault(unit_id, []).append(uid)
    return found


def send(user_ids, kind: str, args: dict, link: str = "", skip=None) -> int:
    """One notification of ``kind`` per user (never to ``skip``, the author of the change, nor
    to a user who turned the kind off); then the delivery plugins. Returns how many were created."""
    wanted = [uid for uid in dict.fromkeys(user_ids) if uid and (skip is None or uid != skip.id)]
    return send_many(kind, [(wanted, args, link)])[0]


def send_many(kind: str, items) -> list[int]:
    """``send`` for many ``(user ids, args, link)`` at once: one query for the users' choices, one
    insert per 500 notifications; how many each item created."""
    items = [([uid for uid in dict.fromkeys(user_ids) if uid], args, link) for user_ids, args, link in items]
    everyone = {uid for user_ids, _args, _link in items for uid in user_ids}
    if not everyone:
        return [0] * len(items)
    off = turned_off(sorted(everyone), kind)
    now = utcnow()
    rows, counts = [], []
    for user_ids, args, link in items:
        mine = [{"user": uid, "kind": kind, "args": args, "link": link, "created_at": now}
                for uid in user_ids if uid not in off]
        rows += mine
        counts.append(len(mine))
    for start in range(0, len(rows), 500):
        Notification.insert_many(rows[start:start + 500]).execute()
    deliver_many(kind, [(row["user"], row["args"], row["link"]) for row in rows])
    return counts


def text(kind: str, args: dict | None) -> str:
    """The text of a notification in the current language."""
    registered = kinds.get(kind)
    values = {"project": "", "summary": "", "unit": "", "deadline": "", "count": ""}
    values.update(args or {})
    if registered is None:
        return str(values.get("summary", ""))
    for name, labels in registered.labels.items():
        if values.get(name) in labels:
            values[name] = str(labels[values[name]])
    try:
        return str(registered.text) % values
    except (KeyError, ValueError, TypeError):  # an old row without an argument a newer text names
        return str(registered.label)


def deliver_many(kind: str, notifications) -> int:
    """Hand each ``(user id, args, link)`` to the delivery plugins, in its recipient's language. A
    failing plugin is reported (plugins.PluginRegistry.report) and skipped; nothing is raised."""
    try:
        hook = getattr(plugins.registry().pm.hook, DELIVERY_HOOK)
    except (RuntimeError, KeyError, AttributeError):  # outside an app: nothing to deliver to
        return 0
    if not notifications or not hook.get_hookimpls():
        return 0
    users = {u.id: u for u in User.select().where(User.id.in_(sorted({uid for uid, _a, _l in notifications})))}
    delivered = 0
    for user_id, args, link in notifications:
        user = users[user_id]
        with force_locale(user.locale or current_app.config["DEFAULT_LOCALE"]):
            notification = {"kind": kind, "text": text(kind, args), "link": link, "args": dict(args or {})}
        try:
            plugins.call(DELIVERY_HOOK, user=user, notification=notification)
            delivered += 1
        except Exception:  # noqa: BLE001 - strict mode re-raises a reported failure: the portal's copy stays
            log.exception("a delivery plugin failed for a %s notification", kind)
    return delivered


#: The header's count stops here and says "99+": a user with tens of thousands unread (a bureau
#: account at a province's scale) made every page count them all (2–27 ms at 25,000).
BADGE_CAP = 99


def unread_count(user, cap: int | None = None) -> int:
    """The user's unread notifications; with ``cap``, counted no further than ``cap + 1`` (the
    database stops reading there)."""
    query = Notification.select(Notification.id).where(Notification.user == user.id, Notification.read_at.is_null())
    if cap is None:
        return query.count()
    # Ordered as the (user, read_at) index is, so the database walks the user's unread entries in it and stops
    # at the cap. Unordered, PostgreSQL reckoned a user's share as the average user's and chose to read the
    # table until the cap (every row, for a user with few): 2.5-9 ms on every page at 20,000 notifications,
    # against 0.1 ms.
    return count_up_to(query.order_by(Notification.user, Notification.read_at), cap)


def readable(notifications, user) -> dict[int, dict]:
    """``{notification id: {"text", "readable"}}`` as ``user`` may read each one now. Kinds with
    their own ``readable`` (problems) answer for theirs; the others name a project by
    ``args["project_id"]`` and are readable while the user reads that project (one query)."""
    notifications = list(notifications)
    shown: dict[int, dict] = {}
    by_reader: dict = {}
    plain = []
    for n in notifications:
        registered = kinds.get(n.kind)
        if registered is not None and registered.readable is not None:
            by_reader.setdefault(registered.readable, []).append(n)
        else:
            plain.append(n)
    for reader, group in by_reader.items():
        shown.update(reader(group, user))
    project_ids = {(n.args or {}).get("project_id") for n in plain} - {None}
    visible = set()
    if project_ids:
        query = Project.select(Project.id).where(Project.id.in_(sorted(project_ids)))
        visible = {p.id for p in permissions.visible_projects(user, query)}
    for n in plain:
        project_id = (n.args or {}).get("project_id")
        if project_id is not None and project_id not in visible:
            shown[n.id] = {"text": str(NO_LONGER_READABLE), "readable": False}
        else:
            shown[n.id] = {"text": text(n.kind, n.args), "readable": True}
    return shown

