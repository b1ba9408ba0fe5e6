"""The kiosk's app factory: configuration, the gate, and friendly error pages."""

from __future__ import annotations

import errno
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, current_app, g, render_template, request
from werkzeug.exceptions import HTTPException

from ..errors import InvalidValue, KitMoved, PaperkitError
from ..kit import Kit
from . import security

#: The largest upload the kiosk accepts, in bytes (all photos of one form together).
MAX_UPLOAD_BYTES = 40 * 1024 * 1024
HERE = Path(__file__).resolve().parent

#: Titles and explanations for the HTTP errors a person may meet.
ERRORS = {
    400: ("Something in that request was not right", "Go back, reload the page and try again."),
    401: ("This kiosk needs its access link",
          "Open the link that 'paperkit kiosk' printed in the laptop's terminal, or scan the "
          "QR code on the kiosk's screen or poster."),
    403: ("That access link is not valid",
          "The kiosk makes a new link each time it starts. Scan the QR code shown on the kiosk "
          "now, or use the link in the laptop's terminal."),
    404: ("There is nothing here", "Use the menu to find the page you want."),
    405: ("That is not how this page works", "Use the menu and the page's own buttons."),
    413: ("That upload is too large", "Send fewer photos at once, or smaller ones (the limit "
          "is {limit})."),
    500: ("Something went wrong on the kiosk",
          "Nothing was half-saved: each change is written whole or not at all. Try again; if "
          "it keeps happening, run the same step with the paperkit command on the laptop."),
}


@dataclass(frozen=True)
class KioskState:
    """What the views need, kept in ``app.extensions['paperkit']``. ``token`` is the access
    token (never logged); ``decoder`` the scan decoder; ``scan_lock`` lets one scan run at a
    time, so two phones uploading at once wait for each other instead of for SQLite."""

    kit: Kit
    token: str = field(repr=False)
    lan: bool
    decoder: str
    scan_lock: threading.Lock = field(default_factory=threading.Lock, compare=False)
    #: Set while the kit folder is found moved (logged once, not on every request).
    moved: threading.Event = field(default_factory=threading.Event, compare=False)
    #: Set when the kiosk stops: an upload being read ends after its current photo
    #: (views.stop_uploads).
    stopping: threading.Event = field(default_factory=threading.Event, compare=False)


def create_app(kit: Kit, token: str | None = None, lan: bool = False, *,
               base_url: str | None = None, max_upload_bytes: int = MAX_UPLOAD_BYTES,
               decoder: str = "zxing") -> Flask:
    """The kiosk for ``kit``. Every request needs ``token`` (a fresh random one if None;
    read it back from ``app.config['KIOSK_TOKEN']``). ``lan`` says the kiosk is reachable
    from other devices, which changes only what the access page explains: the token is
    required either way. ``base_url`` is the address phones should open (``make_server``
    sets it); without it the access page uses the address of the request."""
    if token is None:
        token = security.new_token()
    if len(token) < security.MIN_TOKEN_LEN:
        raise InvalidValue(f"the kiosk's access token must have at least "
                           f"{security.MIN_TOKEN_LEN} characters",
                           "leave it out to get a fresh random one")
    app = Flask(__name__, template_folder=str(HERE / "templates"),
                static_folder=str(HERE / "static"))
    app.config.update(
        SECRET_KEY=secrets.token_bytes(32),
        KIOSK_TOKEN=token,
        KIOSK_BASE_URL=base_url,
        MAX_CONTENT_LENGTH=max_upload_bytes,
        SESSION_COOKIE_NAME="paperkit_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        TRAP_HTTP_EXCEPTIONS=False,
        PROPAGATE_EXCEPTIONS=False,
        SEND_FILE_MAX_AGE_DEFAULT=300,
    )
    app.extensions["paperkit"] = KioskState(kit=kit, token=token, lan=lan, decoder=decoder)
    app.before_request(security.check_access)
    app.before_request(security.check_csrf)
    app.before_request(_kit_still_here)
    app.after_request(security.finish)
    app.jinja_env.globals["csrf_token"] = security.csrf_token
    app.jinja_env.globals["group_name"] = kit.settings.name

    from .views import bp, sweep_stale_uploads

    sweep_stale_uploads()  # a killed kiosk's uploads: the original photos, GPS and all

    app.register_blueprint(bp)
    _error_pages(app)

    @app.teardown_appcontext
    def _close_record(_exc) -> None:
        rec = g.pop("record", None)
        if rec is not None:
            rec.close()

    return app


def _kit_still_here() -> None:
    """before_request: refuse every page (KitMoved) while the kit folder is not where the
    kiosk opened it, moved or renamed while it runs: nothing is read or written then, and
    no record is ever made at the old place. Logged once each time it is found moved."""
    if request.endpoint == "static":
        return
    state: KioskState = current_app.extensions["paperkit"]
    try:
        state.kit.check_still_here(since="the kiosk started")
    except KitMoved as exc:
        if not state.moved.is_set():
            state.moved.set()
            current_app.logger.error("paperkit kiosk: %s", exc.user_message())
        raise
    if state.moved.is_set():
        state.moved.clear()
        current_app.logger.warning("paperkit kiosk: the kit folder %s is back",
                                   state.kit.path)


def _human_size(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n // 1024} KB"


def disk_message(exc: OSError) -> str:
    """An error of the laptop's disk, for the kiosk's pages: what failed and what to do,
    without the file's path (it names the laptop's home folder). A full disk said only
    "Something went wrong ... Try again" (a red team, the fortieth session)."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return ("the laptop's disk is full, so the photo could not be kept; nothing was"
                " half-saved. Free some disk space on the laptop, then upload it again")
    return (f"the laptop could not read or write a file ({exc.strerror or exc}); nothing was"
            " half-saved. Tell the person running the kiosk")


def without_paths(app: Flask, text: str) -> str:
    """``text`` with the kit's folder named by its own name, not its full path: the path
    names the laptop's home folder, and the page is seen on phones (the "busy" and "kit
    folder has moved" pages showed it: a red team, the fortieth session)."""
    kit = app.extensions["paperkit"].kit.path
    return text.replace(str(kit), kit.name)


def _error_pages(app: Flask) -> None:
    def page(code: int, title: str, message: str):
        return render_template("error.html", code=code, title=title, message=message), code

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        title, message = ERRORS.get(code, (exc.name, "Use the menu to go on."))
        if isinstance(exc, security.CsrfRejected):
            message = exc.description
        message = message.format(limit=_human_size(app.config["MAX_CONTENT_LENGTH"]))
        return page(code, title, message)

    @app.errorhandler(KitMoved)
    def kit_moved(exc: KitMoved):
        return page(503, "The kit folder has moved", without_paths(app, exc.user_message()))

    @app.errorhandler(PaperkitError)
    def paperkit_error(exc: PaperkitError):
        return page(400, "paperkit could not do that", without_paths(app, exc.user_message()))

    @app.errorhandler(OSError)
    def os_error(exc: OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return page(507, "The disk is full", disk_message(exc))
        app.logger.exception("kiosk error on %s %s", request.method, request.path)
        return page(500, *ERRORS[500])

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("kiosk error on %s %s", request.method, request.path)
        return page(500, *ERRORS[500])
