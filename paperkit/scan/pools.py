"""The scan's thread pools (:mod:`pipeline`'s and :mod:`decode`'s)."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor


class Pool(ThreadPoolExecutor):
    """A thread pool that, once the program's main thread has ended, runs the work it is
    given in the calling thread. Python then refuses new work to every pool
    ("cannot schedule new futures after interpreter shutdown"), while a scan started in
    another thread (not a daemon) is still running: it would fail part-way."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        try:
            return super().submit(fn, *args, **kwargs)
        except RuntimeError:
            if threading.main_thread().is_alive():  # this pool was shut down: a bug
                raise
        done: Future = Future()
        done.set_running_or_notify_cancel()
        try:
            done.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - as a pool's thread hands it over
            done.set_exception(exc)
        return done


def fresh(prefix: str) -> Pool:
    """A pool of two threads (the machines this runs on have 2+ cores), named ``prefix``."""
    return Pool(max_workers=2, thread_name_prefix=prefix)
