"""The kiosk's pages. Each reads or writes the record through the library, like the CLI.

Edits made here are logged like any other: scans with Source('scan', sha256), review
decisions with Source('review', ...), prints with Source('kiosk', ...). Nothing here edits
the event log.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)

from ..commands.printcmd import EXAMPLES
from ..errors import ChangedMeanwhile, InvalidValue, KioskStopping, NotFound, PaperkitError
from ..printing import print_product
from ..products import PRODUCTS, PrintOptions
from ..products.common import Withheld
from ..products.contacts import VISIBLE, withheld_for
from ..record import Record, Source
from ..record import scans as record_scans
from ..record.contacts import list_contacts
from ..record.events import list_events
from ..record.ledger import assertion_failures, balances, grouped_amount, list_assertions, running
from ..record.models import RINGS, SLIP_STATUSES, TASK_STATUSES, Task
from ..record.status import stale_contacts, status
from ..record.tasks import check_seen, get_task, list_tasks, set_status
from ..scan import review as scan_review
from ..scan import scan_photos
from ..scan.load import PHOTO_SUFFIXES
from ..scan.pipeline import TYPED, TYPED_MARKS, end_run
from ..scan.pipeline import type_slip as enter_typed
from ..scan.result import PhotoResult
from .access import access_url, qr_svg
from .app import KioskState, disk_message, without_paths
from .poster import poster_pdf

bp = Blueprint("kiosk", __name__)

#: The board's columns, in order; dropped tasks are listed under them.
BOARD_COLUMNS = ("open", "taken", "done", "stuck")
#: The kiosk shows contacts as a crew contact sheet does: public and crew contacts, and the
#: fields the crew may see (no notes). Private contacts are never shown.
SHOWN_AUDIENCES = VISIBLE["crew"]
#: Audiences the print centre offers (private sheets are printed from the laptop's CLI).
PRINT_AUDIENCES = ("public", "crew")
#: File name endings kept for uploads; anything else is saved without one and the scan
#: reports what it is.
UPLOAD_SUFFIXES = PHOTO_SUFFIXES
#: Photos the kiosk will serve: images under the kit's photos/ folder only.
IMAGE_SUFFIXES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
OUTCOME_TEXT = {
    "applied": "Updated",
    "unchanged": "No change",
    "review": "Needs review",
    "stale": "Stale slip: to review",
    "unknown-task": "Unknown task",
    "bad-code": "Unreadable or forged code",
    "other-kit": "Another kit's slip",
}


def state() -> KioskState:
    return current_app.extensions["paperkit"]


def record() -> Record:
    """This request's connection to the record (closed when the request ends)."""
    if "record" not in g:
        g.record = state().kit.open_record()
    return g.record


def photo_url(kit_relative: str) -> str | None:
    """The URL of a kit-relative image path under photos/ (as the scan stores them)."""
    prefix = "photos/"
    if not kit_relative or not kit_relative.startswith(prefix):
        return None
    return url_for("kiosk.photo", name=kit_relative[len(prefix):])


@bp.app_context_processor
def _helpers() -> dict:
    return {"photo_url": photo_url, "outcome_text": OUTCOME_TEXT, "lan": state().lan}


# -- names never shown -------------------------------------------------------------------
def _withheld() -> Withheld:
    """The names the kiosk never shows, as a crew print withholds them (SHOWN_AUDIENCES):
    a private contact's name written as a task's steward or shadow crew, in its title or
    notes, or as a mandate's holder. Looked up once a request."""
    if "withheld" not in g:
        g.withheld = withheld_for(record(), "crew")
    return g.withheld


@bp.app_template_filter("shown")
def shown(text: object) -> str:
    """Template filter: ``text`` (None is '') with the names the kiosk never shows
    withheld."""
    return _withheld().text("" if text is None else str(text))


# -- the board ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Card:
    """A task on the board with the newest crop of its handwritten note (kit-relative)."""

    task: Task
    note_crop: str | None


