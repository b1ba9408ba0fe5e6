"""Photo inputs: EXIF rotation, HEIC, PDF, decompression bombs, metadata, the zbar decoder."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scan_images import Mark, grid_photo, save

from paperkit import codes
from paperkit.errors import DependencyMissing, PhotoError, PhotoTooLarge
from paperkit.kit import init_kit
from paperkit.record.db import Source
from paperkit.record.tasks import get_task
from paperkit.scan import decode, scan_photos, zbar_available
from paperkit.scan.load import load_photo, stored_image, strip_jpeg


@pytest.fixture
def kit_rec(tmp_path):
    kit = init_kit(tmp_path / "kit")
    rec = kit.open_record()
    with rec.write(Source("cli", "setup")) as w:
        for i in (1, 2):
            w.insert("tasks", {"id": f"T000{i}", "title": f"task {i}"})
    return kit, rec


def _slips(kit):
    return [(codes.build(kit.key, kit.id, "T0001", 1).text, (Mark("done"),)),
            (codes.build(kit.key, kit.id, "T0002", 1).text, (Mark("stuck", "cross", "blue"),))]


def _assert_applied(rec, res):
    assert sorted((s.task, s.outcome, s.status) for s in res.slips) == [
        ("T0001", "applied", "done"), ("T0002", "applied", "stuck")]
    assert get_task(rec, "T0001").status == "done"


def _gps_exif(orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0112] = orientation
    exif[0x8825] = {1: "N", 2: (40.0, 42.0, 51.0), 3: "W", 4: (74.0, 0.0, 21.0)}
    return exif.tobytes()


def test_exif_rotated_photo_is_turned_upright_and_read(tmp_path, kit_rec):
    kit, rec = kit_rec
    upright = grid_photo(_slips(kit), size=(1600, 1000), cols=2, s=2.6, seed=1)
    stored = np.ascontiguousarray(np.rot90(upright, 1))  # pixels stored turned a quarter
    path = tmp_path / "sideways.jpg"
    save(stored, path, exif=_gps_exif(orientation=6))  # 6: the viewer turns it back
    photo = load_photo(path)
    assert photo.orientation == 6
    assert photo.frames[0].gray.shape == upright.shape[:2]
    (res,) = scan_photos(kit, rec, [path])
    _assert_applied(rec, res)


def test_stored_photo_has_no_exif_or_gps(tmp_path, kit_rec):
    kit, rec = kit_rec
    path = tmp_path / "gps.jpg"
    save(grid_photo(_slips(kit), size=(1600, 1000), cols=2, s=2.6), path, exif=_gps_exif())
    assert b"Exif" in path.read_bytes()[:200]
    (res,) = scan_photos(kit, rec, [path])
    kept = (kit.path / res.stored).read_bytes()
    assert b"Exif" not in kept and b"PhoneMaker" not in kept
    im = Image.open(io.BytesIO(kept))
    assert not im.getexif() and im.size == (1600, 1000)
    im.load()  # still a valid JPEG


def test_strip_jpeg_keeps_pixels_exactly(tmp_path):
    arr = (np.arange(64 * 48 * 3) % 251).astype(np.uint8).reshape(48, 64, 3)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", quality=80, exif=_gps_exif(), comment=b"secret")
    raw = buf.getvalue()
    clean = strip_jpeg(raw)
    assert b"secret" not in clean and b"Exif" not in clean
    a = np.asarray(Image.open(io.BytesIO(raw)))
    b = np.asarray(Image.open(io.BytesIO(clean)))
    assert np.array_equal(a, b)


def test_heic_input(tmp_path, kit_rec):
    pillow_heif = pytest.importorskip("pillow_heif")
    kit, rec = kit_rec
    rgb = grid_photo(_slips(kit), size=(1200, 800), cols=2, s=2.0, seed=2)
    heif = pillow_heif.from_bytes(mode="RGB", size=(rgb.shape[1], rgb.shape[0]),
                                  data=rgb.tobytes())
    path = tmp_path / "photo.heic"
    heif.save(path, quality=85, enc_params={"preset": "ultrafast"})
    photo = load_photo(path)
    assert photo.kind == "heic"
    (res,) = scan_photos(kit, rec, [path])
    _assert_applied(rec, res)
    kept, ext = stored_image(photo)
    assert ext == ".jpg" and b"Exif" not in kept


def test_the_stored_copy_of_a_heic_or_png_is_made_from_its_first_decode(tmp_path):
    """A HEIC or PNG is decoded once: the stored copy is made from the picture the scan
    decoded (upright, in colour), the same bytes as when it was decoded again for it; a
    JPEG keeps none (its copy is made from its own bytes)."""
    from dataclasses import replace

    pillow_heif = pytest.importorskip("pillow_heif")
    rng = np.random.default_rng(3)
    rgb = rng.integers(0, 256, (120, 200, 3), dtype=np.uint8)
    heif = pillow_heif.from_bytes(mode="RGB", size=(200, 120), data=rgb.tobytes())
    heif.save(tmp_path / "p.heic", quality=90, enc_params={"preset": "ultrafast"})
    Image.fromarray(rgb).save(tmp_path / "p.webp", exif=_gps_exif(6), lossless=True)
    Image.fromarray(rgb).save(tmp_path / "p.png")
    for name in ("p.heic", "p.webp", "p.png"):
        photo = load_photo(tmp_path / name)
        assert photo.image is not None
        assert stored_image(photo) == stored_image(replace(photo, image=None))
    turned = load_photo(tmp_path / "p.webp")
    assert turned.image.size == (120, 200) and turned.frames[0].gray.shape == (200, 120)
    save(rgb, tmp_path / "p.jpg", 90)
    assert load_photo(tmp_path / "p.jpg").image is None


def test_pdf_input(tmp_path, kit_rec):
    kit, rec = kit_rec
    rgb = grid_photo(_slips(kit), size=(1700, 1100), cols=2, s=2.6, seed=4)
    path = tmp_path / "scan.pdf"
    Image.fromarray(rgb).save(path, "PDF", resolution=150)
    photo = load_photo(path)
    assert photo.kind == "pdf" and len(photo.frames) == 1
    (res,) = scan_photos(kit, rec, [path])
    _assert_applied(rec, res)
    assert (kit.path / res.stored).suffix == ".png"


def test_a_photo_saved_as_a_pdf_is_read_at_the_photo_s_own_resolution(tmp_path, kit_rec):
    """A phone photo saved or shared as a PDF (or a phone's document scan) is a page that is
    one picture, often finer than 200 dots per inch: the page is rendered at the picture's
    own resolution, not at 200 dpi with half its pixels lost. A page that is mostly not a
    picture is still rendered at 200 dpi."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    kit, rec = kit_rec
    rgb = grid_photo(_slips(kit), size=(2400, 1600), cols=2, s=2.2, seed=4)
    path = tmp_path / "IMG_0001.pdf"
    Image.fromarray(rgb).save(path, "PDF", resolution=400)  # a 6 × 4 in page
    (frame,) = load_photo(path).frames
    assert frame.gray.shape == (1600, 2400)  # at 200 dpi: 800 × 1200
    (res,) = scan_photos(kit, rec, [path])
    _assert_applied(rec, res)
    logo = tmp_path / "letter.pdf"  # a 6 × 4 in page with a 1 × 1 in picture of 400 px
    c = canvas.Canvas(str(logo), pagesize=(6 * 72, 4 * 72))
    c.drawImage(ImageReader(Image.fromarray(rgb[:400, :400])), 72, 72, 72, 72)
    c.save()
    assert load_photo(logo).frames[0].gray.shape == (800, 1200)


def test_a_pdf_of_many_photos_is_rendered_within_the_pages_limit(tmp_path, monkeypatch):
    """Photo pages are rendered at their own resolution only within MAX_PAGES_PIXELS for
    the whole PDF (a PDF made of 30 phone photos is not 360 MP of frames): less finely
    when they would be more, never under 200 dpi; and the stored copy of a file's pages
    is made smaller to MAX_PIXELS."""
    from paperkit.scan import load
    from paperkit.scan.load import Frame, Photo

    pages = [Image.new("L", (2400, 1600), 128 + 40 * i) for i in range(3)]
    path = tmp_path / "photos.pdf"  # three 6 × 4 in pages, each a photo at 400 dpi
    pages[0].save(path, "PDF", resolution=400, save_all=True, append_images=pages[1:])
    assert [f.gray.shape for f in load_photo(path).frames] == [(1600, 2400)] * 3
    monkeypatch.setattr(load, "MAX_PAGES_PIXELS", 3 * 1600 * 2400 // 2)  # half of them
    for f in load_photo(path).frames:
        assert abs(f.gray.shape[1] - 2400 / 2 ** 0.5) <= 2  # 283 dpi
    monkeypatch.setattr(load, "MAX_PAGES_PIXELS", 1_000_000)
    assert [f.gray.shape for f in load_photo(path).frames] == [(800, 1200)] * 3  # 200 dpi
    monkeypatch.setattr(load, "MAX_PIXELS", 1_000_000)
    frames = tuple(Frame(f"p.pdf#{i}", np.full((1000, 800), 200, np.uint8)) for i in (1, 2))
    kept, ext = stored_image(Photo(tmp_path / "p.pdf", "0" * 64, "pdf", frames, b""))
    w, h = Image.open(io.BytesIO(kept)).size
    assert ext == ".png" and w * h <= 1_000_000 and abs(w / h - 800 / 2000) < 0.01


def test_a_pdf_page_too_large_at_200_dpi_is_rendered_at_fewer(tmp_path, kit_rec, monkeypatch):
    """A poster-sized page is rendered at the dots per inch that fit the pixel limit (here
    lowered to 4 MP), and read; only under 100 dpi is it refused, with its size."""
    from paperkit.scan import load, pipeline

    monkeypatch.setattr(load, "MAX_PIXELS", 4_000_000)
    monkeypatch.setattr(pipeline, "shared_helper", lambda: None)  # it loads with 80 MP
    kit, rec = kit_rec
    rgb = grid_photo(_slips(kit), size=(1600, 1000), cols=2, s=2.6, seed=4)
    poster = tmp_path / "poster.pdf"  # 16 × 10 in: 6.4 MP at 200 dpi
    Image.fromarray(rgb).save(poster, "PDF", resolution=100)
    (frame,) = load_photo(poster).frames
    assert 3_900_000 < frame.gray.size <= 4_000_000  # about 158 dpi
    (res,) = scan_photos(kit, rec, [poster])
    _assert_applied(rec, res)
    huge = tmp_path / "huge.pdf"  # 53 × 33 in: 17.8 MP even at 100 dpi
    Image.fromarray(rgb).save(huge, "PDF", resolution=30)
    with pytest.raises(PhotoTooLarge, match="more than the 4 MP"):
        load_photo(huge)


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def test_decompression_bomb_is_refused(tmp_path, kit_rec):
    kit, rec = kit_rec
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_header_only(10000, 10000))  # 100 MP claimed in 100 bytes
    with pytest.raises(PhotoTooLarge, match="100 MP") as exc:
        load_photo(path)
    assert "scan the sheets again at 300 dpi" in exc.value.user_message()  # a scanner's file
    huge = tmp_path / "huge.png"
    huge.write_bytes(_png_header_only(20000, 20000))  # past Pillow's own guard too
    with pytest.raises(PhotoTooLarge, match="too large"):
        load_photo(huge)
    (res,) = scan_photos(kit, rec, [path])
    assert res.errors and "MP" in res.errors[0] and not res.ok
    assert rec.query_one("SELECT count(*) FROM scans")[0] == 0


def test_unreadable_file_is_reported_not_raised(tmp_path, kit_rec):
    kit, rec = kit_rec
    bad = tmp_path / "notes.jpg"
    bad.write_bytes(b"this is not a photo")
    with pytest.raises(PhotoError):
        load_photo(bad)
    good = tmp_path / "good.jpg"
    save(grid_photo(_slips(kit), size=(1600, 1000), cols=2, s=2.6), good)
    bad_res, good_res = scan_photos(kit, rec, [bad, good])
    assert bad_res.errors and not bad_res.slips
    _assert_applied(rec, good_res)


def test_a_pipe_or_device_named_as_a_photo_is_an_error_not_a_wait(tmp_path, kit_rec):
    """A named pipe called photo.jpg with nothing writing to it made the scan wait for
    ever (and /dev/zero would be read until memory ran out); each is now an error of its
    own, and the photos named with it are read."""
    kit, rec = kit_rec
    fifo = tmp_path / "photo.jpg"
    os.mkfifo(fifo)
    good = tmp_path / "good.jpg"
    save(grid_photo(_slips(kit), size=(1600, 1000), cols=2, s=2.6), good)
    with pytest.raises(PhotoError, match="not a file but a named pipe"):
        load_photo(fifo)
    pipe_res, zero_res, good_res = scan_photos(kit, rec, [fifo, Path("/dev/zero"), good])
    assert pipe_res.errors == (f"{fifo} is not a file but a named pipe (save the photo as a "
                               "file and scan that file)",)
    assert "/dev/zero is not a file but a device" in zero_res.errors[0]
    _assert_applied(rec, good_res)


def test_a_path_that_cannot_be_followed_fails_its_photo_alone(tmp_path, kit_rec):
    """A link loop, a path through a file, a name too long (or a phone's card failing
    mid-read) ended the whole batch with one message, nothing scanned (a red team, the
    thirty-ninth session); each is now its photo's error, and the others are read."""
    kit, rec = kit_rec
    good = tmp_path / "good.jpg"
    save(grid_photo(_slips(kit), size=(1600, 1000), cols=2, s=2.6), good)
    loop = tmp_path / "loop.jpg"
    loop.symlink_to(loop)
    through = good / "x.jpg"  # good.jpg is a file, not a folder
    long = tmp_path / ("n" * 300 + ".jpg")
    *bad, good_res = scan_photos(kit, rec, [loop, through, long, good])
    for res, path in zip(bad, (loop, through, long), strict=True):
        assert not res.slips
        assert res.errors[0].startswith(f"{path} cannot be read (")
        assert res.errors[0].endswith("(check the name, or copy the photo onto this computer "
                                      "and scan the copy)")
    _assert_applied(rec, good_res)


def test_one_path_given_alone_is_one_photo_not_the_letters_of_its_name(tmp_path, kit_rec,
                                                                        monkeypatch):
    """``scan_photos(kit, rec, "good.jpg")`` took each letter as a path: "." scanned every
    photo in the working folder (and "/" would walk the whole disk). One path given alone
    is one photo or folder; a path as bytes (a name that is not UTF-8) is read too."""
    kit, rec = kit_rec
    save(grid_photo(_slips(kit), size=(1600, 1000), cols=2, s=2.6), tmp_path / "good.jpg")
    save(grid_photo(_slips(kit), size=(1600, 1000), cols=2, s=2.6, seed=3),
         tmp_path / "other.jpg")
    monkeypatch.chdir(tmp_path)
    (res,) = scan_photos(kit, rec, "good.jpg", dry_run=True)
    assert res.photo == "good.jpg" and not res.errors and len(res.slips) == 2
    (res,) = scan_photos(kit, rec, Path("good.jpg"), dry_run=True)
    assert res.photo == "good.jpg" and len(res.slips) == 2
    (res,) = scan_photos(kit, rec, [os.fsencode(tmp_path / "good.jpg")])
    _assert_applied(rec, res)


def test_a_record_used_in_another_thread_than_it_was_opened_in_is_a_clear_error(tmp_path,
                                                                                  kit_rec):
    """SQLite's connection may be used only in the thread that opened it: a scan from
    another thread raised sqlite3.ProgrammingError from deep inside; it now says so."""
    from concurrent.futures import ThreadPoolExecutor

    from paperkit.errors import RecordError
    from paperkit.scan.pipeline import scan_photo

    kit, rec = kit_rec
    good = tmp_path / "good.jpg"
    save(grid_photo(_slips(kit), size=(1600, 1000), cols=2, s=2.6), good)
    with ThreadPoolExecutor(1) as pool:
        for call in (lambda: scan_photos(kit, rec, [good]), lambda: scan_photo(kit, rec, good)):
            with pytest.raises(RecordError, match="opened in another thread") as err:
                pool.submit(call).result(timeout=60)
            assert "kit.open_record() in the thread that uses it" in err.value.user_message()
    _assert_applied(rec, scan_photos(kit, rec, [good])[0])  # in its own thread: read


@pytest.mark.parametrize("name, data, says", [
    ("empty.jpg", b"", "empty.jpg is empty (0 bytes)"),
    ("notes.jpg", b"this is not a photo", "notes.jpg is not an image paperkit can read"),
    ("tiny.png", None, "tiny.png is only 2×2 pixels, too small"),
])
def test_a_file_that_cannot_hold_a_slip_says_why_in_words(tmp_path, kit_rec, name, data, says):
    """No traceback (a 2-pixel image once crashed the decoder) and no Python object names
    (Pillow's own message quotes its stream object): what is wrong, and what to do."""
    kit, rec = kit_rec
    path = tmp_path / name
    if data is None:
        Image.new("RGB", (2, 2), "white").save(path)
    else:
        path.write_bytes(data)
    (res,) = scan_photos(kit, rec, [path])
    assert not res.slips and len(res.errors) == 1
    assert res.errors[0].startswith(says) and "object at 0x" not in res.errors[0]


def test_a_photo_cut_short_says_to_copy_it_again(tmp_path, kit_rec):
    """A JPEG cut short (a copy from the phone that stopped part way) is a photo paperkit
    reads: the advice is to copy it again, not to use another kind of file."""
    kit, rec = kit_rec
    whole = tmp_path / "whole.jpg"
    save(grid_photo(_slips(kit), size=(1600, 1000), cols=2, s=2.6), whole)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 3])
    (res,) = scan_photos(kit, rec, [cut])
    assert not res.slips and len(res.errors) == 1
    assert res.errors[0].startswith("cut.jpg is not a readable photo")
    assert "copy the photo again" in res.errors[0] and "use a JPEG" not in res.errors[0]
    stub = tmp_path / "stub.jpg"  # cut short in its header: still a JPEG file
    stub.write_bytes(whole.read_bytes()[:300])
    (res,) = scan_photos(kit, rec, [stub])
    assert "copy the photo again" in res.errors[0] and "use a JPEG" not in res.errors[0]


