"""CSV import and export for contacts, tasks, ledger and roles; JSON export.

The file format, which export writes and import reads back to the same rows:

- A header row naming the columns (``rows.COLUMNS``; import takes them in any order, and a
  missing optional column takes its default). UTF-8; import also takes a byte-order mark.
  Export writes CRLF line endings (RFC 4180) and ``,``; import takes CRLF or LF and sniffs
  ``,``, ``;`` or a tab from the header row, as Excel and LibreOffice write them. A first
  line ``sep=;`` (Excel's delimiter hint; ``sep=,``, ``sep=`` and a tab) names the
  delimiter and is skipped (line numbers still count it).
- The ledger file holds balance assertions as rows whose ``kind`` is ``assert``
  (see ``rows``). Export orders the ledger by date, entries before assertions, then id;
  roles by id; contacts and tasks by id length, then id (so T0999 comes before T10000).
- **Formula injection.** A spreadsheet runs a cell that starts with ``= + - @`` (or a tab
  or carriage return). Export puts one apostrophe before such a cell, and also before a
  cell that is apostrophes followed by one of those, so the rule can be undone exactly:
  import removes one leading apostrophe from a cell that is one or more apostrophes
  followed by one of those characters, and from no other cell. A plain negative number
  (``-12.50``, as ``format_amount`` writes a transfer out) is not a formula and is written
  as it is; import reads ``'-12.50`` as ``-12.50`` too.
- **Import is all or nothing**: every row is checked first and all problems are raised
  together as ``ImportFailed`` (file, line, column, what to do); then all rows are written
  in one transaction with one event per changed row, source ``import <file>``. Balance
  assertions are checked before that transaction commits.
- **Existing ids**: a row whose id is already in the record updates that row (with an
  event per changed row; an identical row changes nothing), in the columns the file has
  only: a column the file leaves out keeps the stored value (a new row takes its
  default).
  A row with an empty id is a new row: tasks get the next ``T0000`` number, contacts the
  next ``C0000`` number, ledger entries, assertions and roles the next integer past every
  id the record and the file hold.
- **Revs**: every table's file has a ``rev`` column (the last one): the version of the
  row when it was exported. The record raises a row's rev by one on every real change
  (a task's, a contact's, a ledger entry's, an assertion's, a mandate's; an unchanged
  row keeps its rev). For a row whose id the record holds, the rev cell says which
  version the file's row was made from: a row older than the record's (a smaller rev)
  that would change it fails the import, naming the line and the ``rev`` column (it
  would undo a later scan, edit or import; export again and make the edit there). An
  older row that changes nothing passes, unchanged. A rev newer than the record's is
  taken as current: the row is written and the record's rev goes up by one from its
  own, as on any change. An empty rev cell, or a file with no rev column at all (one
  written by hand, or exported before contacts, ledger rows and roles had revs),
  writes the row over the record as before revs were checked. A new row (an empty id,
  or an id the record does not hold) keeps the file's rev, or takes rev 1 when the
  cell is empty, so that an export imported into another record exports back the same.
  A ledger file's assertion rows carry the assertions' own revs.
- **The same file twice**: each committed import is kept in the ``imports`` table (the
  sha256 of the file's bytes, the table, the file name as given, the time, its counts and
  the rows it added), in the import's own transaction; it adds no event (the changed rows
  have theirs). A file that went into the same table before and has rows with an empty id
  is refused (``AlreadyImported``): a re-run after a kill that hid the first run's output
  would add those rows a second time. ``again=True`` (``--again``) adds them anyway. The
  check is made inside the write transaction, so two imports of one file at once cannot
  both pass it. A file whose rows all have ids imports again as before (its rows are then
  unchanged) and is kept too.
- **A re-saved sheet** (other bytes, so not the same file): inside the same transaction, a
  new row (empty id) that is, in every column the file gives but ``rev``, and
  after parsing (amounts in minor units), a row the record already holds is refused as a
  likely duplicate (``LikelyDuplicate``, an ``AlreadyImported``; the message names up to
  five lines and the rows they match). A file with no ``id`` column at all whose rows
  match is told so: export again and keep the column, or every row is added a second
  time. ``again=True`` adds them anyway: two truly identical entries (the same donation
  twice on one day) need ``--again`` when the first is in the record. New rows that
  repeat each other in one file, and none in the record, go in as ever.
- **What a spreadsheet wrote in place of a value** fails the import, with what to do:
  an error value (``#NULL!``, which Excel writes for ``+1 555-0103`` once its apostrophe is
  gone, ``#NAME?``, ``#VALUE!``, ``#REF!``, ``#DIV/0!``, ``#NUM!``, ``#N/A``, LibreOffice's
  ``Err:502``...) or a run of ``#`` (a column too narrow) in any cell; a phone in
  scientific notation (``1.55501E+10``: its last digits are gone); but not a cell that is
  what the record holds for that row (a note a person wrote as ``#N/A`` exports and
  imports back). For a row the record
  holds, where the stored value is known: a phone that is the stored one without its
  leading zeros or plus, all digits (``0049301234567`` → ``49301234567``: read as a
  number); a text that is the stored one with non-ASCII letters written as ``?`` (a save
  as Windows' "CSV (Comma delimited)": save as "CSV UTF-8"); an empty cell in a column
  whose default is not empty (``rows.DEFAULTED``: a task's ``status``, a mandate's
  ``ends``) where the default would replace the stored value ("T0005: status is empty
  (it is stuck now)..."); leave the column out to keep the stored values.
- **Import never deletes**: rows the record holds that a file updating rows by id does
  not name are kept; ``ImportResult.not_in_file`` counts them.
- **Currencies** are ISO 4217 codes (``rows.currency``), or a code the record's ledger
  already holds, so that a ledger kept before codes were checked exports and imports back.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from ..errors import AlreadyImported, ImportFailed, InvalidValue, LikelyDuplicate, RowProblem
from . import ledger as ledger_mod
from .db import Record, Source, Writer
from .rows import (
    COLUMNS,
    DEFAULTED,
    REQUIRED,
    TABLES,
    TEXT_COLUMNS,
    Parsed,
    format_row,
    parse_row,
)
from .tasks import MAX_TASK_NUMBER

FORMATS = ("csv", "json")
_TRIGGER = re.compile(r"^'*[=+\-@\t\r]")
_NEUTRALISED = re.compile(r"^'+[=+\-@\t\r]")
_PLAIN_NUMBER = re.compile(r"^-[0-9]+(\.[0-9]+)?$")
_DELIMITERS = (",", ";", "\t")
_ID_PREFIX = {"contacts": "C", "tasks": "T"}
#: Excel's (and LibreOffice's, Google Sheets') error values: what a spreadsheet writes for a
#: cell it took as a formula that fails, e.g. '#NULL!' for '+1 555-0103' once its
#: apostrophe is gone ('=+1 555-0103' intersects two ranges that do not meet).
_ERROR_VALUES = frozenset({
    "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#SPILL!", "#CALC!",
    "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!", "#EXTERNAL!", "#PYTHON!",
    "#GETTING_DATA", "#ERROR!",
})
_LIBREOFFICE_ERROR = re.compile(r"^Err:[0-9]{3}$")
_TOO_NARROW = re.compile(r"^#{2,}$")  # a number or date too wide for its column
#: A number as a spreadsheet shows it in scientific notation: '1.55501E+10', '5.55E+09'.
_SCIENTIFIC = re.compile(r"^[+-]?[0-9](?:[.,][0-9]+)?[Ee][+-][0-9]{2,3}$")
#: Excel's first line naming the delimiter: 'sep=;' (or a tab, or '\t' written out).
_SEP_LINE = re.compile(r"^sep=(\\t|[^\r\n\"])[ ]*(?=\r\n|\n|\r|$)", re.IGNORECASE)


def neutralise(cell: str) -> str:
    """The cell as export writes it: a leading apostrophe where a spreadsheet would run it."""
    if _TRIGGER.match(cell) and not _PLAIN_NUMBER.match(cell):
        return "'" + cell
    return cell


def unneutralise(cell: str) -> str:
    """Undo :func:`neutralise` exactly (import)."""
    return cell[1:] if _NEUTRALISED.match(cell) else cell


def check_table(table: str) -> str:
    if table not in TABLES:
        raise InvalidValue(f"there is no table {table!r}", f"choose one of: {', '.join(TABLES)}")
    return table


# -- export -----------------------------------------------------------------------------------
def export_rows(rec: Record, table: str) -> list[dict[str, str]]:
    """The table as text cells (not neutralised), in export order."""
    return [format_row(table, values, is_assertion=is_a) for values, is_a in _stored(rec, table)]


def _stored(rec: Record, table: str) -> list[tuple[dict[str, Any], bool]]:
    check_table(table)
    if table != "ledger":
        cols = ", ".join(COLUMNS[table])
        order = "id" if table == "roles" else "length(id), id"  # T0999 before T10000
        return [(dict(r), False) for r in rec.query(f"SELECT {cols} FROM {table} ORDER BY {order}")]
    rows = rec.query(
        "SELECT id, date, kind, amount, currency, counterparty, person, note, rev, 0 AS a"
        " FROM ledger UNION ALL"
        " SELECT id, date, NULL, amount, currency, '', '', '', rev, 1 FROM ledger_assertions"
        " ORDER BY date, a, id")
    return [({k: r[k] for k in COLUMNS["ledger"]}, bool(r["a"])) for r in rows]


def write_csv(rows: Iterable[dict[str, str]], table: str, out: TextIO, *, bom: bool = False) -> None:
    """Write rows as export does: header, neutralised cells, ',' and CRLF. ``out`` must be
    opened with ``newline=''``. ``bom`` adds a byte-order mark for Excel."""
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS[table])
    for row in rows:
        writer.writerow([neutralise(row[c]) for c in COLUMNS[table]])


def export_csv_text(rec: Record, table: str, *, bom: bool = False) -> str:
    buf = io.StringIO(newline="")
    write_csv(export_rows(rec, table), table, buf, bom=bom)
    return buf.getvalue()


def export_json(rec: Record, table: str) -> list[dict[str, Any]]:
    """The table for scripts: the same columns and text as CSV (not neutralised), with ids
    and revs as numbers, and for the ledger also ``amount_minor`` in integer minor units."""
    out = []
    for values, is_a in _stored(rec, table):
        row: dict[str, Any] = format_row(table, values, is_assertion=is_a)
        for col in ("rev",) + (("id",) if table in ("ledger", "roles") else ()):
            if col in row:
                row[col] = values[col]
        if table == "ledger":
            row["amount_minor"] = values["amount"]
        out.append(row)
    return out


def export_json_text(rec: Record, table: str) -> str:
    return json.dumps(export_json(rec, table), ensure_ascii=False, indent=1) + "\n"


# -- reading a file ---------------------------------------------------------------------------
@dataclass(frozen=True)
class FileRow:
    """One data row of an import file: its first physical line (1-based) and its cells by
    column, with the formula neutralisation removed."""

    line: int
    cells: dict[str, str]
    #: False when the row's shape is wrong (cell count, encoding); its values are not checked.
    ok: bool = True


def _sniff(header_line: str, table: str) -> str:
    known = set(COLUMNS[table])

    def score(delim: str) -> int:
        fields = next(csv.reader([header_line], delimiter=delim), [])
        return sum(1 for f in fields if f.strip().lower() in known)

    return max(_DELIMITERS, key=lambda d: (score(d), -_DELIMITERS.index(d)))


def read_file(path: str | Path, table: str) -> list[FileRow]:
    """Read and check the shape of an import file. Raises ImportFailed with every problem
    of shape (encoding, header, cell counts, quoting), each with its line and column."""
    rows, problems, _ = _read(str(path), _bytes(path, table), table)
    if problems:
        raise ImportFailed(problems)
    return rows


def _bytes(path: str | Path, table: str) -> bytes:
    check_table(table)
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InvalidValue(f"cannot read {path}: {exc.strerror}", "check the file's path") from None


#: What no text's first line holds: control characters but the tab, and bytes that are no
#: UTF-8 (decoded as lone surrogates).
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\udc80-\udcff]")


def _read(name: str, raw: bytes, table: str
          ) -> tuple[list[FileRow], list[RowProblem], set[str]]:
    """The rows of the file ``name`` whose bytes are ``raw``, every problem of shape, and
    the columns the header's problems name."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00\x00" in (raw[1:4:2], raw[0:3:2]):
        return [], [RowProblem(name, 1, "", "the file is UTF-16 text (Excel's 'Unicode text'),"
                               " not UTF-8; save it as 'CSV UTF-8' and import that")], set()
    text = raw.decode("utf-8", errors="surrogateescape")
    if text.startswith("\ufeff"):
        text = text[1:]
    problems: list[RowProblem] = []
    if not text.strip():
        return [], [RowProblem(name, 1, "", "the file is empty; export a table to see the "
                                            "columns it needs")], set()
    if text.lstrip()[:1] in ("[", "{"):  # a JSON file ('paperkit export --format json')
        try:
            json.loads(text)
        except ValueError:
            pass
        else:
            return [], [RowProblem(name, 1, "", "the file is JSON ('paperkit export --format"
                                   " json' writes it), not CSV; import takes CSV: export the"
                                   f" table with 'paperkit export {table} --format csv'")], set()
    hint = _SEP_LINE.match(text)
    if hint:  # Excel's 'sep=;' line: the delimiter; the line is kept empty (line numbers)
        delim = "\t" if hint.group(1).lower() == "\\t" else hint.group(1)
        text = text[hint.end():]
        if not text.strip():
            return [], [RowProblem(name, 1, "", "the file holds only a 'sep=' line; export a"
                                   " table to see the columns it needs")], set()
    else:
        first = next(ln for ln in text.splitlines() if ln.strip())
        line_one = next(ln for ln in text.split("\n") if ln.strip())  # (not splitlines':
        if _NOT_TEXT.search(line_one):  # it breaks at control characters) a binary file
            return [], [RowProblem(name, 1, "", "the file is not CSV text (its first line holds"
                                   " bytes no text holds): is it the right file? Save the"
                                   " table as 'CSV UTF-8' and import that")], set()
        delim = _sniff(first, table)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True)
    header: list[str] = []
    header_line = 0
    header_problems: list[RowProblem] = []
    rows: list[FileRow] = []
    soon: list[tuple[int, list[str]]] = []  # the first lines after the header
    last_line = 0
    try:
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if not header:
                header, header_line = [c.strip().lower() for c in cells], line
                header_problems = _header_problems(name, line, table, header)
                problems += header_problems
                continue
            if len(soon) < _HEADER_SEARCH:
                soon.append((line, cells))
            row, row_problems = _cells(name, line, header, cells)
            problems += row_problems
            rows.append(row)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):  # not quoting: a cell too long
            problems.append(RowProblem(name, last_line + 1, "", "a cell is longer than the"
                                       f" {csv.field_size_limit():,} characters a cell may"
                                       " hold: is this the right file?"))
        else:
            problems.append(RowProblem(name, last_line + 1, "", f"the quoting is broken ({exc});"
                                       " close every quoted value with a quote"))
    if header_problems:
        below = _header_below(name, table, header_line, soon, delim)
        if below is not None:  # its rows are read against the wrong header: none kept
            return [], [below], set()
    return rows, problems, {p.column for p in header_problems}


