"""Read each check box's ink as a score in 0..1, with a confidence.

For each box the strip around it is rectified at :data:`K` pixels per slip unit. The printed
outline is found near where the pose puts it (template match), which absorbs the last few
units of error on bent paper. Then, inside the outline (inset past the printed stroke):

- *paper white* is the bright level of the window and *print black* the dark level of the
  printed outline itself, so the scale adapts to the light and to how the photo was exposed;
- *stroke coverage*: the share of interior pixels clearly darker than the paper right around
  them (a local background from a max filter wider than a pen stroke, so a soft shadow across
  the box is not ink); pencil, ballpoint and marker strokes all count;
- *fill*: how dark the interior is overall, for boxes filled in solid;
- *overrun*: ink just outside the box (not on the label side), for ticks that run over; on
  its own it never makes a box more than unsure.

The score is 0 for a blank box, 1 for a clear mark; between :data:`BLANK` and :data:`MARKED`
is the unsure band, which sends the slip to review.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..layout import slip as S
from ..layout.model import Rect
from .geometry import SlipPose, levels, warp

#: Pixels per slip unit of the rectified box windows.
K = 4.0
#: Scores at or below BLANK are blank; at or above MARKED are marked; between is unsure.
BLANK = 0.25
MARKED = 0.55
#: How far (slip units) the printed outline may be from where the pose puts it.
SEARCH = 2.5
#: Interior inset from the box edge (slip units): the printed stroke plus blur.
INSET = 2.0
#: Stroke coverage (share of interior pixels) at which a box counts as fully marked, and
#: below which stray specks are ignored.
COVER_FULL = 0.11
COVER_NOISE = 0.025
#: Darkness (share of paper-to-print contrast) above which a pixel is ink.
INK_LEVEL = 0.33


@dataclass(frozen=True)
class BoxRead:
    """One box: ``score`` 0 (blank) .. 1 (clearly marked); ``confidence`` 0..1 that the score
    is on the right side of the unsure band. ``cover``/``fill``/``over`` are the raw measures
    (shares of the interior, contrast units), ``contrast`` paper minus print in grey levels;
    ``outline`` is whether the printed outline was found near where the pose put it."""

    score: float
    confidence: float
    cover: float
    fill: float
    over: float
    contrast: float
    outline: bool = True


def band_confidence(score: float) -> float:
    """0.5 at the unsure band's edges, 1 at 0 and 1, falling to 0 mid-band."""
    if score <= BLANK:
        return 1.0 - 0.5 * score / BLANK
    if score >= MARKED:
        return 0.5 + 0.5 * (score - MARKED) / (1.0 - MARKED)
    half = (MARKED - BLANK) / 2
    return 0.5 * abs(score - (BLANK + half)) / half


def _ring_template(size: int, stroke: int) -> np.ndarray:
    t = np.zeros((size, size), np.float32)
    t[:stroke, :] = t[-stroke:, :] = t[:, :stroke] = t[:, -stroke:] = 1.0
    return t


def read_boxes(gray: np.ndarray, pose: SlipPose) -> dict[str, BoxRead]:
    """Every status box's read, by box name (in printed order)."""
    first, last = S.BOXES["taken"], S.BOXES["dropped"]
    pad = SEARCH + 4.0
    strip_rect = Rect(first.x0 - pad, first.y0 - pad, last.x1 + pad, last.y1 + pad)
    strip = warp(gray, pose.H, strip_rect, K)
    size = round(S.BOX_SIZE * K)
    stroke = max(2, round(S.BOX_STROKE * K * 1.3))
    template = _ring_template(size + stroke, stroke)
    out = {}
    for name, r in S.BOXES.items():
        x0 = round((r.x0 - strip_rect.x0 - pad) * K)
        y0 = round((r.y0 - strip_rect.y0 - pad) * K)
        win = strip[y0:y0 + round((S.BOX_SIZE + 2 * pad) * K),
                    x0:x0 + round((S.BOX_SIZE + 2 * pad) * K)]
        out[name] = _read_one(win, template, size, stroke, pad)
    return out


def _locate_outline(dark: np.ndarray, template: np.ndarray, pad: float
                    ) -> tuple[int, int, bool]:
    """Top-left of the printed outline in ``dark`` (window px), searched within SEARCH units,
    and whether it was clearly found (else the predicted place)."""
    off = (template.shape[0] - round(S.BOX_SIZE * K)) // 2
    p0 = max(0, round(pad * K) - off - round(SEARCH * K))
    span = round(2 * SEARCH * K) + template.shape[0]
    area = dark[p0:p0 + span, p0:p0 + span]
    if area.shape[0] < template.shape[0] or area.shape[1] < template.shape[1]:
        return round(pad * K), round(pad * K), False
    res = cv2.matchTemplate(area, template, cv2.TM_CCOEFF_NORMED)
    _, peak, _, (px, py) = cv2.minMaxLoc(res)
    if peak < 0.25:
        return round(pad * K), round(pad * K), False
    return p0 + px + off, p0 + py + off, True


def _read_one(win: np.ndarray, template: np.ndarray, size: int, stroke: int, pad: float
              ) -> BoxRead:
    bx, by, found = _locate_outline(255.0 - win.astype(np.float32), template, pad)
    white = levels(win, (0.9,))[0]
    band = max(1, round(0.6 * K))
    outline = np.concatenate([  # uint8
        win[by - band:by + band, bx:bx + size].ravel(),
        win[by + size - band:by + size + band, bx:bx + size].ravel(),
        win[by:by + size, bx - band:bx + band].ravel(),
        win[by:by + size, bx + size - band:bx + size + band].ravel(),
    ])
    black = levels(outline, (0.25,))[0] if outline.size else 0.0
    contrast = max(white - black, 1.0)
    # local paper level: a max filter wider than any pen stroke, then smoothed
    kk = round(4.5 * K) | 1
    bg = cv2.dilate(win, np.ones((kk, kk), np.uint8))
    bg = cv2.blur(bg, (kk, kk))
    ink = (bg.astype(np.float32) - win) / contrast > INK_LEVEL
    i0 = round(INSET * K)
    inner = (slice(by + i0, by + size - i0), slice(bx + i0, bx + size - i0))
    cover = float(ink[inner].mean())
    fill = (white - levels(win[inner], (0.5,))[0]) / contrast
    # just outside the box, not on the label side (right)
    o0, o1 = round(1.2 * K), round(4.0 * K)
    ring = np.zeros(win.shape, bool)
    ring[max(0, by - o1):by + size + o1, max(0, bx - o1):bx + size + o0] = True
    ring[max(0, by - o0):by + size + o0, max(0, bx - o0):bx + size + o0] = False
    over = float(ink[ring].mean()) if ring.any() else 0.0
    s_cover = (cover - COVER_NOISE) / (COVER_FULL - COVER_NOISE)
    s_fill = (fill - 0.25) / 0.35
    s_over = 0.5 * (over - COVER_NOISE) / (COVER_FULL - COVER_NOISE)
    score = float(np.clip(max(s_cover, s_fill, min(s_over, 0.5)), 0.0, 1.0))
    conf = band_confidence(score)
    if contrast < 60:
        conf *= max(0.0, (contrast - 20) / 40)
    return BoxRead(score=round(score, 3), confidence=round(conf, 3), cover=round(cover, 4),
                   fill=round(fill, 3), over=round(over, 4), contrast=round(contrast, 1),
                   outline=found)
