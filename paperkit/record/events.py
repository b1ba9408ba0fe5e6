"""Reading the event log. It is append-only: nothing here (or anywhere) edits it, and the
record's triggers refuse any UPDATE or DELETE on it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .db import Record


@dataclass(frozen=True)
class Event:
    """One logged change: ``at`` is ISO UTC; ``source_kind``/``source`` say where it came from
    (an import file, a photo's sha256, a command line); ``before``/``after`` are the row's
    values (None for an insert's before and a delete's after)."""

    id: int
    at: str
    source_kind: str
    source: str
    table: str
    row_id: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    def changed(self) -> dict[str, tuple[Any, Any]]:
        """Column → (before, after) for the columns this event changed."""
        before, after = self.before or {}, self.after or {}
        return {c: (before.get(c), after.get(c)) for c in {**before, **after}
                if before.get(c) != after.get(c)}

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "at": self.at, "source_kind": self.source_kind,
                "source": self.source, "table": self.table, "row_id": self.row_id,
                "action": self.action, "before": self.before, "after": self.after}


def list_events(rec: Record, *, table: str | None = None, row_id: str | None = None,
                limit: int | None = None) -> list[Event]:
    """Events oldest first; ``limit`` keeps the newest ``limit`` of them."""
    sql = ("SELECT id, at, source_kind, source, tbl, row_id, action, before, after"
           " FROM events WHERE 1=1")
    params: list[Any] = []
    if table:
        sql += " AND tbl = ?"
        params.append(table)
    if row_id:
        sql += " AND row_id = ?"
        params.append(row_id)
    sql += " ORDER BY id DESC"
    if limit:
        sql += " LIMIT ?"
        params.append(limit)
    rows = rec.query(sql, tuple(params))
    return [Event(r["id"], r["at"], r["source_kind"], r["source"], r["tbl"], r["row_id"],
                  r["action"], _load(r["before"]), _load(r["after"])) for r in reversed(rows)]


def count_events(rec: Record) -> int:
    return rec.query_one("SELECT count(*) FROM events")[0]


def _load(value: str | None) -> dict[str, Any] | None:
    return None if value is None else json.loads(value)