@bp.get("/")
def board():
    rec = record()
    settings = state().kit.settings
    st = status(rec, settings)
    columns: dict[str, list[Card]] = {s: [] for s in TASK_STATUSES}
    for task in list_tasks(rec):
        notes = [path for kind, path in record_scans.crops_for(rec, task.id) if kind == "note"]
        columns[task.status].append(Card(task, notes[-1] if notes else None))
    reviews = len({item.task for item in scan_review.pending(rec)})
    return render_template("board.html", st=st, columns=columns, board_columns=BOARD_COLUMNS,
                           reviews=reviews, money=_money)


@bp.get("/task/<task_id>")
def task(task_id: str):
    rec = record()
    found = get_task(rec, task_id)
    if found is None:
        abort(404)
    history = list_events(rec, table="tasks", row_id=task_id)
    return render_template("task.html", task=found, crops=record_scans.crops_for(rec, task_id),
                           history=history, statuses=TASK_STATUSES,
                           reviews=len(record_scans.pending_reviews(rec, task_id)))


@bp.post("/task/<task_id>/status")
def task_status(task_id: str):
    """A person at the kiosk changes a task's status (logged with Source('kiosk', ...)).
    The page's ``rev`` is the task's rev the person saw: when the task changed since (a scan,
    another person), nothing is written and the page shows it again as it is now. A form
    without a rev is refused (400), as the review form is: it would overwrite whatever
    changed meanwhile (a red team's form without one did)."""
    choice = _choice("status", TASK_STATUSES)
    if not choice:
        raise InvalidValue("no status chosen", "use one of the status buttons")
    seen_rev = _seen_rev()
    if seen_rev is None:
        raise InvalidValue(f"the form did not say which rev of {task_id} it showed, so it"
                           " cannot tell whether the task changed since",
                           "reload the task's page and choose again")
    rec = record()
    if get_task(rec, task_id) is None:
        abort(404)
    try:
        with rec.write(Source("kiosk", f"kiosk: {task_id} status {choice}")) as w:
            check_seen(rec, task_id, seen_rev, "this page")
            before, after = set_status(w, task_id, choice)
    except ChangedMeanwhile as exc:
        flash(f"{exc.user_message()}.", "error")
        return redirect(url_for("kiosk.task", task_id=task_id))
    if before == after:
        flash(f"{task_id} is already {choice}.", "ok")
    else:
        flash(f"{task_id}: {before['status']} → {after['status']}. Its printed slip is now "
              "out of date: reprint it from the print centre.", "ok")
    return redirect(url_for("kiosk.task", task_id=task_id))


# -- upload and scan ---------------------------------------------------------------------
@dataclass(frozen=True)
class ShownPhoto:
    """A scanned upload as the result page shows it: ``name`` is the file name the person
    chose; ``titles`` maps task id → title for the slips read."""

    name: str
    result: PhotoResult
    errors: tuple[str, ...]
    titles: dict[str, str]
    #: For a photo read before: what that read applied ("T0007 → done"), so that a page
    #: reloaded, or a photo sent again after a dropped connection, does not say only that
    #: nothing changed (a red team, the fortieth session).
    applied_then: tuple[str, ...] = ()


def _applied_then(rec: Record, res: PhotoResult) -> tuple[str, ...]:
    done = record_scans.get_scan(rec, res.sha256) if res.already_scanned and res.sha256 \
        else None
    return tuple(f"{s['task']} → {s['status']}" for s in (done.slips if done else ())
                 if s.get("outcome") == "applied" and s.get("task"))


