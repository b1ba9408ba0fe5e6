"""The command line: help texts, README coverage, exit codes, and the record commands."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import click
import pytest

from paperkit.cli import cli
from paperkit.record import Source
from paperkit.record.events import list_events
from paperkit.samplekit import samples_dir

README = Path(__file__).resolve().parent.parent / "README.md"


def _walk(group: click.Group, prefix: str = "paperkit"):
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        yield path, command
        if isinstance(command, click.Group):
            yield from _walk(command, path)


ALL_COMMANDS = list(_walk(cli))
LEAF_COMMANDS = [(p, c) for p, c in ALL_COMMANDS if not isinstance(c, click.Group)]


@pytest.mark.parametrize("path, command", [("paperkit", cli), *ALL_COMMANDS],
                         ids=["paperkit", *[p for p, _ in ALL_COMMANDS]])
def test_every_command_has_help_with_an_example(path, command):
    text = command.help or ""
    assert len(text.strip()) > 20, f"{path} has no help text"
    example = re.search(r"\n\s*\x08\s*\n\s*Example[s]?:\n(.+)", text, re.S)
    assert example, f"{path}: the help needs a '\\b' 'Example:' block"
    assert "paperkit " in example.group(1), f"{path}: the example should be a command line"
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{path} {param.opts[0]} has no help"


@pytest.mark.parametrize("path", [p for p, _ in LEAF_COMMANDS])
def test_every_command_is_named_in_the_readme(path):
    assert path in README.read_text(encoding="utf-8"), f"README.md does not mention '{path}'"


@pytest.mark.parametrize("path", [p for p, _ in ALL_COMMANDS])
def test_help_runs(run, path):
    code, out, _ = run(*path.split()[1:], "--help")
    assert code == 0 and "Example" in out


def test_no_command_edits_the_event_log():
    log = cli.commands["log"]
    assert not isinstance(log, click.Group)
    assert not any(p.name in ("delete", "edit", "undo") for p in log.params)


def test_the_console_script_runs():
    proc = subprocess.run(["paperkit", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "Example" in proc.stdout


# -- kit discovery from the command line --------------------------------------------------------
def test_kit_option_environment_and_parent_folder(run, kit, tmp_path, monkeypatch):
    assert run("--kit", str(kit.path), "status")[0] == 0
    monkeypatch.setenv("PAPERKIT_KIT", str(kit.path))
    assert run("status")[0] == 0
    monkeypatch.delenv("PAPERKIT_KIT")
    code, _, err = run("status")
    assert code == 2 and "no kit found" in err and "paperkit init" in err
    monkeypatch.chdir(kit.path / "photos")
    assert run("status")[0] == 0


def test_init_twice_exits_2_and_keeps_the_key(run, tmp_path):
    assert run("init", "k", "--name", "Riverside")[0] == 0
    key = (tmp_path / "k" / "kit.key").read_bytes()
    code, _, err = run("init", "k")
    assert code == 2 and "already exists" in err
    assert (tmp_path / "k" / "kit.key").read_bytes() == key


# -- the record commands ------------------------------------------------------------------------
def test_task_list_writes_a_titles_control_characters_as_escapes(run, kit):
    """A carriage return in an imported title forged a line of 'task list' on a terminal
    ('Harmless\rT0001 done ...': a red team, the fortieth session)."""
    with kit.open_record() as rec, rec.write(Source("cli", "test")) as w:
        w.insert("tasks", {"id": "T0031", "title": "Harmless\rT0001  done     rev 9   Fine",
                           "status": "open"})
    code, out, _ = run("--kit", str(kit.path), "task", "list")
    assert code == 0 and "\r" not in out
    assert out.splitlines() == ["T0031  open     rev 1   Harmless\\rT0001  done     rev 9   Fine"]


def test_task_add_set_list_and_log(run, kit):
    k = ("--kit", str(kit.path))
    code, out, _ = run(*k, "task", "add", "Book the hall", "--timeframe", "by Fri",
                       "--steward", "Ana", "--json")
    assert code == 0 and json.loads(out)["id"] == "T0001"
    assert run(*k, "task", "set", "T0001", "--status", "done")[0] == 0
    code, out, _ = run(*k, "task", "set", "T0001", "--status", "done")
    assert code == 0 and "unchanged" in out
    code, out, _ = run(*k, "task", "list", "--json")
    (task,) = json.loads(out)
    assert (task["status"], task["rev"], task["steward"]) == ("done", 2, "Ana")
    code, out, _ = run(*k, "log", "--task", "T0001", "--json")
    events = json.loads(out)
    assert [e["action"] for e in events] == ["insert", "update"]
    assert events[1]["source"] == "paperkit task set T0001 --status done"
    assert events[1]["source_kind"] == "cli"
    assert events[1]["before"]["status"] == "open" and events[1]["after"]["status"] == "done"
    code, out, _ = run(*k, "log")
    assert "status: 'open' -> 'done'" in out


def test_task_add_after_the_highest_id_takes_the_lowest_free_one(run, kit):
    """Regression: after an id T99999999 written by hand, 'task add' without --id failed
    with "--id: 'T100000000' is not a task id", an option the user never gave."""
    k = ("--kit", str(kit.path))
    assert run(*k, "task", "add", "First")[0] == 0  # T0001
    assert run(*k, "task", "add", "Last", "--id", "T99999999")[0] == 0
    code, out, err = run(*k, "task", "add", "Next", "--json")
    assert code == 0, err
    assert json.loads(out)["id"] == "T0002"


@pytest.mark.parametrize("args, words", [
    (("task", "set", "T0009", "--status", "done"), "no task T0009"),
    (("task", "set", "T0001", "--status", "finished"), "finished"),
    (("task", "set", "T0001"), "nothing to change"),
    (("task", "add", "Again", "--id", "T0001"), "already exists"),
    (("task", "add", "Bad id", "--id", "X1"), "not a task id"),
    (("ledger", "add", "donation", "12.345", "--currency", "USD"), "decimals"),
    (("ledger", "add", "donation", "5"), "currency"),
    (("ledger", "add", "expense", "--currency", "USD", "--", "-5"), "more than 0"),
    (("role", "add", "comms", "Rafa", "--starts", "2026-11-20", "--ends", "2026-11-01"),
     "before it starts"),
    (("role", "add", "comms", "Rafa", "--starts", "20/11/2026"), "YYYY-MM-DD"),
    (("status", "--on", "tomorrow"), "--on"),
    (("export", "people"), "people"),
    (("import", "tasks", "missing.csv"), "cannot read"),
])
def test_bad_input_exits_2_with_a_one_line_message(run, kit, args, words):
    run("--kit", str(kit.path), "task", "add", "First")
    code, out, err = run("--kit", str(kit.path), *args)
    assert code == 2, (out, err)
    assert words in err
    assert "Traceback" not in err


def test_ledger_commands(run, kit):
    k = ("--kit", str(kit.path))
    assert run(*k, "ledger", "add", "donation", "100.00", "--currency", "USD",
               "--date", "2026-11-01", "--counterparty", "Bake sale")[0] == 0
    assert run(*k, "ledger", "add", "transfer", "--date", "2026-11-02", "--", "-12.50")[0] == 0
    assert run(*k, "ledger", "assert", "2026-11-02", "87.50", "USD")[0] == 0
    code, out, err = run(*k, "ledger", "assert", "2026-11-02", "90.00", "USD")
    assert code == 1 and "off by -2.50" in err
    code, out, _ = run(*k, "ledger", "balance", "--json")
    assert json.loads(out) == {"USD": {"amount": "87.50", "minor": 8750}}
    code, out, _ = run(*k, "ledger", "add", "donation", "2.5", "--currency", "JOD", "--json",
                       "--note", "cash")
    added = json.loads(out)  # money in one shape in every command's JSON
    assert (added["amount"], added["minor"], added["currency"]) == ("2.500", 2500, "JOD")
    assert (added["balance"], added["balance_minor"]) == ("2.500", 2500)
    assert "(cash)" in run(*k, "ledger", "list")[1]
    code, out, _ = run(*k, "ledger", "list", "--json")
    listing = json.loads(out)
    assert [e["balance"] for e in listing["entries"]][:2] == ["100.00", "87.50"]
    assert [e["balance_minor"] for e in listing["entries"]][:2] == [10000, 8750]
    assert listing["assertions"][0]["amount"] == "87.50"
    code, out, _ = run(*k, "ledger", "list")
    assert "-12.50" in out and "assert 2026-11-02 87.50 USD" in out


def test_role_add_and_list(run, kit):
    k = ("--kit", str(kit.path))
    code, out, _ = run(*k, "role", "add", "comms", "Rafa", "--starts", "2026-11-20", "--json")
    assert json.loads(out)["ends"] == "2026-12-03"  # one 14-day rotation, inclusive
    run(*k, "role", "add", "care", "Jonas", "--starts", "2020-01-01")
    code, out, _ = run(*k, "role", "list", "--json", "--on", "2026-11-25")
    assert {r["role"]: r["state"] for r in json.loads(out)} == {"care": "expired",
                                                                "comms": "active"}


def test_status_exit_codes_and_json(run, kit, sample_kit):
    assert run("--kit", str(kit.path), "status")[0] == 0
    code, out, _ = run("--kit", str(sample_kit.path), "status", "--json", "--on", "2026-11-25")
    assert code == 1
    data = json.loads(out)
    assert data["attention"] is True  # money as 'ledger balance --json' shows it
    assert data["balances"] == {"USD": {"amount": "3794.77", "minor": 379477}}
    assert data["tasks"]["open"] == 11
    code, out, _ = run("--kit", str(sample_kit.path), "status", "--on", "2026-11-25")
    assert code == 1 and "needs attention" in out and "mandate expired" in out
    assert "ledger balance: 3794.77 USD" in out


def test_import_export_round_trip_between_kits(run, sample_kit, tmp_path):
    assert run("init", "other")[0] == 0
    for table in ("contacts", "tasks", "roles", "ledger"):
        out_file = tmp_path / f"{table}.csv"
        assert run("--kit", str(sample_kit.path), "export", table, "-o", str(out_file))[0] == 0
        assert out_file.read_bytes() == (samples_dir() / f"{table}.csv").read_bytes()
        code, out, _ = run("--kit", "other", "import", table, str(out_file), "--json")
        assert code == 0 and json.loads(out)["inserted"] > 0
        code, out, _ = run("--kit", "other", "export", table)
        assert out.encode("utf-8") == out_file.read_bytes()
    code, out, _ = run("--kit", "other", "export", "tasks", "--format", "json")
    assert len(json.loads(out)) == 30


def test_a_bad_import_lists_every_row_and_exits_2(run, kit, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,title,status\nT0001,A,open\nT0002,,open\nT0003,C,doing\n", "utf-8")
    code, _, err = run("--kit", str(kit.path), "import", "tasks", str(bad))
    assert code == 2
    assert f"{bad}:3: column 'title'" in err and f"{bad}:4: column 'status'" in err
    assert "nothing was imported" in err
    with kit.open_record() as rec:
        assert list_events(rec) == []


def test_backup_command(run, sample_kit, tmp_path):
    code, out, _ = run("--kit", str(sample_kit.path), "backup", str(tmp_path / "b.sqlite"))
    assert code == 0 and (tmp_path / "b.sqlite").is_file()
    code, _, err = run("--kit", str(sample_kit.path), "backup", str(tmp_path / "b.sqlite"))
    assert code == 2 and "already exists" in err


def _tour_lines() -> list[list[str]]:
    text = README.read_text(encoding="utf-8").split("## Tour", 1)[1]
    block = text.split("```\n", 2)[1]
    return [words for line in block.splitlines() if (words := shlex.split(line, comments=True))]


def test_the_readme_tour_runs(run, tmp_path, monkeypatch):
    (tmp_path / "samples").symlink_to(samples_dir())
    monkeypatch.setenv("HOME", str(tmp_path))
    lines = _tour_lines()
    assert len(lines) > 15
    for words in lines:
        if words[0] == "cd":
            monkeypatch.chdir(words[1])
            continue
        assert words[0] == "paperkit"
        words = [str(tmp_path) + w[1:] if w.startswith("~/") else w for w in words[1:]]
        code, out, err = run(*words)
        assert code == (1 if words[0] == "status" else 0), (words, out, err)
    assert (tmp_path / "record-backup.sqlite").is_file()


def test_a_full_disk_is_a_message_not_a_traceback(run, sample_kit, monkeypatch):
    """A write the operating system refuses (a full disk, a read-only folder) is reported
    with the file and what to do, exit 1; the record is not half-changed."""
    import errno

    from PIL import Image
    from scan_images import Mark, grid_photo

    from paperkit import codes
    from paperkit.record.tasks import get_task
    from paperkit.scan import pipeline

    def full(kit, photo):
        raise OSError(errno.ENOSPC, "No space left on device", str(kit.photos_dir / "p.jpg"))

    monkeypatch.setattr(pipeline, "store_photo", full)
    photo = sample_kit.path / "meeting.jpg"  # a slip of the kit's (a photo with none is
    with sample_kit.open_record() as rec:  # not stored, so never meets the full disk)
        code = codes.build(sample_kit.key, sample_kit.id, "T0001", get_task(rec, "T0001").rev)
    Image.fromarray(grid_photo([(code.text, (Mark("done"),))], size=(900, 620), cols=1,
                               s=3.0)).save(photo)
    with sample_kit.open_record() as rec:
        before = rec.query_one("SELECT count(*) FROM events")[0]
    code, out, err = run("--kit", str(sample_kit.path), "scan", str(photo))
    assert code == 1 and "Traceback" not in err
    assert "No space left on device" in err and "p.jpg" in err and "free some disk space" in err
    with sample_kit.open_record() as rec:
        assert rec.query_one("SELECT count(*) FROM events")[0] == before
    photos = sample_kit.path / "photos"  # and no crop is left without its record
    assert not photos.exists() or not [p for p in photos.rglob("*") if p.is_file()]


def _slip_photos(kit, folder, names):
    """A photo of T0001's slip marked stuck under each of ``names`` in ``folder``, each a
    different file (a different sha256)."""
    from PIL import Image
    from scan_images import Mark, grid_photo

    from paperkit import codes
    from paperkit.record.tasks import get_task

    with kit.open_record() as rec:
        code = codes.build(kit.key, kit.id, "T0001", get_task(rec, "T0001").rev)
    paths = []
    for i, name in enumerate(names):
        paths.append(folder / name)
        Image.fromarray(grid_photo([(code.text, (Mark("stuck"),))], size=(900, 620), cols=1,
                                   s=3.0, seed=i)).save(paths[-1])
    return paths


@pytest.mark.parametrize("as_json", [False, True])
def test_an_error_part_way_through_a_scan_shows_the_photos_kept_before_it(
        run, sample_kit, tmp_path, monkeypatch, as_json):
    """A busy record or a full disk at the second photo: the first was committed, and its
    table (or JSON line) is shown before the error, with a note that it is kept (nothing
    of it was shown, and a second run only said "already scanned"; red team, round five)."""
    from paperkit.errors import RecordError
    from paperkit.scan import pipeline

    first, second = _slip_photos(sample_kit, tmp_path, ["a.png", "b.png"])
    scan_photo = pipeline.scan_photo

    def busy_at_the_second(kit, rec, path, *args, **kw):
        if Path(path).name == "b.png":
            raise RecordError(f"the record {kit.path / 'record.sqlite'} is busy",
                              "wait, then run this again")
        return scan_photo(kit, rec, path, *args, **kw)

    monkeypatch.setattr(pipeline, "scan_photo", busy_at_the_second)
    code, out, err = run("--kit", str(sample_kit.path), "scan", *(["--json"] * as_json),
                         str(first), str(second))
    assert code == 1 and "Traceback" not in err
    if as_json:
        (line,) = out.splitlines()
        assert json.loads(line)["photo"] == str(first)
    else:
        assert out.startswith(str(first)) and "done → stuck" in out
    assert "the 1 photo(s) scanned before the error below are kept" in err
    assert err.index("kept in the record") < err.index("is busy")


def test_a_line_break_in_a_photo_s_name_is_shown_escaped(run, sample_kit, tmp_path):
    """A file's name could forge a row of the table with a line break in it."""
    name = "evil\n  T0099       1  done     applied        1.00  open → done\nx.png"
    (path,) = _slip_photos(sample_kit, tmp_path, [name])
    code, out, err = run("--kit", str(sample_kit.path), "scan", "--dry-run", str(path))
    assert code == 0 and "Traceback" not in err
    assert "T0099" not in "\n".join(line for line in out.splitlines() if "evil" not in line)
    assert "evil\\n  T0099" in out


