"""The kiosk's gate: the access token, the CSRF token, and the security headers.

- **Access token**: every request except ``/static/`` needs it. It comes once as
  ``?token=...`` (from the terminal's URL or the QR code), and is then kept in an HttpOnly,
  SameSite=Strict cookie. No token: 401. A wrong token: 403. A token is made fresh with
  :func:`secrets.token_urlsafe` each time the kiosk starts, so stopping the kiosk revokes it.
- **CSRF**: each browser session gets a random token; every POST form carries it in a hidden
  ``csrf`` field, compared in constant time.
- **Headers**: a Content-Security-Policy that allows only the kiosk itself, no framing, no
  referrer, no caching of pages. Cross-Origin-Opener-Policy only where a browser applies it:
  over HTTPS or on the laptop itself (localhost). A phone on the LAN opens plain
  ``http://192.168...``, where browsers ignore COOP and Chromium logs a console error for
  it on every page; there it would protect nothing.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from urllib.parse import urlsplit

from flask import Response, abort, current_app, g, request, session
from werkzeug.exceptions import BadRequest

#: The cookie that keeps the access token after the first ``?token=`` visit.
COOKIE = "paperkit_kiosk"
#: Random bytes in a new access token (32 URL-safe characters).
TOKEN_BYTES = 24
#: The shortest access token ``create_app`` accepts.
MIN_TOKEN_LEN = 16
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
       "object-src 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(), microphone=(), payment=(), usb=()",
}
#: Sent only to a potentially trustworthy origin (:func:`_trustworthy_origin`): a window
#: another site opens cannot reach into the kiosk's, nor the kiosk's into it.
COOP = ("Cross-Origin-Opener-Policy", "same-origin")
#: Host names a browser treats as trustworthy even over plain HTTP (the loopback ones).
LOOPBACK_HOSTS = ("localhost", "::1")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class CsrfRejected(BadRequest):
    """A POST without this session's CSRF token (an old page, or a form from elsewhere)."""

    description = ("This form is out of date or did not come from the kiosk. "
                   "Go back, reload the page and try again.")


def new_token() -> str:
    """A fresh access token (URL-safe text)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def same(given: str | None, expected: str) -> bool:
    """Constant-time comparison of two texts; None or empty never matches."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _is_static() -> bool:
    return request.endpoint == "static"


def check_access() -> None:
    """before_request: let the request through only with the right access token."""
    if _is_static():
        return
    token = current_app.config["KIOSK_TOKEN"]
    given = request.args.get("token")
    if given is not None:
        if not same(given, token):
            abort(403)
        g.kiosk_set_cookie = True
        return
    cookie = request.cookies.get(COOKIE)
    if cookie is None:
        abort(401)
    if not same(cookie, token):
        abort(403)


def csrf_token() -> str:
    """This session's CSRF token (made on first use); put it in every POST form."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf() -> None:
    """before_request: refuse a POST whose form does not carry this session's CSRF token."""
    if request.method in SAFE_METHODS or _is_static():
        return
    sent = request.form.get("csrf")  # reading the form enforces MAX_CONTENT_LENGTH (413)
    if not same(sent, session.get("csrf", "")):
        raise CsrfRejected()


def _trustworthy_origin() -> bool:
    """Whether the browser sees this request's origin as potentially trustworthy (W3C
    Secure Contexts): HTTPS, or a loopback host (localhost, *.localhost, 127.0.0.0/8, ::1).
    Only there does it apply Cross-Origin-Opener-Policy."""
    if request.is_secure:
        return True
    try:
        host = urlsplit(f"//{request.host}").hostname or ""
        if host in LOOPBACK_HOSTS or host.endswith(".localhost"):
            return True
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a malformed Host, or a name that is not an address
        return False


def finish(response: Response) -> Response:
    """after_request: the access cookie (after a ``?token=`` visit) and security headers."""
    if g.get("kiosk_set_cookie"):
        response.set_cookie(COOKIE, current_app.config["KIOSK_TOKEN"], httponly=True,
                            samesite="Strict", secure=request.is_secure, path="/")
    for name, value in HEADERS.items():
        response.headers[name] = value
    if _trustworthy_origin():
        response.headers[COOP[0]] = COOP[1]
    if not _is_static():
        response.headers["Cache-Control"] = "no-store"
    return response