def _suffix(filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    return suffix if suffix in UPLOAD_SUFFIXES else ""


@bp.get("/upload")
def upload_form():
    return render_template("upload.html", limit=_limit_text(), marks=TYPED_MARKS)


@bp.post("/type")
def type_slip():
    """A slip typed in (its code's letters and the box marked), decided as ``paperkit
    type`` does (:func:`paperkit.scan.pipeline.type_slip`); shown as a photo's slips are."""
    kit, rec = state().kit, record()
    rec.check_writable()
    code = request.form.get("code", "")[:200]
    if not code.strip():
        flash("Type the code printed under the slip's QR code.", "error")
        return redirect(url_for("kiosk.upload_form"))
    with state().scan_lock:
        res = enter_typed(kit, rec, code, request.form.get("mark", ""), via="kiosk")
    shown = [ShownPhoto(f"Typed: {res.photo.removeprefix(TYPED)}", res, res.errors,
                        _titles(rec, res))]
    reviews = len({item.task for item in scan_review.pending(rec)})
    return render_template("scanned.html", photos=shown, reviews=reviews, stopped=None)


#: Upload folders are named for the kiosk process that made them, so that a kiosk starting
#: can tell a dead one's (killed with SIGKILL, or the power cut) and remove it: it holds the
#: person's original photos, GPS and all (:func:`sweep_stale_uploads`).
UPLOAD_PREFIX = "paperkit-kiosk-"


def upload_prefix() -> str:
    return f"{UPLOAD_PREFIX}{os.getpid()}-"


def sweep_stale_uploads(folder: str | None = None) -> int:
    """Remove the upload folders in ``folder`` (the system's temporary folder) left by
    kiosk processes no longer running; returns how many."""
    removed = 0
    for path in Path(folder or tempfile.gettempdir()).glob(f"{UPLOAD_PREFIX}*-*"):
        pid = path.name[len(UPLOAD_PREFIX):].split("-", 1)[0]
        if not pid.isdigit() or not path.is_dir() or _alive(int(pid)):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed += not path.exists()
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):  # another user's: leave it
        return True
    return True


def stop_uploads(app: Flask, wait: float = 30.0) -> None:
    """The kiosk stops (its server closed, Ctrl+C or SIGTERM): an upload being read ends
    after its current photo, the photos read before it kept; the scan's pools and helper
    process stop; and this kiosk's upload folders, the person's original photos with
    their GPS, are removed. A stop mid-upload left them in the temporary folder until the
    next start, and the process sometimes aborted with the scan still running (a red
    team, the fortieth session). Waits up to ``wait`` seconds for the upload."""
    st: KioskState = app.extensions["paperkit"]
    st.stopping.set()
    if st.scan_lock.acquire(timeout=wait):
        st.scan_lock.release()
    end_run()
    for path in Path(tempfile.gettempdir()).glob(f"{upload_prefix()}*"):
        shutil.rmtree(path, ignore_errors=True)


def _read_on(done: list) -> Callable[[int, int, PhotoResult], None]:
    """The scan's progress for an upload: each photo kept in ``done`` as it is committed;
    once the kiosk is stopping, the upload ends there (:func:`stop_uploads`)."""
    def progress(i: int, n: int, res: PhotoResult) -> None:
        done.append(res)
        if state().stopping.is_set() and i < n:
            raise KioskStopping("the kiosk was stopped")
    return progress


@bp.post("/upload")
def upload():
    files = [f for f in request.files.getlist("photos") if f and f.filename]
    if not files:
        flash("Choose one or more photos first.", "error")
        return redirect(url_for("kiosk.upload_form"))
    kit, rec = state().kit, record()
    rec.check_writable()  # a read-only kit: said before the photos are read, not after
    shown: list[ShownPhoto] = []
    with tempfile.TemporaryDirectory(prefix=upload_prefix(), ignore_cleanup_errors=True) as tmp:
        paths, names = [], []
        for i, f in enumerate(files, 1):
            path = Path(tmp) / f"upload-{i:02d}{_suffix(f.filename)}"
            f.save(path)
            paths.append(path)
            names.append(Path(f.filename).name[:120] or f"photo {i}")
        done: list = []  # each photo as it is committed
        stopped = None
        with state().scan_lock:
            try:
                if state().stopping.is_set():
                    raise KioskStopping("the kiosk was stopped")
                results = scan_photos(kit, rec, paths, decoder=state().decoder,
                                      again=request.form.get("again") == "1",
                                      progress=_read_on(done))
            except (PaperkitError, OSError) as exc:  # a busy record, a full disk: what was
                if not done:  # committed before it is kept and shown, with what stopped
                    raise  # the rest
                at = names[len(done)] if len(done) < len(names) else "the end"
                why = (without_paths(current_app, exc.user_message())
                       if isinstance(exc, PaperkitError) else disk_message(exc))
                results, stopped = done, (
                    f"Stopped at {at}: {why}. The"
                    f" {len(done)} photo(s) above were read and kept; upload the rest again"
                    " (a photo read already is not read twice).")
        for path, name, res in zip(paths, names, results, strict=False):
            errors = tuple(_own_name(e, path, name) for e in res.errors)
            shown.append(ShownPhoto(name, res, errors, _titles(rec, res),
                                    _applied_then(rec, res)))
    reviews = len({item.task for item in scan_review.pending(rec)})
    return render_template("scanned.html", photos=shown, reviews=reviews, stopped=stopped)


