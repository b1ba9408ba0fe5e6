"""The scan helper process: it measures slips beside the scanning process, with the same
results as measuring them in-process, and anything it cannot do is done in-process."""

from __future__ import annotations

from concurrent.futures import Future

import numpy as np
import pytest
from scan_images import Mark, grid_photo, save

from paperkit import codes
from paperkit.kit import init_kit
from paperkit.layout import slip as S
from paperkit.record.db import Source
from paperkit.scan import helper as helper_mod
from paperkit.scan import scan_photos
from paperkit.scan.decode import find_codes
from paperkit.scan.load import load_photo
from paperkit.scan.pipeline import measure

STATUSES = list(S.BOXES)


class _Silent:
    """A stand-in helper that takes frames and does nothing with them."""

    def share(self, key, gray):
        pass

    def forget(self, key):
        pass


@pytest.fixture(scope="module")
def photo(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("helper")
    kit = init_kit(tmp / "kit", name="Helper test")
    rec = kit.open_record()
    with rec.write(Source("cli", "test setup")) as w:
        for i in range(1, 9):
            w.insert("tasks", {"id": f"T{i:04d}", "title": f"task {i}", "status": "open"})
    slips = [(codes.build(kit.key, kit.id, f"T{i + 1:04d}", 1).text,
              (Mark(STATUSES[i % 4], ("tick", "cross", "fill")[i % 3], "blue"),))
             for i in range(8)]
    path = tmp / "table.jpg"
    save(grid_photo(slips, size=(2600, 1800), cols=4, seed=5), path, 85)
    yield kit, rec, path
    rec.close()


@pytest.fixture(scope="module")
def helper():
    h = helper_mod.wait_ready(60)
    if h is None:
        pytest.skip("the helper process did not start here")
    return h


def test_helper_measures_like_the_scanning_process(photo, helper):
    kit, rec, path = photo
    frame = load_photo(path).frames[0]
    found = find_codes(frame.gray).found
    assert len(found) == 8
    helper.share("test#0", frame.gray)  # the worker reads it in shared memory, as in a scan
    futures = [helper.measure("test#0", f.text, f.corners) for f in found]
    remote = [fut.result(timeout=60) for fut in futures]
    helper.forget("test#0")
    with pytest.raises(helper_mod.HelperFailed):  # forgotten
        helper.measure("test#0", found[0].text, found[0].corners).result(timeout=60)
    for f, (pose, reads) in zip(found, remote, strict=True):
        here_pose, here_reads = measure(frame, f)
        assert np.array_equal(pose.H, here_pose.H)
        assert pose.marks == here_pose.marks and pose.boxes == here_pose.boxes
        assert reads == here_reads


def test_with_the_helper_each_process_runs_opencv_on_one_thread(helper, monkeypatch):
    """Two processes busy on two cores: OpenCV's own thread pools would only take turns
    with the other process."""
    import cv2

    monkeypatch.setenv(helper_mod.ENV, "1")
    assert helper_mod.shared() is helper
    assert cv2.getNumThreads() == 1
    assert helper._pool.submit(cv2.getNumThreads).result(timeout=60) == 1


def test_helper_refuses_a_frame_it_was_not_sent(photo, helper):
    kit, rec, path = photo
    frame = load_photo(path).frames[0]
    f = find_codes(frame.gray).found[0]
    fut = helper.measure("no such frame", f.text, f.corners)
    with pytest.raises(helper_mod.HelperFailed):
        fut.result(timeout=60)


def test_a_failure_in_the_worker_comes_back_as_helper_failed(photo, helper):
    """A frame whose shared block is gone (here: removed behind the helper's back) fails
    there, and the slip is measured in-process; the helper goes on."""
    kit, rec, path = photo
    frame = load_photo(path).frames[0]
    f = find_codes(frame.gray).found[0]
    helper.share("gone#0", frame.gray)
    name, shape = helper._frames["gone#0"]
    helper._frames["gone#0"] = ("psm_paperkit_no_such_block", shape)
    try:
        fut = helper.measure("gone#0", f.text, f.corners)
        with pytest.raises(helper_mod.HelperFailed):
            fut.result(timeout=60)
    finally:
        helper.forget("gone#0")
    assert helper.usable  # one slip failing does not stop the helper
    helper.share("again#0", frame.gray)
    try:
        pose, reads = helper.measure("again#0", f.text, f.corners).result(timeout=60)
    finally:
        helper.forget("again#0")
    assert reads == measure(frame, f)[1]


def test_frames_take_turns_in_the_helpers_blocks_which_grow_to_fit(helper):
    """Frames are handed over in KEEP blocks used in turn; a larger frame gets a larger
    block, and the worker reads each frame as it was when it was shared."""
    small = np.full((40, 50), 7, np.uint8)
    large = np.arange(300 * 400, dtype=np.uint32).reshape(300, 400).astype(np.uint8)
    helper.share("a#0", small)
    helper.share("b#0", large)
    helper.forget("a#0")  # "a"'s scan is over: its block may take the next frame
    helper.share("c#0", large[::-1].copy())
    try:
        name = helper._frames["c#0"][0]
        assert name != helper._frames["b#0"][0]  # never "b"'s, whose scan is on
        (block,) = [b for b in helper._blocks if b is not None and b.name == name]
        assert block.size >= large.nbytes  # a block made larger where it was too small
        got = helper._pool.submit(_frame_sum, *helper._frames["c#0"]).result(timeout=60)
        assert got == int(large.sum())
        assert helper._frames["b#0"][1] == (300, 400)
    finally:
        for k in ("a#0", "b#0", "c#0"):
            helper.forget(k)


def test_a_frame_with_no_room_in_shared_memory_is_measured_here(photo, helper, monkeypatch):
    """Shared memory is a RAM file system, small in a container: a write that finds it full
    would kill the process, so a frame is not handed over without room for it, and its
    slips are measured in-process."""
    import os

    kit, rec, path = photo
    frame = load_photo(path).frames[0]
    f = find_codes(frame.gray).found[0]
    full = os.statvfs_result((4096, 4096, 1000, 1000, 10, 10, 10, 10, 0, 255))  # 40 kB free
    monkeypatch.setattr(helper_mod.os, "statvfs", lambda path: full)
    huge = np.zeros((4000, 4100), np.uint8)  # larger than any block made so far
    helper.share("full#0", huge)
    try:
        assert "full#0" not in helper._frames
        with pytest.raises(helper_mod.HelperFailed):
            helper.measure("full#0", f.text, f.corners).result(timeout=60)
    finally:
        helper.forget("full#0")
    monkeypatch.undo()
    helper.share("room#0", frame.gray)  # with room again, frames are handed over
    try:
        assert "room#0" in helper._frames
    finally:
        helper.forget("room#0")


def test_a_block_is_never_taken_while_its_frame_is_being_scanned(helper):
    """Scans running at once (threads) each keep their frame's block until they forget it:
    a frame shared meanwhile goes to another block, and with every block busy it is not
    handed over (measured in-process) rather than written over another scan's frame."""
    frames = {f"busy{i}#0": np.full((30, 40), 10 * i, np.uint8)
              for i in range(helper_mod.MAX_BLOCKS + 1)}
    try:
        for key, gray in frames.items():
            helper.share(key, gray)
        shared = {k: helper._frames[k][0] for k in frames if k in helper._frames}
        assert len(shared) == helper_mod.MAX_BLOCKS  # the last one found no free block
        assert len(set(shared.values())) == helper_mod.MAX_BLOCKS
        for key, name in shared.items():  # each still holds its own frame
            got = helper._pool.submit(_frame_sum, name, (30, 40)).result(timeout=60)
            assert got == int(frames[key].sum())
        helper.forget("busy0#0")
        helper.share("again#0", frames["busy0#0"])
        assert helper._frames["again#0"][0] == shared["busy0#0"]  # the freed block
    finally:
        for key in [*frames, "again#0"]:
            helper.forget(key)


def _frame_sum(name, shape):
    return int(np.ndarray(shape, np.uint8, buffer=helper_mod._block(name).buf).sum())


def test_scan_is_the_same_with_and_without_the_helper(photo, helper, monkeypatch):
    kit, rec, path = photo
    monkeypatch.setattr(helper_mod, "_spare_core", lambda: True)  # even on a busy machine
    sent = []
    real = helper_mod.Helper.measure

    def spy(self, *args):
        sent.append(args[1])
        return real(self, *args)

    monkeypatch.setattr(helper_mod.Helper, "measure", spy)
    (with_helper,) = scan_photos(kit, rec, [path], dry_run=True)
    assert len(sent) == 8  # all went to the helper first (some may be taken back)
    monkeypatch.setenv(helper_mod.ENV, "0")
    (without,) = scan_photos(kit, rec, [path], dry_run=True)
    assert len(with_helper.slips) == 8
    assert with_helper.slips == without.slips
    assert all(s.outcome == "applied" for s in with_helper.slips)


def test_photos_of_several_sizes_in_turn_read_the_same_with_and_without_the_helper(
        photo, helper, monkeypatch, tmp_path):
    """Frames take turns in the helper's shared blocks, and a larger frame than the block
    holds gets a larger one: a scan of several photos of two sizes, the small first, reads
    every slip as the scan without the helper does."""
    kit, rec, path = photo
    monkeypatch.setattr(helper_mod, "_spare_core", lambda: True)
    small = tmp_path / "small.jpg"
    slips = [(codes.build(kit.key, kit.id, f"T{i + 1:04d}", 1).text,
              (Mark(STATUSES[(i + 1) % 4], "tick", "blue"),)) for i in range(4)]
    save(grid_photo(slips, size=(1600, 1200), cols=2, seed=7), small, 88)
    # small, large (a larger block), small, large; the last two are other files (a byte
    # added), since a dry run, like a real one, does not read a file it read already
    again = [tmp_path / "small-again.jpg", tmp_path / "large-again.jpg"]
    for src, dst in zip((small, path), again, strict=True):
        dst.write_bytes(src.read_bytes() + b"\0")
    paths = [small, path, *again]
    shared, real = [], helper_mod.Helper.share

    def spy(self, key, gray):
        real(self, key, gray)
        shared.append((gray.shape, self._frames[key][0]))

    monkeypatch.setattr(helper_mod.Helper, "share", spy)
    with_helper = scan_photos(kit, rec, paths, dry_run=True)
    assert [shape for shape, _ in shared] == [(1200, 1600), (1800, 2600)] * 2
    assert len({name for _, name in shared}) >= 2  # blocks taken in turn
    assert helper._frames == {}  # each frame forgotten after its scan
    monkeypatch.setenv(helper_mod.ENV, "0")
    without = scan_photos(kit, rec, paths, dry_run=True)
    assert [len(r.slips) for r in with_helper] == [4, 8, 4, 8]
    assert [r.slips for r in with_helper] == [r.slips for r in without]


def test_scans_running_at_once_in_threads_read_as_one_after_another(photo, helper,
                                                                   monkeypatch):
    """Three threads each scanning photos through the one helper (each its own record
    connection) read every slip as scanning them one after another does: no frame's
    shared block is taken by another scan while its own is on."""
    import threading

    kit, rec, path = photo
    monkeypatch.setattr(helper_mod, "_spare_core", lambda: True)
    photos = [path]
    for seed in (11, 12):  # the same slips, laid and marked otherwise: other pixels
        slips = [(codes.build(kit.key, kit.id, f"T{i + 1:04d}", 1).text,
                  (Mark(STATUSES[(i + seed) % 4], "cross", "blue"),)) for i in range(8)]
        photos.append(path.with_name(f"other{seed}.jpg"))
        save(grid_photo(slips[::-1] if seed % 2 else slips, size=(2600, 1800), cols=4,
                        seed=seed), photos[-1], 85)
    orders = [photos[i:] + photos[:i] for i in range(3)]  # each thread another photo first

    def scan(paths: list, out: list) -> None:
        own = kit.open_record()
        try:
            for one in paths:  # each a run of its own: a dry run over several judges a
                # later photo of a slip against what the earlier ones read, as a real one does
                out.extend(scan_photos(kit, own, [one], dry_run=True))
        finally:
            own.close()

    alone: list = []
    scan(photos, alone)
    expect = {r.photo: r.slips for r in alone}
    together: list[list] = [[], [], []]
    threads = [threading.Thread(target=scan, args=(paths, out))
               for paths, out in zip(orders, together, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert all(len(out) == 3 for out in together)
    for out in together:
        assert all(r.slips == expect[r.photo] and len(r.slips) == 8 for r in out)


def test_scan_falls_back_when_the_helper_fails(photo, monkeypatch):
    """A helper that fails every slip: each is measured in-process, nothing is lost."""
    kit, rec, path = photo

    class Broken(_Silent):
        def measure(self, key, text, corners):
            fut = Future()
            fut.set_exception(helper_mod.HelperFailed("broken on purpose"))
            return fut

    monkeypatch.setattr("paperkit.scan.pipeline.shared_helper", lambda: Broken())
    (res,) = scan_photos(kit, rec, [path], dry_run=True)
    assert len(res.slips) == 8
    assert all(s.outcome == "applied" for s in res.slips)


def test_a_hanging_helper_is_stopped_and_its_slips_measured_here(photo, monkeypatch):
    kit, rec, path = photo

    class Hanging(_Silent):
        def measure(self, key, text, corners):
            fut = Future()  # never answered
            fut.remote = True
            return fut

    monkeypatch.setattr(helper_mod, "_shared", None)  # stop() must not touch the real one
    monkeypatch.setattr(helper_mod, "_off", False)
    monkeypatch.setattr("paperkit.scan.pipeline.shared_helper", lambda: Hanging())
    monkeypatch.setattr("paperkit.scan.pipeline.HELPER_WAIT", 0.05)
    (res,) = scan_photos(kit, rec, [path], dry_run=True)
    assert len(res.slips) == 8
    assert all(s.outcome == "applied" for s in res.slips)
    assert helper_mod._off  # not used again in this process


def test_a_script_without_a_main_guard_is_not_run_again_by_the_helper(tmp_path):
    """A spawned worker re-imports the caller's __main__ script unless told otherwise: a
    script that scans photos without `if __name__ == "__main__"` would scan them twice."""
    import subprocess
    import sys

    runs = tmp_path / "runs.txt"
    script = tmp_path / "unguarded.py"
    script.write_text(
        "import os\n"
        f"with open({str(runs)!r}, 'a') as fh:\n"
        "    fh.write(str(os.getpid()) + '\\n')\n"
        "from paperkit.scan import helper\n"
        "h = helper.wait_ready(60)\n"
        "print('usable' if h is not None else 'none')\n")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=120, check=True)
    if out.stdout.strip() != "usable":
        pytest.skip("the helper process did not start here")
    assert len(runs.read_text().split()) == 1
    assert "Warning" not in out.stderr


#: A script whose second thread pickles one of its functions by reference, as its own
#: process pool would, over and over while the helper starts.
_PICKLES = """\
import os
import pickle
import threading

os.environ["PAPERKIT_SCAN_HELPER"] = "1"


def job():
    return 1


failed, stop = [], threading.Event()


def pickles():
    while not stop.is_set():
        try:
            pickle.dumps(job)
        except Exception as exc:
            failed.append(repr(exc))


if __name__ == "__main__":
    from paperkit.scan import helper

    thread = threading.Thread(target=pickles)
    thread.start()
    up = helper.wait_ready(60) is not None
    stop.set()
    thread.join()
    print("usable" if up else "none", len(failed), failed[:1])
"""


def test_the_scripts_functions_can_be_pickled_while_the_helper_starts(tmp_path):
    """The helper's start shows the spawned worker a __main__ without the script's file
    (see above); it was an empty module, and for those milliseconds another thread
    could not pickle the script's functions ("attribute lookup job on __main__ failed",
    thousands of times in a red team's run). The stand-in now holds the script's names."""
    script = tmp_path / "pickles.py"
    script.write_text(_PICKLES)
    out, _ = _run_alone(script)
    if not out.startswith("usable"):
        pytest.skip("the helper process did not start here")
    assert out.split()[1] == "0", out


def test_while_a_slip_is_not_measured_the_helpers_last_queued_slip_is_taken_back(photo):
    """The slips are read in order; while the helper has not finished the next one, this
    process takes back the helper's last slip that it has not started and measures it
    here, the last first, until none is left after the one awaited."""
    from paperkit.scan import pipeline

    kit, rec, path = photo
    frame = load_photo(path).frames[0]
    found = find_codes(frame.gray).found[:6]
    order = []

    class Queued(Future):
        def __init__(self, i, started, gives_back=True):
            super().__init__()
            self.i, self.gives_back = i, gives_back
            self.started = lambda: started

        def take_back(self):
            order.append(self.i)
            return self.gives_back

    # the helper has measured the first, is measuring the second, and holds the third
    # (sent ahead: it cannot be taken back); the last three are queued
    remote = [Queued(i, started=i < 3, gives_back=False) for i in range(3)]
    remote += [Queued(i, started=False) for i in range(3, 6)]
    remote[0].set_result("the helper's")
    pending = {id(f): fut for f, fut in zip(found, remote, strict=True)}
    pipeline._help(pending, frame, found, 0)  # the first is measured: nothing to do
    assert order == [] and all(pending[id(f)] is fut
                               for f, fut in zip(found, remote, strict=True))
    pipeline._help(pending, frame, found, 1)  # the second is not: help until it is
    assert order == [5, 4, 3]  # last first; the third, sent ahead, is not asked for
    # then the third is measured here too, as the helper is busy with the second
    for f in found[2:]:
        pose, reads = pending[id(f)].result(timeout=60)  # measured here, the same
        here_pose, here_reads = measure(frame, f)
        assert np.array_equal(pose.H, here_pose.H) and reads == here_reads
    assert pending[id(found[0])] is remote[0] and pending[id(found[1])] is remote[1]


def test_the_helper_finishing_the_awaited_slip_ends_the_help(photo):
    """Help stops as soon as the slip awaited is measured: the slips after it that the
    helper holds stay the helper's."""
    from paperkit.scan import pipeline

    kit, rec, path = photo
    frame = load_photo(path).frames[0]
    found = find_codes(frame.gray).found[:4]

    class Queued(Future):
        started = staticmethod(lambda: False)

        def take_back(self):
            awaited.set_result("the helper's")  # the helper finishes it meanwhile
            return True

    awaited = Queued()
    remote = [awaited] + [Queued() for _ in found[1:]]
    pending = {id(f): fut for f, fut in zip(found, remote, strict=True)}
    pipeline._help(pending, frame, found, 0)
    assert pending[id(found[3])] is not remote[3] and pending[id(found[3])].done()
    assert all(pending[id(f)] is fut for f, fut in zip(found[:3], remote[:3], strict=True))


def test_while_the_photos_colour_is_decoded_the_helpers_last_slip_is_measured_here(photo):
    """Reading the first slip waits for the photo's colour (decoded on a thread): meanwhile
    this process measures the helper's last queued slip rather than wait, and stops once
    the colour is there."""
    from paperkit.scan import pipeline

    kit, rec, path = photo
    frame = load_photo(path).frames[0]
    found = find_codes(frame.gray).found[:4]
    colour: Future = Future()

    class Queued(Future):
        started = staticmethod(lambda: False)

        def take_back(self):
            colour.set_result("the colour")  # decoded meanwhile
            return True

    remote = [Queued() for _ in found]
    remote[0].set_result("the helper's")  # the first slip is measured already
    pending = {id(f): fut for f, fut in zip(found, remote, strict=True)}
    pipeline._help(pending, frame, found, 0, colour)
    assert pending[id(found[3])] is not remote[3] and pending[id(found[3])].done()
    assert all(pending[id(f)] is fut for f, fut in zip(found[:3], remote[:3], strict=True))
    pipeline._help(pending, frame, found, 0, colour)  # all there: nothing more to do
    assert all(pending[id(f)] is fut for f, fut in zip(found[:3], remote[:3], strict=True))


def test_the_helpers_last_slips_are_measured_here_too_while_it_is_busy(photo):
    """Slips the helper's pool has sent it ahead cannot be taken back; while the slip
    awaited is unfinished, the last of them is measured here as well (a helper that never
    answers: all but the one awaited)."""
    from paperkit.scan import pipeline

    kit, rec, path = photo
    frame = load_photo(path).frames[0]
    found = find_codes(frame.gray).found[:3]

    class Sent(Future):
        started = staticmethod(lambda: True)
        take_back = staticmethod(lambda: False)

    remote = [Sent() for _ in found]
    pending = {id(f): fut for f, fut in zip(found, remote, strict=True)}
    pipeline._help(pending, frame, found, 0)
    assert pending[id(found[0])] is remote[0]
    assert all(pending[id(f)].done() and pending[id(f)] is not fut
               for f, fut in zip(found[1:], remote[1:], strict=True))



#: A script that scans the test photo in a child process (a library user's pool of
#: workers, POOL), with the helper forced on there; KIT, PHOTO, POOL and FIRST (whether
#: this process scans the photo first) are filled in by :func:`_child_scan`.
_CHILD_SCAN = """\
import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

os.environ["PAPERKIT_SCAN_HELPER"] = "1"


def work(path):
    from paperkit.kit import open_kit
    from paperkit.scan import helper
    from paperkit.scan.pipeline import scan_photo

    up = helper.wait_ready(60) is not None
    kit = open_kit(Path(KIT))
    rec = kit.open_record()
    try:
        res = scan_photo(kit, rec, Path(path), dry_run=True)
    finally:
        rec.close()
    return up, sorted((s.task, s.outcome, s.status) for s in res.slips)


if __name__ == "__main__":
    if FIRST:
        print(work(PHOTO)[1])
    with POOL as pool:
        if hasattr(pool, "apply"):
            up, slips = pool.apply(work, (PHOTO,))
        else:
            up, slips = pool.submit(work, PHOTO).result(timeout=120)
    print(slips)
    print("helper up in the child" if up else "no helper in the child")
"""


def _child_scan(photo, folder, pool: str, first: bool) -> list[str]:
    """Run :data:`_CHILD_SCAN` with ``pool`` (Python code making it); its output lines."""
    kit, _, path = photo
    script = folder / "child_scan.py"
    script.write_text(_CHILD_SCAN.replace("KIT", repr(str(kit.path)))
                      .replace("PHOTO", repr(str(path))).replace("POOL", pool)
                      .replace("FIRST", repr(first)))
    out, err = _run_alone(script)
    assert "Traceback" not in err and "leaked" not in err, err[-3000:]
    return out.splitlines()


def _run_alone(script, timeout: float = 150.0):
    """Run ``script`` (a file) in a session of its own; its output, or a failure when it
    did not end within ``timeout`` seconds (all of its processes are killed then), or when
    a process of it outlives it."""
    import os
    import signal
    import subprocess
    import sys
    import time

    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"the script did not end within {timeout:.0f} s:\n{out}\n{err[-3000:]}")
    assert proc.returncode == 0, err[-3000:]
    for _ in range(40):  # a helper whose parent is gone ends itself (PARENT_POLL)
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.25)
    else:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("a process of the script was still running after it ended")
    return out, err