#: How many lines after a first line that is no header are looked at for the header.
_HEADER_SEARCH = 5


def _header_below(name: str, table: str, first: int, soon: list[tuple[int, list[str]]],
                  delim: str) -> RowProblem | None:
    """When the first line is no header but one of the next few is (a title, a note or an
    empty row of a sheet above the table), that one problem, in place of every row's. The
    delimiter was guessed from the first line: each is tried on those lines."""
    for line, cells in soon:
        again = delim.join(cells)
        if any(not _header_problems(name, line, table, [c.strip().lower() for c in split])
               for split in (next(csv.reader([again], delimiter=d)) for d in (delim, *_DELIMITERS))):
            return RowProblem(name, first, "", f"this line is not the header: the {table}"
                              f" columns' header is on line {line}; delete the line(s) above"
                              " it (a title?) and import again")
    return None


def _header_problems(name: str, line: int, table: str, header: list[str]) -> list[RowProblem]:
    """Unknown, doubled and missing columns. A column with an empty name (a spreadsheet's
    trailing delimiter) is allowed as long as its cells are empty."""
    out = []
    known = COLUMNS[table]
    for i, col in enumerate(header):
        if col and col not in known:
            out.append(RowProblem(name, line, col,
                                  f"unknown column; the {table} columns are {', '.join(known)}"))
        elif col and header.index(col) != i:
            out.append(RowProblem(name, line, col, "this column appears twice; keep one"))
    need = REQUIRED[table]
    for col in need:
        if col not in header:
            out.append(RowProblem(
                name, line, col, f"the header has no '{col}' column; add it (a {table} file"
                f" holds {', '.join(need[:-1]) + ' and ' if len(need) > 1 else ''}{need[-1]},"
                " also to update rows the record holds: export the table, edit it, and"
                " import that)"))
    return out


