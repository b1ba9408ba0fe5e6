"""The review queue: slips a scan could not settle, for a person to decide.

A decision is a person's word on the printed slip, and it wins (DESIGN §6):

- ``set_status`` writes the chosen status; when the task has it already, it raises the
  task's rev all the same (``tasks.renew``). Either way the printed slip is then out of
  date: a later photo of it reading another status goes to review as stale, never applied
  over the decision (one reading the chosen status is unchanged). Every pending item of
  the task is closed (resolved).
- ``skip`` closes them (skipped) and leaves the task as it was, its rev too.

Each logs one event per row it changes, with Source('review', 'T0014 reviews 5,6: set
open') (or ': skip'), so ``paperkit log --task T0014`` shows what was chosen. Both read the
task's pending items inside their write transaction: a decision made meanwhile (another
person, a command, a scan) is never overwritten. Both take the item ids the person saw
(``seen_items``; the kiosk's page names them, a command line need not): when the task's
pending items are not those any more, nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import AlreadyDecided, ChangedMeanwhile, InvalidValue, NotFound
from ..record import scans as rs
from ..record.db import Record, Source, Writer
from ..record.models import TASK_STATUSES, Task
from ..record.scans import ReviewItem
from ..record.tasks import check_seen, get_task, renew
from ..record.tasks import set_status as set_task_status


@dataclass(frozen=True)
class TaskReview:
    """A task's pending review items (``items``, least sure first) with the task as the
    record holds it now (``task``; None when it is no longer in the record)."""

    task_id: str
    task: Task | None
    items: tuple[ReviewItem, ...]

    @property
    def ids(self) -> tuple[int, ...]:
        """The items' ids, lowest first: what a page that shows them all names."""
        return tuple(sorted(i.id for i in self.items))

    @property
    def suggested(self) -> str:
        """The status every item most likely says, or '' when they say none or differ, or
        when a slip read was printed before the task's last change: a person's decision
        since, say, which the kiosk's page must not lean the person against (its button
        stood out as the one to press; a red team, the fortieth session)."""
        said = {i.suggested for i in self.items}
        if self.task is not None and any(i.rev < self.task.rev for i in self.items):
            return ""
        return said.pop() if len(said) == 1 else ""


@dataclass(frozen=True)
class Decided:
    """What a review decision did to ``task``: its status ``before`` and ``after`` and its
    ``rev`` now (all None for a task no longer in the record), the ids of the review items
    it ``closed``, and their new ``state``: 'resolved' (a status was set) or 'skipped'."""

    task: str
    before: str | None
    after: str | None
    rev: int | None
    closed: tuple[int, ...]
    state: str

    @property
    def kept(self) -> bool:
        """Whether the task kept its status (a skip, or a status set that it had)."""
        return self.before == self.after

    @property
    def slip_out_of_date(self) -> bool:
        """Whether the task's printed slip is now out of date: after every status set (a
        kept status too: its rev was raised), never after a skip."""
        return self.state == "resolved"

    def as_dict(self) -> dict:
        return {"task": self.task, "before": self.before, "after": self.after,
                "rev": self.rev, "closed": list(self.closed), "state": self.state,
                "slip_out_of_date": self.slip_out_of_date}


def pending(rec: Record) -> list[ReviewItem]:
    """What needs a person, lowest confidence first."""
    return rs.pending_reviews(rec)


def tasks_now(rec: Record, items: Iterable[ReviewItem]) -> dict[str, Task | None]:
    """Task id → the task as the record holds it now (None: no longer there), for each
    task of ``items``: an item's own rev and reason are as the scan saw them."""
    return {tid: get_task(rec, tid) for tid in dict.fromkeys(i.task for i in items)}


def by_task(rec: Record) -> list[TaskReview]:
    """The queue by task: each task once, with all its pending items, the task whose least
    sure item is least sure first."""
    groups: dict[str, list[ReviewItem]] = {}
    for item in pending(rec):  # lowest confidence first
        groups.setdefault(item.task, []).append(item)
    now = tasks_now(rec, (items[0] for items in groups.values()))
    return [TaskReview(tid, now[tid], tuple(items)) for tid, items in groups.items()]


def _ref(task: str, items: list[ReviewItem], what: str) -> str:
    """The decision's source: 'T0014 reviews 5,6: set open' (or ': skip')."""
    ids = ",".join(str(i) for i in sorted(i.id for i in items))
    return f"{task} reviews {ids}: {what}"


