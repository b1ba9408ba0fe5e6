"""The slip's pose (paperkit/scan/geometry.py): the homography fit, the outline search, and
the check boxes found on strongly curled paper, where the box furthest from the code lies
far from where the pose puts it, turned and wider or narrower (issue 4: such clear slips
went to review)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw
from scan_images import Mark, compose, render_slip, slip_quad

from paperkit.layout import slip as S
from paperkit.scan import geometry as G
from paperkit.scan.decide import read_status
from paperkit.scan.decode import find_codes
from paperkit.scan.pipeline import frame_from_array, measure

CODE = "PK1:ABCD:T0001:1:AAAAAAAA"
PX = 4.0  # slip image pixels per slip unit
QUAD = slip_quad(320, 240, 420.0, 7.0)  # about 1.5 photo px per slip unit


def _bend(img: np.ndarray, shift_x: float, shift_y: float, x0: float = 150.0) -> np.ndarray:
    """Everything left of ``x0`` (slip units) moved by up to ``shift_x``, ``shift_y`` units,
    growing with the cube of the distance: paper curled towards the camera at its far end
    (``shift_x`` < 0 also widens what is there)."""
    h, w = img.shape[:2]
    f = np.clip((x0 - np.arange(w, dtype=np.float32) / PX) / x0, 0, None) ** 3
    map_x = np.tile(np.arange(w, dtype=np.float32) - shift_x * f * PX, (h, 1))
    map_y = np.arange(h, dtype=np.float32)[:, None] - shift_y * f[None, :] * PX
    return cv2.remap(img, map_x, map_y, cv2.INTER_LINEAR, borderValue=(255, 255, 255))


def _bent_point(u: float, v: float, shift_x: float, shift_y: float, x0: float = 150.0
                ) -> tuple[float, float]:
    """Where :func:`_bend` moves the slip point (u, v) (slip units)."""
    x = u
    for _ in range(50):  # solve x - shift_x f(x) = u
        x = u + shift_x * max(0.0, (x0 - x) / x0) ** 3
    return x, v + shift_y * max(0.0, (x0 - x) / x0) ** 3


def _photo(marks=(), shift=(0.0, 0.0), erase: str | None = None) -> np.ndarray:
    img = render_slip(CODE, tuple(marks), PX)
    if erase:  # the box's printed outline painted over (its label stays)
        r = S.BOXES[erase]
        ImageDraw.Draw(img).rectangle([(r.x0 - 1) * PX, (r.y0 - 1) * PX, (r.x1 + 1) * PX,
                                       (r.y1 + 1) * PX], fill=(255, 255, 255))
    arr = np.asarray(img)
    if shift != (0.0, 0.0):
        arr = _bend(arr, *shift)
    rgb = compose([(Image.fromarray(arr), QUAD)], (640, 480), 0, blur=0.8, noise=3.0)
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def _to_photo(u: float, v: float) -> np.ndarray:
    """Photo px of the slip image point (u, v) in slip units (as compose placed it)."""
    w, h = S.SLIP_W * PX, S.SLIP_H * PX
    m = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), QUAD)
    return cv2.perspectiveTransform(np.float32([[[u * PX, v * PX]]]), m)[0, 0]


def _measure(gray: np.ndarray):
    (found,) = find_codes(gray, "zxing").found
    return measure(frame_from_array(gray), found)


def test_flat_slip_pose_puts_every_box_and_mark_in_place():
    gray = _photo([Mark("done", "tick", "black", 1.0)])
    pose, reads = _measure(gray)
    assert set(pose.boxes) == set(S.BOXES)
    assert pose.marks == 3
    for name, (dx, dy) in pose.boxes.items():
        assert abs(dx) < 0.7 and abs(dy) < 0.7, name
        r = S.BOXES[name]
        seen = pose.to_frame([((r.x0 + r.x1) / 2 + dx, (r.y0 + r.y1) / 2 + dy)])[0]
        assert np.hypot(*(seen - _to_photo((r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2))) < pose.ppu
    assert read_status(reads) == ("done", None)


def test_far_box_on_curled_widened_paper_is_found_where_it_is():
    """The far ``taken`` box moved about 7 units out and 10 up, and widened: it used to be
    looked for only near where the row's bend put it, and was not found."""
    shift = (-10.0, -14.0)
    gray = _photo([Mark("taken", "tick", "blue", 1.0)], shift)
    pose, reads = _measure(gray)
    assert set(pose.boxes) == set(S.BOXES)
    r = S.BOXES["taken"]
    c = ((r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2)
    dx, dy = pose.boxes["taken"]
    seen = pose.to_frame([(c[0] + dx, c[1] + dy)])[0]
    truth = _to_photo(*_bent_point(*c, *shift))
    assert np.hypot(*(seen - truth)) < 1.0 * pose.ppu  # within a slip unit
    assert pose.squeezes.get("taken", 1.0) > 1.0  # found wider than printed
    assert read_status(reads) == ("taken", None)


def test_far_box_missing_is_not_placed_on_its_label_or_the_note():
    """With the far box's outline gone, nothing else near it (its label, the note box's
    corner) is taken for it: it stays unfound and the slip goes to review."""
    gray = _photo([Mark("done", "tick", "black", 1.0)], (-10.0, -14.0), erase="taken")
    pose, reads = _measure(gray)
    assert "taken" not in pose.boxes
    assert {"done", "stuck", "dropped"} <= set(pose.boxes)
    status, unclear = read_status(reads)
    assert status is None and "taken" in unclear


def test_least_squares_recovers_a_homography():
    rng = np.random.default_rng(1)
    H = np.array([[2.1, 0.3, 40.0], [-0.2, 1.8, 25.0], [4e-4, -3e-4, 1.0]])
    src = rng.uniform(0, 270, (9, 2))
    dst = cv2.perspectiveTransform(src[None], H)[0]
    fit = G._least_squares([tuple(p) for p in src], [tuple(p) for p in dst])
    assert np.allclose(fit, H, rtol=1e-6, atol=1e-8)
    assert G._least_squares([(0, 0), (1, 1), (2, 2), (3, 3), (4, 4)],
                            [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4)]) is None  # on a line