def _cells(name: str, line: int, header: list[str], cells: list[str]):
    problems = []
    if len(cells) > len(header):
        problems.append(RowProblem(
            name, line, f"#{len(header) + 1}",
            f"the row has {len(cells)} cells but the header has {len(header)}; "
            "put quotes around a value that holds the delimiter"))
    elif len(cells) < len(header):
        problems.append(RowProblem(
            name, line, header[len(cells)],
            f"the row has {len(cells)} cells but the header has {len(header)}; "
            "fill in the missing cells (they may be empty)"))
    values = {}
    for i, (col, cell) in enumerate(zip(header, cells, strict=False)):
        if not col:
            if cell.strip():
                problems.append(RowProblem(name, line, f"#{i + 1}", "this value is under a "
                                           "column with no name; name the column or remove it"))
            continue
        if any("\udc80" <= ch <= "\udcff" for ch in cell):
            problems.append(RowProblem(name, line, col, "this cell is not UTF-8 text; save the "
                                                        "file as 'CSV UTF-8'"))
            cell = cell.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        values[col] = unneutralise(cell)
    return FileRow(line, values, ok=not problems), problems


def _spreadsheet_values(table: str, cells: dict[str, str],
                        stored: dict[str, Any] | None = None) -> dict[str, str]:
    """The cells of a row that hold what a spreadsheet wrote in place of the value, by
    column, each with what to do: an error value (a cell it took as a formula), a run of
    '#' (a number or date too wide for its column), a phone number turned into a number
    in scientific notation (its last digits are gone). A cell that is what the record
    holds for the row (``stored``: a person wrote '#N/A' as a note) is not refused: an
    export of the record imports back."""
    out = {}
    for col, cell in cells.items():
        value = cell.strip()
        if stored is not None and stored.get(col) == cell:
            continue
        if value == "#NULL!":
            out[col] = ("'#NULL!' is a spreadsheet's error, not a value: it took the cell for a"
                        " formula (as it does '+1 555-0103' once the apostrophe export put"
                        " before it is gone); format the column as Text in the spreadsheet,"
                        " type the value again, and save")
        elif value in _ERROR_VALUES or _LIBREOFFICE_ERROR.match(value):
            out[col] = (f"{value!r} is a spreadsheet's error value, not data: it took the cell"
                        " for a formula; format the column as Text in the spreadsheet, type the"
                        " value again, and save")
        elif _TOO_NARROW.match(value):
            out[col] = (f"{value!r} is what a spreadsheet shows for a number or date too wide"
                        " for its column; widen the column (or format it as Text), check the"
                        " value, and save")
        elif table == "contacts" and col == "phone" and _SCIENTIFIC.match(value):
            out[col] = (f"{value!r} is a phone number the spreadsheet turned into a number in"
                        " scientific notation, which lost its last digits; format the phone"
                        " column as Text in the spreadsheet and type the number again")
    return out