def test_an_empty_or_locked_pdf_says_what_to_do(tmp_path, kit_rec):
    """An empty PDF said "Failed to load document (PDFium: Success)." and a locked one
    "Incorrect password error", with nothing on what to do next."""
    from reportlab.pdfgen.canvas import Canvas

    kit, rec = kit_rec
    (tmp_path / "empty.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    locked = Canvas(str(tmp_path / "locked.pdf"), encrypt="secret")
    locked.drawString(100, 100, "slips")
    locked.save()
    empty, shut = scan_photos(kit, rec, [tmp_path / "empty.pdf", tmp_path / "locked.pdf"])
    assert empty.errors == ("empty.pdf is not a readable PDF (the file is damaged, cut short"
                            " or empty: save or export it again from the scanner or app)",)
    assert shut.errors[0].startswith("locked.pdf is locked with a password (save or export")
    assert "PDFium" not in shut.errors[0] and "Incorrect" not in shut.errors[0]


@pytest.mark.parametrize("name", ["bw.png", "bw-g4.tif", "bw.pdf", "bw-grey8.png", "bw-q75.jpg",
                                  "bw-scaled.png"])
def test_a_black_and_white_scan_holds_its_marked_slips(tmp_path, kit_rec, name):
    """A scanner's "black & white" mode keeps what is darker than its cut and drops the
    rest: a light second tick vanishes, and its slip read one mark (red team, round seven:
    7 wrong statuses of 16 slips). A picture of two grey levels is told apart (1-bit, or
    8-bit holding two values), its marked slips go to review, its blank ones say a light
    mark may be lost, and the photo's tip says to scan in grey. Saved again as a JPEG or
    scaled (its edges grey), it is still told apart: almost nothing mid-grey, almost all
    near black or white."""
    kit, rec = kit_rec
    slips = [(codes.build(kit.key, kit.id, "T0001", 1).text,
              (Mark("done"), Mark("taken", ink="light"))),
             (codes.build(kit.key, kit.id, "T0002", 1).text, ())]
    grey = np.asarray(Image.fromarray(grid_photo(slips, size=(1600, 1000), cols=2, s=2.6))
                      .convert("L"))
    assert not load_photo(_saved(Image.fromarray(grey), tmp_path / "grey.png")).frames[0].bilevel
    bw = Image.fromarray(np.where(grey < 128, 0, 255).astype(np.uint8))
    path = tmp_path / name
    if name == "bw-grey8.png":
        bw.save(path)  # black and white, saved as 8-bit grey
    elif name == "bw-q75.jpg":
        bw.save(path, quality=75)  # saved again as a JPEG (red team, round eight)
    elif name == "bw-scaled.png":
        bw.resize((1280, 800), Image.Resampling.BILINEAR).save(path)  # scaled: grey edges
    elif name.endswith(".tif"):
        bw.convert("1").save(path, compression="group4")
    else:
        bw.convert("1").save(path, **({"resolution": 150} if name.endswith(".pdf") else {}))
    assert load_photo(path).frames[0].bilevel
    (res,) = scan_photos(kit, rec, [path])
    outcomes = {s.task: (s.outcome, s.status) for s in res.slips}
    assert outcomes == {"T0001": ("review", "done"), "T0002": ("unchanged", None)}
    assert all("black and white" in s.reason for s in res.slips)
    assert any("scan the slips again in greyscale" in tip for tip in res.advice)
    assert get_task(rec, "T0001").status == "open"


def _saved(im: Image.Image, path: Path) -> Path:
    im.save(path)
    return path


@pytest.mark.parametrize("mode, bits", [("I;16", 16), ("I;16", 10), ("I;16", 12), ("I", 16),
                                        ("F", 8)])
def test_a_16_bit_or_float_grey_scan_is_read(tmp_path, kit_rec, mode, bits):
    """Flatbed scanners write 16-bit grey PNG and TIFF; Pillow's own conversion to 8 bits
    clips such values to white, which read no code at all. Some write 10 or 12 bits in a
    16-bit file: read over 16 bits, that was black (a red team, the fortieth session)."""
    kit, rec = kit_rec
    grey = grid_photo(_slips(kit), size=(1600, 1000), cols=2, s=2.6)
    grey = np.asarray(Image.fromarray(grey).convert("L"), np.float64)
    scale = (2 ** bits - 1) / 255.0
    img = Image.fromarray((grey * scale).astype({"I;16": np.uint16, "I": np.int32,
                                                 "F": np.float32}[mode]))
    path = tmp_path / ("scan.png" if mode == "I;16" else "scan.tif")
    img.save(path)
    photo = load_photo(path)
    back = photo.frames[0].gray.astype(np.float64)
    assert np.abs(back - grey).max() <= 1.0  # the same grey, not clipped to white
    kept, _ = stored_image(photo)  # and so is the stored copy
    stored = np.asarray(Image.open(io.BytesIO(kept)).convert("L"), np.float64)
    assert np.abs(stored - grey).mean() <= 2.0
    (res,) = scan_photos(kit, rec, [path])
    _assert_applied(rec, res)


@pytest.mark.parametrize("name, make", [
    ("palette.png", lambda im: im.quantize(64)),
    ("clear.png", lambda im: _with_transparency(im.quantize(64))),
    ("photo.gif", lambda im: im.quantize(64)),
    ("palette.bmp", lambda im: im.quantize(64)),
    ("palette.tif", lambda im: im.quantize(64)),
    ("lab.tif", lambda im: im.convert("LAB")),
])
def test_a_palette_or_lab_picture_is_read(tmp_path, kit_rec, name, make):
    """A picture of few colours (a palette PNG, a GIF, a BMP or a TIFF, as a screenshot
    tool or an image editor saves it) or a LAB TIFF: read, and stored, as any other
    picture (the colour step could not shrink a palette picture, and Pillow converts LAB
    to nothing: a traceback that stopped the batch; red team, round five)."""
    kit, rec = kit_rec
    rgb = Image.fromarray(grid_photo(_slips(kit), size=(1600, 1000), cols=2, s=2.6)).convert("RGB")
    path = tmp_path / name
    make(rgb).save(path)
    photo = load_photo(path)
    assert photo.frames[0].gray.shape == (1000, 1600)
    kept, _ = stored_image(photo)
    assert Image.open(io.BytesIO(kept)).size == (1600, 1000)
    (res,) = scan_photos(kit, rec, [path])
    assert not res.errors
    _assert_applied(rec, res)


def _with_transparency(im: Image.Image) -> Image.Image:
    im.info["transparency"] = 0
    return im


def test_a_tiff_of_an_rgb_page_and_a_palette_page_reads_both(tmp_path, kit_rec):
    kit, rec = kit_rec
    one, two = _slips(kit)
    pages = [Image.fromarray(grid_photo([slip], size=(1000, 800), cols=1, s=2.6, seed=i)
                             ).convert("RGB") for i, slip in enumerate((one, two))]
    path = tmp_path / "sheets.tif"
    pages[0].save(path, save_all=True, append_images=[pages[1].quantize(64)])
    (res,) = scan_photos(kit, rec, [path])
    _assert_applied(rec, res)


@pytest.mark.parametrize("name", ["anim.png", "anim.webp", "anim.gif"])
def test_every_frame_of_an_animated_picture_is_read(tmp_path, kit_rec, name):
    """An animated PNG, WebP or GIF: each frame is read as a page (only the first was, and
    the slips of the others were left out unsaid; red team, round five)."""
    kit, rec = kit_rec
    one, two = _slips(kit)
    frames = [Image.fromarray(grid_photo([slip], size=(1000, 800), cols=1, s=2.6, seed=i)
                              ).convert("RGB") for i, slip in enumerate((one, two))]
    path = tmp_path / name
    frames[0].save(path, save_all=True, append_images=[frames[1]], duration=500,
                   **({"lossless": True} if name.endswith(".webp") else {}))
    assert Image.open(path).n_frames == 2
    (res,) = scan_photos(kit, rec, [path])
    _assert_applied(rec, res)
    assert sorted((s.task, s.frame) for s in res.slips) == [
        ("T0001", f"{name}#1"), ("T0002", f"{name}#2")]


def test_every_page_of_a_multi_page_tiff_is_read(tmp_path, kit_rec):
    """A flatbed scanner saves several sheets as one multi-page TIFF: the slips on the
    second page are read too (only the first page was, and the rest left out unsaid); each
    page is a frame named like a PDF's, and the stored copy holds both pages."""
    kit, rec = kit_rec
    one, two = _slips(kit)
    pages = [Image.fromarray(grid_photo([slip], size=(1000, 800), cols=1, s=2.6, seed=i))
             for i, slip in enumerate((one, two))]
    path = tmp_path / "sheets.tif"
    pages[0].save(path, save_all=True, append_images=[pages[1].convert("L")],
                  compression="tiff_deflate")
    photo = load_photo(path)
    assert photo.kind == "pages"
    assert [f.label for f in photo.frames] == ["sheets.tif#1", "sheets.tif#2"]
    (res,) = scan_photos(kit, rec, [path])
    _assert_applied(rec, res)
    assert sorted((s.task, s.frame) for s in res.slips) == [
        ("T0001", "sheets.tif#1"), ("T0002", "sheets.tif#2")]
    kept, ext = stored_image(photo)
    assert ext == ".png"
    assert Image.open(io.BytesIO(kept)).size == (1000, 1600)  # one page above the other


def test_a_multi_page_tiff_over_the_limits_is_refused_with_its_reason(tmp_path, monkeypatch):
    from paperkit.scan import load

    page = Image.new("L", (400, 300), 255)
    path = tmp_path / "many.tif"
    page.save(path, save_all=True, append_images=[page] * 3)
    monkeypatch.setattr(load, "MAX_PAGES", 3)
    with pytest.raises(PhotoTooLarge, match="many.tif has 4 pages; paperkit reads at most 3"):
        load_photo(path)
    monkeypatch.setattr(load, "MAX_PAGES", 50)
    monkeypatch.setattr(load, "MAX_PAGES_PIXELS", 300_000)
    with pytest.raises(PhotoTooLarge, match="first 3 pages hold over 0.3 MP"):
        load_photo(path)
    monkeypatch.setattr(load, "MAX_PAGES_PIXELS", 4 * load.MAX_PIXELS)
    thumb = tmp_path / "thumb.tif"  # a page too small for a code, and a marked thumbnail
    small = Image.new("L", (200, 150), 255)
    small.encoderinfo = {"tiffinfo": {254: 1}}
    page.save(thumb, save_all=True, append_images=[Image.new("L", (40, 30), 255), small,
                                                   page])
    assert [f.label for f in load_photo(thumb).frames] == ["thumb.tif#1", "thumb.tif#4"]
    tiny = tmp_path / "tiny.tif"
    Image.new("L", (100, 60), 255).save(tiny, save_all=True, append_images=[small])
    with pytest.raises(PhotoError, match="no page of tiny.tif is large enough"):
        load_photo(tiny)


def test_a_jpeg_with_a_second_picture_is_read_as_a_jpeg(tmp_path, kit_rec):
    """Many phones and cameras store a second picture after the photo in its JPEG file (an
    HDR gain map, a preview), which Pillow opens as an MPO: it is read as the JPEG it is
    (decoded in grey by OpenCV, turned by its EXIF tag, stored without the second picture),
    not decoded in colour by Pillow at several times the cost."""
    kit, rec = kit_rec
    rgb = grid_photo(_slips(kit), size=(1600, 1000), cols=2, s=2.6, seed=4)
    photo_im = Image.fromarray(rgb).transpose(Image.Transpose.ROTATE_90)  # stored turned
    gain = Image.fromarray(rgb).convert("L").resize((400, 250))
    path = tmp_path / "IMG_0001.jpg"
    photo_im.save(path, "MPO", save_all=True, append_images=[gain], exif=_gps_exif(6),
                  quality=90)
    assert Image.open(path).format == "MPO"
    photo = load_photo(path)
    assert photo.kind == "jpeg" and photo.orientation == 6
    assert photo.frames[0].gray.shape == (1000, 1600)  # upright
    (res,) = scan_photos(kit, rec, [path])
    _assert_applied(rec, res)
    kept, ext = stored_image(photo)
    assert ext == ".jpg" and b"Exif" not in kept and b"MPF" not in kept
    back = Image.open(io.BytesIO(kept))
    assert back.format == "JPEG" and back.size == (1600, 1000)


def test_a_jpeg_too_large_for_pillow_is_read_at_half_size(tmp_path, kit_rec, monkeypatch):
    """A phone's 200 MP mode makes a JPEG that Pillow refuses to open at all (over about 179
    MP; here its limit is lowered): its size and EXIF turn are read from its header, it is
    decoded at half size as a JPEG over MAX_PIXELS is, read, and stored upright (in grey,
    from the frame read: Pillow cannot decode it)."""
    from paperkit.scan import load, pipeline

    monkeypatch.setattr(load, "MAX_PIXELS", 1_000_000)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000_000)  # refused over 2 MP
    monkeypatch.setattr(pipeline, "shared_helper", lambda: None)  # it loads with 80 MP
    kit, rec = kit_rec
    rgb = grid_photo(_slips(kit), size=(2000, 1300), cols=2, s=2.6, seed=4)
    path = tmp_path / "IMG_200MP.jpg"
    save(np.ascontiguousarray(np.rot90(rgb, 1)), path, 92, exif=_gps_exif(6))
    with pytest.raises(Image.DecompressionBombError):
        Image.open(path)
    photo = load_photo(path)
    assert photo.kind == "jpeg" and photo.orientation == 6
    assert photo.frames[0].gray.shape == (650, 1000)  # upright, at half size
    (res,) = scan_photos(kit, rec, [path])
    _assert_applied(rec, res)
    kept = (kit.path / res.stored).read_bytes()
    assert b"Exif" not in kept and Image.open(io.BytesIO(kept)).size == (1000, 650)
    Image.new("L", (2100, 2000), 200).save(tmp_path / "huge.jpg")  # over 4 × MAX_PIXELS
    with pytest.raises(PhotoTooLarge, match="2100×2000 pixels"):
        load_photo(tmp_path / "huge.jpg")
    Image.new("L", (1500, 1500), 200).save(tmp_path / "huge.png")
    with pytest.raises(PhotoTooLarge, match="too large to decode safely"):
        load_photo(tmp_path / "huge.png")


