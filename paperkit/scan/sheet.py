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
their shape; a blur of 6-7 px on 10-px modules rubbed them out.)
"""

from __future__ import annotations

import cv2
import numpy as np

from ..layout import slip as S
from ..layout.model import Rect
from .geometry import warp

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
#: A place is paper when its lightest tenth is at least this share of the lightest tenth
#: around the slip's own code...
PAPER = 0.8
#: ...and the grey just past the slip's edge on its side (4 units out, level with or under
#: the code) at least this share of the grey just inside it (the table between slips cut
#: apart is darker; as ``geometry.PAPER_GOES_ON``).
PAPER_GOES_ON = 0.85
#: Points sampled along each edge, past it and inside it.
EDGE_POINTS = 12

_CODE = round((S.QR.x1 - S.QR.x0) * K)
_R0, _R1 = round(RING[0] * K), round(RING[1] * K)


def slots(W: float, H: float) -> list[tuple[float, float, float, float]]:
    """The places (x0, y0, x1, y1, slip units) where the next slips' codes, their rings
    included, are looked for beside a slip: right, left, below, above."""
    q, a, = S.QR, ACROSS + RING[1]
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
    paper = max(_light(window), 1.0)
    dark = np.clip(1.0 - window.astype(np.float32) / paper, 0.0, None)
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


def unread_neighbours(gray: np.ndarray, homographies: list[np.ndarray],
                      outlines: list[np.ndarray]) -> list[np.ndarray]:
    """The centres (frame px) of slips beside the slips read (``homographies``: slip units
    to frame px; ``outlines``: every slip read's outline, 4 × 2 frame px) whose code's dark
    square lies where the next slip of an uncut sheet would have it, and no slip read lies
    nor any code read: each once. A place past a slip's edge where the paper does not go on
    (:data:`PAPER_GOES_ON`), or as dark as the table (its lightest tenth under PAPER of that
    around the slip's own code), is passed over: slips cut apart lie on the table."""
    h, w = gray.shape[:2]
    if not outlines or not homographies:
        return []
    quads = np.asarray(outlines, np.float64).reshape(-1, 4, 2)
    centres = quads.mean(axis=1)
    diag = float(np.median(np.hypot(*(quads[:, 2] - quads[:, 0]).T)))
    near = 0.3 * diag  # the same slip (a sheet's neighbours lie 0.55 diagonals apart)
    codes = np.concatenate([cv2.perspectiveTransform(_QR_MID, H).reshape(1, 2)
                            for H in homographies])
    code_near = 0.15 * diag  # a code read (a code is 0.22 diagonals across)
    found: list[np.ndarray] = []
    for H in homographies:
        pts = cv2.perspectiveTransform(_POINTS, H).reshape(-1, 5, 2)
        edge = np.rint(cv2.perspectiveTransform(_EDGES, H)).astype(np.int64).reshape(
            4, 2, EDGE_POINTS, 2)
        edge[..., 0] = edge[..., 0].clip(0, w - 1)
        edge[..., 1] = edge[..., 1].clip(0, h - 1)
        lines = np.median(gray[edge[..., 1], edge[..., 0]], axis=2)  # side × (past, inside)
        corners, mids = pts[:, :4], pts[:, 4]
        inside = ((corners.min(axis=(1, 2)) >= 0) & (corners[..., 0].max(axis=1) < w)
                  & (corners[..., 1].max(axis=1) < h))  # the slot not out of the photo
        free = np.hypot(*(centres[None] - mids[:, None]).transpose(2, 0, 1)).min(axis=1) >= near
        goes_on = lines[:, 0] >= PAPER_GOES_ON * lines[:, 1]  # not the table between slips
        own = own_light = None
        for i in np.flatnonzero(inside & free & goes_on):
            x0, y0, x1, y1 = _SLOTS[i]
            window = warp(gray, H, Rect(x0, y0, x1, y1), K)
            if own is None:  # the slip's own code, against its ring
                mine = warp(gray, H, _OWN, K)
                own, own_light = code_contrast(mine)[0], _light(mine)
            if own <= 0 or _light(window) < PAPER * own_light:
                continue
            score, (x, y) = code_contrast(window)
            if score < MATCH * own:
                continue
            # the code's middle, slip units; its slip's middle and the code's, frame px
            cx = x0 + (x + _R1 + _CODE / 2) / K
            cy = y0 + (y + _R1 + _CODE / 2) / K
            dx, dy = cx - (S.QR.x0 + S.QR.x1) / 2, cy - (S.QR.y0 + S.QR.y1) / 2
            at = cv2.perspectiveTransform(
                np.float64([[[S.SLIP_W / 2 + dx, S.SLIP_H / 2 + dy], [cx, cy]]]), H
            ).reshape(2, 2)
            centre, code_at = at
            if (np.hypot(*(centres - centre).T).min() < near
                    or np.hypot(*(codes - code_at).T).min() < code_near):
                continue  # a slip read lies there, or it is a code read (slips overlapping)
            if all(float(np.hypot(*(centre - c))) >= near for c in found):
                found.append(centre)
    return found
