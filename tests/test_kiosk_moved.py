"""A running kiosk whose kit folder is moved, renamed or deleted under it: every page says
so and how to go on (start the kiosk again from the new place), with no traceback, and no
record, nor any other file, is ever made at the old place."""

from __future__ import annotations

import io
import logging
import re
import shutil

import numpy as np
import pytest

from paperkit.errors import KitMoved
from paperkit.kiosk import create_app
from paperkit.kit import init_kit
from paperkit.record.events import list_events
from paperkit.scan.load import Frame, Photo
from paperkit.scan.store import store_crop, store_photo

TOKEN = "kiosk-moved-token-0123456789"
PAGES = ["/", "/upload", "/review", "/print", "/ledger", "/contacts", "/access",
         "/task/T0001", "/photos/x.png"]


@pytest.fixture
def client(sample_kit):
    """A browser that opened the kiosk's access link while the kit was in place."""
    c = create_app(sample_kit, token=TOKEN).test_client()
    assert c.get(f"/?token={TOKEN}").status_code == 200
    return c


def _csrf(client) -> str:
    html = client.get("/upload").get_data(as_text=True)
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def _says_moved(r) -> None:
    html = r.get_data(as_text=True)
    assert r.status_code == 503, html
    assert "The kit folder has moved" in html and "start it again" in html
    assert "Traceback" not in html
    # not the advice for a record that is gone from its kit, which would start it over
    assert "is missing" not in html and "--empty" not in html


def test_a_kiosk_whose_kit_folder_was_renamed_says_so_on_every_page(client, sample_kit,
                                                                    caplog):
    """Regression: it said "the record .../record.sqlite is missing" and advised
    'paperkit restore --empty', which would have started the kit over."""
    old = sample_kit.path
    csrf = _csrf(client)
    old.rename(old.with_name("renamed"))
    with caplog.at_level(logging.WARNING):
        for path in PAGES:
            r = client.get(path)
            _says_moved(r)
            page = r.get_data(as_text=True)  # the folder by its name; its full path, which
            assert old.name in page and str(old) not in page  # names the laptop's home
            # folder, only in the kiosk's log on the laptop (a red team, the fortieth session)
        _says_moved(client.post("/upload", data={
            "csrf": csrf, "photos": (io.BytesIO(b"\xff\xd8 not read"), "slips.jpg")},
            content_type="multipart/form-data"))
        _says_moved(client.post("/task/T0001/status", data={
            "csrf": csrf, "status": "done", "rev": "1"}))
        _says_moved(client.post("/print", data={"csrf": csrf, "product": "charter"}))
    assert not old.exists()  # no record, no photos/ folder made at the old place
    moved = [r for r in caplog.records if "moved, renamed or deleted" in r.getMessage()]
    assert len(moved) == 1  # in the log once, not on every page the board reloads
    assert str(old) in moved[0].getMessage()

    old.with_name("renamed").rename(old)  # put back: the kiosk goes on
    assert client.get("/").status_code == 200
    with sample_kit.open_record() as rec:
        assert list_events(rec, table="prints") == []
        assert list_events(rec, table="tasks", row_id="T0001")[-1].source_kind == "import"


def test_a_kiosk_whose_kit_folder_was_deleted_makes_no_record_there(client, sample_kit):
    old = sample_kit.path
    shutil.rmtree(old)
    for path in ("/", "/review", "/ledger"):
        _says_moved(client.get(path))
    assert not old.exists()


def test_a_kiosk_whose_kit_folder_now_holds_another_kit_never_touches_it(
        client, sample_kit, tmp_path):
    """The folder moved away and another kit made at its old place (same name): that kit is
    not this kiosk's, and its record is left alone."""
    old = sample_kit.path
    old.rename(tmp_path / "moved")
    other = init_kit(old, name="Another group")
    r = client.get("/")
    _says_moved(r)
    assert "another kit" in r.get_data(as_text=True)
    with other.open_record() as rec:
        assert rec.query("SELECT count(*) FROM events")[0][0] == 0


def test_a_kit_folder_left_without_its_key_is_not_this_kit(client, sample_kit):
    """The folder is there, but kit.toml and kit.key went elsewhere (moved file by file):
    not called a missing record either."""
    (sample_kit.path / "kit.key").rename(sample_kit.path.with_name("kit.key"))
    r = client.get("/")
    _says_moved(r)
    assert "no longer holds this kit" in r.get_data(as_text=True)


def test_a_scan_whose_kit_folder_moved_meanwhile_makes_nothing_at_the_old_place(tmp_path):
    """Storing a scanned photo made its folders with their parents: a kit folder moved
    while the kiosk read a photo was made again at its old place, holding photos/ alone.
    The scan's files are now made only inside a kit folder that is still there."""
    kit = init_kit(tmp_path / "kit")
    gray = np.full((40, 60), 200, np.uint8)
    photo = Photo(tmp_path / "p.png", "ab" * 32, "png", (Frame("p.png", gray),), b"x")
    kit.path.rename(tmp_path / "moved")
    with pytest.raises(KitMoved):
        store_photo(kit, photo)
    with pytest.raises(KitMoved):
        store_crop(kit, "ab" * 32, "T0001-note", gray)
    assert not kit.path.exists()
