"""Reviewing a project under the active rules (``portal_project_review``) and storing the result."""
from __future__ import annotations

import typing
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from portal import hookspecs, plugins, rules
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


def review(project: Project) -> Review:
    context = rules.rule_context()
    answers, failed = plugins.call_with_plugins("portal_project_review", project=project, context=context)
    for _name, answer in answers:
        answer.setdefault("scores", [])
        answer.setdefault("vetoes", [])
        answer.setdefault("notes", [])
        answer.setdefault("total", None)
    return Review(system=context.system, answers=answers, failed=failed)


def store_recommendation(project: Project) -> str:
    """Save the current recommendation in ``Project.review_recommendation`` (lists filter by it).

    When a review plugin failed, the stored recommendation stays as it was: the answer
    of the plugins that worked is not the whole review, and the failing plugin's last
    word must not be erased by its silence (docs/plugins.md, "When a plugin fails").
    """
    result = review(project)
    if result.failed:
        return project.review_recommendation
    recommendation = result.recommendation
    if recommendation != project.review_recommendation:
        Project.update(review_recommendation=recommendation).where(Project.id == project.id).execute()
        project.review_recommendation = recommendation
    return recommendation


def store_recommendations(project_ids, chunk: int = 500) -> None:
    """``store_recommendation`` for many projects, read a chunk at a time."""
    ids = sorted(set(project_ids))
    for start in range(0, len(ids), chunk):
        for project in Project.select().where(Project.id.in_(ids[start:start + chunk])):
            store_recommendation(project)


def recompute_all() -> int:
    """Recompute every project's stored recommendation (after the industry system changed)."""
    count = 0
    for project in Project.select().where(Project.archived == False).iterator():  # noqa: E712
        store_recommendation(project)
        count += 1
    return count
