"""A helper process that measures slips (pose and box reads) beside the scanning process.

Measuring one slip (``geometry.locate`` then ``marks.read_boxes``) is a few hundred small
NumPy/OpenCV calls, so Python's GIL, not the cores, bounds it: two threads measure barely
faster than one (bench/RESULTS.md, Scan, Speed). A second process really runs on the second
core. The scanning process hands it each decoded frame through a file in memory (/dev/shm
where there is one; written by a thread while the codes are still being found), then sends
it codes to measure; it sends back the poses and reads.

The helper is started on first use, in the background; until it is ready, while the machine
has no core to spare, and whenever it fails or is slow, slips are measured in-process. The
results are the same either way. ``PAPERKIT_SCAN_HELPER=0`` in the environment turns it off,
``=1`` uses it even on a busy machine (benchmarks).
"""

from __future__ import annotations

import atexit
import itertools
import os
import pickle
import struct
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import BinaryIO

import numpy as np

#: "0": measure every slip in-process; "1": use the helper even when the machine is busy.
ENV = "PAPERKIT_SCAN_HELPER"
#: Frames the helper keeps at most (one per photo being scanned; a scan forgets its own).
KEEP = 4
#: Where frames are handed over: memory, where the system has it.
_SHM = "/dev/shm" if os.path.isdir("/dev/shm") else None
_HEAD = struct.Struct("<Q")
#: This package's folder (paperkit/scan); the helper must run this same code.
_PACKAGE = Path(__file__).resolve().parent


class HelperFailed(Exception):
    """The helper could not measure a slip (not loaded, a different file, gone): the caller
    measures it in-process instead."""


def _send(stream: BinaryIO, msg: tuple) -> None:
    data = pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEAD.pack(len(data)) + data)
    stream.flush()


def _recv(stream: BinaryIO) -> tuple:
    head = stream.read(_HEAD.size)
    if len(head) < _HEAD.size:
        raise EOFError
    data = stream.read(_HEAD.unpack(head)[0])
    return pickle.loads(data)  # noqa: S301 - our own child process, over its own pipe


class Helper:
    """The scanning process's side: ``load`` a file, then ``measure`` codes in it (each
    gives a Future of ``pipeline.measure``'s result, or HelperFailed)."""

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.dead = False
        self._lock = threading.Lock()
        self._futures: dict[int, Future] = {}
        self._files: dict[str, str] = {}  # frame key → the file handing it over
        self._keys = itertools.count()
        # run from the folder holding this very package, so the helper imports the same
        # paperkit (the current folder comes first on a child's path); it says which it got
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "paperkit.scan.helper"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, close_fds=True,
            cwd=_PACKAGE.parent.parent)
        self._reader = threading.Thread(target=self._read, name="paperkit-scan-helper",
                                        daemon=True)
        self._reader.start()

    def _read(self) -> None:
        try:
            while True:
                msg = _recv(self._proc.stdout)
                if msg[0] == "ready":
                    if msg[1] != str(_PACKAGE):
                        break  # another copy of paperkit: its reads could differ
                    self.ready.set()
                    continue
                with self._lock:
                    fut = self._futures.pop(msg[1], None)
                if fut is None:
                    continue
                if msg[0] == "done":
                    fut.set_result((msg[2], msg[3]))
                else:
                    fut.set_exception(HelperFailed(msg[2]))
        except (EOFError, OSError, pickle.UnpicklingError):
            pass
        self._fail_all("the helper process stopped")

    def _fail_all(self, why: str) -> None:
        with self._lock:
            self.dead = True
            futures, self._futures = self._futures, {}
        for fut in futures.values():
            if not fut.done():
                fut.set_exception(HelperFailed(why))

    def _post(self, msg: tuple) -> bool:
        try:
            _send(self._proc.stdin, msg)
            return True
        except (OSError, ValueError):
            self._fail_all("the helper process cannot be reached")
            return False

    @property
    def usable(self) -> bool:
        return self.ready.is_set() and not self.dead

    def expect(self, key: str) -> None:
        """Tell the helper the frame ``key`` is coming: codes sent for it before it arrives
        wait for it there. Call :meth:`send_frame` next (in a thread: it writes the pixels)."""
        with self._lock:
            self._post(("expect", key))

    def send_frame(self, key: str, gray: np.ndarray) -> None:
        """Hand the frame's pixels (uint8, rows × columns) to the helper."""
        name = None
        try:
            fd, name = tempfile.mkstemp(prefix="paperkit-scan-", suffix=".gray", dir=_SHM)
            with os.fdopen(fd, "wb") as fh:
                fh.write(np.ascontiguousarray(gray, np.uint8).data)
        except OSError:
            if name:
                Path(name).unlink(missing_ok=True)
            name = None
        with self._lock:
            if name:
                self._files[key] = name
            self._post(("frame", key, name, tuple(gray.shape)))

    def forget(self, key: str) -> None:
        """The scan of frame ``key`` is over: the helper drops it."""
        with self._lock:
            name = self._files.pop(key, None)
            self._post(("forget", key))
        if name:  # the helper removes it once read; this is for a helper that died first
            Path(name).unlink(missing_ok=True)

    def measure(self, key: str, text: str, corners: np.ndarray) -> Future:
        """Measure the code ``text`` at ``corners`` (frame px) in the frame ``key``. The
        Future fails with HelperFailed if the helper cannot."""
        fut: Future = Future()
        fut.remote = True  # the caller waits for it with a time limit
        with self._lock:
            if self.dead:
                fut.set_exception(HelperFailed("the helper process stopped"))
                return fut
            frame, key = key, next(self._keys)
            self._futures[key] = fut
            self._post(("measure", key, frame, text, np.asarray(corners)))
        return fut

    def close(self) -> None:
        """Stop the helper: at once if it is still starting (a one-photo scan must not wait
        for its imports), else by closing its input."""
        if not self.ready.is_set():
            self._proc.kill()
            self._proc.wait()
            return
        try:
            self._proc.stdin.close()
            self._proc.wait(timeout=2)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            self._proc.kill()
            self._proc.wait()