def test_a_file_over_the_byte_limit_says_what_to_do_for_its_kind(tmp_path, monkeypatch):
    """A photo over the byte limit is scaled down or retaken; a PDF or TIFF of many scanned
    sheets is split (or scanned less finely): each is told so."""
    from paperkit.scan import load

    monkeypatch.setattr(load, "MAX_BYTES", 10)
    for name, says in (("IMG_1.jpg", "scale the photo down"),
                       ("sheets.tif", "split it into files of fewer pages"),
                       ("sheets.pdf", "split it into files of fewer pages")):
        (tmp_path / name).write_bytes(b"x" * 20)
        with pytest.raises(PhotoTooLarge) as exc:
            load_photo(tmp_path / name)
        assert "more than the 0 MB" in str(exc.value) and says in exc.value.user_message()


def test_photo_without_codes_is_an_error(tmp_path, kit_rec):
    kit, rec = kit_rec
    path = tmp_path / "table.jpg"
    save(np.full((600, 800, 3), 128, np.uint8), path)
    (res,) = scan_photos(kit, rec, [path])
    assert res.errors and "no slip code" in res.errors[0]


def test_zbar_decoder(tmp_path, kit_rec):
    if not zbar_available():
        pytest.skip("libzbar0 is not installed (apt-get install libzbar0); zbar decoder untested")
    kit, rec = kit_rec
    path = tmp_path / "p.jpg"
    save(grid_photo(_slips(kit), size=(1600, 1000), cols=2, s=2.6, seed=6, jitter=25), path)
    (res,) = scan_photos(kit, rec, [path], decoder="zbar")
    _assert_applied(rec, res)


