"""The kiosk (DESIGN §7) through Flask's test client: the access token, CSRF, uploads that run
the scan pipeline, the review queue, the print centre, the ledger, the crew's contacts, and
the limits (upload size, paths outside photos/, errors without tracebacks)."""

from __future__ import annotations

import base64
import http.client
import io
import re
import threading
import zlib
from pathlib import Path

import numpy as np
import pytest
from markupsafe import escape
from PIL import Image
from scan_images import Mark, grid_photo

from paperkit import codes
from paperkit.errors import InvalidValue
from paperkit.kiosk import create_app, make_server
from paperkit.kiosk.poster import build_poster
from paperkit.kiosk.security import COOKIE
from paperkit.kit import init_kit
from paperkit.layout.model import QRCode
from paperkit.record import Source
from paperkit.record import scans as rs
from paperkit.record.contacts import list_contacts
from paperkit.record.events import list_events
from paperkit.record.ledger import balances, grouped_amount
from paperkit.record.prints import record_print
from paperkit.record.tasks import get_task, set_status

TOKEN = "kiosk-test-token-0123456789"
PAGES = ["/", "/upload", "/review", "/print", "/ledger", "/contacts", "/access", "/task/T0001"]


@pytest.fixture
def app(sample_kit):
    return create_app(sample_kit, token=TOKEN)


@pytest.fixture
def client(app):
    """A browser that has opened the access link once (so it holds the cookie)."""
    c = app.test_client()
    assert c.get(f"/?token={TOKEN}").status_code == 200
    return c


def csrf_of(client, path: str = "/upload") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def slip_photo(kit, marks: dict[str, tuple[Mark, ...]], fmt: str = "JPEG") -> bytes:
    """A photo of one slip per task (at the task's current rev) with the given pen marks."""
    items = []
    with kit.open_record() as rec:
        for task, task_marks in marks.items():
            items.append((codes.build(kit.key, kit.id, task, get_task(rec, task).rev).text,
                          task_marks))
    rgb = grid_photo(items, size=(700 * len(items), 520), cols=len(items), s=3.0)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, fmt)
    return buf.getvalue()