def test_outline_peak_from_grey_equals_outline_scores():
    """``_match_peak`` sums the grey image (integers) where ``outline_scores`` sums the
    darkness: the same place and the same score."""
    gray = _photo()
    (found,) = find_codes(gray, "zxing").found
    pose = G.locate(gray, found.corners)
    box = S.BOXES["stuck"]
    (dx, dy), peak = G._match_peak(gray, pose.H, box, (0.0, 0.0), 6.0, 0.0, 1.0)
    img = G.warp(gray, pose.H, box.inset(-8.0), G._BOX_K)
    scores, m = G.outline_scores(255.0 - img.astype(np.float32), G._BOX_K)
    _, top, _, (px, py) = cv2.minMaxLoc(scores)
    assert abs(top - peak) < 1e-12
    assert (dx, dy) == (box.x0 - 8.0 + (px + m) / G._BOX_K - box.x0,
                        box.y0 - 8.0 + (py + m) / G._BOX_K - box.y0)


def test_levels_are_the_histogram_fractions():
    img = np.repeat(np.arange(256, dtype=np.uint8), 4).reshape(32, 32)
    assert G.levels(img, (0.0, 0.25, 0.5, 1.0)) == [0.0, 63.0, 127.0, 255.0]


def test_inside_slips_covers_the_slip_of_a_read_code_and_nothing_beside_it():
    from paperkit.scan.geometry import inside_slips

    qr = np.float32(S.qr_corners())
    turn = np.float32([[0, -1], [1, 0]])  # a quarter turn, 3 px per unit, moved
    corners = qr @ turn.T * 3 + np.float32([900, 100])
    to_frame = lambda x, y: np.float32([x, y]) @ turn.T * 3 + np.float32([900, 100])  # noqa: E731
    points = [to_frame(S.SLIP_W / 2, S.SLIP_H / 2), to_frame(20, 30),  # on the slip
              to_frame(S.SLIP_W + 40, 90), to_frame(-60, 90), to_frame(135, S.SLIP_H + 50)]
    assert inside_slips([corners], np.array(points)).tolist() == [True, True, False, False,
                                                                  False]
    assert not inside_slips([], np.array(points)).any()


def _placed(x: float, y: float, px: float = 3.0, turn: float = 0.0):
    """(homography, no box offsets, code corners) of a slip whose top-left corner is at
    (x, y) frame px, ``px`` px a unit, turned by ``turn`` degrees about that corner."""
    a = np.radians(turn)
    H = np.float64([[px * np.cos(a), -px * np.sin(a), x], [px * np.sin(a), px * np.cos(a), y],
                    [0, 0, 1]])
    code = cv2.perspectiveTransform(np.float64([S.qr_corners()]), H)[0]
    return H, {}, code