def test_zbar_missing_is_a_clear_error(monkeypatch):
    def absent():
        raise DependencyMissing("the zbar decoder needs the libzbar0 system library",
                                "install it")

    monkeypatch.setattr(decode, "_zbar_module", absent)
    with pytest.raises(DependencyMissing, match="libzbar0"):
        decode.backend("zbar")
    assert not decode.zbar_available()


def _bent_code(text: str, bend: float) -> np.ndarray:
    """A version 3 slip code drawn, then bent (rows sag, columns lean), small and soft."""
    import cv2

    from paperkit.render import qr as render_qr

    m = np.array(render_qr.matrix(text, version=3, error="Q").rows, bool)
    img = np.pad(np.kron((~m).astype(np.uint8) * 255, np.ones((8, 8), np.uint8)), 32,
                 constant_values=255)
    h, w = img.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    u = xx / w - 0.5
    mapy = yy - bend * h * (u ** 2 - 0.08) * 2
    mapx = xx + bend * w * 0.5 * (yy / h - 0.5) ** 2 * np.sign(u)
    bent = cv2.remap(img, mapx, mapy, cv2.INTER_LINEAR, borderValue=255)
    small = cv2.resize(bent, None, fx=0.45, fy=0.45, interpolation=cv2.INTER_AREA)
    return cv2.GaussianBlur(small, (0, 0), 0.8)


