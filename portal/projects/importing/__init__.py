"""Importing projects (and the other lists) from the sheets offices keep (.xlsx, .csv in UTF-8 or GBK).

- ``sheets``: rows streamed from the file, whatever its format and encoding;
- ``columns``: which column is which (Chinese or English headers, or the importer's mapping);
- ``values``: amounts, dates and yes/no as offices write them;
- ``planning``: each row checked and matched to the project it creates or updates;
- ``batches``: the audited batch: upload, apply in one transaction, undo;
- ``lists``, ``org_lists``, ``investor_lists``: the same for an office's other lists (units,
  users, investors, capital in place), whose rows are few enough to be kept for the pass;
- ``views``: one upload → preview → confirm flow, built per list by ``make_blueprint``.

Nothing keeps a sheet in memory: every pass (preview, apply) streams it again from the
uploaded file, and only small keys per row are remembered (for duplicate rows).
"""
