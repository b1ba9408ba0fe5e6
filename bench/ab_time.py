"""Photo by photo, how long two versions of the scan take on the same photos.

Separate runs of the same code moved by up to ±10 % within an hour on the 2-core machine
these numbers come from (bench/RESULTS.md, Speed, fifteenth session), more than most
changes save or cost. So the two versions run in turn: two long-lived worker processes,
one per version (each with its own helper process), scan the same photo one after the
other, which goes first swapped every photo, and each times Pillow's decode of the photo
just before it (the issue's time baseline, as ``scan_bench.py`` times it in its own
process). Printed: each version's median and mean time a photo, its median over Pillow's
median, and the median and mean of the per-photo ratio after / before.

A version is a folder holding the ``paperkit`` package (a git worktree or an exported
tree): its worker runs with that folder first on ``PYTHONPATH`` and says which
``paperkit`` it imported.

Example::

    git worktree add /tmp/before HEAD~1
    python bench/ab_time.py /tmp/sets/fullset /tmp/before . --photos 120
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import truth


def _worker(folder: Path) -> int:
    """Scan each photo path read from stdin (dry run); answer 'scan_s pillow_s' a line."""
    from PIL import Image

    import paperkit
    from paperkit.kit import open_kit
    from paperkit.record.prints import printed_codes
    from paperkit.scan.known import KnownCodes
    from paperkit.scan.pipeline import scan_photo

    kit = open_kit(truth.kit_folder(folder))
    rec = kit.open_record()
    known = KnownCodes(printed_codes(rec))
    print(f"ready {Path(paperkit.__file__).parent.parent}", flush=True)
    for line in sys.stdin:
        path = Path(line.rstrip("\n"))
        path.read_bytes()  # neither pays for the disk
        t0 = time.perf_counter()
        Image.open(path).load()
        pillow = time.perf_counter() - t0
        t0 = time.perf_counter()
        scan_photo(kit, rec, path, dry_run=True, known=known)
        print(f"{time.perf_counter() - t0} {pillow}", flush=True)
    rec.close()
    return 0


class _Version:
    def __init__(self, tree: Path, folder: Path) -> None:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [str(tree.resolve()), str(Path(__file__).parent.resolve())]))
        self.proc = subprocess.Popen([sys.executable, __file__, "--worker", str(folder)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env=env)
        ready = self.proc.stdout.readline().split(maxsplit=1)
        if not ready or ready[0] != "ready":
            raise SystemExit(f"the worker for {tree} did not start")
        self.imported = ready[1].strip()
        self.scan: list[float] = []
        self.pillow: list[float] = []

    def time(self, path: Path, keep: bool = True) -> None:
        self.proc.stdin.write(f"{path.resolve()}\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().split()
        if len(answer) != 2:
            raise SystemExit(f"the worker stopped at {path}")
        if keep:
            self.scan.append(float(answer[0]))
            self.pillow.append(float(answer[1]))

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("set", type=Path, help="a folder made by bench/make_photos.py")
    ap.add_argument("before", type=Path, nargs="?", help="the version before: its folder")
    ap.add_argument("after", type=Path, nargs="?", help="the version after: its folder")
    ap.add_argument("--photos", type=int, default=120, help="the first N photos (120)")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return _worker(args.set)
    if args.before is None or args.after is None:
        ap.error("give the folders of both versions")
    paths = [args.set / s["photo"] for s in truth.photos(args.set, args.photos)]
    versions = {"before": _Version(args.before, args.set), "after": _Version(args.after, args.set)}
    for name, v in versions.items():
        print(f"{name}: paperkit from {v.imported}")
    try:
        for v in versions.values():  # each loads its libraries and starts its helper
            v.time(paths[0], keep=False)
        for n, path in enumerate(paths):
            order = list(versions.values())
            for v in order if n % 2 == 0 else order[::-1]:
                v.time(path)
            print(f"\r{n + 1}/{len(paths)}", end="", file=sys.stderr, flush=True)
    finally:
        for v in versions.values():
            v.close()
    print(file=sys.stderr)
    b, a = versions["before"], versions["after"]
    pillow = statistics.median(b.pillow + a.pillow)
    for name, v in versions.items():
        print(f"{name:6s} median {1000 * statistics.median(v.scan):6.1f} ms, mean "
              f"{1000 * statistics.mean(v.scan):6.1f} ms, median / Pillow's median "
              f"{statistics.median(v.scan) / pillow:.2f}x")
    ratios = [x / y for x, y in zip(a.scan, b.scan, strict=True)]
    print(f"Pillow's decode, median {1000 * pillow:.1f} ms")
    print(f"after / before, photo by photo: median {statistics.median(ratios):.3f}, "
          f"mean {statistics.mean(ratios):.3f} ({len(ratios)} photos)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
