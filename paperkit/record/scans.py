"""The scan tables: scans (one row per photo, by sha256), slip_reads, reviews, task_crops.

Reads and writes only; the scan pipeline (paperkit/scan) decides what to write.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .db import Record, Writer, now_iso

#: a slip's outcomes that no scan applies (scan.decide.OUTCOMES): said again on a rescan
REFUSED = ("unknown-task", "bad-code", "other-kit")


@dataclass(frozen=True)
class ScanRow:
    """A photo already scanned: its sha256, stored file (kit-relative), and when (ISO UTC).
    ``errors``: what that scan said was wrong with the photo (kept in its result);
    ``waiting``: the slips it read that still wait in the review queue, each as that scan
    reported it (task, rev, read, status, outcome, confidence, reason); ``refused``: its
    slips that no scan can apply (a code of another kit, a forged code, a task the record
    did not hold then), reported alike, so that a rescan says them again; ``decided``: the
    (task, rev) of every other slip it read (applied, unchanged, queued for review), which
    a read again (``paperkit scan --again``) leaves as they are; ``slips``: every slip as
    stored."""

    sha256: str
    photo: str
    at: str
    errors: tuple[str, ...] = ()
    waiting: tuple[dict, ...] = ()
    refused: tuple[dict, ...] = ()
    decided: frozenset[tuple[str, int]] = frozenset()
    slips: tuple[dict, ...] = ()


@dataclass(frozen=True)
class ReviewItem:
    """One slip waiting for a person. ``suggested`` is the status the scan read ('' if none),
    ``read`` the box scores (0..1) by box, ``confidence`` 0..1, ``crop`` the kit-relative path
    of the rectified slip image, ``reason`` why it needs a person."""

    id: int
    task: str
    rev: int
    scan_sha256: str
    reason: str
    suggested: str
    read: dict
    confidence: float
    crop: str
    state: str
    created_at: str


def get_scan(rec: Record, sha256: str) -> ScanRow | None:
    """The photo ``sha256`` as scanned before, or None."""
    row = rec.query_one("SELECT sha256, photo, at, result FROM scans WHERE sha256 = ?",
                        (sha256,))
    if row is None:
        return None
    try:
        result = json.loads(row["result"] or "{}")
    except ValueError:  # not written by paperkit: say nothing more of it
        result = {}
    pending = {(r["task"], r["rev"]) for r in rec.query(
        "SELECT task, rev FROM reviews WHERE scan_sha256 = ? AND state = 'pending'", (sha256,))}
    keys = ("task", "rev", "read", "status", "outcome", "confidence", "reason")
    slips = [s for s in result.get("slips", ()) if isinstance(s, dict)]
    waiting = tuple({k: s.get(k) for k in keys} for s in slips
                    if (s.get("task"), s.get("rev")) in pending)
    refused = tuple({k: s.get(k) for k in keys} for s in slips if s.get("outcome") in REFUSED)
    decided = frozenset((s.get("task"), s.get("rev")) for s in slips
                        if s.get("outcome") not in REFUSED)
    return ScanRow(row["sha256"], row["photo"], row["at"],
                   tuple(str(e) for e in result.get("errors", ())), waiting, refused,
                   decided, tuple(slips))


def earlier_reads(rec: Record, task: str, rev: int) -> list[str]:
    """What earlier scans read from the slip (task, rev): a status, two or more marked boxes
    joined by '+' ('done+stuck'), or '' where nothing was clear (scan.decide.says)."""
    rows = rec.query("SELECT status FROM slip_reads WHERE task = ? AND rev = ? ORDER BY id",
                     (task, rev))
    return [r["status"] for r in rows]


def add_scan(w: Writer, sha256: str, photo: str, result: dict) -> None:
    w.insert("scans", {"sha256": sha256, "photo": photo, "at": w.at,
                       "result": json.dumps(result, ensure_ascii=False, sort_keys=True)})


def update_scan(w: Writer, sha256: str, photo: str, result: dict) -> None:
    """A photo read again (``scan --again``): its stored file (kept now if it was not then)
    and result, now with what the new read decided (an event holds them as before)."""
    w.update("scans", sha256, {"photo": photo, "result": json.dumps(
        result, ensure_ascii=False, sort_keys=True)})


def add_slip_read(w: Writer, sha256: str, task: str, rev: int, status: str | None,
                  outcome: str, confidence: float) -> int:
    return w.insert("slip_reads", {"scan_sha256": sha256, "task": task, "rev": rev,
                                   "status": status or "", "outcome": outcome,
                                   "confidence": confidence})


def add_review(w: Writer, sha256: str, task: str, rev: int, reason: str, suggested: str | None,
               read: dict, confidence: float, crop: str) -> int:
    return w.insert("reviews", {
        "task": task, "rev": rev, "scan_sha256": sha256, "reason": reason,
        "suggested": suggested or "", "read": json.dumps(read, sort_keys=True),
        "confidence": confidence, "crop": crop, "state": "pending", "created_at": w.at,
    })


def add_crop(w: Writer, task: str, kind: str, path: str, sha256: str) -> int:
    return w.insert("task_crops", {"task": task, "kind": kind, "path": path,
                                   "scan_sha256": sha256, "created_at": w.at})


def crops_for(rec: Record, task: str) -> list[tuple[str, str]]:
    """(kind, kit-relative path) of every crop attached to ``task``, oldest first."""
    rows = rec.query("SELECT kind, path FROM task_crops WHERE task = ? ORDER BY id", (task,))
    return [(r["kind"], r["path"]) for r in rows]


def _item(row) -> ReviewItem:
    d = dict(row)
    d["read"] = json.loads(d.get("read") or "{}")
    d.pop("resolved_at", None)
    return ReviewItem(**d)


def pending_reviews(rec: Record, task: str | None = None) -> list[ReviewItem]:
    """Pending review items, lowest confidence first (then oldest)."""
    sql = "SELECT * FROM reviews WHERE state = 'pending'"
    params: tuple = ()
    if task is not None:  # ("" is a task id no task has, not every task)
        sql += " AND task = ?"
        params = (task,)
    return [_item(r) for r in rec.query(sql + " ORDER BY confidence, id", params)]


def review_ids(rec: Record, task: str) -> list[int]:
    """The ids of ``task``'s review items, whatever their state, oldest first."""
    return [r["id"] for r in rec.query("SELECT id FROM reviews WHERE task = ? ORDER BY id",
                                       (task,))]


def settle_reviews(w: Writer, task: str, rev: int, status: str) -> list[int]:
    """Mark resolved the pending reviews of the slip (``task``, ``rev``) whose suggested
    status is ``status``: a later photo read that slip clearly as the status an earlier,
    unsure read of it suggested. Returns their ids."""
    ids = [r["id"] for r in w.conn.execute(
        "SELECT id FROM reviews WHERE task = ? AND rev = ? AND suggested = ? "
        "AND state = 'pending' ORDER BY id", (task, rev, status))]
    at = now_iso()
    for rid in ids:
        w.update("reviews", rid, {"state": "resolved", "resolved_at": at})
    return ids


def close_reviews(w: Writer, task: str, state: str) -> list[int]:
    """Mark every pending review of ``task`` resolved or skipped; returns their ids."""
    ids = [r["id"] for r in w.conn.execute(
        "SELECT id FROM reviews WHERE task = ? AND state = 'pending' ORDER BY id", (task,))]
    at = now_iso()
    for rid in ids:
        w.update("reviews", rid, {"state": state, "resolved_at": at})
    return ids