def test_code_on_bent_paper_is_read_on_a_fitted_grid():
    import zxingcpp

    from paperkit.scan.resample import resample

    text = "PK1:ABCD:T0042:3:ABCDEFGH"
    img = _bent_code(text, 0.2)
    plain = zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode)
    assert not [r for r in plain if r.valid], "the bend should defeat a single grid"
    got = resample(img)
    assert got is not None and got[0] == text
    corners = got[1]
    assert corners.shape == (4, 2) and corners[:, 0].min() >= 0


def test_a_code_on_bent_paper_seen_strongly_foreshortened_is_read_on_a_fitted_grid():
    """A slip far off-axis or curling away: the code's legs differ too much for the usual
    triangle test (PICK_SCORE), but its finders fit the triangle they make."""
    import cv2
    import zxingcpp

    from paperkit.scan import resample as R

    text = "PK1:ABCD:T0042:3:ABCDEFGH"
    bent = _bent_code(text, 0.1)
    img = cv2.resize(bent, (bent.shape[1], round(bent.shape[0] * 0.55)),
                     interpolation=cv2.INTER_AREA)  # seen at about 57° off-axis
    plain = zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode)
    assert not [r for r in plain if r.valid]
    finders = R._finders(R._binary(img))
    assert len(finders) == 3 and R._triangle_score(R._order(finders)) > R.PICK_SCORE
    got = R.resample(img)
    assert got is not None and got[0] == text


