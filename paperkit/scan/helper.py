"""A second process that measures slips (pose and box reads) beside the scanning process.

Measuring one slip (``geometry.locate`` then ``marks.read_boxes``) is many small
NumPy/OpenCV calls, so Python's GIL, not the cores, bounds it: two threads measure barely
faster than one (bench/RESULTS.md, Scan, Speed). A second process really runs on the second
core. It is a one-worker :class:`concurrent.futures.ProcessPoolExecutor`. The scanning
process hands each frame over in shared memory (:meth:`Helper.share`: one copy, under a
millisecond for 12 MP, into one of :data:`KEEP` blocks kept from photo to photo, so their
pages are not faulted in again); the worker reads it there, in place. (Until the eighteenth
session the worker decoded each photo itself, at the same time as the scanning process;
that core now reads a JPEG's first pass instead: ``decode.first_look``.)

The worker is started on first use, in the background; until it is ready, while the machine
has no core to spare, and whenever it fails or is slow, slips are measured in-process. The
results are the same either way. ``PAPERKIT_SCAN_HELPER=0`` in the environment turns it off,
``=1`` uses it even on a busy machine (benchmarks).

The worker ignores Ctrl-C (SIGINT, which a terminal sends to every process of the command)
and SIGHUP (a closed terminal's): the scanning process stops it (``pipeline.scan_photos``;
``paperkit scan`` takes SIGTERM and SIGHUP as Ctrl-C), and a worker that took it would only
print a traceback of its own. A worker whose scanning process is gone all the same (killed
with SIGKILL) ends itself within :data:`PARENT_POLL` seconds (:func:`_watch_parent`), so it
holds no photo in memory; the shared blocks it had open are removed, and the others by
multiprocessing's resource tracker once the worker has ended. The worker and the tracker
are started with SIGHUP ignored, so that closing the terminal leaves the scanning process
the time to remove the blocks itself.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import multiprocessing
import multiprocessing.util
import os
import signal
import sys
import threading
import time
import types
from collections import OrderedDict
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import shared_memory
from pathlib import Path

import numpy as np

from ..signals import handled, held_signals

#: "0": measure every slip in-process; "1": use the helper even when the machine is busy.
ENV = "PAPERKIT_SCAN_HELPER"
#: Shared-memory blocks the frames are handed over in, used in turn (the frame being scanned,
#: and the last one: a slip of it may still be measured there, its result no longer wanted).
KEEP = 2
#: At most this many blocks: one for each frame being scanned at once (threads each
#: running a scan), none of them taken while its frame's scan is on.
MAX_BLOCKS = 4
#: This package's folder (paperkit/scan); the worker must run this same code.
_PACKAGE = str(Path(__file__).resolve().parent)
#: How often (seconds) the worker looks whether the scanning process is still there.
PARENT_POLL = 0.25
#: How long (seconds) :meth:`Helper.close` waits for the pool's manager thread to end once
#: the worker is killed (it ends as soon as it sees the worker gone).
CLOSE_WAIT = 5.0
#: Signals the worker (and the resource tracker started with it) ignores: Ctrl-C's, and a
#: closed terminal's.
_IGNORED = tuple(getattr(signal, name) for name in ("SIGINT", "SIGHUP") if hasattr(signal, name))


class HelperFailed(Exception):
    """The helper could not measure a slip (no such frame, a different paperkit, gone): the
    caller measures it in-process instead."""


# -- in the worker process --------------------------------------------------------------------

def ignore_interrupt() -> None:
    """Ignore SIGINT and SIGHUP in this process (the worker is also started with them
    ignored, :func:`_interrupt_ignored`, so that it is never without it)."""
    for sig in _IGNORED:
        signal.signal(sig, signal.SIG_IGN)


def _worker_start(parent: int) -> None:
    """The worker's initializer: :func:`ignore_interrupt`, and end this process when the
    scanning process ``parent`` (its pid) is gone (:func:`_watch_parent`)."""
    ignore_interrupt()
    threading.Thread(target=_watch_parent, args=(parent,), name="paperkit-parent",
                     daemon=True).start()


def _watch_parent(parent: int) -> None:
    """Every :data:`PARENT_POLL` seconds, whether ``parent`` is still this process's parent;
    once it is not (it was killed: the worker is an orphan now, nobody will stop it), the
    shared blocks this process has open are removed and the process ends at once."""
    while os.getppid() == parent:
        time.sleep(PARENT_POLL)
    for block in list(_blocks.values()):
        try:
            block.unlink()
        except Exception:  # noqa: BLE001 - removed already; the resource tracker does the rest
            pass
    os._exit(0)


_blocks: OrderedDict[str, shared_memory.SharedMemory] = OrderedDict()  # name → block


def _hello() -> str:
    """Import the measuring code now (so the first slip does not wait for it), keep freed
    photo-sized memory for the next photo (memory.py), run OpenCV on one thread
    (:func:`one_opencv_thread`), and say which paperkit this is."""
    from . import pipeline  # noqa: F401
    from .memory import keep_freed_memory

    keep_freed_memory()
    one_opencv_thread()
    return _PACKAGE


@functools.cache  # once a process
def one_opencv_thread() -> None:
    """Have OpenCV run each operation on the calling thread. By default it splits its larger
    operations over a pool of one thread per core; with the scanning process and the helper
    each busy on a core, those threads only take turns with the other process (measured on
    2 cores, 60 photos, three times each way: system time 6-8 → 3 ms a photo, the median
    photo 0-5 % sooner). Each process sets it for itself (the helper once, the scanning
    process once it uses the helper); the results are the same either way."""
    import cv2

    cv2.setNumThreads(1)


def _block(name: str) -> shared_memory.SharedMemory:
    """The scanning process's block ``name``, opened once; blocks it has replaced are closed."""
    block = _blocks.get(name)
    if block is None:
        block = _blocks[name] = shared_memory.SharedMemory(name)
        while len(_blocks) > KEEP:
            try:
                _blocks.popitem(last=False)[1].close()
            except BufferError:  # still viewed (cannot be: each view lives for one slip)
                pass
    return block


