"""Row revs for contacts, ledger entries, balance assertions and mandates (migration 0004).

Regression: only tasks had a ``rev``, so an older export of the other tables, imported after
a newer change, silently reverted that change. Export contacts on Monday (file A); someone
edits a copy and imports it on Tuesday (a lawyer's phone changes); someone else imports
their edit of file A (another contact changed): the lawyer's phone went back to Monday's,
with no warning. The same for a ledger entry's amount, an assertion, a mandate's holder."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

import pytest

from paperkit.errors import ImportFailed
from paperkit.record import Record, Source, db
from paperkit.record.csvio import export_csv_text, export_json, import_file
from paperkit.record.events import count_events, list_events
from paperkit.record.rows import COLUMNS

CONTACTS = ("id,name,role,ring,audience,phone\n"
            "C0001,Ana Ferreira,lawyer,witness,public,555-0101\n"
            "C0002,Sam Okafor,bondsperson,dispatch,public,555-0102\n")
LEDGER_HEAD = "id,date,kind,amount,currency,counterparty,person,note\n"
# an assertion with the same id as an entry, in another currency (it holds at 0.00)
LEDGER = (LEDGER_HEAD + "1,2026-11-01,donation,100.00,USD,Bank,,\n"
          "2,2026-11-02,donation,50.00,USD,Bake sale,,\n"
          "1,2026-11-05,assert,0.00,EUR,,,\n")
ASSERTED = (LEDGER_HEAD + "1,2026-11-01,donation,100.00,USD,Bank,,\n"
            "1,2026-11-05,assert,100.00,USD,,,\n")
ROLES = ("id,role,holder,starts,ends\n"
         "1,comms,Rafa M.,2026-11-01,2026-11-14\n"
         "2,legal-liaison,Noor H.,2026-11-10,2026-11-23\n")


@dataclass(frozen=True)
class Case:
    """A record (``start``, a file of ``table``), Tuesday's change (``changed``: the row's
    id, whether it is an assertion row, the column and its new value), the other edit
    made in Monday's file, and where a stale row shows: its line in an export, its name
    in the message, its database table."""

    table: str
    start: str
    changed: tuple[str, bool, str, str]
    other: tuple[str, bool, str, str]
    line: int
    name: str
    db_table: str


CASES = {
    "contacts": Case("contacts", CONTACTS, ("C0001", False, "phone", "555-0199"),
                     ("C0002", False, "notes", "ask for the weekend desk"), 2, "C0001",
                     "contacts"),
    "ledger entry": Case("ledger", LEDGER, ("1", False, "amount", "120.00"),
                         ("2", False, "note", "the Friday sale"), 2, "#1", "ledger"),
    "assertion": Case("ledger", ASSERTED, ("1", True, "date", "2026-11-06"),
                      ("1", False, "note", "first gift"), 3, "assertion #1",
                      "ledger_assertions"),
    "role": Case("roles", ROLES, ("1", False, "holder", "Priya R."),
                 ("2", False, "ends", "2026-11-30"), 2, "#1", "roles"),
}


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def _edit(text: str, key: str, assertion: bool, **cells: str) -> str:
    """The CSV ``text`` with ``cells`` set in the row of id ``key`` (the assertion row of a
    ledger file when ``assertion``), cells otherwise as they are."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    head = rows[0]
    for row in rows[1:]:
        is_assertion = "kind" in head and row[head.index("kind")] == "assert"
        if row[head.index("id")] == key and is_assertion == assertion:
            for col, value in cells.items():
                row[head.index(col)] = value
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


def _without(text: str, column: str) -> str:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    i = rows[0].index(column)
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows([r[:i] + r[i + 1:] for r in rows])
    return buf.getvalue()


def _rev(rec, db_table: str, key: str) -> int:
    return rec.query_one(f"SELECT rev FROM {db_table} WHERE id = ?", (key,))[0]


def _monday_and_tuesday(rec, tmp_path, case: Case) -> str:
    """Start the record, export it (Monday's file, returned), then import an edit of a
    copy of it that changes one row (Tuesday)."""
    import_file(rec, case.table, _write(tmp_path, "start.csv", case.start))
    monday = export_csv_text(rec, case.table)
    key, assertion, col, value = case.changed
    tuesday = _edit(monday, key, assertion, **{col: value})
    assert import_file(rec, case.table, _write(tmp_path, "tuesday.csv", tuesday)).updated == 1
    return monday