def test_three_finder_like_patterns_not_the_size_of_their_triangle_are_not_a_code():
    """Three finder-like squares, as big as a code's, placed as the finders of one twice
    as wide as it is tall: the triangle is not a code seen at an angle (each square would
    be wider than tall), so no grid is fitted."""
    from paperkit.scan import resample as R

    px = 6
    img = np.full((480, 720), 235, np.uint8)
    square = np.where(R.FINDER, 0, 235).astype(np.uint8)
    square = np.kron(square, np.ones((px, px), np.uint8))
    for x, y in ((40, 40), (600, 40), (40, 320)):
        img[y:y + 7 * px, x:x + 7 * px] = square
    finders = R._finders(R._binary(img))
    assert len(finders) == 3
    trio = R._order(finders)
    assert R._triangle_score(trio) > R.PICK_SCORE and R._corner_misfit(trio) > R.PICK_CORNERS
    assert R.grids(img) == ([], 3)


def test_resample_finds_nothing_on_plain_paper():
    from paperkit.scan.resample import resample

    assert resample(np.full((200, 200), 230, np.uint8)) is None


def test_a_folder_is_read_as_the_photos_in_it(tmp_path, kit_rec):
    """`paperkit scan meeting/` reads each photo file in the folder, by name, then those
    of its sub-folders (a phone's export, DCIM/100APPLE/..., was left out unsaid: red team,
    round five); other files, hidden files and folders, and a kit folder within are left
    alone. A folder with no photo is an error that says which files are read, before
    anything is scanned."""
    kit, rec = kit_rec
    folder = tmp_path / "meeting"
    (folder / "older" / "100APPLE").mkdir(parents=True)
    (folder / ".thumbs").mkdir()
    one, two = _slips(kit)
    save(grid_photo([two], size=(900, 700), cols=1, s=2.6), folder / "IMG_2.JPG")
    save(grid_photo([one], size=(900, 700), cols=1, s=2.6), folder / "IMG_1.jpg")
    (folder / "notes.txt").write_text("not a photo")
    (folder / "._IMG_1.jpg").write_bytes(b"macOS resource fork")
    save(grid_photo([one], size=(900, 700), cols=1, s=2.6, seed=3),
         folder / "older" / "100APPLE" / "IMG_0.jpg")
    save(grid_photo([one], size=(900, 700), cols=1, s=2.6, seed=4), folder / ".thumbs" / "t.jpg")
    (folder / "kitcopy").mkdir()
    (folder / "kitcopy" / "kit.toml").write_text("")
    save(grid_photo([two], size=(900, 700), cols=1, s=2.6, seed=5), folder / "kitcopy" / "s.jpg")
    res = scan_photos(kit, rec, [folder])
    assert [r.photo for r in res] == [str(folder / "IMG_1.jpg"), str(folder / "IMG_2.JPG"),
                                      str(folder / "older" / "100APPLE" / "IMG_0.jpg")]
    assert [(s.task, s.outcome, s.status) for r in res for s in r.slips] == [
        ("T0001", "applied", "done"), ("T0002", "applied", "stuck"),
        ("T0001", "unchanged", "done")]
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("x")
    with pytest.raises(PhotoError) as exc:
        scan_photos(kit, rec, [folder, empty])
    assert "the folder" in str(exc.value) and "holds no photos" in str(exc.value)
    assert "jpg" in exc.value.user_message() and "heic" in exc.value.user_message()
    assert rec.query_one("SELECT count(*) FROM scans")[0] == 3  # nothing more was scanned


def test_jfif_and_avif_files_in_a_folder_are_read_and_other_files_are_named(tmp_path,
                                                                           kit_rec):
    """Windows saves some JPEGs as .jfif, and newer phones and browsers save AVIF: a folder's
    such files are read. Pictures it does not read (a camera's RAW file, a file with no
    ending) are listed by ``left_out`` for the caller to name, not passed over unsaid; a
    note, a video and a phone's sidecar file are not pictures."""
    from PIL import features

    from paperkit.scan.load import left_out

    kit, rec = kit_rec
    folder = tmp_path / "meeting"
    folder.mkdir()
    one, two = _slips(kit)
    save(grid_photo([one], size=(900, 700), cols=1, s=2.6), folder / "IMG_1.jfif")
    names = ["IMG_1.jfif"]
    if features.check("avif"):
        Image.fromarray(grid_photo([two], size=(900, 700), cols=1, s=2.6)).save(
            folder / "IMG_2.avif", quality=90)
        names.append("IMG_2.avif")
    (folder / "IMG_3.dng").write_bytes(b"II*\x00raw sensor data")
    (folder / "IMG_4").write_bytes(b"\xff\xd8\xff a photo saved without an ending")
    (folder / "IMG_1.AAE").write_text("<plist/>")  # an iPhone's edit sidecar
    (folder / "IMG_5.MOV").write_bytes(b"video")
    (folder / "notes.txt").write_text("not a photo")
    (folder / ".hidden.gif").write_text("x")
    res = scan_photos(kit, rec, [folder])
    assert [Path(r.photo).name for r in res] == names
    assert [s.task for r in res for s in r.slips] == ["T0001", "T0002"][:len(names)]
    assert all(s.outcome == "applied" for r in res for s in r.slips)
    assert [f.name for f in left_out([folder, folder / "IMG_1.jfif"])] == [
        "IMG_3.dng", "IMG_4"]


def test_a_jpeg_over_the_pixel_limit_is_read_at_half_size(tmp_path, kit_rec, monkeypatch):
    """A phone's 108 MP mode: a JPEG over the limit (here lowered to 1 MP) is decoded at
    half its size inside the JPEG decoder, and read; a PNG over it, or a JPEG over four
    times it, is refused with its size."""
    from paperkit.scan import load, pipeline

    monkeypatch.setattr(load, "MAX_PIXELS", 1_000_000)
    monkeypatch.setattr(pipeline, "shared_helper", lambda: None)  # it loads with 80 MP
    kit, rec = kit_rec
    rgb = grid_photo(_slips(kit), size=(2000, 1300), cols=2, s=2.6, seed=4)
    big = tmp_path / "big.jpg"
    save(rgb, big, 92)
    (frame,) = load_photo(big).frames
    assert frame.gray.shape == (650, 1000)
    (res,) = scan_photos(kit, rec, [big])
    _assert_applied(rec, res)
    mpo = tmp_path / "big_mpo.jpg"  # the same with a preview after it (Pillow: an MPO)
    Image.fromarray(rgb).save(mpo, "MPO", save_all=True, append_images=[Image.new("L", (8, 8))])
    assert load_photo(mpo).frames[0].gray.shape == (650, 1000)
    Image.fromarray(rgb).save(tmp_path / "big.png")
    with pytest.raises(PhotoTooLarge, match="2000×1300 pixels"):
        load_photo(tmp_path / "big.png")
    Image.new("L", (2100, 2000), 200).save(tmp_path / "huge.jpg")
    with pytest.raises(PhotoTooLarge, match="2100×2000 pixels"):
        load_photo(tmp_path / "huge.jpg")


