"""Serve the kiosk with waitress: 127.0.0.1 by default, every interface with ``lan``."""

from __future__ import annotations

import errno
import logging

from flask import Flask
from waitress.server import create_server

from ..errors import InvalidValue
from ..signals import stop_signals_interrupt
from .access import lan_address

DEFAULT_PORT = 8765
#: Worker threads: a few phones uploading while the laptop shows the board. Uploads are
#: read one at a time (``KioskState.scan_lock``), each waiting one holding a thread: with 4,
#: four phones uploading at once left no thread for the board or the review page, which
#: waited for a scan to end (a red team, the fortieth session).
THREADS = 12
#: waitress's hard cap on a request body exceeds the kiosk's upload limit by at least this
#: (and by at least the limit itself): see :func:`body_cap`.
MIN_BODY_MARGIN = 8 * 1024 * 1024
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
