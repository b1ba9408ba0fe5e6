"""The ground truth of a photo set made by ``make_photos.py``, and what a scan's read of one
slip is against it. Shared by ``scan_bench.py``, ``review_diag.py`` and ``compare_reads.py``,
so that all three count a wrong status, a lost mark or a clear slip sent to review alike.

A set's folder holds ``index.json`` (its kit's folder and the photos' names, in order) and,
for each photo ``NNNN``, ``NNNN.json``: the file's name (``photo``) and its ``slips``, each
with its ``code``, the ``status`` its marks mean (None: no box marked; "review": two boxes
marked, so review is the right answer), the statuses a read may give and still be right
(``accept``), and the marks drawn (``spec``: ``kind`` "redo" for a box struck out and another
marked).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

#: What a read of one slip is, against its truth (:func:`kind`):
RIGHT = "right"                      # applied or unchanged, the status its marks mean
REVIEW_RIGHT = "review-right"        # two boxes marked: review is the right answer
REVIEW_REDO = "review-redo"          # a box struck out and another marked, sent to review
REVIEW_CLEAR = "review-clear"        # a clear slip (one mark or none) sent to review
WRONG = "wrong-applied"              # a status its marks do not mean, applied
WRONG_UNCHANGED = "wrong-unchanged"  # a status its marks do not mean, left unchanged
LOST = "lost-mark"                   # a marked slip read as blank (nothing changed)
MISSED = "missed"                    # its code was not read
OTHER = "other"                      # any other outcome (unknown-task, bad-code, ...)


def kind(truth: dict, outcome: str | None, status: str | None) -> str:
    """What the scan's read of the slip ``truth`` (one of a photo's ``slips``) is: one of
    the names above. ``outcome``/``status``: the scan's, or None for a slip not read."""
    if outcome is None:
        return MISSED
    if outcome in ("review", "stale"):
        if truth["status"] == "review":
            return REVIEW_RIGHT
        return REVIEW_REDO if truth["spec"]["kind"] == "redo" else REVIEW_CLEAR
    if outcome in ("applied", "unchanged"):
        if status in truth["accept"] and status != "review":
            return RIGHT
        if outcome == "applied":
            return WRONG
        return LOST if status is None else WRONG_UNCHANGED
    return OTHER


def photos(folder: Path, limit: int = 0) -> Iterator[dict]:
    """Each photo's truth in the set ``folder``, in the index's order (the first ``limit``
    only, when given); its file is ``folder / truth["photo"]``."""
    index = json.loads((folder / "index.json").read_text())
    for name in index["photos"][: limit or None]:
        yield json.loads((folder / f"{name}.json").read_text())


def kit_folder(folder: Path) -> Path:
    """The set's kit."""
    return folder / json.loads((folder / "index.json").read_text())["kit"]
