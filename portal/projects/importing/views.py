"""The import pages: upload → preview (with the column mapping) → confirm; the batches and undo.

Every step is a plain form. The uploaded file is kept under its batch in the uploads folder,
so whichever server process answers the next request reads it from there."""
from __future__ import annotations

import io

from flask import Blueprint, Response, abort, flash, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from openpyxl import Workbook

from portal import permissions
from portal.models import ImportBatch, User
from portal.projects.export import XLSX_MIME
from portal.projects.importing import batches, columns
from portal.projects.importing.sheets import SheetError
from portal.web import get_or_404, render, see_other

bp = Blueprint("importing", __name__, url_prefix="/projects/import")


class UploadForm(FlaskForm):
    file = FileField(_l("Sheet (.xlsx or .csv)"))


class ActionForm(FlaskForm):
    """Confirm, discard, undo: the CSRF token only."""


def _require_importer():
    if not permissions.can_import_projects(current_user):
        abort(403)


def _recent_batches():
    return list(ImportBatch.select(ImportBatch, User.id, User.display_name)
                .join(User, on=(ImportBatch.user == User.id))
                .where(ImportBatch.state != "discarded")
                .order_by(ImportBatch.id.desc()).limit(20))


def _index(form, status=200, undo_error=None):
    return render("projects/import.html", None, status=status, form=form, batches=_recent_batches(),
                  action_form=ActionForm(), undo_error=undo_error)


@bp.route("", methods=["GET", "POST"])
@login_required
def index():
    _require_importer()
    form = UploadForm()
    if request.method == "GET":
        return _index(form)
    upload = form.file.data
    if not form.validate_on_submit():
        return _index(form, 400)
    if upload is None or not upload.filename:
        form.file.errors = [_("Choose the sheet to import.")]
        return _index(form, 422)
    try:
        batch = batches.start(upload.stream, upload.filename, current_user)
    except SheetError as exc:
        form.file.errors = [str(exc)]
        return _index(form, 422)
    return see_other("importing.show", batch_id=batch.id)


@bp.route("/template.xlsx")
@login_required
def template():
    """An empty sheet naming every column the import reads, in the user's language."""
    _require_importer()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Projects")[:31])
    sheet.append([str(item.label) for item in columns.TEMPLATE_FIELDS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = Response(buffer.getvalue(), mimetype=XLSX_MIME)
    response.headers["Content-Disposition"] = 'attachment; filename="project-import-template.xlsx"'
    return response


def _load(batch_id) -> ImportBatch:
    _require_importer()
    return get_or_404(ImportBatch, batch_id)


def _preview_page(batch: ImportBatch, status=200, refused=None, result=None):
    try:
        result = result or (batches.preview(batch) if batch.state == "preview" else None)
    except SheetError as exc:
        refused, result, status = str(exc), None, 422
    return render("projects/import_preview.html", None, status=status, batch=batch, result=result,
                  refused=refused, fields=[f for f in columns.TEMPLATE_FIELDS], action_form=ActionForm(),
                  mapping=batch.mapping or {})


@bp.route("/<batch_id>")
@login_required
def show(batch_id):
    return _preview_page(_load(batch_id))


@bp.route("/<batch_id>/mapping", methods=["POST"])
@login_required
def mapping(batch_id):
    batch = _load(batch_id)
    form = ActionForm()
    if not form.validate_on_submit() or batch.state != "preview":
        return _preview_page(batch, 400)
    chosen = {key[4:]: value for key, value in request.form.items()
              if key.startswith("col_") and (value == "" or value in columns.BY_KEY)}
    ImportBatch.update(mapping=chosen).where(ImportBatch.id == batch.id).execute()
    return see_other("importing.show", batch_id=batch.id)


@bp.route("/<batch_id>/confirm", methods=["POST"])
@login_required
def confirm(batch_id):
    batch = _load(batch_id)
    if not ActionForm().validate_on_submit():
        return _preview_page(batch, 400)
    try:
        batch = batches.apply(batch, current_user)
    except batches.ImportRefused as exc:
        return _preview_page(batch, 422, refused=str(exc.message), result=exc.preview)
    except SheetError as exc:
        return _preview_page(batch, 422, refused=str(exc))
    flash(_("Imported: %(created)s created, %(updated)s updated, %(skipped)s skipped.",
            created=batch.created_count, updated=batch.updated_count, skipped=batch.skipped_count), "success")
    return see_other("importing.index")


@bp.route("/<batch_id>/discard", methods=["POST"])
@login_required
def discard(batch_id):
    batch = _load(batch_id)
    if ActionForm().validate_on_submit():
        batches.discard(batch)
    return see_other("importing.index")


@bp.route("/<batch_id>/undo", methods=["POST"])
@login_required
def undo(batch_id):
    batch = _load(batch_id)
    form = ActionForm()
    if not form.validate_on_submit():
        return _index(UploadForm(formdata=None), 400)
    try:
        batches.undo(batch, current_user)
    except batches.ImportRefused as exc:
        return _index(UploadForm(formdata=None), 409, undo_error=str(exc.message))
    flash(_("The import was undone."), "success")
    return see_other("importing.index")