def _older_export_cannot_revert_a_newer_import(tmp_path, case: Case) -> None:
    with Record.open(":memory:") as rec:
        monday = _monday_and_tuesday(rec, tmp_path, case)
        key, assertion, col, value = case.changed
        other_key, other_assertion, other_col, other_value = case.other
        stale = _write(tmp_path, "monday-edited.csv",
                       _edit(monday, other_key, other_assertion, **{other_col: other_value}))
        before = (count_events(rec), export_csv_text(rec, case.table))
        with pytest.raises(ImportFailed) as err:
            import_file(rec, case.table, stale)
        (problem,) = err.value.problems
        assert (problem.file, problem.line, problem.column) == (str(stale), case.line, "rev")
        assert problem.problem == (
            f"{case.name} changed in the record after this file was exported (rev 1 here, 2"
            f" there) and this row would undo that; export the {case.table} again and make"
            " the edit there, or empty this rev cell to write the row over the record")
        # all or nothing: Tuesday's change is kept, and the other edit waits too
        assert (count_events(rec), export_csv_text(rec, case.table)) == before
        shown = export_json(rec, case.table)
        row = next(r for r in shown if str(r["id"]) == key
                   and (r.get("kind") == "assert") == assertion)
        assert (row[col], row["rev"]) == (value, 2)


def test_an_older_contacts_export_cannot_revert_a_newer_import(tmp_path):
    _older_export_cannot_revert_a_newer_import(tmp_path, CASES["contacts"])


def test_an_older_ledger_export_cannot_revert_a_newer_entry_amount(tmp_path):
    _older_export_cannot_revert_a_newer_import(tmp_path, CASES["ledger entry"])


def test_an_older_ledger_export_cannot_revert_a_newer_assertion(tmp_path):
    """The assertion #1 was changed on Tuesday; the entry #1 (the same id, another table)
    was not: only the assertion's row is stale."""
    _older_export_cannot_revert_a_newer_import(tmp_path, CASES["assertion"])


def test_an_older_roles_export_cannot_revert_a_newer_holder(tmp_path):
    _older_export_cannot_revert_a_newer_import(tmp_path, CASES["role"])


@pytest.mark.parametrize("case", CASES.values(), ids=CASES)
def test_a_stale_row_that_changes_nothing_passes(tmp_path, case):
    """Tuesday's file again after Tuesday's import: its changed row has rev 1 (older than
    the record's 2) but is what the record holds, so nothing is refused or written."""
    with Record.open(":memory:") as rec:
        monday = _monday_and_tuesday(rec, tmp_path, case)
        key, assertion, col, value = case.changed
        again = _write(tmp_path, "tuesday-again.csv", _edit(monday, key, assertion, **{col: value}))
        assert _rev(rec, case.db_table, key) == 2  # the file's row is at rev 1
        before = (count_events(rec), export_csv_text(rec, case.table))
        result = import_file(rec, case.table, again)
        assert (result.inserted, result.updated) == (0, 0) and result.unchanged > 0
        assert (count_events(rec), export_csv_text(rec, case.table)) == before
        assert _rev(rec, case.db_table, key) == 2


@pytest.mark.parametrize("how", ["empty rev cell", "no rev column"])
@pytest.mark.parametrize("case", CASES.values(), ids=CASES)
def test_an_empty_rev_cell_writes_the_row_over_the_record(tmp_path, case, how):
    """As for tasks: an emptied rev cell (or a file without the column, as one written by
    hand or exported before these tables had revs) says "write it over"."""
    with Record.open(":memory:") as rec:
        monday = _monday_and_tuesday(rec, tmp_path, case)
        key, assertion, col, tuesday_value = case.changed
        other_key, other_assertion, other_col, other_value = case.other
        text = _edit(monday, other_key, other_assertion, **{other_col: other_value})
        text = (_edit(text, key, assertion, rev="") if how == "empty rev cell"
                else _without(text, "rev"))
        result = import_file(rec, case.table, _write(tmp_path, "forced.csv", text))
        assert result.updated == 2
        assert result.without_rev == (1 if how == "empty rev cell" else 2)  # said, not refused
        monday_value = next(r for r in csv.DictReader(io.StringIO(monday, newline=""))
                            if r["id"] == key and (r.get("kind") == "assert") == assertion)[col]
        now = export_json(rec, case.table)
        row = next(r for r in now if str(r["id"]) == key
                   and (r.get("kind") == "assert") == assertion)
        assert row[col] == monday_value != tuesday_value
        assert row["rev"] == 3  # Monday's value again is a change like any other


