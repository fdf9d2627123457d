"""/api/projects: the lists (portal/projects/filters.py), a project, and its stage change
(portal/stages.py), under the pages' permissions (portal/permissions.py) and masking."""
from __future__ import annotations


from flask import g, request
from flask_babel import gettext as _
from flask_login import current_user

from portal import extra_fields, permissions, stages
from portal.api import problems, schemas, serialize
from portal.api.blueprint import bp
from portal.api.registry import operation
from portal.db import database
from portal.models import Project
from portal.projects.filters import LISTS, ListFilters, base_query, count
from portal.projects import views as project_pages
from portal.projects.forms import StageForm
from portal.projects.views import load_project


@operation(bp, "/projects", summary="Projects, filtered and sorted as the lists", tag="projects",
           query=schemas.ProjectsQuery, response=schemas.ProjectPage)
def projects():
    """The projects of one of the lists (list=all, clues, signed, landed, production) with the
    same filters, sort order and permissions as the list pages, with their stage history."""
    query = g.query
    filters = ListFilters.parse(LISTS[query.list_], request.args, current_user)
    if filters.errors:
        raise problems.invalid(filters.errors)
    rows, next_cursor = serialize.page_of(base_query(current_user, filters).order_by(*filters.order_for(current_user)),
                                          query.cursor, query.limit)
    history = serialize.stage_history([p.id for p in rows])
    return schemas.ProjectPage(items=[serialize.project_out(p, history[p.id]) for p in rows],
                               total=count(current_user, filters), next_cursor=next_cursor)


@operation(bp, "/projects/<project_id>", summary="One project", tag="projects",
           response=schemas.ProjectOut)
def project(project_id):
    """A project the token's user may read (404 otherwise, as the project page), with its stage history."""
    item = load_project(project_id)
    return serialize.project_out(item, serialize.stage_history([item.id])[item.id]), etag(item)


def expected_version(project: Project) -> int:
    """The version If-Match names when it is the project's current ETag (the write then goes on,
    and the service checks it again inside its transaction); 412 when it names no current one
    (RFC 9110), 428 without If-Match."""
    header = (request.headers.get("If-Match") or "").strip()
    if not header:
        raise problems.Problem(428, _("Send If-Match with the project's ETag (its version) from your last read."))
    current = etag(project)["ETag"]
    if header != "*" and current not in (tag.strip() for tag in header.split(",")):
        raise problems.Problem(412, _("The project was changed since you read it. Read it again."))
    return project.version


def etag(project: Project) -> dict:
    return {"ETag": f'"{project.version}"'}


@operation(bp, "/projects/<project_id>/stage", method="POST", summary="Change a project's stage",
           tag="projects", body=schemas.StageChangeIn, response=schemas.ProjectOut, if_match=True)
def change_stage(project_id):
    """Move the project to another stage, with the rules, verification and audit of the project
    page's stage form. If-Match must carry the ETag of your last read: 412 when the project
    changed meanwhile."""
    item = load_project(project_id)
    if not permissions.can_edit_project(current_user, item):
        raise problems.Problem(403, _("You may not change this project."))
    version = expected_version(item)
    # The stage choices the page offers this user.
    form = serialize.checked_form(StageForm, g.body,
                                  prepare=lambda f: f.set_targets(stages.allowed_targets(item, current_user)))
    try:
        with database.atomic():
            stages.change_stage(item, current_user, form.to_stage.data, form.on_date.data, note=form.note.data,
                                reason=form.reason.data, contracted_amount=form.contracted_amount.data,
                                expected_version=version)
    except stages.StageConflict as exc:
        raise problems.Problem(412, str(exc.message)) from None
    except stages.StageError as exc:
        raise problems.invalid({exc.field: exc.message}, 422) from None
    item = load_project(project_id)
    return serialize.project_out(item, serialize.stage_history([item.id])[item.id]), etag(item)


@operation(bp, "/projects/<project_id>", method="PATCH", summary="Edit a project", tag="projects",
           body=schemas.ProjectPatch, response=schemas.ProjectOut, if_match=True)
def edit_project(project_id):
    """Change some of a project's fields: the edit page's form checks the project as it would be,
    and the change is saved and audited as the page saves it. If-Match must carry the ETag of your
    last read: 412 when the project changed meanwhile."""
    item = load_project(project_id)
    if not permissions.can_edit_project(current_user, item):
        raise problems.Problem(403, _("You may not change this project."))
    version = expected_version(item)
    shown = project_pages.edit_form(item, current_user, formdata=None, meta={"csrf": False})
    extra_fields.load_form(shown, item)
    formdata = serialize.lay_over(serialize.formdata_of(shown), g.body.model_dump(exclude_unset=True))
    form = project_pages.edit_form(item, current_user, formdata=formdata, meta={"csrf": False})
    if not form.validate():
        raise problems.invalid({name: messages[0] for name, messages in form.errors.items()}, 422)
    saved, _class_kept, item = project_pages.save_edit(item, form, current_user, version)
    if not saved:
        raise problems.Problem(412, _("The project was changed since you read it. Read it again."))
    item = load_project(project_id)
    return serialize.project_out(item, serialize.stage_history([item.id])[item.id]), etag(item)


@operation(bp, "/projects", method="POST", summary="Enter a new project", tag="projects",
           body=schemas.ProjectIn, response=schemas.ProjectOut, status=201,
           conflict="Likely duplicates exist (duplicates, duplicates_elsewhere): confirm_duplicates saves anyway")
def create_project():
    """Enter a project as a clue, checked by the new-project form and saved as that page saves it.
    Likely duplicates stop it with a 409 naming those you read (send confirm_duplicates: true to
    save anyway, as the page's second click does)."""
    if not permissions.can_create_project(current_user):
        raise problems.Problem(403, _("You may not enter projects."))
    shown = project_pages.new_form(current_user, formdata=None, meta={"csrf": False})
    project_pages.propose_new(shown, current_user)
    values = g.body.model_dump(exclude_unset=True)
    confirmed = values.pop("confirm_duplicates", False)
    formdata = serialize.lay_over(serialize.formdata_of(shown), values)
    form = project_pages.new_form(current_user, formdata=formdata, meta={"csrf": False})
    if not form.validate():
        raise problems.invalid({name: messages[0] for name, messages in form.errors.items()}, 422)
    duplicates = None if confirmed else project_pages.find_duplicates(form, current_user)
    if duplicates:
        raise problems.Problem(409, _("This project may exist already."), members={
            "duplicates": [{"id": d["project"].id, "name": d["project"].name} for d in duplicates.readable],
            "duplicates_elsewhere": duplicates.elsewhere})
    item, _class_kept = project_pages.create_project(form, current_user)
    item = load_project(item.id)
    return serialize.project_out(item, serialize.stage_history([item.id])[item.id]), etag(item)
