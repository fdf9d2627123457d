"""A duplicate investor for the demo city, so the bureau can try merging it (``portal demo``):
the first demo investor with logged contacts gets a twin, and one of its contacts is filed
under the twin (as happens when a unit picks the wrong one of two records).

Idempotent: the duplicate is found by name before it is created (and not re-created after a
merge folded it into its survivor). Runs after the sourcing demo, whose contacts it uses."""
from __future__ import annotations

from portal.models import Contact, Enterprise, MergeRecord

SUFFIX = "（重复录入）"


def add_demo_duplicate(context) -> None:
    contact = (Contact.select().join(Enterprise, on=(Contact.enterprise == Enterprise.id))
               .where(~Enterprise.name.endswith(SUFFIX)).order_by(Enterprise.id, Contact.id.desc()).first())
    if contact is None:
        return
    original = contact.enterprise
    name = original.name + SUFFIX
    if Enterprise.select().where(Enterprise.name == name).exists() or \
            MergeRecord.select().where(MergeRecord.duplicate_name == name).exists():
        return
    duplicate = Enterprise.create(name=name, origin_country=original.origin_country,
                                  origin_province=original.origin_province, origin_city=original.origin_city)
    Contact.update(enterprise=duplicate).where(Contact.id == contact.id).execute()
    context.created["duplicate investors"] = 1
