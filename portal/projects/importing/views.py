"""The import pages, one flow for every list: upload → preview (with the column mapping) →
confirm; the batches, and their undo.

Every step is a plain form. The uploaded file is kept under its batch in the uploads folder,
so whichever server process answers the next request reads it from there. ``make_blueprint``
builds the pages of one kind of list (projects, units, users, investors, capital in place).
"""
from __future__ import annotations

import io

from flask import Blueprint, Response, abort, flash, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from openpyxl import Workbook

from portal import permissions, uploads
from portal.models import ImportBatch, User
from portal.projects.export import XLSX_MIME
from portal.projects.importing import batches, columns, investor_lists, org_lists
from portal.projects.importing.sheets import SheetError
from portal.web import get_or_404, render, see_other


class UploadForm(FlaskForm):
    file = FileField(_l("Sheet (.xlsx or .csv)"))


class ActionForm(FlaskForm):
    """Confirm, discard, undo: the CSRF token only."""


class ProjectsKind:
    """Projects: the streaming planner and the undoable batches of ``batches``."""

    key = "projects"
    fieldset = columns.PROJECT_FIELDS
    title = _l("Import projects")
    undo = True
    may_import = staticmethod(permissions.can_import_projects)

    @staticmethod
    def preview(batch, user):
        return batches.preview(batch)

    @staticmethod
    def apply(batch, user):
        return batches.apply(batch, user), []

    @staticmethod
    def undo_batch(batch, user):
        batches.undo(batch, user)


#: The lists of the core an office imports: kind -> (blueprint name, URL prefix). A feature adds its
#: own list by returning ``make_blueprint(its_kind, name, prefix)`` from ``portal_blueprints`` and
#: ``cli.add_list_command`` from ``portal_register_commands`` (the ranking's targets).
KINDS = {
    "projects": (ProjectsKind(), "importing", "/projects/import"),
    "units": (org_lists.UnitsKind(), "import_units", "/admin/units/import"),
    "users": (org_lists.UsersKind(), "import_users", "/admin/users/import"),
    "investors": (investor_lists.InvestorsKind(), "import_investors", "/import/investors"),
    "capital": (investor_lists.CapitalKind(), "import_capital", "/import/capital"),
}


