"""What a scan leaves behind, on disk and in other processes: nothing of a photo once the
scan is stopped (Ctrl-C, SIGTERM, a closed terminal, even SIGKILL), no photo kept that holds
no slip of the kit, each picture of a folder that is not read reported, and a clean end when
Ctrl-C comes just as the run finishes.

The stops are sent at known points: a driver script (``_DRIVER``) patches one step of the
scan to report or to signal its own process there, then runs the ``paperkit`` command."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from PIL import Image
from scan_images import Mark, grid_photo, log_print, save

from paperkit import codes, signals
from paperkit.cli import main
from paperkit.kit import init_kit, open_kit
from paperkit.record.db import Source
from paperkit.scan import helper as helper_mod
from paperkit.scan import pipeline as pipeline_mod
from paperkit.scan import scan_photos

linux_only = pytest.mark.skipif(
    not (os.path.isdir("/dev/shm") and os.path.exists("/proc/self/stat")),
    reason="looks at /dev/shm and /proc (Linux)")

#: Run as ``python driver.py ARGS``: patches the step TEST_HOOK names, then runs
#: ``paperkit ARGS``. "AT {json}" on stdout says it reached the step (and what is alive).
_DRIVER = r'''
import atexit, json, os, signal, sys, time

# Ctrl-C raises KeyboardInterrupt, as in a command typed at a terminal: a suite started as
# a shell's background job ("pytest &") hands its children SIGINT ignored, and Python then
# leaves it ignored, so the SIGINTs sent below would be lost
signal.signal(signal.SIGINT, signal.default_int_handler)
hook = os.environ["TEST_HOOK"]
if hook == "exit":  # registered first, so run last: Ctrl-C while the interpreter exits
    def _ctrl_c_at_exit():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.3)
    atexit.register(_ctrl_c_at_exit)

import concurrent.futures
from multiprocessing import resource_tracker

from paperkit.commands import scancmd
from paperkit.scan import helper, pipeline


def alive():
    h = helper._shared
    return {"workers": list(h._pool._processes or {}) if h and h._pool._processes else [],
            "blocks": [b.name for b in h._blocks if b is not None] if h else [],
            "tracker": resource_tracker._resource_tracker._pid}


def report():
    print("AT " + json.dumps(alive()), flush=True)


if os.environ.get("PAPERKIT_SCAN_HELPER") == "1" and helper.wait_ready(60) is None:
    print("NO HELPER", flush=True)
    sys.exit(0)

if hook == "shared":  # the frame is in shared memory, the worker up: wait to be stopped
    share = helper.Helper.share
    def shared(self, key, gray):
        share(self, key, gray)
        report()
        time.sleep(60)
    helper.Helper.share = shared
elif hook == "stored":  # Ctrl-C once the photo and its crops are written, before the commit
    store = pipeline.store_photo
    def stored(kit, photo):
        out = store(kit, photo)
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)
        return out
    pipeline.store_photo = stored
elif hook in ("process-pool", "thread-pool"):  # Ctrl-C as the pools stop, after the summary
    cls = (concurrent.futures.ProcessPoolExecutor if hook == "process-pool"
           else concurrent.futures.ThreadPoolExecutor)
    summary, shutdown, after = scancmd._summary, cls.shutdown, []
    def summarised(results):
        after.append(alive())
        return summary(results)
    def stopping(self, *args, **kwargs):
        if len(after) == 1:
            print("AT " + json.dumps(after.pop()), flush=True)
            os.kill(os.getpid(), signal.SIGINT)
        return shutdown(self, *args, **kwargs)
    scancmd._summary = summarised
    cls.shutdown = stopping

from paperkit.entry import main
sys.argv = ["paperkit", *sys.argv[1:]]
main()
'''


def _kit(path, n: int = 2):
    kit = init_kit(path, name="Disk test")
    with kit.open_record() as rec, rec.write(Source("cli", "test setup")) as w:
        for i in range(1, n + 1):
            w.insert("tasks", {"id": f"T{i:04d}", "title": f"task {i}"})
    return kit


def _slips_photo(path, kit, seed=0):
    """T0001 marked done and T0002 taken, both applied by a scan (their print logged)."""
    texts = [codes.build(kit.key, kit.id, t, 1).text for t in ("T0001", "T0002")]
    with kit.open_record() as rec:
        if not rec.query_one("SELECT 1 FROM print_codes LIMIT 1"):
            log_print(rec, *texts)
    save(grid_photo([(texts[0], (Mark("done"),)), (texts[1], (Mark("taken"),))],
                    size=(2000, 900), cols=2, s=2.6, seed=seed), path)
    return path


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A kit and a photo of two of its slips (nothing scanned), and the driver script."""
    tmp = tmp_path_factory.mktemp("disk")
    kit = _kit(tmp / "kit")
    photo = _slips_photo(tmp / "IMG_1.jpg", kit)
    driver = tmp / "driver.py"
    driver.write_text(_DRIVER)
    return kit.path, photo, driver