def _titles(rec: Record, res: PhotoResult) -> dict[str, str]:
    """Task id → this kit's title, for the slips read that are this kit's (another kit's
    T0002, or a forged code's, is not this kit's T0002: no title is shown for it)."""
    out = {}
    for s in res.slips:
        task = (get_task(rec, s.task) if s.task and s.outcome not in ("other-kit", "bad-code")
                else None)
        if task is not None:
            out[s.task] = task.title
    return out


def _own_name(message: str, path: Path, name: str) -> str:
    """``message`` with the temporary file ``path`` (in full, or its short name as the scan's
    messages and a PDF's pages, ``upload-01.pdf#2``, use it) named ``name``, the file the
    person chose. One pass, so a ``name`` that holds the temporary name is not replaced again."""
    ours = re.compile(f"{re.escape(str(path))}|{re.escape(path.name)}")
    return ours.sub(lambda _m: name, message)


# -- review ------------------------------------------------------------------------------
@bp.get("/review")
def review_queue():
    return render_template("review.html", groups=scan_review.by_task(record()),
                           statuses=TASK_STATUSES, slip_statuses=SLIP_STATUSES)


@bp.post("/review/<task_id>")
def review_decide(task_id: str):
    """A person's decision on a task's review items, as the page showed them: its form
    names those items (``items``) and, to set a status, the task's rev it showed (``rev``).
    A form without them is refused (400); when the task or its items changed since the
    page was shown, nothing is written and the queue says so."""
    task_id = task_id.upper()
    action = request.form.get("action", "")
    if action not in ("set", "skip"):
        raise InvalidValue(f"unknown review action {action!r}", "use the page's buttons")
    seen_items = _seen_items(task_id)
    rec = record()
    try:
        if action == "skip":
            done = scan_review.skip(rec, task_id, seen_items)
            flash(f"{task_id}: {_reads(done)} skipped; the task is unchanged.", "ok")
        else:
            seen_rev = _seen_rev()
            if seen_rev is None:
                raise InvalidValue(f"the form did not say which rev of {task_id} it showed, "
                                   "so it cannot tell whether the task changed since",
                                   "reload the review page and choose again")
            done = scan_review.set_status(rec, task_id, request.form.get("status", ""),
                                          seen_rev, seen_items)
            head = (f"{task_id} stays {done.after}" if done.kept
                    else f"{task_id}: {done.before} → {done.after}")
            flash(f"{head}; {_reads(done)} closed; reprint its slip: the printed one is now "
                  "out of date (print centre).", "ok")
    except NotFound as exc:  # also AlreadyDecided: the message says what the task is now
        flash(f"{exc}.", "error")
    except ChangedMeanwhile as exc:
        flash(f"{exc.user_message()}.", "error")
    return redirect(url_for("kiosk.review_queue"))


def _reads(done: scan_review.Decided) -> str:
    """'review' for one closed review item, '2 reads of the slip' for more."""
    n = len(done.closed)
    return "review" if n == 1 else f"{n} reads of the slip"


def _seen_items(task_id: str) -> tuple[int, ...]:
    """The review items the page showed (its form's ``items``: ids joined by commas)."""
    raw = request.form.get("items", "")
    if not re.fullmatch(r"[0-9]{1,18}(,[0-9]{1,18})*", raw):
        raise InvalidValue(f"the form did not say which reads of {task_id} it showed",
                           "reload the review page and choose again")
    return tuple(int(i) for i in raw.split(","))


@bp.get("/photos/<path:name>")
def photo(name: str):
    """An image under the kit's photos/ folder; anything else is refused (404): a name
    outside it, and a name that cannot be a file at all (a null byte, too long)."""
    path = _stored_image(name)
    if path is None:
        abort(404)
    return send_file(path, mimetype=IMAGE_SUFFIXES[path.suffix.lower()], max_age=0)


