"""What a spreadsheet does to an exported sheet before it comes back, and what import says:
error values and numbers in place of phones, letters saved as '?', a re-saved sheet whose new
rows went in already, an emptied status, Excel's 'sep=' line, and the rows a file leaves out.
Each was found by an audit of spreadsheet round trips, where it went in silently wrong."""

from __future__ import annotations

import json

import pytest

from paperkit.errors import AlreadyImported, ImportFailed, LikelyDuplicate
from paperkit.record import Record, Source
from paperkit.record.csvio import export_csv_text, export_json, import_file
from paperkit.record.events import count_events

CONTACTS = ("id,name,role,ring,micro_role,phone,languages,notes,audience,verified_on\n"
            "C0001,Ana Ferreira,lawyer,witness,,555-0101,en,,public,\n"
            "C0002,Jonas Berg,medic,dispatch,,0049301234567,de,,crew,\n"
            "C0003,Rafa Molina,press,witness,,+447700900124,en,,crew,\n"
            "C0004,ليلى حداد,family,care,,555-0104,ar,تتحدث العربية,crew,\n"
            "C0005,Nguyễn Thị Lan,other,care,,555-0105,vi,,crew,\n")
TASKS = ("id,title,timeframe,steward,status,after_action,shadow_crew,rev\n"
         "T0001,Book the hall,,Ana,open,,,1\n"
         "T0005,Pack the medic bags,,Jonas,stuck,,,1\n")
LEDGER_HEAD = "id,date,kind,amount,currency,counterparty,person,note\n"
LEDGER = (LEDGER_HEAD + "1,2026-11-01,donation,100.00,USD,Bank,,first\n"
          "2,2026-11-02,expense,10.00,USD,Taxi,,\n"
          "1,2026-11-03,assert,90.00,USD,,,\n")
ROLES = "id,role,holder,starts,ends\n1,comms,Ana,2026-11-01,2026-12-31\n"
BASE = {"contacts": CONTACTS, "tasks": TASKS, "ledger": LEDGER, "roles": ROLES}


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


@pytest.fixture
def rec(tmp_path):
    """A record holding the rows of BASE, in memory."""
    record = Record.open(":memory:")
    for table, text in BASE.items():
        import_file(record, table, _write(tmp_path, f"base-{table}.csv", text))
    yield record
    record.close()


def _edited(table: str, key: str, col: str, value: str) -> str:
    """BASE's file of ``table`` with one cell changed (no cell here holds a comma)."""
    lines = BASE[table].splitlines()
    head = lines[0].split(",")
    for i, line in enumerate(lines[1:], 1):
        cells = line.split(",")
        if cells[0] == key:
            cells[head.index(col)] = value
            lines[i] = ",".join(cells)
    return "\n".join(lines) + "\n"


def _refused(rec, tmp_path, table: str, text: str) -> list:
    """Import ``text`` expecting ImportFailed and no change: the problems."""
    before = (count_events(rec), export_csv_text(rec, table))
    with pytest.raises(ImportFailed) as err:
        import_file(rec, table, _write(tmp_path, "edited.csv", text))
    assert (count_events(rec), export_csv_text(rec, table)) == before
    assert "nothing was imported" in err.value.user_message()
    return err.value.problems


# -- 1. Excel's error values, '####', and phones read as numbers ------------------------------
@pytest.mark.parametrize("value", ["#NULL!", "#NAME?", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!",
                                   "#N/A", "########", "Err:502"])
@pytest.mark.parametrize("col", ["phone", "name", "notes"])
def test_a_spreadsheet_error_value_is_refused_not_stored(rec, tmp_path, value, col):
    """Regression: '#NULL!' (what Excel writes for '+1 555-0103' once its apostrophe is
    gone), '#NAME?', '########' (a column too narrow) were stored, even as a name."""
    (problem,) = _refused(rec, tmp_path, "contacts", _edited("contacts", "C0001", col, value))
    assert (problem.line, problem.column) == (2, col)
    assert repr(value) in problem.problem
    assert "format it as Text" in problem.problem or "format the column as Text" in problem.problem


