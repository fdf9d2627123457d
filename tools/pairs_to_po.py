"""Append 'English|中文' lines (a file, or stdin) to a translation source file in portal/translations/src/.
A plural (ngettext) is written 'one form||other form|中文'.

    python tools/pairs_to_po.py portal/translations/src/projects.po < pairs.txt
Existing entries are kept; a pair for an existing msgid replaces its translation.
"""
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po


def main(target: str, source=sys.stdin) -> None:
    path = Path(target)
    catalog = Catalog(locale="zh_Hans_CN")
    if path.exists():
        with open(path, "rb") as fh:
            catalog = read_po(fh, locale="zh_Hans_CN")
    for line in source:
        line = line.rstrip("\n")
        if not line.strip() or "|" not in line:
            continue
        if "||" in line:  # a plural: singular||plural|中文 (Chinese has one form)
            singular, rest = line.split("||", 1)
            plural, chinese = rest.split("|", 1)
            catalog.add((singular, plural), (chinese,))
            continue
        english, chinese = line.split("|", 1)
        catalog.add(english, chinese)
    with open(path, "wb") as fh:
        write_po(fh, catalog, omit_header=True, width=0, sort_output=True)


if __name__ == "__main__":
    main(sys.argv[1], open(sys.argv[2], encoding="utf-8") if len(sys.argv) > 2 else sys.stdin)
