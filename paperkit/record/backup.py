"""A consistent copy of the record with SQLite's online backup API."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path

from ..errors import BackupFailed, InvalidValue, RecordError
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
        raise _exists(dest)
    if not dest.parent.is_dir():
        raise InvalidValue(f"the folder {dest.parent} does not exist", "create it first")
    try:  # a new file there, readable by its owner alone (the copy holds private
        # contacts, as the record does), named for this process: two backups at once
        fd, name = tempfile.mkstemp(dir=dest.parent, prefix=".backup-", suffix=".partial")
        os.close(fd)
    except OSError as exc:
        raise InvalidValue(f"cannot write the backup in {dest.parent}: {exc.strerror}",
                           "choose a folder you may write to, with room for the copy"
                           ) from None
    partial = Path(name)
    try:
        try:
            target = sqlite3.connect(partial)
            try:
                rec.conn.backup(target)
                ok = target.execute("PRAGMA integrity_check").fetchone()[0]
                target.execute("PRAGMA journal_mode = DELETE")
            finally:
                target.close()
        except sqlite3.Error as exc:
            raise BackupFailed(f"could not write the backup {dest}: {exc}") from None
        if ok != "ok":
            raise RecordError(f"the backup copy failed its integrity check: {ok}",
                              "run 'paperkit backup' again; if it fails again the record "
                              "itself may be damaged")
        _place(partial, dest)
    finally:
        partial.unlink(missing_ok=True)
    return dest


def _place(partial: Path, dest: Path) -> None:
    """Give the finished copy its name, never over a file (another backup may have made
    ``dest`` meanwhile): a hard link fails if it exists; where the disk has none (a FAT
    USB stick), a rename after looking again."""
    try:
        os.link(partial, dest)
        return
    except FileExistsError:
        raise _exists(dest) from None
    except OSError:
        pass
    if dest.exists():
        raise _exists(dest)
    os.replace(partial, dest)


def _exists(dest: Path) -> InvalidValue:
    return InvalidValue(f"{dest} already exists",
                        "choose a new file name; a backup never overwrites a file")
