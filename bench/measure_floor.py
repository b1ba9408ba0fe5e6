"""How fast the scan would be if measuring the slips (``pipeline.measure``: each slip's pose
and box reads) cost a given share of what it costs now: what the speed target asks of it.

It first scans the photos once and keeps, for every slip, what ``measure`` returned and the
CPU time it took. Then it copies the ``paperkit`` package to a temporary folder and, in that
copy only, ``measure`` hands back the kept result after keeping the CPU busy, holding the
GIL, for the given share of the time the real one took (in the scanning process and in its
helper alike). Each share is timed photo by photo against the real code, in turn, as
``ab_time.py`` does. The busy wait holds the GIL where the real ``measure`` lets go of it
in its NumPy and OpenCV calls, so the copy at share 1 is somewhat slower than the real code
(it is printed too): read the shares against it.

With ``--skip``, a share of the slips (chosen by a hash of each code and its corners) is
measured for real and the others' kept results are handed back at once: the real code's
own use of the GIL and the cores, with that share of the measuring left. The copy at share
1 is then the real code.

Example::

    python bench/measure_floor.py /tmp/sets/fullset --photos 120 --shares 1 0.5 0.25 0
"""

from __future__ import annotations

import argparse
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import truth

#: Appended to the copy's pipeline.py: ``measure`` redefined (every caller looks it up in
#: the module when it calls it, the helper included).
_SIMULATED = '''

_REAL_MEASURE = measure
_KEPT = None


def measure(frame, found):  # measure_floor.py: a kept result (busy wait, or --skip)
    global _KEPT
    import os
    import pickle
    import time as _time
    import zlib

    if _KEPT is None:
        with open(os.environ["PAPERKIT_FLOOR_KEPT"], "rb") as f:
            _KEPT = pickle.load(f)
    key = (found.text, tuple(np.round(np.float32(found.corners), 1).ravel().tolist()))
    kept = _KEPT.get(key)
    if kept is None:
        return _REAL_MEASURE(frame, found)
    result, cpu = kept
    share = float(os.environ["PAPERKIT_FLOOR_SHARE"])
    if os.environ.get("PAPERKIT_FLOOR_MODE") == "skip":  # this share of the slips measured
        if zlib.crc32(repr(key).encode()) / 2**32 < share:
            return _REAL_MEASURE(frame, found)
        return result
    end = _time.thread_time() + cpu * share
    while _time.thread_time() < end:
        pass
    return result
'''


def _keep(folder: Path, paths: list[Path], out: Path) -> int:
    """Scan ``paths`` once with the real code and pickle every slip's measurement and CPU
    time to ``out``; the number kept."""
    os.environ["PAPERKIT_SCAN_HELPER"] = "0"  # every slip measured here, where it is timed
    from paperkit.kit import open_kit
    from paperkit.record.prints import printed_codes
    from paperkit.scan import pipeline
    from paperkit.scan.known import KnownCodes

    kit = open_kit(truth.kit_folder(folder))
    rec = kit.open_record()
    known = KnownCodes(printed_codes(rec))
    kept, real = {}, pipeline.measure

    def keeping(frame, found):
        t0 = time.thread_time()
        result = real(frame, found)
        key = (found.text, tuple(np.round(np.float32(found.corners), 1).ravel().tolist()))
        kept[key] = (result, time.thread_time() - t0)
        return result

    pipeline.measure = keeping
    try:
        for n, path in enumerate(paths, 1):
            pipeline.scan_photo(kit, rec, path, dry_run=True, known=known)
            print(f"\rkept {n}/{len(paths)}", end="", file=sys.stderr, flush=True)
    finally:
        pipeline.measure = real
        rec.close()
    print(file=sys.stderr)
    out.write_bytes(pickle.dumps(kept))
    return len(kept)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("set", type=Path, help="a folder made by bench/make_photos.py")
    ap.add_argument("--photos", type=int, default=120, help="the first N photos (120)")
    ap.add_argument("--shares", type=float, nargs="+", default=[1.0, 0.5, 0.25, 0.0],
                    help="measuring's cost, as shares of today's (1 0.5 0.25 0)")
    ap.add_argument("--skip", action="store_true",
                    help="measure that share of the slips for real and hand back the rest's"
                         " kept result at once, instead of a busy wait for every slip")
    ap.add_argument("--keep", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    paths = [args.set / s["photo"] for s in truth.photos(args.set, args.photos)]
    if args.keep:
        print(_keep(args.set, paths, args.out))
        return 0
    import paperkit

    real_tree = Path(paperkit.__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        kept = Path(tmp) / "kept.pickle"
        subprocess.run([sys.executable, __file__, str(args.set), "--photos", str(args.photos),
                        "--keep", "--out", str(kept)], check=True)
        copy = Path(tmp) / "tree"
        shutil.copytree(real_tree / "paperkit", copy / "paperkit")
        with open(copy / "paperkit" / "scan" / "pipeline.py", "a") as f:
            f.write(_SIMULATED)
        ab = Path(__file__).with_name("ab_time.py")
        for share in args.shares:
            how = "of the slips measured" if args.skip else "of its cost"
            print(f"measuring at {share:g} {how} (the copy) against the real code:",
                  flush=True)
            env = dict(os.environ, PAPERKIT_FLOOR_KEPT=str(kept),
                       PAPERKIT_FLOOR_SHARE=str(share),
                       PAPERKIT_FLOOR_MODE="skip" if args.skip else "busy")
            subprocess.run([sys.executable, str(ab), str(args.set), str(real_tree), str(copy),
                            "--photos", str(args.photos)], check=True, env=env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
