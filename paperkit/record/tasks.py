"""The tasks table."""

from __future__ import annotations

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