def test_a_slip_fanned_over_another_hides_that_ones_boxes_not_its_own():
    px = 3.0
    under = _placed(1000, 500)
    pitch = S.BOXES["done"].x0 - S.BOXES["taken"].x0
    for shift in (2 * pitch, 3 * pitch, 2 * pitch + 5):  # its stuck box on the other's taken
        top = _placed(1000 - shift * px, 500 + 2 * px)  # laid over it, its code on it
        hidden = G.covered_boxes([under, top])
        assert list(hidden) == [0] and hidden[0][0] == 1
        assert "taken" in hidden[0][1] and "dropped" not in hidden[0][1]
        assert G.covered_boxes([top, under]) == {1: (0, hidden[0][1])}


def test_slips_laid_apart_or_edge_to_edge_hide_nothing():
    px = 3.0
    a = _placed(1000, 500)
    for b in (_placed(1000 + S.SLIP_W * px, 500), _placed(1000, 500 + S.SLIP_H * px),
              _placed(1000 - S.SLIP_W * px, 500 + 1.5 * px, turn=1.0),
              _placed(1000 + 40, 500 + S.SLIP_H * px + 100, turn=25.0)):
        assert G.covered_boxes([a, b]) == {}
        assert G.covered_boxes([b, a]) == {}
    assert G.covered_boxes([a]) == {}


def test_slips_overlapping_where_neither_code_lies_on_the_other_count_as_hidden():
    px = 3.0
    a = _placed(1000, 500)
    # b turned a quarter, its top-left corner on a between the done and stuck boxes, so it
    # spreads down and left over a's first two boxes; its code lies off a and a's code off
    # b, so which one is on top is unknown
    b = _placed(1000 + 110 * px, 500 + 100 * px, turn=90.0)
    assert G.covered_boxes([a, b]) == {0: (1, ["taken", "done"])}  # b's boxes lie off a


