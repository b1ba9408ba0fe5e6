"""A box shaded over with a light grey or pastel highlighter, which the ink levels do not see.

Such a box is darkened evenly by 8-25 % of the paper's light: the ink levels (each pixel
against the paper right around it) read it blank, and the colour check does not see a grey
or a pastel one. A red team's slips ticked done and shaded over taken were applied done
(a wrong status), and boxes shaded over alone were left unchanged (marks lost unsaid). Such
a slip now goes to review; a shadow's edge along the box row, which shades every box alike,
does not send it there."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image
from scan_images import (
    Mark,
    compose,
    hard_shadow,
    render_slip,
    save,
    slip_quad,
    slips_in_a_row,
)

from paperkit import codes
from paperkit.layout import slip as S
from paperkit.record.tasks import get_task
from paperkit.scan import scan_photos
from paperkit.scan.decide import shaded_over
from paperkit.scan.decode import find_codes
from paperkit.scan.pipeline import frame_from_array, measure

PX = 4.0
GREY = (205, 205, 208)  # a light grey highlighter: 80 % of the paper's light
FELT = (190, 190, 195)  # a grey felt tip
PINK = (255, 212, 225)  # a pastel pink highlighter, too grey for the colour check


def _shade(img: Image.Image, box: str, colour, swipe: bool | str) -> Image.Image:
    """A highlighter's mark on ``box`` (a multiply blend): a swipe along the row over the
    box and its label ("wide": a broad felt, 3 units past the box above and below), or a
    fill inside the box."""
    arr = np.asarray(img).astype(np.float32)
    r = S.BOXES[box]
    if swipe == "wide":
        y0, y1 = round((r.y0 - 3) * PX), round((r.y1 + 3) * PX)
        x0, x1 = round((r.x0 - 3) * PX), round((r.x1 + 28) * PX)
    elif swipe:
        y0, y1 = round((r.y0 + 1) * PX), round((r.y1 - 1) * PX)
        x0, x1 = round((r.x0 - 3) * PX), round((r.x1 + 28) * PX)
    else:
        y0, y1 = round((r.y0 + 1.5) * PX), round((r.y1 - 1.5) * PX)
        x0, x1 = round((r.x0 + 1.5) * PX), round((r.x1 - 1.5) * PX)
    arr[y0:y1, x0:x1] *= np.float32(colour) / 255
    return Image.fromarray(arr.astype(np.uint8))


def _scan(tmp_path, slips):
    """``slips``: (task, marks, shaded boxes as (box, colour, swipe)); one photo of them
    side by side, scanned."""

    def draw(img, over):
        for box, colour, swipe in over:
            img = _shade(img, box, colour, swipe)
        return img

    kit, rec, page = slips_in_a_row(tmp_path, slips, draw)
    path = tmp_path / "p.jpg"
    save(page, path, 88)
    (res,) = scan_photos(kit, rec, [path])
    return rec, {s.task: s for s in res.slips}


def test_a_tick_beside_a_box_shaded_over_is_not_applied(tmp_path):
    rec, read = _scan(tmp_path, [("T0001", (Mark("done"),), [("taken", GREY, True)]),
                                 ("T0002", (Mark("stuck", ink="blue"),), [("done", GREY, False)]),
                                 ("T0003", (Mark("taken"),), [("dropped", PINK, True)]),
                                 ("T0004", (Mark("done", ink="blue"),), [])])
    for task in ("T0001", "T0002", "T0003"):
        held = read[task]
        assert held.outcome == "review", (task, held.outcome, held.reason)
        assert get_task(rec, task).status == "open"
    assert "the taken box is shaded over" in read["T0001"].reason
    assert "the done box is shaded over" in read["T0002"].reason
    assert (read["T0004"].outcome, read["T0004"].status) == ("applied", "done")


def test_a_pastel_swipe_wider_than_its_box_is_seen_by_its_colour(tmp_path):
    """A broad pastel swipe tints the paper just above and below the box as well, so the
    box is no darker than the paper its tint is read against: its colour tells it."""
    rec, read = _scan(tmp_path, [("T0001", (Mark("done"),), [("taken", PINK, "wide")]),
                                 ("T0002", (Mark("stuck"),), [])])
    assert read["T0001"].outcome == "review", read["T0001"].reason
    assert "the taken box is shaded over" in read["T0001"].reason
    assert get_task(rec, "T0001").status == "open"
    assert (read["T0002"].outcome, read["T0002"].status) == ("applied", "stuck")


def test_a_box_shaded_over_alone_goes_to_review(tmp_path):
    """A highlighter alone is a mark the scan cannot read: not a blank slip."""
    rec, read = _scan(tmp_path, [("T0001", (), [("stuck", FELT, True)]),
                                 ("T0002", (), [("taken", GREY, False)]),
                                 ("T0003", (), [])])
    for task, box in (("T0001", "stuck"), ("T0002", "taken")):
        assert read[task].outcome == "review", (task, read[task].reason)
        assert f"the {box} box is shaded over" in read[task].reason
    assert (read["T0003"].outcome, read["T0003"].status) == ("unchanged", None)


@pytest.mark.parametrize("at", [-3.0, -2.0, -1.0, 0.5, 1.5, 2.5])
@pytest.mark.parametrize("side", ["top", "bottom"])
@pytest.mark.parametrize("marks", [(), (Mark("done"),)])
def test_a_shadows_edge_along_the_box_row_shades_no_box(at, side, marks):
    """A hard shadow whose edge runs along the row just above or below the boxes (or along
    their outlines) darkens them and the paper on one side alike: every box the same, so none
    stands out as shaded over."""
    kit_key, kit_id = b"k" * 32, "ABCD"
    img = render_slip(codes.build(kit_key, kit_id, "T0001", 1).text, marks, s=PX)
    quad = slip_quad(1000, 700, 1400, 0)
    page = cv2.cvtColor(compose([(img, quad)], (2000, 1400)), cv2.COLOR_RGB2GRAY)
    (found,) = find_codes(page, "zxing").found
    pose, _ = measure(frame_from_array(page), found)
    y = S.BOX_Y + at if side == "top" else S.BOX_Y + S.BOX_SIZE - at
    edge = pose.to_frame([(S.SLIP_W / 2, y)])[0]
    shadowed = hard_shadow(page, tuple(edge), 90 if side == "top" else 270, 0.6)
    _, reads = measure(frame_from_array(shadowed), found)
    assert shaded_over(reads, "done" if marks else None) == [], {n: b.tint for n, b in reads.items()}
