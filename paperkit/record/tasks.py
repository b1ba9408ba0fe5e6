"""The tasks table."""

from __future__ import annotations

from ..errors import ChangedMeanwhile, NotFound
from .db import Record, Writer
from .events import Event, list_events
from .models import Task
from .scans import review_ids

_COLS = "id, title, timeframe, steward, status, after_action, shadow_crew, rev"


def list_tasks(rec: Record, status: str | None = None) -> list[Task]:
    sql = f"SELECT {_COLS} FROM tasks"
    params: tuple = ()
    if status:
        sql += " WHERE status = ?"
        params = (status,)
    return [Task(**dict(r)) for r in rec.query(sql + " ORDER BY id", params)]


def get_task(rec: Record, task_id: str) -> Task | None:
    row = rec.query_one(
        f"SELECT {_COLS} FROM tasks WHERE id = ?",
        (task_id,),
    )
    return None if row is None else Task(**dict(row))


#: The highest task number an id holds (``T`` and at most 8 digits: codes.py, rows.py).
MAX_TASK_NUMBER = 99_999_999


def next_task_id(rec: Record) -> str:
    """The number after the highest task's; when that is past ``MAX_TASK_NUMBER`` (an id
    like T99999999 written by hand), the lowest number no task holds."""
    row = rec.query_one("SELECT max(CAST(substr(id, 2) AS INTEGER)) FROM tasks")
    number = (row[0] or 0) + 1
    if number > MAX_TASK_NUMBER:
        taken = {r[0] for r in rec.query("SELECT CAST(substr(id, 2) AS INTEGER) FROM tasks")}
        number = next(n for n in range(1, MAX_TASK_NUMBER + 2) if n not in taken)
    return f"T{number:04d}"


def set_status(w: Writer, task_id: str, status: str) -> tuple[dict, dict]:
    return w.update("tasks", task_id, {"status": status})


def renew(w: Writer, task_id: str) -> tuple[dict, dict]:
    """Raise the task's rev by one and change nothing else (one event): a person decided
    what its printed slip says and kept the status it has, so that slip is out of date
    like after any change, and a later photo of it reading another status is stale
    (scan.decide), never applied over the person's decision."""
    now = get_task(w.record, task_id)
    if now is None:
        raise NotFound(f"there is no task {task_id}")
    return w.update("tasks", task_id, {"rev": now.rev + 1})


def task_events(rec: Record, task_id: str, table: str | None = None,
                limit: int | None = None) -> list[Event]:
    """The events of the task's own row and of its review items (a scan queueing one, a
    person deciding or skipping it: DESIGN §6), oldest first; only those of ``table``
    ('tasks' or 'reviews') when given; ``limit`` keeps the newest ``limit``."""
    events = [] if table not in (None, "tasks") else list_events(rec, table="tasks",
                                                                 row_id=task_id)
    if table in (None, "reviews"):
        for rid in review_ids(rec, task_id):
            events += list_events(rec, table="reviews", row_id=str(rid))
    events.sort(key=lambda e: e.id)
    return events[-limit:] if limit else events


def check_seen(rec: Record, task_id: str, seen_rev: int | None, where: str) -> Task | None:
    """The task as it is now; raises ChangedMeanwhile when ``seen_rev`` (the rev a person
    saw, or None) is not its rev any more: it changed while ``where`` was open. Call it
    inside the write the person's choice makes, so nothing lands between."""
    now = get_task(rec, task_id)
    if now is not None and seen_rev is not None and now.rev != seen_rev:
        raise ChangedMeanwhile(f"{task_id} changed while {where} was open (it is now "
                               f"{now.status}, rev {now.rev}); nothing was changed")
    return now