def test_scanning_a_folder_names_the_files_it_does_not_read(run, sample_kit, tmp_path):
    """A folder's pictures in formats paperkit does not read are named on stderr (with
    --json too), not passed over unsaid."""
    from PIL import Image

    folder = tmp_path / "meeting"
    folder.mkdir()
    Image.new("RGB", (400, 300), "white").save(folder / "IMG_1.jpg")
    (folder / "IMG_2.dng").write_bytes(b"raw")
    (folder / "IMG_3.gif").write_bytes(b"GIF89a")
    (folder / "notes.txt").write_text("x")
    for extra in ((), ("--json",)):
        code, out, err = run("--kit", str(sample_kit.path), "scan", "--dry-run", *extra,
                             str(folder))
        assert code == 1 and "Traceback" not in err  # the white photo holds no code
        assert "not read: 2 picture(s)" in err and "(IMG_2.dng, IMG_3.gif)" in err
        assert "save it as JPEG" in err and "not read" not in out


def test_scanning_a_file_of_several_pages_says_each_page_as_it_goes(run, sample_kit,
                                                                    tmp_path):
    """A PDF or TIFF of many sheets takes a while: each page is said on stderr as it is
    read (with --json too), a photo of one page says nothing."""
    from PIL import Image

    path = tmp_path / "sheets.tif"
    page = Image.new("L", (400, 300), 255)
    page.save(path, save_all=True, append_images=[page, page])
    Image.new("RGB", (400, 300), "white").save(tmp_path / "one.jpg")
    for extra in ((), ("--json",)):
        code, out, err = run("--kit", str(sample_kit.path), "scan", "--dry-run", *extra,
                             str(path), str(tmp_path / "one.jpg"))
        assert code == 1 and "Traceback" not in err
        assert [line.strip() for line in err.splitlines() if "page" in line] == [
            f"sheets.tif: page {i} of 3" for i in (1, 2, 3)]
        assert "page" not in out


