"""Signals that end a command: SIGTERM and SIGHUP taken as Ctrl-C (so a stopped kiosk or
scan cleans up as Ctrl-C lets it), and all three held back while work that must not stop
half-way runs. Only the main thread may set handlers; elsewhere these change nothing."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

#: Signals that stop a serving kiosk or a scan as Ctrl-C does: ``kill``'s or a service
#: manager's SIGTERM, and SIGHUP when its terminal closes (:func:`stop_signals_interrupt`).
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


@contextlib.contextmanager
def stop_signals_interrupt() -> Iterator[None]:
    """Within: the STOP_SIGNALS raise KeyboardInterrupt in the main thread, as Ctrl-C does,
    so they take Ctrl-C's way out instead of ending the process on the spot.

    In the kiosk that way is waitress's: ``run`` catches the KeyboardInterrupt and waits (up to 5 s) for
    the requests being served, then the process exits normally, and an upload's temporary
    folder (``paperkit-kiosk-*``, the person's original photos with their GPS EXIF) is
    removed, by its request or, if that is still scanning, at exit by the folder's
    finalizer. Killed by SIGTERM's default action, the process removed nothing.

    A signal ignored when this starts (SIGHUP under ``nohup``) stays ignored. Outside the
    main thread (a test serving from a thread) this changes nothing: only the main thread
    may set signal handlers. The handlers before are restored on the way out."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, _frame) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    before = {}
    for sig in STOP_SIGNALS:
        if signal.getsignal(sig) is not signal.SIG_IGN:
            before[sig] = signal.signal(sig, interrupt)
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)


#: Signals :func:`held_signals` holds back: Ctrl-C's, and those ``paperkit scan`` takes as it.
_HELD = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
              if hasattr(signal, name))


@contextlib.contextmanager
def held_signals():
    """Ctrl-C (SIGINT), SIGTERM and SIGHUP held back meanwhile, when this is the main thread
    (elsewhere nothing changes): one that comes is raised again once this is over, to the
    handler there was before (a KeyboardInterrupt, or the default action). For work that
    must not stop half-way: removing the shared blocks, the end of a run (a Ctrl-C inside
    Python's own cleanup, a weakref's callback, is printed as ignored, and lost)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    came: list[int] = []
    before = {}
    try:
        for sig in _HELD:
            handler = signal.getsignal(sig)
            if handler is not None and handler is not signal.SIG_IGN:
                before[sig] = signal.signal(sig, lambda signum, _frame: came.append(signum))
    except ValueError:  # not the main interpreter
        pass
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
        for sig in dict.fromkeys(came):
            signal.raise_signal(sig)
