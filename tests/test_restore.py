"""Putting a backup back ('paperkit restore'), and a kit whose record or key is missing,
empty, damaged or copied back with loose permissions."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from paperkit.errors import KitIncomplete, RecordDamaged, RecordError, RecordInUse
from paperkit.kit import find_kit_path, init_kit, open_kit
from paperkit.record import Record, Source
from paperkit.record import backup as backup_mod

CLI = Source("cli", "paperkit test")

#: Writes one task and dies at once, as a power cut or 'kill -9' would: the change is
#: committed in record.sqlite-wal, which nothing has checkpointed into the record.
CRASH = """
import os, signal, sys
from paperkit.record import Record, Source
rec = Record.open(sys.argv[1], create=False)
with rec.write(Source("cli", "crash")) as w:
    w.insert("tasks", {"id": sys.argv[2], "title": "written just before a power cut"})
os.kill(os.getpid(), signal.SIGKILL)
"""

#: Opens the record and keeps it open, as the kiosk does while it serves a request.
HOLD = """
import sys, time
from paperkit.record import Record
rec = Record.open(sys.argv[1], create=False)
rec.query("SELECT count(*) FROM tasks")
print("open", flush=True)
time.sleep(60)
"""


def _add_tasks(kit, first: int, last: int, title: str = "task") -> None:
    with kit.open_record() as rec, rec.write(CLI) as w:
        for n in range(first, last + 1):
            w.insert("tasks", {"id": f"T{n:04d}", "title": f"{title} {n} " + "x" * 60})


def _crash_write(record: Path, task: str) -> None:
    done = subprocess.run([sys.executable, "-c", CRASH, str(record), task],
                          capture_output=True, timeout=60)
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()
    assert Path(f"{record}-wal").stat().st_size > 0  # the change waits in the -wal


def _tasks(path: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [r[0] for r in conn.execute("SELECT id FROM tasks ORDER BY id")]
    finally:
        conn.close()


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        conn.close()


def _aside(kit) -> list[Path]:
    return sorted(kit.path.glob("record.sqlite.replaced-*"))


@pytest.fixture
def crashed(kit, tmp_path):
    """A kit backed up at 3 tasks that then grew to 60, and whose last change (T0061) is
    left in record.sqlite-wal by a process killed before it closed the record."""
    _add_tasks(kit, 1, 3)
    with kit.open_record() as rec:
        backup_mod.backup(rec, tmp_path / "b3.sqlite")
    _add_tasks(kit, 4, 60, "a longer title, to fill more pages")
    _crash_write(kit.record_path, "T0061")
    return kit


# -- 1. a leftover -wal ----------------------------------------------------------------------
def test_restore_with_a_leftover_wal_gives_the_backup_not_a_mix_of_both(run, crashed,
                                                                         tmp_path):
    """Regression: the way to restore was to copy the backup to record.sqlite; a -wal left
    by a crash was then replayed into it by SQLite: 'status' counted 3 tasks, 'task list'
    said "malformed", 'task add' made a second task of a number in use."""
    kit, k = crashed, ("--kit", str(crashed.path))
    # the hazard, in a copy of the folder: the backup copied over record.sqlite by hand
    by_hand = tmp_path / "by-hand"
    by_hand.mkdir()
    for side in ("-wal", "-shm"):
        (by_hand / f"record.sqlite{side}").write_bytes(
            Path(f"{kit.record_path}{side}").read_bytes())
    (by_hand / "record.sqlite").write_bytes((tmp_path / "b3.sqlite").read_bytes())
    try:
        mixed = (_integrity(by_hand / "record.sqlite"), _tasks(by_hand / "record.sqlite"))
    except sqlite3.DatabaseError as exc:
        mixed = (str(exc), None)
    assert mixed != ("ok", ["T0001", "T0002", "T0003"])

    code, out, err = run(*k, "restore", str(tmp_path / "b3.sqlite"))
    assert code == 0, err
    assert "restored the record from" in out and "3 tasks" in out
    assert "is kept as" in out and "nothing was deleted" in out
    assert "go to review when scanned" in out
    assert _integrity(kit.record_path) == "ok"
    assert stat.S_IMODE(kit.record_path.stat().st_mode) == 0o600
    code, out, _ = run(*k, "status", "--json")
    assert json.loads(out)["tasks"]["open"] == 3
    code, out, _ = run(*k, "task", "list")
    assert code == 0 and len(out.splitlines()) == 3
    code, out, _ = run(*k, "task", "add", "Book the hall")
    assert code == 0 and "T0004" in out
    assert _tasks(kit.record_path) == ["T0001", "T0002", "T0003", "T0004"]

    # the replaced record is kept whole, with its -wal: restoring it brings T0061 back
    aside = _aside(kit)
    names = [p.name for p in aside]
    assert len(names) == 3 and names[0].endswith("Z")
    assert {n[len(names[0]):] for n in names} == {"", "-wal", "-shm"}
    code, out, err = run(*k, "restore", str(aside[0]), "--json")
    assert code == 0, err
    done = json.loads(out)
    assert done["counts"]["tasks"] == 61 and done["source"] == str(aside[0])
    assert _tasks(kit.record_path)[-1] == "T0061"
    assert _integrity(kit.record_path) == "ok"


def test_restore_when_the_record_is_missing_moves_a_leftover_wal_aside(run, crashed,
                                                                       tmp_path):
    """A record deleted with its -wal left behind: the -wal is not replayed into the
    restored record, and is kept."""
    wal = Path(f"{crashed.record_path}-wal").read_bytes()
    crashed.record_path.unlink()
    code, _, err = run("--kit", str(crashed.path), "status")
    assert code == 1 and "is missing" in err and "paperkit restore FILE" in err
    code, out, err = run("--kit", str(crashed.path), "restore", str(tmp_path / "b3.sqlite"))
    assert code == 0, err
    assert _tasks(crashed.record_path) == ["T0001", "T0002", "T0003"]
    assert _integrity(crashed.record_path) == "ok"
    kept = [p for p in _aside(crashed) if p.name.endswith("-wal")]
    assert len(kept) == 1 and kept[0].read_bytes() == wal
    assert not Path(f"{crashed.record_path}-wal").exists() or \
        Path(f"{crashed.record_path}-wal").read_bytes() != wal


def test_restore_refuses_while_another_paperkit_has_the_record_open(run, kit, tmp_path,
                                                                   monkeypatch):
    _add_tasks(kit, 1, 2)
    with kit.open_record() as rec:
        backup_mod.backup(rec, tmp_path / "b.sqlite")
    _add_tasks(kit, 3, 3)
    monkeypatch.setattr(backup_mod, "LOCK_TIMEOUT", 0.2)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(kit.record_path)],
                              stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == b"open"
        code, _, err = run("--kit", str(kit.path), "restore", str(tmp_path / "b.sqlite"))
    finally:
        holder.kill()
        holder.wait()
    assert code == 1 and "open in another paperkit" in err
    assert "stop the kiosk or the other command first" in err
    assert _aside(kit) == [] and list(kit.path.glob(".restore-*")) == []
    assert _tasks(kit.record_path) == ["T0001", "T0002", "T0003"]
    code, _, err = run("--kit", str(kit.path), "restore", str(tmp_path / "b.sqlite"))
    assert code == 0, err  # once it has let go
    assert _tasks(kit.record_path) == ["T0001", "T0002"]


def test_a_command_opening_the_record_as_restore_swaps_it_opens_the_restored_one(
        kit, tmp_path, monkeypatch):
    """A command that opened record.sqlite just before a restore moved it aside must not
    go on with the file moved aside (whose -wal it would then look for by the name the
    restored record's now has): it notices and opens the restored record."""
    _add_tasks(kit, 1, 2)
    with kit.open_record() as rec:
        backup_mod.backup(rec, tmp_path / "b.sqlite")
    _add_tasks(kit, 3, 5)
    real = sqlite3.connect
    swapped = []

    def connect_then_restore(*args, **kw):
        conn = real(*args, **kw)
        if not swapped:  # the restore runs between this open and the first read
            swapped.append(True)
            monkeypatch.setattr(sqlite3, "connect", real)
            backup_mod.restore(kit.record_path, tmp_path / "b.sqlite")
        return conn

    monkeypatch.setattr(sqlite3, "connect", connect_then_restore)
    with kit.open_record() as rec:
        assert [r["id"] for r in rec.query("SELECT id FROM tasks")] == ["T0001", "T0002"]
    assert swapped
    assert _tasks(_aside(kit)[0]) == ["T0001", "T0002", "T0003", "T0004", "T0005"]


def test_restore_of_a_closed_record_keeps_just_the_record(run, kit, tmp_path):
    """A record no one has open has no -wal; the restore's own lock makes an empty one,
    which is not passed off as the record's."""
    _add_tasks(kit, 1, 2)
    with kit.open_record() as rec:
        backup_mod.backup(rec, tmp_path / "b.sqlite")
    _add_tasks(kit, 3, 3)
    assert not Path(f"{kit.record_path}-wal").exists()
    code, out, err = run("--kit", str(kit.path), "restore", str(tmp_path / "b.sqlite"),
                         "--json")
    assert code == 0, err
    done = json.loads(out)
    assert [Path(p) for p in done["kept"]] == _aside(kit) and len(_aside(kit)) == 1
    assert done["kept_newest_event"] is not None and done["migrated"] == []
    assert _tasks(_aside(kit)[0]) == ["T0001", "T0002", "T0003"]


def test_a_backup_made_by_an_older_paperkit_is_brought_up_to_date(run, kit, tmp_path,
                                                                  monkeypatch):
    from paperkit.record import db

    every = db._migrations()
    monkeypatch.setattr(db, "_migrations", lambda: every[:-1])
    with Record.open(tmp_path / "old.sqlite") as old, old.write(CLI) as w:
        w.insert("tasks", {"id": "T0001", "title": "from the old days"})
    monkeypatch.setattr(db, "_migrations", lambda: every)
    code, out, err = run("--kit", str(kit.path), "restore", str(tmp_path / "old.sqlite"))
    assert code == 0, err
    assert f"brought up to date for this paperkit (schema version {every[-1][0]})" in out
    with kit.open_record() as rec:
        assert rec.schema_version() == every[-1][0]
        assert [r["id"] for r in rec.query("SELECT id FROM tasks")] == ["T0001"]


@pytest.mark.parametrize("case", ["missing", "empty", "text", "other-sqlite", "newer",
                                  "damaged", "the-record"])
def test_restore_checks_the_backup_and_changes_nothing_when_it_is_not_one(
        run, kit, tmp_path, case):
    _add_tasks(kit, 1, 2)
    bad = tmp_path / "bad.sqlite"
    if case == "empty":
        bad.write_bytes(b"")
    elif case == "text":
        bad.write_text("name,phone\nAna,555\n")
    elif case == "other-sqlite":
        with sqlite3.connect(bad) as conn:
            conn.execute("CREATE TABLE notes (t TEXT)")
    elif case in ("newer", "damaged"):
        with kit.open_record() as rec:
            backup_mod.backup(rec, bad)
        with sqlite3.connect(bad) as conn:
            if case == "newer":
                conn.execute("INSERT INTO schema_version VALUES (9999, 'future', 'x')")
            else:  # an index that no longer matches its table
                conn.execute("CREATE INDEX by_title ON tasks (title)")
                conn.execute("PRAGMA writable_schema = ON")
                conn.execute("UPDATE sqlite_master SET sql = 'CREATE INDEX by_title ON"
                             " tasks (steward)' WHERE name = 'by_title'")
        conn.close()
    elif case == "the-record":
        bad = kit.record_path
    before = kit.record_path.read_bytes()
    code, _, err = run("--kit", str(kit.path), "restore", str(bad))
    assert code == 2, err
    expected = {"missing": "does not exist", "empty": "is empty (0 bytes",
                "text": "not an SQLite file", "other-sqlite": "no schema_version table",
                "newer": "newer than this paperkit", "damaged": "is damaged",
                "the-record": "the kit's record itself"}[case]
    assert expected in err and "Traceback" not in err
    assert kit.record_path.read_bytes() == before
    assert _aside(kit) == [] and list(kit.path.glob(".restore-*")) == []


def test_restore_needs_a_file_or_empty_not_both(run, kit, tmp_path):
    for args in ((), ("--empty", str(tmp_path / "b.sqlite"))):
        code, _, err = run("--kit", str(kit.path), "restore", *args)
        assert code == 2 and "--empty" in err


# -- 2. an empty record file ---------------------------------------------------------------
def test_an_empty_record_file_is_refused_and_never_made_a_new_record(run, kit):
    """Regression: a 0-byte record.sqlite (a copy that failed) became a new empty record
    without a word, and 'status' said all good. Starting over on purpose is now
    'paperkit restore --empty', not an empty file."""
    _add_tasks(kit, 1, 2)
    kit.record_path.write_bytes(b"")
    k = ("--kit", str(kit.path))
    for command in (("status",), ("task", "list"), ("backup", "x.sqlite")):
        code, _, err = run(*k, *command)
        assert code == 1, (command, err)
        assert "is empty (0 bytes" in err and "paperkit restore FILE" in err
        assert "paperkit restore --empty" in err
    assert kit.record_path.stat().st_size == 0
    with pytest.raises(RecordDamaged):
        kit.open_record()
    code, out, err = run(*k, "restore", "--empty")
    assert code == 0, err
    assert "started the record over, empty" in out and "the file it replaced" in out
    code, out, _ = run(*k, "status", "--json")
    assert code == 0 and json.loads(out)["tasks"]["open"] == 0
    assert [p.stat().st_size for p in _aside(kit)] == [0]  # the empty file is kept


def test_a_missing_record_says_paperkit_restore_not_to_copy_the_backup(kit):
    for name in ("record.sqlite", "record.sqlite-wal", "record.sqlite-shm"):
        (kit.path / name).unlink(missing_ok=True)
    with pytest.raises(RecordError, match="is missing") as err:
        kit.open_record()
    hint = err.value.hint
    assert "paperkit restore FILE" in hint and "paperkit restore --empty" in hint
    assert "copy your last backup" not in hint and "touch" not in hint
    assert not kit.record_path.exists()  # nothing was created
    with pytest.raises(RecordError, match="is missing"):
        Record.open(kit.record_path, create=False)  # not even by a race past the check
    assert not kit.record_path.exists()


# -- 3. a damaged record -------------------------------------------------------------------
def _damage_tasks(path: Path) -> None:
    """Overwrite the tasks table's first page with junk, as a bad sector would."""
    with sqlite3.connect(path) as conn:
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'tasks'"
                            ).fetchone()[0]
        size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    assert not Path(f"{path}-wal").exists()
    with open(path, "r+b") as fh:
        fh.seek((root - 1) * size)
        fh.write(b"\xa5" * size)


