"""DESIGN §2: "Nothing is ever updated without an event." Checked as a whole: after the demo
(imports, every print, scans with reviews) and a round of edits through every command that
writes (tasks, roles, the ledger, review decisions, an import that updates and adds, a
rescan), replaying the event log from nothing gives every logged table exactly as it is,
row by row, and each update's or delete's ``before`` is the row as the log had it then. A
write that bypassed the log, or logged a row other than the one it wrote, fails here."""

from __future__ import annotations

import json

import pytest

from paperkit.kit import open_kit
from paperkit.record.db import KEYS


def _replayed(rec) -> dict[str, dict[str, dict]]:
    """Each logged table, rebuilt from its events alone: key (as logged) → row."""
    state: dict[str, dict[str, dict]] = {table: {} for table in KEYS}
    problems = []
    for e in rec.query("SELECT id, tbl, row_id, action, before, after FROM events ORDER BY id"):
        rows = state[e["tbl"]]
        before = json.loads(e["before"]) if e["before"] else None
        after = json.loads(e["after"]) if e["after"] else None
        if e["action"] == "insert":
            if e["row_id"] in rows:
                problems.append(f"event {e['id']}: {e['tbl']} {e['row_id']} inserted twice")
            rows[e["row_id"]] = after
        else:
            if rows.get(e["row_id"]) != before:
                problems.append(f"event {e['id']}: {e['tbl']} {e['row_id']}'s before is not "
                                "the row the log held")
            if e["action"] == "update":
                rows[e["row_id"]] = after
            else:
                rows.pop(e["row_id"], None)
    assert problems == []
    return state


def _stored(rec, table: str) -> dict[str, dict]:
    key = KEYS[table]
    out = {}
    for row in rec.query(f"SELECT {'rowid AS _key, ' if key == 'rowid' else ''}* FROM {table}"):
        values = dict(row)
        name = str(values.pop("_key")) if key == "rowid" else str(values[key])
        out[name] = values
    return out


def _round_trip(rows: dict) -> dict:
    """The row as the log's JSON keeps it (tuples, floats as written)."""
    return json.loads(json.dumps(rows, default=str))


@pytest.mark.real_prints  # the demo prints its slips
def test_the_event_log_replays_to_every_logged_table(run, tmp_path):
    code, out, err = run("demo", str(tmp_path / "out"))
    assert code == 0, err
    kit = open_kit(tmp_path / "out" / "kit")
    k = ("--kit", str(kit.path))
    assert run(*k, "task", "add", "Book the hall", "--steward", "Ana")[0] == 0
    assert run(*k, "task", "set", "T0001", "--status", "stuck",
               "--after-action", "the hall was taken")[0] == 0
    assert run(*k, "role", "add", "comms", "Rafa M.", "--starts", "2026-11-24")[0] == 0
    assert run(*k, "ledger", "add", "donation", "25.00", "--counterparty", "A friend")[0] == 0
    with kit.open_record() as rec:
        waiting = sorted({r["task"] for r in rec.query(
            "SELECT task FROM reviews WHERE state = 'pending'")})
    assert waiting, "the demo leaves a slip for review"
    task = waiting[0]
    with kit.open_record() as rec:
        current = rec.query_one("SELECT status FROM tasks WHERE id = ?", (task,))["status"]
    assert run(*k, "review", "set", task, current)[0] == 0  # a kept status: a rev raised
    tasks_csv = tmp_path / "tasks.csv"
    assert run(*k, "export", "tasks", "-o", str(tasks_csv))[0] == 0
    text = tasks_csv.read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    rev = header.index("rev")
    row = text[1].split(",")
    row[rev] = ""  # written over the record
    row[header.index("steward")] = "Changed Steward"
    new = [""] * len(header)
    new[header.index("title")] = "A new task from a file"
    new[header.index("status")] = "open"
    tasks_csv.write_text("\n".join([text[0], ",".join(row), ",".join(new)]) + "\n",
                         encoding="utf-8")
    code, out, err = run(*k, "import", "tasks", str(tasks_csv))
    assert code == 0, err
    photos = sorted((tmp_path / "out" / "photos").glob("*.jpg"))
    assert photos
    run(*k, "scan", str(photos[0]))  # scanned before by the demo: nothing written

    with kit.open_record() as rec:
        replayed = _replayed(rec)
        for table in KEYS:
            stored = _stored(rec, table)
            assert _round_trip(replayed[table]) == _round_trip(stored), table
        counts = {t: len(rows) for t, rows in replayed.items()}
    # the check has something to check in each kind of write
    assert all(counts[t] for t in ("contacts", "tasks", "ledger", "roles", "prints",
                                   "print_codes", "scans", "slip_reads", "reviews")), counts
