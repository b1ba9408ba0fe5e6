"""CSV import and export: round trips, formula neutralisation, and every malformed case."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperkit.errors import ImportFailed
from paperkit.record import Record, Source
from paperkit.record.csvio import (
    _spreadsheet_values,
    export_csv_text,
    export_json,
    import_file,
    neutralise,
    unneutralise,
    write_csv,
)
from paperkit.record.events import count_events
from paperkit.record.ledger import format_amount
from paperkit.record.models import AUDIENCES, CONTACT_ROLES, MICRO_ROLES, RINGS, TASK_STATUSES
from paperkit.record.rows import COLUMNS
from paperkit.samplekit import SAMPLE_TABLES, samples_dir

RTL_NAMES = ["ليلى حداد", "يوسف منصور", "אורי כהן", "مريم الخطيب (Maryam)", "نور 12"]
# Any text a spreadsheet cell may hold: every script, line breaks, quotes, delimiters;
# not NUL and not lone surrogates (which UTF-8 cannot hold).
ANY_CHAR = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
# ... but not what a spreadsheet writes in place of a value (an error value such as
# '#CALC!', a run of '#', a phone in scientific notation): import refuses those, as a
# spreadsheet's artefacts (tests/test_csv_spreadsheets.py).
free_text = st.one_of(st.text(ANY_CHAR, max_size=25), st.sampled_from(RTL_NAMES),
                      st.sampled_from(["=1+2", "-3", "+1 555-0100", "@SUM(A1)", "'=x", "''-5",
                                       "a,b;c", 'say "hi"', "line\r\nbreak", "\tTab"])
                      ).filter(lambda s: not _spreadsheet_values("contacts",
                                                                 {"notes": s, "phone": s}))
non_blank = free_text.filter(lambda s: s.strip() != "")
iso_date = st.dates().filter(lambda d: d.year >= 1000).map(lambda d: d.isoformat())


def _file(tmp_path, name: str, table: str, rows: list[dict[str, str]]):
    buf = io.StringIO(newline="")
    write_csv(rows, table, buf)
    path = tmp_path / name
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")
    return path, buf.getvalue()


def _round_trip(tmp_path, table: str, rows: list[dict[str, str]]) -> None:
    path, text = _file(tmp_path, f"{table}.csv", table, rows)
    with Record.open(":memory:") as rec:
        import_file(rec, table, path)
        assert export_csv_text(rec, table) == text


HYP = settings(max_examples=40, deadline=None,
               suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def contact_rows(draw):
    n = draw(st.integers(0, 5))
    ids = sorted(draw(st.sets(st.from_regex(r"C[0-9]{1,5}", fullmatch=True), min_size=n,
                              max_size=n)), key=lambda i: (len(i), i))
    return [{"id": i, "name": draw(st.one_of(non_blank, st.sampled_from(RTL_NAMES))),
             "role": draw(st.sampled_from(CONTACT_ROLES)), "ring": draw(st.sampled_from(RINGS)),
             "micro_role": draw(st.sampled_from(MICRO_ROLES)), "phone": draw(free_text),
             "languages": draw(free_text), "notes": draw(free_text),
             "audience": draw(st.sampled_from(AUDIENCES)),
             "verified_on": draw(st.one_of(st.just(""), iso_date)),
             "rev": str(draw(st.integers(1, 500)))} for i in ids]


@st.composite
def task_rows(draw):
    numbers = sorted(draw(st.sets(st.integers(1, 99999), max_size=5)))
    return [{"id": f"T{n:04d}", "title": draw(non_blank), "timeframe": draw(free_text),
             "steward": draw(free_text), "status": draw(st.sampled_from(TASK_STATUSES)),
             "after_action": draw(free_text), "shadow_crew": draw(free_text),
             "rev": str(draw(st.integers(1, 500)))} for n in numbers]


@st.composite
def ledger_rows(draw):
    """Entries (no assertions, so any amounts hold) in export order: by date, then id."""
    n = draw(st.integers(0, 6))
    entries = []
    for i in range(1, n + 1):
        kind = draw(st.sampled_from(["donation", "bail-paid", "bail-returned", "expense",
                                     "transfer"]))
        cur = draw(st.sampled_from(["USD", "EUR", "JPY", "KWD"]))
        amount = draw(st.integers(1, 10**9)) * (draw(st.sampled_from([1, -1]))
                                                 if kind == "transfer" else 1)
        entries.append({"id": str(i), "date": draw(iso_date), "kind": kind,
                        "amount": format_amount(amount, cur), "currency": cur,
                        "counterparty": draw(free_text), "person": draw(free_text),
                        "note": draw(free_text), "rev": str(draw(st.integers(1, 500)))})
    return sorted(entries, key=lambda e: (e["date"], int(e["id"])))


@st.composite
def role_rows(draw):
    n = draw(st.integers(0, 5))
    out = []
    for i in range(1, n + 1):
        a, b = sorted([draw(iso_date), draw(iso_date)])
        out.append({"id": str(i), "role": draw(non_blank),
                    "holder": draw(st.one_of(non_blank, st.sampled_from(RTL_NAMES))),
                    "starts": a, "ends": b, "rev": str(draw(st.integers(1, 500)))})
    return out


@HYP
@given(rows=contact_rows())
def test_contacts_round_trip(tmp_path, rows):
    _round_trip(tmp_path, "contacts", rows)


@HYP
@given(rows=task_rows())
def test_tasks_round_trip(tmp_path, rows):
    _round_trip(tmp_path, "tasks", rows)


@HYP
@given(rows=ledger_rows())
def test_ledger_round_trip(tmp_path, rows):
    _round_trip(tmp_path, "ledger", rows)


@HYP
@given(rows=role_rows())
def test_roles_round_trip(tmp_path, rows):
    _round_trip(tmp_path, "roles", rows)


def test_ledger_round_trip_with_assertion_rows(tmp_path):
    rows = [
        {"id": "1", "date": "2026-11-01", "kind": "donation", "amount": "100.00",
         "currency": "USD", "counterparty": "Bake sale", "person": "", "note": "", "rev": "1"},
        {"id": "2", "date": "2026-11-02", "kind": "transfer", "amount": "-12.50",
         "currency": "USD", "counterparty": "", "person": "", "note": "=cmd|' /C calc'!A0",
         "rev": "3"},
        {"id": "1", "date": "2026-11-02", "kind": "assert", "amount": "87.50",
         "currency": "USD", "counterparty": "", "person": "", "note": "", "rev": "2"},
        {"id": "2", "date": "2026-11-02", "kind": "assert", "amount": "0",
         "currency": "JPY", "counterparty": "", "person": "", "note": "", "rev": "1"},
    ]
    _round_trip(tmp_path, "ledger", rows)


@given(st.text(ANY_CHAR))
def test_neutralise_is_undone_exactly(cell):
    assert unneutralise(neutralise(cell)) == cell


@pytest.mark.parametrize("cell, written", [
    ("=1+2", "'=1+2"), ("+1 555-0100", "'+1 555-0100"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("'=x", "''=x"), ("-12.50", "-12.50"), ("-5", "-5"), ("'x", "'x"),
    ("plain", "plain"), ("", ""),
])
def test_export_neutralises_formulas_but_not_negative_amounts(cell, written):
    assert neutralise(cell) == written


def test_a_hand_neutralised_negative_amount_imports_as_the_number(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text("date,kind,amount,currency\n2026-11-01,transfer,'-12.50,USD\n", "utf-8")
    with Record.open(":memory:") as rec:
        import_file(rec, "ledger", path)
        assert rec.query_one("SELECT amount FROM ledger")[0] == -1250


def test_the_csv_file_holds_the_apostrophe(tmp_path):
    rows = [{"id": "T0001", "title": "=HYPERLINK(\"http://x\")", "timeframe": "", "steward": "",
             "status": "open", "after_action": "", "shadow_crew": "", "rev": "1"}]
    _, text = _file(tmp_path, "t.csv", "tasks", rows)
    assert "\"'=HYPERLINK(\"\"http://x\"\")\"" in text


@pytest.mark.parametrize("delimiter, newline, bom", [
    (",", "\r\n", True), (";", "\r\n", False), (";", "\n", True), (",", "\n", False),
    ("\t", "\n", False),
])
def test_excel_and_libreoffice_dialects_import_the_same(tmp_path, delimiter, newline, bom):
    canonical = (samples_dir() / "tasks.csv").read_bytes().decode("utf-8")
    rows = list(csv.reader(io.StringIO(canonical, newline="")))
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=delimiter, lineterminator=newline).writerows(rows)
    path = tmp_path / "tasks.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8"))
    with Record.open(":memory:") as rec:
        import_file(rec, "tasks", path)
        assert export_csv_text(rec, "tasks") == canonical


# -- malformed files: line and column, and the record untouched -----------------------------
TASK_HEAD = "id,title,timeframe,steward,status,after_action,shadow_crew,rev\r\n"
LEDGER_HEAD = "id,date,kind,amount,currency,counterparty,person,note\r\n"
CONTACT_HEAD = "id,name,role,ring,micro_role,phone,languages,notes,audience,verified_on\r\n"
MALFORMED = {
    "bad status": ("tasks", TASK_HEAD + "T0100,Ok,,,open,,,1\r\nT0101,Bad,,,finished,,,1\r\n",
                   [(3, "status")]),
    "bad task id": ("tasks", TASK_HEAD + "X1,Title,,,open,,,1\r\n", [(2, "id")]),
    "blank title": ("tasks", TASK_HEAD + "T0100,  ,,,open,,,1\r\n", [(2, "title")]),
    "rev not a number": ("tasks", TASK_HEAD + "T0100,A,,,open,,,two\r\n", [(2, "rev")]),
    "too many cells": ("tasks", TASK_HEAD + "T0100,A,b,c,open,,,1,extra\r\n", [(2, "#9")]),
    "too few cells": ("tasks", TASK_HEAD + "T0100,A,b\r\n", [(2, "steward")]),
    "unknown column": ("tasks", "id,title,colour\r\nT0100,A,red\r\n", [(1, "colour")]),
    "duplicate column": ("tasks", "id,title,title\r\nT0100,A,B\r\n", [(1, "title")]),
    "missing required column": ("tasks", "id,timeframe\r\nT0100,soon\r\n", [(1, "title")]),
    "duplicate id": ("tasks", TASK_HEAD + "T0100,A,,,open,,,1\r\nT0100,B,,,open,,,1\r\n",
                     [(3, "id")]),
    "broken quoting": ("tasks", TASK_HEAD + 'T0100,"A,,,open,,,1\r\n', [(2, "")]),
    "empty file": ("tasks", "", [(1, "")]),
    "blank lines before a bad header": ("tasks", "\r\n\r\nid,colour\r\nT0100,red\r\n",
                                        [(3, "colour"), (3, "title")]),
    "a value under a nameless column": ("tasks", "id,title,\r\nT0100,A,\r\nT0101,B,x\r\n",
                                        [(3, "#3")]),
    "bad date": ("contacts", CONTACT_HEAD + "N1,Ana,lawyer,care,,,,,crew,2026-13-01\r\n",
                 [(2, "verified_on")]),
    "unknown role": ("contacts", CONTACT_HEAD + "N1,Ana,judge,care,,,,,crew,\r\n", [(2, "role")]),
    "no audience": ("contacts", CONTACT_HEAD + "N1,Ana,lawyer,care,,,,,,\r\n",
                    [(2, "audience")]),
    "not utf-8": ("contacts", (CONTACT_HEAD + "N1,Ana,lawyer,care,,,,Caf\xe9,crew,\r\n")
                  .encode("latin-1"), [(2, "notes")]),
    "amount with too many decimals": (
        "ledger", LEDGER_HEAD + "1,2026-11-01,donation,12.345,USD,,,\r\n", [(2, "amount")]),
    "amount not a number": (
        "ledger", LEDGER_HEAD + "1,2026-11-01,donation,twelve,USD,,,\r\n", [(2, "amount")]),
    "negative donation": (
        "ledger", LEDGER_HEAD + "1,2026-11-01,donation,-5.00,USD,,,\r\n", [(2, "amount")]),
    "lower-case currency": (
        "ledger", LEDGER_HEAD + "1,2026-11-01,donation,5.00,usd,,,\r\n",
        [(2, "currency"), (2, "amount")]),
    "assert with a note": (
        "ledger", LEDGER_HEAD + "1,2026-11-01,assert,0.00,USD,,,why\r\n", [(2, "note")]),
    "failing assertion": (
        "ledger", LEDGER_HEAD + "900,2026-11-01,donation,5.00,EUR,,,\r\n"
        "90,2026-11-02,assert,6.00,EUR,,,\r\n", [(3, "amount")]),
    "mandate ends before it starts": (
        "roles", "id,role,holder,starts,ends\r\n1,comms,Rafa,2026-11-20,2026-11-10\r\n",
        [(2, "ends")]),
    "several bad rows at once": (
        "tasks", TASK_HEAD + "T0100,A,,,open,,,1\r\nT0101,,,,open,,,1\r\n"
        "T0102,C,,,doing,,,1\r\n\r\nT0103,D,,,open,,,0\r\nT0104,E,,,open,,,1,x\r\n",
        [(3, "title"), (4, "status"), (6, "rev"), (7, "#9")]),
    "a bad header and bad rows at once": (
        "tasks", "id,timeframe,colour\r\nT0100,soon,red\r\nT01,soon,red\r\n",
        [(1, "title"), (1, "colour"), (3, "id")]),
    "line numbers count quoted line breaks": (
        "tasks", TASK_HEAD + 'T0100,"two\r\nlines",,,open,,,1\r\nT0101,B,,,nope,,,1\r\n',
        [(4, "status")]),
}


def _snapshot(rec: Record) -> dict:
    tables = ("contacts", "tasks", "ledger", "ledger_assertions", "roles")
    return {"events": count_events(rec),
            **{t: [tuple(r) for r in rec.query(f"SELECT * FROM {t} ORDER BY id")] for t in tables}}


@pytest.fixture(scope="module")
def loaded_record(tmp_path_factory):
    """A record holding the sample rows (in memory, shared by the malformed-file cases)."""
    rec = Record.open(":memory:")
    for table in SAMPLE_TABLES:
        import_file(rec, table, samples_dir() / f"{table}.csv")
    yield rec
    rec.close()


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_file_names_line_and_column_and_changes_nothing(tmp_path, loaded_record, case):
    table, content, expected = MALFORMED[case]
    path = tmp_path / f"{table}.csv"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    before = _snapshot(loaded_record)
    with pytest.raises(ImportFailed) as err:
        import_file(loaded_record, table, path)
    problems = err.value.problems
    assert sorted((p.line, p.column) for p in problems) == sorted(expected)
    assert all(p.file == str(path) and p.problem for p in problems)
    text = err.value.user_message()
    assert f"{path}:{expected[0][0]}:" in text and "nothing was imported" in text
    assert _snapshot(loaded_record) == before


def test_an_import_that_breaks_a_recorded_assertion_is_refused(tmp_path, loaded_record):
    path = tmp_path / "more.csv"
    path.write_text(LEDGER_HEAD + ",2026-10-15,expense,10.00,USD,Taxi,,\r\n", encoding="utf-8")
    before = _snapshot(loaded_record)
    with pytest.raises(ImportFailed) as err:
        import_file(loaded_record, "ledger", path)
    (problem,) = err.value.problems
    assert problem.line == 2 and problem.column == "amount"
    assert "off by -10.00" in problem.problem
    assert _snapshot(loaded_record) == before


# -- ids: update rather than duplicate, number new rows ------------------------------------
def test_reimport_with_a_changed_row_updates_it_with_one_event(tmp_path):
    rows = [{"id": f"T000{i}", "title": f"Task {i}", "timeframe": "", "steward": "",
             "status": "open", "after_action": "", "shadow_crew": "", "rev": "1"}
            for i in range(1, 4)]
    path, _ = _file(tmp_path, "t.csv", "tasks", rows)
    with Record.open(":memory:") as rec:
        first = import_file(rec, "tasks", path)
        assert (first.inserted, first.updated, first.unchanged) == (3, 0, 0)
        rows[1] = {**rows[1], "status": "done", "rev": "1"}
        path, _ = _file(tmp_path, "t2.csv", "tasks", rows)
        events = count_events(rec)
        second = import_file(rec, "tasks", path)
        assert (second.inserted, second.updated, second.unchanged) == (0, 1, 2)
        assert count_events(rec) == events + 1
        row = rec.query_one("SELECT status, rev FROM tasks WHERE id = 'T0002'")
        assert tuple(row) == ("done", 2)
        assert rec.query_one("SELECT count(*) FROM tasks")[0] == 3
        event = rec.query_one("SELECT source_kind, source, action, before, after FROM events"
                              " ORDER BY id DESC LIMIT 1")
        assert tuple(event)[:3] == ("import", str(path), "update")
        assert json.loads(event["before"])["status"] == "open"
        assert json.loads(event["after"])["status"] == "done"


def test_rows_without_an_id_are_numbered_after_the_existing_ones(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("id,title\nT0007,Seven\n,New one\n,New two\n", encoding="utf-8")
    cpath = tmp_path / "c.csv"
    cpath.write_text("name,role,ring,audience\nAna,lawyer,care,crew\n", encoding="utf-8")
    with Record.open(":memory:") as rec:
        import_file(rec, "tasks", path)
        import_file(rec, "contacts", cpath)
        assert [r[0] for r in rec.query("SELECT id FROM tasks ORDER BY id")] == \
            ["T0007", "T0008", "T0009"]
        assert rec.query_one("SELECT id FROM contacts")[0] == "C0001"


def test_json_export_has_numbers_and_minor_units(sample_kit):
    with sample_kit.open_record() as rec:
        rows = export_json(rec, "ledger")
        tasks = export_json(rec, "tasks")
    transfer = next(r for r in rows if r["amount"] == "-150.00")
    assert transfer["amount_minor"] == -15000 and isinstance(transfer["id"], int)
    assert any(r["kind"] == "assert" for r in rows)
    assert tasks[0]["rev"] == 1 and tasks[0]["id"] == "T0001"


def test_a_killed_import_leaves_the_record_intact(tmp_path):
    """The process dies (os._exit, no rollback, no cleanup) halfway through the writes."""
    db = tmp_path / "record.sqlite"
    Record.open(db).close()
    script = textwrap.dedent(f"""
        import os
        from paperkit.record import Record, db
        from paperkit.record.csvio import import_file
        calls = []
        real = db.Writer.insert
        def dying_insert(self, table, values):
            calls.append(1)
            if len(calls) == 10:
                os._exit(9)
            return real(self, table, values)
        db.Writer.insert = dying_insert
        rec = Record.open({str(db)!r})
        import_file(rec, "contacts", {str(samples_dir() / 'contacts.csv')!r})
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 9, proc.stderr
    with Record.open(db) as rec:
        assert rec.query_one("SELECT count(*) FROM contacts")[0] == 0
        assert count_events(rec) == 0
        import_file(rec, "contacts", samples_dir() / "contacts.csv")  # a re-run finishes it
        assert rec.query_one("SELECT count(*) FROM contacts")[0] == 40


