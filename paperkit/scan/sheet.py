"""Slips of an uncut sheet whose code was not read: a code's finder patterns in the slot
beside a slip read.

The missing-slip check (:mod:`missing`) looks for slip-sized pieces of paper away from the
slips read; slips printed on one sheet and not cut apart (or laid edge to edge) are one
piece of paper, so a slip of it whose code no step read (blurred far out of focus, under a
glare, stained) was left out of the scan with nothing said (a red team's photos: an uncut
sheet blurred 7.5 px on one side left four slips out; bench/RESULTS.md, Decoding,
thirty-fourth session). A sheet's slips lie in a grid without gaps (the stocks' cells
meet), so beside each slip read, one slip's width to the left or right and one slip's
height (or a taller cell's) above or below, lies the next slip's code: its three finder
patterns keep their shape long after its modules blur into one another.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..layout import slip as S
from ..layout.model import Rect
from .geometry import warp

#: Pixels a slip unit the slots are looked at with (a module 1.9 px; the finder's dark
#: middle, 3 modules, outlasts a blur of several).
K = 0.75
#: A QR module, slip units (the code's side over its modules).
MODULE = (S.QR.x1 - S.QR.x0) / (17 + 4 * S.QR_VERSION)
#: How far (slip units) the next slip's code may lie from where it would lie on the sheet
#: beside a slip read: along the row or column from the slip's own size to a cell this
#: much longer (the 6-up stocks' cells are taller than the slip, which is drawn at their
#: top), and ACROSS more each way (a sheet bent or seen at a slant).
ALONG = (0.0, 80.0)
ACROSS = 8.0
#: A finder pattern matches (normalised correlation with a blurred one, its light ring
#: around it) at least this well at each of the code's three corners.
FINDER_MATCH = 0.6
#: A slot is paper when its lightest tenth is at least this share of the lightest tenth
#: around the slip's own code...
PAPER = 0.8
#: ...and the grey just past the slip's edge on its side (4 units out, level with or under
#: the code) at least this share of the grey just inside it (the table between slips cut
#: apart is darker; as ``geometry.PAPER_GOES_ON``).
PAPER_GOES_ON = 0.85
#: How far (slip units) the three finders may lie from where the first says the others are.
SLACK_UNITS = 2.5
_SLACK = round(SLACK_UNITS * K)


def _finder(k: float) -> np.ndarray:
    """A finder pattern with the light ring around it (9 × 9 modules: light, dark 7 × 7
    ring, light, dark 3 × 3), at ``k`` px a unit, blurred half a module (float32)."""
    m = np.ones((9, 9), np.float32)
    m[1:8, 1:8] = 0.0
    m[2:7, 2:7] = 1.0
    m[3:6, 3:6] = 0.0
    px = max(3, round(9 * MODULE * k))
    img = cv2.resize(m, (px, px), interpolation=cv2.INTER_NEAREST)
    return cv2.GaussianBlur(img, (0, 0), 0.5 * MODULE * k)


_FINDER = _finder(K)


def slots(W: float, H: float) -> list[tuple[float, float, float, float]]:
    """The places (x0, y0, x1, y1, slip units) where the next slips' codes are looked for,
    beside a slip: right, left, below, above."""
    q, a, b = S.QR, ACROSS, ALONG[1] + ACROSS
    return [(q.x0 + W - a, q.y0 - a, q.x1 + W + b, q.y1 + a),
            (q.x0 - W - b, q.y0 - a, q.x1 - W + a, q.y1 + a),
            (q.x0 - a, q.y0 + H - a, q.x1 + a, q.y1 + H + b),
            (q.x0 - a, q.y0 - H - b, q.x1 + a, q.y1 - H + a)]


def _code_at(window: np.ndarray) -> tuple[float, float] | None:
    """Where (px, the code's top-left finder's top-left, its light ring in) a code's three
    finder patterns lie in ``window`` (grey, K px a unit), all matching FINDER_MATCH or
    better; None when none do."""
    f = _FINDER.shape[0]
    if window.shape[0] < f or window.shape[1] < f:
        return None
    match = cv2.matchTemplate(window.astype(np.float32), _FINDER, cv2.TM_CCOEFF_NORMED)
    # the slip's pose, carried a slip's width on, puts the finders a little off each
    # other: each matches within SLACK of where the others say
    match = cv2.dilate(match, np.ones((2 * _SLACK + 1, 2 * _SLACK + 1), np.uint8))
    d = round((S.QR.x1 - S.QR.x0 - 7 * MODULE) * K)  # top-left finder to the other two
    h, w = match.shape[0] - d, match.shape[1] - d
    if h <= 0 or w <= 0:
        return None
    three = np.minimum(np.minimum(match[:h, :w], match[:h, d:d + w]), match[d:d + h, :w])
    _, best, _, (x, y) = cv2.minMaxLoc(three)
    return (float(x), float(y)) if best >= FINDER_MATCH else None


def _points(W: float, H: float) -> np.ndarray:
    """For each slot of :func:`slots`: its four corners, then the middle of the slip whose
    code it looks for (on a sheet without gaps), slip units (20 × 1 × 2, float64)."""
    out = []
    mids = [(1.5 * W, H / 2), (-W / 2, H / 2), (W / 2, 1.5 * H), (W / 2, -H / 2)]
    for (x0, y0, x1, y1), mid in zip(slots(W, H), mids, strict=True):
        out += [(x0, y0), (x1, y0), (x1, y1), (x0, y1), mid]
    return np.float64(out).reshape(-1, 1, 2)


_POINTS = _points(S.SLIP_W, S.SLIP_H)
_SLOTS = slots(S.SLIP_W, S.SLIP_H)


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


EDGE_POINTS = 12
_EDGES = _edge_points(S.SLIP_W, S.SLIP_H)


def _light(img: np.ndarray) -> float:
    """The level of ``img``'s lightest tenth."""
    flat = img.ravel()
    k = int(0.9 * (flat.size - 1))
    return float(np.partition(flat, k)[k])


