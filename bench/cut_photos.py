"""Photos that cut a slip off at their edge, and what the scan says of them.

``make`` crops each photo of a set (``make_photos.py``) so that one slip is cut off at the
crop's edge and no other is: through the middle of its code (``half``), or just past its
code, which is then out of the photo while its boxes are in (``out``); at most one crop of
each kind for each slip, the crop keeping 40 % of the photo or more and 3 whole slips.
Only JPEG and PNG photos with no EXIF turn are cropped (the truth's places are those of
the upright photo). ``scan`` reads each crop (a dry run against the set's own kit) and
counts what the photo says of the cut slip: said to be cut off, said as a slip whose code
was not read, its code read after all, or nothing; and how many whole slips were missed.

Example::

    python bench/cut_photos.py make /tmp/sets/holdout --out /tmp/cut/holdout --photos 60
    python bench/cut_photos.py scan /tmp/cut/holdout /tmp/sets/holdout
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import truth
from PIL import Image

#: The least share of the photo a crop keeps, along the side it is cut.
KEEP = 0.4
#: Whole slips a crop must keep.
WHOLE = 3
#: The cut lies this many px past the code (``out``), and other slips' outlines at least
#: MARGIN px from it.
PAST = 3
MARGIN = 10


def crops(shot: dict, size: tuple[int, int]) -> list[dict]:
    """The crops of one photo (its truth ``shot``, pixel ``size``): for each slip and kind
    (``half``, ``out``), the first axis (x, then y) on which the cut leaves the slip's body
    in the crop and no other slip cut."""
    out = []
    for k, slip in enumerate(shot["slips"]):
        q, o = np.array(slip["qr"]), np.array(slip["outline"])
        others = [np.array(s["outline"]) for j, s in enumerate(shot["slips"]) if j != k]
        for kind in ("half", "out"):
            for axis in (0, 1):
                low = o[:, axis].mean() < q[:, axis].mean()  # the body lies below the code
                if kind == "half":
                    cut = q[:, axis].mean()
                else:
                    cut = q[:, axis].min() - PAST if low else q[:, axis].max() + PAST
                if (cut if low else size[axis] - cut) < KEEP * size[axis]:
                    continue
                if any(a[:, axis].min() - MARGIN < cut < a[:, axis].max() + MARGIN
                       for a in others):
                    continue
                whole = [s["code"] for j, s in enumerate(shot["slips"]) if j != k
                         and (np.array(s["outline"])[:, axis].max() < cut if low
                              else np.array(s["outline"])[:, axis].min() > cut)]
                if len(whole) < WHOLE:
                    continue
                box = [0, 0, *size]
                box[axis + (2 if low else 0)] = int(cut)
                out.append({"slip": k, "kind": kind, "axis": axis, "box": box,
                            "cut": slip["code"], "whole": whole})
                break
    return out


def make(folder: Path, dest: Path, photos: int | None) -> int:
    """Write the crops of the set ``folder``'s photos (the first ``photos``) to ``dest``
    with ``list.json``; how many."""
    dest.mkdir(parents=True, exist_ok=True)
    rows = []
    for shot in list(truth.photos(folder))[:photos]:
        if not shot["photo"].lower().endswith((".jpg", ".png")) or shot.get("orientation", 1) != 1:
            continue
        with Image.open(folder / shot["photo"]) as im:
            im.load()
            for c in crops(shot, im.size):
                name = f"{Path(shot['photo']).stem}_{c['slip']}_{c['kind']}{c['axis']}.jpg"
                im.crop(tuple(c["box"])).save(dest / name, quality=90)
                rows.append({"photo": name, "from": shot["photo"], **c})
    (dest / "list.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return len(rows)


def said(errors: list[str], slips: set[str], cut: str) -> str:
    """What a crop's scan says of its cut slip: 'cut off', 'not read', 'read', or 'nothing'."""
    if cut in slips:
        return "read"
    if any("cut off" in e for e in errors):
        return "cut off"
    if any("no code was read" in e for e in errors):
        return "not read"
    return "nothing"


def scan(crops_dir: Path, folder: Path) -> Counter:
    """Scan every crop in ``crops_dir`` against the set ``folder``'s kit: counts of
    (kind, what was said of the cut slip), and ('whole', 'missed') for whole slips missed."""
    from paperkit.kit import open_kit
    from paperkit.record.prints import printed_codes
    from paperkit.scan.known import KnownCodes
    from paperkit.scan.pipeline import scan_photo

    kit = open_kit(truth.kit_folder(folder))
    rec = kit.open_record()
    known = KnownCodes(printed_codes(rec))
    counts: Counter = Counter()
    rows = json.loads((crops_dir / "list.json").read_text(encoding="utf-8"))
    try:
        for n, row in enumerate(rows, 1):
            res = scan_photo(kit, rec, crops_dir / row["photo"], dry_run=True, known=known)
            read = {s.code for s in res.slips}
            counts[(row["kind"], said(list(res.errors), read, row["cut"]))] += 1
            counts[("whole", "missed")] += sum(c not in read for c in row["whole"])
            print(f"\r{n}/{len(rows)}", end="", file=sys.stderr, flush=True)
    finally:
        rec.close()
    print(file=sys.stderr)
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make", help="crop a set's photos, each cutting one slip off")
    m.add_argument("set", type=Path)
    m.add_argument("--out", type=Path, required=True)
    m.add_argument("--photos", type=int, default=None, help="the first N photos only")
    s = sub.add_parser("scan", help="scan the crops and count what each says")
    s.add_argument("crops", type=Path)
    s.add_argument("set", type=Path, help="the set the crops were made from (its kit)")
    args = ap.parse_args(argv)
    if args.cmd == "make":
        print(f"{make(args.set, args.out, args.photos)} crops in {args.out}")
        return 0
    counts = scan(args.crops, args.set)
    for key in sorted(counts):
        print(f"{key[0]:6s} {key[1]:9s} {counts[key]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