_shared: Helper | None = None
_shared_lock = threading.Lock()
_off = False  # the helper could not be started here
#: How far (in runnable processes) the load average may exceed the core count for the
#: helper to be used.
BUSY_MARGIN = 0.5


def _spare_core() -> bool:
    """Whether the machine seems to have a core to spare: at least 2, and the load average
    (which counts this scan too) not above the cores. On a machine busy with other work a
    second process only adds a second decode of the photo."""
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
            except OSError:
                _off = True
                return None
            atexit.register(_shared.close)
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
    """Stop the helper for good in this process (it failed or hung): every slip it still
    holds fails at once and is measured in-process, as are all later ones."""
    global _off
    _off = True
    if _shared is not None:
        _shared._fail_all(why)
        _shared._proc.kill()


def wait_ready(timeout: float = 30.0) -> Helper | None:
    """Start the helper if needed and wait until it is up, busy machine or not (tests)."""
    helper = _start()
    if helper is not None:
        helper.ready.wait(timeout)
    return helper if helper is not None and helper.usable else None


# -- the helper process itself -------------------------------------------------------------

def _serve(inp: BinaryIO, out: BinaryIO, measure: Callable) -> None:
    from .decode import Found
    from .load import Frame

    frames: dict[str, Frame] = {}
    waiting: dict[str, list] = {}  # frame announced, not here yet → measure requests

    def run(msg: tuple) -> None:
        _, key, frame_key, text, corners = msg
        frame = frames.get(frame_key)
        if frame is None:
            _send(out, ("failed", key, "that frame is not here"))
            return
        try:
            pose, reads = measure(frame, Found(text, np.float32(corners), "helper"))
        except Exception as exc:  # noqa: BLE001 - re-raised in-process, where it belongs
            _send(out, ("failed", key, repr(exc)))
            return
        _send(out, ("done", key, pose, reads))

    while True:
        try:
            msg = _recv(inp)
        except EOFError:
            return
        kind, frame_key = msg[0], msg[1]
        if kind == "expect":
            waiting[frame_key] = []
        elif kind == "frame":
            _, _, name, shape = msg
            if name:
                try:
                    gray = np.fromfile(name, np.uint8).reshape(shape)
                    frames[frame_key] = Frame(frame_key, gray)
                except (OSError, ValueError):
                    pass
                Path(name).unlink(missing_ok=True)
            while len(frames) > KEEP:
                del frames[next(iter(frames))]
            for m in waiting.pop(frame_key, []):
                run(m)
        elif kind == "forget":
            frames.pop(frame_key, None)
            for m in waiting.pop(frame_key, []):
                run(m)  # fails: the frame never came
        elif kind == "measure":
            if msg[2] in waiting:
                waiting[msg[2]].append(msg)
            else:
                run(msg)


def main() -> None:
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # nothing printed by a library can reach the message pipe
    from .pipeline import measure

    _send(out, ("ready", str(_PACKAGE)))
    _serve(sys.stdin.buffer, out, measure)


if __name__ == "__main__":
    main()