def test_a_damaged_record_says_so_and_how_to_restore_not_to_free_disk_space(run, kit,
                                                                          tmp_path):
    """Regression: "database disk image is malformed" was reported as "the record could
    not be read or written ... (free some disk space ...)", and 'backup' of the damaged
    record blamed the backup's folder ("choose a folder with room for the copy")."""
    _add_tasks(kit, 1, 20)
    with kit.open_record() as rec:
        backup_mod.backup(rec, tmp_path / "good.sqlite")
    _damage_tasks(kit.record_path)
    k = ("--kit", str(kit.path))
    code, _, err = run(*k, "task", "list")
    assert code == 1, err
    assert "is damaged" in err and "malformed" in err and "paperkit restore FILE" in err
    assert "changes made since that backup are lost" in err and ".recover" in err
    assert "disk space" not in err and "Traceback" not in err
    code, _, err = run(*k, "backup", str(tmp_path / "copy.sqlite"))
    assert code == 1, err
    assert "is damaged" in err and "the fault is in the record itself" in err
    assert "choose a folder" not in err and not (tmp_path / "copy.sqlite").exists()
    code, out, err = run(*k, "restore", str(tmp_path / "good.sqlite"))
    assert code == 0, err
    assert "the record it replaced" in out and "is kept as" in out
    code, out, _ = run(*k, "task", "list")
    assert code == 0 and len(out.splitlines()) == 20
    assert _integrity(_aside(kit)[0]) != "ok"  # the damaged file, kept for .recover