def _start_method(method: str) -> None:
    import multiprocessing

    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method!r} start method here")


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_a_pool_worker_that_scanned_ends_with_its_pool(photo, tmp_path, method):
    """A multiprocessing child stops its helper when it ends: it used to wait for the
    helper's worker (a child of its own, never told to stop) and hang its pool's
    shutdown for ever."""
    _start_method(method)
    lines = _child_scan(photo, tmp_path,
                        f"ProcessPoolExecutor(1, mp_context=mp.get_context({method!r}))", False)
    if lines[-1] != "helper up in the child":
        pytest.skip("the helper process did not start here")
    assert lines[0].count("'applied'") == 8


def test_a_child_forked_after_a_scan_scans_as_its_parent(photo, tmp_path):
    """A child forked from a process that scanned (its pools and helper then belonged to
    the parent) starts its own: it used to hand its work to the parent's threads, which a
    fork does not copy, and wait for ever."""
    _start_method("fork")
    lines = _child_scan(photo, tmp_path,
                        "ProcessPoolExecutor(1, mp_context=mp.get_context('fork'))", True)
    assert lines[0] == lines[1] and lines[0].count("'applied'") == 8


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_multiprocessing_pool_worker_scans_without_the_helper(photo, tmp_path, method):
    """A multiprocessing.Pool's workers are daemonic and may not start processes: the scan
    measures its slips in-process there (it raised AssertionError from multiprocessing)."""
    _start_method(method)
    lines = _child_scan(photo, tmp_path, f"mp.get_context({method!r}).Pool(1)", True)
    assert lines[0] == lines[1] and lines[0].count("'applied'") == 8
    assert lines[2] == "no helper in the child"


