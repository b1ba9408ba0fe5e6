"""The prints table: each printed batch, with every slip code in it."""

from __future__ import annotations

from .db import Record, Writer


def record_print(w: Writer, product: str, file: str, slips: list[tuple[str, str, int]]) -> int:
    """Log a printed batch; ``slips`` holds (code, task, rev). Returns the print id."""
    print_id = w.insert("prints", {"product": product, "at": w.at, "file": file})
    for code, task, rev in slips:
        w.insert("print_codes", {"print_id": print_id, "code": code, "task": task, "rev": rev})
    return print_id


def last_print(rec: Record, product: str) -> str | None:
    """The time (ISO) of the latest print of ``product``, or None."""
    row = rec.query_one("SELECT max(at) FROM prints WHERE product = ?", (product,))
    return row[0] if row else None


def printed_codes(rec: Record) -> list[str]:
    """Every slip code this kit has printed, oldest first."""
    return [r[0] for r in rec.query("SELECT DISTINCT code FROM print_codes ORDER BY rowid")]


def was_printed(rec: Record, code: str, task: str, rev: int) -> bool:
    """Whether this record printed the slip ``code`` (of ``task`` at ``rev``)."""
    return rec.query_one("SELECT 1 FROM print_codes WHERE task = ? AND rev = ? AND code = ?"
                         " LIMIT 1", (task, rev, code)) is not None
