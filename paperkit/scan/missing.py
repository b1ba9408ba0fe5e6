"""Slips in a photo whose code nothing read: paper the size of a slip, printed on, where no
slip read lies.

A slip whose code no decoder step reads is otherwise simply absent from the scan, and the
person who took the photo has no way to know (bench/RESULTS.md, Decoding, sixteenth session).
The paper of the slips that were read sets what paper and background look like in this
photo; what is as bright as that paper, away from every slip read, about the size of a
slip, and holds edges and ink like print, is taken for a slip that was not read.

All the thresholds were set on 11 synthetic sets (1,020 photos) and checked on 20 others
never used for them (727 photos). In the scan, with the codes the decoder saw and could not
read (decode.UNREAD_FINDERS), 24 of the 49 slips whose code no step read were reported on
the first sets and 59 of the 254 on the others, and nothing else; most of the rest are
slips of 1-1.5 px a module on 3-megapixel photos and board posters (pale, small, merged),
or slips lying partly under others.
"""

from __future__ import annotations

import cv2
import numpy as np

from .geometry import levels

#: The photo is looked at in pixels of SCALE frame pixels (and edges at SCALE / 2).
SCALE = 8
#: Paper must be this many grey levels brighter than the background around the slips read
#: (on a white table, a scan's white bed or a poster nothing can be told apart: no check).
MIN_CONTRAST = 40.0
#: The slips read are left out grown by this much about their centres (bent paper, blur).
GROW = 1.08
#: A slip not read: a piece of paper this many times the median area of the slips read
#: (its print and code, darker, are cut out of the paper mask: about half a slip remains)...
MIN_AREA, MAX_AREA = 0.4, 1.3
#: ...as solid as a card (its area this share of its convex hull, at least)...
MIN_SOLID = 0.85
#: ...whose hull has print's edges over this share of it (a bare lamp spot or a plank of
#: light wood has fewer; grain in a dim photo more)...
MIN_EDGES, MAX_EDGES = 0.2, 0.6
#: ...and this share of its pixels (full size) darker than halfway from the background to
#: the ink of the slips read: printed ink, which wood grain never reaches.
MIN_DARK = 0.003


def codeless_slips(gray: np.ndarray, slips: list[np.ndarray], half: np.ndarray | None = None
                   ) -> list[np.ndarray]:
    """Centres (frame px) of pieces of paper in ``gray`` that look like slips but lie
    where no slip read lies (``slips``: each read slip's outline, 4 × 2 frame px); none
    when nothing was read (nothing says what a slip looks like here). ``half``: ``gray``
    at half its size already (the decoder's first pass made it), or None."""
    if not slips:
        return []
    h, w = gray.shape
    if min(h, w) < 32 * SCALE:
        return []
    if half is None or half.shape != (h // 2, w // 2):
        half = cv2.resize(gray, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    fine = cv2.resize(half, (w // (SCALE // 2), h // (SCALE // 2)), interpolation=cv2.INTER_AREA)
    small = cv2.resize(fine, (w // SCALE, h // SCALE), interpolation=cv2.INTER_AREA)
    sh, sw = small.shape
    read = np.zeros(small.shape, np.uint8)
    grown = np.zeros(small.shape, np.uint8)
    quads = np.asarray(slips, np.float64).reshape(-1, 4, 2)
    centres = quads.mean(axis=1, keepdims=True)
    for q, g in zip(np.round(quads / SCALE).astype(np.int32),
                    np.round((centres + GROW * (quads - centres)) / SCALE).astype(np.int32),
                    strict=True):
        cv2.fillConvexPoly(read, q, 1)
        cv2.fillConvexPoly(grown, g, 1)
    if not read.any() or read.all():
        return []
    (paper,) = levels(small, (0.5,), read)
    (background,) = levels(small, (0.5,), 1 - read)
    if paper - background < MIN_CONTRAST:
        return []
    bright = (small > (paper + background) / 2).astype(np.uint8)
    bright = cv2.morphologyEx(bright, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    rest = cv2.morphologyEx(bright & (1 - grown), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    q = quads / SCALE  # the shoelace formula, each slip's area at this scale
    slip_area = float(np.median(0.5 * np.abs(np.sum(q[:, :, 0] * np.roll(q[:, :, 1], -1, 1)
                                                    - np.roll(q[:, :, 0], -1, 1) * q[:, :, 1],
                                                    axis=1))))
    # pieces of paper by pixel count (labels and a count, not connectedComponentsWithStats:
    # its statistics cost four times the labelling here), then the few slip-sized ones
    n, labels = cv2.connectedComponents(rest, connectivity=4)
    areas = np.bincount(labels.ravel(), minlength=n)
    out: list[np.ndarray] = []
    grad = ink = None
    for i in np.flatnonzero((areas >= MIN_AREA * slip_area) & (areas <= MAX_AREA * slip_area)):
        if i == 0:
            continue
        ys, xs = np.nonzero(labels == i)
        x, y, x1, y1 = int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1
        if x == 0 or y == 0 or x1 == sw or y1 == sh:  # runs out of the photo
            continue
        piece = (labels[y:y1, x:x1] == i).astype(np.uint8)
        contours, _ = cv2.findContours(piece, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        hull = cv2.convexHull(max(contours, key=cv2.contourArea)) + np.int32([x, y])
        if areas[i] < MIN_SOLID * max(cv2.contourArea(hull), 1.0):
            continue
        inside = np.zeros(small.shape, np.uint8)
        cv2.fillConvexPoly(inside, hull[:, 0, :], 1)
        inside_fine = cv2.resize(inside, (fine.shape[1], fine.shape[0]),
                                 interpolation=cv2.INTER_NEAREST) > 0
        if grad is None:
            grad = cv2.morphologyEx(fine, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
        edges = float(np.mean(grad[inside_fine] > 0.3 * (paper - background + 1)))
        if not MIN_EDGES <= edges <= MAX_EDGES:
            continue
        if ink is None:  # the darkest print of the slips read
            read_fine = cv2.resize(read, (fine.shape[1], fine.shape[0]),
                                   interpolation=cv2.INTER_NEAREST)
            (ink,) = levels(fine, (0.01,), read_fine)
        crop = gray[y * SCALE:y1 * SCALE, x * SCALE:x1 * SCALE]
        mask = cv2.resize(inside[y:y1, x:x1], (crop.shape[1], crop.shape[0]),
                          interpolation=cv2.INTER_NEAREST) > 0
        if float(np.mean(crop[mask] < (ink + background) / 2)) < MIN_DARK:
            continue
        out.append(np.array([xs.mean(), ys.mean()]) * SCALE + SCALE / 2)
    return out