def test_a_photo_that_may_not_be_read_is_that_photo_s_error_only(tmp_path, kit_rec,
                                                                 monkeypatch):
    """Regression: a photo in a folder that may not be entered stopped the whole run
    ("could not read or write a file: Permission denied ... check that you may write to the
    kit folder"), the other photos not scanned; an unreadable file was a usage error."""
    import pathlib

    kit, rec = kit_rec
    good = tmp_path / "good.jpg"
    save(grid_photo(_slips(kit), size=(1600, 1000), cols=2, s=2.6), good)
    shut = tmp_path / "shut" / "x.jpg"
    real_is_dir, real_stat = pathlib.Path.is_dir, pathlib.Path.stat

    def is_dir(self, *a, **k):
        if self == shut:
            raise PermissionError(13, "Permission denied", str(self))
        return real_is_dir(self, *a, **k)

    def stat(self, *a, **k):
        if self == shut:
            raise PermissionError(13, "Permission denied", str(self))
        return real_stat(self, *a, **k)

    monkeypatch.setattr(pathlib.Path, "is_dir", is_dir)
    monkeypatch.setattr(pathlib.Path, "stat", stat)
    first, second = scan_photos(kit, rec, [good, shut], dry_run=True)
    assert first.slips and not first.errors
    assert second.errors == (f"{shut} cannot be read (permission denied) (give yourself read"
                             " access to it and the folders it is in, or copy it somewhere"
                             " you may read it)",)


def _one_slip_photo(kit, path: Path, which: int = 0, seed: int = 0, **kw) -> Path:
    """A photo of one of :func:`_slips` (T0001 done, T0002 stuck) saved at ``path``."""
    save(grid_photo([_slips(kit)[which]], size=(900, 700), cols=1, s=2.6, seed=seed), path,
         **kw)
    return path


def test_a_jpeg_with_stray_bytes_between_its_segments_is_stored(tmp_path, kit_rec):
    """Some cameras and editors leave stray bytes between a JPEG's segments (libjpeg:
    "extraneous bytes before marker"), which every decoder skips: the dry run read such a
    photo, and the real run stopped at its commit ("malformed JPEG: expected a segment
    marker"), nothing recorded and the photos after it not read (red team, the fortieth
    session). Its stored copy skips them too, and keeps its pixels."""
    kit, rec = kit_rec
    plain = _one_slip_photo(kit, tmp_path / "plain.jpg")
    raw = plain.read_bytes()
    assert raw[2:4] == b"\xff\xe0"  # APP0, then 4 zero bytes before the next segment
    after = 4 + int.from_bytes(raw[4:6], "big")
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(raw[:after] + b"\x00" * 4 + raw[after:])
    clean = strip_jpeg(junk.read_bytes())
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(clean))), np.asarray(Image.open(plain)))
    good = _one_slip_photo(kit, tmp_path / "good.jpg", which=1)
    first, second = scan_photos(kit, rec, [junk, good])
    assert [(s.task, s.outcome) for r in (first, second) for s in r.slips] == [
        ("T0001", "applied"), ("T0002", "applied")]
    assert (kit.path / first.stored).read_bytes() == clean
    assert rec.query_one("SELECT count(*) FROM scans")[0] == 2


def test_a_damaged_turned_jpeg_is_stored_as_the_frame_read(tmp_path, kit_rec):
    """A portrait photo (stored turned, EXIF orientation 6) with a few bytes damaged near
    its end (a flaky card): OpenCV decodes it, and Pillow, decoding it again to turn it for
    the stored copy, refused it. The real run stopped at its commit with "check the file
    and the disk", nothing recorded (red team, the fortieth session). Its upright grey frame
    is stored instead, as for a JPEG too large for Pillow."""
    kit, rec = kit_rec
    one = grid_photo([_slips(kit)[0]], size=(1600, 1000), cols=1, s=2.6)
    path = tmp_path / "IMG_0002.jpg"
    save(np.ascontiguousarray(np.rot90(one, 1)), path, exif=_gps_exif(6))
    raw = bytearray(path.read_bytes())
    at = len(raw) * 97 // 100  # in the image data: a marker where none may be
    raw[at:at + 4] = b"\xff\xc4\xd9\xc4"
    path.write_bytes(bytes(raw))
    with pytest.raises(OSError):
        Image.open(path).load()
    photo = load_photo(path)
    kept, ext = stored_image(photo)
    assert ext == ".jpg" and Image.open(io.BytesIO(kept)).size == (1600, 1000)  # upright
    good = _one_slip_photo(kit, tmp_path / "good.jpg", which=1)
    first, second = scan_photos(kit, rec, [path, good])
    assert [(s.task, s.outcome) for r in (first, second) for s in r.slips] == [
        ("T0001", "applied"), ("T0002", "applied")]
    assert (kit.path / first.stored).read_bytes() == kept


def _tiff_losing_a_width(first: Image.Image, second: Image.Image) -> bytes:
    """A 2-page TIFF whose 2nd page lost its ImageWidth tag (its tag number overwritten)."""
    buf = io.BytesIO()
    first.save(buf, "TIFF", save_all=True, append_images=[second])
    d = bytearray(buf.getvalue())
    ifd0 = struct.unpack("<I", d[4:8])[0]
    n0 = struct.unpack("<H", d[ifd0:ifd0 + 2])[0]
    ifd1 = struct.unpack("<I", d[ifd0 + 2 + 12 * n0:ifd0 + 6 + 12 * n0])[0]
    for k in range(struct.unpack("<H", d[ifd1:ifd1 + 2])[0]):
        at = ifd1 + 2 + 12 * k
        if struct.unpack("<H", d[at:at + 2])[0] == 256:
            d[at:at + 2] = struct.pack("<H", 0x8000 + 256)
    return bytes(d)


def _pdf_missing_page_two(jpeg: bytes, w: int, h: int) -> bytes:
    """A 2-page PDF (a scanner app's: page 1 one JPEG) whose 2nd page object is missing."""
    content = b"q %d 0 0 %d 0 0 cm /Im0 Do Q" % (w, h)
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R 7 0 R] /Count 2 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /XObject"
            b" << /Im0 5 0 R >> >> /Contents 4 0 R >>" % (w, h),
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB"
            b" /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n"
            % (w, h, len(jpeg)) + jpeg + b"\nendstream"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1,
                                                                              xref)
    return bytes(out)


def test_a_damaged_avif_tiff_page_or_pdf_page_is_its_photo_s_error(tmp_path, kit_rec):
    """A damaged AVIF (RuntimeError: "Failed to decode frame 0"), a multi-page TIFF whose
    2nd page lost its width (TypeError: "Missing dimensions") and a PDF whose 2nd page
    object is missing (PdfiumError: "Failed to load page."): each stopped the whole run with
    a traceback (red team, the fortieth session). Each is now its photo's error, naming the
    page that cannot be read, and the photo after them is read."""
    from PIL import features

    kit, rec = kit_rec
    one = Image.fromarray(grid_photo([_slips(kit)[0]], size=(900, 700), cols=1, s=2.6))
    tif = tmp_path / "sheets.tif"
    tif.write_bytes(_tiff_losing_a_width(one, one.convert("L")))
    pdf = tmp_path / "scans.pdf"
    buf = io.BytesIO()
    one.save(buf, "JPEG", quality=90)
    pdf.write_bytes(_pdf_missing_page_two(buf.getvalue(), 900, 700))
    bad = [tif, pdf]
    if features.check("avif"):
        buf = io.BytesIO()
        one.save(buf, "AVIF", quality=80)
        raw = bytearray(buf.getvalue())
        at = raw.find(b"mdat") + 8  # its AV1 data's first bytes lost
        raw[at:at + 16] = bytes(16)
        (tmp_path / "IMG_1.avif").write_bytes(bytes(raw))
        bad.append(tmp_path / "IMG_1.avif")
    good = _one_slip_photo(kit, tmp_path / "good.jpg", which=1)
    *failed, read = scan_photos(kit, rec, [*bad, good])
    assert [r.errors for r in failed[:2]] == [
        (f"page 2 of {name} cannot be read: the file seems damaged, and none of its pages"
         " was read (save or export the file again from the scanner or app, or copy it"
         " again, and scan the new file)",) for name in ("sheets.tif", "scans.pdf")]
    assert [r.errors for r in failed[2:]] == [
        ("IMG_1.avif cannot be read: the file seems cut short or damaged (copy the photo"
         " again from the phone or camera)",)] * (len(failed) - 2)
    assert [(s.task, s.outcome) for s in read.slips] == [("T0002", "applied")]


