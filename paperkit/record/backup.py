"""A consistent copy of the record with SQLite's online backup API, and putting one back.

``backup`` copies the record page by page; ``restore`` puts a copy back in the record's
place, moving the record it replaces (and its -wal and -shm) aside, never deleting them.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BackupFailed, InvalidValue, RecordError, RecordInUse
from .db import Record, _migrations, damaged, is_damage


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
            if is_damage(exc):  # the backup API reads the record's pages: a bad one is
                raise _damaged_record(rec, exc) from None  # the record's, not dest's
            raise BackupFailed(f"could not write the backup {dest}: {exc}") from None
        if ok != "ok":
            own = _integrity(rec.conn)
            if own != "ok":  # the copy is page for page the record's: so is the fault
                raise _damaged_record(rec, own)
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


def _integrity(conn: sqlite3.Connection) -> str:
    """'ok', or what SQLite's integrity check found (its first lines)."""
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check(5)").fetchall()]
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return "ok" if rows == ["ok"] else "; ".join(rows)


def _damaged_record(rec: Record, what: object) -> RecordError:
    return damaged(rec.path, what, "the fault is in the record itself, not in the"
                   " backup's folder or disk; no backup was written")


# -- restore ------------------------------------------------------------------------------
#: Seconds 'paperkit restore' waits for another paperkit to let go of the record.
LOCK_TIMEOUT = 3.0
#: The tables whose rows a restore counts, to say what it put back.
COUNTED = ("tasks", "contacts", "ledger", "roles", "prints", "scans", "events")


@dataclass(frozen=True)
class Restored:
    """What :func:`restore` did. ``source``: the backup put back (None: a new empty
    record); ``kept``: where the replaced record and its -wal, -shm or -journal were moved
    (none when there was no record); ``kept_newest``: the time of the replaced record's
    newest event, when it could be read; ``newest_event`` and ``newest_print``: the
    restored record's (ISO UTC, None when it has none); ``counts``: its rows per table in
    COUNTED; ``schema``: its schema version, after applying ``migrated`` to a backup made
    by an older paperkit."""

    record: Path
    source: Path | None
    kept: tuple[Path, ...]
    kept_newest: str | None
    newest_event: str | None
    newest_print: str | None
    counts: dict[str, int] = field(default_factory=dict)
    schema: int = 0
    migrated: tuple[int, ...] = ()

    def as_dict(self) -> dict:
        return {"record": str(self.record),
                "source": None if self.source is None else str(self.source),
                "kept": [str(p) for p in self.kept], "kept_newest_event": self.kept_newest,
                "newest_event": self.newest_event, "newest_print": self.newest_print,
                "counts": dict(self.counts), "schema_version": self.schema,
                "migrated": list(self.migrated)}


def restore(record: str | Path, source: str | Path | None) -> Restored:
    """Put the backup ``source`` (None: a new, empty record) in the place of the record
    file ``record``.

    The backup is checked first (a readable paperkit record, not newer than this
    paperkit, whole by SQLite's integrity check) and copied with the backup API to a
    temporary file beside the record. Then, holding an exclusive lock on the record
    (refused with RecordInUse while another paperkit has it open), the record and its
    -wal, -shm and -journal are moved aside as ``record.sqlite.replaced-<UTC time>`` (and
    that name + ``-wal`` ...), never deleted, and the copy renamed into place (mode 0600).
    Moving the -wal aside is the point: left beside the restored file, SQLite would
    replay it there and mix the two records. A record that is missing, empty or damaged
    has nothing to lock and is moved aside all the same. Nothing is changed when a check
    fails. The restored record is opened (an older one is migrated) and checked again.
    """
    record = Path(record)
    if source is not None:
        source = Path(source).expanduser()
        if record.exists() and source.exists() and os.path.samefile(source, record):
            raise InvalidValue(f"{source} is the kit's record itself",
                               "name a backup: the file 'paperkit backup' made")
        src = _open_backup(source)
        try:
            before = src.execute("SELECT max(version) FROM schema_version").fetchone()[0]
            partial = _prepare(record.parent, src.backup)
        finally:
            src.close()
    else:
        before = None
        partial = _prepare(record.parent, None)
    try:
        kept, kept_newest = _swap(record, partial)
    finally:
        partial.unlink(missing_ok=True)
    with Record.open(record, create=False) as rec:
        ok = _integrity(rec.conn)
        if ok != "ok":  # checked in the copy before: a fault of this disk
            raise RecordError(f"the restored record {record} fails its integrity check: {ok}",
                              "run the restore again from the same backup; "
                              + ("the record it replaced is kept as " + str(kept[0])
                                 if kept else "there was no record before it"))
        schema = rec.schema_version()
        return Restored(
            record=record, source=source, kept=kept, kept_newest=kept_newest,
            newest_event=rec.query_one("SELECT max(at) FROM events")[0],
            newest_print=rec.query_one("SELECT max(at) FROM prints")[0],
            counts={t: rec.query_one(f"SELECT count(*) FROM {t}")[0] for t in COUNTED},
            schema=schema,
            migrated=tuple(n for n, _, _ in _migrations() if (before or schema) < n <= schema),
        )


