"""The year's "Top ten projects" (十大项目): candidates ranked by review and figures, and the
bureau's selection with a reason for each (audited on each project)."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import Case

from portal import audit, permissions
from portal.db import database
from portal.models import Project, TopTenSelection, Unit
from portal.web import parse_id

MAX_SELECTED = 10
MAX_CANDIDATES = 40

#: Review recommendations, best first (the review feature stores them on the project).
RECOMMENDATION_ORDER = ("suits", "discuss", "", "unsuitable")
RECOMMENDATION_LABELS = {"suits": _l("Suits: do it"), "discuss": _l("To discuss"), "unsuitable": _l("Does not suit")}


def recommendation_label(code: str) -> str:
    try:
        from portal.review.service import RECOMMENDATION_LABELS as labels
    except ImportError:
        labels = RECOMMENDATION_LABELS
    return str(labels.get(code, RECOMMENDATION_LABELS.get(code, code or "—")))


def _in_year(field, year: int):
    return field.between(dt.date(year, 1, 1), dt.date(year, 12, 31))


def candidates(year: int, user, limit: int = MAX_CANDIDATES) -> list[Project]:
    """Projects signed or started in the year that the user may read, best first: review
    recommendation, then started in the year, then total investment."""
    review_rank = Case(Project.review_recommendation,
                       [(code, index) for index, code in enumerate(RECOMMENDATION_ORDER)], len(RECOMMENDATION_ORDER))
    started = Case(None, [(_in_year(Project.started_on, year), 0)], 1)
    query = (Project.select(Project, Unit).join(Unit, on=(Project.responsible_unit == Unit.id))
             .where(Project.archived == False,  # noqa: E712
                    _in_year(Project.signed_on, year) | _in_year(Project.started_on, year),
                    Project.stage != "dropped")
             .order_by(review_rank, started, Project.total_investment.desc(), Project.id)
             .limit(limit))
    projects = list(permissions.visible_projects(user, query))
    for project in projects:
        project.review_total = review_total(project)
    # Within a recommendation, the higher review score first (stable: then start, investment).
    projects.sort(key=lambda p: (_recommendation_rank(p.review_recommendation),
                                 0 if p.review_total is not None else 1, -(p.review_total or 0)))
    return projects


def _recommendation_rank(code: str) -> int:
    return RECOMMENDATION_ORDER.index(code) if code in RECOMMENDATION_ORDER else len(RECOMMENDATION_ORDER)


def review_total(project):
    """The project's review score under the active rules (portal_project_review), or None."""
    try:
        from portal.review import service
    except ImportError:
        return None
    totals = [answer["total"] for _name, answer in service.review(project).answers if answer.get("total") is not None]
    return min(totals) if totals else None


def selection(year: int) -> list[TopTenSelection]:
    return list(TopTenSelection.select(TopTenSelection, Project, Unit)
                .join(Project).join(Unit, on=(Project.responsible_unit == Unit.id))
                .where(TopTenSelection.year == year).order_by(TopTenSelection.rank))


def read_form(form, year: int, user) -> tuple[list[dict], list[tuple[int, str]], dict]:
    """Rows ``project-N``/``reason-N`` (N = 1…10) → (rows to show again, picks, errors by row)."""
    rows, picks, errors, seen = [], [], {}, set()
    for n in range(1, MAX_SELECTED + 1):
        raw = (form.get(f"project-{n}") or "").strip()
        reason = (form.get(f"reason-{n}") or "").strip()
        rows.append({"project": raw, "reason": reason})
        if not raw:
            if reason:
                errors[n] = _("Choose a project for this reason.")
            continue
        project_id = parse_id(raw)
        if project_id is None:
            errors[n] = _("Choose a project from the list.")
            continue
        project = Project.get_or_none(Project.id == project_id)
        if project is None or project.archived or not permissions.can_read_project(user, project):
            errors[n] = _("Choose a project from the list.")
        elif project_id in seen:
            errors[n] = _("This project is already selected.")
        elif not reason:
            errors[n] = _("Give a reason for selecting this project.")
        elif len(reason) > 2000:
            errors[n] = _("The reason is too long (at most 2000 characters).")
        else:
            seen.add(project_id)
            picks.append((project_id, reason))
    return rows, picks, errors


def save(year: int, picks: list[tuple[int, str]], user) -> None:
    """Replace the year's selection (ranks in the given order); audit every project whose
    place or reason changed, entered or left."""
    before = {s.project_id: (s.rank, s.reason) for s in TopTenSelection.select().where(TopTenSelection.year == year)}
    after = {project_id: (rank, reason) for rank, (project_id, reason) in enumerate(picks, start=1)}
    with database.atomic():
        TopTenSelection.delete().where(TopTenSelection.year == year).execute()
        for project_id, (rank, reason) in after.items():
            TopTenSelection.create(year=year, project=project_id, rank=rank, reason=reason, by=user.id)
        for project_id in set(before) | set(after):
            old, new = before.get(project_id), after.get(project_id)
            if old == new:
                continue
            changes = {f"top_ten_{year}.rank": [old[0] if old else None, new[0] if new else None]}
            if (old[1] if old else None) != (new[1] if new else None):
                changes[f"top_ten_{year}.reason"] = [old[1] if old else None, new[1] if new else None]
            action = "top_ten_add" if old is None else ("top_ten_remove" if new is None else "top_ten_edit")
            audit.record(action, "project", project_id, changes, user=user)
