"""A scan run as a whole: a dry run reports what a real run would do, a photo scanned again
still says what was wrong with it, Ctrl-C stops a run cleanly, a read-only record is named."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import time

import pytest
from scan_images import Mark, grid_photo, save

from paperkit import codes
from paperkit.cli import main
from paperkit.errors import RecordReadOnly
from paperkit.kit import init_kit, open_kit
from paperkit.record.db import Record, Source
from paperkit.record.tasks import get_task
from paperkit.scan import helper as helper_mod
from paperkit.scan import pipeline as pipeline_mod
from paperkit.scan import scan_photos


def _run(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def _kit(path, n: int):
    kit = init_kit(path, name="Runs test")
    with kit.open_record() as rec, rec.write(Source("cli", "test setup")) as w:
        for i in range(1, n + 1):
            w.insert("tasks", {"id": f"T{i:04d}", "title": f"task {i}"})
    return kit


def _photo(path, kit, slips, seed=0):
    save(grid_photo([(codes.build(kit.key, kit.id, task, 1).text, marks)
                     for task, marks in slips], size=(2000, 900), cols=len(slips), s=2.6,
                    seed=seed), path)
    return path


def _outcomes(results):
    return [(bool(r.already_scanned), r.errors,
             [(s.task, s.outcome, s.status, s.reason) for s in r.slips]) for r in results]


@pytest.fixture(scope="module")
def two_kits(tmp_path_factory):
    """Two copies of one kit (same key and record), and photos of its slips: a.jpg reads
    T0001 done and T0002 taken, b.jpg T0001 stuck (against a.jpg) and T0002 taken again."""
    tmp = tmp_path_factory.mktemp("runs")
    kit = _kit(tmp / "kit", 2)
    a = _photo(tmp / "a.jpg", kit, [("T0001", (Mark("done"),)), ("T0002", (Mark("taken"),))])
    b = _photo(tmp / "b.jpg", kit, [("T0001", (Mark("stuck"),)), ("T0002", (Mark("taken"),))],
               seed=3)
    shutil.copytree(kit.path, tmp / "copy")
    return kit, open_kit(tmp / "copy"), [a, b, a]


def test_a_dry_run_over_several_photos_reports_what_a_real_run_does(two_kits):
    """It used to judge each photo against the record alone, which a dry run never writes:
    a.jpg's T0001 applied done and b.jpg's applied stuck, and a.jpg again applied twice."""
    kit, copy, paths = two_kits
    with kit.open_record() as rec:
        before = rec.query("SELECT * FROM events")
        dry = scan_photos(kit, rec, paths, dry_run=True)
        assert rec.query("SELECT * FROM events") == before
        assert rec.query_one("SELECT count(*) FROM scans")[0] == 0
        assert get_task(rec, "T0001").status == "open"
    assert not list((kit.path / "photos").iterdir())
    with copy.open_record() as rec:
        real = scan_photos(copy, rec, paths)
    assert _outcomes(dry) == _outcomes(real)
    assert all(r.dry_run for r in dry)
    a, b, again = dry
    assert sorted((s.task, s.outcome) for s in a.slips) == [("T0001", "applied"),
                                                             ("T0002", "applied")]
    assert dict((s.task, s.outcome) for s in b.slips)["T0001"] != "applied"
    assert again.already_scanned


def test_a_dry_run_of_the_same_file_twice_says_the_second_was_scanned_already(two_kits, capsys):
    kit, _, (a, _, _) = two_kits
    code, out, err = _run(capsys, "--kit", str(kit.path), "scan", "--dry-run", str(a), str(a))
    assert out.count("already scanned") == 1
    assert out.splitlines()[-1].startswith("2 photo(s): 2 applied, 1 scanned before")


def test_a_photo_scanned_again_repeats_its_errors_and_still_exits_1(tmp_path, capsys):
    """A blank picture said 'no slip code found' (exit 1), then, scanned again, only that
    it was scanned already (exit 0, no errors)."""
    from PIL import Image

    kit = _kit(tmp_path / "kit", 1)
    blank = tmp_path / "blank.png"
    Image.new("L", (100, 100), 255).save(blank)
    code, out, _ = _run(capsys, "--kit", str(kit.path), "scan", str(blank))
    assert code == 1 and "no slip code found" in out
    code, out, _ = _run(capsys, "--kit", str(kit.path), "scan", str(blank))
    assert code == 1 and "already scanned" in out and "no slip code found" in out
    code, out, _ = _run(capsys, "--kit", str(kit.path), "scan", "--json", str(blank))
    (obj,) = map(json.loads, out.splitlines())
    assert code == 1 and obj["already_scanned"] and "no slip code found" in obj["errors"][0]


def test_a_photo_scanned_again_needs_review_while_its_slips_wait_for_it(tmp_path, capsys):
    kit = _kit(tmp_path / "kit", 2)
    path = _photo(tmp_path / "p.jpg", kit, [("T0001", (Mark("done"), Mark("stuck"))),
                                            ("T0002", (Mark("taken"),))])
    scan = ("--kit", str(kit.path), "scan")
    code, out, _ = _run(capsys, *scan, str(path))
    assert code == 1 and "review" in out
    code, out, _ = _run(capsys, *scan, str(path))
    assert code == 1 and "already scanned" in out and "still wait for review" in out
    assert "T0001" in out and "T0002" not in out  # only the slip still waiting
    assert "run 'paperkit review'" in out
    with kit.open_record() as rec:
        (res,) = scan_photos(kit, rec, [path])
    assert res.already_scanned and not res.ok
    assert [(s.task, s.outcome) for s in res.slips] == [("T0001", "review")]
    code, _, _ = _run(capsys, "--kit", str(kit.path), "review", "skip", "T0001")
    code, out, _ = _run(capsys, *scan, str(path))
    assert code == 0 and "already scanned" in out and "wait" not in out


def test_ctrl_c_during_a_scan_keeps_the_photos_before_it_and_exits_130(two_kits, tmp_path,
                                                                       capsys, monkeypatch):
    """Ctrl-C used to say 'paperkit: aborted' with the usage error's code (2), and not show
    the photos already committed."""
    kit, _, (a, b, _) = two_kits
    shutil.copytree(kit.path, tmp_path / "kit")
    real = pipeline_mod.scan_photo
    calls, stopped = [], []

    def scan_photo(*args, **kwargs):
        calls.append(args[2])
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline_mod, "scan_photo", scan_photo)
    monkeypatch.setattr(pipeline_mod, "stop_helper", stopped.append)
    code, out, err = _run(capsys, "--kit", str(tmp_path / "kit"), "scan", str(a), str(b))
    assert code == 130 and stopped
    assert "Traceback" not in err and "aborted" not in err
    assert "1 photo(s) scanned before the stop are kept" in err
    assert "run the same command again" in err and "skipped" in err
    assert a.name in out and b.name not in out  # the committed photo's table
    monkeypatch.setattr(pipeline_mod, "scan_photo", real)
    code, out, err = _run(capsys, "--kit", str(tmp_path / "kit"), "scan", str(a), str(b))
    assert out.count("already scanned") == 1


def test_ctrl_c_in_any_command_exits_130_not_as_a_usage_error(tmp_path, capsys, monkeypatch):
    """click turns a KeyboardInterrupt into Abort, which used to exit 2 ('aborted')."""
    from paperkit.commands import recordcmd

    kit = _kit(tmp_path / "kit", 1)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(recordcmd, "record_status", interrupted)
    code, out, err = _run(capsys, "--kit", str(kit.path), "status")
    assert code == 130 and "interrupted" in err
    assert "Traceback" not in err and "aborted" not in err


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads /proc (Linux)")
def test_the_helper_process_ignores_ctrl_c():
    """A terminal's Ctrl-C reaches the helper too, which printed a KeyboardInterrupt
    traceback; it ignores it now (the scanning process stops it)."""
    before = signal.getsignal(signal.SIGINT)
    h = helper_mod.Helper()
    try:
        assert signal.getsignal(signal.SIGINT) is before  # the parent's handler is back
        if not h.wait(60):
            pytest.skip("the helper process did not start here")
        (pid,) = h._pool._processes
        ignored = next(line for line in open(f"/proc/{pid}/status")
                       if line.startswith("SigIgn:"))
        assert int(ignored.split()[1], 16) & (1 << (signal.SIGINT - 1))
        os.kill(pid, signal.SIGINT)
        time.sleep(0.2)
        assert h._pool.submit(os.getpid).result(30) == pid  # still there, still working
    finally:
        h.close(kill=True)


def test_a_read_only_record_says_so_and_how_to_fix_it(tmp_path):
    """It used to say to free some disk space (any sqlite error did)."""
    kit = _kit(tmp_path / "kit", 1)
    path = kit.path / "record.sqlite"
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    conn.row_factory = sqlite3.Row
    rec = Record(conn, str(path))
    with pytest.raises(RecordReadOnly) as exc:
        with rec.write(Source("cli", "test")) as w:
            w.update("tasks", "T0001", {"status": "done"})
    msg = exc.value.user_message()
    assert "read-only" in msg and "chmod" in msg and "copy the kit folder" in msg
    assert "disk space" not in msg
    assert exc.value.exit_code == 1
    conn.close()