# -- import -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ImportResult:
    """What an import did: rows inserted, updated and already identical; ``sha256`` is the
    file's, under which the record keeps the import (:class:`PastImport`)."""

    table: str
    file: str
    inserted: int
    updated: int
    unchanged: int
    sha256: str = ""
    #: Rows the record holds that the file does not name, kept (import never deletes);
    #: counted for a file that updates rows by id (one of its ids is in the record), 0
    #: for a file of new rows only.
    not_in_file: int = 0
    #: Rows updated from a row with no rev (no rev column, or an empty cell): written over
    #: the record without the check that a later change is not undone.
    without_rev: int = 0


@dataclass(frozen=True)
class PastImport:
    """A committed import, as the record keeps it (the ``imports`` table): the sha256 of
    the file's bytes, the table, the file name as given, when (ISO UTC, the time of its
    events), its counts, each row it inserted as (table, id) (a ledger file's assertions
    are in ``ledger_assertions``), and whether it was run with ``again``."""

    sha256: str
    table: str
    file: str
    at: str
    inserted: int
    updated: int
    unchanged: int
    added: tuple[tuple[str, Any], ...]
    again: bool


def past_imports(rec: Record, sha256: str | None = None, table: str | None = None
                 ) -> list[PastImport]:
    """The imports the record holds, oldest first; only those of the file ``sha256`` into
    ``table`` when given. (Imports made before migration 0003 were not kept.)"""
    sql, params = "SELECT * FROM imports WHERE 1=1", []
    for col, value in (("sha256", sha256), ("tbl", table)):
        if value is not None:
            sql += f" AND {col} = ?"
            params.append(value)
    return [PastImport(r["sha256"], r["tbl"], r["file"], r["at"], r["inserted"], r["updated"],
                       r["unchanged"], tuple(tuple(a) for a in json.loads(r["added"])),
                       bool(r["again"]))
            for r in rec.query(sql + " ORDER BY id", tuple(params))]


