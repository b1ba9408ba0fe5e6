"""A second process that measures slips (pose and box reads) beside the scanning process.

Measuring one slip (``geometry.locate`` then ``marks.read_boxes``) is many small
NumPy/OpenCV calls, so Python's GIL, not the cores, bounds it: two threads measure barely
faster than one (bench/RESULTS.md, Scan, Speed). A second process really runs on the second
core. It is a one-worker :class:`concurrent.futures.ProcessPoolExecutor`; each decoded frame
is handed over as a file in memory (/dev/shm where there is one, written by a thread while
the codes are still being found) that the worker maps read-only.

The worker is started on first use, in the background; until it is ready, while the machine
has no core to spare, and whenever it fails or is slow, slips are measured in-process. The
results are the same either way. ``PAPERKIT_SCAN_HELPER=0`` in the environment turns it off,
``=1`` uses it even on a busy machine (benchmarks).
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import sys
import tempfile
import threading
import types
from collections import OrderedDict
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import numpy as np

#: "0": measure every slip in-process; "1": use the helper even when the machine is busy.
ENV = "PAPERKIT_SCAN_HELPER"
#: Frames the worker keeps mapped at most (one per photo being scanned).
KEEP = 4
#: Where frames are handed over: memory, where the system has it.
_SHM = "/dev/shm" if os.path.isdir("/dev/shm") else None
#: This package's folder (paperkit/scan); the worker must run this same code.
_PACKAGE = str(Path(__file__).resolve().parent)


class HelperFailed(Exception):
    """The helper could not measure a slip (no such frame, a different paperkit, gone): the
    caller measures it in-process instead."""


# -- in the worker process --------------------------------------------------------------------

_mapped: OrderedDict[str, np.ndarray] = OrderedDict()


def _hello() -> str:
    """Import the measuring code now (so the first slip does not wait for it) and say which
    paperkit this is."""
    from . import pipeline  # noqa: F401

    return _PACKAGE


def _measure(path: str, shape: tuple[int, int], text: str, corners: np.ndarray):
    from .decode import Found
    from .load import Frame
    from .pipeline import measure

    gray = _mapped.get(path)
    if gray is None:  # mapped, the pixels stay readable after the scanning side unlinks
        gray = _mapped[path] = np.memmap(path, np.uint8, "r", shape=shape)
        while len(_mapped) > KEEP:
            _mapped.popitem(last=False)
    return measure(Frame(path, gray), Found(text, np.float32(corners), "helper"))


# -- in the scanning process ------------------------------------------------------------------

class Helper:
    """The scanning process's side: ``send_frame`` a frame, then ``measure`` codes in it
    (each gives a Future of ``pipeline.measure``'s result, or HelperFailed)."""

    def __init__(self) -> None:
        self.dead = False
        self._lock = threading.Lock()
        self._files: dict[str, tuple[str, tuple[int, int]]] = {}  # frame key → file, shape
        self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        # The first submit starts the worker. A spawned worker first re-imports the caller's
        # __main__ script (a script without an `if __name__ == "__main__"` guard would run
        # again there, scanning its photos twice); it is shown an empty __main__ instead.
        caller = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
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

    def send_frame(self, key: str, gray: np.ndarray) -> None:
        """Hand the frame's pixels (uint8, rows × columns) over; codes in it can be measured
        once this returns. A frame that cannot be written is simply not there."""
        name = None
        try:
            fd, name = tempfile.mkstemp(prefix="paperkit-scan-", suffix=".gray", dir=_SHM)
            with os.fdopen(fd, "wb") as fh:
                fh.write(np.ascontiguousarray(gray, np.uint8).data)
        except OSError:
            if name:
                Path(name).unlink(missing_ok=True)
            return
        with self._lock:
            self._files[key] = (name, tuple(gray.shape))

    def forget(self, key: str) -> None:
        """The scan of frame ``key`` is over: its file goes."""
        with self._lock:
            name, _ = self._files.pop(key, (None, None))
        if name:
            Path(name).unlink(missing_ok=True)

    def measure(self, key: str, text: str, corners: np.ndarray) -> Future:
        """Measure the code ``text`` at ``corners`` (frame px) in the frame ``key``. The
        Future fails with HelperFailed if the helper cannot."""
        out: Future = Future()
        out.remote = True  # the caller waits for it with a time limit
        with self._lock:
            handed = self._files.get(key)
        if self.dead or handed is None:
            out.set_exception(HelperFailed("the helper is stopped" if self.dead
                                           else "that frame was not handed over"))
            return out
        try:
            inner = self._pool.submit(_measure, handed[0], handed[1], text,
                                      np.asarray(corners))
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
        """Stop the worker; ``kill``: at once, even mid-slip (it hung)."""
        self.dead = True
        processes = list(getattr(self._pool, "_processes", None) or {}) if kill else []
        self._pool.shutdown(wait=not kill, cancel_futures=True)
        for pid in processes:  # ProcessPoolExecutor has no kill before Python 3.14
            try:
                os.kill(pid, 9)
            except OSError:
                pass
        with self._lock:
            names, self._files = [n for n, _ in self._files.values()], {}
        for name in names:
            Path(name).unlink(missing_ok=True)


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
        if _shared is None and not _off:
            try:
                _shared = Helper()
            except (OSError, RuntimeError):
                _off = True
                return None
            atexit.register(_shared.close, True)
    return _shared


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
    return helper if helper is not None and helper.usable and spare else None


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