def upload(client, data: bytes, name: str = "meeting.jpg"):
    return client.post("/upload", data={"csrf": csrf_of(client),
                                        "photos": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def status_of(kit, task: str) -> str:
    with kit.open_record() as rec:
        return get_task(rec, task).status


def column_of(html: str, task: str) -> str:
    """The board column (status) whose section holds ``task``'s card."""
    at = html.index(f'id="task-{task}"')
    return re.findall(r'id="col-([a-z]+)"', html[:at])[-1]


# -- the access token ---------------------------------------------------------------------
@pytest.mark.parametrize("path", PAGES + ["/access/poster.pdf", "/photos/x.png"])
def test_every_page_needs_the_token(app, path):
    c = app.test_client()
    assert c.get(path).status_code == 401
    assert c.get(f"{path}?token=wrong-token-wrong-token").status_code == 403
    c.set_cookie(COOKIE, "wrong-token-wrong-token")
    assert c.get(path).status_code == 403


@pytest.mark.parametrize("path", ["/upload", "/print", "/review/T0002"])
def test_every_form_needs_the_token_before_anything_else(app, sample_kit, path):
    c = app.test_client()
    r = c.post(path, data={"product": "charter", "action": "skip"})
    assert r.status_code == 401 and not r.data.startswith(b"%PDF")
    with sample_kit.open_record() as rec:
        assert list_events(rec, table="prints") == []


def test_the_token_once_then_the_cookie(app):
    c = app.test_client()
    first = c.get(f"/?token={TOKEN}")
    assert first.status_code == 200
    cookie = first.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    for path in PAGES:  # no token in the URL any more
        assert c.get(path).status_code == 200, path


def test_the_401_page_is_friendly_and_shows_nothing_of_the_record(app, sample_kit):
    r = app.test_client().get("/")
    html = r.get_data(as_text=True)
    assert r.status_code == 401 and "access link" in html
    assert "Book the hall" not in html and "Traceback" not in html
    assert sample_kit.settings.name not in html  # a stranger does not learn whose kiosk it is


def test_static_files_need_no_token(app):
    c = app.test_client()
    for path in ("/static/kiosk.css", "/static/kiosk.js", "/static/favicon.svg"):
        r = c.get(path)
        assert r.status_code == 200, path
        assert r.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_lan_mode_requires_a_strong_token(sample_kit):
    app = create_app(sample_kit, lan=True)
    token = app.config["KIOSK_TOKEN"]
    assert len(token) >= 32
    assert create_app(sample_kit, lan=True).config["KIOSK_TOKEN"] != token  # fresh each start
    c = app.test_client()
    assert c.get("/").status_code == 401
    assert c.get(f"/?token={token}").status_code == 200
    with pytest.raises(InvalidValue):
        create_app(sample_kit, token="short", lan=True)


def test_security_headers_on_pages_errors_and_files(client):
    for path in ("/", "/nowhere", "/static/kiosk.css"):
        h = client.get(path).headers
        assert "default-src 'self'" in h["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
        assert h["X-Frame-Options"] == "DENY"
        assert h["Referrer-Policy"] == "no-referrer"
        assert h["X-Content-Type-Options"] == "nosniff"
    assert client.get("/").headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("base, coop", [
    ("http://localhost", True), ("http://127.0.0.1:8765", True), ("http://[::1]:8765", True),
    ("https://kiosk.example", True), ("http://192.168.1.20:8765", False),
    ("http://kiosk.lan:8765", False),
])
def test_coop_only_where_the_browser_applies_it(app, base, coop):
    """On a plain-HTTP LAN address browsers ignore Cross-Origin-Opener-Policy and Chromium
    logs a console error for it on every page; the other headers are sent everywhere."""
    for path in (f"/?token={TOKEN}", "/nowhere", "/static/kiosk.css"):
        h = app.test_client().get(path, base_url=base).headers
        assert ("Cross-Origin-Opener-Policy" in h) == coop, (base, path)
        if coop:
            assert h["Cross-Origin-Opener-Policy"] == "same-origin"
        assert "default-src 'self'" in h["Content-Security-Policy"]
        assert h["X-Frame-Options"] == "DENY" and h["Referrer-Policy"] == "no-referrer"
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["Cross-Origin-Resource-Policy"] == "same-origin"
        assert "camera" not in h["Permissions-Policy"] and "geolocation=()" in h[
            "Permissions-Policy"]


def test_pages_load_nothing_from_outside(client):
    for path in PAGES:
        html = client.get(path).get_data(as_text=True)
        for url in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert url.startswith(("/", "#", "tel:")), f"{path} links outside: {url}"


def test_the_kit_key_is_never_shown(client, sample_kit):
    key = sample_kit.key
    secrets = [key.hex(), base64.b64encode(key).decode(), base64.b32encode(key).decode()]
    for path in PAGES + ["/access/poster.pdf", "/photos/../kit.key"]:
        body = client.get(path).get_data()
        assert key not in body
        assert not any(s.encode() in body for s in secrets), path


# -- CSRF ---------------------------------------------------------------------------------
def test_a_post_without_the_form_token_is_refused(client, sample_kit):
    with sample_kit.open_record() as rec:
        with rec.write(Source("scan", "test")) as w:
            rs.add_review(w, "f" * 64, "T0002", 1, "review: test", "done", {}, 0.3, "")
    before = status_of(sample_kit, "T0002")
    for form in ({"action": "set", "status": "done"},
                 {"action": "set", "status": "done", "csrf": "not-the-token"}):
        r = client.post("/review/T0002", data=form)
        assert r.status_code == 400
        assert "out of date" in r.get_data(as_text=True)
    assert status_of(sample_kit, "T0002") == before
    r = client.post("/print", data={"product": "charter"})
    assert r.status_code == 400 and not r.data.startswith(b"%PDF")
    r = client.post("/upload", data={"photos": (io.BytesIO(b"x"), "a.jpg")},
                    content_type="multipart/form-data")
    assert r.status_code == 400


def test_the_form_token_belongs_to_one_session(app, client):
    other = app.test_client()
    other.get(f"/?token={TOKEN}")
    token = csrf_of(other)
    assert token != csrf_of(client)
    r = client.post("/print", data={"product": "charter", "csrf": token})
    assert r.status_code == 400


# -- upload and scan ----------------------------------------------------------------------
def test_an_uploaded_photo_runs_the_scan_and_changes_the_record(client, sample_kit):
    assert status_of(sample_kit, "T0002") == "open"
    before = client.get("/").get_data(as_text=True)
    assert column_of(before, "T0002") == "open"
    r = upload(client, slip_photo(sample_kit, {"T0002": (Mark("done"),)}), "after meeting.jpg")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "after meeting.jpg" in html and "T0002" in html and "Updated" in html
    assert status_of(sample_kit, "T0002") == "done"
    with sample_kit.open_record() as rec:
        events = list_events(rec, table="tasks", row_id="T0002")
    assert events[-1].source_kind == "scan" and events[-1].changed()["status"] == ("open",
                                                                                  "done")
    assert column_of(client.get("/").get_data(as_text=True), "T0002") == "done"


def _fail_at_the_second(monkeypatch, exc: Exception) -> None:
    """The scan of an upload's second photo raises ``exc``; the first is read as ever."""
    from paperkit.scan import pipeline

    scan_photo = pipeline.scan_photo

    def failing(kit, rec, path, *args, **kw):
        if Path(path).name.startswith("upload-02"):
            raise exc
        return scan_photo(kit, rec, path, *args, **kw)

    monkeypatch.setattr(pipeline, "scan_photo", failing)


def _upload_two(client, kit) -> str:
    """One upload of two photos, one.jpg (T0002 marked done) and two.jpg (T0005 taken): the
    page it answers with (status 200)."""
    first = slip_photo(kit, {"T0002": (Mark("done"),)})
    second = slip_photo(kit, {"T0005": (Mark("taken"),)})
    r = client.post("/upload", data={"csrf": csrf_of(client),
                                     "photos": [(io.BytesIO(first), "one.jpg"),
                                                (io.BytesIO(second), "two.jpg")]},
                    content_type="multipart/form-data")
    assert r.status_code == 200
    return r.get_data(as_text=True)


def test_an_error_part_way_through_an_upload_shows_the_photos_kept_before_it(
        client, sample_kit, monkeypatch):
    """A busy record at the second photo: the first was committed; the page showed only
    "Nothing was half-saved ... Try again" (red team, round five). Now it shows the first
    photo's results and says where it stopped, and that the first was kept."""
    from paperkit.errors import RecordError

    _fail_at_the_second(monkeypatch, RecordError(f"the record {sample_kit.record_path} is busy",
                                                 "wait, then try again"))
    html = _upload_two(client, sample_kit)
    assert "one.jpg" in html and "T0002" in html and "Updated" in html
    assert "were read and kept" in html
    # the kit named by its folder's name, not its path (the laptop's home folder, seen on
    # phones: a red team, the fortieth session)
    name = sample_kit.path.name
    assert f"Stopped at two.jpg: the record {name}/record.sqlite is busy" in html
    assert str(sample_kit.path) not in html
    assert status_of(sample_kit, "T0002") == "done" and status_of(sample_kit, "T0005") == "open"


def test_a_full_disk_part_way_through_an_upload_says_so_and_shows_the_photos_kept(
        client, sample_kit, monkeypatch):
    """The disk filled while the second photo was stored: a generic "Something went wrong
    ... Try again" page, the first photo's results never shown (a red team, the fortieth
    session). Now the first is shown, kept, with where it stopped and why; a full disk
    before any photo is a page that says the disk is full."""
    import errno

    from paperkit.scan import pipeline

    full = OSError(errno.ENOSPC, "No space left on device", str(sample_kit.path / "x.jpg"))
    _fail_at_the_second(monkeypatch, full)
    html = _upload_two(client, sample_kit)
    assert "Stopped at two.jpg: the laptop&#39;s disk is full" in html
    assert "were read and kept" in html and str(sample_kit.path) not in html
    assert status_of(sample_kit, "T0002") == "done"

    def always_full(kit, rec, path, *args, **kw):
        raise full

    monkeypatch.setattr(pipeline, "scan_photo", always_full)
    r = upload(client, slip_photo(sample_kit, {"T0005": (Mark("taken"),)}), "two.jpg")
    html = r.get_data(as_text=True)
    assert r.status_code == 507 and "The disk is full" in html
    assert "Free some disk space on the laptop" in html and str(sample_kit.path) not in html


def test_a_kiosk_stopped_mid_upload_keeps_what_it_read_and_removes_the_upload(
        app, client, sample_kit, monkeypatch):
    """Stopped mid-upload (Ctrl+C, SIGTERM), the kiosk exited with the scan still running:
    the person's original photos, GPS and all, stayed in the temporary folder, and the
    process sometimes aborted (a red team, the fortieth session). The upload now ends
    after its current photo, that photo kept, and the stop removes the upload folders."""
    import tempfile

    from paperkit.kiosk import views

    real = views.scan_photos

    def stopped_after_the_first(*args, progress, **kw):
        def first_then_stop(i, n, res):
            app.extensions["paperkit"].stopping.set()  # the kiosk is stopped meanwhile
            progress(i, n, res)
        return real(*args, progress=first_then_stop, **kw)

    monkeypatch.setattr(views, "scan_photos", stopped_after_the_first)
    html = _upload_two(client, sample_kit)
    assert "Stopped at two.jpg: the kiosk was stopped" in html and "were read and kept" in html
    assert status_of(sample_kit, "T0002") == "done" and status_of(sample_kit, "T0005") == "open"
    left = Path(tempfile.mkdtemp(prefix=views.upload_prefix()))  # as a killed upload leaves
    (left / "upload-01.jpg").write_bytes(b"a person's photo")
    views.stop_uploads(app, wait=5)
    assert not left.exists()


def test_a_slip_typed_in_on_the_upload_page_is_decided_as_paperkit_type_does(client,
                                                                             sample_kit):
    """A slip whose photo will not read is typed in (its code's letters, the box marked):
    applied when its record printed it, logged; typed again, nothing changes; a mistyped
    code changes nothing."""
    from scan_images import log_print

    form = client.get("/upload").get_data(as_text=True)
    assert 'action="/type"' in form and '<option value="none">no box</option>' in form
    with sample_kit.open_record() as rec:
        text = codes.build(sample_kit.key, sample_kit.id, "T0002",
                           get_task(rec, "T0002").rev).text
        log_print(rec, text)

    def typed(code, mark):
        return client.post("/type", data={"csrf": csrf_of(client), "code": code,
                                          "mark": mark}).get_data(as_text=True)

    html = typed(text.lower(), "done")
    assert f"Typed: {text}" in html and "Updated" in html
    assert status_of(sample_kit, "T0002") == "done"
    with sample_kit.open_record() as rec:
        event = list_events(rec, table="tasks", row_id="T0002")[-1]
        assert (event.source_kind, event.source) == ("kiosk", f"typed {text} done")  # (it
        # was logged as a CLI edit: a red team, the fortieth session)
    assert "This slip was already typed in" in typed(text, "done")
    html = typed(text[:-1] + ("A" if text[-1] != "A" else "B"), "stuck")
    assert "does not verify" in html and status_of(sample_kit, "T0002") == "done"
    other = typed(codes.build(b"k" * 32, "ZZZZ", "T0002", 1).text, "stuck")
    assert "Another kit" in other and "Print 200 pocket cards" not in other  # not our T0002
    r = client.post("/type", data={"csrf": csrf_of(client), "code": " ", "mark": "done"},
                    follow_redirects=True)
    assert "Type the code printed under" in r.get_data(as_text=True)


def test_the_same_photo_twice_changes_nothing(client, sample_kit):
    photo = slip_photo(sample_kit, {"T0005": (Mark("taken"),)})
    upload(client, photo)
    with sample_kit.open_record() as rec:
        n = len(list_events(rec))
    html = upload(client, photo).get_data(as_text=True)
    assert "already read" in html
    # what that read did, not only "nothing changed" (a reloaded page, a photo sent again
    # after a dropped connection: a red team, the fortieth session)
    assert "and that read set T0005 → taken; nothing changed now" in html
    with sample_kit.open_record() as rec:
        assert len(list_events(rec)) == n


def test_another_kits_slip_uploaded_again_is_still_shown(client, sample_kit, tmp_path):
    """A photo of another kit's slip, uploaded again, showed "already read; nothing
    changed" and no slip, as if it had been read; it lists the slip as read then."""
    other = init_kit(tmp_path / "other")
    rgb = grid_photo([(codes.build(other.key, other.id, "T0002", 1).text, (Mark("done"),))],
                     size=(700, 520), cols=1, s=3.0)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG")
    first = upload(client, buf.getvalue()).get_data(as_text=True)
    again = upload(client, buf.getvalue()).get_data(as_text=True)
    assert "outcome-other-kit" in first and "already read" not in first
    assert "already read" in again and "as read then" in again
    assert "outcome-other-kit" in again


def test_a_photo_without_codes_says_so(client, sample_kit):
    buf = io.BytesIO()
    Image.fromarray(np.full((120, 160, 3), 235, np.uint8)).save(buf, "PNG")
    r = upload(client, buf.getvalue(), "blank.png")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "blank.png" in html and "no slip code found" in html
    assert "/tmp" not in html and "upload-01" not in html  # the person's file name, not ours


def test_a_file_that_is_not_a_photo_is_reported(client):
    html = upload(client, b"hello, not a photo", "notes.txt").get_data(as_text=True)
    assert "notes.txt" in html and "flash error" in html


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header says it is ``width`` × ``height`` pixels."""
    buf = io.BytesIO()
    Image.new("L", (1, 1)).save(buf, "PNG")
    data = bytearray(buf.getvalue())
    data[16:24] = width.to_bytes(4, "big") + height.to_bytes(4, "big")
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
    return bytes(data)


@pytest.mark.parametrize("name, data, says", [
    ("notes.txt", b"hello, not a photo", "is not an image"),
    ("empty.jpg", b"", "is empty (0 bytes)"),
    ("huge.png", _png_claiming(20000, 20000), "MP"),  # too large to decode safely
    ("a&b <i>.jpg", b"", "is empty (0 bytes)"),
], ids=["text", "empty", "huge", "markup"])
def test_scan_errors_name_the_persons_file_not_the_temp_file(client, name, data, says):
    """The scan's messages use the file's short name (upload-01.jpg), which the page only
    replaced in full-path form."""
    html = upload(client, data, name).get_data(as_text=True)
    shown = escape(name)
    errors = re.findall(r'<p class="flash error">(.*?)</p>', html)
    assert errors and errors[0].startswith(f"{shown} ") and says in errors[0], errors
    assert "upload-0" not in html and "/tmp" not in html and "paperkit-kiosk-" not in html
    if shown != name:
        assert name not in html  # escaped as any other text


def test_own_name_replaces_the_temp_name_once_in_any_form():
    from pathlib import Path

    from paperkit.kiosk.views import _own_name

    tmp = Path("/tmp/paperkit-kiosk-x/upload-01.pdf")
    assert _own_name("nothing on page 2 of upload-01.pdf", tmp, "slips.pdf") == (
        "nothing on page 2 of slips.pdf")
    assert _own_name(f"{tmp} does not exist", tmp, "slips.pdf") == "slips.pdf does not exist"
    assert _own_name("upload-01.pdf#2: no code", tmp, "upload-01.pdf.pdf") == (
        "upload-01.pdf.pdf#2: no code")  # a name holding ours is not replaced again


def test_an_upload_with_no_file_asks_for_one(client):
    r = client.post("/upload", data={"csrf": csrf_of(client)},
                    content_type="multipart/form-data", follow_redirects=True)
    assert r.status_code == 200 and "Choose one or more photos" in r.get_data(as_text=True)


def test_uploads_over_the_limit_get_a_clear_413(sample_kit):
    app = create_app(sample_kit, token=TOKEN, max_upload_bytes=64 * 1024)
    c = app.test_client()
    c.get(f"/?token={TOKEN}")
    r = c.post("/upload", data={"csrf": csrf_of(c),
                                "photos": (io.BytesIO(b"\xff" * 200_000), "big.jpg")},
               content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert r.status_code == 413
    assert "too large" in html and "64 KB" in html and "Traceback" not in html


@pytest.mark.parametrize("lan", [False, True])
def test_the_footer_says_where_the_kiosk_is_served(sample_kit, lan):
    """Regression: "runs on this laptop only" was said in --lan mode too."""
    c = create_app(sample_kit, token=TOKEN, lan=lan).test_client()
    html = c.get(f"/?token={TOKEN}").get_data(as_text=True)
    assert ("served on this network" in html) == lan
    assert ("runs on this laptop only" in html) == (not lan)


def test_the_default_upload_limit_is_40_mb(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 40 * 1024 * 1024


# -- review -------------------------------------------------------------------------------
def _two_marks(client, kit, task="T0005"):
    html = upload(client, slip_photo(kit, {task: (Mark("taken"), Mark("done", "cross"))})
                  ).get_data(as_text=True)
    assert "Needs review" in html


def review_form(client, task: str, action: str = "set") -> dict[str, str]:
    """The hidden fields of ``task``'s ``action`` form on the review page as shown now
    (csrf, action, rev, items): what a person's button press posts."""
    html = client.get("/review").get_data(as_text=True)
    section = html[html.index(f'id="review-{task}"'):].split("</section>")[0]
    (form,) = [f for f in section.split("<form")[1:]
               if f'name="action" value="{action}"' in f.split("</form>")[0]]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def test_review_shows_the_crop_and_the_choice_wins(client, sample_kit):
    _two_marks(client, sample_kit)
    assert status_of(sample_kit, "T0005") == "open"
    html = client.get("/review").get_data(as_text=True)
    assert 'id="review-T0005"' in html and "both marked" in html
    # a double mark is no mark to apply, however clearly its boxes read (it said "the scan
    # read no clear mark · 100% sure")
    assert "no single mark to apply" in html and "% sure" not in html
    crop = re.search(r'<img src="(/photos/crops/[^"]+\.png)"', html).group(1)
    img = client.get(crop)
    assert img.status_code == 200 and img.data.startswith(b"\x89PNG")
    r = client.post("/review/T0005", data={**review_form(client, "T0005"), "status": "stuck"},
                    follow_redirects=True)
    assert r.status_code == 200 and "T0005: open → stuck" in r.get_data(as_text=True)
    assert status_of(sample_kit, "T0005") == "stuck"
    assert 'id="review-T0005"' not in client.get("/review").get_data(as_text=True)
    with sample_kit.open_record() as rec:
        assert rs.pending_reviews(rec) == []
        last = list_events(rec, table="tasks", row_id="T0005")[-1]
    assert last.source_kind == "review"


def test_a_review_choice_made_on_a_page_the_task_has_since_left_is_not_written(client,
                                                                              sample_kit):
    """The review page shows the task as it was; if a scan or another person changed it
    before the choice arrives, the choice is refused and nothing is written."""
    _two_marks(client, sample_kit)
    html = client.get("/review").get_data(as_text=True)
    assert 'name="rev" value="1"' in html
    form = review_form(client, "T0005")
    assert form["rev"] == "1"
    with sample_kit.open_record() as rec, rec.write(Source("kiosk", "another person")) as w:
        set_status(w, "T0005", "dropped")
    r = client.post("/review/T0005", data={**form, "status": "stuck"}, follow_redirects=True)
    assert "T0005 changed while the review was open (it is now dropped, rev 2)" in \
        r.get_data(as_text=True)
    assert status_of(sample_kit, "T0005") == "dropped"
    with sample_kit.open_record() as rec:
        assert [i.task for i in rs.pending_reviews(rec)] == ["T0005"]  # still to decide


def test_review_skip_leaves_the_task(client, sample_kit):
    _two_marks(client, sample_kit, "T0008")
    r = client.post("/review/T0008", data=review_form(client, "T0008", "skip"),
                    follow_redirects=True)
    assert "skipped" in r.get_data(as_text=True)
    assert status_of(sample_kit, "T0008") == "open"
    with sample_kit.open_record() as rec:
        assert rs.pending_reviews(rec) == []


def test_review_lists_the_least_sure_first(client, sample_kit):
    with sample_kit.open_record() as rec, rec.write(Source("scan", "test")) as w:
        rs.add_review(w, "a" * 64, "T0003", 1, "review: unsure", "done", {}, 0.7, "")
        rs.add_review(w, "b" * 64, "T0010", 1, "review: unsure", "stuck", {}, 0.2, "")
    html = client.get("/review").get_data(as_text=True)
    assert html.index('id="review-T0010"') < html.index('id="review-T0003"')


def test_a_review_already_decided_is_a_message_not_an_error(client, sample_kit):
    """A double submit (the same page's button pressed twice) says what the task is now."""
    with sample_kit.open_record() as rec, rec.write(Source("scan", "test")) as w:
        rs.add_review(w, "f" * 64, "T0002", 1, "review: test", "done", {}, 0.3, "")
    form = {**review_form(client, "T0002"), "status": "done"}
    assert client.post("/review/T0002", data=form).status_code == 302
    r = client.post("/review/T0002", data=form, follow_redirects=True)
    assert r.status_code == 200
    assert "T0002 was decided meanwhile: it is now done, rev 2" in r.get_data(as_text=True)
    form = {**form, "items": "999"}  # items never of T0003, which waits for no review
    r = client.post("/review/T0003", data=form, follow_redirects=True)
    assert r.status_code == 200
    assert "no pending review for T0003 (it is taken, rev 1)" in r.get_data(as_text=True)


# -- one task ----------------------------------------------------------------------------
def test_a_status_changed_at_the_kiosk_is_a_logged_kiosk_edit(client, sample_kit):
    html = client.get("/task/T0005").get_data(as_text=True)
    assert "Pack the medic bags" in html and "created" in html
    token = csrf_of(client, "/task/T0005")
    r = client.post("/task/T0005/status", data={"csrf": token, "status": "taken", "rev": "1"},
                    follow_redirects=True)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "T0005: open → taken" in html and "reprint" in html
    assert status_of(sample_kit, "T0005") == "taken"
    with sample_kit.open_record() as rec:
        last = list_events(rec, table="tasks", row_id="T0005")[-1]
        assert get_task(rec, "T0005").rev == 2
    assert last.source_kind == "kiosk" and last.changed()["status"] == ("open", "taken")
    assert "status: open → taken" in html  # the history on the task page
    assert column_of(client.get("/").get_data(as_text=True), "T0005") == "taken"


def test_a_status_chosen_on_a_page_the_task_has_since_left_is_not_written(client,
                                                                          sample_kit):
    """Two people, or a scan, change one task: a choice made on a page that shows an older
    rev of it is refused, says what the task is now, and writes nothing."""
    page = client.get("/task/T0005").get_data(as_text=True)
    assert 'name="rev" value="1"' in page
    token = csrf_of(client, "/task/T0005")
    with sample_kit.open_record() as rec, rec.write(Source("scan", "f" * 64)) as w:
        set_status(w, "T0005", "stuck")  # meanwhile
    r = client.post("/task/T0005/status", data={"csrf": token, "status": "taken", "rev": "1"},
                    follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "changed while this page was open (it is now stuck, rev 2)" in html
    assert "look at it again as it is now" in html
    assert status_of(sample_kit, "T0005") == "stuck"
    r = client.post("/task/T0005/status", data={"csrf": token, "status": "taken", "rev": "2"},
                    follow_redirects=True)
    assert "T0005: stuck → taken" in r.get_data(as_text=True)
    assert status_of(sample_kit, "T0005") == "taken"


def test_task_edits_are_checked(client, sample_kit):
    token = csrf_of(client, "/task/T0005")
    assert client.post("/task/T0005/status", data={"status": "done"}).status_code == 400
    assert client.post("/task/T0005/status", data={"csrf": token, "status": "lost"}
                       ).status_code == 400
    assert client.post("/task/T9999/status", data={"csrf": token, "status": "done",
                                                   "rev": "1"}).status_code == 404
    assert client.get("/task/T9999").status_code == 404
    # a form without the rev its page showed (or with a rev that is no number) would
    # overwrite whatever changed meanwhile (red team, round six: it did)
    for rev in ({}, {"rev": "abc"}, {"rev": ""}):
        r = client.post("/task/T0005/status", data={"csrf": token, "status": "done", **rev})
        assert r.status_code == 400 and "did not say which rev" in r.get_data(as_text=True)
    assert status_of(sample_kit, "T0005") == "open"


# -- photos under photos/ only ------------------------------------------------------------
@pytest.mark.parametrize("path", [
    "/photos/../kit.key", "/photos/%2e%2e/kit.key", "/photos/..%2fkit.key",
    "/photos/crops/../../record.sqlite", "/photos//etc/passwd", "/photos/%2fetc%2fpasswd",
    "/photos/../../../../etc/passwd", "/photos/", "/photos/link.png", "/photos/notes.txt",
])
def test_paths_outside_the_photos_folder_are_refused(client, sample_kit, path):
    photos = sample_kit.photos_dir
    (photos / "notes.txt").write_text("not an image")
    outside = sample_kit.path / "outside.png"
    outside.write_bytes(b"\x89PNG secret")
    if not (photos / "link.png").exists():
        (photos / "link.png").symlink_to(outside)
    r = client.get(path, follow_redirects=True)
    assert r.status_code == 404, path
    assert b"secret" not in r.data and sample_kit.key not in r.data


@pytest.mark.parametrize("name", ["../kit.key", "../../etc/passwd", "/etc/passwd",
                                  "crops/../../record.sqlite", "link.png"])
def test_the_photo_view_itself_refuses_names_outside_photos(app, sample_kit, name):
    from werkzeug.exceptions import NotFound

    from paperkit.kiosk import views

    (sample_kit.photos_dir / "link.png").symlink_to(sample_kit.path / "kit.key")
    with app.test_request_context("/"), pytest.raises(NotFound):
        views.photo(name)


@pytest.mark.parametrize("path", [
    "/photos/%00.png", "/photos/a%00b/c.png", "/photos/" + "a" * 5000 + ".png",
    "/photos/" + ("b" * 200 + "/") * 30 + "c.png",
])
def test_photo_names_that_cannot_be_files_are_404_not_500(client, caplog, path):
    """A null byte (ValueError) or a name too long (OSError ENAMETOOLONG) was a 500 with a
    traceback in the terminal."""
    r = client.get(path)
    assert r.status_code == 404 and "There is nothing here" in r.get_data(as_text=True)
    assert not [rec for rec in caplog.records if rec.levelname in ("ERROR", "CRITICAL")]


@pytest.mark.parametrize("name", ["\x00.png", "a" * 5000 + ".png"])
def test_the_photo_view_itself_refuses_names_that_cannot_be_files(app, name):
    from werkzeug.exceptions import NotFound

    from paperkit.kiosk import views

    with app.test_request_context("/"), pytest.raises(NotFound):
        views.photo(name)


# -- print centre -------------------------------------------------------------------------
@pytest.mark.parametrize("form", [
    {"product": "slips"},
    {"product": "ledger", "public": "1", "paper": "a4"},
    {"product": "contacts", "ring": "dispatch", "audience": "crew"},
    {"product": "roles", "audience": "crew"},
])
def test_the_print_centre_returns_a_pdf(client, sample_kit, form):
    r = client.post("/print", data={"csrf": csrf_of(client, "/print"), **form})
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    assert r.headers["Content-Type"] == "application/pdf"
    assert f'filename={form["product"]}.pdf' in r.headers["Content-Disposition"]
    with sample_kit.open_record() as rec:
        events = list_events(rec, table="prints")
    assert events[-1].source_kind == "kiosk" and form["product"] in events[-1].source


def test_the_print_centre_s_ledger_withholds_the_names_its_audience_may_not_see(
        client, sample_kit):
    """A ledger entry naming a private contact: the kiosk's ledger page shows "(withheld)",
    but its print centre's crew ledger printed the name (red team, round six); the laptop's
    own 'paperkit print ledger' is the full care-crew copy, every name in it."""
    import pypdfium2

    from paperkit.cli import main

    with pytest.raises(SystemExit):
        main(["--kit", str(sample_kit.path), "ledger", "add", "donation", "20.00",
              "--currency", "USD", "--counterparty", "José Ñúñez", "--note", "from José Ñúñez"])
    page = client.get("/ledger").get_data(as_text=True)
    assert "Ñúñez" not in page and "(withheld)" in page
    for audience in ("crew", "public"):
        r = client.post("/print", data={"csrf": csrf_of(client, "/print"), "product": "ledger",
                                        "audience": audience})
        assert r.status_code == 200
        pdf = pypdfium2.PdfDocument(r.data)
        text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
        assert "Ñúñez" not in "".join(text.split()) and "withheld" in text


def test_the_cli_ledger_is_the_full_care_crew_copy(run, sample_kit, tmp_path):
    import pypdfium2

    k = ("--kit", str(sample_kit.path))
    assert run(*k, "ledger", "add", "donation", "20.00", "--currency", "USD",
               "--counterparty", "José Ñúñez")[0] == 0
    out = tmp_path / "l.pdf"
    code, _, err = run(*k, "print", "ledger", "-o", str(out))
    assert code == 0, err
    pdf = pypdfium2.PdfDocument(out.read_bytes())
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert "JoséÑúñez" in "".join(text.split())


@pytest.mark.parametrize("form", [{"product": "nothing"}, {"product": ""},
                                  {"product": "contacts", "audience": "private"},
                                  {"product": "cards", "paper": "a3"}])
def test_the_print_centre_refuses_other_choices(client, form):
    r = client.post("/print", data={"csrf": csrf_of(client, "/print"), **form})
    assert r.status_code == 400 and not r.data.startswith(b"%PDF")
    assert "Traceback" not in r.get_data(as_text=True)


def test_the_kit_and_roles_forms_offer_an_audience_and_the_kit_pseudonyms(client):
    """Regression: the kit's form had neither, so the kiosk's kit held public contact
    sheets beside a ledger with real names, and the roles roster named every holder."""
    import re

    html = client.get("/print").get_data(as_text=True)
    forms = dict(re.findall(r'id="print-(\w+)">(.*?)</form>', html, re.S))
    for product in ("kit", "roles", "board", "contacts"):
        assert 'name="audience"' in forms[product], product
    for product in ("kit", "ledger"):
        assert 'name="public" value="1" checked' in forms[product], product


def test_every_product_has_a_download_button(client):
    from paperkit.products import PRODUCTS

    html = client.get("/print").get_data(as_text=True)
    for product in PRODUCTS:
        assert f'name="product" value="{product}"' in html


# -- ledger and contacts ------------------------------------------------------------------
def test_the_ledger_shows_the_balance(client, sample_kit):
    with sample_kit.open_record() as rec:
        totals = balances(rec)
    html = client.get("/ledger").get_data(as_text=True)
    assert totals
    for currency, minor in totals.items():
        assert f"{grouped_amount(minor, currency)} {currency}" in html


def test_contacts_show_the_crew_and_hide_private_ones(client, sample_kit):
    with sample_kit.open_record() as rec:
        private = list_contacts(rec, audiences=("private",))
        shown = list_contacts(rec, audiences=("public", "crew"))
    assert private and shown
    html = client.get("/contacts").get_data(as_text=True)
    for c in shown:
        assert f'id="contact-{c.id}"' in html
    for c in private:
        assert f'id="contact-{c.id}"' not in html and c.phone not in html
    for c in private + shown:  # notes are for private sheets only, as on paper
        assert not c.notes or c.notes not in html, c.id
    assert f"{len(private)} private contacts are not shown" in html


def test_private_names_in_tasks_and_mandates_are_withheld_on_every_page(client, sample_kit):
    """Regression: the board listed a private contact as a mandate's holder, and a task's
    steward, shadow crew, title and history showed such names too, though the kiosk never
    shows private contacts (a crew sheet withholds them)."""
    with sample_kit.open_record() as rec:
        (name, *_) = [c.name for c in list_contacts(rec, audiences=("private",))]
        with rec.write(Source("cli", "test")) as w:
            w.insert("tasks", {"id": "T0900", "title": f"Call {name} about the van",
                               "status": "open", "steward": name, "shadow_crew": name})
            w.insert("roles", {"role": "press", "holder": name, "starts": "2026-11-20",
                               "ends": "2099-01-01"})
        with rec.write(Source("cli", "test")) as w:  # a change, for the history
            w.update("tasks", "T0900", {"steward": f"{name} and Sam"})
    for page in ("/", "/task/T0900"):
        html = client.get(page).get_data(as_text=True)
        assert name not in html and str(escape(name)) not in html, page
        assert "(withheld)" in html, page
    assert "Call (withheld) about the van" in client.get("/task/T0900").get_data(as_text=True)


@pytest.mark.real_prints  # the reason that quoted the title: a slip this record never printed
def test_a_private_name_in_a_scans_reason_is_withheld_on_the_scan_and_review_pages(
        client, sample_kit):
    """A slip this record never printed is held with its task's title in the reason ("check
    that it is the slip of '...'"), and the upload's result page and the review queue
    showed a private name there in full (a red team, the fortieth session)."""
    with sample_kit.open_record() as rec:
        (name, *_) = [c.name for c in list_contacts(rec, audiences=("private",))]
        with rec.write(Source("cli", "test")) as w:
            w.insert("tasks", {"id": "T0900", "title": f"Drive {name} home", "status": "open"})
    r = upload(client, slip_photo(sample_kit, {"T0900": (Mark("done"),)}))
    html = r.get_data(as_text=True)
    assert "this record never printed this slip" in html
    assert name not in html and str(escape(name)) not in html
    assert "Drive (withheld) home" in html
    html = client.get("/review").get_data(as_text=True)
    assert "this record never printed this slip" in html
    assert name not in html and str(escape(name)) not in html


# -- access: QR code and poster -----------------------------------------------------------
def test_the_access_page_shows_the_link_as_a_qr_code(sample_kit):
    app = create_app(sample_kit, token=TOKEN, lan=True, base_url="http://192.168.1.20:8765")
    c = app.test_client()
    c.get(f"/?token={TOKEN}")
    html = c.get("/access").get_data(as_text=True)
    assert '<svg class="qr"' in html
    assert f"http://192.168.1.20:8765/?token={TOKEN}" in html


def test_the_poster_holds_the_link_in_a_readable_qr_code(sample_kit):
    zxingcpp = pytest.importorskip("zxingcpp")
    import pypdfium2

    url = f"http://192.168.1.20:8765/?token={TOKEN}"
    doc = build_poster("Test group", url, "a4")
    assert [i.text for i in doc.pages[0].items if isinstance(i, QRCode)] == [url]
    app = create_app(sample_kit, token=TOKEN, lan=True, base_url="http://192.168.1.20:8765")
    c = app.test_client()
    c.get(f"/?token={TOKEN}")
    r = c.get("/access/poster.pdf")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    page = pypdfium2.PdfDocument(r.data)[0]
    image = page.render(scale=1.5).to_pil().convert("L")
    assert [b.text for b in zxingcpp.read_barcodes(np.asarray(image))] == [url]


def test_the_terminal_qr_code_reads_back_as_the_link():
    zxingcpp = pytest.importorskip("zxingcpp")
    from paperkit.kiosk.access import terminal_qr

    url = f"http://192.168.1.20:8765/?token={TOKEN}"
    # light text on a dark terminal: a full block is two light modules, a space two dark
    halves = {"\u2588": (255, 255), "\u2580": (255, 0), "\u2584": (0, 255), " ": (0, 0)}
    pixels = []
    for row in terminal_qr(url).splitlines():
        pixels += [[halves[ch][0] for ch in row], [halves[ch][1] for ch in row]]
    image = np.kron(np.array(pixels, np.uint8), np.ones((4, 4), np.uint8))
    assert [b.text for b in zxingcpp.read_barcodes(image)] == [url]


@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_the_poster_fits_its_page_without_overlaps(paper):
    url = f"http://192.168.100.200:65535/?token={TOKEN * 2}"
    page = build_poster("A group with a rather long name, for testing", url, paper).pages[0]
    w, h = page.size
    rects = [i.rect for i in page.items]
    assert all(0 <= r.x0 < r.x1 <= w and 0 <= r.y0 < r.y1 <= h for r in rects)
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            overlap = a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1
            assert not overlap or a.contains(b) or b.contains(a), (a, b)


def test_local_mode_explains_how_to_let_phones_in(client, sample_kit):
    html = client.get("/access").get_data(as_text=True)
    assert "--lan" in html and '<svg class="qr"' not in html
    app = create_app(sample_kit, token=TOKEN, lan=True, base_url="http://127.0.0.1:8765")
    c = app.test_client()
    html = c.get(f"/access?token={TOKEN}").get_data(as_text=True)
    assert "no address on a local network" in html and '<svg class="qr"' not in html


# -- errors and the server ----------------------------------------------------------------
def test_an_unexpected_error_is_a_friendly_page(client, monkeypatch, caplog):
    from paperkit.kiosk import views

    def broken(*_a, **_k):
        raise RuntimeError("database exploded at /secret/path")

    monkeypatch.setattr(views, "list_tasks", broken)
    r = client.get("/")
    html = r.get_data(as_text=True)
    assert r.status_code == 500 and "Something went wrong" in html
    assert "Traceback" not in html and "exploded" not in html and "/secret" not in html


def test_unknown_pages_and_methods_are_friendly(client):
    r = client.get("/no/such/page")
    assert r.status_code == 404 and "There is nothing here" in r.get_data(as_text=True)
    r = client.put("/", data={"csrf": csrf_of(client)})
    assert r.status_code == 405 and "Traceback" not in r.get_data(as_text=True)


def test_the_server_binds_localhost_unless_lan(sample_kit):
    app = create_app(sample_kit)
    server = make_server(app, port=0)
    try:
        assert server.socket.getsockname()[0] == "127.0.0.1"
        assert app.config["KIOSK_BASE_URL"] == f"http://127.0.0.1:{server.effective_port}"
        with pytest.raises(InvalidValue, match="not available"):
            make_server(create_app(sample_kit), port=server.effective_port)
    finally:
        server.close()
    lan = make_server(create_app(sample_kit, lan=True), port=0, lan=True)
    try:
        assert lan.socket.getsockname()[0] == "0.0.0.0"
    finally:
        lan.close()


def test_waitress_accepts_well_over_the_upload_limit_but_not_without_bound(sample_kit):
    from paperkit.kiosk.server import body_cap

    app = create_app(sample_kit)
    limit = app.config["MAX_CONTENT_LENGTH"]
    server = make_server(app, port=0)
    try:
        cap = server.adj.max_request_body_size
    finally:
        server.close()
    assert cap == body_cap(limit)
    assert cap >= 2 * limit  # up to twice the limit: the kiosk's own "too large" page
    assert cap <= 4 * limit  # and a hard bound on what one request can spool to disk
    assert body_cap(64 * 1024) >= 64 * 1024 + 8 * 1024 * 1024


def _post_raw(port: int, path: str, length: int, body: bytes) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest("POST", path)
        conn.putheader("Content-Type", "multipart/form-data; boundary=x")
        conn.putheader("Content-Length", str(length))
        conn.endheaders()
        try:
            conn.send(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered before reading it all
        r = conn.getresponse()
        return r.status, r.read().decode("utf-8", "replace")
    finally:
        conn.close()


def test_an_upload_a_little_over_the_limit_gets_the_kiosks_page_through_waitress(sample_kit):
    """waitress's cap was 1 MiB over Flask's limit: an upload 1.5 times the limit met
    waitress's bare text ("exceeds max_body of ...") instead of the kiosk's page."""
    limit = 4 * 1024 * 1024
    server = make_server(create_app(sample_kit, token=TOKEN, max_upload_bytes=limit), port=0)
    stop = threading.Event()

    def serve() -> None:  # the loop of server.run, stopped before the sockets are closed
        while not stop.is_set():
            server.asyncore.loop(timeout=0.05, map=server._map, count=1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        port = server.effective_port
        size = limit * 3 // 2
        status, text = _post_raw(port, f"/upload?token={TOKEN}", size, b"x" * size)
        assert status == 413 and "too large" in text and "4 MB" in text, text[:200]
        assert "max_body" not in text
        cap = server.adj.max_request_body_size  # over the cap: refused, the body unread
        status, text = _post_raw(port, f"/upload?token={TOKEN}", cap, b"x" * 1024)
        assert status == 413 and "max_body" in text
    finally:
        stop.set()
        thread.join(timeout=5)
        server.task_dispatcher.shutdown(timeout=5)
        server.close()


def test_the_results_page_shows_each_slip_of_a_photo(client, sample_kit):
    html = upload(client, slip_photo(sample_kit, {"T0007": (Mark("taken"),), "T0010": (),
                                                  "T0011": (Mark("done"), Mark("stuck"))})
                  ).get_data(as_text=True)
    rows = re.findall(r'<tr class="outcome-([a-z-]+)">\s*<td data-label="Task"><span '
                      r'class="tid">(T\d+)</span>.*?<td data-label="Read">([^<]*)</td>', html,
                      re.S)
    assert {task: (outcome, read) for outcome, task, read in rows} == {
        "T0007": ("applied", "taken"), "T0010": ("unchanged", "no box marked"),
        "T0011": ("review", "—")}  # two marks: not 'no box marked'
    assert status_of(sample_kit, "T0007") == "taken" and status_of(sample_kit, "T0010") == "open"


@pytest.mark.parametrize("lan", [False, True])
def test_the_kiosk_command_prints_the_access_link(sample_kit, monkeypatch, lan):
    from click.testing import CliRunner

    import paperkit.kiosk as kiosk_pkg
    from paperkit.cli import cli

    real = kiosk_pkg.make_server
    servers = []

    def serve_nothing(app, **kw):  # bind for real, but return at once instead of serving
        server = real(app, **kw)
        server.run = lambda: None
        servers.append((server, app))
        return server

    monkeypatch.setattr(kiosk_pkg, "make_server", serve_nothing)
    monkeypatch.setattr("paperkit.kiosk.server.lan_address", lambda: "192.168.1.20")
    args = ["--kit", str(sample_kit.path), "kiosk", "--port", "0"] + (["--lan"] if lan else [])
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    server, app = servers[0]
    token = app.config["KIOSK_TOKEN"]
    base = app.config["KIOSK_BASE_URL"]
    assert base.startswith("http://192.168.1.20:" if lan else "http://127.0.0.1:")
    assert f"{base}/?token={token}" in result.output
    assert "kiosk stopped" in result.output
    assert ("\u2588" in result.output) == lan  # the QR code for phones, with --lan only
    assert app.extensions["paperkit"].lan == lan


# -- names withheld on every page (regressions) -------------------------------------------
def test_private_names_in_a_tasks_timeframe_and_after_action_are_withheld_on_the_board(
        client, sample_kit):
    """Regression: the board printed a task's timeframe and after-action note as written,
    so two private contacts named there showed on ``/`` (the task page withheld them)."""
    with sample_kit.open_record() as rec:
        private = {c.name for c in list_contacts(rec, audiences=("private",))}
        assert {"Greta Holm", "Bea Quist"} <= private
        with rec.write(Source("cli", "test")) as w:
            w.insert("tasks", {"id": "T0031", "title": "Call Bea Quist about bail",
                               "status": "open", "timeframe": "when Greta Holm is free"})
        with rec.write(Source("cli", "test")) as w:
            w.update("tasks", "T0031", {"after_action": "Greta Holm and Bea Quist met"})
    html = client.get("/").get_data(as_text=True)
    card = re.search(r'<article class="card" id="task-T0031">.*?</article>', html, re.S).group()
    for name in ("Greta Holm", "Bea Quist"):
        assert name not in html, name
    assert "when (withheld) is free" in card and "(withheld) and (withheld) met" in card


def test_private_names_in_the_ledger_are_withheld(client, sample_kit):
    """Regression: the ledger page showed each entry's counterparty, person and note as
    written, a private contact's name too (the print centre's ledger uses pseudonyms)."""
    with sample_kit.open_record() as rec, rec.write(Source("cli", "test")) as w:
        w.insert("ledger", {"date": "2099-12-31", "kind": "bail-paid", "amount": 50000,
                            "currency": "USD", "counterparty": "Greta Holm",
                            "person": "Bea Quist", "note": "bail for Bea Quist, via Greta Holm"})
    html = client.get("/ledger").get_data(as_text=True)
    assert "Greta Holm" not in html and "Bea Quist" not in html
    row = re.search(r"<tr>\s*<td[^>]*>\d+</td><td[^>]*>2099-12-31</td>.*?</tr>", html,
                    re.S).group()
    assert re.search(r'data-label="Counterparty" dir="auto">\(withheld\)</td>', row), row
    assert re.search(r'data-label="Person" dir="auto">\(withheld\)</td>', row), row
    assert "bail for (withheld), via (withheld)" in row


def test_a_private_name_written_in_any_field_is_withheld_on_every_page(client, sample_kit):
    """Every text of the record a page prints (a task's every field and its history, a
    review's task, a scan's results, a mandate, a ledger entry) goes through the kiosk's
    withholding: a private contact's name written in any of them shows on no page."""
    name = "Greta Holm"
    with sample_kit.open_record() as rec:
        assert name in {c.name for c in list_contacts(rec, audiences=("private",))}
        with rec.write(Source("cli", "test")) as w:
            w.insert("tasks", {"id": "T0901", "title": f"Visit {name}", "status": "open",
                               "timeframe": f"after {name}'s hearing", "steward": name,
                               "shadow_crew": name, "after_action": f"{name} is out"})
            w.insert("roles", {"role": f"{name}'s driver", "holder": name,
                               "starts": "2026-11-20", "ends": "2099-01-01"})
            w.insert("ledger", {"date": "2099-12-31", "kind": "donation", "amount": 100,
                                "currency": "USD", "counterparty": name, "person": name,
                                "note": name})
        with rec.write(Source("cli", "test")) as w:  # each field changed, for the history
            w.update("tasks", "T0901", {
                "title": f"Visit {name} again", "timeframe": f"before {name} leaves",
                "steward": f"{name} and Sam", "shadow_crew": f"Sam and {name}",
                "after_action": f"{name} is home"})
    scanned = upload(client, slip_photo(sample_kit, {"T0901": (Mark("done"), Mark("stuck"))}))
    pages = {"/upload (results)": scanned.get_data(as_text=True)}
    for page in PAGES + ["/task/T0901"]:
        pages[page] = client.get(page).get_data(as_text=True)
    assert 'id="review-T0901"' in pages["/review"], "the slip was not held for review"
    assert "T0901" in pages["/upload (results)"]
    for page, html in pages.items():
        assert name not in html and str(escape(name)) not in html, page
    for page in ("/", "/review", "/ledger", "/task/T0901", "/upload (results)"):
        assert "(withheld)" in pages[page], page


# -- stopping the kiosk -------------------------------------------------------------------
#: A kiosk (``python -c`` this, then the CLI's arguments) whose scans wait SCAN_PAUSE
#: seconds first, so that a test can stop it while an upload is in its temporary folder.
_SLOW_SCAN_KIOSK = """
import sys, time
import paperkit.kiosk.views as views
real = views.scan_photos
def slow(*args, **kw):
    time.sleep(SCAN_PAUSE)
    return real(*args, **kw)
views.scan_photos = slow
from paperkit.cli import main
main(sys.argv[1:])
"""


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]
               ) -> tuple[bytes, str]:
    boundary = "paperkit-test-boundary"
    parts = []
    for key, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
                     f"{value}\r\n".encode())
    for key, (filename, data) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"; '
                     f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
                     + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_a_kiosk_stopped_by_sigterm_mid_upload_removes_its_temporary_folder(
        sample_kit, tmp_path, signame):
    """Regression: SIGTERM (or SIGHUP) killed the kiosk outright, so an upload being read
    left its temporary folder behind: the person's original photos, GPS EXIF and all.
    Ctrl-C stopped it cleanly. Both signals now take Ctrl-C's way out."""
    import http.cookiejar
    import os
    import queue
    import signal
    import subprocess
    import sys
    import time
    import urllib.request

    if not hasattr(signal, signame):
        pytest.skip(f"no {signame} here")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(tmp), PYTHONUNBUFFERED="1")
    script = _SLOW_SCAN_KIOSK.replace("SCAN_PAUSE", "1.0")
    proc = subprocess.Popen([sys.executable, "-c", script, "--kit", str(sample_kit.path),
                             "kiosk", "--port", "0"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout],
                              daemon=True)
    reader.start()
    try:
        url = None
        while url is None:
            line = lines.get(timeout=30)
            if line.startswith("open: "):
                url = line.removeprefix("open: ").strip()
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        base = url.split("/?")[0]
        opener.open(url, timeout=10).read()
        form = opener.open(f"{base}/upload", timeout=10).read().decode()
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        body, ctype = _multipart({"csrf": csrf},
                                 {"photos": ("meeting.jpg", slip_photo(sample_kit, {
                                     "T0007": (Mark("taken"),)}))})
        post = urllib.request.Request(f"{base}/upload", data=body,
                                      headers={"Content-Type": ctype}, method="POST")

        def send() -> None:
            try:
                opener.open(post, timeout=30).read()
            except OSError:
                pass  # the kiosk stopped before it answered

        threading.Thread(target=send, daemon=True).start()
        deadline = time.monotonic() + 20
        while not list(tmp.glob("paperkit-kiosk-*/upload-01.jpg")):
            assert time.monotonic() < deadline, "the upload never reached its folder"
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.02)
        proc.send_signal(getattr(signal, signame))
        code = proc.wait(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    errors = proc.stderr.read()
    assert code == 0, (code, errors)  # not -15: ended by the signal's default action
    assert [p.relative_to(tmp) for p in tmp.rglob("*")] == []
    reader.join(timeout=5)  # its output ends with the process
    said = "".join(lines.get_nowait() for _ in range(lines.qsize()))
    assert "kiosk stopped" in said and "Traceback" not in errors, (said, errors)


def test_stop_signals_interrupt_as_ctrl_c_only_while_serving_and_keep_an_ignored_sighup():
    import os
    import signal

    from paperkit.signals import stop_signals_interrupt

    if not hasattr(signal, "SIGHUP"):
        pytest.skip("no SIGHUP here")
    before = signal.getsignal(signal.SIGTERM)
    old_hup = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as under nohup
    try:
        with pytest.raises(KeyboardInterrupt), stop_signals_interrupt():
            os.kill(os.getpid(), signal.SIGHUP)  # ignored: nothing happens
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(100):  # the handler runs at the next bytecode
                pass
        assert signal.getsignal(signal.SIGTERM) == before
        assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
        seen = []  # outside the main thread (a test's server thread): nothing is set
        thread = threading.Thread(target=lambda: seen.append(_enter(stop_signals_interrupt)))
        thread.start()
        thread.join()
        assert seen == [True] and signal.getsignal(signal.SIGTERM) == before
    finally:
        signal.signal(signal.SIGHUP, signal.SIG_DFL if old_hup is None else old_hup)


def _enter(manager) -> bool:
    with manager():
        return True


def test_a_kiosk_starting_removes_the_uploads_a_killed_kiosk_left(sample_kit, tmp_path,
                                                                   monkeypatch):
    """Regression: a kiosk killed with SIGKILL (or a power cut) left the uploads it was
    scanning, the person's original photos with their GPS, in the temporary folder for
    good. A kiosk starting removes those of kiosk processes no longer running."""
    import os
    import subprocess
    import sys
    import tempfile

    from paperkit.kiosk import views

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead = tmp_path / f"{views.UPLOAD_PREFIX}{int(gone.stdout)}-abc"
    mine = tmp_path / f"{views.UPLOAD_PREFIX}{os.getpid()}-def"
    other = tmp_path / "paperkit-kiosk-notes"  # not one of ours by its name: left alone
    for folder in (dead, mine, other):
        folder.mkdir()
        (folder / "upload-01.jpg").write_bytes(b"photo")
    create_app(sample_kit)
    assert not dead.exists() and mine.exists() and other.exists()
    assert views.upload_prefix().startswith(f"{views.UPLOAD_PREFIX}{os.getpid()}-")


@pytest.mark.real_prints
def test_a_photo_uploaded_again_with_read_again_applies_what_it_could_not(client, sample_kit):
    """A slip of a task not in the record (added after the photo was first read) could not
    be applied, and uploading the photo again changed nothing: with "Read again" ticked the
    slip is read again and applied; the first reading's decisions stand."""
    with sample_kit.open_record() as rec:
        with rec.write(Source("cli", "test")) as w:
            code = codes.build(sample_kit.key, sample_kit.id, "T0999", 1).text
            record_print(w, "slips", "slips.pdf", [(code, "T0999", 1)])
    rgb = grid_photo([(code, (Mark("done"),))], size=(700, 520), cols=1, s=3.0)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG")
    first = upload(client, buf.getvalue()).get_data(as_text=True)
    assert "outcome-unknown-task" in first
    with sample_kit.open_record() as rec:
        with rec.write(Source("cli", "test")) as w:
            w.insert("tasks", {"id": "T0999", "title": "Find the van", "status": "open"})
    plain = upload(client, buf.getvalue()).get_data(as_text=True)
    assert "already read" in plain and "Read again" in plain
    assert status_of(sample_kit, "T0999") == "open"
    again = client.post("/upload", data={"csrf": csrf_of(client), "again": "1",
                                         "photos": (io.BytesIO(buf.getvalue()), "meeting.jpg")},
                        content_type="multipart/form-data").get_data(as_text=True)
    assert "Read again (first read on" in again and "outcome-applied" in again
    assert status_of(sample_kit, "T0999") == "done"
