"""A helper process that measures slips (pose and box reads) beside the scanning process.

Measuring one slip (``geometry.locate`` then ``marks.read_boxes``) is a few hundred small
NumPy/OpenCV calls, so Python's GIL, not the cores, bounds it: two threads measure barely
faster than one (bench/RESULTS.md, Scan, Speed). A second process really runs on the second
core. It loads the same file itself, while the scanning process does (the same code on the
same bytes gives the same pixels; the file's sha256 is checked before any slip is
measured), then measures the codes it is sent and sends back the poses and reads.

The helper is started on first use, in the background; until it is ready, for PDFs, and
whenever it fails or is slow, slips are measured in-process. The results are the same
either way. ``PAPERKIT_SCAN_HELPER=0`` in the environment turns it off.
"""

from __future__ import annotations

import atexit
import itertools
import os
import pickle
import struct
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import BinaryIO

import numpy as np

#: Set to "0" to measure every slip in-process.
ENV = "PAPERKIT_SCAN_HELPER"
#: Files the helper keeps loaded at once (one per photo being scanned).
KEEP = 2
_HEAD = struct.Struct("<Q")


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
        self._keys = itertools.count()
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "paperkit.scan.helper"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, close_fds=True)
        self._reader = threading.Thread(target=self._read, name="paperkit-scan-helper",
                                        daemon=True)
        self._reader.start()

    def _read(self) -> None:
        try:
            while True:
                msg = _recv(self._proc.stdout)
                if msg[0] == "ready":
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

    def load(self, path: Path) -> None:
        """Start loading ``path`` in the helper (returns at once)."""
        with self._lock:
            self._post(("load", str(Path(path).resolve())))

    def measure(self, sha256: str, text: str, corners: np.ndarray) -> Future:
        """Measure the code ``text`` at ``corners`` (frame px) in the file loaded with this
        sha256. The Future fails with HelperFailed if the helper cannot."""
        fut: Future = Future()
        fut.remote = True  # the caller waits for it with a time limit
        with self._lock:
            if self.dead:
                fut.set_exception(HelperFailed("the helper process stopped"))
                return fut
            key = next(self._keys)
            self._futures[key] = fut
            self._post(("measure", key, sha256, text, np.asarray(corners)))
        return fut

    def close(self) -> None:
        try:
            self._proc.stdin.close()
            self._proc.wait(timeout=2)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            self._proc.kill()


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


def shared() -> Helper | None:
    """The helper, once it is up; None until then (the first call starts it), when it is
    turned off, when the machine has no core to spare, or when it failed."""
    global _shared, _off
    if _off or os.environ.get(ENV, "1") == "0" or (os.cpu_count() or 1) < 2:
        return None
    with _shared_lock:
        if _shared is None:
            try:
                _shared = Helper()
            except OSError:
                _off = True
                return None
            atexit.register(_shared.close)
    return _shared if _shared.usable and _spare_core() else None


def stop(why: str) -> None:
    """Stop the helper for good in this process (it failed or hung): every slip it still
    holds fails at once and is measured in-process, as are all later ones."""
    global _off
    _off = True
    if _shared is not None:
        _shared._fail_all(why)
        _shared._proc.kill()


def wait_ready(timeout: float = 30.0) -> Helper | None:
    """Start the helper if needed and wait until it is up (tests; a long batch)."""
    shared()
    if _shared is not None:
        _shared.ready.wait(timeout)
    return _shared if _shared is not None and _shared.usable else None


# -- the helper process itself -------------------------------------------------------------

def _serve(inp: BinaryIO, out: BinaryIO, measure: Callable, loader: Callable) -> None:
    from .decode import Found

    loaded: dict[str, object] = {}  # sha256 → the frame
    while True:
        try:
            msg = _recv(inp)
        except EOFError:
            return
        if msg[0] == "load":
            try:
                sha, frame = loader(Path(msg[1]))
            except Exception:  # noqa: BLE001 - any failure: those slips are measured in-process
                continue
            if frame is not None:
                loaded[sha] = frame
                while len(loaded) > KEEP:
                    del loaded[next(iter(loaded))]
        elif msg[0] == "measure":
            _, key, sha, text, corners = msg
            frame = loaded.get(sha)
            if frame is None:
                _send(out, ("failed", key, "that photo is not loaded here"))
                continue
            try:
                pose, reads = measure(frame, Found(text, np.float32(corners), "helper"))
            except Exception as exc:  # noqa: BLE001 - re-raised in-process, where it belongs
                _send(out, ("failed", key, repr(exc)))
                continue
            _send(out, ("done", key, pose, reads))


def _load_one(path: Path):
    """(sha256, its one frame), or (sha256, None) for PDFs and anything with several."""
    from .load import photo_from_bytes, read_bytes

    raw = read_bytes(path)
    if raw[:5] == b"%PDF-":
        return None, None
    photo = photo_from_bytes(path, raw)
    return photo.sha256, (photo.frames[0] if len(photo.frames) == 1 else None)


def main() -> None:
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # nothing printed by a library can reach the message pipe
    from .pipeline import measure

    _send(out, ("ready",))
    _serve(sys.stdin.buffer, out, measure, _load_one)


if __name__ == "__main__":
    main()
