"""Generate a synthetic photo set for the scan benchmark (issue 4, DESIGN §9).

It makes a fresh kit with sample tasks, prints its slips with the project's own product and
renderer (PDF + manifest, as ``paperkit print slips --manifest`` does), then photographs
randomly marked slips with the harness in ``paperkit.synth``. Each photo ``NNNN.jpg`` comes
with ``NNNN.json``, its ground truth (task, rev, code, what the marks mean, where the code
landed). The same ``--seed`` gives the same files.

Example::

    python bench/make_photos.py --photos 200 --slips 20 --out bench/out/photos
    python bench/make_photos.py --photos 30 --slips 8 --megapixels mix --flatbed 4 \\
        --exif 0.2 --heic 0.1 --poster 0.2 --out bench/out/mixed
    python bench/make_photos.py --photos 40 --paper mix --pale 0.5 --out bench/out/printed
    python bench/make_photos.py --photos 60 --stains 0.3 --out bench/out/stained
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from paperkit.kit import init_kit
from paperkit.synth import (
    PAPERS,
    MarkSpec,
    Poster,
    Print,
    SheetSource,
    board_poster,
    flatbed_scan,
    light_double_spec,
    phone_photo,
    random_spec,
    sample_tasks,
    slip_sheet,
    tint_spec,
)

_SOURCE: SheetSource | None = None
_POSTER: Poster | None = None


def _init(pdf: bytes, manifest: dict, poster: Poster | None) -> None:
    global _SOURCE, _POSTER
    _POSTER = poster
    import cv2

    cv2.setNumThreads(1)  # one worker per core; cv2's own threads would fight them
    _SOURCE = SheetSource.from_pdf(pdf, manifest)


def _printed(seed: int, paper: str, pale: float, pale_slips: float = 0.0, slips: int = 0
             ) -> Print | list[Print] | None:
    """How one photo's slips were printed (``--paper``, ``--pale``), drawn from a generator
    of its own, so that the photo's other draws are those of a black-on-white print. With
    ``pale_slips`` (``--pale-slips``), each of its ``slips`` comes from a second, pale print
    run with that chance (drawn from another generator of its own): a list, a print each."""
    if paper == "white" and pale <= 0 and pale_slips <= 0:
        return None
    rng = np.random.default_rng([seed, 7])
    colour = str(rng.choice(sorted(PAPERS))) if paper == "mix" else paper
    depth = float(rng.uniform(0.5, 0.7)) if rng.random() < pale else 1.0
    if pale_slips <= 0 or depth < 1.0:
        return Print(colour, depth)
    runs = np.random.default_rng([seed, 8])
    second = Print(colour, float(runs.uniform(0.5, 0.7)))
    return [second if u < pale_slips else Print(colour, 1.0) for u in runs.random(slips)]


def _specs(seed: int, light_doubles: float, slips: int, stains: float = 0.0,
           tints: float = 0.0) -> list[MarkSpec | None] | None:
    """With ``light_doubles`` (``--light-doubles``), each of a photo's ``slips`` is a double
    mark with a light second mark with that chance (drawn from a generator of its own; the
    others, None, are drawn as ever). With ``stains`` (``--stains``), each is marked as
    ever but has a dried drop over or beside an empty box with that chance (drawn from
    another generator of its own). With ``tints`` (``--tints``), each is marked with a light
    highlighter in one box (alone, or beside a tick or cross) with that chance, from a
    third generator, in place of what the others drew."""
    if light_doubles <= 0 and stains <= 0 and tints <= 0:
        return None
    specs: list[MarkSpec | None] = [None] * slips
    if light_doubles > 0:
        rng = np.random.default_rng([seed, 9])
        specs = [light_double_spec(rng) if u < light_doubles else None
                 for u in rng.random(slips)]
    if stains > 0:
        rng = np.random.default_rng([seed, 10])
        specs = [replace(s or random_spec(rng), stain=True) if u < stains else s
                 for s, u in zip(specs, rng.random(slips), strict=True)]
    if tints > 0:
        rng = np.random.default_rng([seed, 11])
        specs = [tint_spec(rng) if u < tints else s
                 for s, u in zip(specs, rng.random(slips), strict=True)]
    return specs


def _one(job: tuple) -> tuple[str, float]:
    (name, seed, kind, slips, megapixels, out, paper, pale, pale_slips, light_doubles, stains,
     tints) = job
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    printed = _printed(seed, paper, pale, pale_slips, slips)
    ext = "jpg"
    if kind == "flatbed":
        page = int(rng.integers(len(_SOURCE.manifest["pages"])))
        data, truth = flatbed_scan(_SOURCE, rng, page=page)
    else:
        mpx = float(rng.choice([3, 8, 12])) if megapixels == "mix" else float(megapixels)
        fmt, orientation, variant = "jpeg", 1, None
        if kind == "poster":
            variant = "poster"
        elif kind == "heic":
            fmt, ext = "heic", "heic"
        elif kind == "exif":
            orientation = int(rng.choice([3, 6, 8]))
        data, truth = phone_photo(_SOURCE, rng, slips, megapixels=mpx, fmt=fmt,
                                  orientation=orientation, variant=variant,
                                  poster=_POSTER if variant else None, printed=printed,
                                  specs=_specs(seed, light_doubles, slips, stains, tints))
    photo = Path(out) / f"{name}.{ext}"
    photo.write_bytes(data)
    d = truth.as_dict()
    d.update(photo=photo.name, seed=seed)
    if isinstance(printed, list):  # two print runs: each slip's print, in the truth's order
        d["print"] = {"paper": printed[0].paper,
                      "depths": [round(p.depth, 3) for p in printed]}
    elif printed is not None:
        d["print"] = {"paper": printed.paper, "depth": round(printed.depth, 3)}
    (Path(out) / f"{name}.json").write_text(json.dumps(d, indent=1), encoding="utf-8")
    return name, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--photos", type=int, default=20, help="phone photos to make")
    ap.add_argument("--slips", type=int, default=20, help="slips per photo (1..30)")
    ap.add_argument("--megapixels", default="12", help="3, 8, 12, or 'mix'")
    ap.add_argument("--flatbed", type=int, default=0, help="flatbed scans of whole sheets")
    ap.add_argument("--exif", type=float, default=0.0,
                    help="share of phone photos stored turned, with an EXIF Orientation tag")
    ap.add_argument("--heic", type=float, default=0.0, help="share of phone photos as HEIC")
    ap.add_argument("--poster", type=float, default=0.0,
                    help="share of phone photos of the whole wall board (the board product's "
                         "poster with the slips pinned on it)")
    ap.add_argument("--paper", default="white", choices=[*PAPERS, "mix"],
                    help="the paper the phone photos' slips are printed on ('mix': a colour "
                         "drawn for each photo; flatbed scans stay black on white)")
    ap.add_argument("--pale", type=float, default=0.0,
                    help="share of phone photos whose slips were printed pale (low toner or "
                         "draft mode: the print 0.5-0.7 as dark; pen marks as dark as ever)")
    ap.add_argument("--pale-slips", type=float, default=0.0,
                    help="in the other phone photos, the share of slips from a second, pale "
                         "print run, photographed among the black ones")
    ap.add_argument("--light-doubles", type=float, default=0.0,
                    help="share of phone photos' slips marked in two boxes, the second mark "
                         "made lightly (a scanner must send each to review)")
    ap.add_argument("--stains", type=float, default=0.0,
                    help="share of phone photos' slips with a dried drop (coffee, tea, rain) "
                         "over or beside an empty box, marked as ever otherwise")
    ap.add_argument("--tints", type=float, default=0.0,
                    help="share of phone photos' slips marked with a light grey or pastel "
                         "highlighter in one box, alone (one mark) or beside a tick or cross "
                         "(two: review)")
    ap.add_argument("--tasks", type=int, default=40, help="tasks (slips) in the sample kit")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path("bench/out/photos"))
    args = ap.parse_args(argv)
    if not 1 <= args.slips <= min(30, args.tasks):
        ap.error("--slips must be 1..30 and at most --tasks")
    if args.megapixels != "mix":
        float(args.megapixels)

    out: Path = args.out
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    kit = init_kit(out / "kit", name="Bench group")
    rec = kit.open_record()
    sample_tasks(rec, args.tasks, np.random.default_rng(args.seed))
    pdf, manifest = slip_sheet(kit, rec)
    poster = board_poster(kit, rec) if args.poster > 0 else None
    rec.close()
    (out / "slips.pdf").write_bytes(pdf)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")

    pick = np.random.default_rng(args.seed).random(args.photos)
    shares = (("heic", args.heic), ("exif", args.exif), ("poster", args.poster))
    kinds = []
    for u in pick:
        edge, kind = 0.0, "phone"
        for name, share in shares:
            edge += share
            if u < edge:
                kind = name
                break
        kinds.append(kind)
    jobs = [(f"{i:04d}", args.seed * 100003 + i, kinds[i - 1], args.slips, args.megapixels,
             str(out), args.paper, args.pale, args.pale_slips, args.light_doubles,
             args.stains, args.tints)
            for i in range(1, args.photos + 1)]
    jobs += [(f"flatbed-{i:03d}", args.seed * 100003 + 50000 + i, "flatbed", 0, 0, str(out),
              "white", 0.0, 0.0, 0.0, 0.0, 0.0) for i in range(1, args.flatbed + 1)]
    t0 = time.perf_counter()
    with mp.get_context("fork").Pool(args.jobs, _init, (pdf, manifest, poster)) as pool:
        for n, (name, secs) in enumerate(pool.imap(_one, jobs), 1):
            print(f"\r{n}/{len(jobs)} {name} ({secs:.1f} s)", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    index = {"kit": "kit", "pdf": "slips.pdf", "manifest": "manifest.json",
             "photos": [j[0] for j in jobs], "args": {k: str(v) for k, v in vars(args).items()}}
    (out / "index.json").write_text(json.dumps(index, indent=1), encoding="utf-8")
    print(f"{len(jobs)} photos in {out} ({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