@pytest.mark.parametrize("case", CASES.values(), ids=CASES)
def test_revs_rise_by_one_per_real_change_and_not_on_an_unchanged_import(tmp_path, case):
    with Record.open(":memory:") as rec:
        import_file(rec, case.table, _write(tmp_path, "start.csv", case.start))
        tables = ("ledger", "ledger_assertions") if case.table == "ledger" else (case.table,)
        assert {r[0] for t in tables for r in rec.query(f"SELECT rev FROM {t}")} == {1}
        key, assertion, col, value = case.changed
        first = export_csv_text(rec, case.table)
        events = count_events(rec)
        import_file(rec, case.table, _write(tmp_path, "a.csv",
                                            _edit(first, key, assertion, **{col: value})))
        (event,) = list_events(rec)[events:]
        assert (event.table, event.row_id, event.action) == (case.db_table, key, "update")
        assert (event.before["rev"], event.after["rev"]) == (1, 2)
        assert set(event.changed()) == {col, "rev"}
        assert _rev(rec, case.db_table, key) == 2
        others = {(t, r[0]): r[1] for t in tables for r in rec.query(f"SELECT id, rev FROM {t}")
                  if (t, str(r[0])) != (case.db_table, key)}
        assert set(others.values()) == {1}
        # the export imported again, as is: nothing changes, no rev goes up, no event
        second = export_csv_text(rec, case.table)
        events = count_events(rec)
        result = import_file(rec, case.table, _write(tmp_path, "b.csv", second))
        assert (result.updated, count_events(rec), export_csv_text(rec, case.table)) == \
            (0, events, second)
        # another real change of the same row, made from that export: one more
        other_value = {"phone": "555-0177", "amount": "130.00", "date": "2026-11-07",
                       "holder": "Ana F."}[col]
        import_file(rec, case.table, _write(tmp_path, "c.csv",
                                            _edit(second, key, assertion, **{col: other_value})))
        assert _rev(rec, case.db_table, key) == 3
        assert {(t, r[0]): r[1] for t in tables for r in rec.query(f"SELECT id, rev FROM {t}")
                if (t, str(r[0])) != (case.db_table, key)} == others


@pytest.mark.parametrize("case", CASES.values(), ids=CASES)
def test_a_row_newer_than_the_record_is_written_and_counts_on_from_the_records_rev(
        tmp_path, case):
    """As for tasks: a rev ahead of the record's refuses nothing; the record counts on."""
    with Record.open(":memory:") as rec:
        monday = _monday_and_tuesday(rec, tmp_path, case)
        other_key, other_assertion, other_col, other_value = case.other
        text = _edit(monday, *case.changed[:2], rev="9")
        text = _edit(text, other_key, other_assertion, **{other_col: other_value})
        assert import_file(rec, case.table, _write(tmp_path, "ahead.csv", text)).updated == 2
        assert _rev(rec, case.db_table, case.changed[0]) == 3


def test_every_stale_row_is_reported_together_with_the_other_problems(tmp_path):
    with Record.open(":memory:") as rec:
        import_file(rec, "contacts", _write(tmp_path, "start.csv", CONTACTS))
        monday = export_csv_text(rec, "contacts")
        tuesday = _edit(_edit(monday, "C0001", False, phone="555-0199"), "C0002", False,
                        phone="555-0188")
        import_file(rec, "contacts", _write(tmp_path, "tuesday.csv", tuesday))
        stale = _edit(monday, "C0001", False, notes="edited on Monday")
        stale += "C0003,Jo Lee,press,care,,,,,secret,,\r\n"
        with pytest.raises(ImportFailed) as err:
            import_file(rec, "contacts", _write(tmp_path, "stale.csv", stale))
        assert [(p.line, p.column) for p in err.value.problems] == \
            [(2, "rev"), (3, "rev"), (4, "audience")]
        assert "C0002 changed in the record after this file was exported (rev 1 here, 2" \
            " there)" in err.value.problems[1].problem


