"""Signals that end a command: SIGTERM and SIGHUP taken as Ctrl-C (so a stopped kiosk or
scan cleans up as Ctrl-C lets it), and all three held back while work that must not stop
half-way runs. Only the main thread may set handlers; elsewhere these change nothing."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator

#: Signals that stop a serving kiosk or a scan as Ctrl-C does: ``kill``'s or a service
#: manager's SIGTERM, and SIGHUP when its terminal closes (:func:`stop_signals_interrupt`).
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP")
                     if hasattr(signal, name))
#: Signals :func:`held_signals` holds back: Ctrl-C's, and those ``paperkit scan`` takes as it.
_HELD = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
              if hasattr(signal, name))


@contextlib.contextmanager
def handled(signals: tuple[int, ...], handler: Callable | int,
            keep_ignored: bool = True) -> Iterator[None]:
    """Within: each of ``signals`` goes to ``handler`` (a function, or signal.SIG_IGN), in
    the main thread; elsewhere (a thread, another interpreter) nothing changes, as only the
    main thread may set handlers. With ``keep_ignored``, a signal ignored when this starts
    (SIGHUP under ``nohup``) stays ignored. The handlers before are restored after."""
    before: dict[int, object] = {}
    if threading.current_thread() is threading.main_thread():
        try:
            for sig in signals:
                if not (keep_ignored and signal.getsignal(sig) is signal.SIG_IGN):
                    before[sig] = signal.signal(sig, handler)
        except ValueError:  # not the main interpreter
            pass
    try:
        yield
    finally:
        for sig, old in before.items():
            signal.signal(sig, signal.SIG_DFL if old is None else old)


def stop_signals_interrupt() -> contextlib.AbstractContextManager[None]:
    """Within: the STOP_SIGNALS raise KeyboardInterrupt in the main thread, as Ctrl-C does,
    so they take Ctrl-C's way out instead of ending the process on the spot.

    In the kiosk that way is waitress's: ``run`` catches the KeyboardInterrupt and waits
    (up to 5 s) for the requests being served, then the process exits normally, and an
    upload's temporary folder (``paperkit-kiosk-*``, the person's original photos with
    their GPS EXIF) is removed, by its request or, if that is still scanning, at exit by
    the folder's finalizer. Killed by SIGTERM's default action, the process removed
    nothing. A signal ignored when this starts (SIGHUP under ``nohup``) stays ignored."""
    def interrupt(signum: int, _frame) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    return handled(STOP_SIGNALS, interrupt)


@contextlib.contextmanager
def held_signals() -> Iterator[None]:
    """Ctrl-C (SIGINT), SIGTERM and SIGHUP held back meanwhile, when this is the main thread
    (elsewhere nothing changes): one that comes is raised again once this is over, to the
    handler there was before (a KeyboardInterrupt, or the default action). For work that
    must not stop half-way: removing the shared blocks, the end of a run (a Ctrl-C inside
    Python's own cleanup, a weakref's callback, is printed as ignored, and lost)."""
    came: list[int] = []
    with handled(_HELD, lambda signum, _frame: came.append(signum)):
        yield
    for sig in dict.fromkeys(came):
        signal.raise_signal(sig)