def make_blueprint(kind, name: str, url_prefix: str) -> Blueprint:
    bp = Blueprint(name, __name__, url_prefix=url_prefix)

    def require_importer():
        if not kind.may_import(current_user):
            abort(403)

    def recent_batches():
        return list(ImportBatch.select(ImportBatch, User.id, User.display_name)
                    .join(User, on=(ImportBatch.user == User.id))
                    .where(ImportBatch.state != "discarded", ImportBatch.kind == kind.key)
                    .order_by(ImportBatch.id.desc()).limit(20))

    def page(form, status=200, undo_error=None):
        others = [(other.title, f"{other_name}.index") for other, other_name, _prefix in KINDS.values()
                  if other is not kind and other.may_import(current_user)]
        return render("projects/import.html", None, status=status, form=form, batches=recent_batches(),
                      action_form=ActionForm(), undo_error=undo_error, kind=kind, bp_name=name, others=others)

    @bp.route("", methods=["GET", "POST"])
    @uploads.takes_files  # a sheet over MAX_UPLOAD_MB is refused at its field, not by the 413 page
    @login_required
    def index():
        require_importer()
        form = UploadForm()
        if request.method == "GET":
            return page(form)
        upload = form.file.data
        if not form.validate_on_submit():
            return page(form, 400)
        if upload is None or not upload.filename:
            form.file.errors = [_("Choose the sheet to import.")]
            return page(form, 422)
        if uploads.size_of(upload) > uploads.max_bytes():
            form.file.errors = [str(uploads.too_large_message(uploads.safe_original_name(upload.filename)))]
            return page(form, 422)
        try:
            batch = batches.start(upload.stream, upload.filename, current_user, kind.key)
        except SheetError as exc:
            form.file.errors = [str(exc)]
            return page(form, 422)
        return see_other(f"{name}.show", batch_id=batch.id)

    @bp.route("/template.xlsx")
    @login_required
    def template():
        """An empty sheet naming every column the import reads, in the user's language."""
        require_importer()
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(str(kind.title)[:31])
        sheet.append([str(item.label) for item in kind.fieldset.template_fields])
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = Response(buffer.getvalue(), mimetype=XLSX_MIME)
        response.headers["Content-Disposition"] = f'attachment; filename="{kind.key}-import-template.xlsx"'
        return response

    def load(batch_id) -> ImportBatch:
        require_importer()
        batch = get_or_404(ImportBatch, batch_id)
        if batch.kind != kind.key:
            abort(404)
        return batch

    def preview_page(batch: ImportBatch, status=200, refused=None, result=None):
        try:
            result = result or (kind.preview(batch, current_user) if batch.state == "preview" else None)
        except SheetError as exc:
            refused, result, status = str(exc), None, 422
        return render("projects/import_preview.html", None, status=status, batch=batch, result=result,
                      refused=refused, fields=kind.fieldset.template_fields, action_form=ActionForm(),
                      mapping=batch.mapping or {}, kind=kind, bp_name=name)

    @bp.route("/<batch_id>")
    @login_required
    def show(batch_id):
        return preview_page(load(batch_id))

    @bp.route("/<batch_id>/mapping", methods=["POST"])
    @login_required
    def mapping(batch_id):
        batch = load(batch_id)
        form = ActionForm()
        if not form.validate_on_submit() or batch.state != "preview":
            return preview_page(batch, 400)
        known = kind.fieldset.by_key
        chosen = {key[4:]: value for key, value in request.form.items()
                  if key.startswith("col_") and (value == "" or value in known)}
        ImportBatch.update(mapping=chosen).where(ImportBatch.id == batch.id).execute()
        return see_other(f"{name}.show", batch_id=batch.id)

    @bp.route("/<batch_id>/confirm", methods=["POST"])
    @login_required
    def confirm(batch_id):
        batch = load(batch_id)
        if not ActionForm().validate_on_submit():
            return preview_page(batch, 400)
        try:
            batch, shown_once = kind.apply(batch, current_user)
        except batches.ImportRefused as exc:
            return preview_page(batch, 422, refused=str(exc.message), result=exc.preview)
        except SheetError as exc:
            return preview_page(batch, 422, refused=str(exc))
        message = _("Imported: %(created)s created, %(updated)s updated, %(skipped)s skipped.",
                    created=batch.created_count, updated=batch.updated_count, skipped=batch.skipped_count)
        if shown_once:  # the new users' passwords: on this page only, never stored in clear
            response = render("projects/import_passwords.html", None, batch=batch, message=message,
                              passwords=shown_once, kind=kind, bp_name=name)
            response.headers["Cache-Control"] = "no-store"  # no copy of the passwords in a cache
            return response
        flash(message, "success")
        return see_other(f"{name}.index")

    @bp.route("/<batch_id>/discard", methods=["POST"])
    @login_required
    def discard(batch_id):
        batch = load(batch_id)
        if ActionForm().validate_on_submit():
            batches.discard(batch)
        return see_other(f"{name}.index")

    if kind.undo:
        @bp.route("/<batch_id>/undo", methods=["POST"])
        @login_required
        def undo(batch_id):
            batch = load(batch_id)
            form = ActionForm()
            if not form.validate_on_submit():
                return page(UploadForm(formdata=None), 400)
            try:
                kind.undo_batch(batch, current_user)
            except batches.ImportRefused as exc:
                return page(UploadForm(formdata=None), 409, undo_error=str(exc.message))
            flash(_("The import was undone."), "success")
            return see_other(f"{name}.index")

    return bp


BLUEPRINTS = [make_blueprint(kind, name, prefix) for kind, name, prefix in KINDS.values()]
bp = BLUEPRINTS[0]