def _full_id(task: str) -> str | None:
    """'T0008' for a task named short ('T8', '8', '0008'), else None."""
    digits = task.upper().removeprefix("T")
    return f"T{int(digits):04d}" if digits.isdigit() and f"T{int(digits):04d}" != task else None


def _now(task: Task) -> str:
    return f"{task.status}, rev {task.rev}"


def _waiting(rec: Record, task: str, seen_items: Iterable[int] | None
             ) -> tuple[Task | None, list[ReviewItem]]:
    """The task now and its pending review items, read inside the decision's write. Raises
    (nothing written) when none waits, or when they are not the ``seen_items`` the person
    saw (when given): a read arrived since, or some were decided meanwhile."""
    if not task.strip():
        raise InvalidValue("no task was named",
                           "name it by its id, as in 'T0042'")
    now = get_task(rec, task)
    items = rs.pending_reviews(rec, task)
    seen = None if seen_items is None else set(seen_items)
    if not items:
        if now is None:
            full = _full_id(task)
            raise NotFound(f"there is no task {task}",
                           f"did you mean {full}? Task ids have four digits or more"
                           if full and get_task(rec, full) is not None else
                           "run 'paperkit task list' to see the task ids")
        decided = rs.review_ids(rec, task)
        if seen and seen <= set(decided):
            raise AlreadyDecided(f"{task} was decided meanwhile: it is now {_now(now)};"
                                 " nothing was changed")
        if decided:
            raise AlreadyDecided(f"no pending review for {task}: it was decided already,"
                                 f" and it is now {_now(now)}")
        raise NotFound(f"no pending review for {task} (it is {_now(now)})",
                       "run 'paperkit review' to list what waits for a person")
    if seen is not None:
        ids = {i.id for i in items}
        new, gone = ids - seen, seen - ids
        if new:
            raise ChangedMeanwhile(f"{len(new)} new read(s) of {task} arrived since this page"
                                   " was shown; look again", "nothing was changed")
        if gone:
            raise ChangedMeanwhile(f"{len(gone)} of the reads of {task} this page showed were"
                                   " decided meanwhile; look again", "nothing was changed")
    return now, items


def _name(w: Writer, ref: str) -> None:
    """Give the decision's events their source, once the items it decides are known (read
    in the same transaction, before anything is written)."""
    w.source = Source("review", ref)


def set_status(rec: Record, task: str, status: str, seen_rev: int | None = None,
               seen_items: Iterable[int] | None = None) -> Decided:
    """Resolve ``task``'s pending reviews with ``status`` (the person's value wins): the
    status is written, or, when the task has it already, its rev is raised, so its printed
    slip is out of date either way (module doc).

    ``seen_rev``: the task's rev the person saw when choosing; ``seen_items``: the ids of
    the review items they saw. When the task has changed since, or its pending items are
    not those, nothing is written and ChangedMeanwhile is raised; when none is pending any
    more, AlreadyDecided (saying what the task is now)."""
    if not status:
        raise InvalidValue("no status was chosen", f"choose one of {', '.join(TASK_STATUSES)}")
    if status not in TASK_STATUSES:
        raise InvalidValue(f"{status!r} is not a task status",
                           f"choose one of {', '.join(TASK_STATUSES)}")
    with rec.write(Source("review", task)) as w:
        now, items = _waiting(rec, task, seen_items)
        if now is None:
            raise NotFound(f"task {task} is not in the record any more",
                           f"close its review with 'paperkit review skip {task}'")
        check_seen(rec, task, seen_rev, "the review")
        _name(w, _ref(task, items, f"set {status}"))
        before, after = set_task_status(w, task, status)
        if before == after:
            before, after = renew(w, task)
        closed = rs.close_reviews(w, task, "resolved")
    return Decided(task, before["status"], after["status"], after["rev"], tuple(closed),
                   "resolved")


def skip(rec: Record, task: str, seen_items: Iterable[int] | None = None) -> Decided:
    """Close ``task``'s pending reviews and leave the task as it was (status and rev).
    ``seen_items`` as for :func:`set_status`."""
    with rec.write(Source("review", task)) as w:
        now, items = _waiting(rec, task, seen_items)
        _name(w, _ref(task, items, "skip"))
        closed = rs.close_reviews(w, task, "skipped")
    status = now.status if now else None
    return Decided(task, status, status, now.rev if now else None, tuple(closed), "skipped")
