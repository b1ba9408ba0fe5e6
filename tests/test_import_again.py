"""An import run again: the record keeps each import by the file's sha256, and a file that
would add its new rows (empty id) a second time is refused unless --again."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from paperkit.errors import AlreadyImported
from paperkit.kit import init_kit
from paperkit.record import Record, Source, db
from paperkit.record.csvio import import_file, past_imports
from paperkit.record.events import count_events

NEW_TASKS = "title,steward\nBook the hall,Ana\nPrint the cards,Bo\n"


def _tasks(rec) -> list[tuple[str, str]]:
    return [tuple(r) for r in rec.query("SELECT id, title FROM tasks ORDER BY id")]


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def test_a_rerun_of_an_import_killed_after_its_commit_adds_nothing(run, kit, tmp_path):
    """Regression (an audit saw it in 2 of 12 kills): the process died just after the commit,
    before it printed anything; the user ran the same command again, and the file's new
    rows were added a second time (T0003, T0004 beside T0001, T0002)."""
    path = _write(tmp_path, "tasks.csv", NEW_TASKS)
    script = textwrap.dedent(f"""
        import os, click
        from paperkit.cli import main
        click.echo = lambda *a, **k: os._exit(9)  # killed after the commit, before any output
        main(["--kit", {str(kit.path)!r}, "import", "tasks", {str(path)!r}])
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 9 and proc.stdout == "", proc.stderr
    with kit.open_record() as rec:
        assert _tasks(rec) == [("T0001", "Book the hall"), ("T0002", "Print the cards")]
        events = count_events(rec)
    code, out, err = run("--kit", str(kit.path), "import", "tasks", str(path))
    assert code == 2 and out == ""
    assert f"{path} was imported into tasks on " in err and " UTC: " in err
    assert "added 2 new row(s) (T0001, T0002)" in err
    assert "this file's 2 row(s) with an empty id would be added a second time" in err
    assert ("nothing was imported; if you really mean to add these rows again, run the same"
            " command with --again") in err
    with kit.open_record() as rec:
        assert _tasks(rec) == [("T0001", "Book the hall"), ("T0002", "Print the cards")]
        assert count_events(rec) == events
        assert len(past_imports(rec)) == 1


def test_again_adds_the_rows_a_second_time_and_is_kept_too(run, kit, tmp_path):
    k = ("--kit", str(kit.path))
    path = _write(tmp_path, "tasks.csv", NEW_TASKS)
    assert run(*k, "import", "tasks", str(path))[0] == 0
    code, out, err = run(*k, "import", "tasks", str(path), "--again", "--json")
    assert code == 0, err
    assert json.loads(out)["inserted"] == 2
    with kit.open_record() as rec:
        assert [t for t, _ in _tasks(rec)] == ["T0001", "T0002", "T0003", "T0004"]
        kept = past_imports(rec)
    assert [(p.file, p.table, p.inserted, p.again) for p in kept] == \
        [(str(path), "tasks", 2, False), (str(path), "tasks", 2, True)]
    assert kept[1].added == (("tasks", "T0003"), ("tasks", "T0004"))
    assert kept[0].sha256 == kept[1].sha256 == json.loads(out)["sha256"]
    code, _, err = run(*k, "import", "tasks", str(path))  # and a third time: refused again
    assert code == 2 and "(the last of 2 imports of it)" in err and "(T0003, T0004)" in err


def test_a_file_whose_rows_all_have_ids_imports_again_and_is_kept(run, sample_kit, tmp_path):
    k = ("--kit", str(sample_kit.path))
    exported = tmp_path / "tasks.csv"
    assert run(*k, "export", "tasks", "-o", str(exported))[0] == 0
    for _ in range(2):
        code, out, err = run(*k, "import", "tasks", str(exported))
        assert code == 0, err
        assert "0 new, 0 updated, 30 unchanged" in out
    text = exported.read_text(encoding="utf-8")
    exported.write_text(text.replace("Print 200 pocket", "Print 300 pocket"), encoding="utf-8",
                        newline="")
    code, out, _ = run(*k, "import", "tasks", str(exported))  # other bytes, a changed row
    assert code == 0 and "0 new, 1 updated, 29 unchanged" in out
    with sample_kit.open_record() as rec:
        kept = past_imports(rec, table="tasks")
    assert [(p.file, p.inserted, p.updated) for p in kept[1:]] == \
        [(str(exported), 0, 0), (str(exported), 0, 0), (str(exported), 0, 1)]
    assert kept[1].sha256 == kept[2].sha256 != kept[3].sha256


