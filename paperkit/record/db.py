"""The SQLite record: open, migrate, and write changes with their events.

Every change goes through :class:`Writer`, which writes the row and its event in the same
``BEGIN IMMEDIATE`` transaction. The ``rev`` of a task, contact, ledger entry, balance
assertion or mandate (``VERSIONED``) goes up by one on every update that changes it.
Nothing here imports reportlab or Pillow.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import NotFound, RecordDamaged, RecordError, RecordReadOnly

#: Each table's key column.
KEYS = {
    "contacts": "id",
    "tasks": "id",
    "task_crops": "id",
    "ledger": "id",
    "ledger_assertions": "id",
    "roles": "id",
    "prints": "id",
    "print_codes": "rowid",
    "scans": "sha256",
    "slip_reads": "id",
    "reviews": "id",
}
#: The tables whose rows carry a ``rev``: their version, raised by one on every real change
#: (a slip's code, and an import's rev cell, say which version they were made from). The
#: ``rev`` of ``print_codes``, ``slip_reads`` and ``reviews`` is a task's, not their own.
VERSIONED = frozenset({"contacts", "tasks", "ledger", "ledger_assertions", "roles"})
SOURCE_KINDS = ("import", "scan", "kiosk", "cli", "review", "demo")
#: The files SQLite keeps beside a record file, named after it: the write-ahead log and
#: its shared-memory index (WAL mode), and a rollback journal. SQLite finds them by name:
#: a -wal left beside a file that is not its own is replayed into it.
SIDE_FILES = ("-wal", "-shm", "-journal")


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Source:
    """Where a change came from: ``kind`` is one of SOURCE_KINDS; ``ref`` names it
    (an import file, a photo's sha256, a command line)."""

    kind: str
    ref: str

    def __post_init__(self):
        if self.kind not in SOURCE_KINDS:
            raise ValueError(f"unknown source kind {self.kind!r}")


def _migrations() -> list[tuple[int, str, str]]:
    folder = resources.files("paperkit.record") / "migrations"
    out = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            out.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    return sorted(out)


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (triggers hold ';' inside BEGIN ... END)."""
    statements, buf = [], ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--"):
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                statements.append(buf.strip())
            buf = ""
    if buf.strip():
        statements.append(buf.strip())
    return statements


class Record:
    """An open record. Use :meth:`write` for every change; read with :meth:`query`."""

    def __init__(self, conn: sqlite3.Connection, path: str):
        self.conn = conn
        self.path = path
        self._thread = threading.get_ident()  # SQLite's connection is this thread's alone

    def check_thread(self) -> None:
        """Raise RecordError unless this is the thread that opened the record (its SQLite
        connection may be used only there: elsewhere sqlite3 raises ProgrammingError)."""
        if threading.get_ident() != self._thread:
            raise RecordError("the record was opened in another thread, and may be used only"
                              " in the thread that opened it",
                              "open it with kit.open_record() in the thread that uses it")

    @classmethod
    def open(cls, path: str | Path, create: bool = True) -> Record:
        """Open and migrate the record at ``path`` (':memory:' works). ``create``: make the
        file if it is missing (a kit's record is opened with False: a record that is gone
        is refused, never made anew; see ``Kit.open_record``).

        A record that ``paperkit restore`` swaps for another file while this opens it is
        noticed (the name no longer leads to the file opened) and the new one is opened:
        a connection to the file moved aside would find the new record's -wal by name."""
        path = str(path)
        memory = path == ":memory:"
        if not memory and create:
            _create_private(path)
        for _attempt in range(5):
            before = None if memory else _identity(path)
            conn = cls._connect(path, create)
            # from its first read on (the journal_mode pragma) the connection holds a
            # shared lock, which 'paperkit restore' waits for: only before it can the
            # file have been swapped
            if memory or _identity(path) == before:
                break
            conn.close()  # SQLite neither checkpoints nor deletes anything of a moved file
        else:
            raise RecordError(f"the record {path} kept being replaced while it was opened",
                              "wait until 'paperkit restore' has finished, then run this"
                              " again")
        rec = cls(conn, path)
        try:
            rec.migrate()
        except sqlite3.OperationalError as exc:
            if not _readonly(exc):
                raise
            conn.close()
            raise _read_only(path, upgrade=True) from None
        return rec

    @staticmethod
    def _connect(path: str, create: bool) -> sqlite3.Connection:
        """A connection to ``path`` in WAL mode that has read the file once."""
        target, uri = path, False
        if path != ":memory:" and not create:  # mode=rw: never make the file
            target, uri = Path(path).absolute().as_uri() + "?mode=rw", True
        conn = None
        try:
            conn = sqlite3.connect(target, isolation_level=None, timeout=10.0, uri=uri)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA foreign_keys = ON")
            if path != ":memory:":
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = FULL")
        except sqlite3.DatabaseError as exc:
            if conn is not None:
                conn.close()
            if not create and not os.path.exists(path):
                raise missing(path) from None
            if is_damage(exc):
                raise damaged(path, exc) from None
            if _readonly(exc) or _on_read_only_disk(path) or not _may_write_folder(path):
                if not create:  # status, export, log, backup still read it
                    return _connect_read_only(path)
                raise _read_only(path) from None
            if _disk_full(path):
                raise _full(path) from None
            raise RecordError(f"cannot open the record {path}: {exc}", _CHECK_OR_RESTORE
                              ) from None
        return conn

    def close(self) -> None:
        self.conn.close()

    @property
    def read_only(self) -> bool:
        """Whether nothing can be written to this record here: it was opened for reading
        only (its file, folder or disk is read-only), or its disk is mounted read-only.
        Any write then fails with RecordReadOnly; a command can say so before it starts."""
        if self.path == ":memory:":
            return False
        return (self.conn.execute("PRAGMA query_only").fetchone()[0] == 1
                or _on_read_only_disk(self.path))

    def check_writable(self) -> None:
        """Raise RecordReadOnly, saying what to do, when :attr:`read_only`."""
        if self.read_only:
            raise _read_only(self.path)

    def scratch_copy(self) -> Record:
        """A copy of the record in memory, to write into as if it were the record (a dry
        run does, so that what it reports is what a real run would do). Nothing written
        there reaches the file; close it when done."""
        conn = sqlite3.connect(":memory:", isolation_level=None)
        conn.row_factory = sqlite3.Row
        self.conn.backup(conn)
        conn.execute("PRAGMA foreign_keys = ON")
        return Record(conn, self.path)

    def __enter__(self) -> Record:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- schema -----------------------------------------------------------------------
    def schema_version(self) -> int:
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version "
            "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        row = self.conn.execute("SELECT max(version) FROM schema_version").fetchone()
        return row[0] or 0

    def migrate(self) -> list[int]:
        """Apply each pending numbered migration in its own transaction."""
        try:
            current = self.schema_version()
        except sqlite3.DatabaseError as exc:
            if is_damage(exc):
                raise damaged(self.path, exc) from None
            raise RecordError(f"{self.path} is not a paperkit record: {exc}",
                              _CHECK_OR_RESTORE) from None
        known = _migrations()
        if known and current > known[-1][0]:
            raise RecordError(
                f"{self.path} has schema version {current}, newer than this paperkit knows",
                "upgrade paperkit",
            )
        applied = []
        for number, name, script in known:
            if number <= current:
                continue
            self._begin()
            try:
                if number <= self.schema_version():  # another process applied it while
                    self.conn.execute("ROLLBACK")  # this one waited for the lock
                    continue
                for statement in _split_sql(script):
                    self.conn.execute(statement)
                self.conn.execute(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                    (number, name, now_iso()),
                )
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            applied.append(number)
        return applied

    # -- reading ----------------------------------------------------------------------
    def query(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def query_one(self, sql: str, params: tuple | dict = ()) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    # -- writing ----------------------------------------------------------------------
    def _begin(self) -> None:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if _readonly(exc):
                raise _read_only(self.path) from None
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            raise RecordError(f"the record {self.path} is busy: another paperkit (the kiosk, "
                              "or another command) is writing to it",
                              "wait until it has finished, then run this again") from None

    @contextmanager
    def write(self, source: Source) -> Iterator[Writer]:
        """One transaction: every change made through the Writer commits together, or none.

        Ledger balance assertions are checked before commit when the ledger changed.
        Raises RecordError when another process (the kiosk, another command) keeps the
        record locked longer than the connection's busy timeout.
        """
        self._begin()
        writer = Writer(self, source)
        try:
            yield writer
            if writer.touched & {"ledger", "ledger_assertions"}:
                from .ledger import check_assertions

                check_assertions(self)
            self.conn.execute("COMMIT")
        except BaseException as exc:
            if self.conn.in_transaction:  # (SQLite ends it itself on a full disk: the
                self.conn.execute("ROLLBACK")  # error to show is that one, not ROLLBACK's)
            if _readonly(exc):
                raise _read_only(self.path) from None
            if isinstance(exc, sqlite3.OperationalError) and _disk_full(self.path):
                raise _full(self.path) from None
            raise


def _identity(path: str) -> tuple[int, int] | None:
    """Which file ``path`` names now (device and inode), or None when there is none."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


#: SQLite's primary result codes for a damaged file: SQLITE_CORRUPT ("database disk image
#: is malformed") and SQLITE_NOTADB ("file is not a database").
_DAMAGE_CODES = (11, 26)


def is_damage(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite finding the file itself damaged (bad pages, or not a
    database at all), as opposed to a full disk, a lock or a read-only file."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in _DAMAGE_CODES:
        return True
    text = str(exc)
    return "malformed" in text or "not a database" in text


#: What to do about a damaged record, for every message that finds one.
RESTORE_HOW = ("restore it from a 'paperkit backup' copy with 'paperkit restore FILE': that"
               " keeps the damaged file and its -wal aside as record.sqlite.replaced-TIME,"
               " never deleted; the changes made since that backup are lost, though"
               " sqlite3's '.recover' may save some of them from the damaged file (sqlite3"
               " record.sqlite.replaced-TIME .recover > recovered.sql)")


_CHECK_OR_RESTORE = ("check that you may read and write it and its folder; if it is"
                     " damaged, restore it from a 'paperkit backup' copy with 'paperkit"
                     " restore FILE'")


def damaged(path: str | Path, exc: BaseException | str,
            then: str = "nothing was changed") -> RecordDamaged:
    """The error for a record file that SQLite finds damaged (``exc`` says how); ``then``
    says what that meant for the command."""
    return RecordDamaged(f"the record {path} is damaged ({exc}); {then}", RESTORE_HOW)


def missing(path: str | Path) -> RecordError:
    """The error for a kit whose record file is gone (deleted, or the folder copied
    without it): never given a new empty record, where every printed slip would read as
    an unknown task and the scans be kept."""
    return RecordError(f"the record {path} is missing",
                       "restore your last backup (the file 'paperkit backup' made) with"
                       " 'paperkit restore FILE'; to start this kit over with an empty"
                       " record on purpose, run 'paperkit restore --empty'")


def _readonly(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite refusing to write a file it may only read (the record's
    mode, its folder's, or a read-only disk)."""
    return (isinstance(exc, sqlite3.OperationalError)
            and ("readonly database" in str(exc)
                 or getattr(exc, "sqlite_errorname", "").startswith("SQLITE_READONLY")))


def _on_read_only_disk(path: str) -> bool:
    """Whether the record's folder lies on a file system mounted read-only."""
    try:
        return bool(os.statvfs(os.path.dirname(os.path.abspath(path))).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


#: Under this many free bytes the disk that holds the record counts as full: SQLite needs
#: room for its write-ahead log and shared-memory index even to read.
FULL_BELOW = 1024 * 1024


def _disk_full(path: str) -> bool:
    try:
        return shutil.disk_usage(os.path.dirname(os.path.abspath(path))).free < FULL_BELOW
    except OSError:
        return False


def _full(path: str) -> RecordError:
    return RecordError(f"the disk that holds the record {path} is full, so it could not be"
                       " read or written (the record itself is not damaged)",
                       "free some space on that disk, then run this again; nothing was"
                       " changed")


def _create_private(path: str) -> None:
    """Create a new record file readable by its owner alone (0600): it holds private
    contacts. SQLite gives the -wal and -shm files it makes beside it the same mode. An
    existing file is left as it is; a file that cannot be made is SQLite's to report."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError:
        pass


def _read_only(path: str, upgrade: bool = False) -> RecordReadOnly:
    """The error for a write the record's file, folder or disk refuses; ``upgrade``: the
    write was this paperkit's schema migration, which even reading needs."""
    if not _on_read_only_disk(path):
        what = ("so this paperkit cannot upgrade it to its own version, which it must before"
                " reading it" if upgrade else "so nothing could be written to it")
        return RecordReadOnly(f"the record {path} (or its kit folder) is read-only here, {what}")
    folder = Path(path).absolute().parent
    what = ("so this paperkit cannot upgrade its record to its own version, which it must"
            " before reading it" if upgrade else "so nothing can be written to its record")
    reads = "" if upgrade else ("commands that only read the record (status, export, log,"
                                " backup) work there; to change it, ")
    return RecordReadOnly(
        f"the kit folder {folder} is on a read-only disk (a write-protected USB stick or a"
        f" CD?), {what}; nothing was changed",
        f"{reads}copy the whole kit folder to a writable disk (cp -a {folder}"
        f" ~/{folder.name}) and use the copy: 'paperkit --kit ~/{folder.name} ...'")


def _may_write_folder(path: str) -> bool:
    """Whether this user may make files (SQLite's -wal and -shm) in the record's folder."""
    return os.access(os.path.dirname(os.path.abspath(path)), os.W_OK)


#: A -wal file's header, in bytes: a -wal no longer than it holds no change.
WAL_HEADER = 32


def _connect_read_only(path: str) -> sqlite3.Connection:
    """A connection that only reads the record at ``path``, whose file, folder or disk may
    not be written here (a write-protected USB stick, a CD): any write through it fails as
    read-only (RecordReadOnly), with what to do.

    In WAL mode SQLite reads through the record's -shm index, which it makes when it is not
    there (https://www.sqlite.org/wal.html, "Read-Only Databases"). Where it cannot, the
    file is opened ``immutable``, as SQLite has it for read-only media: that reads the file
    alone, so only when no -wal beside it holds changes, which it would miss (the record as
    it was before them). Such a record is refused, never shown out of date."""
    uri = Path(path).absolute().as_uri() + "?mode=ro"
    for target in (uri, uri + "&immutable=1"):
        if target != uri and _wal_holds_changes(path):
            raise RecordReadOnly(
                f"the record {path} cannot be read here: its {Path(path).name}-wal holds"
                " changes not yet in it, which SQLite can read only where it may write"
                " beside them, and its kit folder is read-only (reading the record without"
                " them would show it as it was before them)",
                f"copy the whole kit folder, with its {Path(path).name}-wal, to a writable"
                f" disk (cp -a {Path(path).absolute().parent} ~/) and use the copy:"
                " 'paperkit --kit COPY ...', where SQLite reads those changes in; nothing"
                " was changed")
        conn = None
        try:
            conn = sqlite3.connect(target, isolation_level=None, timeout=10.0, uri=True)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA query_only = ON")  # what Record.read_only reads
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # reads the file
            return conn
        except sqlite3.DatabaseError as exc:
            if conn is not None:
                conn.close()
            if is_damage(exc):
                raise damaged(path, exc) from None
    raise _read_only(path)


def _wal_holds_changes(path: str) -> bool:
    """Whether a -wal beside the record at ``path`` may hold changes not in the file (any
    byte past its header); False when there is none."""
    try:
        return os.path.getsize(f"{path}-wal") > WAL_HEADER
    except FileNotFoundError:
        return False
    except OSError:
        return True


def _jsonable(row: dict[str, Any] | None) -> str | None:
    return None if row is None else json.dumps(row, ensure_ascii=False, sort_keys=True)


class Writer:
    """Makes changes inside one transaction, logging one event per changed row."""

    def __init__(self, record: Record, source: Source):
        self.record = record
        self.conn = record.conn
        self.source = source
        self.at = now_iso()
        self.touched: set[str] = set()

    def _row(self, table: str, key: Any) -> dict[str, Any] | None:
        keycol = KEYS[table]
        row = self.conn.execute(f"SELECT * FROM {table} WHERE {keycol} = ?", (key,)).fetchone()
        return None if row is None else dict(row)

    def _event(self, table: str, key: Any, action: str, before, after) -> None:
        self.conn.execute(
            "INSERT INTO events (at, source_kind, source, tbl, row_id, action, before, after)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (self.at, self.source.kind, self.source.ref, table, str(key), action,
             _jsonable(before), _jsonable(after)),
        )
        self.touched.add(table)

    def insert(self, table: str, values: dict[str, Any]) -> Any:
        """Insert a row and its event; returns the row's key."""
        cols = list(values)
        cur = self.conn.execute(
            f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
            [values[c] for c in cols],
        )
        keycol = KEYS[table]
        key = values.get(keycol, cur.lastrowid) if keycol != "rowid" else cur.lastrowid
        self._event(table, key, "insert", None, self._row(table, key))
        return key

    def update(self, table: str, key: Any, changes: dict[str, Any]) -> tuple[dict, dict]:
        """Change some columns of one row. Returns (before, after). No-op changes write
        nothing and return before == after. A row of a ``VERSIONED`` table gets ``rev + 1`` on
        every real change (a ``rev`` in ``changes`` alone counts as one)."""
        before = self._row(table, key)
        if before is None:
            raise NotFound(f"no {table} row {key!r}")
        real = {c: v for c, v in changes.items() if before.get(c) != v}
        if not real:
            return before, before
        if table in VERSIONED:
            real["rev"] = before["rev"] + 1
        sets = ", ".join(f"{c} = ?" for c in real)
        self.conn.execute(
            f"UPDATE {table} SET {sets} WHERE {KEYS[table]} = ?", [*real.values(), key]
        )
        after = self._row(table, key)
        self._event(table, key, "update", before, after)
        return before, after

    def delete(self, table: str, key: Any) -> dict:
        before = self._row(table, key)
        if before is None:
            raise NotFound(f"no {table} row {key!r}")
        self.conn.execute(f"DELETE FROM {table} WHERE {KEYS[table]} = ?", (key,))
        self._event(table, key, "delete", before, None)
        return before
