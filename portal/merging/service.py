"""Merging a duplicate into its survivor, and undoing it.

What moves is found from the models, not listed by hand: every foreign key of ``ALL_MODELS``
to the merged kind of record (so a feature's new table, e.g. credit shares, moves too),
except the references that are the duplicate's own history (``KEPT``). A row whose move
would break a unique index (the survivor already has the same event link) stays where it
is. A merged investor is deleted (its columns kept in the ``MergeRecord``); a merged project
is archived. The survivor keeps its own details; where it has none (a blank field: no
investor, no planned date, no credit code …) the bureau may tick the duplicate's value in
(``fillable``). The undo moves exactly the moved rows back, re-creates or restores the
duplicate, blanks the filled fields again, and refuses when a later change stands in the way."""
from __future__ import annotations

from dataclasses import dataclass

import peewee
from flask_babel import lazy_gettext as _l

from portal import audit, plugins
from portal.db import database
from portal.models import ALL_MODELS, Enterprise, MergeRecord, Project
from portal.models.fields import utcnow

#: References that stay with the duplicate: its stage history (the survivor's history is the
#: record), frozen weekly snapshots, the import that created it (its undo deletes what it
#: created), the review decided on it and its place in a year's top ten.
KEPT = frozenset({"stage_change.project", "flag_snapshot.project", "week_new_in_list.project",
                  "import_item.project", "review_decision.project", "top_ten_selection.project"})

ENTITIES = {"investor": Enterprise, "project": Project}
#: The details a survivor may take from its duplicate where it has none (never the name, the
#: unit, the stage and its dates, amounts it reports or an investor's class: those are its own).
FILLABLE = {
    "investor": ("credit_code", "origin_country", "origin_province", "origin_city"),
    "project": ("code", "enterprise", "industry_code", "chain_link_code", "park", "source_channel",
                "investment_method", "source_team", "responsible_person", "leader", "special_team",
                "contracted_amount", "foreign_capital", "expected_output", "expected_tax", "expected_jobs",
                "land_area_mu", "safety_assessment", "environment_assessment", "planned_sign_date",
                "planned_start_date", "planned_completion_date", "planned_production_date"),
}


class MergeError(ValueError):
    """A merge or an undo that cannot be done; the message says why."""


@dataclass
class Reference:
    model: type
    field: peewee.ForeignKeyField
    unique_with: list  # for each unique index holding the field: the other columns

    @property
    def key(self) -> str:
        return f"{self.model._meta.table_name}.{self.field.name}"

    def movable(self, duplicate_id: int, survivor_id: int):
        """SQL: the duplicate's rows that can point at the survivor without breaking a unique index."""
        query = self.model.select(self.model._meta.primary_key).where(self.field == duplicate_id)
        for others in self.unique_with:
            twin = self.model.alias()
            same = [getattr(twin, self.field.name) == survivor_id]
            same += [getattr(twin, name) == getattr(self.model, name) for name in others]
            query = query.where(~peewee.fn.EXISTS(twin.select(twin._meta.primary_key).where(*same)))
        return query


def references(entity: str) -> list[Reference]:
    target = ENTITIES[entity]
    found = []
    for model in ALL_MODELS:
        for field in model._meta.fields.values():
            if not isinstance(field, peewee.ForeignKeyField) or field.rel_model is not target:
                continue
            ref = Reference(model, field, [])
            if ref.key in KEPT:
                continue
            if field.unique:
                ref.unique_with.append([])
            for index in model._meta.indexes:
                if isinstance(index, tuple) and index[1] and field.name in index[0]:
                    ref.unique_with.append([name for name in index[0] if name != field.name])
            found.append(ref)
    return found


def preview(entity: str, duplicate, survivor) -> list[dict]:
    """What would move: ``[{"key", "table", "moves", "stays"}]`` per reference with rows (two counts each)."""
    rows = []
    for ref in references(entity):
        total = ref.model.select().where(ref.field == duplicate.id).count()
        if not total:
            continue
        moves = ref.movable(duplicate.id, survivor.id).count()
        rows.append({"key": ref.key, "table": ref.model._meta.table_name, "moves": moves, "stays": total - moves})
    return rows


def _blank(value) -> bool:
    return value is None or value == ""


def _stored(record, name: str):
    """A field's stored value (a related record's id for a foreign key)."""
    field = type(record)._meta.fields[name]
    return getattr(record, field.column_name) if isinstance(field, peewee.ForeignKeyField) else getattr(record, name)


