"""The four lists (clues, signed, landed, in production) and "all projects": filtered,
sorted, paged, updated in place with htmx, exported as .xlsx."""
from __future__ import annotations

from flask import Blueprint, current_app, request
from flask_login import current_user, login_required

from portal import extra_fields, flag_reasons, industries
from portal.labels import FLAG_LABELS, STAGE_LABELS
from portal.projects import export, masking
from portal.projects.filters import (
    FLAGS,
    LIST_PAGE_COLUMNS,
    LISTS,
    RECOMMENDATIONS,
    SORTS,
    ListFilters,
    as_date,
    base_query,
    leader_choices,
    page_count,
    unit_choices,
)
from portal.timeutil import today
from portal.web import Page, page_number, render, wants_partial

bp = Blueprint("lists", __name__)


def flag_reason_text(project) -> str:
    """The stored flag reasons as one line in the reader's language (the reasons are what the flag means)."""
    return flag_reasons.render_all(project.flag_reasons)


def show_list(key: str):
    spec = LISTS[key]
    filters = ListFilters.parse(spec, request.args, current_user)
    status = 400 if filters.errors else 200
    if request.args.get("format") == "xlsx" and not filters.errors:
        return export.response(current_user, filters, today())
    query = base_query(current_user, filters, project_columns=LIST_PAGE_COLUMNS).order_by(
        *filters.order_for(current_user))
    size = current_app.config.get("PAGE_SIZE", 50)
    page = Page(query, page_number(), size, count=lambda: page_count(current_user, filters))
    industry_choices = industries.choices()
    industry_names = dict(industry_choices)
    return render(
        "projects/list.html", "projects/_rows.html", status=status,
        spec=spec, lists=LISTS, filters=filters, page=page,
        units=unit_choices(current_user), leaders=leader_choices(),
        industry_choices=industry_choices, stages=filters.stage_choices(),
        flags=FLAGS, recommendations=RECOMMENDATIONS, sorts=SORTS,
        STAGE_LABELS=STAGE_LABELS, FLAG_LABELS=FLAG_LABELS,
        investor=lambda project: masking.investor_name(project, current_user),
        industry_label=lambda code: industry_names.get(code, code or ""), flag_reason=flag_reason_text,
        export_url=_export_url(), partial=wants_partial(),
        list_date=lambda project: as_date(project.shown_on), date_label=filters.shown_date.label,
        extra_columns=[item for item in extra_fields.declared_fields() if item.get("list")],
        extra_value=extra_fields.display,
    )


def _export_url() -> str:
    args = request.args.to_dict(flat=True)
    args.pop("page", None)
    args["format"] = "xlsx"
    from urllib.parse import urlencode

    return request.path + "?" + urlencode(args)


@bp.route("/projects")
@login_required
def all_projects():
    return show_list("all")


@bp.route("/lists/clues")
@login_required
def clues():
    return show_list("clues")


@bp.route("/lists/signed")
@login_required
def signed():
    return show_list("signed")


@bp.route("/lists/landed")
@login_required
def landed():
    return show_list("landed")


@bp.route("/lists/production")
@login_required
def production():
    return show_list("production")
