"""A slip's corner marks, looked for where its pose puts them: a corner that does not show
has something over it, or lies past the photo's edge.

Another slip lying over this one, its code hidden (under a sticky note or a thumb, or past
the photo's edge), may have its marked box right on one of this slip's boxes: the mark
then reads as this slip's. :func:`geometry.row_continues` holds a slip whose row of boxes
goes on past its left edge (the slip over it lying the same way up, in line), but a slip
over it turned the other way up, or cut off by the photo's edge, left one box or none past
that edge, and three such photos of a red team's applied a wrong status (bench/RESULTS.md,
Box reads, thirty-sixth session). A slip over another's boxes from the left covers its
top-left or bottom-left corner (a slip is as tall as its cells; only a much smaller one
could lie over a box and neither corner), one from the right or from below its
bottom-right corner or its code, one from above its code: so a slip with a corner mark
that does not show may have another over it.

Each mark is looked for as a solid dark square of its size with paper on its two sides
towards the slip's middle (the table, past the slip's edge, lies on the other two), within
:data:`SEARCH` units of where the pose puts it moved as the nearest box was found moved
(curled paper moves the corners far more than the code and the boxes: on the harness's
photos up to some 30 units). It shows when that square is darker than the paper beside it
by at least :data:`SHOWS` of the print's depth (:func:`geometry.print_depth`).
"""

from __future__ import annotations

import cv2
import numpy as np

from ..layout import slip as S
from ..layout.model import Rect
from .geometry import SlipPose, print_depth, warp
from .sheet import darkness

#: Pixels a slip unit the corners are looked at with (a mark 9 px across).
K = 1.5
#: How far (slip units) each way from where the pose puts a mark it is looked for.
SEARCH = 16.0
#: The paper beside a mark on its inner sides: from GAP to GAP + RING units past it.
GAP, RING = 1.0, 3.0
#: A mark shows when its square is darker than the paper beside it by at least this share
#: of the print's depth. Marks lying under another slip read 0.00-0.07 of it on the red
#: team's photos; of 8,707 slips of the harness's photos (ten sets), 9 read under it
#: (0.03-0.09: slips curled so far their corner lies past the search), the next 0.14. On
#: 14 harness sets (18,832 slips) the hold sends 7 clear slips more to review, all curled
#: so; no other read changed.
SHOWS = 0.12
#: Each corner mark, the box whose offset (bent paper) it is moved by, and its name in a
#: reason.
CORNERS = {"tl": ("taken", "top-left"), "bl": ("taken", "bottom-left"),
           "br": ("dropped", "bottom-right")}

_SIDE = round(S.MARK_SIZE * K)
_GAP, _RING = round(GAP * K), round(RING * K)
_REACH = SEARCH + S.MARK_SIZE / 2 + GAP + RING  # the window's half width, slip units


def mark_contrast(gray: np.ndarray, H: np.ndarray, name: str,
                  offset: tuple[float, float] = (0.0, 0.0)) -> float:
    """How much darker than the paper on its inner sides (the darker of the two) the corner
    mark ``name`` is, at its best within SEARCH of where ``H`` puts it moved by ``offset``
    (slip units), as a share of the window's paper light."""
    m = S.MARKS[name]
    cx, cy = (m.x0 + m.x1) / 2 + offset[0], (m.y0 + m.y1) / 2 + offset[1]
    img = warp(gray, H, Rect(cx - _REACH, cy - _REACH, cx + _REACH, cy + _REACH), K, border=0)
    ii = cv2.integral(darkness(img), sdepth=cv2.CV_64F)
    s, g, r = _SIDE, _GAP, _RING
    edge = g + r  # the square's top-left is at least this far in from the window's edge
    n = min(img.shape) - s - 2 * edge + 1  # places the square and its sides fit, each way
    if n <= 0:
        return 0.0

    def mean(dx: int, dy: int, w: int, h: int) -> np.ndarray:
        """The mean over the w × h rectangle (dx, dy) px from each place of the square."""
        x, y = edge + dx, edge + dy
        return (ii[y + h:y + h + n, x + w:x + w + n] - ii[y:y + n, x + w:x + w + n]
                - ii[y + h:y + h + n, x:x + n] + ii[y:y + n, x:x + n]) / (w * h)

    square = mean(0, 0, s, s)
    across = mean(s + g, 0, r, s) if name != "br" else mean(-g - r, 0, r, s)
    down = mean(0, s + g, s, r) if name == "tl" else mean(0, -g - r, s, r)
    return float((square - np.maximum(across, down)).max())


def _inside(pose: SlipPose, name: str, offset: tuple[float, float],
            shape: tuple[int, ...]) -> bool:
    """Whether the mark ``name`` and the paper beside it on its inner sides lie wholly
    inside a frame of ``shape`` where ``pose`` puts them (moved by ``offset``). (Its outer
    sides are the slip's edge, 3 units away: a slip whose edge alone the photo cuts is
    whole.)"""
    m, d = S.MARKS[name].translate(*offset), GAP + RING
    rect = Rect(m.x0 - (d if name == "br" else 0.0), m.y0 - (0.0 if name == "tl" else d),
                m.x1 + (0.0 if name == "br" else d), m.y1 + (d if name == "tl" else 0.0))
    pts = pose.to_frame([(rect.x0, rect.y0), (rect.x1, rect.y0), (rect.x1, rect.y1),
                         (rect.x0, rect.y1)])
    h, w = shape[:2]
    return bool(((pts[:, 0] >= 0) & (pts[:, 0] <= w - 1) & (pts[:, 1] >= 0)
                 & (pts[:, 1] <= h - 1)).all())


def hidden_corners(gray: np.ndarray, pose: SlipPose) -> list[str]:
    """The slip's corners (their names in a reason, :data:`CORNERS`) whose mark does not
    show: past the photo's edge, or not as dark as :data:`SHOWS` of the print's depth."""
    depth = None
    out = []
    for name, (box, where) in CORNERS.items():
        offset = pose.boxes.get(box, (0.0, 0.0))
        if _inside(pose, name, offset, gray.shape):
            contrast = mark_contrast(gray, pose.H, name, offset)
            if contrast >= SHOWS:  # (the depth is at most 1: measured only when needed)
                continue
            if depth is None:
                depth = max(print_depth(gray, pose.H)[0], 0.3)
            if contrast >= SHOWS * depth:
                continue
        out.append(where)
    return out

