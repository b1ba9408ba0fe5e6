"""Read each check box's ink as a score in 0..1, with a confidence.

The strip of boxes is rectified at :data:`K` pixels per slip unit, each box where the pose
found its printed outline; each side of the outline is then found on its own (a box that
looks a little shifted or resized after rectification is read inside its real outline).
Then, inside the outline (inset to where the outline's blur has faded):

- *paper white* is the bright level of the window and *print black* the dark level of the
  printed outline itself, so the scale adapts to the light and to how the photo was exposed;
- *stroke coverage*: the share of interior pixels clearly darker than the paper right around
  them (a local background from a max filter wider than a pen stroke, so a soft shadow across
  the box is not ink); pencil, ballpoint and marker strokes all count;
- *fill*: how dark the interior is overall, for boxes filled in solid;
- *overrun*: ink just outside the box (not on the label side) and joined to it, for ticks
  that run over; on its own it never makes a box more than unsure, and a stray dot beside
  the box does not count.

The score is 0 for a blank box, 1 for a clear mark; between :data:`BLANK` and :data:`MARKED`
is the unsure band, which sends the slip to review.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..layout import slip as S
from ..layout.model import Rect
from .geometry import BOX_PEAK, SlipPose, levels, outline_scores, turned, warp

#: Pixels per slip unit of the rectified box windows.
K = 4.0
#: Scores at or below BLANK are blank; at or above MARKED are marked; between is unsure.
BLANK = 0.15
MARKED = 0.55
#: How far (slip units) the printed outline may be from where the pose puts it.
SEARCH = 1.5
#: Interior inset from the box edge (slip units): half the printed stroke plus blur, which
#: spreads over more slip units the fewer photo pixels a unit has.
INSET = 2.0


def inset_for(ppu: float) -> float:
    """Slip units kept clear of the printed outline, for a photo with ``ppu`` px per unit."""
    return max(INSET, 0.6 + 2.5 / max(ppu, 0.5))
#: Stroke coverage (share of interior pixels) at which a box counts as fully marked, and
#: below which stray specks are ignored.
COVER_FULL = 0.07
COVER_NOISE = 0.012
#: How far outside the box (slip units) ink is looked for; not on the label side.
OVER_REACH = 4.5
#: Darkness (share of paper-to-print contrast) above which a pixel is ink, on top of
#: GRAIN times the strip's paper grain (see :func:`read_boxes`).
INK_LEVEL = 0.2
GRAIN = 1.2
#: The plain threshold for ``BoxRead.faint``, and its cover scale (as COVER_*).
FAINT_LEVEL = 0.33
FAINT_NOISE = 0.02
FAINT_FULL = 0.09
#: Ink inside a box that reaches less than this across (slip units) is a dot, not a stroke.
SPECK = 2.5


@dataclass(frozen=True)
class BoxRead:
    """One box: ``score`` 0 (blank) .. 1 (clearly marked); ``confidence`` 0..1 that the score
    is on the right side of the unsure band. ``cover``/``fill``/``over`` are the raw measures
    (shares of the interior, contrast units), ``contrast`` paper minus print in grey levels;
    ``outline`` is whether the printed outline was found near where the pose put it;
    ``grain`` how much darker plain paper is than the local paper level (grey levels);
    ``spread`` the ink cover of the emptiest of the interior's 3 × 3 cells (high only when
    ink covers the whole box: filled in, or scribbled over to strike it out); ``crossings``
    the fewer, of the left and right sides, of separate strokes that run out across that
    side of the outline (a scribble's back-and-forth turns: 2 or more on both sides), and
    ``sides`` the smaller share of that side's height where ink runs out across it (tight
    turns blur into one run); ``faint`` the ink cover by the plain contrast threshold,
    without the grain term (a faint mark shows here, and so does grain: see
    ``decide.faint_marks``)."""

    score: float
    confidence: float
    cover: float
    fill: float
    over: float
    contrast: float
    outline: bool = True
    grain: float = 0.0
    spread: float = 0.0
    crossings: int = 0
    sides: float = 0.0
    faint: float = 0.0


def band_confidence(score: float) -> float:
    """0.5 at the unsure band's edges, 1 at 0 and 1, falling to 0 mid-band."""
    if score <= BLANK:
        return 1.0 - 0.5 * score / BLANK
    if score >= MARKED:
        return 0.5 + 0.5 * (score - MARKED) / (1.0 - MARKED)
    half = (MARKED - BLANK) / 2
    return 0.5 * abs(score - (BLANK + half)) / half