def test_null_names_the_formula_a_phone_became(rec, tmp_path):
    (problem,) = _refused(rec, tmp_path, "contacts", _edited("contacts", "C0001", "phone",
                                                             "#NULL!"))
    assert "'+1 555-0103'" in problem.problem and "apostrophe" in problem.problem


def test_an_error_value_in_a_new_row_and_other_tables_is_refused_too(rec, tmp_path):
    problems = _refused(rec, tmp_path, "tasks", TASKS + ",#REF!,soon,#N/A,open,,,\n")
    assert sorted((p.line, p.column) for p in problems) == [(4, "steward"), (4, "title")]
    problems = _refused(rec, tmp_path, "ledger", LEDGER + ",2026-11-04,donation,#VALUE!,USD,,,\n")
    assert [(p.line, p.column) for p in problems] == [(5, "amount")]
    assert "spreadsheet's error value" in problems[0].problem  # not 'is not an amount'


def test_a_value_the_record_holds_exports_and_imports_back(rec, tmp_path):
    """Not every '#N/A' comes from a spreadsheet: one a person wrote (at the command line,
    say) is in the record, and an export of the record imports back unchanged."""
    with rec.write(Source("cli", "paperkit test")) as w:
        w.update("contacts", "C0001", {"notes": "#N/A", "phone": "1.55501E+10"})
    exported = _write(tmp_path, "contacts.csv", export_csv_text(rec, "contacts"))
    assert import_file(rec, "contacts", exported).unchanged == 5
    moved = export_csv_text(rec, "contacts").replace("C0002,Jonas Berg,medic,dispatch,,"
                                                     "0049301234567,de,",
                                                     "C0002,Jonas Berg,medic,dispatch,,"
                                                     "0049301234567,#N/A,")
    (problem,) = _refused(rec, tmp_path, "contacts", moved)  # but not in another cell
    assert (problem.line, problem.column) == (3, "languages")


@pytest.mark.parametrize("value", ["1.55501E+10", "4.4770E+11", "5.55E+09",
                                   '"1,55501E+10"'])  # a decimal comma, quoted
def test_a_phone_in_scientific_notation_is_refused(rec, tmp_path, value):
    (problem,) = _refused(rec, tmp_path, "contacts", _edited("contacts", "C0001", "phone", value))
    assert (problem.line, problem.column) == (2, "phone")
    assert "scientific notation" in problem.problem and "lost its last digits" in problem.problem
    assert "format the phone column as Text" in problem.problem
    new_row = CONTACTS + f",Eli Moss,medic,care,,{value},,,crew,\n"  # a new row as well
    assert [p.line for p in _refused(rec, tmp_path, "contacts", new_row)] == [7]


@pytest.mark.parametrize("key, stored, read, lost", [
    ("C0002", "0049301234567", "49301234567", "zero"),
    ("C0003", "+447700900124", "447700900124", "plus"),
])
def test_a_phone_that_lost_its_leading_zero_or_plus_is_refused(rec, tmp_path, key, stored,
                                                               read, lost):
    (problem,) = _refused(rec, tmp_path, "contacts", _edited("contacts", key, "phone", read))
    assert problem.column == "phone"
    assert problem.problem.startswith(f"{key}: '{read}' is the stored '{stored}' without its"
                                      f" leading {lost}")
    assert "format the phone column as Text" in problem.problem


def test_phones_a_person_changed_import_as_ever(rec, tmp_path):
    text = _edited("contacts", "C0001", "phone", "5551234567")
    text = text.replace("0049301234567", "0049301234568").replace("+447700900124", "")
    text += ",Eli Moss,medic,care,,49301234567,,,crew,\n"  # a new row: no stored phone
    result = import_file(rec, "contacts", _write(tmp_path, "ok.csv", text))
    assert (result.inserted, result.updated) == (1, 3)
    phones = {r["id"]: r["phone"] for r in export_json(rec, "contacts")}
    assert phones == {"C0001": "5551234567", "C0002": "0049301234568", "C0003": "",
                      "C0004": "555-0104", "C0005": "555-0105", "C0006": "49301234567"}


