"""The record: migrations, the writer and its events, status, backup."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest

from paperkit.errors import InvalidValue, NotFound, RecordError
from paperkit.kit import Settings
from paperkit.record import Record, Source
from paperkit.record.backup import backup
from paperkit.record.db import _migrations
from paperkit.record.events import count_events, list_events
from paperkit.record.status import add_months, status

CLI = Source("cli", "paperkit test")
TABLES = {"contacts", "tasks", "task_crops", "ledger", "ledger_assertions", "roles", "events",
          "prints", "print_codes", "scans", "slip_reads", "reviews", "schema_version"}


def test_migrations_run_from_an_empty_file(tmp_path):
    path = tmp_path / "record.sqlite"
    path.write_bytes(b"")
    with Record.open(path) as rec:
        names = {r[0] for r in rec.query("SELECT name FROM sqlite_master WHERE type='table'")}
        assert TABLES <= names
        versions = rec.query("SELECT version, name FROM schema_version ORDER BY version")
        assert [(v, n) for v, n, _ in _migrations()] == [tuple(r) for r in versions]
        assert rec.query_one("PRAGMA journal_mode")[0] == "wal"
        assert rec.query_one("PRAGMA foreign_keys")[0] == 1
    with Record.open(path) as rec:  # opening again applies nothing more
        assert rec.migrate() == []
        assert rec.query_one("SELECT count(*) FROM schema_version")[0] == len(_migrations())


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "record.sqlite"
    with Record.open(path) as rec:
        rec.conn.execute("INSERT INTO schema_version VALUES (9999, 'future', 'x')")
    with pytest.raises(RecordError, match="newer"):
        Record.open(path)


def test_a_file_that_is_not_a_record_is_refused(tmp_path):
    path = tmp_path / "record.sqlite"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(RecordError):
        Record.open(path)


def _events(rec):
    return [(e.action, e.table, e.row_id, e.before, e.after) for e in list_events(rec)]


def test_one_event_per_change_with_before_and_after():
    with Record.open(":memory:") as rec:
        with rec.write(CLI) as w:
            w.insert("tasks", {"id": "T0001", "title": "Book the hall"})
        with rec.write(CLI) as w:
            w.update("tasks", "T0001", {"status": "taken", "steward": "Ana"})
            w.update("tasks", "T0001", {"status": "taken"})  # no change: no event
        with rec.write(Source("kiosk", "token-1")) as w:
            w.delete("tasks", "T0001")
        events = list_events(rec)
        assert [e.action for e in events] == ["insert", "update", "delete"]
        insert, update, delete = events
        assert insert.before is None and insert.after["title"] == "Book the hall"
        assert insert.after["rev"] == 1
        assert update.before["status"] == "open" and update.after["status"] == "taken"
        assert update.changed() == {"status": ("open", "taken"), "steward": ("", "Ana"),
                                    "rev": (1, 2)}
        assert delete.before["rev"] == 2 and delete.after is None
        assert (delete.source_kind, delete.source) == ("kiosk", "token-1")
        assert all(e.source == "paperkit test" for e in events[:2])


def test_rev_goes_up_on_every_real_change():
    with Record.open(":memory:") as rec:
        with rec.write(CLI) as w:
            w.insert("tasks", {"id": "T0001", "title": "A"})
            for n, status in enumerate(["taken", "stuck", "taken", "done"], start=2):
                _, after = w.update("tasks", "T0001", {"status": status})
                assert after["rev"] == n


def test_the_event_log_cannot_be_edited():
    with Record.open(":memory:") as rec:
        with rec.write(CLI) as w:
            w.insert("roles", {"role": "comms", "holder": "Rafa", "starts": "2026-11-01",
                               "ends": "2026-11-14"})
        for sql in ("UPDATE events SET source = 'x'", "DELETE FROM events"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                rec.conn.execute(sql)
        assert count_events(rec) == 1


def test_a_failed_write_leaves_no_row_and_no_event():
    with Record.open(":memory:") as rec:
        with pytest.raises(NotFound), rec.write(CLI) as w:
            w.insert("tasks", {"id": "T0001", "title": "A"})
            w.update("tasks", "T0002", {"status": "done"})
        assert rec.query_one("SELECT count(*) FROM tasks")[0] == 0
        assert count_events(rec) == 0


def test_list_events_filters_by_row_and_keeps_the_newest():
    with Record.open(":memory:") as rec:
        with rec.write(CLI) as w:
            w.insert("tasks", {"id": "T0001", "title": "A"})
            w.insert("tasks", {"id": "T0002", "title": "B"})
            w.update("tasks", "T0001", {"title": "A2"})
        assert [e.id for e in list_events(rec, table="tasks", row_id="T0001")] == [1, 3]
        assert [e.id for e in list_events(rec, limit=2)] == [2, 3]
        assert json.dumps(list_events(rec)[0].as_dict())


# -- status -------------------------------------------------------------------------------------
DAY = dt.date(2026, 11, 25)


def test_status_of_an_empty_record_needs_nothing():
    with Record.open(":memory:") as rec:
        st = status(rec, Settings(), DAY)
    assert not st.attention
    assert st.tasks == {"open": 0, "taken": 0, "done": 0, "stuck": 0, "dropped": 0}
    assert st.balances == {} and not st.reprint.due


def test_status_of_the_sample_kit(sample_kit):
    with sample_kit.open_record() as rec:
        st = status(rec, sample_kit.settings, DAY)
    assert st.attention
    assert st.tasks == {"open": 11, "taken": 8, "done": 6, "stuck": 3, "dropped": 2}
    states = {m.role.role: (m.state, m.days_left) for m in st.mandates}
    # legal-liaison was handed on from Priya to Noor: only Noor's (latest) mandate counts
    assert states == {"press-contact": ("expired", -2866), "drill-lead": ("expired", -2446),
                      "kiosk-keeper": ("expired", -9), "legal-liaison": ("expired", -2),
                      "dispatch-lead": ("expiring", 0), "comms": ("expiring", 5)}
    stale = {s.contact.id: s.days for s in st.stale_contacts}
    assert stale["C0034"] is None and stale["C0008"] == 1015
    assert all(d is None or d > 90 for d in stale.values())
    assert "C0001" not in stale
    assert st.reprint.last_printed is None and st.reprint.due
    assert st.balances == {"USD": 379477}
    assert json.loads(json.dumps(st.as_dict(), ensure_ascii=False))["attention"] is True


def test_some_sample_mandates_are_expired_whatever_today_is(sample_kit):
    with sample_kit.open_record() as rec:
        st = status(rec, sample_kit.settings)
    assert any(m.state == "expired" for m in st.mandates)


def test_contact_sheets_are_due_reprint_months_after_their_last_print(sample_kit):
    with sample_kit.open_record() as rec:
        with rec.write(Source("cli", "paperkit print contacts")) as w:
            w.insert("prints", {"product": "contacts", "at": "2026-08-31T10:00:00Z"})
        months = sample_kit.settings.reprint_months
        before = status(rec, sample_kit.settings, dt.date(2026, 11, 29))
        on_the_day = status(rec, sample_kit.settings, dt.date(2026, 11, 30))
    assert months == 3
    assert before.reprint == type(before.reprint)("2026-08-31", "2026-11-30", False)
    assert on_the_day.reprint.due


@pytest.mark.parametrize("day, months, expected", [
    ("2026-01-31", 1, "2026-02-28"), ("2024-01-31", 1, "2024-02-29"),
    ("2026-11-30", 3, "2027-02-28"), ("2026-05-15", 12, "2027-05-15"),
])
def test_add_months_clamps_to_the_month_end(day, months, expected):
    assert add_months(dt.date.fromisoformat(day), months).isoformat() == expected


# -- backup ---------------------------------------------------------------------------------
def test_backup_is_a_consistent_standalone_copy(sample_kit, tmp_path):
    dest = tmp_path / "copy.sqlite"
    with sample_kit.open_record() as rec:
        backup(rec, dest)
        with pytest.raises(InvalidValue, match="already exists"):
            backup(rec, dest)
        original = [tuple(r) for r in rec.query("SELECT * FROM events ORDER BY id")]
    assert not (tmp_path / "copy.sqlite-wal").exists()
    assert not (tmp_path / "copy.sqlite.partial").exists()
    with Record.open(dest) as copy:
        assert [tuple(r) for r in copy.query("SELECT * FROM events ORDER BY id")] == original
        assert copy.query_one("SELECT count(*) FROM contacts")[0] == 40


def test_a_record_locked_by_another_writer_is_a_clear_error(tmp_path):
    """The kiosk and a command can write to one record; when one holds it longer than the
    busy timeout, the other gets a RecordError that says so (not sqlite3's traceback), and
    nothing is half-written."""
    path = tmp_path / "record.sqlite"
    first, second = Record.open(path), Record.open(path)
    second.conn.execute("PRAGMA busy_timeout = 50")
    with first.write(Source("cli", "first")) as w:
        w.insert("tasks", {"id": "T0001", "title": "held"})
        with pytest.raises(RecordError) as exc:
            with second.write(Source("cli", "second")) as w2:
                w2.insert("tasks", {"id": "T0002", "title": "waits"})
    assert "busy" in str(exc.value) and "run this again" in exc.value.user_message()
    assert [r["id"] for r in second.query("SELECT id FROM tasks")] == ["T0001"]
    with second.write(Source("cli", "second")) as w2:  # free again: it goes through
        w2.insert("tasks", {"id": "T0002", "title": "waits"})
    first.close()
    second.close()


def test_two_processes_opening_a_new_record_at_once_migrate_it_once(tmp_path, monkeypatch):
    """Regression: each read the schema version before taking the write lock, so both ran
    migration 0001 and the second failed ("table contacts already exists"). The version is
    read again under the lock."""
    path = tmp_path / "record.sqlite"
    first = Record.open(path)  # another process migrates the new record...
    done = first.schema_version()
    late = Record(sqlite3.connect(path, isolation_level=None, timeout=10.0), str(path))
    real, reads = Record.schema_version, []

    def read_before_the_other(self):  # ...after this one read its version (0)
        reads.append(self)
        return 0 if len(reads) == 1 else real(self)

    monkeypatch.setattr(Record, "schema_version", read_before_the_other)
    assert late.migrate() == []  # nothing applied twice, and no error
    assert real(late) == done
    first.close()
    late.close()


def test_migration_0002_keeps_three_decimal_currencies_amounts(tmp_path, monkeypatch):
    """JOD, OMR, IQD and LYD have three decimals (ISO 4217); paperkit gave them two, so
    '1.250 JOD' was refused. A record kept before holds their amounts in hundredths: the
    migration writes each again in thousandths, the same money, with an event a row, and
    leaves the other currencies as they were."""
    from paperkit.record import db
    from paperkit.record.ledger import assertion_failures, format_amount, parse_amount

    path = tmp_path / "record.sqlite"
    every = db._migrations()
    monkeypatch.setattr(db, "_migrations", lambda: every[:1])
    with Record.open(path) as rec:  # a record kept by the version before 0002
        with rec.write(CLI) as w:
            w.insert("ledger", {"date": "2026-01-02", "kind": "donation", "amount": 1250,
                                "currency": "JOD", "counterparty": "Amman group"})  # 12.50
            w.insert("ledger", {"date": "2026-01-02", "kind": "donation", "amount": 1250,
                                "currency": "USD"})
            w.insert("ledger_assertions", {"date": "2026-01-03", "amount": 1250,
                                           "currency": "JOD"})
        before = count_events(rec)
    monkeypatch.setattr(db, "_migrations", lambda: every)
    with Record.open(path) as rec:
        amounts = {r["currency"]: r["amount"] for r in rec.query("SELECT * FROM ledger")}
        assert amounts == {"JOD": 12500, "USD": 1250}
        assert format_amount(amounts["JOD"], "JOD") == "12.500"
        assert format_amount(amounts["USD"], "USD") == "12.50"
        assert rec.query_one("SELECT amount FROM ledger_assertions")[0] == 12500
        assert assertion_failures(rec) == []
        events = list_events(rec)[before:]
        revs = "migration 0004: row revs"  # then 0004 gives each row its rev, with an event
        assert [(e.table, e.action, e.source) for e in events] == [
            ("ledger", "update", "migration 0002: three-decimal currencies"),
            ("ledger_assertions", "update", "migration 0002: three-decimal currencies"),
            ("ledger", "update", revs), ("ledger", "update", revs),
            ("ledger_assertions", "update", revs)]
        assert events[0].changed() == {"amount": (1250, 12500)}
        assert events[0].after["counterparty"] == "Amman group"
        assert events[1].changed() == {"amount": (1250, 12500)}
        assert rec.migrate() == []  # once only
    assert parse_amount("1.250", "JOD") == 1250
    assert parse_amount("0.5", "OMR") == 500
    with pytest.raises(InvalidValue, match="IQD has 3"):
        parse_amount("1.2345", "IQD")


def test_a_role_written_with_a_trailing_space_is_the_same_role():
    """Regression: 'comms ' (Ana, ended) and 'comms' (Bo, current) were two roles, and
    status reported comms as expired though Bo holds it."""
    from paperkit.record.status import mandates_needing_attention

    with Record.open(":memory:") as rec:
        with rec.write(Source("cli", "test")) as w:
            w.insert("roles", {"role": "comms ", "holder": "Ana", "starts": "2026-01-01",
                               "ends": "2026-01-31"})
            w.insert("roles", {"role": "Comms", "holder": "Bo", "starts": "2026-02-01",
                               "ends": "2026-12-31"})
        assert mandates_needing_attention(rec, dt.date(2026, 6, 1), 7) == []


def test_a_backup_into_a_folder_that_takes_no_file_names_the_folder(tmp_path, monkeypatch):
    """Regression: it said the record could not be read or written, and to free disk space
    or restore the record."""
    import tempfile

    def refuse(*a, **k):
        raise PermissionError(13, "Permission denied", str(k.get("dir")))

    with Record.open(tmp_path / "r.sqlite") as rec:
        monkeypatch.setattr(tempfile, "mkstemp", refuse)  # the folder takes no new file
        with pytest.raises(InvalidValue, match="cannot write the backup in") as err:
            backup(rec, tmp_path / "copy.sqlite")
        assert "folder you may write to" in err.value.hint
    assert not (tmp_path / "copy.sqlite").exists()


def test_status_on_a_day_gives_the_balances_at_the_end_of_that_day():
    """Regression: 'paperkit status --on DATE' showed today's balances."""
    from paperkit.record.status import status

    with Record.open(":memory:") as rec:
        with rec.write(Source("cli", "test")) as w:
            for day, amount in (("2026-01-01", 1000), ("2026-02-01", 500)):
                w.insert("ledger", {"date": day, "kind": "donation", "amount": amount,
                                    "currency": "USD", "counterparty": "", "person": "",
                                    "note": ""})
        assert status(rec, Settings(), dt.date(2026, 1, 15)).balances == {"USD": 1000}
        assert status(rec, Settings(), dt.date(2026, 3, 1)).balances == {"USD": 1500}
        assert status(rec, Settings()).balances == {"USD": 1500}


def test_status_on_a_day_leaves_out_contact_sheets_printed_after_it():
    """Regression: 'status --on 2026-11-30' said the contact sheets were printed on
    2026-12-07, a print made after that day."""
    from paperkit.record.status import status

    with Record.open(":memory:") as rec:
        with rec.write(Source("cli", "test")) as w:
            w.insert("contacts", {"id": "C0001", "name": "Ana", "role": "lawyer",
                                  "ring": "dispatch", "audience": "public"})
            w.insert("prints", {"product": "contacts", "at": "2026-06-01T10:00:00Z"})
            w.insert("prints", {"product": "contacts", "at": "2026-12-07T10:00:00Z"})
        then = status(rec, Settings(reprint_months=3), dt.date(2026, 11, 30)).reprint
        assert (then.last_printed, then.due_on, then.due) == ("2026-06-01", "2026-09-01", True)
        now = status(rec, Settings(reprint_months=3), dt.date(2026, 12, 8)).reprint
        assert (now.last_printed, now.due) == ("2026-12-07", False)
        assert status(rec, Settings(), dt.date(2026, 5, 1)).reprint.last_printed is None


def test_status_names_a_contact_made_private_after_printouts_that_may_show_them():
    """A public contact made private after the board and the contact sheets were printed:
    status called the sheets good for months and said nothing of the copies out there (a
    red team, the fortieth session). It names the contact and the products to print again,
    until each is printed again; the cards show no contact and are not named."""
    from paperkit.record.status import status

    with Record.open(":memory:") as rec:
        with rec.write(Source("cli", "test")) as w:
            for cid, name in (("C0001", "Ana"), ("C0002", "Bo")):
                w.insert("contacts", {"id": cid, "name": name, "role": "lawyer",
                                      "ring": "dispatch", "audience": "public"})
            for product in ("board", "contacts", "cards"):
                w.insert("prints", {"product": product, "at": "2026-06-01T10:00:00Z"})
        with rec.write(Source("cli", "test: Ana made private, Bo crew and public again")) as w:
            w.update("contacts", "C0001", {"audience": "private"})
            w.update("contacts", "C0002", {"audience": "crew"})
            w.update("contacts", "C0002", {"audience": "public"})
        st = status(rec, Settings())
        assert st.attention
        assert [(n.contact, n.before, n.after, n.products) for n in st.narrowed] == [
            ("C0001", "public", "private", ("board", "contacts"))]
        with rec.write(Source("cli", "test: printed again")) as w:
            for product in ("board", "contacts"):
                w.insert("prints", {"product": product, "at": "2999-01-01T10:00:00Z"})
        assert status(rec, Settings()).narrowed == ()


def test_status_names_a_gap_in_a_roles_rotation_until_it_has_passed():
    """Care held to 2026-12-14 and again from 2027-01-10: status judged each role by its
    mandate that ends last and said nothing of the 26 days with nobody (a red team, the
    fortieth session). Overlaps and back-to-back mandates leave no gap."""
    from paperkit.record.status import status

    with Record.open(":memory:") as rec:
        with rec.write(Source("cli", "test")) as w:
            for role, holder, starts, ends in (
                    ("care", "Greta", "2026-12-01", "2026-12-14"),
                    ("Care ", "Dee", "2027-01-10", "2027-01-23"),
                    ("comms", "Ana", "2026-12-01", "2026-12-14"),
                    ("comms", "Bea", "2026-12-10", "2026-12-31"),
                    ("comms", "Cal", "2027-01-01", "2027-01-14")):
                w.insert("roles", {"role": role, "holder": holder, "starts": starts,
                                   "ends": ends})
        st = status(rec, Settings(), dt.date(2026, 12, 20))
        assert [(g.role, g.first, g.last) for g in st.gaps] == [
            ("Care", "2026-12-15", "2027-01-09")]
        assert st.attention
        assert status(rec, Settings(), dt.date(2027, 1, 10)).gaps == ()  # passed


def test_a_full_disk_is_named_as_full_not_as_a_damaged_record(tmp_path, monkeypatch):
    """Regression: on a full disk every command said "cannot open the record ...: disk I/O
    error ... if it is damaged, restore it from a 'paperkit backup' copy": advice that
    loses the changes since that backup, for a record that is fine."""
    from paperkit.record import db

    path = tmp_path / "record.sqlite"
    Record.open(path).close()
    real = sqlite3.connect

    def io_error(*args, **kw):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(db.sqlite3, "connect", io_error)
    monkeypatch.setattr(db, "_disk_full", lambda p: True)
    with pytest.raises(RecordError, match="is full") as err:
        Record.open(path)
    assert "not damaged" in str(err.value) and "backup" not in err.value.user_message()
    monkeypatch.setattr(db.sqlite3, "connect", real)
    monkeypatch.setattr(db, "_on_read_only_disk", lambda p: True)
    monkeypatch.setattr(db.sqlite3, "connect", io_error)
    with pytest.raises(RecordError, match="read-only"):
        Record.open(path)


def test_a_write_the_disk_refuses_shows_its_own_error_not_rollbacks(tmp_path):
    """Regression: a write that filled the disk said "cannot rollback - no transaction is
    active": SQLite had ended the transaction itself, and the ROLLBACK's error hid the
    real one."""
    with Record.open(tmp_path / "record.sqlite") as rec:
        with pytest.raises(sqlite3.OperationalError, match="database or disk is full"):
            with rec.write(CLI):
                rec.conn.execute("ROLLBACK")  # as SQLite does on SQLITE_FULL
                raise sqlite3.OperationalError("database or disk is full")
        assert not rec.conn.in_transaction


def test_two_backups_to_one_name_at_once_make_one_copy_and_a_clear_refusal(tmp_path):
    """Regression: two 'backup same.sqlite' at once both failed, with "the record could not
    be read or written ... restore it" (they shared one .partial file)."""
    from paperkit.record import backup as backup_mod

    with Record.open(tmp_path / "r.sqlite") as rec:
        with rec.write(CLI) as w:
            w.insert("tasks", {"id": "T0001", "title": "kept"})
        dest = tmp_path / "same.sqlite"
        real = backup_mod._place

        def other_backup_first(partial, target):  # the other backup finishes meanwhile
            backup_mod._place = real
            backup(rec, target)
            real(partial, target)

        backup_mod._place = other_backup_first
        try:
            with pytest.raises(InvalidValue, match="already exists"):
                backup(rec, dest)
        finally:
            backup_mod._place = real
    with Record.open(dest) as copy:
        assert [r["id"] for r in copy.query("SELECT id FROM tasks")] == ["T0001"]
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".partial"] == []