def test_the_same_bytes_under_another_name_are_the_same_file(run, kit, tmp_path):
    k = ("--kit", str(kit.path))
    first = _write(tmp_path, "tasks.csv", NEW_TASKS)
    copy = _write(tmp_path, "tasks (1).csv", NEW_TASKS)
    assert run(*k, "import", "tasks", str(first))[0] == 0
    code, _, err = run(*k, "import", "tasks", str(copy))
    assert code == 2 and f"{copy} holds the same bytes as {first}, imported into tasks" in err
    other = _write(tmp_path, "more.csv", "title,steward\nBuy water,Cy\n")  # other bytes
    code, out, _ = run(*k, "import", "tasks", str(other))
    assert code == 0 and "1 new" in out
    # other bytes that hold the rows imported already: refused by their content
    # (tests/test_csv_spreadsheets.py), added with --again
    again = _write(tmp_path, "again.csv", NEW_TASKS + "Buy bread,Cy\n")
    code, _, err = run(*k, "import", "tasks", str(again))
    assert code == 2 and "(line 2 matches T0001, line 3 matches T0002)" in err
    code, out, _ = run(*k, "import", "tasks", str(again), "--again")
    assert code == 0 and "3 new" in out


def test_the_refusal_names_ledger_entries_and_assertions_and_counts_more(tmp_path):
    ledger = _write(tmp_path, "ledger.csv", "date,kind,amount,currency\n"
                    + "".join(f"2026-01-0{d},donation,{d}.00,USD\n" for d in range(1, 8))
                    + "2026-01-09,assert,28.00,USD\n")
    with Record.open(":memory:") as rec:
        import_file(rec, "ledger", ledger)
        with pytest.raises(AlreadyImported) as err:
            import_file(rec, "ledger", ledger)
        assert rec.query_one("SELECT count(*) FROM ledger")[0] == 7
    message = err.value.user_message()
    assert "added 8 new row(s) (#1, #2, #3, #4, #5 and 3 more)" in message
    assert err.value.earlier.added[-1] == ("ledger_assertions", 1)
    assert "this file's 8 row(s) with an empty id" in message


def test_a_file_that_fails_is_not_kept_as_imported(tmp_path):
    bad = _write(tmp_path, "t.csv", "title,status\nA,open\nB,doing\n")
    with Record.open(":memory:") as rec:
        with pytest.raises(Exception, match="bad row"):
            import_file(rec, "tasks", bad)
        assert past_imports(rec) == []
        bad.write_text("title,status\nA,open\nB,done\n", encoding="utf-8")
        assert import_file(rec, "tasks", bad).inserted == 2  # once fixed, it imports


def test_two_imports_of_one_file_at_once_add_its_rows_once(tmp_path, import_meanwhile):
    """The check is made inside the write transaction, as the numbering is: an import of
    the same file that commits while this one reads and checks its rows is seen."""
    path = tmp_path / "record.sqlite"
    file = _write(tmp_path, "tasks.csv", NEW_TASKS)
    first, second = Record.open(path), Record.open(path)
    with pytest.raises(AlreadyImported):  # this import has parsed the file; the other
        import_meanwhile(first, "tasks", file, second, file)  # commits now
    assert [t for t, _ in _tasks(first)] == ["T0001", "T0002"]
    first.close()
    second.close()


def test_two_processes_importing_one_file_at_once_add_its_rows_once(kit, tmp_path):
    file = _write(tmp_path, "tasks.csv", NEW_TASKS)
    command = ["paperkit", "--kit", str(kit.path), "import", "tasks", str(file)]
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    results = sorted((p.wait(timeout=60), p.stderr.read()) for p in procs)
    assert [code for code, _ in results] == [0, 2], results
    assert f"{file} was imported into tasks" in results[1][1]
    with kit.open_record() as rec:
        assert [t for t, _ in _tasks(rec)] == ["T0001", "T0002"]


def test_an_old_record_is_migrated_and_its_imports_kept_from_then_on(run, tmp_path, monkeypatch):
    """A record kept before migration 0003 has no imports table: opening it adds the table
    (empty: earlier imports are not known), and imports are kept from then on."""
    every = db._migrations()
    monkeypatch.setattr(db, "_migrations", lambda: every[:2])
    old = init_kit(tmp_path / "old", name="Old group")
    with old.open_record() as rec:
        assert rec.schema_version() == 2
        with rec.write(Source("cli", "paperkit task add")) as w:
            w.insert("tasks", {"id": "T0001", "title": "From before"})
    monkeypatch.setattr(db, "_migrations", lambda: every)
    path = _write(tmp_path, "tasks.csv", NEW_TASKS)
    code, out, err = run("--kit", str(old.path), "import", "tasks", str(path))
    assert code == 0 and "2 new" in out, err
    with old.open_record() as rec:
        assert rec.schema_version() == every[-1][0] >= 3
        assert [p.inserted for p in past_imports(rec)] == [2]
        assert _tasks(rec) == [("T0001", "From before"), ("T0002", "Book the hall"),
                               ("T0003", "Print the cards")]
    code, _, err = run("--kit", str(old.path), "import", "tasks", str(path))
    assert code == 2 and "(T0002, T0003)" in err


def test_the_demo_kit_imports_each_sample_once(sample_kit):
    with sample_kit.open_record() as rec:
        assert sorted(p.table for p in past_imports(rec)) == ["contacts", "ledger", "roles",
                                                              "tasks"]