def test_a_heic_or_avif_cut_short_says_so(tmp_path, kit_rec):
    """An AVIF cut short was called a kind of file paperkit does not read ("use a JPEG,
    PNG, HEIC ..."), and a HEIC's message was libheif's own, with a literal line break
    ("Extent in iloc box references data outside of file bounds ...\\n"): each now says the
    file seems cut short or damaged, and to copy it again (red team, the fortieth
    session)."""
    from PIL import features

    pillow_heif = pytest.importorskip("pillow_heif")
    kit, rec = kit_rec
    rgb = grid_photo([_slips(kit)[0]], size=(900, 700), cols=1, s=2.6)
    heif = pillow_heif.from_bytes(mode="RGB", size=(900, 700), data=rgb.tobytes())
    buf = io.BytesIO()
    heif.save(buf, quality=85, enc_params={"preset": "ultrafast"})
    files = {"cut.heic": buf.getvalue()}
    if features.check("avif"):
        buf = io.BytesIO()
        Image.fromarray(rgb).save(buf, "AVIF", quality=80)
        files["cut.avif"] = buf.getvalue()
    for name, whole in files.items():
        for keep in (len(whole) // 2, len(whole) - 20):
            (tmp_path / name).write_bytes(whole[:keep])
            (res,) = scan_photos(kit, rec, [tmp_path / name], dry_run=True)
            assert res.errors == (f"{name} cannot be read: the file seems cut short or "
                                  "damaged (copy the photo again from the phone or camera)",)


@pytest.mark.parametrize("name", ["two.heic", "two.avif"])
def test_every_picture_of_a_heic_or_avif_of_several_is_read(tmp_path, kit_rec, name):
    """A HEIC holding two pictures, or an AVIF sequence: only the first (or the primary)
    was read, and the slips of the other left out unsaid (red team, the fortieth session).
    Each is read as a page, as a multi-page TIFF's are."""
    from PIL import features

    pillow_heif = pytest.importorskip("pillow_heif")
    if name.endswith(".avif") and not features.check("avif"):
        pytest.skip("this Pillow reads no AVIF")
    pillow_heif.register_heif_opener()
    kit, rec = kit_rec
    one, two = (Image.fromarray(grid_photo([slip], size=(900, 700), cols=1, s=2.6, seed=i))
                for i, slip in enumerate(_slips(kit)))
    path = tmp_path / name
    one.save(path, save_all=True, append_images=[two], quality=85)
    assert Image.open(path).n_frames == 2
    (res,) = scan_photos(kit, rec, [path])
    _assert_applied(rec, res)
    assert sorted((s.task, s.frame) for s in res.slips) == [
        ("T0001", f"{name}#1"), ("T0002", f"{name}#2")]


def test_a_photo_whose_name_is_not_utf8_is_scanned(tmp_path, kit_rec):
    """A file name in Latin-1 bytes (an old camera card, a Windows zip, an SMB share) could
    not be written to the record ("set a UTF-8 locale"): the run stopped there, and the
    photos after it were never read (red team, the fortieth session). The photo is read by
    its own path, and named with its bytes that are not UTF-8 as escapes."""
    import json

    kit, rec = kit_rec
    folder = tmp_path / "card"
    folder.mkdir()
    _one_slip_photo(kit, Path(os.fsdecode(os.fsencode(folder) + b"/ph\xf6to.jpg")))
    _one_slip_photo(kit, folder / "z.jpg", which=1)
    dry, _ = scan_photos(kit, rec, [folder], dry_run=True)
    json.dumps(dry.as_json(), ensure_ascii=False).encode("utf-8")  # as --json prints it
    first, second = scan_photos(kit, rec, [folder])
    assert first.photo == f"{folder}/ph\\xf6to.jpg"
    assert [(s.task, s.outcome) for r in (first, second) for s in r.slips] == [
        ("T0001", "applied"), ("T0002", "applied")]
    kept = {row["photo"] for row in rec.query("SELECT result FROM scans")
            for row in [json.loads(row["result"])]}
    assert kept == {"ph\\xf6to.jpg", "z.jpg"}


def test_a_broken_link_in_a_folder_is_named_not_passed_over(tmp_path, kit_rec):
    """A link in a scanned folder to a file that is gone was passed over unsaid (red team,
    the fortieth session): it is listed with its error, as an unreadable photo is."""
    kit, rec = kit_rec
    folder = tmp_path / "meeting"
    folder.mkdir()
    _one_slip_photo(kit, folder / "a.jpg")
    (folder / "b.jpg").symlink_to(tmp_path / "moved.jpg")
    first, second = scan_photos(kit, rec, [folder], dry_run=True)
    assert first.slips and not first.errors
    assert second.errors == (f"{folder / 'b.jpg'} is a link to a file that does not exist"
                             f" ({tmp_path / 'moved.jpg'}) (copy the photo itself there, or"
                             " scan the file the link should lead to)",)


def test_a_large_photo_saved_as_a_pdf_at_72_dpi_is_read_at_its_own_size(tmp_path, kit_rec,
                                                                        monkeypatch):
    """ImageMagick and img2pdf put a photo on a page of its size at 72 dpi: a phone's 48 MP
    photo is a page of 112 × 84 inches, which at 100 dpi is 94 MP, and was refused as such
    (red team, the fortieth session). The page is one picture: it may be rendered down to
    the picture's own resolution, no pixel of it lost, to 72 dpi at the least (here
    MAX_PIXELS is lowered to 4 MP, the photo 2.6 MP). A page too large even so is refused
    in inches."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    from paperkit.scan import load, pipeline

    monkeypatch.setattr(load, "MAX_PIXELS", 4_000_000)
    monkeypatch.setattr(pipeline, "shared_helper", lambda: None)  # it loads with 80 MP
    kit, rec = kit_rec
    rgb = grid_photo(_slips(kit), size=(2000, 1300), cols=2, s=2.6, seed=4)
    path = tmp_path / "IMG_0001.pdf"
    Image.fromarray(rgb).save(path, "PDF", resolution=72)  # 27.8 × 18.1 in
    (frame,) = load_photo(path).frames
    assert 2000 * 1300 < frame.gray.size <= 4_000_000  # about 89 dpi: every pixel of it
    (res,) = scan_photos(kit, rec, [path])
    _assert_applied(rec, res)
    poster = tmp_path / "poster.pdf"  # a 25 × 25 in page, a photo in one corner of it
    c = canvas.Canvas(str(poster), pagesize=(25 * 72, 25 * 72))
    c.drawImage(ImageReader(Image.fromarray(rgb)), 72, 72, 10 * 72, 6.5 * 72)
    c.save()
    with pytest.raises(PhotoTooLarge) as exc:
        load_photo(poster)
    assert str(exc.value) == ("page 1 of poster.pdf is 25×25 inches, 2500×2500 pixels (6 MP)"
                              " at 100 dots per inch (the fewest paperkit renders it at),"
                              " more than the 4 MP paperkit will decode")
