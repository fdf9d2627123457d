"""Reviewing a project under the active rules (``portal_project_review``) and storing the result."""
from __future__ import annotations

import typing
from dataclasses import dataclass, field

import peewee
from flask_babel import lazy_gettext as _l

from portal import hookspecs, plugins, rules
from portal.db import database
from portal.models import Project

RECOMMENDATIONS = typing.get_args(hookspecs.Recommendation)
RECOMMENDATION_LABELS = {
    "suits": _l("Suits: do it"),
    "discuss": _l("Needs discussion"),
    "unsuitable": _l("Does not suit"),
}
DECISION_LABELS = {
    "approve": _l("Approved"),
    "discuss": _l("To be discussed"),
    "reject": _l("Rejected"),
}
_CAUTION = {"": -1, "suits": 0, "discuss": 1, "unsuitable": 2}


@dataclass
class Review:
    system: dict | None
    answers: list[tuple[str, dict]] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def recommendation(self) -> str:
        """The most cautious recommendation of all answers ('' when no plugin answered)."""
        best = ""
        for _name, answer in self.answers:
            if _CAUTION[answer["recommendation"]] > _CAUTION[best]:
                best = answer["recommendation"]
        return best


def review(project: Project, context=None) -> Review:
    """The project's review under the active rules (``context``: a ``rules.rule_context()`` made
    once for many projects; made here when not given)."""
    context = context or rules.rule_context()
    answers, failed = plugins.call_with_plugins("portal_project_review", project=project, context=context)
    for _name, answer in answers:
        answer.setdefault("scores", [])
        answer.setdefault("vetoes", [])
        answer.setdefault("notes", [])
        answer.setdefault("total", None)
    return Review(system=context.system, answers=answers, failed=failed)


def _changed_recommendation(project: Project, context) -> str | None:
    """The project's new recommendation when it differs from the stored one; None when it does
    not, or when a review plugin failed: the answer of the plugins that worked is not the whole
    review, and the failing plugin's last word must not be erased by its silence (docs/plugins.md,
    "When a plugin fails")."""
    result = review(project, context)
    if result.failed or result.recommendation == project.review_recommendation:
        return None
    return result.recommendation


def store_recommendation(project: Project) -> str:
    """Save the current recommendation in ``Project.review_recommendation`` (lists filter by it);
    when a review plugin failed, the stored one stays."""
    recommendation = _changed_recommendation(project, rules.rule_context())
    if recommendation is not None:
        Project.update(review_recommendation=recommendation).where(Project.id == project.id).execute()
        project.review_recommendation = recommendation
    return project.review_recommendation


def _store_many(projects: list[Project], context) -> int:
    """Review the projects and store what changed, 200 to a statement (one UPDATE a project was
    a round trip each to a database server); the number changed."""
    changed = [(p.id, rec) for p in projects if (rec := _changed_recommendation(p, context)) is not None]
    for start in range(0, len(changed), 200):
        chunk = changed[start:start + 200]
        Project.update(review_recommendation=peewee.Case(Project.id, chunk)).where(
            Project.id.in_([pid for pid, _rec in chunk])).execute()
    return len(changed)


def store_recommendations(project_ids, chunk: int = 500) -> int:
    """``store_recommendation`` for many projects (an import), read a chunk at a time under one
    rule context (reading the active system per project was a third of the time); the number changed."""
    context = rules.rule_context()
    ids = sorted(set(project_ids))
    return sum(_store_many(list(Project.select().where(Project.id.in_(ids[start:start + chunk]))), context)
               for start in range(0, len(ids), chunk))


def recompute_all(chunk: int = 500) -> int:
    """Recompute every active project's stored recommendation (after the industry system or the
    review plugins changed), a chunk at a time; the number changed."""
    context = rules.rule_context()
    changed, last_id = 0, 0
    while True:
        projects = list(Project.select().where(Project.archived == False, Project.id > last_id)  # noqa: E712
                        .order_by(Project.id).limit(chunk))
        if not projects:
            return changed
        with database.atomic():
            changed += _store_many(projects, context)
        last_id = projects[-1].id