def test_import_source_names_the_file(tmp_path):
    path, _ = _file(tmp_path, "roles.csv", "roles", [
        {"id": "1", "role": "comms", "holder": "Rafa", "starts": "2026-11-01",
         "ends": "2026-11-14", "rev": "1"}])
    with Record.open(":memory:") as rec:
        import_file(rec, "roles", path)
        assert tuple(rec.query_one("SELECT source_kind, source FROM events")) == \
            ("import", str(path))
        import_file(rec, "roles", path, source=Source("demo", "sample"))
        assert count_events(rec) == 1  # identical rows change nothing


def test_a_role_without_an_end_lasts_one_rotation(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("role,holder,starts\ncomms,Rafa,2026-11-20\n", encoding="utf-8")
    with Record.open(":memory:") as rec:
        import_file(rec, "roles", path, rotation_days=14)
        assert rec.query_one("SELECT ends FROM roles")[0] == "2026-12-03"


def test_columns_of_every_table_are_exported_in_order(sample_kit):
    with sample_kit.open_record() as rec:
        for table in SAMPLE_TABLES:
            head = export_csv_text(rec, table).split("\r\n", 1)[0]
            assert head.split(",") == list(COLUMNS[table])


@HYP
@given(rows=task_rows(), delimiter=st.sampled_from([",", ";", "\t"]),
       newline=st.sampled_from(["\r\n", "\n"]), bom=st.booleans(),
       quote_all=st.booleans())
def test_any_dialect_of_the_same_rows_imports_to_the_same_export(tmp_path, rows, delimiter,
                                                                 newline, bom, quote_all):
    _, canonical = _file(tmp_path, "canonical.csv", "tasks", rows)
    buf = io.StringIO(newline="")
    # Python's writer with an LF terminator leaves a lone CR unquoted (spreadsheets quote
    # it), so LF files here quote every cell, as LibreOffice's "quote all text cells" does.
    quoting = csv.QUOTE_ALL if quote_all or newline == "\n" else csv.QUOTE_MINIMAL
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=newline, quoting=quoting)
    writer.writerows(csv.reader(io.StringIO(canonical, newline="")))
    path = tmp_path / "dialect.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8"))
    with Record.open(":memory:") as rec:
        import_file(rec, "tasks", path)
        assert export_csv_text(rec, "tasks") == canonical