def test_a_record_that_cannot_be_written_is_a_message_not_a_traceback(run, sample_kit,
                                                                       monkeypatch):
    """SQLite's own failures (a full disk, a damaged file) say what to do, exit 1."""
    import sqlite3

    from paperkit.record.db import Writer

    def full(*args, **kw):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Writer, "update", full)
    code, out, err = run("--kit", str(sample_kit.path), "task", "set", "T0005", "--status",
                         "done")
    assert code == 1 and "Traceback" not in err
    assert "database or disk is full" in err and "paperkit backup" in err


def test_a_print_with_letters_no_font_covers_is_written_and_says_which(run):
    """Regression: a name in Chinese printed as empty boxes or not at all, with nothing
    said. The PDF is still written; the command names each such text and exits 1 (needs
    attention). Hebrew, which printed as boxes too, has its font now."""
    assert run("init", "k")[0] == 0
    assert run("--kit", "k", "task", "add", "Call the lawyer", "--steward", "张伟 Zhang Wei")[0] == 0
    assert run("--kit", "k", "task", "add", "Bring water", "--steward", "דוד כהן")[0] == 0
    assert run("--kit", "k", "task", "add", "Book the hall", "--steward", "José Ñúñez")[0] == 0
    code, out, err = run("--kit", "k", "print", "slips", "-o", "slips.pdf")
    assert code == 1, err
    assert "wrote slips.pdf" in out and Path("slips.pdf").stat().st_size > 0
    assert "张伟 Zhang Wei" in err and "דוד כהן" not in err and "José" not in err
    assert "Traceback" not in err
    code, out, err = run("--kit", "k", "print", "charter", "-o", "charter.pdf")
    assert code == 0 and err == "", err


