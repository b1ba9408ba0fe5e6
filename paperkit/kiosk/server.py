"""Serve the kiosk with waitress: 127.0.0.1 by default, every interface with ``lan``."""

from __future__ import annotations

import contextlib
import errno
import logging
import signal
import threading
from collections.abc import Iterator

from flask import Flask
from waitress.server import create_server

from ..errors import InvalidValue
from .access import lan_address

DEFAULT_PORT = 8765
#: Worker threads: a few phones uploading while the laptop shows the board.
THREADS = 4
#: waitress's hard cap on a request body exceeds the kiosk's upload limit by at least this
#: (and by at least the limit itself): see :func:`body_cap`.
MIN_BODY_MARGIN = 8 * 1024 * 1024
#: Signals that stop a serving kiosk as Ctrl-C does: ``kill``'s or a service manager's
#: SIGTERM, and SIGHUP when its terminal closes (see :func:`stop_signals_interrupt`).
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


def body_cap(limit: int) -> int:
    """waitress's ``max_request_body_size`` for an app whose upload limit is ``limit``
    (bytes): twice the limit, and at least MIN_BODY_MARGIN over it.

    Two limits act on an upload. waitress reads a whole request body (to a temporary file
    past 512 KB) before Flask runs, and refuses one over its cap as soon as the
    Content-Length is read, before anything is written, with a bare plain-text 413. Flask
    then refuses a body over ``MAX_CONTENT_LENGTH`` with the kiosk's own "too large" page,
    which says the limit. With the cap only just above the limit (it was 1 MiB), a person
    who picked a few photos too many met waitress's text; at twice the limit, every
    upload up to twice the limit (a dozen phone photos more than allowed) gets the
    kiosk's page. The cap stays a hard bound on the disk one request can fill: without
    it waitress would spool any body a client sends (even a stranger without the token,
    as the token is checked only once the body is in)."""
    return limit + max(limit, MIN_BODY_MARGIN)


@contextlib.contextmanager
def stop_signals_interrupt() -> Iterator[None]:
    """Within: the STOP_SIGNALS raise KeyboardInterrupt in the main thread, as Ctrl-C does,
    so they take Ctrl-C's way out instead of ending the process on the spot.

    That way is waitress's: ``run`` catches the KeyboardInterrupt and waits (up to 5 s) for
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


def make_server(app: Flask, port: int = DEFAULT_PORT, lan: bool = False,
                host: str | None = None):
    """Bind a waitress server for ``app`` (``port`` 0: any free port) and set the app's
    ``KIOSK_BASE_URL`` to the address other devices should open. Returns the server: call
    ``.run()`` to serve and ``.close()`` to stop; ``.effective_port`` is the bound port.
    ``.run()`` returns on Ctrl-C, and on SIGTERM or SIGHUP the same way (see
    :func:`stop_signals_interrupt`). Raises InvalidValue when the port is taken."""
    bind = host or ("0.0.0.0" if lan else "127.0.0.1")
    # waitress warns "Task queue depth is N" whenever a request waits for a thread (the
    # board's note crops load a dozen at once): noise that scrolls the access link away
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    limit = app.config["MAX_CONTENT_LENGTH"]
    try:
        server = create_server(app, host=bind, port=port, threads=THREADS, ident="paperkit",
                               max_request_body_size=body_cap(limit),
                               clear_untrusted_proxy_headers=True)
    except OSError as exc:
        if exc.errno in (errno.EADDRINUSE, errno.EACCES):
            raise InvalidValue(f"port {port} on {bind} is not available ({exc.strerror})",
                               "choose another with --port, or --port 0 for any free "
                               "port") from None
        raise
    serve = server.run

    def run() -> None:
        with stop_signals_interrupt():
            serve()

    server.run = run
    shown = (lan_address() or "127.0.0.1") if bind == "0.0.0.0" else bind
    app.config["KIOSK_BASE_URL"] = f"http://{shown}:{server.effective_port}"
    return server
