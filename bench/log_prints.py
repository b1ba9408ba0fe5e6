"""Log the print of a photo set's slips in its kit, for sets made before the harness did.

A scan applies only slips its record printed (``prints.was_printed``); ``make_photos.py``
logs the print of the slips (and the board) it photographs since the thirty-second
session. A set made before holds a kit that printed nothing, whose every clear slip would
go to review: this logs, once, a print of every slip in the set's ``manifest.json``.

    python bench/log_prints.py /tmp/fullset /tmp/holdout
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from paperkit.kit import open_kit
from paperkit.record.db import Source
from paperkit.record.prints import record_print


def log_prints(folder: Path) -> int:
    """Log the set's print unless its kit printed a slip already; returns the slips logged."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    slips = [(s["code"], s["task"], s["rev"]) for page in manifest["pages"]
             for s in page["slips"]]
    kit = open_kit(folder / "kit")
    with kit.open_record() as rec:
        if rec.query_one("SELECT 1 FROM print_codes LIMIT 1") is not None:
            return 0
        with rec.write(Source("demo", "bench/log_prints.py")) as w:
            record_print(w, "slips", "synthetic slips", slips)
    return len(slips)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sets", nargs="+", type=Path, help="folders made by make_photos.py")
    args = ap.parse_args(argv)
    for folder in args.sets:
        n = log_prints(folder)
        print(f"{folder}: " + (f"logged a print of {n} slips" if n else "printed already"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