def read_boxes(gray: np.ndarray, pose: SlipPose) -> dict[str, BoxRead]:
    """Every status box's read, by box name (in printed order). One rectified strip holds
    all four boxes (each where the pose found its outline); the paper level is computed
    once over it.

    The paper level is a max filter, so on grainy paper, a textured table seen through it,
    or a noisy dark photo it sits above most paper pixels: the median of how much darker
    the strip is than it (mostly paper) is that grain, and ink must be darker than GRAIN
    times it on top of INK_LEVEL of the contrast."""
    size = round(S.BOX_SIZE * K)
    pad = SEARCH + 4.0
    wins = {n: r.translate(*pose.boxes.get(n, (0.0, 0.0))).inset(-pad)
            for n, r in S.BOXES.items()}
    strip = Rect(min(w.x0 for w in wins.values()), min(w.y0 for w in wins.values()),
                 max(w.x1 for w in wins.values()), max(w.y1 for w in wins.values()))
    img = warp(gray, pose.H, strip, K)
    below = _below_paper(img)
    grain = levels(np.clip(below, 0, 255).astype(np.uint8), (0.5,))[0]
    n = round((S.BOX_SIZE + 2 * pad) * K)
    inset = inset_for(pose.ppu)
    out = {}
    for name, w in wins.items():
        x0, y0 = round((w.x0 - strip.x0) * K), round((w.y0 - strip.y0) * K)
        part = (slice(y0, y0 + n), slice(x0, x0 + n))
        win, win_below = img[part], below[part]
        if name in pose.turns:  # on curled paper: read it square to its own outline
            r = S.BOXES[name].translate(*pose.boxes[name])
            H = turned(pose.H, ((r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2), pose.turns[name],
                       pose.squeezes.get(name, 1.0))
            win = warp(gray, H, w, K)
            win_below = _below_paper(win)
        out[name] = _read_one(win, win_below, size, pad, inset, name in pose.boxes, grain)
    return out


def _below_paper(img: np.ndarray) -> np.ndarray:
    """How much darker (grey levels, int16) each pixel is than the paper around it: a max
    filter wider than any pen stroke (K px per unit), then smoothed."""
    kk = round(4.5 * K) | 1
    bg = cv2.blur(cv2.dilate(img, np.ones((kk, kk), np.uint8)), (kk, kk))
    return bg.astype(np.int16) - img


def _locate_outline(dark: np.ndarray, pad: float, search: float) -> tuple[int, int, bool]:
    """Top-left of the printed outline in ``dark`` (window px), searched within ``search``
    units of the window's centre, and whether it was clearly found (else the centre)."""
    c = round(pad * K)
    r = round(search * K)
    scores, m = outline_scores(dark, K)
    y0, x0 = max(0, c - m - r), max(0, c - m - r)
    part = scores[y0:c - m + r + 1, x0:c - m + r + 1]
    if part.size == 0:
        return c, c, False
    _, peak, _, (px, py) = cv2.minMaxLoc(part)
    if peak < BOX_PEAK:
        return c, c, False
    return x0 + px + m, y0 + py + m, True


def _median(a: np.ndarray, axis: int) -> np.ndarray:
    """The median along ``axis``, as np.median gives it, without its overhead."""
    n = a.shape[axis]
    k = n // 2
    if n % 2:
        return np.take(np.partition(a, k, axis=axis), k, axis=axis)
    part = np.partition(a, (k - 1, k), axis=axis)
    return (np.take(part, k - 1, axis=axis).astype(np.float32) + np.take(part, k, axis=axis)) / 2


def _edges(win: np.ndarray, bx: int, by: int, size: int) -> tuple[int, int, int, int]:
    """Each side of the printed outline on its own (left, right, top, bottom, window px),
    within 1.5 units of where it is expected: the darkest line by the median across the
    box's middle, so a tick through it does not move it. Absorbs a box that looks a little
    larger, smaller or shifted after rectification (perspective, bent paper)."""
    r = round(1.5 * K)

    def darkest(profile: np.ndarray, at: int) -> int:
        lo = max(0, at - r)
        part = profile[lo:at + r + 1]
        return lo + int(np.argmin(part)) if part.size else at

    across = _median(win[by + size // 4:by + size - size // 4], 0)  # per column
    down = _median(win[:, bx + size // 4:bx + size - size // 4], 1)  # per row
    x0, x1 = darkest(across, bx), darkest(across, bx + size)
    y0, y1 = darkest(down, by), darkest(down, by + size)
    if abs((x1 - x0) - size) > 0.12 * size:  # a mark, not the outline: keep the pose's
        x0, x1 = bx, bx + size
    if abs((y1 - y0) - size) > 0.12 * size:
        y0, y1 = by, by + size
    return x0, x1, y0, y1


def _clear_of_outline(win: np.ndarray, bx: int, by: int, size: int, white: float,
                      contrast: float) -> int:
    """How many px in from the box edge the printed outline's blur has faded (below a fifth
    of the contrast), by the median along each side, so a written mark does not count;
    at most a quarter of the box."""
    lo, hi = size // 5, size - size // 5
    limit = size // 4
    d = np.arange(1, limit)
    sides = np.stack([win[by + d, bx + lo:bx + hi], win[by + size - d, bx + lo:bx + hi],
                      win[by + lo:by + hi, bx + d].T, win[by + lo:by + hi, bx + size - d].T])
    depth = white - _median(sides, 2).mean(axis=0)  # darkness at each depth
    faded = np.nonzero(depth < 0.2 * contrast)[0]
    return int(d[faded[0]]) + 1 if faded.size else limit


def _stroke_cover(ink: np.ndarray) -> float:
    """The share of ``ink`` (a box interior's ink mask) that is ink, or 0 when all of it
    lies within SPECK slip units across and away from the interior's edge: a dot, not a
    stroke (a faint stroke may break into pieces, so the pieces' whole extent is what
    counts; ink at the edge may be a stroke running on beyond it)."""
    ys, xs = np.nonzero(ink)
    if xs.size == 0:
        return 0.0
    h, w = ink.shape
    at_edge = xs.min() == 0 or ys.min() == 0 or xs.max() == w - 1 or ys.max() == h - 1
    if not at_edge and max(np.ptp(xs), np.ptp(ys)) + 1 < SPECK * K:
        return 0.0
    return xs.size / ink.size


def _spread(ink: np.ndarray) -> float:
    """The ink cover of the emptiest cell when ``ink`` is cut into 3 × 3 cells."""
    h, w = ink.shape
    ys, xs = (0, h // 3, 2 * h // 3, h), (0, w // 3, 2 * w // 3, w)
    return min(_share(ink[ys[i]:ys[i + 1], xs[j]:xs[j + 1]])
               for i in range(3) for j in range(3))


def _share(mask: np.ndarray) -> float:
    """``mask.mean()`` of a 0/1 array (the same value, without its overhead)."""
    return int(np.count_nonzero(mask)) / mask.size if mask.size else float("nan")


def _crossings(ink: np.ndarray, x0: int, x1: int, y0: int, y1: int) -> tuple[int, float]:
    """Ink down the columns 2 units outside the box's left and right sides (between its
    top and bottom, corners left out): the fewer separate runs, and the smaller share of
    rows with ink, of the two sides."""
    d, c = round(2.0 * K), round(1.5 * K)
    runs, shares = [], []
    for x in (x0 - d, x1 + d):
        if not 0 <= x < ink.shape[1]:
            return 0, 0.0
        col = ink[y0 + c:y1 - c, x].astype(np.int8)
        runs.append(int(np.count_nonzero(np.diff(col) == 1)) + int(col[:1].sum()))
        shares.append(_share(col) if col.size else 0.0)
    return min(runs), min(shares)


def _read_one(win: np.ndarray, below: np.ndarray, size: int, pad: float, inset: float,
              placed: bool, grain: float = 0.0) -> BoxRead:
    """One box in ``win`` (gray, K px per unit, the box ``pad`` units in from each side);
    ``below``: how much darker each pixel is than the paper around it; ``placed``: the pose
    already found this box's outline where ``win`` is centred; ``grain``: how much darker
    than that paper level plain paper is (grey levels, see :func:`read_boxes`)."""
    if placed:
        bx = by = round(pad * K)
        found = True
    else:
        bx, by, found = _locate_outline(255.0 - win.astype(np.float32), pad, SEARCH)
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
    ink = below > INK_LEVEL * contrast + GRAIN * grain
    x0, x1, y0, y1 = _edges(win, bx, by, size)
    i0 = max(round(inset * K), _clear_of_outline(win, bx, by, size, white, contrast))
    if min(x1 - x0, y1 - y0) - 2 * i0 < size // 3:  # edges not believable: the expected ones
        x0, x1, y0, y1 = bx, bx + size, by, by + size
    inner = (slice(y0 + i0, y1 - i0), slice(x0 + i0, x1 - i0))
    cover = _stroke_cover(ink[inner])
    spread = _spread(ink[inner]) if cover > 0 else 0.0
    crossings, sides = _crossings(ink, x0, x1, y0, y1) if cover > 0 else (0, 0.0)
    fill = (white - levels(win[inner], (0.5,))[0]) / contrast
    # just outside the box, not on the label side (right)
    o0 = max(i0, round((inset - 0.5) * K))  # clear of the outline's blur, outside too
    o1 = o0 + round((OVER_REACH - inset + 0.5) * K)
    # around the outline where each side was found (``_edges``), not where it was expected
    oy, ox = max(0, y0 - o1), max(0, x0 - o1)
    zone = ink[oy:y1 + o1, ox:x1 + o0]
    near_rows = slice(max(0, y0 - o0) - oy, y1 + o0 - oy)
    near_cols = slice(max(0, x0 - o0) - ox, None)
    outer = int(zone.sum())
    near = int(zone[near_rows, near_cols].sum())
    if outer > near:  # some ink outside: only what is joined to the box counts, not a dot
        n, labels = cv2.connectedComponents(zone.astype(np.uint8), connectivity=8)
        keep = np.zeros(n, bool)
        keep[labels[near_rows, near_cols]] = True
        keep[0] = False
        joined = keep[labels]
        outer, near = int(joined.sum()), int(joined[near_rows, near_cols].sum())
        joined[near_rows, near_cols] = False  # what lies outside: a stroke, not a dot
        if outer > near and not _stroke_cover(joined):
            outer = near
    # ink pixels around the box, in shares of the interior's area (a tick's overrun)
    over = (outer - near) / max(1, ink[inner].size)
    s_cover = (cover - COVER_NOISE) / (COVER_FULL - COVER_NOISE)
    # the same with ink as any pixel a third of the contrast darker than the paper level,
    # grain or not: a faint mark the grain threshold may have lost shows here
    faint = _share(below[inner] > FAINT_LEVEL * contrast)
    s_fill = (fill - 0.25) / 0.35
    # ink just outside alone makes a box unclear at most, never marked
    s_over = (over - COVER_NOISE) / (COVER_FULL - COVER_NOISE)
    score = float(np.clip(max(s_cover, s_fill, min(s_over, 0.5)), 0.0, 1.0))
    conf = band_confidence(score)
    if contrast < 60:
        conf *= max(0.0, (contrast - 20) / 40)
    return BoxRead(score=round(score, 3), confidence=round(conf, 3), cover=round(cover, 4),
                   fill=round(fill, 3), over=round(over, 4), contrast=round(contrast, 1),
                   outline=found, grain=grain, spread=round(spread, 3),
                   crossings=crossings, sides=round(sides, 3), faint=round(faint, 4))