def _measure(name: str, shape: tuple[int, int], text: str, corners: np.ndarray):
    from .decode import Found
    from .load import Frame
    from .pipeline import measure

    gray = np.ndarray(shape, np.uint8, buffer=_block(name).buf)
    try:
        return measure(Frame(name, gray), Found(text, np.float32(corners), "helper"))
    finally:
        del gray  # the block can be closed once it is replaced


# -- in the scanning process ------------------------------------------------------------------

def _fileless(main: types.ModuleType) -> types.ModuleType:
    """A stand-in for the ``__main__`` module ``main``: its names, but no file or import
    spec, from which a spawned process would import it again."""
    stand_in = types.ModuleType("__main__")
    stand_in.__dict__.update((k, v) for k, v in vars(main).items()
                             if k not in ("__file__", "__spec__", "__loader__", "__cached__"))
    return stand_in


class Helper:
    """The scanning process's side: :meth:`share` each frame as soon as it is loaded, under a
    key, then :meth:`measure` codes in it (each gives a Future of ``pipeline.measure``'s
    result, or HelperFailed), and :meth:`forget` it when its scan is over."""

    def __init__(self) -> None:
        self.dead = False
        self._lock = threading.Lock()
        self._frames: dict[str, tuple[str, tuple[int, int]]] = {}  # key → block name, shape
        self._blocks: list[shared_memory.SharedMemory | None] = []
        self._turn = 0
        # The first submit starts the worker (and the pool's queues, made here, start
        # multiprocessing's resource tracker). A spawned worker first re-imports the caller's
        # __main__ script (a script without an `if __name__ == "__main__"` guard would run
        # again there, scanning its photos twice); it is shown a __main__ that names no
        # file instead. Its names stay, so that another thread pickling one of them by
        # reference meanwhile (a function of the script for its own process pool) still can.
        caller = sys.modules["__main__"]
        sys.modules["__main__"] = _fileless(caller)
        try:
            with _interrupt_ignored():
                self._pool = ProcessPoolExecutor(
                    1, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_worker_start, initargs=(os.getpid(),))
                self._hello = self._pool.submit(_hello)
        finally:
            sys.modules["__main__"] = caller

    @property
    def usable(self) -> bool:
        if self.dead or not self._hello.done():
            return False
        return self._hello.exception() is None and self._hello.result() == _PACKAGE

    def wait(self, timeout: float) -> bool:
        """Wait until the worker is up; whether it is usable."""
        try:
            self._hello.result(timeout)
        except Exception:  # noqa: BLE001 - any failure to start means: not usable
            return False
        return self.usable

    def share(self, key: str, gray: np.ndarray) -> None:
        """Hand the frame ``gray`` (uint8, 2-D) over as ``key``: copied into the next shared
        block in turn that holds no frame still being scanned (a larger one is made when it
        does not fit; up to :data:`MAX_BLOCKS` for scans running at once). A frame not
        handed over (no block free, no shared memory here) is measured in-process."""
        with self._lock:
            if self.dead:
                return
            turn = self._free_turn()
            if turn is None:
                return
            self._turn = turn
            try:
                block = self._fitting(self._turn, gray.nbytes)
            except (OSError, ValueError):  # no shared memory here (or an empty frame)
                return
            np.ndarray(gray.shape, np.uint8, buffer=block.buf)[...] = gray
            self._frames[key] = (block.name, gray.shape)

    def _free_turn(self) -> int | None:
        """The next block in turn that holds no frame still being scanned; when every one
        does, a new one (up to :data:`MAX_BLOCKS`), else None. Under ``_lock``."""
        busy = {name for name, _ in self._frames.values()}
        count = max(KEEP, len(self._blocks))
        for turn in ((self._turn + 1 + i) % count for i in range(count)):
            block = self._blocks[turn] if turn < len(self._blocks) else None
            if block is None or block.name not in busy:
                return turn
        return count if count < MAX_BLOCKS else None

    def _fitting(self, turn: int, size: int) -> shared_memory.SharedMemory:
        """Block ``turn``, made (again) when it is missing or smaller than ``size`` bytes."""
        while len(self._blocks) <= turn:
            self._blocks.append(None)
        block = self._blocks[turn]
        if block is None or block.size < size:
            if block is not None:
                _drop(block)
                self._blocks[turn] = None
            _room_for(size)
            block = self._blocks[turn] = shared_memory.SharedMemory(create=True, size=size)
        return block

    def forget(self, key: str) -> None:
        """The scan of frame ``key`` is over: its block will take another frame."""
        with self._lock:
            self._frames.pop(key, None)

    def measure(self, key: str, text: str, corners: np.ndarray) -> Future:
        """Measure the code ``text`` at ``corners`` (frame px) in the frame ``key``. The
        Future fails with HelperFailed if the helper cannot."""
        out: Future = Future()
        out.remote = True  # the caller waits for it with a time limit
        with self._lock:
            frame = self._frames.get(key)
        if self.dead or frame is None:
            out.set_exception(HelperFailed("the helper is stopped" if self.dead
                                           else "that frame was not handed over"))
            return out
        try:
            inner = self._pool.submit(_measure, *frame, text, np.asarray(corners))
        except RuntimeError as exc:  # shut down, or the worker died (BrokenProcessPool)
            self.dead = True
            out.set_exception(HelperFailed(repr(exc)))
            return out

        def settle(done: Future) -> None:
            exc = HelperFailed("cancelled") if done.cancelled() else done.exception()
            if exc is None:
                out.set_result(done.result())
            else:  # whatever it was, the slip is measured again in-process
                out.set_exception(HelperFailed(repr(exc)))

        inner.add_done_callback(settle)
        out.started = lambda: inner.running() or inner.done()
        out.take_back = inner.cancel  # True when it had not started: the caller measures it
        return out

    def close(self, kill: bool = False) -> None:
        """Stop the worker and remove the shared blocks; ``kill``: the worker at once, even
        mid-slip (it hung, or its slip is no longer wanted), and the pool's manager thread
        is waited for here (briefly: it ends as soon as it sees the worker gone), so that
        nothing of the pool is left for the interpreter's exit to wait for. The worker is
        killed and the blocks removed first, so that a Ctrl-C while the pool shuts down
        leaves no copy of the photo behind."""
        self.dead = True
        processes = list(getattr(self._pool, "_processes", None) or {}) if kill else []
        manager = getattr(self._pool, "_executor_manager_thread", None) if kill else None
        with held_signals():  # a Ctrl-C meanwhile (pressed twice) stops nothing half-way
            for pid in processes:  # ProcessPoolExecutor has no kill before Python 3.14
                try:
                    os.kill(pid, 9)
                except OSError:
                    pass
            with self._lock:
                self._frames = {}
                for block in self._blocks:
                    if block is not None:
                        _drop(block)
                self._blocks = []
        self._pool.shutdown(wait=not kill, cancel_futures=True)
        if manager is not None and manager is not threading.current_thread():
            manager.join(CLOSE_WAIT)