def test_export_with_a_bom_imports_back(tmp_path, sample_kit):
    with sample_kit.open_record() as rec:
        text = export_csv_text(rec, "contacts", bom=True)
    assert text.startswith("\ufeff")
    path = tmp_path / "contacts.csv"
    path.write_bytes(text.encode("utf-8"))
    with Record.open(":memory:") as rec:
        import_file(rec, "contacts", path)
        assert export_csv_text(rec, "contacts") == text[1:]


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


@pytest.mark.parametrize("table, full, part, kept", [
    ("tasks", "id,title,timeframe,steward,status,shadow_crew\n"
              "T0009,Buy water,by Friday,Ana,done,\"Kai, Salma\"\n",
     "id,title\nT0009,Renamed\n",
     {"timeframe": "by Friday", "steward": "Ana", "status": "done", "shadow_crew": "Kai, Salma"}),
    ("contacts", "id,name,role,ring,audience,phone,notes,verified_on\n"
                 "C0001,Ana,lawyer,witness,public,555-0101,24/7,2026-11-22\n",
     "id,name,role,ring,audience\nC0001,Ana,lawyer,witness,crew\n",
     {"phone": "555-0101", "notes": "24/7", "verified_on": "2026-11-22"}),
    ("ledger", "id,date,kind,amount,currency,counterparty,person,note\n"
               "1,2026-01-01,donation,10.00,USD,Bank,P1,first\n",
     "id,date,kind,amount,currency\n1,2026-01-02,donation,12.00,USD\n",
     {"counterparty": "Bank", "person": "P1", "note": "first"}),
    ("roles", "id,role,holder,starts,ends\n1,comms,Ana,2026-01-01,2026-03-01\n",
     "id,role,holder,starts\n1,comms,Bo,2026-01-02\n", {"ends": "2026-03-01"}),
])
def test_an_import_without_some_columns_keeps_their_stored_values(tmp_path, table, full,
                                                                  part, kept):
    """Regression (data loss): a file with only some of the columns reset the rows it
    updated in the others (a task done went back to open, a contact's phone was wiped):
    a column the file leaves out now keeps the stored value."""
    with Record.open(":memory:") as rec:
        import_file(rec, table, _write(tmp_path, "full.csv", full))
        result = import_file(rec, table, _write(tmp_path, "part.csv", part))
        assert (result.inserted, result.updated) == (0, 1)
        (row,) = export_json(rec, table)
        for col, value in kept.items():
            stored = row[col] if col != "amount" else row["amount_minor"]
            assert stored == value, (col, row)