# -- 2. letters saved as '?' ------------------------------------------------------------------
@pytest.mark.parametrize("table, key, col, stored, saved", [
    ("contacts", "C0004", "name", "ليلى حداد", "???? ????"),
    ("contacts", "C0004", "notes", "تتحدث العربية", "????? ???????"),
    ("contacts", "C0005", "name", "Nguyễn Thị Lan", "Nguy?n Th? Lan"),
])
def test_letters_a_windows_csv_save_turned_into_question_marks_are_refused(
        rec, tmp_path, table, key, col, stored, saved):
    """Regression: Excel's 'CSV (Comma delimited)' writes letters its code page lacks as
    '?'; the file is still valid UTF-8, and '???? ????' replaced the name."""
    (problem,) = _refused(rec, tmp_path, table, _edited(table, key, col, saved))
    assert problem.column == col
    assert problem.problem.startswith(f"{key}: {col} '{saved}' is the stored '{stored}' with"
                                      " letters replaced by '?'")
    assert "save it as 'CSV UTF-8'" in problem.problem


def test_a_whole_sheet_saved_in_windows_1252_names_each_row(rec, tmp_path):
    saved = CONTACTS.encode("cp1252", errors="replace").decode("cp1252")
    problems = _refused(rec, tmp_path, "contacts", saved)
    assert sorted((p.line, p.column) for p in problems) == [(5, "name"), (5, "notes"),
                                                            (6, "name")]


def _as_cp1252(text: str) -> str:
    """``text`` as a spreadsheet that opened its UTF-8 as Windows-1252 shows it."""
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b)
                   for b in text.encode("utf-8"))


def test_a_sheet_opened_as_windows_1252_and_saved_back_as_utf8_is_refused(rec, tmp_path):
    """Excel opens a CSV with no byte-order mark in its code page; saved back as 'CSV UTF-8'
    every accented letter is two or three others ('Nguyá»…n'), and the import rewrote the
    names with nothing said (a red team, the fortieth session)."""
    problems = _refused(rec, tmp_path, "contacts", _as_cp1252(CONTACTS))
    assert sorted((p.line, p.column) for p in problems) == [(5, "name"), (5, "notes"),
                                                            (6, "name")]
    assert all("read as Windows-1252" in p.problem and "--bom" in p.problem
               for p in problems)
    twice = _refused(rec, tmp_path, "contacts", _as_cp1252(_as_cp1252(CONTACTS)))
    assert len(twice) == 3


def test_a_stored_contact_id_written_otherwise_is_refused_not_added_again(rec, tmp_path):
    """'c0001' or 'C1' for C0001 added a second contact (and a private one's name then
    printed as the public duplicate's: a red team, the fortieth session)."""
    head = CONTACTS.splitlines()[0]
    text = (f"{head}\nc0001,Ana Ferreira,lawyer,witness,,555-0101,en,,public,\n"
            "C5,Nguyễn Thị Lan,other,care,,555-0105,vi,,crew,\n"
            "C0009,Eli Moss,medic,care,,555-0109,,,crew,\n")
    problems = _refused(rec, tmp_path, "contacts", text)
    assert [(p.line, p.column) for p in problems] == [(2, "id"), (3, "id")]
    assert problems[0].problem == ("'c0001' is not a contact id the record holds, but C0001"
                                   " is: write C0001 to change that contact, or another id"
                                   " to add one")


def test_a_question_mark_a_person_typed_imports(rec, tmp_path):
    text = _edited("contacts", "C0001", "notes", "call first?")
    text = text.replace("Nguyễn Thị Lan", "Nguyễn Thị Lan?")  # beside the letters, kept
    text += ",????,other,care,,,,,crew,\n"  # a new row: nothing to compare with
    result = import_file(rec, "contacts", _write(tmp_path, "ok.csv", text))
    assert (result.inserted, result.updated) == (1, 2)