def fillable(entity: str, duplicate, survivor) -> list[str]:
    """The fields the survivor has blank and the duplicate has filled, in form order."""
    return [name for name in FILLABLE[entity]
            if _blank(_stored(survivor, name)) and not _blank(_stored(duplicate, name))]


def _plain(value):
    """A value as JSON keeps it (dates as ISO text, amounts as text)."""
    return value.isoformat() if hasattr(value, "isoformat") else str(value) if hasattr(value, "as_tuple") else value


def taken_value(record, name: str):
    """A field's value as the merge page offers it and the history records it: a related record
    by id and name (it may be renamed or deleted later), anything else as stored (JSON-plain)."""
    value = _stored(record, name)
    if isinstance(type(record)._meta.fields[name], peewee.ForeignKeyField):
        related = getattr(record, name)
        return {"id": value, "name": getattr(related, "display_name", None) or related.name}
    return _plain(value)


def _check(entity: str, duplicate, survivor) -> None:
    if duplicate.id == survivor.id:
        raise MergeError(_l("Choose another record as the survivor: a record cannot be merged into itself."))
    if entity == "project" and survivor.archived:
        raise MergeError(_l("The survivor is archived: restore it first, or choose another."))


def merge(entity: str, duplicate, survivor, user, take=()) -> MergeRecord:
    """Fold ``duplicate`` into ``survivor``; ``take``: fields of ``fillable`` whose value the
    survivor takes from the duplicate (others asked for are ignored: the page offered only those)."""
    _check(entity, duplicate, survivor)
    filled = {name: _stored(duplicate, name) for name in fillable(entity, duplicate, survivor) if name in take}
    with database.atomic():
        moved = {}
        for ref in references(entity):
            ids = [row[0] for row in ref.movable(duplicate.id, survivor.id).tuples()]
            if not ids:
                continue
            ref.model.update({ref.field: survivor.id}).where(ref.model._meta.primary_key.in_(ids)).execute()
            moved[ref.key] = ids
        if entity == "investor":
            left = [ref.key for ref in references(entity)
                    if ref.model.select().where(ref.field == duplicate.id).exists()]
            if left:
                raise MergeError(_l("Some of the duplicate's records cannot move to the survivor (%(tables)s): "
                                    "the investor cannot be merged.", tables=", ".join(left)))
            kept = {name: value for name, value in duplicate.__data__.items()}
            Enterprise.delete().where(Enterprise.id == duplicate.id).execute()  # first: its credit code is unique
        else:
            kept = {"archived": duplicate.archived}
            Project.update(archived=True, version=Project.version + 1, updated_at=utcnow()).where(
                Project.id == duplicate.id).execute()
        model = ENTITIES[entity]
        if filled:
            values = {model._meta.fields[name]: value for name, value in filled.items()}
            if entity == "project":
                values.update({Project.version: Project.version + 1, Project.updated_at: utcnow()})
            model.update(values).where(model.id == survivor.id).execute()
        kept["filled"] = {name: _plain(value) for name, value in filled.items()}
        record = MergeRecord.create(entity=entity, survivor_id=survivor.id, duplicate_id=duplicate.id,
                                    duplicate_name=duplicate.name[:200], duplicate=kept, moved=moved, by=user)
        changes = {"merged_into": [None, survivor.id], **{key: len(ids) for key, ids in moved.items()}}
        audit_entity = "enterprise" if entity == "investor" else "project"
        audit.record("merge", audit_entity, duplicate.id, changes, note=survivor.name, user=user)
        taken = {name: [None, taken_value(duplicate, name)] for name in filled}
        audit.record("merge_survivor", audit_entity, survivor.id, {"merged": [None, duplicate.id], **taken},
                     note=duplicate.name, user=user)
        _tell_plugins(entity, moved, [survivor.id, duplicate.id], user)
    return record


def _tell_plugins(entity: str, moved: dict, project_ids: list, user) -> None:
    """Projects whose records changed recompute their stored values (flags, reviews)."""
    ids = set(project_ids) if entity == "project" else set(moved.get("project.enterprise", []))
    if ids:
        plugins.projects_changed(sorted(ids), "merge", user)


