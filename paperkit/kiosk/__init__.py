"""The kiosk: a small web app for the meeting laptop (DESIGN §7).

    app = create_app(kit)                 # a fresh access token, local use
    server = make_server(app, lan=True)   # waitress on 0.0.0.0, a free or given port
    server.run()

Pages: the live board, a photo upload that runs the scan pipeline, the review queue, a
print centre, the ledger and the crew's contacts. Every request needs the access token
(except ``/static/``), forms carry a CSRF token, uploads have a size limit, and no page
loads anything from outside the kiosk.

Modules: ``app`` (the factory, errors, headers), ``security`` (access token, CSRF),
``views`` (the pages), ``access`` (the token's URL, its QR code as SVG, the LAN address),
``poster`` (the printable access poster), ``server`` (waitress).
"""

from __future__ import annotations

from .app import create_app
from .server import make_server

__all__ = ["create_app", "make_server"]