def test_a_mandate_updated_without_its_end_may_not_end_before_it_starts(tmp_path):
    with Record.open(":memory:") as rec:
        import_file(rec, "roles", _write(tmp_path, "r.csv", "id,role,holder,starts,ends\n"
                                                         "1,comms,Ana,2026-01-01,2026-01-14\n"))
        with pytest.raises(ImportFailed, match="would end"):
            import_file(rec, "roles", _write(tmp_path, "s.csv", "id,role,holder,starts\n"
                                                             "1,comms,Ana,2026-02-01\n"))


@pytest.mark.parametrize("table, text", [
    ("ledger", "id,date,kind,amount,currency,counterparty,person,note\n"
               ",2026-01-01,donation,10.00,USD,First,,\n1,2026-01-02,donation,20.00,USD,Second,,\n"),
    ("roles", "id,role,holder,starts,ends\n,comms,First,2026-01-01,2026-01-10\n"
              "1,care,Second,2026-01-01,2026-01-10\n"),
])
def test_a_new_row_never_takes_an_id_a_later_row_of_the_file_names(tmp_path, table, text):
    """Regression (data loss): a row with no id took id 1 from SQLite, and the file's
    later row with id 1 then overwrote it ("1 new, 1 updated")."""
    with Record.open(":memory:") as rec:
        result = import_file(rec, table, _write(tmp_path, "f.csv", text))
        assert (result.inserted, result.updated) == (2, 0)
        names = {r.get("counterparty") or r.get("holder") for r in export_json(rec, table)}
        assert names == {"First", "Second"}


