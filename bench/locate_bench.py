"""``geometry.locate`` alone: its time per slip, and its poses against another version's.

``extract`` decodes a photo set made by ``make_photos.py`` once and keeps, for every code
read, the part of the grey frame around its slip and the code's corners in that part
(``CASES/<photo>.npz``). ``run`` locates every slip kept, with this checkout's
``paperkit/scan/geometry.py`` and, with ``--ref REV``, with that git revision's, and
prints how far the poses differ (frame px where ``H`` puts the slip's corners and boxes;
box offsets, turns and squeezes in slip units) and the time ``locate`` takes per slip
(CPU, least of ``--repeat`` passes, each version timed alternately).

Example::

    python bench/locate_bench.py extract /tmp/fullset --limit 60 --cases /tmp/geom_cases
    python bench/locate_bench.py run --cases /tmp/geom_cases --ref 17534da --limit 30
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from paperkit.layout import slip as S
from paperkit.scan import geometry
from paperkit.scan.decode import find_codes
from paperkit.scan.load import load_photo
from paperkit.scan.marks import read_boxes

#: Slip units kept around the slip in each crop (more than a box may drift, plus search).
MARGIN = 60.0


def extract(folder: Path, cases: Path, limit: int) -> None:
    index = json.loads((folder / "index.json").read_text())
    cases.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(index["photos"][: limit or None], 1):
        truth = json.loads((folder / f"{name}.json").read_text())
        known = {s["code"] for s in truth["slips"]}
        gray = load_photo(folder / truth["photo"]).frames[0].gray
        crops, corners, texts = {}, [], []
        for found in find_codes(gray).found:
            if found.text not in known:
                continue
            H = cv2.getPerspectiveTransform(np.float32(S.qr_corners()),
                                            np.float32(found.corners))
            m = MARGIN
            box = np.float32([[-m, -m], [S.SLIP_W + m, -m], [S.SLIP_W + m, S.SLIP_H + m],
                              [-m, S.SLIP_H + m]])
            pts = cv2.perspectiveTransform(box[None], H)[0]
            x0, y0 = np.maximum(0, np.floor(pts.min(axis=0))).astype(int)
            x1, y1 = np.ceil(pts.max(axis=0)).astype(int) + 1
            x1, y1 = min(x1, gray.shape[1]), min(y1, gray.shape[0])
            crops[f"g{len(texts)}"] = gray[y0:y1, x0:x1]
            corners.append(np.float32(found.corners) - np.float32([x0, y0]))
            texts.append(found.text)
        np.savez(cases / f"{name}.npz", corners=np.float32(corners).reshape(-1, 4, 2),
                 texts=np.array(texts), **crops)
        print(f"\r{i} photos", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)


def load_cases(cases: Path, limit: int) -> list[tuple[str, str, np.ndarray, np.ndarray]]:
    out = []
    for f in sorted(cases.glob("*.npz"))[: limit or None]:
        z = np.load(f)
        for j, text in enumerate(z["texts"]):
            out.append((f.stem, str(text), np.ascontiguousarray(z[f"g{j}"]), z["corners"][j]))
    return out


def reference(rev: str):
    """``paperkit/scan/geometry.py`` as at git revision ``rev``, as a module."""
    src = subprocess.run(["git", "show", f"{rev}:paperkit/scan/geometry.py"], check=True,
                         capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1]).stdout
    spec = importlib.util.spec_from_loader("paperkit.scan._geometry_ref", loader=None)
    mod = importlib.util.module_from_spec(spec)
    mod.__package__ = "paperkit.scan"
    sys.modules[spec.name] = mod
    exec(compile(src, f"geometry.py@{rev}", "exec"), mod.__dict__)
    return mod


#: Slip points compared between two poses: the slip's corners and the boxes' centres.
_POINTS = np.float32([[0, 0], [S.SLIP_W, 0], [S.SLIP_W, S.SLIP_H], [0, S.SLIP_H],
                      *[((r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2) for r in S.BOXES.values()]])


def compare(a, b) -> dict:
    """How far pose ``b`` is from pose ``a``."""
    pa, pb = a.to_frame(_POINTS), b.to_frame(_POINTS)
    same_boxes = set(a.boxes) == set(b.boxes)
    off = max((float(np.hypot(a.boxes[n][0] - b.boxes[n][0], a.boxes[n][1] - b.boxes[n][1]))
               for n in a.boxes if n in b.boxes), default=0.0)
    turn = max((abs(a.turns.get(n, 0.0) - b.turns.get(n, 0.0))
                for n in {*a.turns, *b.turns}), default=0.0)
    return {"px": float(np.abs(pa - pb).max()), "boxes": same_boxes, "offset": off,
            "turn": float(np.rad2deg(turn)), "squeezes": a.squeezes == b.squeezes,
            "marks": a.marks == b.marks}


def timed(fn, cases, reads: bool = False) -> tuple[float, list]:
    """CPU seconds to locate every case (and read its boxes, if ``reads``), and the poses."""
    t0 = time.process_time()
    poses = []
    for _, _, g, c in cases:
        pose = fn(g, c)
        if reads:
            read_boxes(g, pose)
        poses.append(pose)
    return time.process_time() - t0, poses


def run(cases_dir: Path, limit: int, ref: str | None, repeat: int, show: int,
        reads: bool = False) -> None:
    cases = load_cases(cases_dir, limit)
    versions = {"this": geometry.locate}
    if ref:
        versions = {f"ref {ref}": reference(ref).locate, **versions}
    best = {k: float("inf") for k in versions}
    poses = {}
    for _ in range(repeat):
        for k, fn in versions.items():
            t, poses[k] = timed(fn, cases, reads)
            best[k] = min(best[k], t)
    n = len(cases)
    for k in versions:
        what = "locate + read_boxes" if reads else "locate"
        print(f"{k}: {what} {1000 * best[k] / n:.3f} ms per slip (CPU, least of {repeat}, "
              f"{n} slips)")
    this = poses["this"]
    print("boxes found:", sum(len(p.boxes) for p in this), "of", 4 * n,
          "; slips with all 4:", sum(len(p.boxes) == 4 for p in this))
    if not ref:
        return
    base = poses[f"ref {ref}"]
    print("ref boxes found:", sum(len(p.boxes) for p in base), "; slips with all 4:",
          sum(len(p.boxes) == 4 for p in base))
    diffs = [compare(a, b) for a, b in zip(base, this, strict=True)]
    px = np.array([d["px"] for d in diffs])
    off = np.array([d["offset"] for d in diffs])
    print(f"H: max {px.max():.2e} px, >0.01 px: {int((px > 0.01).sum())}, "
          f">0.25 px: {int((px > 0.25).sum())}")
    print(f"box offsets: max {off.max():.2e} units, >0.01: {int((off > 0.01).sum())}")
    print("boxes differ:", sum(not d["boxes"] for d in diffs),
          "; squeezes differ:", sum(not d["squeezes"] for d in diffs),
          "; marks differ:", sum(not d["marks"] for d in diffs),
          f"; turns max {max(d['turn'] for d in diffs):.4f} deg")
    worst = sorted(range(n), key=lambda i: -(diffs[i]["px"] + 10 * (not diffs[i]["boxes"])))
    for i in worst[:show]:
        print(cases[i][0], cases[i][1], diffs[i], sorted(base[i].boxes), sorted(this[i].boxes))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("extract")
    e.add_argument("folder", type=Path)
    e.add_argument("--cases", type=Path, default=Path("/tmp/geom_cases"))
    e.add_argument("--limit", type=int, default=0)
    r = sub.add_parser("run")
    r.add_argument("--cases", type=Path, default=Path("/tmp/geom_cases"))
    r.add_argument("--limit", type=int, default=0, help="photos")
    r.add_argument("--ref", default=None, help="git revision to compare with")
    r.add_argument("--repeat", type=int, default=3)
    r.add_argument("--show", type=int, default=5, help="worst differences to list")
    r.add_argument("--reads", action="store_true",
                   help="time locate with this checkout's read_boxes after it")
    args = ap.parse_args(argv)
    if args.cmd == "extract":
        extract(args.folder, args.cases, args.limit)
    else:
        run(args.cases, args.limit, args.ref, args.repeat, args.show, args.reads)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