def blockers(record: MergeRecord) -> list[str]:
    """Why the merge cannot be undone now (empty: it can): moved rows changed or gone since."""
    reasons = []
    if record.undone_at is not None:
        return [str(_l("This merge was undone already."))]
    by_key = {ref.key: ref for ref in references(record.entity)}
    for key, ids in (record.moved or {}).items():
        ref = by_key.get(key)
        if ref is None:
            reasons.append(str(_l("The records of %(table)s can no longer be moved back.", table=key)))
            continue
        still = ref.model.select().where(ref.model._meta.primary_key.in_(ids), ref.field == record.survivor_id).count()
        if still != len(ids):
            reasons.append(str(_l("%(count)s of the moved records of %(table)s were changed or deleted since the "
                                  "merge.", count=len(ids) - still, table=key)))
    if record.entity == "investor":
        code = (record.duplicate or {}).get("credit_code")
        holder = Enterprise.credit_code == code
        if "credit_code" in ((record.duplicate or {}).get("filled") or {}):  # the survivor took it: undo blanks it
            holder &= Enterprise.id != record.survivor_id
        if code and Enterprise.select().where(holder).exists():
            reasons.append(str(_l("Another investor has the credit code %(code)s now.", code=code)))
    elif not Project.select().where(Project.id == record.duplicate_id).exists():
        reasons.append(str(_l("The merged project was deleted.")))
    reasons += _filled_since(record)
    return reasons


def _filled_since(record: MergeRecord) -> list[str]:
    """The survivor's filled fields that someone changed after the merge (their blanking would
    lose that change)."""
    filled = (record.duplicate or {}).get("filled") or {}
    model = ENTITIES[record.entity]
    survivor = model.get_or_none(model.id == record.survivor_id)
    if not filled:
        return []
    if survivor is None:
        return [str(_l("The survivor was deleted."))]
    changed = [name for name, value in filled.items() if _plain(_stored(survivor, name)) != value]
    if not changed:
        return []
    from portal.labels import field_label  # the history's names of the fields

    return [str(_l("The survivor's %(fields)s changed after the merge.",
                   fields="、".join(field_label(name) for name in changed)))]


def undo(record: MergeRecord, user) -> None:
    with database.atomic():
        reasons = blockers(record)
        if reasons:
            raise MergeError(" ".join(reasons))
        restored_id = record.duplicate_id
        filled = (record.duplicate or {}).get("filled") or {}
        if filled:  # blank again what the survivor took (first: the investor's credit code is unique)
            model = ENTITIES[record.entity]
            blank = {model._meta.fields[name]: None if model._meta.fields[name].null else "" for name in filled}
            if record.entity == "project":
                blank.update({Project.version: Project.version + 1, Project.updated_at: utcnow()})
            model.update(blank).where(model.id == record.survivor_id).execute()
        if record.entity == "investor":
            row = _enterprise_row(record.duplicate)
            if Enterprise.select().where(Enterprise.id == restored_id).exists():  # SQLite gave its id to a new one
                row.pop("id", None)
            restored_id = Enterprise.insert(**row).execute()
            restored_id = row.get("id", restored_id)
        else:
            Project.update(archived=bool((record.duplicate or {}).get("archived")), version=Project.version + 1,
                           updated_at=utcnow()).where(Project.id == record.duplicate_id).execute()
        by_key = {ref.key: ref for ref in references(record.entity)}
        for key, ids in (record.moved or {}).items():
            ref = by_key[key]
            ref.model.update({ref.field: restored_id}).where(ref.model._meta.primary_key.in_(ids)).execute()
        MergeRecord.update(undone_at=utcnow(), undone_by=user.id).where(MergeRecord.id == record.id).execute()
        audit_entity = "enterprise" if record.entity == "investor" else "project"
        audit.record("unmerge", audit_entity, restored_id, {"merged_into": [record.survivor_id, None]}, user=user)
        audit.record("unmerge_survivor", audit_entity, record.survivor_id,
                     {"merged": [record.duplicate_id, None], **{name: [value, None] for name, value in filled.items()}},
                     user=user)
        _tell_plugins(record.entity, record.moved or {}, [record.survivor_id, record.duplicate_id], user)


def _enterprise_row(values: dict) -> dict:
    """The stored columns back as field values (dates were stored as text)."""
    row = {}
    for name, value in values.items():
        field = Enterprise._meta.fields.get(name)  # "filled" (what the survivor took) is no column
        if field is None:
            continue
        row[name] = field.python_value(value) if isinstance(field, peewee.DateTimeField) and value else value
    return row