def test_end_run_while_another_thread_scans_waits_for_its_scan(photo, tmp_path):
    """end_run (a command's end) cancelled the work a scan in another thread had queued:
    that scan raised CancelledError or waited for ever (a red team, the thirty-ninth
    session). It now waits until no scan runs, then stops what they leave running."""
    import threading

    from PIL import Image

    from paperkit.scan import pipeline

    kit, rec, path = photo
    copies = []
    for q in (80, 84, 88, 92):  # the same slips, four files (four sha256s)
        copy = tmp_path / f"copy{q}.jpg"
        Image.open(path).save(copy, quality=q)
        copies.append(copy)
    out, failed = [], []

    def scan() -> None:
        try:
            with kit.open_record() as own:  # (a record is used in the thread that opened it)
                out.extend(scan_photos(kit, own, copies, dry_run=True))
        except BaseException as exc:  # noqa: BLE001 - reported below
            failed.append(exc)

    worker = threading.Thread(target=scan, daemon=True)
    worker.start()
    while worker.is_alive():
        pipeline.end_run()  # as often as it can, to land in the middle of a photo
    worker.join(120)
    assert not worker.is_alive(), "the scan hung"
    assert not failed, failed
    first = sorted((s.task, s.status) for s in out[0].slips)
    assert [s.outcome for s in out[0].slips] == ["applied"] * 8
    for res in out[1:]:  # the same slips again: already so in the dry run's copy
        assert not res.errors and [s.outcome for s in res.slips] == ["unchanged"] * 8
        assert sorted((s.task, s.status) for s in res.slips) == first