def import_file(rec: Record, table: str, path: str | Path, *, rotation_days: int = 14,
                source: Source | None = None, again: bool = False) -> ImportResult:
    """Import a CSV file into ``table``, all or nothing (see the module docstring). The
    same bytes imported into ``table`` before, from a file with rows whose id is empty
    (which would be added again), raise AlreadyImported unless ``again``; new rows that
    are rows the record holds raise LikelyDuplicate (an AlreadyImported) unless ``again``."""
    name = str(path)
    raw = _bytes(path, table)
    digest = hashlib.sha256(raw).hexdigest()
    rows, problems, header_cols = _read(name, raw, table)
    held = ledger_mod.held_currencies(rec) if table == "ledger" else frozenset()
    before = _stored_by_id(rec, table)
    planned: list[tuple[int, Parsed]] = []
    for row in rows:
        if not row.ok:
            continue
        parsed = parse_row(table, row.cells, rotation_days=rotation_days, held_currencies=held)
        key = parsed.values.get("id")
        spoilt = _spreadsheet_values(table, row.cells, before[_db_table(table, parsed)].get(key)
                                     if key is not None else None)
        problems += [RowProblem(name, row.line, col, msg) for col, msg in spoilt.items()]
        problems += [RowProblem(name, row.line, col, msg) for col, msg in parsed.problems.items()
                     if col not in header_cols and col not in spoilt]
        planned.append((row.line, parsed))
    problems += _duplicate_ids(name, planned)
    given = {col for col in _header(rows) if col}
    cells = {row.line: row.cells for row in rows}
    rev_lines = {row.line for row in rows if row.cells.get("rev", "").strip()}
    if problems:  # with those of the updates too, so that one run reports them all
        problems += _update_problems(table, name, planned, cells, before, given,
                                     rev_lines)
        raise ImportFailed(sorted(problems, key=lambda p: p.line))
    with rec.write(source or Source("import", name)) as w:
        new_rows = sum(1 for _, parsed in planned if not parsed.values.get("id"))
        if new_rows and not again:  # inside the transaction, as the numbering: the same
            _refuse_a_repeat(rec, digest, table, name, new_rows)  # file imported at once
        stored = _stored_by_id(rec, table)  # the rows as this transaction sees them
        problems = _update_problems(table, name, planned, cells, stored, given, rev_lines)
        if problems:
            raise ImportFailed(sorted(problems, key=lambda p: p.line))
        if new_rows and not again:
            _refuse_likely_duplicates(name, table, planned, stored, given)
        not_in_file = _not_in_file(table, planned, stored)
        _number_new_rows(rec, table, planned)  # inside the transaction: no other writer races
        counts = [0, 0, 0]
        without_rev = 0
        added: list[tuple[str, Any]] = []
        assertion_lines: dict[int, int] = {}
        for line, parsed in planned:
            db_table = _db_table(table, parsed)
            key, outcome = _upsert(w, db_table, parsed.values, given)
            counts[outcome] += 1
            without_rev += outcome == 1 and line not in rev_lines
            if outcome == 0:
                added.append((db_table, key))
            if db_table == "ledger_assertions":
                assertion_lines[key] = line
        if table == "ledger":
            _check_ledger(rec, name, planned, assertion_lines)
        _keep_import(w, digest, table, name, counts, added, again)
    return ImportResult(table, name, *counts, sha256=digest, not_in_file=not_in_file,
                        without_rev=without_rev)


