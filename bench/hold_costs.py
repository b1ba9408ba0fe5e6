"""What each of the scan's holds costs, and what it catches, on photo sets read by
``compare_reads.py dump``.

A slip goes to review for one reason (``SlipResult.reason``); each reason is one rule of the
scan (a hold). For every slip held, what it would have said had it not been held (its one
box read as marked, score at least ``marks.MARKED``, or no box when none is; two or more
are a double mark) is set against the set's truth (``truth.py``):

- **cost**: that is what its marks mean (a clear slip held; applied or left unchanged, it
  would have been right);
- **catch, wrong**: applied, it would have been a status its marks do not mean (a second
  mark, a struck-out box, a mark on a blank slip);
- **catch, lost**: the slip was marked, and it would have been read as blank.

Two boxes marked is not a hold (review is the answer), nor is a stale slip. The review
budget (issue 4) counts every clear slip in review: the costs, and the lost marks caught on
one-mark slips (a faint mark read in the unsure band, say); the catches are what they buy.

Example::

    python bench/compare_reads.py dump /tmp/sets/* --out /tmp/reads/now
    python bench/hold_costs.py /tmp/reads/now /tmp/sets/*
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import truth

from paperkit.scan.marks import MARKED

#: Each hold by the words of its reason (pipeline.py, decide.py), first match wins; a
#: reason that matches none is "other".
HOLDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("read only with help (pipeline.GUESSED)", ("modelling a blurred",)),
    ("slip small in the photo (pipeline.MIN_PPU, LIGHT_PPU)", ("the slip is small",)),
    ("photo dark there (pipeline.DARK_CONTRAST)", ("the photo is dark here",)),
    ("pale print, light mark (pipeline.PALE_INK_DEPTH)", ("the print is pale",
                                                          "print looks pale")),
    ("pose uncertain", ("position in the photo is uncertain",)),
    ("stroke across the slip (marks.struck_across)", ("runs across the slip",)),
    ("another slip lies over it", ("lies over part of this one",)),
    ("another photo disagrees", ("another photo of this slip read",)),
    ("scribbled mark, trace beside it (decide.struck_traces)", ("looks scribbled over",)),
    (BLANK_TRACE := "blank, trace of ink (decide.blank_traces)", (
        "no box is clearly marked, but", "hold a trace of ink")),
    ("blank, faint mark (decide.faint_marks)", ("no box is clearly marked, but",)),
    ("faint mark beside the mark (decide.faint_marks)", ("may hold a faint mark",)),
    ("thin light line beside the mark (decide.light_lines)", ("a thin light line",)),
    ("trace beside the mark (decide.ink_traces)", ("a light second mark may be there",)),
    ("box unclear (decide: unsure band, outline)", ("unclear",)),
    ("something not ink (decide: crease, object, shadow, band, writing)", (
        "line running through", "lying on it", "lying across it", "ink running down",
        "no darker than", "ink joined to it", "there is ink by the", "out of its window")),
    ("stain over a box (decide.stained)", ("may have a stain over it",)),
    ("light coloured mark (colour.marked_in_colour)", ("a light coloured mark",)),
    ("box shaded over (decide.shaded_over)", ("shaded over",)),
    ("light, soft-edged mark (through.soft_and_light)", ("light and soft-edged",)),
    ("row continues past the edge (geometry.row_continues)", ("continue this slip's row",)),
)
#: Reasons that are not holds: two or more boxes marked (review is the answer), also when
#: one of them looks struck out and the other made after it (decide.read_status).
NOT_HOLDS = ("are both marked", "are all marked", "marked after it")

COST, WRONG, LOST = "cost", "catch: wrong", "catch: lost"


def hold_of(reason: str) -> str | None:
    """The hold a review ``reason`` names (:data:`HOLDS`), "other", or None when it is no
    hold (two boxes marked)."""
    if any(n in reason for n in NOT_HOLDS):
        return None
    if reason.startswith("no box is clearly marked") and "trace of ink" in reason:
        return BLANK_TRACE  # before the faint-mark form, which starts alike
    for name, words in HOLDS:
        if name == BLANK_TRACE:
            continue
        if any(w in reason for w in words):
            return name
    return "other"


def unheld(scores: dict[str, float]) -> str | None:
    """What a held slip whose boxes read ``scores`` would have said: its one box at
    ``marks.MARKED`` or more; None for none (read blank) or several (a double mark, which
    goes to review anyway: "review")."""
    marked = [b for b, v in scores.items() if v >= MARKED]
    return marked[0] if len(marked) == 1 else "review" if marked else None


def verdict(slip: dict, status: str | None) -> str:
    """A held slip that would have said ``status`` (:func:`unheld`), against its truth."""
    if status == "review" or (status in slip["accept"] and status != "review"):
        return COST
    if status is None and slip["status"] is not None:
        return LOST
    return WRONG


def tally(reads_dir: Path, folders: list[Path]) -> dict[str, Counter]:
    """Each hold's counts (:data:`COST`, :data:`WRONG`, :data:`LOST`) over the sets."""
    out: dict[str, Counter] = {}
    for folder in folders:
        reads = json.loads((reads_dir / f"{folder.name}.json").read_text())
        for shot in truth.photos(folder):
            got = reads.get(shot["photo"])
            if got is None:
                continue
            for slip in shot["slips"]:
                r = got["slips"].get(slip["code"])
                if r is None or r["outcome"] != "review":
                    continue
                hold = hold_of(r["reason"] or "")
                if hold is not None:
                    out.setdefault(hold, Counter())[verdict(slip, unheld(r["read"]))] += 1
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("reads", type=Path, help="a folder written by compare_reads.py dump")
    ap.add_argument("sets", type=Path, nargs="+", help="the photo sets it read")
    args = ap.parse_args(argv)
    missing = [f.name for f in args.sets if not (args.reads / f"{f.name}.json").exists()]
    if missing:
        print(f"no reads of {', '.join(missing)} in {args.reads}", file=sys.stderr)
        return 2
    counts = tally(args.reads, args.sets)
    width = max((len(h) for h in counts), default=10)
    print(f"{'hold':{width}} | clear slips held | catches: wrong | catches: lost")
    for hold, c in sorted(counts.items(), key=lambda kv: -sum(kv[1].values())):
        print(f"{hold:{width}} | {c[COST]:16} | {c[WRONG]:14} | {c[LOST]:13}")
    total = Counter()
    for c in counts.values():
        total.update(c)
    print(f"{'all':{width}} | {total[COST]:16} | {total[WRONG]:14} | {total[LOST]:13}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
