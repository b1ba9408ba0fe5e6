"""Serve the kiosk with waitress: 127.0.0.1 by default, every interface with ``lan``."""

from __future__ import annotations

import errno

from flask import Flask
from waitress.server import create_server

from ..errors import InvalidValue
from .access import lan_address

DEFAULT_PORT = 8765
#: Worker threads: a few phones uploading while the laptop shows the board.
THREADS = 4


def make_server(app: Flask, port: int = DEFAULT_PORT, lan: bool = False,
                host: str | None = None):
    """Bind a waitress server for ``app`` (``port`` 0: any free port) and set the app's
    ``KIOSK_BASE_URL`` to the address other devices should open. Returns the server: call
    ``.run()`` to serve and ``.close()`` to stop; ``.effective_port`` is the bound port.
    Raises InvalidValue when the port is taken."""
    bind = host or ("0.0.0.0" if lan else "127.0.0.1")
    limit = app.config["MAX_CONTENT_LENGTH"]
    try:
        server = create_server(app, host=bind, port=port, threads=THREADS, ident="paperkit",
                               max_request_body_size=limit + 1024 * 1024,
                               clear_untrusted_proxy_headers=True)
    except OSError as exc:
        if exc.errno in (errno.EADDRINUSE, errno.EACCES):
            raise InvalidValue(f"port {port} on {bind} is not available ({exc.strerror})",
                               "choose another with --port, or --port 0 for any free "
                               "port") from None
        raise
    shown = (lan_address() or "127.0.0.1") if bind == "0.0.0.0" else bind
    app.config["KIOSK_BASE_URL"] = f"http://{shown}:{server.effective_port}"
    return server
