"""The slips a kit has ever printed, kept in its folder beside the record (``printed.log``).

A slip's code signs only the kit, the task's number and its rev (DESIGN §4), so the same
number at the same rev prints the same code whatever the task is. The record's ``prints``
know what this record printed; a record put back from a backup (``paperkit restore``) or
started over (``restore --empty``) forgets what was printed since, and hands the same task
numbers and revs out again: a new T0031 printed the old T0031's code, and the old slip
(and its photos) then set the new task's status (a red team, the fortieth session). This
log is not in the record, so a restore leaves it: :func:`fresh_revs` raises past every
rev printed before that the record does not know."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from .kit import Kit
from .record import Record, Source
from .record.tasks import renew

LOG_NAME = "printed.log"


def _path(kit: Kit) -> Path:
    return kit.path / LOG_NAME


def printed_revs(kit: Kit) -> dict[str, int]:
    """The highest rev printed of each task number, as the log holds it ({} with no log).
    A line cut short (a stop while it was written) is passed over."""
    try:
        text = _path(kit).read_text("ascii", errors="replace")
    except FileNotFoundError:
        return {}
    revs: dict[str, int] = {}
    for line in text.splitlines():
        task, _, rev = line.partition(" ")
        if task and rev.isdigit():
            revs[task] = max(revs.get(task, 0), int(rev))
    return revs


def note_printed(kit: Kit, record: Record, slips: Iterable[tuple[str, str, int]]) -> None:
    """Add the slips (code, task, rev) about to be printed, each task's highest rev once
    (the file is made readable by its owner alone, as the record is). A kit's first log
    (a kit made before there was one) starts with what its record printed before."""
    known = printed_revs(kit)
    before = [] if known or _path(kit).exists() else [
        ("", r[0], r[1]) for r in record.query("SELECT task, max(rev) FROM print_codes"
                                               " GROUP BY task ORDER BY task")]
    new: dict[str, int] = {}
    for _, task, rev in [*before, *slips]:
        if rev > max(known.get(task, 0), new.get(task, 0)):
            new[task] = rev
    if not new:
        return
    fd = os.open(_path(kit), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, "".join(f"{t} {r}\n" for t, r in new.items()).encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)


def fresh_revs(kit: Kit, record: Record, slips: Iterable[tuple[str, str, int]],
               source: Source) -> list[str]:
    """Raise the rev of each task among ``slips`` (code, task, rev) whose rev a print has
    used before (the log) that this record does not hold (its ``print_codes``): past the
    highest rev printed of it, one change (an event) at a time, so that its slip gets a
    code no earlier slip has. Returns the tasks raised (the caller lays the print out
    again). A reprint of what this record printed keeps its rev and code."""
    printed = printed_revs(kit)
    stale = sorted({task for _, task, rev in slips if rev <= printed.get(task, 0)
                    and record.query_one("SELECT 1 FROM print_codes WHERE task = ? AND rev = ?"
                                         " LIMIT 1", (task, rev)) is None})
    if stale:
        why = Source(source.kind, f"{source.ref}: past revs printed before that this record"
                                  " does not hold (restored from a backup, or started over)")
        with record.write(why) as w:
            for task in stale:
                now = w.conn.execute("SELECT rev FROM tasks WHERE id = ?", (task,)).fetchone()
                for _ in range(printed[task] + 1 - now[0] if now else 0):
                    renew(w, task)
    return stale