def _interrupt_ignored() -> contextlib.AbstractContextManager[None]:
    """SIGINT and SIGHUP ignored in this process meanwhile, when this is the main thread
    (only it may set a handler): a process started meanwhile inherits that, and Python then
    leaves them ignored, so a Ctrl-C while the worker is still starting up (before its
    initializer, :func:`ignore_interrupt`, has run) does not print a traceback from it
    either. The resource tracker, started with the worker, keeps SIGHUP ignored for good
    (it ignores SIGINT and SIGTERM itself): a closed terminal does not end it before the
    scanning process has removed the shared blocks, which it is told of. Starting the
    worker takes a few milliseconds; a Ctrl-C in them is lost (press it again)."""
    return handled(_IGNORED, signal.SIG_IGN, keep_ignored=False)


#: Where POSIX shared memory lives on Linux: a RAM file system, often small in a container
#: (64 MB by default in Docker).
SHM_DIR = "/dev/shm"


def _room_for(size: int) -> None:
    """Raise OSError unless the shared-memory file system has ``size`` bytes free, and as
    much again to spare. Its pages are only taken when the frame is copied in, and a write
    that finds it full kills the process (SIGBUS) instead of raising."""
    try:
        fs = os.statvfs(SHM_DIR)
    except OSError:  # not Linux: shared memory is not a file system there
        return
    if fs.f_bavail * fs.f_frsize < 2 * size:
        raise OSError(f"{SHM_DIR} has too little room for a {size / 1e6:.0f} MB frame")


