"""A consistent copy of the record with SQLite's online backup API."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from ..errors import InvalidValue, RecordError
from .db import Record


def backup(rec: Record, dest: str | Path) -> Path:
    """Copy the record to ``dest`` (a new file) and check the copy's integrity.

    The copy is made page by page under SQLite's locking, so writes by another process
    during the backup cannot leave it half-changed. It is written to ``dest.partial`` and
    renamed at the end, so ``dest`` is never a broken file. ``kit.key`` is not in it:
    keep the key in a separate safe place.
    """
    dest = Path(dest).expanduser()
    if dest.exists():
        raise InvalidValue(f"{dest} already exists", "choose a new file name; a backup "
                                                     "never overwrites a file")
    if not dest.parent.is_dir():
        raise InvalidValue(f"the folder {dest.parent} does not exist", "create it first")
    partial = dest.with_name(dest.name + ".partial")
    try:
        partial.unlink(missing_ok=True)
        partial.touch(mode=0o600, exist_ok=False)  # a new file there, readable by its owner
        # alone: the copy holds private contacts, as the record does
    except OSError as exc:
        raise InvalidValue(f"cannot write the backup in {dest.parent}: {exc.strerror}",
                           "choose a folder you may write to, with room for the copy"
                           ) from None
    try:
        target = sqlite3.connect(partial)
        try:
            rec.conn.backup(target)
            ok = target.execute("PRAGMA integrity_check").fetchone()[0]
            target.execute("PRAGMA journal_mode = DELETE")
        finally:
            target.close()
        if ok != "ok":
            raise RecordError(f"the backup copy failed its integrity check: {ok}",
                              "run 'paperkit backup' again; if it fails again the record "
                              "itself may be damaged")
        os.replace(partial, dest)
    finally:
        partial.unlink(missing_ok=True)
    return dest