#: A script whose main thread ends while a thread it started (not a daemon) scans the test
#: photo; KIT and PHOTO are filled in.
_AFTER_MAIN = """\
import os
import threading
import time
from pathlib import Path

os.environ["PAPERKIT_SCAN_HELPER"] = "1"

from paperkit.kit import open_kit
from paperkit.scan.pipeline import scan_photos


def work():
    while threading.main_thread().is_alive():
        time.sleep(0.01)
    kit = open_kit(Path(KIT))
    with kit.open_record() as rec:
        res = scan_photos(kit, rec, [Path(PHOTO)], dry_run=True)
    print(sorted((s.task, s.outcome, s.status) for s in res[0].slips), res[0].errors)


threading.Thread(target=work).start()
"""


def test_a_scan_in_a_thread_the_main_thread_did_not_wait_for_reads_the_photo(photo, tmp_path):
    """Once a program's main thread has ended, Python refuses new work to every pool; a
    scan still running in a thread of the program's (not a daemon) then failed with
    RuntimeError ("cannot schedule new futures after interpreter shutdown"). Its pools'
    work now runs in its own thread then, and its slips read as ever."""
    import shutil

    from scan_images import log_print

    from paperkit.kit import open_kit

    kit, _, path = photo
    own = open_kit(shutil.copytree(kit.path, tmp_path / "kit"))  # its print logged, as a
    with own.open_record() as rec:  # real kit's is (a subprocess checks it)
        log_print(rec, *(codes.build(kit.key, kit.id, f"T{i:04d}", 1).text for i in range(1, 9)))
    script = tmp_path / "after_main.py"
    script.write_text(_AFTER_MAIN.replace("KIT", repr(str(own.path)))
                      .replace("PHOTO", repr(str(path))))
    out, err = _run_alone(script)
    assert "Traceback" not in err, err[-3000:]
    assert out.count("'applied'") == 8 and out.rstrip().endswith("()"), out