def _box_row(taken_offset: tuple[float, float], grow: float, px: float = 4.0) -> np.ndarray:
    """The row of printed check boxes drawn in slip units × ``px``: each where the slip puts
    it, but 'taken' moved by ``taken_offset`` units and ``grow`` times its size (paper
    curled towards the camera), lightly blurred."""
    img = np.full((int(S.SLIP_H * px), int(S.SLIP_W * px)), 235, np.uint8)
    for name, r in S.BOXES.items():
        cx, cy, half = (r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2, S.BOX_SIZE / 2
        if name == "taken":
            cx, cy, half = cx + taken_offset[0], cy + taken_offset[1], half * grow
        cv2.rectangle(img, (round((cx - half) * px), round((cy - half) * px)),
                      (round((cx + half) * px), round((cy + half) * px)), 40,
                      max(1, round(S.BOX_STROKE * px)))
    return cv2.GaussianBlur(img, (0, 0), 1.2)


@pytest.mark.parametrize("grow", [1.15, 1.3])
def test_a_far_box_larger_than_the_pose_puts_it_is_found_at_its_size(grow, monkeypatch):
    """A box nearer the camera than the pose (paper curled towards it) is larger both ways;
    looked for at its own height only, it is not found (its slip goes to review), and at the
    taller heights it is, where it lies and at its size."""
    gray = _box_row((-6.0, -4.0), grow)
    H = np.diag([4.0, 4.0, 1.0])
    found = {"done": (0.0, 0.0), "stuck": (0.0, 0.0), "dropped": (0.0, 0.0)}
    off, angle, width, height = G._far_box(gray, H, found, "taken")
    assert off == pytest.approx((-6.0, -4.0), abs=0.5)
    assert width == height == grow
    monkeypatch.setattr(G, "FAR_HEIGHTS", ())
    assert G._far_box(gray, H, found, "taken") is None
    assert G._far_box(_box_row((-6.0, -4.0), 1.0), H, found, "taken")[2:] == (1.0, 1.0)


def _sheared(marks=(), shift=(-12.0, 6.0), shear: float = 0.45) -> np.ndarray:
    """A slip curled so strongly at its far end that the far box lies off (``shift``: the
    cube ramp of :func:`_bend`) and is sheared: its rows slide along x by ``shear`` times
    their height below the box's middle, more the further out."""
    arr = np.asarray(render_slip(CODE, tuple(marks), PX))
    h, w = arr.shape[:2]
    u = np.arange(w, dtype=np.float32) / PX
    ramp = np.clip((100.0 - u) / 100.0, 0, None) ** 2
    v = np.arange(h, dtype=np.float32)[:, None] / PX
    map_x = (u[None, :] + shear * (v - 121.0) * ramp[None, :]) * PX
    arr = cv2.remap(arr, map_x.astype(np.float32),
                    np.tile(np.arange(h, dtype=np.float32)[:, None], (1, w)), cv2.INTER_LINEAR,
                    borderValue=(255, 255, 255))
    arr = _bend(arr, *shift)
    rgb = compose([(Image.fromarray(arr), QUAD)], (640, 480), 0, blur=0.8, noise=3.0)
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


@pytest.mark.parametrize("shear", [0.45, 0.6])
@pytest.mark.parametrize("marks, status", [((), None),
                                           ((Mark("done", "cross", "black", 1.0),), "done")])
def test_far_box_sheared_on_curled_paper_is_found_as_a_four_sided_outline(marks, status, shear,
                                                                          monkeypatch):
    """Paper curled towards the camera moves the far box and shears it out of square: no
    turned, resized square matches it (so the slip went to review), but its outline is the
    one four-sided dark shape of a box's size there, and it is read inside that shape."""
    gray = _sheared(marks, shear=shear)
    pose, reads = _measure(gray)
    assert "taken" in pose.quads
    assert reads["taken"].outline and reads["taken"].score == 0.0
    assert read_status(reads) == (status, None)
    from paperkit.scan import marks as M

    for module in (G, M):  # where the pose is found, and where boxes are read again
        monkeypatch.setattr(module, "quad_box", lambda *a, **k: None)
    pose, reads = _measure(gray)
    assert "taken" not in pose.boxes  # the other searches do not find it
    assert read_status(reads) == (None, "the taken box is unclear")


@pytest.mark.parametrize("mark", [Mark("taken", "tick", "blue", 1.0),
                                  Mark("taken", "fill", "black")])
def test_far_box_sheared_and_marked_reads_marked(mark):
    """The same sheared box, ticked or filled in: read as marked (the other searches find
    it turned and squeezed, or it is found as a four-sided shape)."""
    gray = _sheared((mark,))
    _, reads = _measure(gray)
    assert read_status(reads) == ("taken", None)


def test_four_sided_outline_search_never_takes_another_box():
    """With the far box's outline gone and the search led to the next box's place, that
    box's outline (the one four-sided shape there) is not taken for it: nor is any shape
    past the next box along the row."""
    gray = _photo([Mark("done", "tick", "black", 1.0)], erase="taken")
    (found,) = find_codes(gray, "zxing").found
    pose = G.locate(gray, found.corners)
    assert "taken" not in pose.boxes and "done" in pose.boxes
    step = S.BOXES["done"].x0 - S.BOXES["taken"].x0
    assert G.quad_box(gray, pose.H, pose.boxes, "taken", (step, 0.0)) is None
    assert G.quad_box(gray, pose.H, pose.boxes, "taken") is None
    # the done box itself is found as such a shape where it is
    off, _ = G.quad_box(gray, pose.H, pose.boxes, "done", pose.boxes["done"])
    assert np.hypot(off[0] - pose.boxes["done"][0], off[1] - pose.boxes["done"][1]) < 1.5


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 2500), st.sampled_from([0, 1, 3, 10, 50, 90, 95, 97.5, 99, 100]),
       st.integers(0, 2**32 - 1), st.sampled_from(["uniform", "levels", "spread"]))
def test_percentile_is_numpys_to_the_bit(n, q, seed, kind):
    """The slip checks' own percentile gives NumPy's number exactly (float32 grey and
    gradient images, whole grey levels, values that repeat), so no read moves."""
    from paperkit.scan.geometry import percentile

    rng = np.random.default_rng(seed)
    a = {"uniform": lambda: rng.random(n) * 255,
         "levels": lambda: rng.integers(0, 256, n),
         "spread": lambda: rng.normal(0, 30, n)}[kind]().astype(np.float32)
    img = a.reshape(-1, 5) if n % 5 == 0 else a
    before = img.copy()
    assert percentile(img, q) == float(np.percentile(img, q))
    assert np.array_equal(img, before)  # the image is left as it was