def _open_backup(source: Path) -> sqlite3.Connection:
    """A read-only connection to the backup ``source``, once it is known to be a whole
    paperkit record this paperkit can read; InvalidValue (exit 2) saying why not."""
    def refuse(why: str, hint: str = "choose another backup, a file 'paperkit backup'"
               " made; the kit's record was not touched") -> InvalidValue:
        return InvalidValue(f"{source} {why}", hint)

    try:
        if not source.is_file():
            raise refuse("does not exist" if not source.exists() else "is not a file")
        if source.stat().st_size == 0:
            raise refuse("is empty (0 bytes: a copy that failed?)")
        with open(source, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise refuse(f"cannot be read: {exc.strerror or exc}") from None
    if head != b"SQLite format 3\x00":
        raise refuse("is not a paperkit record (not an SQLite file)")
    try:  # read-only: a backup is never changed (its -wal, if any, is read, not merged)
        conn = sqlite3.connect(source.absolute().as_uri() + "?mode=ro", uri=True,
                               isolation_level=None)
    except sqlite3.Error as exc:
        raise refuse(f"cannot be opened: {exc}") from None
    try:
        try:
            version = conn.execute("SELECT max(version) FROM schema_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            if is_damage(exc):
                raise refuse(f"is damaged ({exc})") from None
            if "no such table" in str(exc):
                raise refuse("is not a paperkit record (it has no schema_version table)"
                             ) from None
            raise refuse(f"cannot be read: {exc}") from None
        known = _migrations()[-1][0]
        if not version:
            raise refuse("is not a paperkit record (its schema_version table is empty)")
        if version > known:
            raise refuse(f"has schema version {version}, newer than this paperkit knows"
                         f" ({known})", "upgrade paperkit, then restore it; the kit's"
                         " record was not touched")
        ok = _integrity(conn)
        if ok != "ok":
            raise refuse(f"is damaged (its integrity check says: {ok})")
    except BaseException:
        conn.close()
        raise
    return conn


def _prepare(folder: Path, copy: Callable[[sqlite3.Connection], None] | None) -> Path:
    """A new file in ``folder`` (the kit's, so that a rename puts it in place), mode 0600,
    holding the record ``copy`` writes into a connection (None: a new empty record),
    checked, in rollback-journal mode so that it is whole without a -wal."""
    try:
        fd, name = tempfile.mkstemp(dir=folder, prefix=".restore-", suffix=".partial")
        os.close(fd)
    except OSError as exc:
        raise RecordError(f"cannot write in the kit folder {folder}: {exc.strerror}",
                          "check that you may write there and that its disk has room;"
                          " nothing was changed") from None
    partial = Path(name)
    try:
        target = sqlite3.connect(partial, isolation_level=None)
        try:
            if copy is not None:
                copy(target)
            else:
                Record(target, str(partial)).migrate()
            target.execute("PRAGMA journal_mode = DELETE")
            ok = _integrity(target)
        finally:
            target.close()
        if ok != "ok":
            raise RecordError(f"the copy of the backup in {folder} fails its integrity"
                              f" check: {ok}", "check that disk, then run this again;"
                              " nothing was changed")
        _fsync(partial)
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise RecordError(f"could not copy the backup into the kit folder {folder}: {exc}",
                          "free some space on that disk, then run this again; nothing was"
                          " changed") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return partial


def _swap(record: Path, partial: Path) -> tuple[tuple[Path, ...], str | None]:
    """Move the record and its side files aside and rename ``partial`` into its place,
    under an exclusive lock on the record. Returns the moved files' new names and the
    replaced record's newest event time. On a failure before the rename, what was moved
    is moved back."""
    from .db import SIDE_FILES

    there_before = {side for side in SIDE_FILES if os.path.lexists(f"{record}{side}")}
    lock, newest = _lock(record)  # (which makes an empty -wal if there was none)
    moved: list[tuple[Path, Path]] = []
    try:
        aside = _aside_name(record, SIDE_FILES)
        for side in ("", *SIDE_FILES):
            here = Path(f"{record}{side}")
            if os.path.lexists(here):
                there = Path(f"{aside}{side}")
                os.rename(here, there)
                moved.append((here, there))
        os.chmod(partial, 0o600)
        os.replace(partial, record)
    except BaseException:
        for here, there in reversed(moved):
            try:
                os.rename(there, here)
            except OSError:
                pass
        raise
    finally:
        # closed only now: SQLite neither checkpoints nor deletes the -wal of a file that
        # has moved (the name leads to the restored file), so the files aside stay whole
        if lock is not None:
            lock.close()
    kept = []
    for here, there in moved:
        side = str(here)[len(str(record)):]
        if side and side not in there_before and there.stat().st_size == 0:
            there.unlink()  # the lock's own empty -wal, not the record's
        else:
            kept.append(there)
    _fsync(record.parent)
    return tuple(kept), newest


def _lock(record: Path) -> tuple[sqlite3.Connection | None, str | None]:
    """An exclusive lock on the record (a connection holding it), and the time of its
    newest event; (None, None) when there is no record, or a damaged one, to lock."""
    if not record.is_file():
        return None, None
    conn = sqlite3.connect(record, timeout=LOCK_TIMEOUT, isolation_level=None)
    try:
        # in exclusive locking mode the first read of a record in WAL mode takes an
        # exclusive lock, kept until the connection closes: no other connection, even
        # an idle one, can have the file open; SQLite keeps the WAL index in its own
        # memory and leaves the -shm alone. (A file in rollback mode, copied in by hand,
        # gets a shared lock, which keeps any paperkit from turning it to WAL mode
        # meanwhile; a write lock there would make a -journal.)
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        conn.close()
        if is_damage(exc):  # no paperkit can be using it
            return None, None
        if "locked" in str(exc) or "busy" in str(exc):
            raise RecordInUse(f"the record {record} is open in another paperkit (the kiosk,"
                              " or another command), so it cannot be replaced now") from None
        raise RecordError(f"cannot lock the record {record} to replace it: {exc}",
                          "check that you may read and write it and the kit folder;"
                          " nothing was changed") from None
    try:
        newest = conn.execute("SELECT max(at) FROM events").fetchone()[0]
    except sqlite3.DatabaseError:
        newest = None  # damaged, or not a record: moved aside all the same
    return conn, newest


def _aside_name(record: Path, sides: tuple[str, ...]) -> Path:
    """``record.sqlite.replaced-<UTC time>``, with a number after it when that name (or
    one of its side files) is taken."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    base = record.with_name(f"{record.name}.replaced-{stamp}")
    candidate, n = base, 1
    while any(os.path.lexists(f"{candidate}{side}") for side in ("", *sides)):
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def _fsync(path: Path) -> None:
    """Write ``path`` (a file, or a folder's entries) through to the disk."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
