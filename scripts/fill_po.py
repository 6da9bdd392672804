"""Fill a Vietnamese catalogue from a JSON dict {msgid: msgstr} (translator's helper).

    python scripts/fill_po.py src/openstx/web/locale/vi/LC_MESSAGES/django.po translations.json

Entries already translated are kept unless the JSON gives a new text; fuzzy flags are cleared
for entries the JSON fills. Prints the msgids still untranslated.
"""

from __future__ import annotations

import json
import sys

import polib


def main(po_path: str, json_path: str) -> int:
    po = polib.pofile(po_path)
    with open(json_path, encoding="utf-8") as fh:
        table = json.load(fh)
    for entry in po:
        if entry.msgid in table:
            value = table[entry.msgid]
            if entry.msgid_plural:
                entry.msgstr_plural = {0: value if isinstance(value, str) else value[0]}
            else:
                entry.msgstr = value
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
    po.save()
    missing = [e.msgid for e in po if not e.obsolete and not e.translated()]
    for msgid in missing:
        print("untranslated:", json.dumps(msgid, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