def unread_neighbours(gray: np.ndarray, homographies: list[np.ndarray],
                      outlines: list[np.ndarray]) -> list[np.ndarray]:
    """The centres (frame px) of slips beside the slips read (``homographies``: slip units
    to frame px; ``outlines``: every slip read's outline, 4 × 2 frame px) whose code shows
    its finder patterns where the next slip of an uncut sheet would have it, and no slip
    read lies: each once. A slot where a slip read lies, or past a slip's edge where the
    paper does not go on (:data:`PAPER_GOES_ON`), or as dark as the table (its lightest
    tenth under PAPER of that around the slip's own code), is passed over: slips cut apart
    lie on the table."""
    h, w = gray.shape[:2]
    if not outlines:
        return []
    quads = np.asarray(outlines, np.float64).reshape(-1, 4, 2)
    centres = quads.mean(axis=1)
    diag = float(np.median(np.hypot(*(quads[:, 2] - quads[:, 0]).T)))
    near = 0.3 * diag  # the same slip (a sheet's neighbours lie 0.55 diagonals apart)
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
        own = None
        for i in np.flatnonzero(inside & free & goes_on):
            x0, y0, x1, y1 = _SLOTS[i]
            window = warp(gray, H, Rect(x0, y0, x1, y1), K)
            if own is None:  # the paper around the slip's own code
                own = _light(warp(gray, H, S.QR.inset(-ACROSS), K))
            if _light(window) < PAPER * own:
                continue
            at = _code_at(window)
            if at is None:
                continue
            # the code's middle, slip units, and its slip's, frame px
            cx = x0 + at[0] / K + MODULE + (S.QR.x1 - S.QR.x0) / 2
            cy = y0 + at[1] / K + MODULE + (S.QR.y1 - S.QR.y0) / 2
            mid = np.float64([[[cx - (S.QR.x0 + S.QR.x1) / 2 + S.SLIP_W / 2,
                                cy - (S.QR.y0 + S.QR.y1) / 2 + S.SLIP_H / 2]]])
            centre = cv2.perspectiveTransform(mid, H).reshape(2)
            if np.hypot(*(centres - centre).T).min() < near:
                continue  # a slip read lies there
            if all(float(np.hypot(*(centre - c))) >= near for c in found):
                found.append(centre)
    return found