@pytest.mark.parametrize("table, text, db_table", [
    ("contacts", "id,name,role,ring,audience,rev\n,Jo Lee,press,care,crew,7\n"
                 "C0100,Ana,lawyer,witness,public,4\n,Bo,medic,care,crew,\n", "contacts"),
    ("roles", "id,role,holder,starts,rev\n,comms,Rafa,2026-11-01,7\n"
              "100,care,Ana,2026-11-01,4\n,medic,Bo,2026-11-01,\n", "roles"),
    ("ledger", LEDGER_HEAD.replace("\n", ",rev\n")
     + ",2026-11-01,donation,1.00,USD,,,,7\n100,2026-11-01,donation,2.00,USD,,,,4\n"
       ",2026-11-01,donation,3.00,USD,,,,\n", "ledger"),
    ("ledger", LEDGER_HEAD.replace("\n", ",rev\n")
     + ",2026-11-01,assert,0.00,EUR,,,,7\n100,2026-11-02,assert,0.00,EUR,,,,4\n"
       ",2026-11-03,assert,0.00,EUR,,,,\n", "ledger_assertions"),
])
def test_a_new_row_keeps_the_files_rev_or_takes_1(tmp_path, table, text, db_table):
    """A new row (an empty id, or one the record does not hold) keeps the file's rev, as a
    new task always did; an empty rev cell gives 1."""
    with Record.open(":memory:") as rec:
        assert import_file(rec, table, _write(tmp_path, "new.csv", text)).inserted == 3
        revs = [r[0] for r in rec.query(f"SELECT rev FROM {db_table} ORDER BY rowid")]
        assert sorted(revs) == [1, 4, 7]


def _changed_everywhere(rec, tmp_path) -> None:
    """A record with rows at revs 1, 2 and 3 in every table (an assertion at 2)."""
    for name, case in CASES.items():
        if case.table == "ledger" and name == "assertion":
            continue
        _monday_and_tuesday(rec, tmp_path, case)
    extra = (LEDGER_HEAD.replace("\n", ",rev\n")
             + ",2026-11-03,assert,0.00,GBP,,,,\n")
    import_file(rec, "ledger", _write(tmp_path, "assert.csv", extra))
    now = export_csv_text(rec, "ledger")
    import_file(rec, "ledger", _write(tmp_path, "moved.csv", _edit(now, "2", True,
                                                                   date="2026-11-04")))
    now = export_csv_text(rec, "contacts")
    import_file(rec, "contacts", _write(tmp_path, "c.csv", _edit(now, "C0001", False,
                                                                 languages="en pt")))
    import_file(rec, "tasks", _write(tmp_path, "t.csv", "id,title,rev\nT0001,Hall,5\n"))


def test_export_import_export_round_trips_the_revs(tmp_path):
    """DESIGN §2: import then export gives the same rows, now with every table's rev (an
    assertion's own beside an entry of the same id), in CSV and in JSON."""
    with Record.open(":memory:") as rec:
        _changed_everywhere(rec, tmp_path)
        assert _rev(rec, "contacts", "C0001") == 3
        assert _rev(rec, "ledger_assertions", "2") == 2 and _rev(rec, "ledger", "2") == 1
        for table in COLUMNS:
            text = export_csv_text(rec, table)
            assert text.split("\r\n", 1)[0].split(",")[-1] == "rev"
            shown = export_json(rec, table)
            assert all(isinstance(r["rev"], int) for r in shown) and shown
            with Record.open(":memory:") as other:
                import_file(other, table, _write(tmp_path, f"{table}.csv", text))
                assert export_csv_text(other, table) == text
                assert export_json(other, table) == shown
            events = count_events(rec)
            assert import_file(rec, table, _write(tmp_path, f"{table}.csv", text)).updated == 0
            assert count_events(rec) == events


