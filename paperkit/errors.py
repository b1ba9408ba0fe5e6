"""Every error paperkit raises on purpose, each with a message that says what to do next.

``cli.py`` turns these into one-line messages and exit codes in one place.
Anything else that escapes is a bug.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Exit codes: 0 ok, 1 something needs attention, 2 bad input or usage, 130 interrupted
#: (Ctrl-C: 128 + SIGINT, as shells report it).
EXIT_OK = 0
EXIT_ATTENTION = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class PaperkitError(Exception):
    """Base class. ``str(err)`` is the user message; ``hint`` says what to do next."""

    exit_code = EXIT_USAGE
    hint = ""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        if hint is not None:
            self.hint = hint

    def user_message(self) -> str:
        msg = str(self)
        return f"{msg} ({self.hint})" if self.hint else msg


class KioskStopping(PaperkitError):
    """The kiosk was stopped while an upload was read: the photos after the current one
    are not read."""

    exit_code = EXIT_ATTENTION
    hint = "start the kiosk again and upload the rest (a photo read already is not read twice)"


class KitNotFound(PaperkitError):
    hint = "run 'paperkit init PATH', or pass --kit PATH, or set PAPERKIT_KIT"


class KitExists(PaperkitError):
    hint = "choose an empty folder; an existing key or record is never overwritten"


class ConfigError(PaperkitError):
    """kit.toml is malformed or has an unknown key or a bad value, or kit.key is not a key.
    Exit 1, as for a kit file missing (KitIncomplete): the kit needs a person, the command
    was used rightly (it exited 2, a missing file 1)."""

    exit_code = EXIT_ATTENTION

    hint = "fix kit.toml; every setting is described in the comments 'paperkit init' wrote"


class RecordError(PaperkitError):
    """The record file is unusable (newer schema, corrupt, locked). Exit 1: the command was
    right, the record needs a person."""

    exit_code = EXIT_ATTENTION
    hint = ("check that you may read and write it and its folder; if it is damaged, restore"
            " a 'paperkit backup' copy with 'paperkit restore FILE'")


class BackupFailed(PaperkitError):
    """A backup copy could not be written (its disk full, another backup writing the same
    file): the record itself is untouched. Exit 1."""

    exit_code = EXIT_ATTENTION
    hint = ("the record is untouched; choose a folder with room for the copy and a name no"
            " other backup is writing, then run it again")


class RecordReadOnly(RecordError):
    """The record file, or the kit folder that holds it, may not be written here."""

    exit_code = EXIT_ATTENTION
    hint = ("give yourself write access to both, e.g. 'chmod u+w KIT KIT/record.sqlite'"
            " (SQLite keeps record.sqlite-wal and -shm in the kit folder), or copy the kit"
            " folder to one you may write to and use the copy")


class NotFound(PaperkitError):
    """A row the user named does not exist."""


class InvalidValue(PaperkitError):
    """A value given on the command line or in a file is not allowed."""


@dataclass(frozen=True)
class RowProblem:
    """One bad cell in an import file: 1-based line number, column name, what is wrong."""

    file: str
    line: int
    column: str
    problem: str

    def __str__(self) -> str:
        where = f" column '{self.column}':" if self.column else ""  # (the file's own problem)
        return f"{self.file}:{self.line}:{where} {self.problem}"


class ImportFailed(PaperkitError):
    """An import file had bad rows. Nothing was imported."""

    hint = "fix these rows and run the import again; nothing was imported"

    def __init__(self, problems: list[RowProblem]):
        self.problems = list(problems)
        head = f"{len(self.problems)} bad row(s), nothing imported:\n" + "\n".join(
            f"  {p}" for p in self.problems
        )
        super().__init__(head)

    def user_message(self) -> str:
        return f"{self}\n{self.hint}"


class AlreadyImported(PaperkitError):
    """The same file (the same bytes) was imported into the same table before, and it has
    rows with an empty id, which would be added a second time: most often a re-run of an
    import whose output was lost (a killed terminal). Nothing was imported. Exit 2, as for
    an import file the record will not take."""

    hint = ("nothing was imported; if you really mean to add these rows again, run the same"
            " command with --again")

    def __init__(self, message: str, earlier: object = None):
        super().__init__(message)
        #: What the record holds of that earlier import (``csvio.PastImport``).
        self.earlier = earlier


class LikelyDuplicate(AlreadyImported):
    """New rows of an import file (empty id) are, in every column the file gives, rows
    the record already holds: most often a sheet imported before and saved again (other
    bytes, so not caught as the same file), or a file whose id column was deleted, which
    would add the whole table a second time. Nothing was imported. ``matches`` holds
    (line, row) pairs, the row named as the message names it ('T0005', '#12', 'assertion
    #3'); ``id_column_missing`` says the file has no id column. Exit 2, as its base."""

    def __init__(self, message: str, matches: tuple[tuple[int, object], ...] = (),
                 id_column_missing: bool = False):
        super().__init__(message)
        self.matches = matches
        self.id_column_missing = id_column_missing
        if id_column_missing:
            self.hint = ("nothing was imported; export the table again and keep its id"
                         " column, so that import updates the rows by id; if these really"
                         " are new rows, run the same command with --again")
        else:
            self.hint = ("nothing was imported; take those rows out of the file (they are in"
                         " the record already), or if they really are new rows that repeat"
                         " existing ones, run the same command with --again")


class LedgerAssertionFailed(PaperkitError):
    """A balance assertion does not hold after a change; the change was rolled back."""

    exit_code = EXIT_ATTENTION
    hint = "check the entries before that date, or correct the assertion; nothing was changed"


class ChangedMeanwhile(PaperkitError):
    """A row changed after the person looked at it (at the kiosk: a scan, or another
    person); nothing was written."""

    exit_code = EXIT_ATTENTION
    hint = "look at it again as it is now, then choose"


class AlreadyDecided(NotFound):
    """No review item of a task waits any more: a person (at the kiosk, another command)
    or a later scan decided it before this decision arrived. Nothing was written; the
    message says what the task is now. A NotFound, as 'no pending review' always was."""

    hint = "run 'paperkit review', or reload the kiosk's review page, to see what still waits"


class BadCode(PaperkitError):
    """A slip code is malformed or its tag does not verify."""


class OtherKit(PaperkitError):
    """A slip code belongs to another kit."""


class PhotoError(PaperkitError):
    """A photo cannot be read (unknown format, too large, truncated)."""

    exit_code = EXIT_ATTENTION


class DependencyMissing(PaperkitError):
    """An optional system library (libzbar, chromium) is not installed."""


class LayoutError(PaperkitError):
    """A stock layout file is malformed, or content cannot fit its box."""


class StockTooSmall(LayoutError):
    """A stock's cells are smaller than the product needs (products.minimum_cell): refused
    before anything is laid out, with the size it needs, rather than blamed on the text."""


class StockFilesBad(PaperkitError):
    """Some stock files in layouts/ do not load (not UTF-8, not TOML, a bad key or value);
    ``paperkit print stocks`` listed the others. Exit 1: the listing was printed, the bad
    files need a person. ``problems`` holds (file, message) pairs."""

    exit_code = EXIT_ATTENTION
    hint = "fix or remove these files; the other stocks are listed above"

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = list(problems)
        super().__init__(f"{len(self.problems)} stock file(s) in layouts/ do not load:\n"
                         + "\n".join(f"  {message}" for _, message in self.problems))

    def user_message(self) -> str:
        return f"{self}\n{self.hint}"


class PhotoTooLarge(PhotoError):
    """A photo has more pixels than paperkit will decode (a decompression bomb guard)."""

    hint = "scale the photo down below the limit, or photograph fewer slips at a time"


class NothingToPrint(PaperkitError):
    """A product has nothing to print from the record (``print slips`` with no task in
    play): no file is written, and the message says what to add. Exit 1, as for anything
    that needs attention; an unreadable, empty PDF is never written."""

    exit_code = EXIT_ATTENTION


class Unprintable(PaperkitError):
    """A print was written, but some of its texts hold characters that no font paperkit
    ships can print (a name in Chinese or Devanagari letters, say): they show as empty boxes or
    not at all. Exit 1: the PDF is there, and a person should look at it."""

    exit_code = EXIT_ATTENTION
    hint = ("the fonts in fonts/ cover Latin, Greek, Cyrillic, Arabic and Hebrew letters; write"
            " these in letters they cover too, 'Zhang Wei' beside '张伟' say, before handing"
            " the print out")

    def __init__(self, texts: tuple[str, ...]):
        self.texts = texts
        shown = ", ".join(repr(t if len(t) <= 60 else t[:57] + "...") for t in texts[:5])
        more = f" and {len(texts) - 5} more" if len(texts) > 5 else ""
        super().__init__(f"the print was written, but {len(texts)} text(s) hold letters its"
                         f" fonts cannot print (they show as empty boxes or not at all):"
                         f" {shown}{more}")


class Interrupted(PaperkitError):
    """The command was stopped with Ctrl-C; the message says what was kept."""

    exit_code = EXIT_INTERRUPTED


class ScanInterrupted(Interrupted):
    """``paperkit scan`` was stopped with Ctrl-C after ``kept`` photos were committed (each
    in its own transaction; the photo being read was not written). ``dry_run``: nothing
    was written at all."""

    def __init__(self, kept: int, dry_run: bool = False):
        self.kept, self.dry_run = kept, dry_run
        if dry_run:
            super().__init__("interrupted; a dry run writes nothing",
                             "run it again to see the whole report")
        elif kept:
            super().__init__(f"interrupted; the {kept} photo(s) scanned before the stop are"
                             " kept in the record (above), the one being read was not written",
                             "run the same command again to finish: photos scanned already"
                             " are skipped")
        else:
            super().__init__("interrupted before any photo was written; the record is"
                             " unchanged", "run the same command again to scan them")


class RecordDamaged(RecordError):
    """SQLite finds the record file damaged: bad pages ("database disk image is
    malformed"), not a database at all, or empty (0 bytes: a copy that failed). Exit 1;
    the message says to restore a backup with 'paperkit restore', which keeps the damaged
    file aside."""

    exit_code = EXIT_ATTENTION
    hint = ("restore it from a 'paperkit backup' copy with 'paperkit restore FILE', which"
            " keeps the damaged file aside")


class RecordInUse(RecordError):
    """'paperkit restore' found the record open in another paperkit (the kiosk, a scan):
    swapping the file under it would mix the two records. Nothing was changed. Exit 1."""

    exit_code = EXIT_ATTENTION
    hint = "stop the kiosk or the other command first, then run this again; nothing was changed"


class KitIncomplete(KitNotFound):
    """A kit folder lacks one of its files (kit.key or kit.toml) while the others are
    there: named, with what to do, rather than 'not a kit'. Exit 1: it needs a person."""

    exit_code = EXIT_ATTENTION


class KitMoved(PaperkitError):
    """The kit folder a long-running paperkit (the kiosk) opened is no longer at its path:
    moved, renamed or deleted, or another kit's folder put in its place. Nothing was read
    or written; the kiosk must be started again from the folder's new place. Exit 1."""

    exit_code = EXIT_ATTENTION
    hint = ("nothing was written; stop the kiosk (Ctrl+C) and start it again from the kit"
            " folder's new place: 'paperkit --kit NEWPLACE kiosk'")
