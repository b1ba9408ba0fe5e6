"""Light coloured ink in a box: a highlighter or a yellow gel pen, which grey does not see.

The boxes are read in grey, where a yellow highlighter lies some 18 levels below the paper:
a red-team photo had a slip ticked done in pen and highlighted taken applied done (a wrong
status), and slips marked with a highlighter alone left unchanged (marks lost unsaid). Such
a slip now goes to review; pen, pencil and marker read as before."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image
from scan_images import Mark, save, slips_in_a_row

from paperkit.layout import slip as S
from paperkit.record.tasks import get_task
from paperkit.scan import scan_photos
from paperkit.scan.colour import Colour, fits, of_jpeg
from paperkit.scan.load import load_photo

PX = 4.0
YELLOW = (255, 240, 70)  # a highlighter: it multiplies the paper's colour


def _highlight(img: Image.Image, box: str, colour=YELLOW) -> Image.Image:
    """A highlighter's stroke across ``box`` and its label (a multiply blend)."""
    arr = np.asarray(img).astype(np.float32)
    r = S.BOXES[box]
    y0, y1 = round((r.y0 - 1) * PX), round((r.y1 + 1) * PX)
    x0, x1 = round((r.x0 - 2) * PX), round((r.x1 + 30) * PX)
    arr[y0:y1, x0:x1] *= np.float32(colour) / 255
    return Image.fromarray(arr.astype(np.uint8))


def _scan(tmp_path, slips, name: str = "p.jpg"):
    """``slips``: (task, marks, highlighted boxes); one photo of them, scanned (saved as
    ``name``: a JPEG, or a PDF or a TIFF of it as a flatbed would write)."""

    def draw(img, lit):
        for box in lit:
            img = _highlight(img, box)
        return img

    kit, rec, page = slips_in_a_row(tmp_path, slips, draw, turn=6.0)
    path = tmp_path / name
    if name.endswith(".jpg"):
        save(page, path, 88)
    else:  # a flatbed's colour scan: a PDF page, or the first of two TIFF pages
        blank = Image.new("RGB", (page.shape[1], page.shape[0]), (250, 250, 250))
        Image.fromarray(page).save(path, save_all=True, append_images=[blank],
                                   resolution=200.0)
    (res,) = scan_photos(kit, rec, [path])
    return rec, {s.task: s for s in res.slips}


def test_a_pen_tick_beside_a_highlighted_box_is_not_applied(tmp_path):
    rec, read = _scan(tmp_path, [("T0001", (Mark("done"),), ("taken",)),
                                 ("T0002", (Mark("done", ink="blue"),), ())])
    held = read["T0001"]
    assert held.outcome == "review", (held.outcome, held.reason)
    assert "the taken box holds a light coloured mark" in held.reason
    assert get_task(rec, "T0001").status == "open"
    assert (read["T0002"].outcome, read["T0002"].status) == ("applied", "done")  # blue pen


def test_the_review_picture_of_a_slip_held_for_colour_is_in_colour(tmp_path):
    """Held for a highlighter's mark, which is faint in grey, the slip's picture for review
    shows it in its colour."""
    rec, read = _scan(tmp_path, [("T0001", (), ("done",))])
    picture = cv2.imread(str(tmp_path / "kit" / read["T0001"].crops["slip"]))
    assert picture is not None and picture.ndim == 3
    r = S.BOXES["done"]
    k = picture.shape[1] / (S.SLIP_W + 8)  # the picture holds the slip and 4 units around
    y, x = round((r.y0 + 4 + 7) * k), round((r.x0 + 4 + 7) * k)
    b, g, red = (int(v) for v in picture[y, x])
    assert red > b + 40 and g > b + 40  # yellow: the highlighter
    plain = picture[round(40 * k), round(120 * k)]  # paper between the title and the boxes
    assert int(plain.max()) - int(plain.min()) < 25


@pytest.mark.parametrize("name", ["scan.pdf", "scan.tif"])
def test_a_flatbeds_colour_scan_is_looked_at_in_colour_too(tmp_path, name):
    """Regression: a PDF's and a multi-page TIFF's pages were read in grey alone, so a tick
    beside a highlighted box was applied again (a red team's flatbed scans)."""
    rec, read = _scan(tmp_path, [("T0001", (Mark("done"),), ("taken",)),
                                 ("T0002", (Mark("stuck"),), ())], name)
    assert read["T0001"].outcome == "review" and "taken box holds" in read["T0001"].reason
    assert (read["T0002"].outcome, read["T0002"].status) == ("applied", "stuck")


def test_the_colour_of_a_frame_read_smaller_than_its_file_still_fits():
    """A huge JPEG's frame is read at half size; its colour, a quarter of the file, is
    then half of the frame (it was dropped as not fitting: a red team's 108 MP photo)."""
    colour = Colour(np.zeros((750, 1000, 3), np.uint8), 4)
    assert fits(colour, (1500, 2000)).factor == 2
    assert fits(colour, (3000, 4000)).factor == 4
    assert fits(colour, (3001, 4003)).factor == 4
    assert fits(colour, (1500, 2600)) is None


def test_a_box_marked_with_a_highlighter_alone_goes_to_review(tmp_path):
    rec, read = _scan(tmp_path, [("T0001", (), ("stuck",)), ("T0002", (), ())])
    assert read["T0001"].outcome == "review" and "stuck box" in read["T0001"].reason
    assert (read["T0002"].outcome, read["T0002"].status) == ("unchanged", None)


def _rgb_jpeg(orientation: int) -> bytes:
    rng = np.random.default_rng(orientation)
    rgb = cv2.GaussianBlur(rng.integers(0, 255, (300, 400, 3), np.uint8), (0, 0), 3)
    rgb = cv2.resize(rgb, (4000, 3000), interpolation=cv2.INTER_CUBIC)
    exif = Image.Exif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=85, exif=exif.tobytes())
    return buf.getvalue()


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_a_jpegs_colour_lies_as_its_frame_does(tmp_path, orientation):
    """The colour, decoded apart at a quarter of the size, is turned by the EXIF tag as the
    grey frame is: its Y is the frame made smaller."""
    raw = _rgb_jpeg(orientation)
    path = tmp_path / "p.jpg"
    path.write_bytes(raw)
    frame = load_photo(path, raw).frames[0].gray
    colour = fits(of_jpeg(raw), frame.shape)
    assert colour is not None and colour.factor == 4
    small = cv2.resize(frame, colour.ycc.shape[1::-1], interpolation=cv2.INTER_AREA)
    assert np.abs(colour.ycc[..., 0].astype(int) - small).mean() < 3