def _drop(block: shared_memory.SharedMemory) -> None:
    """Close and remove a shared block of this process's (the worker may still have it open:
    its memory is freed when the worker closes it too)."""
    try:
        block.close()
    except BufferError:  # a view of it is still alive; it goes with the process
        pass
    try:
        block.unlink()
    except FileNotFoundError:
        pass


_shared: Helper | None = None
_shared_lock = threading.Lock()
_off = False  # the helper could not be started here, or failed
#: How far (in runnable processes) the load average may exceed the core count for the
#: helper to be used.
BUSY_MARGIN = 0.5


def _spare_core() -> bool:
    """Whether the machine seems to have a core to spare: at least 2, and the load average
    (which counts this scan too) not above the cores. On a machine busy with other work a
    second process only adds a second copy of the photo."""
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:  # not on every platform
        load = 0.0
    return cores >= 2 and load <= cores + BUSY_MARGIN


def _start() -> Helper | None:
    """The helper, started now if it was not (None if it cannot start here)."""
    global _shared, _off
    with _shared_lock:
        if _shared is None and not _off and multiprocessing.current_process().daemon:
            _off = True  # a daemonic process (a multiprocessing.Pool's worker) has no children
        if _shared is None and not _off:
            try:
                _shared = Helper()
            except (OSError, RuntimeError):
                _off = True
                return None
            _close_at_exit()
    return _shared


@functools.cache  # registered once a process
def _close_at_exit() -> None:
    atexit.register(close_shared)
    # A multiprocessing child (a library user's pool worker that scanned) ends by waiting
    # for its own children, the helper's worker among them, before anything that would stop
    # them, and never runs atexit: it hung there for ever. Its finalizers run first.
    multiprocessing.util.Finalize(None, close_shared, exitpriority=100)


#: Helpers of the process this one was forked from: kept, never used (see _forked).
_parents: list[Helper] = []


def _forked() -> None:
    """In a child forked from a process that had started the helper: that helper is the
    parent's (its pool's threads are not copied by the fork, so work handed to it would wait
    for ever, and closing it would kill the parent's worker). It is kept out of the way, never
    collected (which would wake the parent's pool through their shared pipe), and this
    process starts its own when it scans."""
    global _shared, _shared_lock
    if _shared is not None:
        _parents.append(_shared)
    _shared, _shared_lock = None, threading.Lock()
    _close_at_exit.cache_clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forked)


def close_shared() -> None:
    """Stop the helper, if it was started, and remove its shared blocks: at the end of a
    command (``paperkit scan``), so that its worker (killed at once: it is idle, or
    measuring a slip no longer wanted) and the pool's thread are gone before the
    interpreter's exit, where a Ctrl-C would print a traceback; and at exit. Unlike
    :func:`stop`, a later scan in this process starts it again."""
    global _shared
    with _shared_lock:
        helper, _shared = _shared, None
    if helper is not None:
        helper.close(kill=True)


def shared() -> Helper | None:
    """The helper, once it is up; None until then (the first call on a machine with a core
    to spare starts it), when it is turned off, when the machine has no core to spare, or
    when it failed."""
    mode = os.environ.get(ENV, "")
    if _off or mode == "0" or (os.cpu_count() or 1) < 2:
        return None
    spare = mode == "1" or _spare_core()
    if _shared is None and not spare:
        return None  # starting it now would only slow this scan down
    helper = _start()
    if helper is None or not helper.usable or not spare:
        return None
    one_opencv_thread()
    return helper


def stop(why: str) -> None:
    """Stop the helper for good in this process (it failed or hung, ``why``): every slip it
    still holds fails at once and is measured in-process, as are all later ones."""
    global _off
    _off = True
    if _shared is not None:
        _shared.close(kill=True)


def wait_ready(timeout: float = 60.0) -> Helper | None:
    """Start the helper if needed and wait until it is up, busy machine or not (tests)."""
    helper = _start()
    return helper if helper is not None and helper.wait(timeout) else None