def _stored_image(name: str) -> Path | None:
    """The image file ``name`` names under the kit's photos/ folder, or None. The operating
    system refuses some names outright (ValueError for a null byte, OSError for a name too
    long, RuntimeError for a symlink loop): those are None too, never a 500."""
    root = state().kit.photos_dir.resolve()
    try:
        path = (root / name).resolve()
        if (path.is_relative_to(root) and path != root
                and path.suffix.lower() in IMAGE_SUFFIXES and path.is_file()):
            return path
    except (OSError, ValueError, RuntimeError):
        pass
    return None


# -- print centre ------------------------------------------------------------------------
@bp.get("/print")
def print_centre():
    products = [(name, EXAMPLES.get(name, (name, ""))[0]) for name in PRODUCTS]
    return render_template("print.html", products=products, rings=RINGS,
                           audiences=PRINT_AUDIENCES, paper=state().kit.settings.paper)


def _seen_rev() -> int | None:
    """The task's rev the page showed when the person chose (its form's ``rev``), or None."""
    seen = request.form.get("rev", "")
    return int(seen) if re.fullmatch(r"[0-9]{1,18}", seen) else None


def _choice(name: str, allowed: tuple[str, ...], default: str = "") -> str:
    value = request.form.get(name, default) or default
    if value and value not in allowed:
        raise InvalidValue(f"{value!r} is not a choice for {name}",
                           f"choose one of: {', '.join(allowed)}")
    return value


@bp.post("/print")
def print_download():
    product = _choice("product", tuple(PRODUCTS))
    if not product:
        raise InvalidValue("no product chosen", "use a Download button on the print page")
    options = PrintOptions(paper=_choice("paper", ("letter", "a4")) or None,
                           ring=_choice("ring", RINGS) or None,
                           audience=_choice("audience", PRINT_AUDIENCES, "public"),
                           public=request.form.get("public") == "1",
                           today=dt.date.today())
    kit, rec = state().kit, record()
    with tempfile.TemporaryDirectory(prefix=upload_prefix()) as tmp:
        out = Path(tmp) / f"{product}.pdf"
        result = print_product(kit, rec, product, out, options,
                               source=Source("kiosk", f"print centre: {product}"))
        data = result.pdf.read_bytes()
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=f"{product}.pdf")


# -- ledger and contacts ------------------------------------------------------------------
def _money(minor: int, currency: str) -> str:
    return f"{grouped_amount(minor, currency)} {currency}"


@bp.get("/ledger")
def ledger():
    rec = record()
    rows = running(rec)
    return render_template("ledger.html", rows=rows, balances=balances(rec),
                           assertions=list_assertions(rec), failures=assertion_failures(rec),
                           money=_money, amount=grouped_amount)


@bp.get("/contacts")
def contacts():
    rec = record()
    shown = list_contacts(rec, audiences=SHOWN_AUDIENCES)
    hidden = len(list_contacts(rec, audiences=("private",)))
    stale = {s.contact.id for s in stale_contacts(shown, dt.date.today())}
    by_ring = {ring: [c for c in shown if c.ring == ring] for ring in RINGS}
    return render_template("contacts.html", by_ring=by_ring, hidden=hidden, stale=stale,
                           total=len(shown))


# -- access ------------------------------------------------------------------------------
def _base_url() -> str:
    return current_app.config.get("KIOSK_BASE_URL") or request.host_url.rstrip("/")


@bp.get("/access")
def access():
    url = access_url(_base_url(), state().token)
    loopback = bool(re.match(r"^https?://(127\.|localhost|\[::1\])", url))
    return render_template("access.html", url=url, qr=qr_svg(url, "QR code of the kiosk's "
                                                                  "access link"),
                           local=not state().lan, no_address=state().lan and loopback)


@bp.get("/access/poster.pdf")
def access_poster():
    kit = state().kit
    url = access_url(_base_url(), state().token)
    data = poster_pdf(kit.settings.name, url, kit.settings.paper)
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name="kiosk-access-poster.pdf")


def _limit_text() -> str:
    return f"{current_app.config['MAX_CONTENT_LENGTH'] // (1024 * 1024)} MB"
