"""The tasks table."""

from __future__ import annotations

from ..errors import ChangedMeanwhile
from .db import Record, Writer
from .models import Task

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


def check_seen(rec: Record, task_id: str, seen_rev: int | None, where: str) -> Task | None:
    """The task as it is now; raises ChangedMeanwhile when ``seen_rev`` (the rev a person
    saw, or None) is not its rev any more: it changed while ``where`` was open. Call it
    inside the write the person's choice makes, so nothing lands between."""
    now = get_task(rec, task_id)
    if now is not None and seen_rev is not None and now.rev != seen_rev:
        raise ChangedMeanwhile(f"{task_id} changed while {where} was open (it is now "
                               f"{now.status}, rev {now.rev}); nothing was changed")
    return now