def test_a_file_that_is_not_a_database_is_named_damaged(kit):
    kit.record_path.write_bytes(b"not a database at all" * 500)
    with pytest.raises(RecordDamaged, match="is damaged") as err:
        kit.open_record()
    assert "paperkit restore FILE" in err.value.hint


# -- 4. what a backup leaves out -----------------------------------------------------------
def test_backup_names_kit_toml_and_the_kits_own_layouts(run, kit):
    """Regression: the backup said only "not in the copy: kit.key, and N photo and crop
    file(s)"; kit.toml (hotlines, languages, charter) and the kit's layouts/ were left out
    without a word, and a restore onto a fresh 'init' printed cards without hotlines."""
    k = ("--kit", str(kit.path))
    code, out, _ = run(*k, "backup", "one.sqlite")
    assert code == 0
    assert "not in the copy: kit.key" in out and "kit.toml" in out and "hotlines" in out
    assert "layouts/" not in out.split("\n")[1] and "photo" not in out
    assert "keep a copy of kit.key and kit.toml somewhere safe" in out
    (kit.path / "layouts").mkdir()
    (kit.path / "layouts" / "our-cards.toml").write_text("# a stock\n")
    code, out, _ = run(*k, "backup", "two.sqlite")
    assert code == 0 and "layouts/ (1 file(s))" in out
    assert "keep a copy of kit.key, kit.toml and layouts/ somewhere safe" in out