# -- 3. a re-saved sheet's new rows, and a file without its id column -------------------------
NEW_LEDGER_ROWS = [",2026-12-05,donation,40.00,USD,Bake sale,,Dec bake sale,",
                   ",2026-12-06,expense,12.00,USD,Print shop,,flyers,"]


@pytest.mark.parametrize("resave", [
    lambda t: t.replace("\r\n", "\n"),
    lambda t: t.replace("40.00", "40"),
    lambda t: t.replace("flyers", "flyers (A5)"),
], ids=["crlf-to-lf", "40.00-to-40", "one-note-fixed"])
def test_a_resaved_sheet_does_not_add_its_new_rows_again(rec, tmp_path, resave):
    """Regression: a sheet with two new ledger rows, imported, then saved again by the
    spreadsheet (other bytes), added both rows a second time."""
    sheet = export_csv_text(rec, "ledger") + "\r\n".join(NEW_LEDGER_ROWS) + "\r\n"
    path = _write(tmp_path, "ledger.csv", sheet)
    assert import_file(rec, "ledger", path).inserted == 2
    path.write_text(resave(sheet), encoding="utf-8", newline="")
    before = (count_events(rec), export_csv_text(rec, "ledger"))
    with pytest.raises(LikelyDuplicate) as err:
        import_file(rec, "ledger", path)
    assert (count_events(rec), export_csv_text(rec, "ledger")) == before
    assert isinstance(err.value, AlreadyImported)
    message = err.value.user_message()
    assert "line 5 matches #3" in message and "--again" in message
    assert not err.value.id_column_missing
    assert import_file(rec, "ledger", path, again=True).inserted == 2


def test_the_refusal_names_a_few_rows_and_counts_the_others(rec, tmp_path):
    rows = "".join(f",Task {i},,,open,,,\n" for i in range(8))
    path = _write(tmp_path, "new.csv", "id,title,timeframe,steward,status,after_action,"
                                       "shadow_crew,rev\n" + rows)
    import_file(rec, "tasks", path)
    path.write_text(path.read_text(encoding="utf-8").replace("\n", "\r\n"), encoding="utf-8",
                    newline="")
    with pytest.raises(LikelyDuplicate) as err:
        import_file(rec, "tasks", path)
    assert "8 new row(s) of" in str(err.value)
    assert ("(line 2 matches T0006, line 3 matches T0007, line 4 matches T0008, line 5"
            " matches T0009, line 6 matches T0010 and 3 more)") in str(err.value)
    assert len(err.value.matches) == 8 and err.value.matches[0] == (2, "T0006")


@pytest.mark.parametrize("table", ["contacts", "tasks", "ledger", "roles"])
def test_a_file_without_its_id_column_does_not_add_the_table_again(rec, tmp_path, table):
    """Regression: an organiser deleted the id column; every row went in as a new one."""
    exported = export_csv_text(rec, table).split("\r\n")
    text = "\r\n".join(line.split(",", 1)[1] for line in exported if line) + "\r\n"
    before = (count_events(rec), export_csv_text(rec, table))
    with pytest.raises(LikelyDuplicate) as err:
        import_file(rec, table, _write(tmp_path, "noid.csv", text))
    assert (count_events(rec), export_csv_text(rec, table)) == before
    assert err.value.id_column_missing
    assert "has no id column" in str(err.value)
    assert "export the table again and keep its id column" in err.value.hint


def test_new_rows_unlike_any_in_the_record_import_as_ever(rec, tmp_path):
    sheet = export_csv_text(rec, "ledger") + "\r\n".join(NEW_LEDGER_ROWS) + "\r\n"
    assert import_file(rec, "ledger", _write(tmp_path, "a.csv", sheet)).inserted == 2
    other = LEDGER_HEAD + ",2026-12-05,donation,40.00,USD,Bake sale,,Dec bake sale (2)\n"
    assert import_file(rec, "ledger", _write(tmp_path, "b.csv", other)).inserted == 1
    # two identical new rows in one file, neither in the record: both go in
    twice = "title,steward\nCall the lawyer,Bo\nCall the lawyer,Bo\n"
    assert import_file(rec, "tasks", _write(tmp_path, "c.csv", twice)).inserted == 2