def test_a_record_made_at_migration_0003_migrates_every_row_to_rev_1(tmp_path, monkeypatch):
    """A record kept before 0004: its contacts, entries, assertions and mandates get rev 1,
    each with an update event, so that the log's before/after pairs still replay to the
    rows (the next change's before is the migration's after); then revs count as ever."""
    path = tmp_path / "record.sqlite"
    every = db._migrations()
    assert [m[0] for m in every][:4] == [1, 2, 3, 4]
    monkeypatch.setattr(db, "_migrations", lambda: every[:3])
    with Record.open(path) as rec, rec.write(Source("cli", "old")) as w:
        w.insert("contacts", {"id": "C0001", "name": "Ana", "role": "lawyer", "ring": "witness",
                              "audience": "public", "phone": "555-0101"})
        w.insert("ledger", {"date": "2026-11-01", "kind": "donation", "amount": 1000,
                            "currency": "USD"})
        w.insert("ledger_assertions", {"date": "2026-11-02", "amount": 1000, "currency": "USD"})
        w.insert("roles", {"role": "comms", "holder": "Rafa", "starts": "2026-11-01",
                           "ends": "2026-11-14"})
        w.insert("tasks", {"id": "T0001", "title": "Hall"})
    monkeypatch.setattr(db, "_migrations", lambda: every)
    with Record.open(path) as rec:
        assert rec.schema_version() == every[-1][0] >= 4
        for table in ("contacts", "ledger", "ledger_assertions", "roles", "tasks"):
            (row,) = rec.query(f"SELECT * FROM {table}")
            assert row["rev"] == 1, table
            (last, *_) = reversed(list_events(rec, table=table))
            assert last.after == dict(row), table  # the log holds the row as it is
        contacts = export_csv_text(rec, "contacts")
        assert contacts.split("\r\n")[1].endswith(",1")
        import_file(rec, "contacts", _write(tmp_path, "c.csv", _edit(contacts, "C0001", False,
                                                                     phone="555-0199")))
        *_, migrated, changed = list_events(rec, table="contacts")
        assert migrated.source == "migration 0004: row revs"
        assert migrated.changed() == {"rev": (None, 1)}
        assert changed.before == migrated.after and changed.after["rev"] == 2
        assert rec.migrate() == []
        assert json.loads(json.dumps(export_json(rec, "roles")))[0]["rev"] == 1


def test_an_older_export_cannot_revert_an_import_that_commits_while_it_is_checked(
        tmp_path, import_meanwhile):
    """The revs are compared inside the write transaction: Tuesday's import, committed
    after Monday's edit was read and checked but before it is written, is seen."""
    path = tmp_path / "record.sqlite"
    first, second = Record.open(path), Record.open(path)
    import_file(first, "roles", _write(tmp_path, "start.csv", ROLES))
    monday = export_csv_text(first, "roles")
    tuesday = _write(tmp_path, "tuesday.csv", _edit(monday, "1", False, holder="Priya R."))
    stale = _write(tmp_path, "monday.csv", _edit(monday, "2", False, ends="2026-11-30"))
    with pytest.raises(ImportFailed) as err:
        import_meanwhile(first, "roles", stale, second, tuesday)
    assert [(p.line, p.column) for p in err.value.problems] == [(2, "rev")]
    assert [tuple(r) for r in first.query("SELECT holder, ends, rev FROM roles ORDER BY id")] \
        == [("Priya R.", "2026-11-14", 2), ("Noor H.", "2026-11-23", 1)]
    first.close()
    second.close()


def test_the_import_command_says_rows_were_written_over_without_a_rev(run, kit, tmp_path):
    """A file without the rev column writes its rows over the record, undoing unseen a
    change made since it was exported: the command now says how many rows it wrote so."""
    k = ("--kit", str(kit.path))
    first = _write(tmp_path, "a.csv", "id,title\nT0001,Book the hall\nT0002,Buy tarps\n")
    assert run(*k, "import", "tasks", str(first))[0] == 0
    edited = _write(tmp_path, "b.csv", "id,title\nT0001,Book the big hall\nT0002,Buy tarps\n")
    code, out, err = run(*k, "import", "tasks", str(edited))
    assert code == 0, err
    assert "1 updated row had no rev (no rev column, or an empty cell)" in out
    code, out, _ = run(*k, "import", "tasks", str(edited), "--json")
    assert code == 0 and json.loads(out)["without_rev"] == 0  # unchanged: nothing written
