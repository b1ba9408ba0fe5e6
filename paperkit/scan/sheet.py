"""Slips of an uncut sheet whose code was not read: a code's dark square in the place beside
a slip read where the next slip of the sheet has its code.

The missing-slip check (:mod:`missing`) looks for slip-sized pieces of paper away from the
slips read; slips printed on one sheet and not cut apart (or laid edge to edge) are one
piece of paper, so a slip of it whose code no step read (blurred far out of focus, as a
phone's portrait mode blurs the far part of a sheet) was left out of the scan with nothing
said (a red team's photos: an uncut sheet blurred 7.5 px on one side left four slips out;
bench/RESULTS.md, Decoding, thirty-fifth session). A sheet's slips lie in a grid without
gaps (the stocks' cells meet), so beside each slip read, one slip's width to the left or
right and one slip's height (or a taller cell's) above or below, lies the next slip's code.

Blur moves ink about but keeps its amount: however far out of focus, a code stays a square
about half dark, with light paper around it (its quiet zone), where the rest of a slip's
print (words, lines, the boxes' outlines) is far lighter on average. So the place is
looked at coarsely (:data:`K`), and a square of a code's size there, as much darker than a
ring of paper around it as the slip's own code is than its ring (:data:`MATCH`), is taken
for the next slip's code. (A first try looked for the code's three finder patterns by
their shape; a blur of 6-7 px on 10-px modules rubbed them out.) Where no code is found
(a glare over all of it, a thumb, a sticky note), the next slip's row of check boxes is
looked for: four outlines, each darker on all four sides than its middle.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..layout import slip as S
from ..layout.model import Rect
from .geometry import PAPER_GOES_ON, warp

#: Pixels a slip unit the places are looked at with (a code 54 px across).
K = 0.75
#: How far (slip units) the next slip's code may lie from where it would lie on a sheet
#: whose cells are the slip's size: along the row, up to this much further (the 6-up A4
#: stock's cells are 13.5 units wider than the slip), along the column up to the second
#: (and 75 taller; the slip is drawn at its cell's top left), and ACROSS more each way (a
#: sheet bent or seen at a slant).
ALONG = (16.0, 80.0)
ACROSS = 8.0
#: The ring of paper around a code whose darkness the code's is measured against: from
#: this far out past its side to the second (slip units; the code's quiet zone is 4 modules,
#: 10 units, and a blur of a few units spreads the code's ink into its inner part).
RING = (3.0, 8.0)
#: The ring is paper: at most this share of the square's darkness (a code's, blurred
#: 16 px or not: under 0.06).
RING_LIGHT = 0.25
#: A code: its square at least this share as much darker than its ring as the slip's own
#: code is (the slip read next to it, in the same print and light; blur keeps the share:
#: a sheet blurred 7.5 px, 0.9-1.0; the words and lines of a slip's print, under 0.3).
MATCH = 0.5
#: ...as dark on the whole as the slip's own code, within these shares of it (a code is
#: about half dark, blurred or not: 0.48-0.52 on the red team's photos, sharp and blurred
#: 7 px; a black clip, a square bullet, a dark photo or a cloth's check that happened to
#: lie there, 0.62-0.80), and about as dark in each quarter: its quarters at most SPREAD
#: of its darkness apart (codes, 0.06-0.09 of about 0.5; an object across part of the
#: place, 0.59).
DARK = (0.75, 1.2)
SPREAD = 0.3
#: A place is paper when its lightest tenth is at least this share of the lightest tenth
#: around the slip's own code...
PAPER = 0.8
#: ...and the grey just past the slip's edge on its side (4 units out, level with or under
#: the code) at least ``geometry.PAPER_GOES_ON`` of the grey just inside it (the table
#: between slips cut apart is darker).
#: A code hidden (a glare over all of it, a thumb, a sticky note) leaves the rest of the
#: slip: the next slip's row of check boxes is looked for too, where no code was found, at
#: ROW_K px a unit, each box's outline (a band ROW_EDGE units each side of it) against its
#: middle (ROW_INNER units across), the middle two of the four boxes' contrasts at least
#: ROW_MATCH of the slip's own row's.
ROW_K = 2.0
ROW_EDGE = 1.0
ROW_INNER = 8.0
ROW_MATCH = 0.6
#: ...and only beside a slip whose own row reads at least this clearly (in photos of 20
#: slips at 12 MP the rows of about half the slips read under 0.25, the rest 0.25-0.45;
#: the places beside slips read looked at on 60 photos of the 200 set and 60 of the mixed
#: set, 0.12 at most, 0.015 for 99 in 100).
ROW_CLEAR = 0.25
#: A photo holds at most this many slips of sheets not read (a bound on the search).
MAX_FOUND = 30
#: Points sampled along each edge, past it and inside it.
EDGE_POINTS = 12

_CODE = round((S.QR.x1 - S.QR.x0) * K)
_R0, _R1 = round(RING[0] * K), round(RING[1] * K)


def slots(W: float, H: float) -> list[tuple[float, float, float, float]]:
    """The places (x0, y0, x1, y1, slip units) where the next slips' codes, their rings
    included, are looked for beside a slip: right, left, below, above."""
    q, a = S.QR, ACROSS + RING[1]
    bx, by = ALONG[0] + a, ALONG[1] + a
    return [(q.x0 + W - a, q.y0 - a, q.x1 + W + bx, q.y1 + a),
            (q.x0 - W - bx, q.y0 - a, q.x1 - W + a, q.y1 + a),
            (q.x0 - a, q.y0 + H - a, q.x1 + a, q.y1 + H + by),
            (q.x0 - a, q.y0 - H - by, q.x1 + a, q.y1 - H + a)]


def _at_sheet(W: float, H: float) -> list[tuple[float, float, float, float]]:
    """Where (x0, y0, x1, y1, slip units) the next slip's code and its ring lie on a sheet
    of cells the slip's size, beside a slip: right, left, below, above (each in its slot of
    :func:`slots`; the part of it that must be in the photo)."""
    q = S.QR.inset(-RING[1])
    return [(q.x0 + W, q.y0, q.x1 + W, q.y1), (q.x0 - W, q.y0, q.x1 - W, q.y1),
            (q.x0, q.y0 + H, q.x1, q.y1 + H), (q.x0, q.y0 - H, q.x1, q.y1 - H)]


def code_contrast(window: np.ndarray) -> tuple[float, tuple[int, int]]:
    """How much darker a code-sized square is than the ring of paper around it (shares of
    the window's paper light), at its darkest in ``window`` (grey, K px a unit, holding the
    ring) of the squares whose ring is light (:data:`RING_LIGHT`; 0 if none), and where
    (px, the ring's top-left)."""
    big = _CODE + 2 * _R1
    h, w = window.shape[0] - big + 1, window.shape[1] - big + 1
    if h <= 0 or w <= 0:
        return 0.0, (0, 0)
    dark = darkness(window)
    ii = cv2.integral(dark, sdepth=cv2.CV_64F)

    def box(off: int, size: int) -> np.ndarray:
        """The sums of every size × size square ``off`` px in from the ring's top-left."""
        a, b = off, off + size
        return ii[b:b + h, b:b + w] - ii[a:a + h, b:b + w] - ii[b:b + h, a:a + w] + ii[a:a + h, a:a + w]

    code = box(_R1, _CODE)
    inner = box(_R1 - _R0, _CODE + 2 * _R0)
    outer = box(0, big)
    ring = (outer - inner) / (big * big - (_CODE + 2 * _R0) ** 2)
    code /= _CODE * _CODE
    # paper around it, not the table past a sheet's edge (a square of table read 0.6
    # against its ring's 0.28, part table, part the page's margin)
    score = np.where(ring <= RING_LIGHT * code, code - ring, 0.0)
    y, x = np.unravel_index(int(np.argmax(score)), score.shape)
    return float(score[y, x]), (int(x), int(y))


#: The boxes' left sides along the row (slip units), and the row's top.
_BOX_X = np.float64(sorted(r.x0 for r in S.BOXES.values()))
_BOX_Y = min(r.y0 for r in S.BOXES.values())
_BOX = S.BOX_SIZE


def row_contrast(window: np.ndarray) -> tuple[float, tuple[int, int]]:
    """How much darker a row of check boxes' outlines are than their middles (shares of the
    window's paper light; each box by its palest side, the middle two of the four boxes),
    at its best in ``window`` (grey, ROW_K px a unit, holding the row with ROW_EDGE around
    it), and where (px, the first box's outline band's top-left). A side at a time: the
    table's edge past a sheet darkens one side of a box, not four."""
    k = ROW_K
    out, band = round((_BOX + 2 * ROW_EDGE) * k), round(2 * ROW_EDGE * k)
    mid = round(ROW_INNER * k)
    steps = np.rint((_BOX_X - _BOX_X[0]) * k).astype(int)
    h, w = window.shape[0] - out + 1, window.shape[1] - (steps[-1] + out) + 1
    if h <= 0 or w <= 0:
        return 0.0, (0, 0)
    dark = darkness(window)
    ii = cv2.integral(dark, sdepth=cv2.CV_64F)

    def mean(x: int, y: int, bw: int, bh: int) -> np.ndarray:
        """The mean over each bw × bh rectangle (x, y) px from each place."""
        return (ii[y + bh:y + bh + h, x + bw:x + bw + w] - ii[y:y + h, x + bw:x + bw + w]
                - ii[y + bh:y + bh + h, x:x + w] + ii[y:y + h, x:x + w]) / (bw * bh)

    # each side's band without its ends, where the other sides cross it (a dark bar above a
    # line reads dark along the top and bottom, not down the middle of the left and right)
    a, length = band + round(2 * k), out - 2 * (band + round(2 * k))
    each = []
    for x in steps:
        sides = np.minimum(
            np.minimum(mean(x + a, 0, length, band), mean(x + a, out - band, length, band)),
            np.minimum(mean(x, a, band, length), mean(x + out - band, a, band, length)))
        each.append(sides - mean(x + (out - mid) // 2, (out - mid) // 2, mid, mid))
    score = np.sort(np.stack(each), axis=0)[1:3].mean(axis=0)
    y, x = np.unravel_index(int(np.argmax(score)), score.shape)
    return float(score[y, x]), (int(x), int(y))


def _row_slots(W: float, H: float) -> list[tuple[float, float, float, float]]:
    """The places (x0, y0, x1, y1, slip units) where the next slips' rows of boxes are looked
    for beside a slip, as :func:`slots` for their codes: right, left, below, above."""
    a = ACROSS + ROW_EDGE
    x0, x1 = _BOX_X[0] - a, _BOX_X[-1] + _BOX + a
    y0, y1 = _BOX_Y - a, _BOX_Y + _BOX + a
    return [(x0 + W, y0, x1 + W + ALONG[0], y1), (x0 - W - ALONG[0], y0, x1 - W, y1),
            (x0, y0 + H, x1, y1 + H + ALONG[1]), (x0, y0 - H - ALONG[1], x1, y1 - H)]


_ROW_SLOTS = _row_slots(S.SLIP_W, S.SLIP_H)
_ROW_MID = ((_BOX_X[0] + _BOX_X[-1] + _BOX) / 2, _BOX_Y + _BOX / 2)
#: The slip's own row of boxes, with ACROSS around it to find it in.
_OWN_ROW = Rect(_BOX_X[0] - ACROSS - ROW_EDGE, _BOX_Y - ACROSS - ROW_EDGE,
                _BOX_X[-1] + _BOX + ACROSS + ROW_EDGE, _BOX_Y + _BOX + ACROSS + ROW_EDGE)


def code_shape(window: np.ndarray, at: tuple[int, int]) -> tuple[float, float]:
    """The code-sized square at ``at`` (as :func:`code_contrast` gives it) in ``window``:
    its mean darkness (shares of the window's paper light) and how far apart its four
    quarters' are (the darkest less the lightest)."""
    x, y = at[0] + _R1, at[1] + _R1
    dark = darkness(window)[y:y + _CODE, x:x + _CODE]
    h = _CODE // 2
    quarters = [float(q.mean()) for q in (dark[:h, :h], dark[:h, h:], dark[h:, :h], dark[h:, h:])]
    return float(dark.mean()), max(quarters) - min(quarters)


def _points(W: float, H: float) -> np.ndarray:
    """For each slot of :func:`slots`: the four corners of the part of it that must be in the
    photo (:func:`_at_sheet`), then the middle of the slip whose code it looks for (on a
    sheet of cells the slip's size), slip units (20 × 1 × 2, float64)."""
    out = []
    mids = [(1.5 * W, H / 2), (-W / 2, H / 2), (W / 2, 1.5 * H), (W / 2, -H / 2)]
    for (x0, y0, x1, y1), mid in zip(_at_sheet(W, H), mids, strict=True):
        out += [(x0, y0), (x1, y0), (x1, y1), (x0, y1), mid]
    return np.float64(out).reshape(-1, 1, 2)


def _edge_points(W: float, H: float) -> np.ndarray:
    """For each slot of :func:`slots`, EDGE_POINTS points just past the slip's edge on its
    side and as many just inside it, along the stretch the slot spans (slip units:
    4 × 2 EDGE_POINTS × 1 × 2, float64)."""
    n = EDGE_POINTS
    t = (np.arange(n) + 0.5) / n
    out = []
    for side in range(4):
        across = np.where(np.arange(2 * n) < n, 4.0, -4.0)  # past the edge, then inside
        along = np.tile(t, 2)
        if side in (0, 1):  # right, left: along the code's height
            y = S.QR.y0 + along * (S.QR.y1 - S.QR.y0)
            x = (W + across) if side == 0 else -across
        else:  # below, above: along the code's width
            x = S.QR.x0 + along * (S.QR.x1 - S.QR.x0)
            y = (H + across) if side == 2 else -across
        out.append(np.stack([np.broadcast_to(x, along.shape), np.broadcast_to(y, along.shape)],
                            axis=1))
    return np.float64(out).reshape(-1, 1, 2)


_POINTS = _points(S.SLIP_W, S.SLIP_H)
_SLOTS = slots(S.SLIP_W, S.SLIP_H)
_EDGES = _edge_points(S.SLIP_W, S.SLIP_H)
#: The slip's own code with its ring (slip units).
_OWN = S.QR.inset(-RING[1])
_QR_MID = np.float64([[[(S.QR.x0 + S.QR.x1) / 2, (S.QR.y0 + S.QR.y1) / 2]]])


def _light(img: np.ndarray) -> float:
    """The level of ``img``'s lightest tenth."""
    flat = img.ravel()
    k = int(0.9 * (flat.size - 1))
    return float(np.partition(flat, k)[k])


def darkness(window: np.ndarray) -> np.ndarray:
    """How much darker each pixel of ``window`` is than its paper (its lightest tenth), as a
    share of the paper's light (float32, 0 where lighter)."""
    paper = max(_light(window), 1.0)
    return np.clip(1.0 - window.astype(np.float32) / paper, 0.0, None)


@dataclass
class _Own:
    """What a slip read looks like in its photo, for the slips beside it to be measured
    against: its code's contrast with its ring, the lightest tenth around it, and its row
    of boxes' contrast (measured when first needed)."""

    code: float
    light: float
    dark: float
    row: float | None = None


def unread_neighbours(gray: np.ndarray, homographies: list[np.ndarray],
                      outlines: list[np.ndarray]) -> list[np.ndarray]:
    """The centres (frame px) of slips beside the slips read (``homographies``: slip units
    to frame px; ``outlines``: every slip read's outline, 4 × 2 frame px) whose code's dark
    square (or, none found, whose row of boxes) lies where the next slip of an uncut sheet
    would have it, and no slip read lies, each once; and beside those, the same way, as far
    as the sheet goes (a sheet's far rows all out of focus). A place past a slip's edge
    where the paper does not go on (:data:`PAPER_GOES_ON`), or as dark as the table (its
    lightest tenth under PAPER of that around the slip's own code), is passed over: slips
    cut apart lie on the table. What is seen on a slip read (its code, its boxes: slips
    lying near at a slant, or over each other) is passed over too."""
    if not outlines or not homographies:
        return []
    quads = np.asarray(outlines, np.float64).reshape(-1, 4, 2)
    centres = quads.mean(axis=1)
    diag = float(np.median(np.hypot(*(quads[:, 2] - quads[:, 0]).T)))
    near = 0.3 * diag  # the same slip (a sheet's neighbours lie 0.55 diagonals apart)
    read = [np.float32(q).reshape(-1, 1, 2) for q in quads]
    found: list[np.ndarray] = []
    Hs = np.asarray(homographies, np.float64).reshape(-1, 3, 3)
    todo: list[tuple[np.ndarray, _Own | None]] = [
        (H, None) for H, sides in zip(Hs, _open_sides(gray, Hs, centres, near), strict=True)
        if sides.any()]
    while todo and len(found) < MAX_FOUND:
        H, own = todo.pop(0)
        for centre, H_next, by in _beside(gray, H, own, centres, near, read):
            if all(float(np.hypot(*(centre - c))) >= near for c in found):
                found.append(centre)
                todo.append((H_next, by))  # and beside it, by the same slip read
    return found


def _project(points: np.ndarray, Hs: np.ndarray) -> np.ndarray:
    """``points`` (N × 1 × 2, slip units) through each of the homographies ``Hs``
    (n × 3 × 3): n × N × 2 frame px."""
    p = np.concatenate([points.reshape(-1, 2), np.ones((points.shape[0], 1))], axis=1)
    q = np.einsum("nij,kj->nki", Hs, p)
    return q[..., :2] / q[..., 2:]


def _open_sides(gray: np.ndarray, Hs: np.ndarray, centres: np.ndarray, near: float
                ) -> np.ndarray:
    """For the slips at ``Hs`` (n × 3 × 3), which of their four sides (right, left, below,
    above) the next slip of a sheet is looked for past (n × 4): its place in the photo, no
    slip read (``centres``, frame px) within ``near`` of where its middle would be, and the
    paper going on past the slip's edge there (:data:`PAPER_GOES_ON`)."""
    h, w = gray.shape[:2]
    n = len(Hs)
    pts = _project(_POINTS, Hs).reshape(n, 4, 5, 2)
    edge = np.rint(_project(_EDGES, Hs)).astype(np.int64).reshape(n, 4, 2, EDGE_POINTS, 2)
    xs, ys = edge[..., 0].clip(0, w - 1), edge[..., 1].clip(0, h - 1)
    lines = np.median(gray[ys, xs], axis=3)  # slip × side × (past, inside)
    corners, mids = pts[:, :, :4], pts[:, :, 4]
    inside = ((corners.min(axis=(2, 3)) >= 0) & (corners[..., 0].max(axis=2) < w)
              & (corners[..., 1].max(axis=2) < h))  # the place not out of the photo
    gaps = np.hypot(*(mids[:, :, None] - centres[None, None]).transpose(3, 0, 1, 2))
    free = gaps.min(axis=2) >= near
    goes_on = lines[..., 0] >= PAPER_GOES_ON * lines[..., 1]  # not the table between slips
    return inside & free & goes_on


def _own(gray: np.ndarray, H: np.ndarray) -> _Own:
    """The slip read at ``H``: its own code against its ring, and the light around it."""
    mine = warp(gray, H, _OWN, K)
    score, at = code_contrast(mine)
    return _Own(score, _light(mine), code_shape(mine, at)[0])


def _beside(gray: np.ndarray, H: np.ndarray, own: _Own | None, centres: np.ndarray,
            near: float, read: list[np.ndarray]):
    """The slips (their centres, frame px, their homographies, and ``own``) of
    :func:`unread_neighbours` beside the slip at ``H``, measured against ``own`` (None: the
    slip at ``H`` is a slip read, measured when a place beside it is first looked at)."""
    for i in np.flatnonzero(_open_sides(gray, H[None], centres, near)[0]):
        if own is None:
            own = _own(gray, H)
        if own.code <= 0:
            return
        x0, y0, x1, y1 = _SLOTS[i]
        window = warp(gray, H, Rect(x0, y0, x1, y1), K)
        if _light(window) < PAPER * own.light:
            continue
        score, (x, y) = code_contrast(window)
        dark, spread = code_shape(window, (x, y))
        if (score >= MATCH * own.code and DARK[0] <= dark / own.dark <= DARK[1]
                and spread <= SPREAD * own.dark):
            # the next slip's top-left (slip units), by its code's
            dx = x0 + (x + _R1) / K - S.QR.x0
            dy = y0 + (y + _R1) / K - S.QR.y0
            seen = _QR_MID[0, 0]
        else:  # no code there: the next slip's row of boxes (its code hidden)?
            if own.row is None:
                own.row = row_contrast(warp(gray, H, _OWN_ROW, ROW_K))[0]
            if own.row < ROW_CLEAR:
                continue
            rx0, ry0, rx1, ry1 = _ROW_SLOTS[i]
            score, (x, y) = row_contrast(warp(gray, H, Rect(rx0, ry0, rx1, ry1), ROW_K))
            if score < ROW_MATCH * own.row:
                continue
            # the next slip's top-left (slip units): its first box's less the box's place
            dx = rx0 + x / ROW_K + ROW_EDGE - _BOX_X[0]
            dy = ry0 + y / ROW_K + ROW_EDGE - _BOX_Y
            seen = _ROW_MID
        # its slip's middle and the middle of what was seen of it, frame px
        centre, at = cv2.perspectiveTransform(np.float64(
            [[[S.SLIP_W / 2 + dx, S.SLIP_H / 2 + dy], [seen[0] + dx, seen[1] + dy]]]), H
        ).reshape(2, 2)
        if (np.hypot(*(centres - centre).T).min() < near
                or any(cv2.pointPolygonTest(q, (float(at[0]), float(at[1])), False) >= 0
                       for q in read)):
            continue  # a slip read lies there, or what was seen is on one (a code read,
            # boxes of a slip read lying near, at a slant or over another)
        yield centre, H @ np.float64([[1, 0, dx], [0, 1, dy], [0, 0, 1]]), own
