"""Build the Chinese catalog: extract every string from the code and templates, take the
translations from portal/translations/src/*.po, write messages.po and messages.mo.

    python tools/i18n.py          # rebuild the catalog, list strings still untranslated
    python tools/i18n.py --check  # exit 1 when a string is untranslated or the catalog is stale

The files in src/ are the source of truth (one per feature, so people working on
different features never edit the same file); messages.po/.mo are generated.
"""
from __future__ import annotations

import datetime
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "portal" / "translations"
SOURCES = TRANSLATIONS / "src"
LOCALE = "zh_Hans_CN"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def extract() -> Catalog:
    with open(ROOT / "babel.cfg") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    catalog = Catalog(project="investment-portal")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
    ):
        if any(part in filename for part in ("tests/", "tools/", "build/", ".venv", "examples/")):
            continue
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def translations() -> dict:
    known = {}
    for path in sorted(SOURCES.glob("*.po")):
        with open(path, "rb") as fh:
            for message in read_po(fh, locale=LOCALE):
                if message.id and message.string and any(message.string):
                    # A plural's id and string are tuples (ngettext); Chinese has one form.
                    key = tuple(message.id) if isinstance(message.id, (list, tuple)) else message.id
                    known[key] = message.string
    return known


def build() -> tuple[Catalog, list[str]]:
    template = extract()
    known = translations()
    # Fixed dates keep the generated files byte-for-byte stable, so --check can compare them.
    fixed = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    catalog = Catalog(locale=LOCALE, project="investment-portal", fuzzy=False,
                      creation_date=fixed, revision_date=fixed)
    missing = []
    for message in template:
        if not message.id:
            continue
        string = known.get(tuple(message.id) if isinstance(message.id, (list, tuple)) else message.id)
        if string is None:
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
        catalog.add(message.id, string, message.locations, context=message.context)
    return catalog, missing


def render(catalog: Catalog) -> tuple[bytes, bytes]:
    po, mo = io.BytesIO(), io.BytesIO()
    write_po(po, catalog, omit_header=True, sort_output=True, width=0)
    write_mo(mo, catalog)
    return po.getvalue(), mo.getvalue()


def compiled_messages(mo: bytes) -> dict:
    """The translations a compiled catalog holds, without its header (msgid "")."""
    catalog = read_mo(io.BytesIO(mo))
    return {(m.context, m.id if isinstance(m.id, str) else tuple(m.id)):
            m.string if isinstance(m.string, str) else tuple(m.string)
            for m in catalog if m.id}


def main(argv: list[str]) -> int:
    catalog, missing = build()
    po, mo = render(catalog)
    out = TRANSLATIONS / LOCALE / "LC_MESSAGES"
    if "--check" in argv:
        # Compared by content, not bytes: another Babel version writes other header bytes.
        stale = (not (out / "messages.mo").exists()
                 or compiled_messages((out / "messages.mo").read_bytes()) != compiled_messages(mo))
        for msgid in missing:
            print(f"untranslated: {msgid!r}")
        if stale:
            print("messages.mo is stale: run `python tools/i18n.py`")
        return 1 if (missing or stale) else 0
    out.mkdir(parents=True, exist_ok=True)
    (out / "messages.po").write_bytes(po)
    (out / "messages.mo").write_bytes(mo)
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    print(f"{len(catalog)} strings, {len(missing)} untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
