"""Where a slip lies in a frame: a homography from slip units to frame pixels.

The QR code's four corners give a first homography (``layout/slip.py`` fixes where the code
sits on the slip). The three solid corner marks are then looked for near where that
homography puts them; each one found adds a point far from the code, and the homography is
fitted again (RANSAC, so a mark mistaken for a shadow is dropped). Boxes far from the code then
land true even when the code's corners are a pixel or two off or the paper is bent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from ..layout import slip as S
from ..layout.model import Rect

#: Corner marks are looked for within this many slip units of where they are predicted.
MARK_SEARCH = 6.0


@dataclass(frozen=True)
class SlipPose:
    """``H`` maps slip units (x, y, 1) to frame pixels. ``ppu`` is frame pixels per slip unit
    around the check boxes; ``marks`` is how many corner marks were found and kept."""

    H: np.ndarray = field(repr=False)
    ppu: float
    marks: int

    def to_frame(self, pts) -> np.ndarray:
        return cv2.perspectiveTransform(np.float32(pts).reshape(1, -1, 2), self.H)[0]


def levels(img: np.ndarray, fractions: tuple[float, ...]) -> list[float]:
    """Grey levels (uint8 image) below which the given fractions of pixels lie; a histogram
    does it far faster than ``np.percentile``."""
    hist = cv2.calcHist([np.ascontiguousarray(img)], [0], None, [256], [0, 256]).ravel()
    cum = np.cumsum(hist) / max(1.0, float(hist.sum()))
    return [float(np.searchsorted(cum, f)) for f in fractions]


def _ppu(H: np.ndarray) -> float:
    c = S.BOXES["done"]
    p = cv2.perspectiveTransform(np.float32([[[c.x0, c.y0], [c.x0 + 10, c.y0],
                                              [c.x0, c.y0 + 10]]]), H)[0]
    return float((np.linalg.norm(p[1] - p[0]) + np.linalg.norm(p[2] - p[0])) / 20)


def warp(gray: np.ndarray, H: np.ndarray, rect: Rect, k: float, border: int = 255
         ) -> np.ndarray:
    """The part of the slip inside ``rect`` (slip units), rectified at ``k`` pixels per unit."""
    w, h = max(1, round(rect.width * k)), max(1, round(rect.height * k))
    # output pixel u ↔ slip point x0 + u / k (and the same for v, y)
    t = np.array([[1 / k, 0, rect.x0],
                  [0, 1 / k, rect.y0],
                  [0, 0, 1]], np.float64)
    m = H @ t
    return cv2.warpPerspective(gray, m, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=border)


def _find_blob(gray: np.ndarray, H: np.ndarray, center: tuple[float, float], half: float,
               size: float, k: float = 4.0) -> np.ndarray | None:
    """A solid dark square about ``size`` slip units wide, isolated by paper, nearest to
    ``center``: its centre in slip units as seen through ``H``, or None if none is clear."""
    win = Rect(center[0] - half, center[1] - half, center[0] + half, center[1] + half)
    img = warp(gray, H, win, k, border=0)
    lo, hi = levels(img, (0.03, 0.90))
    if hi - lo < 40:
        return None
    dark = (img < (lo + hi) / 2).astype(np.uint8)
    n, _, stats, cents = cv2.connectedComponentsWithStats(dark, connectivity=4)
    want = (size * k) ** 2
    best, best_d = None, None
    mid = np.array([half * k, half * k])
    for i in range(1, n):
        x, y, w, h, area = stats[i]
        if not 0.45 * want <= area <= 1.8 * want:
            continue
        if x == 0 or y == 0 or x + w >= img.shape[1] or y + h >= img.shape[0]:
            continue  # touches the window edge: table, shadow, a ring, another slip
        if not 0.6 <= w / h <= 1.6 or area < 0.6 * w * h:
            continue  # not a solid square
        d = float(np.linalg.norm(cents[i] - mid))
        if best_d is None or d < best_d:
            best, best_d = cents[i], d
    if best is None:
        return None
    return np.array([win.x0 + best[0] / k, win.y0 + best[1] / k])


def _qr_point(mx: float, my: float) -> tuple[float, float]:
    """Slip units of a point given in QR modules from the symbol's top-left corner."""
    return (S.QR.x0 + mx * S.QR_MODULE, S.QR.y0 + my * S.QR_MODULE)


_N = S.QR_MODULES
#: Points found precisely: (slip-unit centre, search half-width, blob size), all slip units.
#: The three finder patterns' 3×3-module centres, the alignment pattern's centre module, and
#: the three corner marks.
_TARGETS = (
    *[(_qr_point(x, y), 8.0, 3 * S.QR_MODULE)
      for x, y in ((3.5, 3.5), (_N - 3.5, 3.5), (3.5, _N - 3.5))],
    (_qr_point(_N - 6.5, _N - 6.5), 5.0, S.QR_MODULE),
    *[(((m.x0 + m.x1) / 2, (m.y0 + m.y1) / 2), MARK_SEARCH + S.MARK_SIZE / 2, S.MARK_SIZE)
      for m in S.MARKS.values()],
)
_FIRST_MARK = 4


def _observe(gray: np.ndarray, H: np.ndarray, targets) -> tuple[list, list]:
    """Slip-unit points and where they were found in the frame (px)."""
    src, dst = [], []
    for true, half, size in targets:
        at = _find_blob(gray, H, true, half, size)
        if at is not None:
            src.append(true)
            dst.append(cv2.perspectiveTransform(np.float32([[at]]), H)[0, 0])
    return src, dst


def _fit(src: list, dst: list, ppu: float) -> tuple[np.ndarray | None, np.ndarray]:
    """A homography through the points, outliers (over 1.5 slip units off) dropped."""
    if len(src) < 4:
        return None, np.zeros(len(src), bool)
    H, mask = cv2.findHomography(np.float32(src), np.float32(dst), cv2.RANSAC, 1.5 * ppu)
    if H is None or mask is None:
        return None, np.zeros(len(src), bool)
    return H, mask.ravel().astype(bool)


def locate(gray: np.ndarray, corners: np.ndarray) -> SlipPose:
    """The slip's pose from its QR code's corners (frame px, tl/tr/br/bl), refined first
    with the code's finder and alignment patterns, then with the corner marks found."""
    H = cv2.getPerspectiveTransform(np.float32(S.qr_corners()),
                                    np.float32(corners)).astype(np.float64)
    ppu = _ppu(H)
    src, dst = _observe(gray, H, _TARGETS[:_FIRST_MARK])
    if len(src) < 4:
        src, dst = [*src, *S.qr_corners()], [*dst, *np.float32(corners)]
    H1, _ = _fit(src, dst, ppu)
    if H1 is not None:
        H = H1
    msrc, mdst = _observe(gray, H, _TARGETS[_FIRST_MARK:])
    marks = 0
    if msrc:
        H2, inliers = _fit([*src, *msrc], [*dst, *mdst], ppu)
        if H2 is not None:
            H, marks = H2, int(inliers[len(src):].sum())
    return SlipPose(H=H, ppu=_ppu(H), marks=marks)