def test_ctrl_c_while_the_cli_loads_is_one_line_and_exit_130():
    """Regression: Ctrl-C in the second it takes to load the CLI printed a traceback from
    the import. A timer raises KeyboardInterrupt 50 ms into the load, as Ctrl-C does."""
    code = ("import signal, sys; sys.argv = ['paperkit', '--help'];"
            "signal.signal(signal.SIGALRM, signal.default_int_handler);"
            "signal.setitimer(signal.ITIMER_REAL, 0.05);"
            "from paperkit.entry import main; main()")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 130, done.stderr
    assert done.stderr == "paperkit: interrupted before it started; nothing was done\n"
    assert done.stdout == ""


def test_the_console_script_loads_the_cli_through_the_guard():
    from importlib.metadata import entry_points

    (script,) = entry_points(group="console_scripts", name="paperkit")
    assert script.value == "paperkit.entry:main"


def test_a_negative_amount_without_dashes_says_to_put_them(run, kit):
    """Regression: 'ledger add transfer -120.00' gave click's "No such option '-1'" and no
    way on."""
    code, _, err = run("--kit", str(kit.path), "ledger", "add", "transfer", "-120.00")
    assert code == 2
    assert "'-120.00' was read as an option" in err and "-- -120.00" in err


def test_log_of_a_task_that_does_not_exist_says_so(run, kit):
    """Regression: 'log --task T9999' printed nothing and exited 0."""
    k = ("--kit", str(kit.path))
    code, _, err = run(*k, "log", "--task", "T9999")
    assert code == 2 and "there is no task T9999" in err
    assert run(*k, "task", "add", "Book the hall")[0] == 0
    code, out, _ = run(*k, "log", "--task", "T0001")
    assert code == 0 and "insert tasks T0001" in out