def test_a_utf16_file_is_named_as_such(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("id,title\nT0001,x\n".encode("utf-16"))
    with Record.open(":memory:") as rec, pytest.raises(ImportFailed, match="UTF-16"):
        import_file(rec, "tasks", path)


def test_a_new_task_after_the_highest_id_a_task_takes_gets_the_lowest_free_one(tmp_path):
    """After T99999999 (written by hand), import numbered a new row T100000000, which no
    import takes back: the kit's export no longer imported (a red team, the fortieth
    session). It takes the lowest free number, as 'task add' does."""
    text = "id,title\nT99999999,Last\nT0001,First\n,New one\n,New two\n"
    with Record.open(":memory:") as rec:
        import_file(rec, "tasks", _write(tmp_path, "t.csv", text))
        ids = sorted(r["id"] for r in export_json(rec, "tasks"))
        assert ids == ["T0001", "T0002", "T0003", "T99999999"]
        again = tmp_path / "again.csv"
        again.write_text(export_csv_text(rec, "tasks"), encoding="utf-8")
        with Record.open(":memory:") as other:
            assert import_file(other, "tasks", again).inserted == 4


def test_paperkits_own_json_export_is_named_as_such(tmp_path, loaded_record):
    """Importing what 'export --format json' wrote gave 241 lines of column and cell
    problems (a red team, the fortieth session); it is one line now."""
    from paperkit.record.csvio import export_json_text

    path = tmp_path / "tasks.json"
    path.write_text(export_json_text(loaded_record, "tasks"), encoding="utf-8")
    with Record.open(":memory:") as rec, pytest.raises(ImportFailed) as err:
        import_file(rec, "tasks", path)
    (problem,) = err.value.problems
    assert problem.problem.startswith("the file is JSON")
    assert "'paperkit export tasks --format csv'" in problem.problem


def test_a_binary_file_or_an_overlong_cell_is_one_plain_problem(tmp_path):
    """Random bytes gave 52 lines of junk column names, and a 2,000,000-character cell was
    called broken quoting (red team, round six)."""
    import random

    binary = tmp_path / "bin.csv"
    rng = random.Random(1)
    binary.write_bytes(bytes(rng.randrange(256) for _ in range(3000)))
    long = tmp_path / "long.csv"
    long.write_text("id,title\n," + "y" * 200_000 + "\n")
    with Record.open(":memory:") as rec:
        for path, says in ((binary, "the file is not CSV text"),
                           (long, "a cell is longer than the 131,072 characters")):
            with pytest.raises(ImportFailed) as err:
                import_file(rec, "tasks", path)
            (problem,) = err.value.problems
            assert says in str(problem) and "column ''" not in str(problem)


def test_an_old_export_never_undoes_a_later_change_to_a_task(tmp_path):
    """Regression: a tasks file exported before a scan (or the kiosk) changed a task,
    edited offline and imported, silently put the task back as it was. Its row's rev is
    older than the record's: the import fails naming it, unless the rev cell is emptied;
    an old row identical to the record, or one for an unchanged task, is fine."""
    head = "id,title,status,rev\n"
    with Record.open(":memory:") as rec:
        import_file(rec, "tasks", _write(tmp_path, "a.csv", head + "T0001,Water,open,1\n"
                                                                  "T0002,Hall,open,1\n"))
        with rec.write(Source("scan", "abc")) as w:  # a scan applies done to T0001
            w.update("tasks", "T0001", {"status": "done"})
        old = head + "T0001,Water (edited),open,1\nT0002,Hall (edited),open,1\n"
        with pytest.raises(ImportFailed) as err:
            import_file(rec, "tasks", _write(tmp_path, "old.csv", old))
        (problem,) = err.value.problems
        assert (problem.line, problem.column) == (2, "rev")
        assert "changed in the record after this file was exported" in problem.problem
        assert rec.query_one("SELECT status FROM tasks WHERE id = 'T0001'")[0] == "done"
        same = head + "T0001,Water,done,1\n"  # old rev, but it changes nothing
        assert import_file(rec, "tasks", _write(tmp_path, "same.csv", same)).unchanged == 1
        forced = head + "T0001,Water (edited),open,\n"  # an empty rev writes it over
        assert import_file(rec, "tasks", _write(tmp_path, "f.csv", forced)).updated == 1
        assert rec.query_one("SELECT status FROM tasks WHERE id = 'T0001'")[0] == "open"
