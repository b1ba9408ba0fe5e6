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


def next_task_id(rec: Record) -> str:
    row = rec.query_one("SELECT max(CAST(substr(id, 2) AS INTEGER)) FROM tasks")
    return f"T{(row[0] or 0) + 1:04d}"


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