def test_a_damaged_record_says_what_to_do_and_is_not_a_usage_error(run, kit):
    """Regression: a record that is not SQLite gave exit 2 (usage) and no next step."""
    (kit.path / "record.sqlite").write_bytes(b"not a database at all" * 500)
    code, _, err = run("--kit", str(kit.path), "task", "list")
    assert code == 1, err
    assert "record" in err and "restore it from a 'paperkit backup' copy" in err
    assert "Traceback" not in err


def test_the_record_its_backups_and_exports_are_readable_by_their_owner_alone(run, tmp_path):
    """Regression: record.sqlite, its -wal, 'paperkit backup' copies and 'export -o' files
    were 0644 (under the usual umask): anyone on a shared machine could read the private
    contacts. A kit.key copied back as 0644 is made 0600 again (DESIGN §1)."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        assert run("init", "k")[0] == 0
        k = ("--kit", str(tmp_path / "k"))
        assert run(*k, "task", "add", "Book the hall")[0] == 0
        assert run(*k, "backup", str(tmp_path / "copy.sqlite"))[0] == 0
        assert run(*k, "export", "contacts", "-o", str(tmp_path / "c.csv"))[0] == 0
        (tmp_path / "k" / "kit.key").chmod(0o644)
        assert run(*k, "status")[0] == 0
    finally:
        os.umask(old)
    kit = tmp_path / "k"
    for path in (kit / "record.sqlite", kit / "record.sqlite-wal", tmp_path / "copy.sqlite",
                 tmp_path / "c.csv", kit / "kit.key"):
        if path.exists() or not path.name.endswith("-wal"):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_a_kit_folder_that_does_not_exist_is_named_so(run, tmp_path):
    code, _, err = run("--kit", str(tmp_path / "nowhere"), "status")
    assert code == 2 and "does not exist" in err


def test_backup_says_the_photos_are_not_in_the_copy(run, kit):
    """Regression: a backup left out photos/ (the only copy of handwritten notes) without
    a word; a kit restored from it had crops pointing at nothing."""
    k = ("--kit", str(kit.path))
    code, out, _ = run(*k, "backup", "one.sqlite")
    assert code == 0 and "not in the copy: kit.key" in out and "photo" not in out
    crops = kit.path / "photos" / "crops" / "abc"
    crops.mkdir(parents=True)
    (crops / "T0001-note.png").write_bytes(b"png")
    (kit.path / "photos" / "abc.jpg").write_bytes(b"jpg")
    code, out, _ = run(*k, "backup", "two.sqlite")
    assert code == 0 and "2 photo and crop file(s)" in out and "copy that folder too" in out


def test_a_locale_that_cannot_write_the_text_is_a_message(kit, tmp_path):
    """Regression: under an ASCII-only locale (LC_ALL=C with UTF-8 mode off) an Arabic task
    title gave a UnicodeEncodeError traceback."""
    import os

    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0",
           "PYTHONIOENCODING": ""}
    done = subprocess.run([sys.executable, "-c", "from paperkit.entry import main; main()",
                           "--kit", str(kit.path), "task", "add", "مهمة ✊"],
                          capture_output=True, env=env, timeout=120)
    err = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 2, err
    assert "Traceback" not in err and "UTF-8 locale" in err


@pytest.mark.parametrize("spoil", ["toml", "key"])
def test_a_damaged_kit_file_exits_1_as_a_missing_one_does(run, sample_kit, spoil):
    """A kit.toml that is not TOML, or a kit.key cut short, exited 2 (a usage error) where
    a missing one exits 1: the kit needs a person, the command was used rightly (red team,
    round five)."""
    if spoil == "toml":
        with open(sample_kit.path / "kit.toml", "a") as f:
            f.write('name = "x\n')
    else:
        (sample_kit.path / "kit.key").write_bytes(b"short")
    code, out, err = run("--kit", str(sample_kit.path), "status")
    assert code == 1 and "Traceback" not in err
    assert ("not valid TOML" if spoil == "toml" else "not a 32-byte key") in err


def test_task_set_takes_an_id_in_small_letters_as_log_does(run, sample_kit):
    code, out, err = run("--kit", str(sample_kit.path), "task", "set", "t0005", "--status",
                         "stuck")
    assert code == 0 and "T0005" in out, err


def test_a_bad_choice_is_named_with_its_article(run, sample_kit, tmp_path):
    """"'Public' is not a audience" (red team, round six)."""
    path = tmp_path / "c.csv"
    path.write_text("id,name,role,ring,audience\n,A Person,lawyer,witness,Public\n")
    code, out, err = run("--kit", str(sample_kit.path), "import", "contacts", str(path))
    assert code == 2 and "'Public' is not an audience" in err