@pytest.fixture
def kit_copy(made, tmp_path):
    kit_path, photo, _ = made
    shutil.copytree(kit_path, tmp_path / "kit")
    return open_kit(tmp_path / "kit"), photo


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(kit) -> list[str]:
    return sorted(p.relative_to(kit.photos_dir).as_posix()
                  for p in kit.photos_dir.rglob("*") if p.is_file())


def _scans(kit) -> int:
    with kit.open_record() as rec:
        return rec.query_one("SELECT count(*) FROM scans")[0]


def _start(made, kit, hook: str, *args: str, helper: bool = False, group: bool = False):
    env = dict(os.environ, TEST_HOOK=hook, PAPERKIT_SCAN_HELPER="1" if helper else "0")
    proc = subprocess.Popen([sys.executable, str(made[2]), "--kit", str(kit.path), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=group)
    timer = threading.Timer(90, proc.kill)  # never hang the suite
    timer.daemon = True
    timer.start()
    return proc


def _reached(proc) -> dict:
    """What the driver reported at its step (skips the test when the helper did not start);
    the lines of stdout before it are kept as ``proc.before``."""
    proc.before = ""
    for line in proc.stdout:
        proc.before += line
        if line.startswith("AT "):
            return json.loads(line[3:])
        if line.startswith("NO HELPER"):
            proc.wait()
            pytest.skip("the helper process did not start here")
    proc.wait()
    pytest.fail(f"the driver never reached its step: {proc.stderr.read()}")


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in ("Z", "X")  # a zombie holds no memory; its parent has not reaped it


def _soon(check, seconds: float = 10.0) -> bool:
    end = time.monotonic() + seconds
    while not check():
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True


def _nothing_left(at: dict) -> None:
    """The helper's worker and the resource tracker are gone, and the shared blocks too."""
    pids = [*at["workers"], *([at["tracker"]] if at["tracker"] else [])]
    assert _soon(lambda: all(map(_gone, pids))), f"still running: {pids}"
    assert _soon(lambda: not any(os.path.exists(f"/dev/shm/{b}") for b in at["blocks"])), \
        f"still in /dev/shm: {at['blocks']}"


def _one_line(err: str) -> str:
    """stderr of a stopped scan: its one message (the progress lines aside)."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


# -- 1. a scan stopped or killed leaves no helper process and no shared memory ------------

@linux_only
@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM", "SIGHUP to the process group"])
def test_a_scan_stopped_by_a_signal_leaves_no_helper_and_no_shared_memory(made, kit_copy,
                                                                          how):
    """Killed (SIGKILL, SIGTERM) or hung up on (a closed terminal: SIGHUP to the whole
    process group), a scan left its helper process running for good, and two
    /dev/shm/psm_* blocks holding the photo's full-size frames. Now the helper ends itself
    when the scanning process is gone, and SIGTERM and SIGHUP stop the scan as Ctrl-C does
    (exit 130, one line), the helper and the blocks with it."""
    kit, photo = kit_copy
    group = how.startswith("SIGHUP")
    proc = _start(made, kit, "shared", "scan", str(photo), helper=True, group=group)
    at = _reached(proc)
    assert at["workers"] and at["blocks"]
    assert all(os.path.exists(f"/dev/shm/{b}") for b in at["blocks"])
    if how == "SIGKILL":
        proc.kill()
    elif group:
        os.killpg(proc.pid, signal.SIGHUP)
    else:
        proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    _nothing_left(at)
    if how == "SIGKILL":
        assert proc.returncode == -signal.SIGKILL
    else:
        assert proc.returncode == 130
        assert _one_line(err).startswith("paperkit: interrupted before any photo was written")
    assert _files(kit) == [] and _scans(kit) == 0


# -- 2. a photo with no slip of the kit is recorded, not kept ------------------------------

def test_a_photo_with_no_slip_of_this_kit_is_recorded_but_not_kept(tmp_path, monkeypatch):
    """A photo of nothing (noise) or of another kit's slips was kept as photos/<sha>.jpg
    for good, with no command to remove it. It is recorded by its sha256 only now (a rescan
    still says it was scanned, and repeats its errors); a photo of this kit's slips is
    kept, with its crops, as before."""
    monkeypatch.setenv(helper_mod.ENV, "0")
    kit = _kit(tmp_path / "kit")
    other = _kit(tmp_path / "other")
    noise = tmp_path / "noise.jpg"
    rng = np.random.default_rng(1)
    Image.fromarray(rng.integers(0, 256, (900, 1200, 3), np.uint8)).save(noise, quality=90)
    theirs = _slips_photo(tmp_path / "theirs.jpg", other, seed=2)
    ours = _slips_photo(tmp_path / "ours.jpg", kit, seed=3)
    with kit.open_record() as rec:
        first = scan_photos(kit, rec, [noise, theirs, ours])
        again = scan_photos(kit, rec, [noise, theirs])
        rows = {r["sha256"]: r["photo"] for r in rec.query("SELECT sha256, photo FROM scans")}
    n, t, o = first
    assert not n.slips and "no slip code found" in n.errors[0]
    assert [s.outcome for s in t.slips] == ["other-kit", "other-kit"]
    assert [s.outcome for s in o.slips] == ["applied", "applied"]
    assert n.stored is None and t.stored is None and o.stored
    sha = _sha(ours)
    assert _files(kit) == sorted([f"{sha}.jpg", *(
        f"crops/{sha[:16]}/{task}-{kind}.png" for task in ("T0001", "T0002")
        for kind in ("note", "steward"))])
    assert rows == {_sha(noise): "", _sha(theirs): "", sha: f"photos/{sha}.jpg"}
    assert all(r.already_scanned for r in again)
    assert again[0].errors == n.errors and again[0].stored is None  # as the first scan said
    assert len(_files(kit)) == 5


# -- 3. a scan stopped before its commit leaves none of the photo's files -------------------

def test_ctrl_c_before_a_photo_is_committed_removes_its_files(kit_copy, monkeypatch):
    """Ctrl-C after the crops were written but before the commit left them (and the photo)
    in photos/ with no scans row pointing at them: a re-run adopted them, else they stayed
    for good. They are removed now, and so are leftovers of a crash before (a SIGKILL)."""
    kit, photo = kit_copy
    monkeypatch.setenv(helper_mod.ENV, "0")
    monkeypatch.setattr(pipeline_mod, "stop_helper", lambda why: None)
    sha = _sha(photo)
    crops = kit.photos_dir / "crops" / sha[:16]
    crops.mkdir(parents=True)
    (crops / "T0009-note.png").write_bytes(b"left by a crash")  # (SIGKILL: nothing runs)
    (kit.photos_dir / f"{sha}.jpg").write_bytes(b"left by a crash")
    written = []

    def interrupted(kit, rec, result, reads, keep=True, restore=None):
        written.extend(_files(kit))
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline_mod, "_commit", interrupted)
    with kit.open_record() as rec, pytest.raises(KeyboardInterrupt):
        scan_photos(kit, rec, [photo])
    assert f"crops/{sha[:16]}/T0001-note.png" in written  # they were there
    assert _files(kit) == [] and _scans(kit) == 0
    monkeypatch.undo()
    monkeypatch.setenv(helper_mod.ENV, "0")
    with kit.open_record() as rec:
        (res,) = scan_photos(kit, rec, [photo])
    assert [s.outcome for s in res.slips] == ["applied", "applied"]
    assert len(_files(kit)) == 5 and _scans(kit) == 1


def test_ctrl_c_just_after_the_commit_keeps_the_files_the_record_points_at(kit_copy,
                                                                           monkeypatch):
    kit, photo = kit_copy
    monkeypatch.setenv(helper_mod.ENV, "0")
    monkeypatch.setattr(pipeline_mod, "stop_helper", lambda why: None)
    commit = pipeline_mod._commit

    def committed(*args, **kwargs):
        commit(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline_mod, "_commit", committed)
    with kit.open_record() as rec, pytest.raises(KeyboardInterrupt):
        scan_photos(kit, rec, [photo])
    assert _scans(kit) == 1 and len(_files(kit)) == 5


def test_files_a_stopped_scan_of_the_same_photo_removed_are_written_again(kit_copy,
                                                                          monkeypatch):
    """Two scans of one photo at once (the kiosk's and a command's), one stopped while the
    other commits: the stopped one found no scan row yet and removed the files both had
    written, and the other's rows then pointed at nothing (a red team, the thirty-ninth
    session: 2 of 5 runs). The removal now takes the write lock, and a scan that finds its
    files gone once it holds the lock writes them again."""
    from paperkit.scan.store import discard

    kit, photo = kit_copy
    monkeypatch.setenv(helper_mod.ENV, "0")
    commit = pipeline_mod._commit

    def after_a_stopped_scan(kit, rec, result, reads, **kwargs):
        discard(kit, result.sha256)  # what the stopped scan's clean-up did meanwhile
        assert _files(kit) == []
        return commit(kit, rec, result, reads, **kwargs)

    monkeypatch.setattr(pipeline_mod, "_commit", after_a_stopped_scan)
    with kit.open_record() as rec:
        (res,) = scan_photos(kit, rec, [photo])
        named = [res.stored, *(p for s in res.slips for p in s.crops.values())]
        kept = [row[0] for row in rec.query("SELECT photo FROM scans")] + [
            row[0] for row in rec.query("SELECT path FROM task_crops")]
    assert [s.outcome for s in res.slips] == ["applied", "applied"]
    assert _scans(kit) == 1 and len(_files(kit)) == 5
    assert sorted(kept) == sorted(named) and all((kit.path / p).is_file() for p in kept)


def test_ctrl_c_in_the_command_once_the_files_are_written_leaves_none(made, kit_copy):
    """The same through the command, with a real SIGINT: exit 130, one line, no files."""
    kit, photo = kit_copy
    proc = _start(made, kit, "stored", "scan", str(photo))
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert _one_line(err).startswith("paperkit: interrupted before any photo was written")
    assert _files(kit) == [] and _scans(kit) == 0


# -- 4. a folder's pictures that are not read are reported, and exit 1 ---------------------

def test_a_folders_pictures_that_are_not_read_each_get_an_error_and_exit_1(kit_copy, capsys):
    """`scan --json DIR` said "not read: N picture(s)" on stderr only: no JSON entry, and
    exit 0. Each such picture now has an entry with its error, as an unreadable photo has,
    and the exit code is 1; files that are no pictures (notes, data, a file with no ending
    that is no picture) are still passed over. BMP and JPEG 2000 files, which Pillow reads,
    are scanned."""
    kit, photo = kit_copy
    folder = kit.path.parent / "meeting"
    folder.mkdir()
    shutil.copy(photo, folder / "IMG_1.jpg")
    scan = ("--kit", str(kit.path), "scan", "--dry-run", "--json", str(folder))

    def run(*args):
        with pytest.raises(SystemExit) as exc:
            main(list(args))
        out = capsys.readouterr()
        objs = [json.loads(line) for line in out.out.splitlines()] if "--json" in args else []
        return exc.value.code, objs, out

    code, objs, _ = run(*scan)
    assert code == 0 and [o["photo"] for o in objs] == [str(folder / "IMG_1.jpg")]
    Image.open(photo).save(folder / "IMG_2.bmp")
    Image.open(photo).convert("L").save(folder / "IMG_3.jp2")
    (folder / "IMG_4.CR2").write_bytes(b"II*\x00\x10\x00\x00\x00CR\x02\x00")
    (folder / "IMG_5.dng").write_bytes(b"II*\x00raw sensor data")
    (folder / "IMG_6.gif").write_bytes(b"GIF89a")
    (folder / "IMG_7").write_bytes(b"\xff\xd8\xff a photo saved without an ending")
    (folder / "README").write_text("notes, with no ending")
    for name in ("notes.txt", "data.json", "data.csv", "IMG_1.AAE"):
        (folder / name).write_text("x")
    code, objs, out = run(*scan)
    assert code == 1
    by_name = {os.path.basename(o["photo"]): o for o in objs}
    assert sorted(by_name) == ["IMG_1.jpg", "IMG_2.bmp", "IMG_3.jp2", "IMG_4.CR2", "IMG_5.dng",
                               "IMG_6.gif", "IMG_7"]
    for name in ("IMG_2.bmp", "IMG_3.jp2"):
        assert [s["task"] for s in by_name[name]["slips"]] and not by_name[name]["errors"]
    for name in ("IMG_4.CR2", "IMG_5.dng", "IMG_6.gif", "IMG_7"):
        o = by_name[name]
        assert o["sha256"] is None and not o["slips"] and len(o["errors"]) == 1
        assert o["errors"][0].startswith(f"{name} was skipped")
    assert "a camera's RAW file" in by_name["IMG_4.CR2"]["errors"][0]
    assert "name the file itself" in by_name["IMG_7"]["errors"][0]
    assert "not read: 4 picture(s)" in out.err  # said together on stderr too, as before
    code, _, out = run(*scan[:-2], str(folder))  # the table: an error under each
    assert code == 1 and "error: IMG_4.CR2 was skipped: it is a camera's RAW file" in out.out
    assert "README" not in out.out + out.err and "notes.txt" not in out.out + out.err


def test_a_folder_of_raw_files_only_names_them(tmp_path):
    from paperkit.errors import PhotoError
    from paperkit.scan.load import photo_files

    (tmp_path / "IMG_1.CR2").write_bytes(b"raw")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(PhotoError, match=r"only 1 picture\(s\) it does not read \(IMG_1.CR2\)"):
        photo_files([tmp_path])


# -- 5. Ctrl-C just as a run ends: exit 130 and one line, or nothing at all -----------------

@linux_only
@pytest.mark.parametrize("pool", ["process-pool", "thread-pool"])
def test_ctrl_c_as_the_run_ends_exits_130_with_one_line(made, kit_copy, pool):
    """Ctrl-C just after the summary sometimes printed "Exception ignored in: <module
    'threading'> ... concurrent/futures/process.py ... _python_exit ... KeyboardInterrupt"
    and exited 1: the helper's pool (and the scan's threads) were only stopped by the
    interpreter's exit. They are stopped in the command now, with signals held: exit 130,
    the usual one line, and nothing of the helper left."""
    kit, photo = kit_copy
    proc = _start(made, kit, pool, "scan", str(photo), helper=pool == "process-pool")
    at = _reached(proc)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert _one_line(err).startswith("paperkit: interrupted; the 1 photo(s) scanned before")
    assert "2 applied" in proc.before and "applied" not in out  # the summary, shown once
    _nothing_left(at)
    assert _scans(kit) == 1


def test_ctrl_c_while_the_interpreter_exits_after_a_scan_is_ignored(made, kit_copy):
    """Once the command is over, a Ctrl-C during Python's own exit (multiprocessing's
    finalizers) printed a traceback; there is nothing left to stop: it is ignored."""
    kit, photo = kit_copy
    proc = _start(made, kit, "exit", "scan", str(photo))
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and "2 applied" in out
    assert err == "", err


def test_signals_held_meanwhile_are_raised_after():
    before = signal.getsignal(signal.SIGINT)
    if before is not signal.default_int_handler:
        pytest.skip("Ctrl-C is handled otherwise in this process")
    caught = []
    try:
        with signals.held_signals():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
            caught.append("held")
    except KeyboardInterrupt:
        caught.append("raised")
    assert caught == ["held", "raised"]
    assert signal.getsignal(signal.SIGINT) is before


def _stderr_read_only(path: str):
    def wrong_way() -> None:  # (in the child, before the command starts)
        fd = os.open(path, os.O_RDONLY)
        os.dup2(fd, 2)
        os.close(fd)
    return wrong_way


@pytest.mark.parametrize("stderr", ["closed", "read-only"])
def test_a_scan_whose_stderr_cannot_be_written_reads_every_photo(kit_copy, tmp_path, stderr):
    """A command run with its stderr closed (``2>&-``), or open the wrong way (pyenv's
    wrapper script hands on its own script, read-only, as fd 2 then), failed to write the
    first photo's progress line (EBADF) and stopped there: one photo read, no summary.
    The console script now puts /dev/null in place of such a stream."""
    kit, photo = kit_copy
    second = tmp_path / "IMG_2.jpg"
    Image.open(photo).save(second, quality=90)  # the same slips, another file
    start = (lambda: os.close(2)) if stderr == "closed" else _stderr_read_only(str(photo))
    out = subprocess.run([sys.executable, "-c", "from paperkit.entry import main; main()",
                          "--kit", str(kit.path), "scan", str(photo), str(second)],
                         stdout=subprocess.PIPE, stderr=None, text=True, timeout=120,
                         preexec_fn=start, env=dict(os.environ, PAPERKIT_SCAN_HELPER="0"))
    assert out.returncode == 0, out.stdout
    assert "2 photo(s): 2 applied, 2 unchanged" in out.stdout
    assert _scans(kit) == 2
