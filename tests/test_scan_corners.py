"""A slip whose corner mark does not show has something over it, or lies past the photo's
edge: a mark read on it is held for review (paperkit.scan.corners)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import ImageDraw
from scan_images import Mark, compose, render_slip, save, slip_at

from paperkit import codes
from paperkit.kit import init_kit
from paperkit.layout import slip as S
from paperkit.record.db import Source
from paperkit.record.tasks import get_task
from paperkit.scan import scan_photos
from paperkit.scan.corners import hidden_corners
from paperkit.scan.decode import find_codes
from paperkit.scan.geometry import locate

PX = 4.0  # photo px a slip unit
AT = (450.0, 150.0)  # the lower slip's top-left corner in the photo


def _kit(tmp_path):
    kit = init_kit(tmp_path / "kit")
    rec = kit.open_record()
    with rec.write(Source("cli", "test")) as w:
        for task in ("T0001", "T0002"):
            w.insert("tasks", {"id": task, "title": task, "status": "open"})
    return kit, rec


def _over(upper_at: tuple[float, float]) -> np.ndarray:
    """Photo points (tl, tr, br, bl) of a slip turned upside down whose own top-left corner
    lies at ``upper_at`` (the lower slip's units): its corners run back from there."""
    x, y = upper_at
    pts = [(x, y), (x - S.SLIP_W, y), (x - S.SLIP_W, y - S.SLIP_H), (x, y - S.SLIP_H)]
    return np.float32([(AT[0] + u * PX, AT[1] + v * PX) for u, v in pts])


def _scene(kit, upper: bool, size=(1600, 1200)) -> np.ndarray:
    """T0001's slip, blank and upright, and (``upper``) T0002's slip marked stuck lying
    over it upside down, its code under a sticky note, its stuck box right on T0001's taken
    box (a red team's photo, round two: T0001 was applied taken)."""
    lower = render_slip(codes.build(kit.key, kit.id, "T0001", 1).text, s=PX)
    items = [(lower, slip_at(*AT, PX))]
    if upper:
        top = render_slip(codes.build(kit.key, kit.id, "T0002", 1).text, (Mark("stuck"),),
                          s=PX)
        q = S.QR.inset(-6.0)
        ImageDraw.Draw(top).rectangle([q.x0 * PX, q.y0 * PX, q.x1 * PX, q.y1 * PX],
                                      fill=(250, 232, 120))
        taken, stuck = S.BOXES["taken"], S.BOXES["stuck"]
        # turned about, the upper slip's point (u, v) lies at (X - u, Y - v)
        X, Y = taken.x0 + stuck.x1, taken.y0 + stuck.y1
        items.append((top, _over((X, Y))))
    return compose(items, size)


def test_a_slip_lying_over_another_upside_down_with_its_mark_on_its_box_is_held(tmp_path):
    kit, rec = _kit(tmp_path)
    path = tmp_path / "over.jpg"
    save(_scene(kit, upper=True), path)
    (res,) = scan_photos(kit, rec, [path])
    (slip,) = res.slips  # the upper slip's code is hidden
    assert slip.task == "T0001" and slip.read["taken"] > 0.5  # the premise: its mark is read
    assert slip.outcome == "review"
    assert "bottom-left corner (its printed mark) does not show" in slip.reason
    assert get_task(rec, "T0001").status == "open"


def test_a_slip_alone_shows_its_corners_and_is_read_as_before(tmp_path):
    kit, rec = _kit(tmp_path)
    arr = _scene(kit, upper=False)
    gray = cv2.cvtColor(arr, cv2.COLOR_RGB2GRAY)
    (found,) = find_codes(gray).found
    assert hidden_corners(gray, locate(gray, found.corners)) == []
    path = tmp_path / "alone.jpg"
    save(arr, path)
    (res,) = scan_photos(kit, rec, [path])
    assert [(s.task, s.outcome, s.reason) for s in res.slips] == [
        ("T0001", "unchanged", "no box marked")]


@pytest.mark.parametrize("side", ["left", "bottom"])
def test_a_slip_cut_by_the_photo_s_edge_through_its_corner_marks_is_held(tmp_path, side):
    """The photo's edge through the slip's margin, its boxes whole: what lay past the edge
    (the rest of a slip over it) is not known, so its one clear mark is held."""
    kit, rec = _kit(tmp_path)
    img = render_slip(codes.build(kit.key, kit.id, "T0001", 1).text, (Mark("done"),), s=PX)
    arr = compose([(img, slip_at(*AT, PX))], (1600, 1200))
    if side == "left":
        arr = arr[:, int(AT[0] + 5 * PX):]  # through the left corner marks
        said = "top-left and bottom-left corners"
    else:
        arr = arr[:int(AT[1] + (S.SLIP_H - 5) * PX)]  # through the bottom ones
        said = "bottom-left and bottom-right corners"
    path = tmp_path / "cut.jpg"
    save(np.ascontiguousarray(arr), path)
    (res,) = scan_photos(kit, rec, [path])
    (slip,) = res.slips
    assert (slip.outcome, slip.status) == ("review", "done")
    assert said in slip.reason and "photo's edge" in slip.reason
    assert get_task(rec, "T0001").status == "open"


def test_a_blank_slip_with_a_corner_hidden_stays_unchanged_and_says_so(tmp_path):
    """Nothing is applied either way; the reason says a mark under what covers the slip
    could not be seen."""
    kit, rec = _kit(tmp_path)
    img = render_slip(codes.build(kit.key, kit.id, "T0001", 1).text, s=PX)
    arr = compose([(img, slip_at(*AT, PX))], (1600, 1200))
    x0, y0 = int(AT[0] - 20), int(AT[1] + (S.SLIP_H - 40) * PX)
    arr[y0:, x0:x0 + int(60 * PX)] = 235  # a sheet of paper over the bottom-left corner
    path = tmp_path / "blank.jpg"
    save(arr, path)
    (res,) = scan_photos(kit, rec, [path])
    (slip,) = res.slips
    assert slip.outcome == "unchanged" and slip.status is None
    assert slip.reason.startswith("no box marked, but the slip's bottom-left corner")
