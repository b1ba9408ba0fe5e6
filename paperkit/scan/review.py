"""The review queue: slips a scan could not settle, for a person to decide.

The person's value wins: ``set_status`` writes it (logged with Source('review', ...)) and
closes every pending item of that task; ``skip`` closes them and leaves the task as it was.
"""

from __future__ import annotations

from ..errors import InvalidValue, NotFound
from ..record import scans as rs
from ..record.db import Record, Source
from ..record.models import TASK_STATUSES
from ..record.scans import ReviewItem
from ..record.tasks import check_seen, get_task
from ..record.tasks import set_status as set_task_status


def pending(rec: Record) -> list[ReviewItem]:
    """What needs a person, lowest confidence first."""
    return rs.pending_reviews(rec)


def _items(rec: Record, task: str) -> list[ReviewItem]:
    items = rs.pending_reviews(rec, task)
    if not items:
        raise NotFound(f"no pending review for {task}", "run 'paperkit review' to list them")
    return items


def set_status(rec: Record, task: str, status: str, seen_rev: int | None = None
               ) -> tuple[str, str]:
    """Resolve ``task``'s pending reviews with ``status``. Returns (before, after) status.
    ``seen_rev``: the task's rev the person saw when choosing; if the task has changed
    since, nothing is written and ChangedMeanwhile is raised."""
    if status not in TASK_STATUSES:
        raise InvalidValue(f"{status!r} is not a task status",
                           f"choose from {', '.join(TASK_STATUSES)}")
    items = _items(rec, task)
    if get_task(rec, task) is None:
        raise NotFound(f"task {task} is not in the record")
    ref = f"{task} reviews {','.join(str(i.id) for i in items)}"
    with rec.write(Source("review", ref)) as w:
        check_seen(rec, task, seen_rev, "the review")
        before, after = set_task_status(w, task, status)
        rs.close_reviews(w, task, "resolved")
    return before["status"], after["status"]


def skip(rec: Record, task: str) -> int:
    """Close ``task``'s pending reviews without changing it. Returns how many were closed."""
    items = _items(rec, task)
    ref = f"{task} reviews {','.join(str(i.id) for i in items)} skipped"
    with rec.write(Source("review", ref)) as w:
        return len(rs.close_reviews(w, task, "skipped"))