def _keep_import(w: Writer, digest: str, table: str, name: str, counts: list[int],
                 added: list[tuple[str, Any]], again: bool) -> None:
    """Write the ``imports`` row in the import's transaction. It is bookkeeping, with no
    event of its own (a ``scans`` row has one): the rows the import changed have theirs,
    each naming the file as its source."""
    w.conn.execute(
        "INSERT INTO imports (sha256, tbl, file, at, inserted, updated, unchanged, added,"
        " again) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (digest, table, name, w.at, *counts, json.dumps(added), int(again)))


def _refuse_a_repeat(rec: Record, digest: str, table: str, name: str, new_rows: int) -> None:
    """Raise AlreadyImported when the file ``digest`` went into ``table`` before: its
    ``new_rows`` rows with an empty id would be added a second time."""
    earlier = past_imports(rec, digest, table)
    if not earlier:
        return
    last = earlier[-1]
    day, _, time = last.at.rstrip("Z").partition("T")
    when = f"on {day} at {time} UTC"
    head = (f"{name} was imported into {table} {when}" if last.file == name else
            f"{name} holds the same bytes as {last.file}, imported into {table} {when}")
    if len(earlier) > 1:
        head += f" (the last of {len(earlier)} imports of it)"
    shown = [_row_name(t, key) for t, key in last.added[:5]]
    more = f" and {len(last.added) - 5} more" if len(last.added) > 5 else ""
    ids = f" ({', '.join(shown)}{more})" if shown else ""
    did = [f"added {last.inserted} new row(s){ids}"]
    did += [f"updated {last.updated}"] if last.updated else []
    did += [f"left {last.unchanged} unchanged"] if last.unchanged else []
    raise AlreadyImported(
        f"{head}: that import {', '.join(did)}; this file's {new_rows} row(s) with an empty"
        " id would be added a second time", last)


def _stored_by_id(rec: Record, table: str) -> dict[str, dict[Any, dict[str, Any]]]:
    """The rows the record holds for a file of ``table``, by database table, then id."""
    tables = ("ledger", "ledger_assertions") if table == "ledger" else (table,)
    return {t: {r["id"]: dict(r) for r in rec.query(f"SELECT * FROM {t} ORDER BY rowid")}
            for t in tables}


def _update_problems(table: str, name: str, planned: list[tuple[int, Parsed]],
                     cells: dict[int, dict[str, str]], stored: dict[str, dict[Any, dict]],
                     given: set[str], rev_lines: set[int]) -> list[RowProblem]:
    """Every problem of the file's updates of rows the record holds (``stored``)."""
    return (_spoilt_updates(name, table, planned, cells, stored, given)
            + _check_updates(table, name, planned, stored, given, rev_lines)
            + _near_ids(name, table, planned, stored))


def _near_ids(name: str, table: str, planned: list[tuple[int, Parsed]],
              stored: dict[str, dict[Any, dict]]) -> list[RowProblem]:
    """A contact id the record does not hold that is one it holds written otherwise ('c0007'
    or 'C7' for C0007): meant as that contact, it was added as a second one (a red team,
    the fortieth session; a task id is refused in any form but its own)."""
    if table != "contacts":
        return []
    held = {_id_key(k): k for k in stored["contacts"]}
    problems = []
    for line, parsed in planned:
        key = parsed.values.get("id")
        near = held.get(_id_key(key)) if isinstance(key, str) else None
        if near is not None and key not in stored["contacts"]:
            problems.append(RowProblem(name, line, "id", (
                f"{key!r} is not a contact id the record holds, but {near} is: write {near}"
                " to change that contact, or another id to add one")))
    return problems


def _id_key(key: str) -> tuple[str, str]:
    """A contact id as a person may write it: in any case, its number without leading zeros."""
    m = re.fullmatch(r"(.*?)0*(\d+)", key.strip())
    return (m.group(1).casefold(), m.group(2)) if m else (key.strip().casefold(), "")


def _spoilt_updates(name: str, table: str, planned: list[tuple[int, Parsed]],
                    cells: dict[int, dict[str, str]], stored: dict[str, dict[Any, dict]],
                    given: set[str]) -> list[RowProblem]:
    """Changes to rows the record holds that a spreadsheet made, not a person: an emptied
    cell whose column has a default (``rows.DEFAULTED``: a task's status, a mandate's end)
    that would silently replace the stored value; a phone that lost its leading zeros or
    plus (read as a number); a text whose letters became '?' (saved in a code page that
    lacks them, as Excel's 'CSV (Comma delimited)' does)."""
    problems = []
    for line, parsed in planned:
        key = parsed.values.get("id")
        db_table = _db_table(table, parsed)
        old = stored[db_table].get(key) if key is not None else None
        if old is None:
            continue
        who = _row_name(db_table, key)
        for col, new in _changes(parsed.values, given).items():
            was = old.get(col)
            if col not in old or new == was:
                continue
            if col in DEFAULTED.get(table, ()) and not cells[line].get(col, "").strip():
                problem = (f"{who}: {col} is empty (it is {was} now): write the {col}, or leave"
                           " the column out to keep it")
            elif table == "contacts" and col == "phone" and _lost_leading(was, new):
                lost = "zero" if was.startswith("0") else "plus"
                problem = (f"{who}: {new!r} is the stored {was!r} without its leading {lost}: the"
                           " spreadsheet read the phone as a number; format the phone column as"
                           f" Text in the spreadsheet and write the number with its leading {lost}")
            elif col in TEXT_COLUMNS[table] and _read_as_code_page(was, new):
                problem = (f"{who}: {col} {_short(new)!r} is the stored {_short(was)!r} read"
                           " as Windows-1252: a spreadsheet opened the UTF-8 file as that"
                           " (Excel does, for a CSV without a byte-order mark) and saved it"
                           " back; export with 'paperkit export --bom' for Excel, or import the"
                           " file as it was exported")
            elif col in TEXT_COLUMNS[table] and _letters_lost(was, new):
                problem = (f"{who}: {col} {_short(new)!r} is the stored {_short(was)!r} with"
                           " letters replaced by '?': the file was saved in a format that lost"
                           " them (Excel's 'CSV (Comma delimited)'); save it as 'CSV UTF-8' and"
                           " import that")
            else:
                continue
            problems.append(RowProblem(name, line, col, problem))
    return problems


def _lost_leading(was: str, new: str) -> bool:
    """``new`` is the phone ``was`` read as a number: all digits, and ``was`` without its
    leading zeros and plus ('0049301234567' → '49301234567', '+4477…' → '4477…')."""
    return (was[:1] in ("0", "+") and new.isascii() and new.isdigit()
            and was.lstrip("0+") == new)


def _read_as_code_page(was: str, new: str) -> bool:
    """``new`` is ``was`` written in UTF-8 and read back as Windows-1252, once or twice
    ('José' → 'JosÃ©' → 'JosÃƒÂ©'): what a spreadsheet that opens a CSV with no byte-order
    mark as its code page and saves it as 'CSV UTF-8' makes of every accented letter (a
    red team, the fortieth session: names rewritten, the import said nothing)."""
    if was.isascii() or new.isascii():
        return False
    for _ in range(2):
        was = "".join(_CP1252.get(b, chr(b)) for b in was.encode("utf-8"))
        if was == new:
            return True
    return False


#: Windows-1252's characters by byte, where they are not Latin-1's (its five unused bytes
#: read as Latin-1's control characters, as Windows reads them).
_CP1252 = {b: bytes([b]).decode("cp1252") for b in range(0x80, 0xA0)
           if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}


def _letters_lost(was: str, new: str) -> bool:
    """``new`` is ``was`` with some non-ASCII characters, a letter among them, each written
    as '?' ('??' for one past U+FFFF, two UTF-16 units): what a save in a code page that
    lacks them (Windows-1252, say) does, in a file that is still valid UTF-8."""
    if "?" not in new or new == was:
        return False
    pattern = "".join(re.escape(ch) if ch.isascii()
                      else f"(?:{re.escape(ch)}|\\?{{1,{2 if ord(ch) > 0xFFFF else 1}}})"
                      for ch in was)
    return re.fullmatch(pattern, new) is not None and any(
        not ch.isascii() and unicodedata.category(ch)[0] in "LM" and ch not in new
        for ch in was)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _refuse_likely_duplicates(name: str, table: str, planned: list[tuple[int, Parsed]],
                              stored: dict[str, dict[Any, dict]], given: set[str]) -> None:
    """Raise LikelyDuplicate when new rows (empty id) are, in every column the file gives
    but rev (parsed: amounts in minor units), rows the record holds: a sheet
    imported before and saved again (other bytes than the file kept in ``imports``), or
    a file whose id column was deleted, which would add the table a second time."""
    index: dict[str, tuple[tuple[str, ...], dict[tuple, Any]]] = {}
    matches: list[tuple[int, str]] = []
    for line, parsed in planned:
        if parsed.values.get("id") is not None:
            continue
        db_table = _db_table(table, parsed)
        if db_table not in index:
            rows = stored[db_table]
            held = next(iter(rows.values()), {})
            cols = tuple(sorted(c for c in given if c not in ("id", "rev") and c in held))
            keys: dict[tuple, Any] = {}
            for key, row in rows.items():
                keys.setdefault(tuple(row[c] for c in cols), key)
            index[db_table] = cols, keys
        cols, keys = index[db_table]
        same = keys.get(tuple(parsed.values.get(c) for c in cols)) if cols else None
        if same is not None:
            matches.append((line, _row_name(db_table, same)))
    if not matches:
        return
    shown = ", ".join(f"line {line} matches {row}" for line, row in matches[:5])
    more = f" and {len(matches) - 5} more" if len(matches) > 5 else ""
    if "id" not in given:
        raise LikelyDuplicate(
            f"{name} has no id column, and {len(matches)} of its {len(planned)} row(s) are rows"
            f" the record holds ({shown}{more}): without ids every row would be added as a new"
            " one, a second time", tuple(matches), id_column_missing=True)
    raise LikelyDuplicate(
        f"{len(matches)} new row(s) of {name} (an empty id) are, in every column the file"
        f" gives, rows the record holds ({shown}{more}): most likely they were imported"
        " before, from an earlier save of this sheet", tuple(matches))


def _not_in_file(table: str, planned: list[tuple[int, Parsed]],
                 stored: dict[str, dict[Any, dict]]) -> int:
    """How many rows the record holds that the file does not name (import keeps them),
    for a file that updates rows by id; 0 for a file none of whose ids is in the record."""
    named = {(_db_table(table, p), p.values["id"]) for _, p in planned
             if p.values.get("id") is not None}
    if not any(key in stored[db_table] for db_table, key in named):
        return 0
    return sum(1 for db_table, rows in stored.items() for key in rows
               if (db_table, key) not in named)


def _row_name(db_table: str, key: Any) -> str:
    if db_table == "ledger_assertions":
        return f"assertion #{key}"
    return f"#{key}" if isinstance(key, int) else str(key)


def _db_table(table: str, parsed: Parsed) -> str:
    return "ledger_assertions" if parsed.is_assertion else table


def _duplicate_ids(name: str, planned: list[tuple[int, Parsed]]) -> list[RowProblem]:
    seen: dict[tuple[bool, Any], int] = {}
    out = []
    for line, parsed in planned:
        key = parsed.values.get("id")
        if key is None:
            continue
        first = seen.setdefault((parsed.is_assertion, key), line)
        if first != line:
            out.append(RowProblem(name, line, "id", f"id {key} is also on line {first}; "
                                                    "give each row its own id"))
    return out


def _number_new_rows(rec: Record, table: str, planned: list[tuple[int, Parsed]]) -> None:
    """Give rows with an empty id the next free ``T0000``/``C0000`` id, or the next integer
    past every id of their table in the record and the file."""
    prefix = _ID_PREFIX.get(table)
    if prefix is None:  # integer ids, numbered past every id the record or the file holds
        # (left to SQLite, a new row could take an id a later row of the file names, and
        # that row would then overwrite it)
        nexts: dict[str, int] = {}
        for _, parsed in planned:
            db_table = _db_table(table, parsed)
            if db_table not in nexts:
                used = [p.values["id"] for _, p in planned
                        if _db_table(table, p) == db_table and p.values.get("id")]
                stored = rec.query_one(f"SELECT max(id) FROM {db_table}")[0] or 0
                nexts[db_table] = max([stored, *used]) + 1
            if not parsed.values.get("id"):
                parsed.values["id"] = nexts[db_table]
                nexts[db_table] += 1
        return
    pattern = re.compile(rf"^{prefix}([0-9]+)$")
    taken = [r[0] for r in rec.query(f"SELECT id FROM {table}")]
    taken += [p.values["id"] for _, p in planned if p.values.get("id")]
    numbers = {int(m.group(1)) for t in taken if (m := pattern.match(t))}
    next_number = max(numbers, default=0) + 1
    for _, parsed in planned:
        if not parsed.values.get("id"):
            if table == "tasks" and next_number > MAX_TASK_NUMBER:  # past the ids a task
                # takes (T99999999 written by hand): the lowest free one, as 'task add' does
                next_number = next(n for n in range(1, MAX_TASK_NUMBER + 2)
                                   if n not in numbers)
            parsed.values["id"] = f"{prefix}{next_number:04d}"
            numbers.add(next_number)
            next_number += 1
            while table == "tasks" and next_number in numbers:
                next_number += 1


def _header(rows: list[FileRow]) -> set[str]:
    """The columns the file has (every row holds a cell, maybe empty, for each)."""
    return set().union(*(row.cells for row in rows)) if rows else set()


def _exists(rec: Record, db_table: str, key: Any) -> bool:
    return key is not None and rec.query_one(f"SELECT 1 FROM {db_table} WHERE id = ?",
                                             (key,)) is not None


def _check_updates(table: str, name: str, planned: list[tuple[int, Parsed]],
                   stored: dict[str, dict[Any, dict]], given: set[str], rev_lines: set[int]
                   ) -> list[RowProblem]:
    """Updates the record may not take: a row the record changed after the file's copy
    of it was exported (:func:`_stale_rows`); a mandate updated from a file without its
    ``ends`` (or ``starts``), which keeps the stored one, may not then end before it
    starts."""
    problems = _stale_rows(name, table, [(ln, p) for ln, p in planned if ln in rev_lines],
                           stored, given)
    if table != "roles" or {"starts", "ends"} <= given:
        return problems
    for line, parsed in planned:
        key = parsed.values.get("id")
        old = stored["roles"].get(key) if key is not None else None
        if old is None:
            continue
        merged = {"starts": old["starts"], "ends": old["ends"], **_changes(parsed.values, given)}
        if merged["ends"] < merged["starts"]:
            col = "starts" if "starts" in given else "ends"
            problems.append(RowProblem(name, line, col, f"the mandate would end ({merged['ends']})"
                                       f" before it starts ({merged['starts']}); add the other"
                                       " date's column, or fix this one"))
    return problems


def _stale_rows(name: str, table: str, planned: list[tuple[int, Parsed]],
                stored: dict[str, dict[Any, dict]], given: set[str]) -> list[RowProblem]:
    """A row (of ``planned``: those with a rev cell) whose ``rev`` is older than that of
    the row the record holds (``stored``) under its id, and that would change that row,
    was exported before the record changed it (a scan, the kiosk, another import): written
    over the record it would silently undo that change, as a stale slip would. Such rows
    fail the import, each named; an empty rev cell writes the row over the record. A
    ledger file's assertion rows are checked against the assertions, its entries against
    the entries."""
    problems = []
    for line, parsed in planned:
        key, rev = parsed.values.get("id"), parsed.values.get("rev")
        db_table = _db_table(table, parsed)
        old = stored[db_table].get(key) if key is not None else None
        if old is None or rev is None or rev >= old["rev"]:
            continue
        if any(old.get(c) != v for c, v in _changes(parsed.values, given).items() if c in old):
            problems.append(RowProblem(
                name, line, "rev", f"{_row_name(db_table, key)} changed in the record after"
                f" this file was exported (rev {rev} here, {old['rev']} there) and this row"
                f" would undo that; export the {table} again and make the edit there, or empty"
                " this rev cell to write the row over the record"))
    return problems


def _changes(values: dict[str, Any], given: set[str]) -> dict[str, Any]:
    """What a row's ``values`` write over an existing row: the columns the file has
    (``given``), but its key and its rev (which the record keeps counting)."""
    return {c: v for c, v in values.items() if c in given and c not in ("id", "rev")}


def _upsert(w: Writer, db_table: str, values: dict[str, Any], given: set[str]
            ) -> tuple[Any, int]:
    """Insert or update one row; returns (key, 0 inserted | 1 updated | 2 unchanged). An
    existing row is updated only in the columns the file has (``given``): a column it
    leaves out keeps the stored value, where a new row takes the column's default."""
    key = values.get("id")
    if _exists(w.record, db_table, key):
        before, after = w.update(db_table, key, _changes(values, given))
        return key, 1 if before != after else 2
    return w.insert(db_table, values), 0


def _check_ledger(rec: Record, name: str, planned: list[tuple[int, Parsed]],
                  assertion_lines: dict[int, int]) -> None:
    failures = ledger_mod.assertion_failures(rec)
    problems = []
    for failure in failures:
        a = failure.assertion
        line = assertion_lines.get(a.id)
        if line is None:  # an assertion already in the record, broken by this file's entries
            line = min((ln for ln, p in planned if not p.is_assertion
                        and p.values["currency"] == a.currency and p.values["date"] <= a.date),
                       default=1)
            problems.append(RowProblem(name, line, "amount", f"{failure.message()}; this "
                                       "file's entries break an assertion already recorded"))
        else:
            problems.append(RowProblem(name, line, "amount", f"{failure.message()}; check the "
                                       "entries before that date or correct this assertion"))
    if problems:
        raise ImportFailed(problems)