# -- 5. permissions of a record copied back ------------------------------------------------
def test_a_record_copied_back_readable_by_all_is_made_private_again(run, kit):
    """Regression: a record copied back from a USB stick stayed 0644 (and its -wal and
    -shm with it): kit.key was made 0600 again on open, the record was not."""
    with kit.open_record() as holder:  # keeps the -wal and -shm there
        holder.query("SELECT count(*) FROM tasks")
        _add_tasks(kit, 1, 1)
        files = [kit.record_path, Path(f"{kit.record_path}-wal"),
                 Path(f"{kit.record_path}-shm")]
        for path in files:
            path.chmod(0o644)
        code, _, err = run("--kit", str(kit.path), "status")
        assert code == 0, err
        for path in files:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


# -- 6. a missing key ----------------------------------------------------------------------
def test_a_kit_without_its_key_names_the_missing_file_and_what_to_do(run, kit, tmp_path,
                                                                     monkeypatch):
    """Regression: it said "not a paperkit kit (no kit.toml and kit.key)" with kit.toml
    and record.sqlite right there (and, found from the folder, "no kit found")."""
    (kit.path / "kit.key").unlink()
    code, _, err = run("--kit", str(kit.path), "status")
    assert code == 1, err
    assert "has no kit.key" in err and "kit.toml and record.sqlite are there" in err
    assert "copy the kit's own kit.key back" in err
    assert "paperkit init NEWKIT" in err and "restore" in err and "reprint" in err
    monkeypatch.chdir(kit.path / "photos")  # found like git, from inside the kit
    with pytest.raises(KitIncomplete, match="has no kit.key"):
        find_kit_path()
    monkeypatch.chdir(tmp_path)


