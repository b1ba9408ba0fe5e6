"""The scan benchmark (issue 4 Targets, DESIGN §9), on a set made by ``make_photos.py``.

For every photo it runs, in one process:

- Pillow's decode of the JPEG (the time baseline), in this process and in a fresh
  child process that runs nothing else (see below),
- one plain pass of zxing-cpp (``zxingcpp.read_barcodes`` on the greyscale array, QR only),
- one plain pass of pyzbar (skipped, with a message, when libzbar is missing),
- the paperkit scan pipeline (``paperkit.scan.pipeline.scan_photo``, dry run, against the
  set's own kit, so codes verify and outcomes are decided against its record).

It prints the share of slips each method decodes, the slips paperkit reads that each plain
pass misses, wrong statuses (a settled outcome whose status is not what the marks mean),
the review rate, and paperkit's time as a ratio to Pillow's decode of the same file. There
are no timed assertions: these are measurements.

Two Pillow times are kept, because the scan tunes the process's C allocator
(``paperkit/scan/memory.py``: freed photo-sized blocks are kept for the next photo), and that
also makes Pillow's own decode in the same process faster (it stops page-faulting its fresh
buffers). The first ratio divides by Pillow in this process, under the same setting; the
second by Pillow in a child process with the C library's defaults, as any other program
decodes the photo. That child's speed is not stable: on the 60 held-out photos it took
0.057 s a photo (median) in two runs on one day where it had taken 0.038 s before, and in
one probe the same child was 0.054 or 0.033 s a photo depending only on one more byte in
its environment (where its memory happens to lie); starting four children with padded
environments and taking the fastest did not steady it. Pillow in this process, after the
scan's allocator setting, stayed at 0.034-0.038 s in every run that day
(bench/RESULTS.md, Scan, Speed, fifteenth session).

Example::

    python bench/scan_bench.py bench/out/photos
    python bench/scan_bench.py bench/out/photos --limit 20 --results bench/RESULTS.md
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import truth
import zxingcpp
from PIL import Image, ImageOps


def _pillow_decode(path: Path) -> tuple[np.ndarray, float]:
    """Pillow's own decode of the file, timed: open + load (no conversion). The file is read
    once first so that neither Pillow nor paperkit pays for the disk."""
    path.read_bytes()
    if path.suffix.lower() in (".heic", ".heif"):
        import pillow_heif

        pillow_heif.register_heif_opener()
    t0 = time.perf_counter()
    im = Image.open(path)
    im.load()
    dt = time.perf_counter() - t0
    im = ImageOps.exif_transpose(im)
    return np.asarray(im.convert("L")), dt


#: The child process that times Pillow's decode with the C library's default allocator: it
#: reads a path a line, and answers with the seconds open + load took. It repeats
#: :func:`_pillow_decode`'s timed part rather than importing this module: with NumPy and
#: zxing-cpp imported too, its Pillow decode measured 0.056 s a photo instead of 0.033 s (30
#: photos of the 200 set, same run), the allocator's state again.
_CHILD = """
import sys, time
from pathlib import Path
from PIL import Image
for line in sys.stdin:
    path = Path(line.rstrip("\\n"))
    if path.suffix.lower() in (".heic", ".heif"):
        import pillow_heif
        pillow_heif.register_heif_opener()
    path.read_bytes()
    t0 = time.perf_counter()
    im = Image.open(path)
    im.load()
    print(time.perf_counter() - t0, flush=True)