def test_a_truly_repeated_entry_needs_again(run, kit, tmp_path):
    k = ("--kit", str(kit.path))
    first = _write(tmp_path, "a.csv", LEDGER_HEAD + ",2026-12-01,donation,20.00,USD,Cash box,,\n")
    second = _write(tmp_path, "b.csv", LEDGER_HEAD + ",2026-12-01,donation,20.00,USD,Cash box,,"
                                                     "\n,2026-12-02,donation,5.00,USD,Stall,,\n")
    assert run(*k, "import", "ledger", str(first))[0] == 0
    code, out, err = run(*k, "import", "ledger", str(second))
    assert code == 2 and out == ""
    assert f"1 new row(s) of {second} (an empty id) are, in every column the file gives, rows"\
           " the record holds (line 2 matches #1)" in err
    assert "run the same command with --again" in err
    code, out, err = run(*k, "import", "ledger", str(second), "--again", "--json")
    assert code == 0 and json.loads(out)["inserted"] == 2, err


def test_two_imports_of_one_sheet_saved_twice_add_its_rows_once(tmp_path, import_meanwhile):
    """The content check is made inside the write transaction: an import of the other
    save that commits while this one reads and checks its file is seen."""
    path = tmp_path / "record.sqlite"
    first_save = _write(tmp_path, "a.csv", "title,steward\nBook the hall,Ana\n")
    second_save = _write(tmp_path, "b.csv", "title,steward\r\nBook the hall,Ana\r\n")
    first, second = Record.open(path), Record.open(path)
    with pytest.raises(LikelyDuplicate):
        import_meanwhile(first, "tasks", first_save, second, second_save)
    assert first.query_one("SELECT count(*) FROM tasks")[0] == 1
    first.close()
    second.close()


# -- 4. an emptied cell whose column has a default --------------------------------------------
def test_an_emptied_status_does_not_reopen_a_task(rec, tmp_path):
    """Regression: an empty status cell took the default, and T0005 went from stuck to
    open without a word."""
    (problem,) = _refused(rec, tmp_path, "tasks", _edited("tasks", "T0005", "status", ""))
    assert (problem.line, problem.column) == (3, "status")
    assert problem.problem == ("T0005: status is empty (it is stuck now): write the status, or"
                               " leave the column out to keep it")


def test_an_emptied_status_that_changes_nothing_and_a_new_rows_default_import(rec, tmp_path):
    text = _edited("tasks", "T0001", "status", "") + ",A new task,,,,,,\n"
    result = import_file(rec, "tasks", _write(tmp_path, "ok.csv", text))
    assert (result.inserted, result.updated, result.unchanged) == (1, 0, 2)
    statuses = {r["id"]: r["status"] for r in export_json(rec, "tasks")}
    assert statuses == {"T0001": "open", "T0005": "stuck", "T0006": "open"}
    no_status = "id,title\nT0005,Pack the medic bags (2 extra)\n"  # the column left out
    assert import_file(rec, "tasks", _write(tmp_path, "keep.csv", no_status)).updated == 1
    assert rec.query_one("SELECT status FROM tasks WHERE id = 'T0005'")[0] == "stuck"


def test_an_emptied_end_does_not_shorten_a_mandate(rec, tmp_path):
    """The other column whose empty cell takes a default: a mandate's end (one rotation)."""
    (problem,) = _refused(rec, tmp_path, "roles", _edited("roles", "1", "ends", ""))
    assert (problem.line, problem.column) == (2, "ends")
    assert problem.problem == ("#1: ends is empty (it is 2026-12-31 now): write the ends, or"
                               " leave the column out to keep it")