def test_a_kit_without_its_settings_names_kit_toml(kit):
    (kit.path / "kit.toml").unlink()
    with pytest.raises(KitIncomplete, match="has no kit.toml") as err:
        open_kit(kit.path)
    assert "paperkit init" in err.value.hint


def test_the_way_the_key_message_gives_works(run, kit, tmp_path):
    """The missing-key advice: a new kit, the old record restored into it, every slip
    printed again with the new key."""
    _add_tasks(kit, 1, 3)
    (kit.path / "kit.key").unlink()
    new = init_kit(tmp_path / "newkit")
    code, out, err = run("--kit", str(new.path), "restore", str(kit.record_path))
    assert code == 0, err
    assert _tasks(new.record_path) == ["T0001", "T0002", "T0003"]
    assert os.path.exists(kit.record_path)  # the source is only read


def test_restore_refuses_while_the_kiosk_serves_between_requests(kit, tmp_path, monkeypatch):
    """The kiosk opens the record for each request only: with none under way, a restore
    went ahead while it served, and its pages showed another record (red team, round six).
    It now holds the record open while it serves."""
    from click.testing import CliRunner

    import paperkit.kiosk as kiosk_pkg
    from paperkit.cli import cli

    _add_tasks(kit, 1, 2)
    with kit.open_record() as rec:
        backup_mod.backup(rec, tmp_path / "b.sqlite")
    _add_tasks(kit, 3, 3)
    monkeypatch.setattr(backup_mod, "LOCK_TIMEOUT", 0.2)
    real, tried = kiosk_pkg.make_server, []

    def restore_while_serving(app, **kw):
        server = real(app, **kw)
        server.run = lambda: tried.append(CliRunner().invoke(
            cli, ["--kit", str(kit.path), "restore", str(tmp_path / "b.sqlite")]))
        return server

    monkeypatch.setattr(kiosk_pkg, "make_server", restore_while_serving)
    result = CliRunner().invoke(cli, ["--kit", str(kit.path), "kiosk", "--port", "0"])
    assert result.exit_code == 0, result.output
    (restore,) = tried
    assert isinstance(restore.exception, RecordInUse)  # (main() says it, exit 1)
    assert "open in another paperkit" in str(restore.exception)
    assert _tasks(kit.record_path) == ["T0001", "T0002", "T0003"]
    assert CliRunner().invoke(cli, ["--kit", str(kit.path), "restore",
                                    str(tmp_path / "b.sqlite")]).exit_code == 0  # once stopped
    assert _tasks(kit.record_path) == ["T0001", "T0002"]
