"""Slip by slip, what two versions of the scan read on the same photo sets.

Every change to the scan is checked this way before it is kept: each slip of every set is
read by the version before and the version after, and the two are compared against the
sets' truth (``truth.py``). ``dump`` scans sets with the paperkit that Python imports (a
dry run against each set's own kit, as ``paperkit scan`` would), and keeps every photo's
errors and advice and every slip's outcome, status, reason, confidence and box reads;
``compare`` prints each version's counts and the slips whose read changed.

Example (the version before from a checkout of it on ``PYTHONPATH``)::

    git worktree add /tmp/before HEAD~1
    PYTHONPATH=/tmp/before python bench/compare_reads.py dump /tmp/sets/* --out /tmp/reads/before
    python bench/compare_reads.py dump /tmp/sets/* --out /tmp/reads/after
    python bench/compare_reads.py compare /tmp/reads/before /tmp/reads/after /tmp/sets/*

What ``compare`` counts, for each set and version: slips decoded; wrong statuses applied
(the one count that must stay 0); statuses left unchanged that the marks do not mean;
marks lost (a marked slip read as blank); clear slips sent to review; slips missed whose
photo says that slips were left out (any error on the photo) and those it does not; and
photos that say so with none left out. It exits with 1 when the second version applies a
wrong status anywhere.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import truth

SCANNED = (".jpg", ".jpeg", ".png", ".heic", ".heif", ".pdf")


def dump(folder: Path, out: Path) -> None:
    """Scan every photo of the set ``folder`` (dry run) and write what was read to ``out``."""
    from paperkit.kit import open_kit
    from paperkit.record.prints import printed_codes
    from paperkit.scan.known import KnownCodes
    from paperkit.scan.pipeline import scan_photo

    kit = open_kit(truth.kit_folder(folder))
    rec = kit.open_record()
    known = KnownCodes(printed_codes(rec))
    shots = list(truth.photos(folder))
    reads = {}
    try:
        for n, shot in enumerate(shots, 1):
            res = scan_photo(kit, rec, folder / shot["photo"], dry_run=True, known=known)
            reads[shot["photo"]] = {
                "errors": list(res.errors), "advice": list(res.advice),
                "slips": {s.code: {"outcome": s.outcome, "status": s.status,
                                   "reason": s.reason, "confidence": round(s.confidence, 3),
                                   "read": {k: round(v, 3) for k, v in s.read.items()}}
                          for s in res.slips}}
            print(f"\r{folder.name}: {n}/{len(shots)}", end="", file=sys.stderr, flush=True)
    finally:
        rec.close()
    print(file=sys.stderr)
    out.write_text(json.dumps(reads, indent=0))


def _dump_apart(folders: list[Path], out: Path, jobs: int) -> int:
    """:func:`dump` each set in a process of its own, ``jobs`` at a time (each scan starts
    its own helper process too); 1 when any of them failed."""
    waiting, running, failed = list(folders), [], []
    while waiting or running:
        while waiting and len(running) < jobs:
            folder = waiting.pop(0)
            running.append((folder, subprocess.Popen(
                [sys.executable, __file__, "dump", str(folder), "--out", str(out)])))
        time.sleep(0.2)
        for folder, proc in [r for r in running if r[1].poll() is not None]:
            running.remove((folder, proc))
            if proc.returncode:
                failed.append(folder.name)
    if failed:
        print(f"reading failed for {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def tally(folder: Path, reads: dict) -> Counter:
    """One version's counts on the set ``folder`` (see the module docstring)."""
    c = Counter()
    for shot in truth.photos(folder):
        got = reads.get(shot["photo"], {})
        slips, said = got.get("slips", {}), bool(got.get("errors"))
        missed = 0
        for s in shot["slips"]:
            r = slips.get(s["code"])
            k = truth.kind(s, r and r["outcome"], r and r["status"])
            c["slips"] += 1
            c[k] += 1
            missed += k == truth.MISSED
        c["missed said"] += missed if said else 0
        c["said, none missed"] += said and not missed
    return c


