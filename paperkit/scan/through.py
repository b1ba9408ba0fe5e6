"""A mark that may be writing on the back of the slip, seen through the paper.

Words written on the back of a slip with a felt tip show through it on the photo, mirrored,
light and soft-edged: the paper spreads them. One lying over a box of a blank slip was read
as that box's mark and applied (a red-team photo: four blank slips marked taken, done,
stuck and dropped by "3pm", "Sam", "ok" and "12" on their backs; bench/RESULTS.md, Box
reads, thirty-third session). A pen or pencil mark on the front is as sharp as the printed
box beside it, whatever the photo's own blur, since both are on the same side of the paper.

:func:`soft_and_light` compares the two: the steepest edges of the ink inside the box, for
its depth, against those of the box's printed outline, for its. A filled box has few edges
inside it but is dark; so it is held only when also light.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..layout import slip as S
from ..layout.model import Rect
from .geometry import SlipPose, percentile, warp

#: Below this share of the outline's sharpness the mark is soft-edged (writing seen through
#: the paper, 0.3 mm of blur: 0.29-0.42; a pen, a pencil or a marker on the front, the 200
#: set's 2,792 applied slips: 0.36 at the 0.1 % quantile, 0.55 at 1 %, fills the softest,
#: and dark; of its light ones, 4 under 0.46).
SOFT = 0.45
#: ...and light: less than this many grey levels below the paper at its darkest (seen
#: through: 44-88).
LIGHT_DEPTH = 100.0
#: Around the box (slip units): its outline lies within.
_MARGIN = 3.0
#: Inside the box, the outline and its blur kept out (slip units).
_INSET = 2.5


def sharpness(gray: np.ndarray, pose: SlipPose, box: str) -> tuple[float, float]:
    """The ink in ``box``: its sharpness as a share of the box outline's, and its depth
    (grey levels below the paper at its darkest)."""
    r = S.BOXES[box]
    k = max(pose.ppu, 2.0)
    area = Rect(r.x0 - _MARGIN, r.y0 - _MARGIN, r.x1 + _MARGIN, r.y1 + _MARGIN)
    img = warp(gray, pose.H, area, k).astype(np.float32)
    grad = np.hypot(cv2.Sobel(img, cv2.CV_32F, 1, 0, ksize=3),
                    cv2.Sobel(img, cv2.CV_32F, 0, 1, ksize=3)) / 8

    def px(u: float) -> int:
        return int(round(u * k))

    lo, hi = _MARGIN + _INSET, _MARGIN + S.BOX_SIZE - _INSET
    inside = (slice(px(lo), px(hi)), slice(px(lo), px(hi)))
    edge = np.zeros(img.shape, bool)  # the top and bottom sides of the printed outline
    for y in (_MARGIN, _MARGIN + S.BOX_SIZE):
        edge[px(y - 1):px(y + 1), px(_MARGIN):px(_MARGIN + S.BOX_SIZE)] = True
    paper = percentile(img, 95)
    depth = paper - percentile(img[inside], 3)
    outline = paper - percentile(img[edge], 10)
    mark = percentile(grad[inside], 99) / max(depth, 1.0)
    printed = percentile(grad[edge], 90) / max(outline, 1.0)
    return mark / max(printed, 1e-3), depth


def soft_and_light(gray: np.ndarray, pose: SlipPose, box: str) -> bool:
    """Whether the mark in ``box`` is soft-edged and light, as writing on the back of the
    slip seen through it is (:data:`SOFT`, :data:`LIGHT_DEPTH`)."""
    ratio, depth = sharpness(gray, pose, box)
    return ratio < SOFT and depth < LIGHT_DEPTH