# -- 5. Excel's 'sep=' line -------------------------------------------------------------------
@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_an_excel_sep_line_names_the_delimiter(rec, tmp_path, delimiter):
    """Regression: 'sep=;' was read as the header, and every column was unknown."""
    text = f"sep={delimiter}\r\n" + ROLES.replace(",", delimiter).replace("\n", "\r\n")
    text += delimiter.join(["", "care", "Bo", "2026-11-02", "2026-11-20"]) + "\r\n"
    result = import_file(rec, "roles", _write(tmp_path, "roles.csv", text))
    assert (result.inserted, result.unchanged) == (1, 1)


def test_lines_after_a_sep_line_keep_their_numbers(rec, tmp_path):
    text = "sep=;\n" + "id;title\nT0001;Book the hall\nT0002;\n"
    (problem,) = _refused(rec, tmp_path, "tasks", text)
    assert (problem.line, problem.column) == (4, "title")


# -- 6. rows the file leaves out --------------------------------------------------------------
def test_an_import_counts_the_rows_it_kept_without_notice(rec, tmp_path):
    """Regression: a row deleted in the sheet stayed in the record without a word."""
    text = "\n".join(line for line in CONTACTS.splitlines() if not line.startswith("C0004"))
    result = import_file(rec, "contacts", _write(tmp_path, "c.csv", text + "\n"))
    assert (result.unchanged, result.not_in_file) == (4, 1)
    assert import_file(rec, "contacts", _write(tmp_path, "all.csv", CONTACTS)).not_in_file == 0
    only_new = "name,role,ring,audience\nEli Moss,medic,care,crew\n"  # adds; names no row
    assert import_file(rec, "contacts", _write(tmp_path, "n.csv", only_new)).not_in_file == 0
    entries = LEDGER_HEAD + "1,2026-11-01,donation,100.00,USD,Bank,,first\n"
    assert import_file(rec, "ledger", _write(tmp_path, "l.csv", entries)).not_in_file == 2


def test_the_import_command_says_which_rows_it_kept(run, kit, tmp_path):
    k = ("--kit", str(kit.path))
    assert run(*k, "import", "tasks", str(_write(tmp_path, "all.csv", TASKS)))[0] == 0
    part = _write(tmp_path, "part.csv", "id,title\nT0001,Book the big hall\n")
    code, out, err = run(*k, "import", "tasks", str(part))
    assert code == 0, err
    assert out.splitlines() == [
        f"imported {part} into tasks: 0 new, 1 updated, 0 unchanged",
        "1 row in the record is not in this file and was kept (import never deletes)",
        "1 updated row had no rev (no rev column, or an empty cell): it was written over the"
        " record without a check for changes made since the file was exported (keep the rev"
        " column export writes, to be warned of them)"]
    code, out, _ = run(*k, "import", "tasks", str(part), "--json")
    assert code == 0 and json.loads(out)["not_in_file"] == 1
    code, out, _ = run(*k, "import", "tasks", str(_write(tmp_path, "x.csv", "title\nNew\n")))
    assert code == 0 and "not in this file" not in out


# -- 7. a title above the header ----------------------------------------------------------------
@pytest.mark.parametrize("above", ["Tasks for March,,,\n", "Tasks for March\n\n",
                                   "Exported by Noor;;\nplease check\n"])
def test_a_title_above_the_header_is_named_as_such(rec, tmp_path, above):
    """Regression: a sheet with a title row above its header listed every column of the
    title as unknown and every row as the wrong length (8 problems for 2 rows), never that
    the header was on the next line. It now says where the header is and to delete what
    lies above it."""
    sep = ";" if ";" in above else ","
    text = above + f"id{sep}title{sep}status\n{sep}Buy tarps{sep}open\n"
    (problem,) = _refused(rec, tmp_path, "tasks", text)
    header_line = text.splitlines().index(f"id{sep}title{sep}status") + 1
    assert problem.line == 1
    assert f"header is on line {header_line}" in problem.problem and "delete" in problem.problem


def test_a_header_with_a_typo_is_still_named_column_by_column(rec, tmp_path):
    problems = _refused(rec, tmp_path, "tasks", "id,titel,status\n,Buy tarps,open\n")
    assert {p.column for p in problems} >= {"titel", "title"}