def changes(folder: Path, before: dict, after: dict) -> list[str]:
    """The slips of the set ``folder`` whose read differs between the two versions, and the
    photos whose errors do: a line each."""
    lines = []
    for shot in truth.photos(folder):
        a, b = before.get(shot["photo"], {}), after.get(shot["photo"], {})
        for s in shot["slips"]:
            ra, rb = a.get("slips", {}).get(s["code"]), b.get("slips", {}).get(s["code"])
            if ra == rb:
                continue
            ka = truth.kind(s, ra and ra["outcome"], ra and ra["status"])
            kb = truth.kind(s, rb and rb["outcome"], rb and rb["status"])
            lines.append(f"{shot['photo']} {s['task']}: {ka} -> {kb}"
                         + (f" ({rb['outcome']} {rb['status']}: {rb['reason']})" if rb else ""))
        if a.get("errors") != b.get("errors"):
            lines.append(f"{shot['photo']} errors: {a.get('errors')} -> {b.get('errors')}")
    return lines


_COLUMNS = (("decoded", None), ("WRONG", truth.WRONG), ("wrong unchanged", truth.WRONG_UNCHANGED),
            ("marks lost", truth.LOST), ("clear in review", truth.REVIEW_CLEAR),
            ("missed said", "missed said"), ("missed unsaid", None),
            ("said, none missed", "said, none missed"))


def row(name: str, c: Counter) -> str:
    n = c["slips"]
    values = []
    for title, key in _COLUMNS:
        if title == "decoded":
            v = f"{n - c[truth.MISSED]}/{n}"
        elif title == "missed unsaid":
            v = str(c[truth.MISSED] - c["missed said"])
        elif title == "clear in review":
            v = f"{c[key]} ({100.0 * c[key] / max(n, 1):.2f} %)"
        else:
            v = str(c[key])
        values.append(v)
    return f"{name:10s} " + " | ".join(values)


def compare(before: Path, after: Path, folders: list[Path], show: int) -> int:
    wrong = 0
    totals = {"before": Counter(), "after": Counter()}
    print("set        " + " | ".join(title for title, _ in _COLUMNS))
    for folder in folders:
        files = before / f"{folder.name}.json", after / f"{folder.name}.json"
        if not all(f.exists() for f in files):
            print(f"{folder.name}: no reads in both folders, left out", file=sys.stderr)
            continue
        a, b = (json.loads(f.read_text()) for f in files)
        ca, cb = tally(folder, a), tally(folder, b)
        totals["before"] += ca
        totals["after"] += cb
        wrong += cb[truth.WRONG]
        print(row(folder.name, ca) + "   (before)")
        print(row("", cb) + "   (after)")
        lines = changes(folder, a, b)
        for line in lines[:show]:
            print("    " + line)
        if len(lines) > show:
            print(f"    ... and {len(lines) - show} more")
    print(row("all", totals["before"]) + "   (before)")
    print(row("", totals["after"]) + "   (after)")
    return 1 if wrong else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump", help="scan sets and keep what was read, a file a set")
    d.add_argument("sets", type=Path, nargs="+", help="folders made by bench/make_photos.py")
    d.add_argument("--out", type=Path, required=True, help="folder for the reads")
    d.add_argument("--jobs", type=int, default=1,
                   help="sets read at once, each in its own process (default 1)")
    c = sub.add_parser("compare", help="two versions' reads of the same sets")
    c.add_argument("before", type=Path, help="a folder of reads written by dump")
    c.add_argument("after", type=Path, help="another")
    c.add_argument("sets", type=Path, nargs="+", help="the sets they read")
    c.add_argument("--show", type=int, default=20, help="changed slips listed per set")
    args = ap.parse_args(argv)
    if args.command == "dump":
        args.out.mkdir(parents=True, exist_ok=True)
        if args.jobs > 1 and len(args.sets) > 1:
            return _dump_apart(args.sets, args.out, args.jobs)
        for folder in args.sets:
            dump(folder, args.out / f"{folder.name}.json")
        return 0
    return compare(args.before, args.after, args.sets, args.show)


if __name__ == "__main__":
    sys.exit(main())