"""


class _DefaultPillow:
    """Pillow's decode timed in a fresh process that has not been tuned (see the module
    docstring)."""

    def __init__(self) -> None:
        self._child = subprocess.Popen([sys.executable, "-c", _CHILD], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, text=True)

    def time(self, path: Path) -> float:
        self._child.stdin.write(f"{path.resolve()}\n")
        self._child.stdin.flush()
        answer = self._child.stdout.readline()
        if not answer:  # it stopped: Pillow could not read the file there (its error is shown)
            raise SystemExit(f"the Pillow timing process stopped at {path}")
        return float(answer)

    def close(self) -> None:
        self._child.stdin.close()
        self._child.wait()


def _zxing_plain(gray: np.ndarray) -> set[str]:
    return {r.text for r in zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode)}


def _zbar():
    try:
        from pyzbar import pyzbar
        pyzbar.decode(np.zeros((8, 8), np.uint8))
        return pyzbar
    except (ImportError, OSError) as exc:
        print(f"pyzbar skipped: libzbar is not available ({exc})", file=sys.stderr)
        return None


def _zbar_plain(zbar, gray: np.ndarray) -> set[str]:
    from pyzbar.pyzbar import ZBarSymbol

    return {r.data.decode("ascii", "replace") for r in zbar.decode(gray, symbols=[ZBarSymbol.QRCODE])}


def _paperkit(kit_path: Path):
    """The paperkit scan hook: a function path → (results by code, seconds), or None."""
    try:
        from paperkit.kit import open_kit
        from paperkit.record.prints import printed_codes
        from paperkit.scan.known import KnownCodes
        from paperkit.scan.pipeline import scan_photo
    except ImportError as exc:  # the scan pipeline is not there yet
        print(f"paperkit scan skipped: {exc}", file=sys.stderr)
        return None, None
    kit = open_kit(kit_path)
    rec = kit.open_record()
    known = KnownCodes(printed_codes(rec))  # as `paperkit scan` (scan_photos) gives it

    def run(path: Path):
        t0 = time.perf_counter()
        res = scan_photo(kit, rec, path, dry_run=True, known=known)
        dt = time.perf_counter() - t0
        return {s.code: s for s in res.slips}, dt, res

    return run, rec


def _right(status: str | None, accept: list) -> bool:
    return status in accept


#: The counters (and the lines listed after the report) of the reads that are not right.
_COUNTED = {truth.WRONG: "wrong_applied", truth.WRONG_UNCHANGED: "wrong_unchanged",
            truth.LOST: "missed_mark"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path, help="a folder made by bench/make_photos.py")
    ap.add_argument("--limit", type=int, default=0, help="only the first N photos")
    ap.add_argument("--no-zbar", action="store_true", help="skip the pyzbar pass")
    ap.add_argument("--results", type=Path, default=None,
                    help="write the '## Scan' section of this markdown file")
    ap.add_argument("--section", default="Scan",
                    help="the '## ...' heading to write in --results (default: Scan)")
    ap.add_argument("--json", type=Path, default=None, help="write per-photo rows here")
    args = ap.parse_args(argv)

    folder: Path = args.folder
    index = json.loads((folder / "index.json").read_text())
    names = index["photos"][: args.limit or None]
    zbar = None if args.no_zbar else _zbar()
    scan, rec = _paperkit(folder / index["kit"])

    tot = Counter()
    ratios, pk_secs, pil_secs, rows = [], [], [], []
    plain = _DefaultPillow()
    plain_ratios, plain_secs = [], []
    misses_by = Counter()
    wrong_rows = []
    per_slip: list[tuple[float, bool, bool, bool]] = []
    for n, name in enumerate(names, 1):
        shot = json.loads((folder / f"{name}.json").read_text())
        path = folder / shot["photo"]
        gray, pil_dt = _pillow_decode(path)
        plain_dt = plain.time(path)
        codes = {s["code"]: s for s in shot["slips"]}
        row = {"photo": name, "variant": shot["variant"], "size": shot["size"],
               "slips": len(codes), "pillow_s": round(pil_dt, 4),
               "pillow_default_s": round(plain_dt, 4)}
        tot["slips"] += len(codes)
        tot["photos"] += 1
        t0 = time.perf_counter()
        zx = _zxing_plain(gray) & codes.keys()
        row["zxing_s"] = round(time.perf_counter() - t0, 4)
        row["zxing"] = len(zx)
        tot["zxing"] += len(zx)
        zb = set()
        if zbar is not None:
            t0 = time.perf_counter()
            zb = _zbar_plain(zbar, gray) & codes.keys()
            row["zbar_s"] = round(time.perf_counter() - t0, 4)
            row["zbar"] = len(zb)
            tot["zbar"] += len(zb)
        if scan is not None:
            got, pk_dt, res = scan(path)
            pk = got.keys() & codes.keys()
            row.update(paperkit=len(pk), paperkit_s=round(pk_dt, 4),
                       ratio=round(pk_dt / pil_dt, 3), ratio_default=round(pk_dt / plain_dt, 3),
                       stages=res.seconds)
            ratios.append(pk_dt / pil_dt)
            plain_ratios.append(pk_dt / plain_dt)
            plain_secs.append(plain_dt)
            pk_secs.append(pk_dt)
            pil_secs.append(pil_dt)
            tot["paperkit"] += len(pk)
            tot["pk_not_zxing"] += len(pk - zx)
            tot["pk_not_zbar"] += len(pk - zb) if zbar is not None else 0
            tot["zxing_not_pk"] += len(zx - pk)
            tot["foreign"] += len(got.keys() - codes.keys())
            left = codes.keys() - pk
            tot["missed_told"] += len(left) if res.errors else 0  # the photo says so
            tot["told_none_left"] += bool(res.errors) and not left
            for code in left:
                s = codes[code]
                misses_by[shot["variant"]] += 1
                wrong_rows.append(f"missed {name} {s['task']} module {s['module_px']:.1f}px "
                                  f"glare {s['glare']:.2f} light {s['light']:.2f}"
                                  + (" (plain zxing-cpp read it)" if code in zx else ""))
            for code in pk:
                s, r = codes[code], got[code]
                tot["expected_review"] += s["status"] == "review"
                k = truth.kind(s, r.outcome, r.status)
                if r.outcome in ("review", "stale"):
                    tot["review"] += 1
                    if r.outcome == "review" and r.status is not None:  # the queue's hint
                        tot["hinted"] += 1
                        tot["hinted_right"] += _right(r.status, s["accept"])
                tot["right_outcome"] += k in (truth.RIGHT, truth.REVIEW_RIGHT)
                if k == truth.RIGHT:
                    tot["right"] += 1
                elif k == truth.REVIEW_REDO:
                    tot["review_redo"] += 1
                elif k == truth.REVIEW_CLEAR:
                    tot["review_unexpected"] += 1
                    tot["clear_" + _why(r.reason)] += 1
                elif k in _COUNTED:
                    tot[_COUNTED[k]] += 1
                    wrong_rows.append(f"{_COUNTED[k]} {name} {s['task']}: marks mean "
                                      f"{s['status']!r} (spec {s['spec']}), read {r.status!r} "
                                      f"{r.read} -> {r.outcome}")
                elif k == truth.OTHER:
                    tot["other_outcome"] += 1
                    wrong_rows.append(f"outcome {r.outcome} for {name} {s['task']}: {r.reason}")
        for code, s in codes.items():
            per_slip.append((s["module_px"], code in zx, code in zb,
                             scan is not None and code in got))
        rows.append(row)
        print(f"\r{n}/{len(names)} {name}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    plain.close()
    if rec is not None:
        rec.close()

    report = _report(tot, (ratios, plain_ratios), pk_secs, (pil_secs, plain_secs),
                     zbar is not None, scan is not None, misses_by) + "\n" + _by_module(per_slip)
    print(report)
    order = ("wrong_applied", "wrong_unchanged", "missed_mark", "outcome", "missed")
    wrong_rows.sort(key=lambda line: next(i for i, k in enumerate(order) if line.startswith(k)))
    for line in wrong_rows[:80]:
        print("  " + line)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    if args.results:
        _write_section(args.results, report, index, len(names), args.section)
    return 0


def _pct(a: int, b: int) -> str:
    return f"{100.0 * a / b:.2f}%" if b else "n/a"


#: Why a clear slip went to review, by the start of the pipeline's reason.
_WHY = (("the code was read only", "guessed"), ("the slip is small", "small"),
        ("the slip's position", "pose"), ("copies of this slip", "copies"))


def _why(reason: str) -> str:
    """A clear slip's review reason as one word: the pipeline's rules (a guessed code, a
    slip too small, an uncertain pose, disagreeing copies) or the box reads ('boxes')."""
    return next((word for start, word in _WHY if reason.startswith(start)), "boxes")


def _report(t: Counter, ratios: tuple[list[float], list[float]], pk: list[float],
            pil: tuple[list[float], list[float]], zbar: bool, scanned: bool,
            misses_by: Counter) -> str:
    n = t["slips"]
    lines = [f"photos: {t['photos']}, slips: {n}",
             f"plain zxing-cpp, one pass: {t['zxing']}/{n} decoded ({_pct(t['zxing'], n)})"]
    if zbar:
        lines.append(f"plain pyzbar, one pass:   {t['zbar']}/{n} decoded ({_pct(t['zbar'], n)})")
    else:
        lines.append("plain pyzbar: skipped (--no-zbar, or libzbar missing)")
    if not scanned:
        lines.append("paperkit scan: not available (paperkit.scan.pipeline did not import)")
        return "\n".join(lines)
    lines += [
        f"paperkit scan:            {t['paperkit']}/{n} decoded ({_pct(t['paperkit'], n)})",
        f"  read by paperkit, missed by plain zxing-cpp: {t['pk_not_zxing']}",
        f"  read by paperkit, missed by plain pyzbar:    {t['pk_not_zbar']}" if zbar else
        "  (no pyzbar comparison)",
        f"  read by plain zxing-cpp, missed by paperkit: {t['zxing_not_pk']}",
        f"  codes read that are not in the truth: {t['foreign']}",
        f"  right status (applied/unchanged as the marks mean): {t['right']}"
        f" ({_pct(t['right'], n)} of all slips)",
        f"  WRONG status applied: {t['wrong_applied']}",
        f"  a status the marks do not mean, read as 'unchanged' (no change made):"
        f" {t['wrong_unchanged']}",
        f"  marked slip read as blank ('unchanged', the mark is lost): {t['missed_mark']}",
        f"  right outcome (the right status, or review for two marked boxes):"
        f" {t['right_outcome']} ({_pct(t['right_outcome'], n)} of all slips)",
        f"  review: {t['review']} ({_pct(t['review'], n)}), of which:",
        f"    two boxes marked (review is the right answer):"
        f" {t['review'] - t['review_redo'] - t['review_unexpected']}"
        f" of {t['expected_review']} decoded double marks",
        f"    struck out and re-marked, not read (review allowed, DESIGN §6):"
        f" {t['review_redo']} ({_pct(t['review_redo'], n)})",
        f"    a clear slip (one mark or none): {t['review_unexpected']}"
        f" ({_pct(t['review_unexpected'], n)}): box reads {t['clear_boxes']}, code read only"
        f" with help {t['clear_guessed']}, slip too small {t['clear_small']}, pose"
        f" uncertain {t['clear_pose']}, copies disagree {t['clear_copies']}",
        f"    with a likely status shown to the person: {t['hinted']}, of which the"
        f" marks mean it: {t['hinted_right']}",
        f"  review that is not a double mark: {t['review_redo'] + t['review_unexpected']}"
        f" ({_pct(t['review_redo'] + t['review_unexpected'], n)})",
        f"  other outcomes: {t['other_outcome']}",
        f"  missed slips by variant: {dict(misses_by)}",
        f"  missed slips on photos that say slips were left out (their errors):"
        f" {t['missed_told']} of {n - t['paperkit']}; photos that say so with none left"
        f" out: {t['told_none_left']}",
    ]
    for rs, secs, where in zip(ratios, pil, ("in this process (the scan's allocator setting"
                                              " speeds it up too)",
                                              "in a fresh process, C library defaults"),
                               strict=True):
        if rs:
            lines += [
                f"time / Pillow decode of the same JPEG {where}: median"
                f" {statistics.median(rs):.2f}x, mean {statistics.fmean(rs):.2f}x,"
                f" worst {max(rs):.2f}x",
                f"  (paperkit median {statistics.median(pk):.3f} s, Pillow median"
                f" {statistics.median(secs):.3f} s, this machine, this run)",
                f"  photos at or under 2x (the target): {sum(r <= 2.0 for r in rs)} of"
                f" {len(rs)} ({_pct(sum(r <= 2.0 for r in rs), len(rs))})",
            ]
    return "\n".join(lines)


def _by_module(per_slip: list[tuple[float, bool, bool, bool]]) -> str:
    """Decode rates by the size of one QR module in the photo, in pixels."""
    edges = [0, 3, 3.5, 4, 5, 99]
    lines = ["decoded by QR module size (px): slips, zxing-cpp, pyzbar, paperkit"]
    for lo, hi in zip(edges, edges[1:], strict=False):
        b = [p for p in per_slip if lo <= p[0] < hi]
        if b:
            rates = [_pct(sum(p[i] for p in b), len(b)) for i in (1, 2, 3)]
            label = f"< {hi}" if lo == 0 else (f">= {lo}" if hi == 99 else f"{lo}-{hi}")
            lines.append(f"  {label:>7}: {len(b):5d}  " + "  ".join(f"{r:>7}" for r in rates))
    return "\n".join(lines)


def _write_section(path: Path, report: str, index: dict, photos: int, section: str) -> None:
    """Replace (or append) the '## <section>' section of ``path``; others are kept."""
    args = index.get("args", {})
    try:
        import subprocess

        commit = subprocess.run(["git", "log", "-1", "--format=%h", "--", "paperkit/scan"],
                                capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        commit = ""
    extra = "".join(f" --{k} {args[k]}" for k in ("flatbed", "exif", "heic", "poster")
                    if args.get(k) not in (None, "0", "0.0"))
    body = (f"## {section}\n\nSet: {photos} photos from `python bench/make_photos.py "
            f"--photos {args.get('photos')} --slips {args.get('slips')} "
            f"--megapixels {args.get('megapixels')} --seed {args.get('seed')}{extra}`, measured "
            f"with `python bench/scan_bench.py {args.get('out')}` on {time.strftime('%Y-%m-%d')}"
            f"{f' (paperkit/scan at {commit})' if commit else ''}.\n\n"
            "Each photo holds cut-out slips printed by the slips product: loose on a table or "
            "on wood (scattered at any angle, or in rough rows, some upside down) or pinned on "
            "a cork board; camera 0-35 degrees off-axis at any roll; curled paper; uneven "
            "light, a soft shadow (60 %), a glare spot (25 %), defocus that grows with "
            "distance, hand shake, sensor noise, phone sharpening, JPEG quality 60-90. Marks: "
            "about 12 % blank, 3 % double (review expected), 3 % ticked then struck out and "
            "re-marked (the final mark or review), the rest one tick, cross or fill in pencil, "
            "blue pen or marker at varying pressure, with notes, steward names, stray dots and "
            "smudges. 'Right status' counts settled outcomes (applied or unchanged) whose "
            "status is what the marks mean; 'review' is never wrong, but it is counted. The "
            "time ratio is paperkit's whole `scan_photo` (dry run) over Pillow's open + load "
            "of the same file, per photo, in the same process."
            + (" Options above: --poster photographs the whole wall board (the board "
               "product's poster tiles taped together, slips pinned over it); --flatbed adds "
               "150-300 dpi flatbed scans of whole sheets; --exif stores photos turned with an "
               "EXIF Orientation tag; --heic writes HEIC." if extra else "")
            + "\n\n"
            f"```\n{report}\n```\n")
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    start = text.find(f"## {section}\n")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + body
    else:
        end = text.find("\n## ", start + 1)
        text = text[:start] + body + (text[end + 1:] if end >= 0 else "")
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
