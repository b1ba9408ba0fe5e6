"""Why clear slips go to review, and why marks are lost: a look at each failure.

Runs the scan pipeline's own steps (load, find codes, locate, read boxes, decide) on a set
made by ``make_photos.py`` and, for every slip whose reading is not what its marks mean
(a clear slip sent to review, a mark read as blank, a struck-out box that went to review),
writes the rectified slip strip around the boxes with each box's outline drawn where the
pose put it and its scores, to ``OUT/<kind>/<photo>-<task>.png``, plus a line in
``OUT/failures.tsv``. Nothing is written to the set's record.

Example::

    python bench/review_diag.py /tmp/reviewset --limit 60 --out /tmp/diag
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import cv2
import numpy as np
import truth

from paperkit import codes
from paperkit.errors import BadCode, OtherKit
from paperkit.layout import slip as S
from paperkit.layout.model import Rect
from paperkit.scan.decide import decide
from paperkit.scan.decode import find_codes
from paperkit.scan.geometry import warp
from paperkit.scan.load import load_photo

#: Pixels per slip unit of the dumped pictures.
K = 6.0
STRIP = Rect(4.0, 104.0, 266.0, 138.0)

_kit = None
_rec = None


def _open(kit_path: str):
    global _kit, _rec
    if _kit is None:
        from paperkit.kit import open_kit

        _kit = open_kit(Path(kit_path))
        _rec = _kit.open_record()
    return _kit, _rec


#: The folder each kind of failure's pictures go to (truth.kind); right reads have none.
_FOLDERS = {truth.REVIEW_CLEAR: "clear-review", truth.REVIEW_REDO: "redo-review",
            truth.WRONG: "WRONG", truth.LOST: "lost-mark",
            truth.WRONG_UNCHANGED: "wrong-unchanged", truth.OTHER: "other"}


def _classify(shot: dict, outcome: str, status: str | None) -> str | None:
    return _FOLDERS.get(truth.kind(shot, outcome, status))


def _picture(gray: np.ndarray, pose, reads: dict, title: str) -> np.ndarray:
    img = warp(gray, pose.H, STRIP, K)
    img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    for name, r in S.BOXES.items():
        dx, dy = pose.boxes.get(name, (0.0, 0.0))
        colour = (0, 160, 0) if name in pose.boxes else (0, 0, 255)
        cx, cy = (r.x0 + r.x1) / 2 + dx, (r.y0 + r.y1) / 2 + dy
        a = pose.turns.get(name, 0.0)
        c, s = np.cos(a), np.sin(a)
        h = r.width / 2
        f, g = pose.squeezes.get(name, 1.0), pose.stretches.get(name, 1.0)
        pts = [((cx + c * u * f - s * v * g - STRIP.x0) * K,
                (cy + s * u * f + c * v * g - STRIP.y0) * K)
               for u, v in ((-h, -h), (h, -h), (h, h), (-h, h))]
        cv2.polylines(img, [np.int32(pts)], True, colour, 1)
        p0 = (round((r.x0 + dx - STRIP.x0) * K), round((r.y0 + dy - STRIP.y0) * K))
        b = reads[name]
        cv2.putText(img, f"s{b.score:.2f} c{b.cover:.3f} f{b.fill:.2f} o{b.over:.3f}",
                    (p0[0] - 10, img.shape[0] - 4), cv2.FONT_HERSHEY_PLAIN, 0.75,
                    (200, 0, 0), 1)
    head = np.full((18, img.shape[1], 3), 255, np.uint8)
    cv2.putText(head, title, (2, 13), cv2.FONT_HERSHEY_PLAIN, 0.9, (0, 0, 0), 1)
    return np.vstack([head, img])


def run_photo(args: tuple[str, str, str, str | None]) -> list[dict]:
    folder, name, kit_path, out = args
    from paperkit.record.tasks import get_task
    from paperkit.scan.pipeline import _geometry_confidence, measure

    kit, rec = _open(kit_path)
    shot = json.loads((Path(folder) / f"{name}.json").read_text())
    by_code = {s["code"]: s for s in shot["slips"]}
    photo = load_photo(Path(folder) / shot["photo"])
    rows = []
    for frame in photo.frames:
        for found in find_codes(frame.gray, "zxing").found:
            if found.text not in by_code:
                continue
            try:
                code = codes.verify(found.text, kit.key, kit.id)
            except (OtherKit, BadCode):
                continue
            t = by_code[found.text]
            pose, reads = measure(frame, found)
            outlines = sum(r.outline for r in reads.values())
            gconf = _geometry_confidence(pose, outlines)
            d = decide(reads, code.rev, get_task(rec, code.task), (), gconf)
            outcome = d.outcome
            if outcome == "applied" and gconf < 0.5:
                outcome = "review"
            kind = _classify(t, outcome, d.status)
            row = {"photo": name, "task": code.task, "truth": t["status"],
                   "spec": t["spec"]["kind"], "ink": t["spec"]["ink"],
                   "pressure": round(t["spec"]["pressure"], 2), "boxes": t["spec"]["boxes"],
                   "struck": t["spec"]["struck"], "outcome": outcome, "status": d.status,
                   "reason": d.reason, "fail": kind, "ppu": round(pose.ppu, 2),
                   "marks": pose.marks, "found": list(pose.boxes),
                   "reads": {k: [v.score, v.cover, v.fill, v.over, v.contrast, v.outline, v.grain, v.spread, v.crossings, v.sides, v.faint,
                                 v.tail, v.label, v.edge, v.shade, v.corner, v.band]
                             for k, v in reads.items()}}
            rows.append(row)
            if kind and out:
                title = (f"{name} {code.task} truth={t['status']} {t['spec']['kind']} "
                         f"{t['spec']['ink']} p{t['spec']['pressure']:.2f} "
                         f"struck={t['spec']['struck']} -> {outcome}: {d.reason} "
                         f"ppu {pose.ppu:.1f} marks {pose.marks}")
                folder_out = Path(out) / kind
                folder_out.mkdir(parents=True, exist_ok=True)
                cv2.imwrite(str(folder_out / f"{name}-{code.task}.png"),
                            _picture(frame.gray, pose, reads, title))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None, help="where pictures go (none if unset)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", type=Path, default=None, help="write every slip's row here")
    args = ap.parse_args(argv)
    index = json.loads((args.folder / "index.json").read_text())
    names = index["photos"][: args.limit or None]
    kit_path = str(args.folder / index["kit"])
    jobs = [(str(args.folder), n, kit_path, str(args.out) if args.out else None)
            for n in names]
    rows: list[dict] = []
    with ProcessPoolExecutor(args.jobs) as pool:
        for i, r in enumerate(pool.map(run_photo, jobs), 1):
            rows.extend(r)
            print(f"\r{i}/{len(jobs)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    fails = Counter(r["fail"] for r in rows if r["fail"])
    n = len(rows)
    print(f"slips read: {n}; " + ", ".join(f"{k}: {v} ({100 * v / n:.2f}%)"
                                          for k, v in sorted(fails.items())))
    print("clear-review by reason:",
          dict(Counter(r["reason"].split(" box")[0].replace("the ", "")
                       for r in rows if r["fail"] == "clear-review")))
    print("clear-review by ink:", dict(Counter(r["ink"] for r in rows
                                               if r["fail"] == "clear-review")))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        with open(args.out / "failures.tsv", "w") as f:
            for r in rows:
                if r["fail"]:
                    f.write("\t".join(str(r[k]) for k in (
                        "fail", "photo", "task", "truth", "spec", "ink", "pressure", "struck",
                        "outcome", "reason", "ppu", "marks", "found", "reads")) + "\n")
    if args.json:
        args.json.write_text(json.dumps(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
