"""Where a slip lies in a frame: a homography from slip units to frame pixels.

The QR code's four corners give a first homography (``layout/slip.py`` fixes where the code
sits on the slip); the code's three finder patterns and its alignment pattern, found as solid
squares near where it puts them, make it precise. The printed check boxes are then found one
by one, walking away from the code, each search starting where the boxes found so far put
the next (bent paper drifts more and more); each box found becomes a fitting point, and its
remaining offset is kept, so reading lands on the real outline. Last, the three solid corner
marks are looked for; those that agree with the fit (within FIT_TOL) are added, which holds
the far corners (note and steward crops) in place. A box still missing is looked for where
the row's bend puts it, turned with it and narrower; and then far from there (strongly
curled paper moves the far box 10-25 units, and widens or narrows it), where it is kept only
if every side of its outline stands out on its own and no other place looks like it. Last,
a box that no square search found (paper curled so strongly that the far box is sheared out
of square, or lies up to 65 units from the pose's place) is looked for as the one
four-sided dark outline of about its size there (:func:`quad_box`), and read inside it.
"""

from __future__ import annotations

import functools
import math
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
    around the check boxes; ``marks`` is how many corner marks were found and kept;
    ``boxes`` maps each check box whose printed outline was found to where it really is,
    relative to where ``H`` puts it (dx, dy in slip units: bent paper); ``turns`` maps
    each box that lies turned against ``H`` (curled paper bends the row of boxes) to that
    angle (radians, slip units, positive turns x towards y); ``squeezes`` each box that
    looks narrower (paper curling away) or wider (curling towards the camera) than ``H``
    puts it to that share of its width, and ``stretches`` each box found taller than ``H``
    puts it (nearer the camera) to that share of its height. ``quads`` maps each box found
    only as a four-sided outline (paper curled so strongly it shears the far box: see
    :func:`quad_box`) to its own homography, which maps the box where ``boxes`` puts it
    onto that outline."""

    H: np.ndarray = field(repr=False)
    ppu: float
    marks: int
    boxes: dict[str, tuple[float, float]] = field(default_factory=dict)
    turns: dict[str, float] = field(default_factory=dict)
    squeezes: dict[str, float] = field(default_factory=dict)
    stretches: dict[str, float] = field(default_factory=dict)
    quads: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def to_frame(self, pts) -> np.ndarray:
        return cv2.perspectiveTransform(np.float32(pts).reshape(1, -1, 2), self.H)[0]


def levels(img: np.ndarray, fractions: tuple[float, ...], mask: np.ndarray | None = None
           ) -> list[float]:
    """Grey levels (uint8 image) below which the given fractions of pixels lie (only those
    where ``mask``, uint8, is non-zero, when given); a histogram does it far faster than
    ``np.percentile``."""
    cum = cv2.calcHist([np.ascontiguousarray(img)], [0], mask, [256], [0, 256]).cumsum()
    cum /= max(1.0, float(cum[-1]))  # whole counts: the last is the pixel count
    return cum.searchsorted(_fractions(fractions)).astype(float).tolist()


def percentile(a: np.ndarray, q: float) -> float:
    """``np.percentile(a, q)`` (its linear method), the same number to the bit, without its
    general machinery: on the small arrays of a slip's checks, 4.5 µs a call against
    NumPy's 40 (tested against NumPy's own)."""
    flat = np.ravel(a)
    v = (flat.size - 1) * (q / 100)
    lo = math.floor(v)
    hi = min(lo + 1, flat.size - 1)
    part = np.partition(flat, (lo, hi) if hi != lo else lo)
    below, above = part[lo], part[hi]
    g = v - lo
    step = above - below
    # NumPy's own interpolation (its _lerp): from the nearer of the two
    return float(above - step * (1 - g)) if g >= 0.5 else float(below + step * g)


@functools.lru_cache(maxsize=64)
def _fractions(fractions: tuple[float, ...]) -> np.ndarray:
    return np.array(fractions, np.float64)


def _ppu(H: np.ndarray) -> float:
    c = S.BOXES["done"]
    p = cv2.perspectiveTransform(np.float32([[[c.x0, c.y0], [c.x0 + 10, c.y0],
                                              [c.x0, c.y0 + 10]]]), H)[0]
    return float((np.linalg.norm(p[1] - p[0]) + np.linalg.norm(p[2] - p[0])) / 20)


def warp(gray: np.ndarray, H: np.ndarray, rect: Rect, k: float,
         border: int | tuple[int, ...] = 255) -> np.ndarray:
    """The part of the slip inside ``rect`` (slip units), rectified at ``k`` pixels per unit
    (``gray`` may have channels: ``border`` then gives each its value outside the image)."""
    return _warp(gray, H, rect.x0, rect.y0, rect.x1, rect.y1, k, border)


def _warp(gray: np.ndarray, H: np.ndarray, x0: float, y0: float, x1: float, y1: float,
          k: float, border: int | tuple[int, ...] = 255) -> np.ndarray:
    """:func:`warp` of the rect (x0, y0, x1, y1), slip units, without making a Rect."""
    w, h = max(1, round((x1 - x0) * k)), max(1, round((y1 - y0) * k))
    # output pixel u ↔ slip point x0 + u / k (and the same for v, y)
    t = np.array([[1 / k, 0, x0],
                  [0, 1 / k, y0],
                  [0, 0, 1]], np.float64)
    return cv2.warpPerspective(gray, H @ t, (w, h), flags=_WARP_FLAGS,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=border)


_WARP_FLAGS = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP


def _find_blob(gray: np.ndarray, H: np.ndarray, center: tuple[float, float], half: float,
               size: float, k: float = 4.0, clip: Rect | None = None) -> np.ndarray | None:
    """A solid dark square about ``size`` slip units wide, isolated by paper, nearest to
    ``center``: its centre in slip units as seen through ``H``, or None if none is clear.
    The search window is ``half`` units each side, cut to ``clip`` (slip units) if given."""
    x0, y0, x1, y1 = center[0] - half, center[1] - half, center[0] + half, center[1] + half
    if clip is not None:
        x0, y0, x1, y1 = max(x0, clip.x0), max(y0, clip.y0), min(x1, clip.x1), min(y1, clip.y1)
    img = _warp(gray, H, x0, y0, x1, y1, k)
    lo, hi = levels(img, (0.03, 0.90))
    if hi - lo < 30:
        return None
    # dark: img < (lo + hi) / 2, i.e. img <= ceil of it - 1 (grey levels are whole)
    _, dark = cv2.threshold(img, math.ceil((lo + hi) / 2) - 1, 1, cv2.THRESH_BINARY_INV)
    _, _, stats, cents = cv2.connectedComponentsWithStats(dark, connectivity=4)
    want = (size * k) ** 2
    area = stats[1:, 4]
    keep = np.flatnonzero((area >= 0.4 * want) & (area <= 1.8 * want))  # most are specks
    ih, iw = img.shape
    mx, my = (center[0] - x0) * k, (center[1] - y0) * k
    best = None
    for i in (keep + 1).tolist():
        x, y, w, h, a = stats[i].tolist()
        if (x > 0 and y > 0 and x + w < iw and y + h < ih  # isolated
                and w >= 0.55 * h and w <= 1.8 * h and a >= 0.55 * w * h):  # a solid square
            cx, cy = cents[i].tolist()
            d = math.hypot(cx - mx, cy - my)
            if best is None or d < best[0]:
                best = (d, cx, cy)
    if best is None:
        return None
    return np.array([x0 + best[1] / k, y0 + best[2] / k])


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


#: The middles of the QR code's three finder patterns (slip units): solid dark squares three
#: modules wide, whose middle a blur hardly lightens (:func:`print_depth`).
_FINDER_MIDDLES = tuple(_qr_point(x, y) for x, y in ((3.5, 3.5), (_N - 3.5, 3.5), (3.5, _N - 3.5)))


def print_depth(gray: np.ndarray, H: np.ndarray, enough: float = 1.0) -> tuple[float, float]:
    """How dark the slip's print is, as a share of its paper's light: one less the grey of
    the middle of a finder pattern (one module each way) over the paper about it (the
    brightest twentieth of a window 11 modules wide: the finder's quiet zone), for the
    darkest of the three; and that paper's grey level. ``enough``: the finders are looked at
    one by one until one is at least this deep (the print is then no paler than that).

    Black toner prints about 0.95 (on synthetic photos the median of a photo's slips 0.866
    or more, on coloured paper too); a printer low on toner, or in its draft mode, about
    0.6. A glare spot or a haze over the code makes the print look paler too."""
    m = S.QR_MODULE
    r = round(m * 4.0)  # a module, px of the window
    depth, paper = 0.0, 0.0
    for x, y in _FINDER_MIDDLES:
        img = _warp(gray, H, x - 5.5 * m, y - 5.5 * m, x + 5.5 * m, y + 5.5 * m, 4.0)
        c = img.shape[0] // 2
        (dark,) = levels(img[c - r:c + r, c - r:c + r], (0.5,))
        (white,) = levels(img, (0.95,))
        here = 1.0 - dark / max(white, 1.0)
        if here > depth:
            depth, paper = here, white
        if depth >= enough:
            break
    return depth, paper


def _observe(gray: np.ndarray, H: np.ndarray, targets, tol: float,
             clip: Rect | None = None, k: float = 4.0) -> tuple[list, list]:
    """Slip-unit points and where they were found in the frame (px); a point found more
    than ``tol`` slip units from where ``H`` puts it is not trusted."""
    src, seen = [], []
    for true, half, size in targets:
        at = _find_blob(gray, H, true, half, size, k, clip)
        if at is not None and math.hypot(at[0] - true[0], at[1] - true[1]) <= tol:
            src.append(true)
            seen.append(at)
    if not seen:
        return [], []
    return src, list(cv2.perspectiveTransform(np.float32(seen).reshape(1, -1, 2), H)[0])


def _residuals(H: np.ndarray, src: list, dst: list) -> np.ndarray:
    """How far (slip units) each found point lies from where H maps its true place back."""
    back = cv2.perspectiveTransform(np.float32(dst).reshape(1, -1, 2), np.linalg.inv(H))[0]
    return np.hypot(*(back - np.float32(src)).T)


def _normalise(pts: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """``pts`` moved to their mean and scaled to a mean distance of √2 from it: (those
    points, the scale, the mean)."""
    n = len(pts)
    c = pts.sum(axis=0) / n  # pts.mean(axis=0), without its overhead
    moved = pts - c
    d = float(np.sqrt(np.einsum("ij,ij->i", moved, moved)).sum()) / n or 1.0
    s = _SQRT2 / d
    return moved * s, s, c


_SQRT2 = math.sqrt(2.0)


def _least_squares(src: list, dst: list) -> np.ndarray | None:
    """The homography src → dst with the least algebraic error (normalised DLT): a few
    dozen microseconds, where cv2.findHomography's refinement costs a hundred or more."""
    a = np.asarray(src, np.float64).reshape(-1, 2)
    b = np.asarray(dst, np.float64).reshape(-1, 2)
    n = len(a)
    if n < 4:
        return None
    if n == 4:
        return cv2.getPerspectiveTransform(a.astype(np.float32),
                                           b.astype(np.float32)).astype(np.float64)
    na, sa, ca = _normalise(a)
    nb, sb, cb = _normalise(b)
    # each point's two rows of A (A h = 0): [x y 1 0 0 0 -ux -uy -u], [0 0 0 x y 1 -vx -vy -v]
    A = np.zeros((n, 2, 9))
    A[:, 0, 0:2] = na
    A[:, 0, 2] = 1.0
    A[:, 1, 3:6] = A[:, 0, 0:3]
    A[:, :, 6:9] = -nb[:, :, None] * A[:, 0:1, 0:3]
    A = A.reshape(2 * n, 9)
    # the smallest eigenvector solves A h = 0 best (cv2.eigen: descending, a row each;
    # a few microseconds where np.linalg.eigh's overhead costs tens)
    _, ev, vec = cv2.eigen(A.T @ A)
    if ev[-2, 0] < 1e-12 * max(ev[0, 0], 1e-12):
        return None  # degenerate (points on a line)
    # undo the normalisations: H = Tb⁻¹ · h · Ta, each T a scale about a mean
    Ta = np.array([[sa, 0.0, -sa * ca[0]], [0.0, sa, -sa * ca[1]], [0.0, 0.0, 1.0]])
    Tb_inv = np.array([[1 / sb, 0.0, cb[0]], [0.0, 1 / sb, cb[1]], [0.0, 0.0, 1.0]])
    H = Tb_inv @ vec[-1].reshape(3, 3) @ Ta
    return H / H[2, 2] if abs(H[2, 2]) > 1e-12 else None


#: Found finder/alignment centres must lie within QR_TOL slip units of where the code's
#: corners put them; corner marks within MARK_TOL (paper bends, and they are far away).
QR_TOL = 2.0
MARK_TOL = 7.0
#: After the fit, a point further than FIT_TOL slip units off is dropped and the fit redone.
FIT_TOL = 2.5
_SLIP = Rect(0.0, 0.0, S.SLIP_W, S.SLIP_H)


def outline_scores(dark: np.ndarray, k: float) -> tuple[np.ndarray, int]:
    """For every place a check box's top-left corner could be in ``dark`` (darkness, float,
    ``k`` px per unit): how much darker its printed outline is than the paper just outside
    it, in share of the window's contrast (about 1 for a crisp outline, 0 for none).

    Only the outline and a thin band outside it are measured, never the box's interior, so
    whatever was written in the box does not hide it. Sums come from an integral image, so
    every position costs a few additions. Returns (scores[y, x], margin): score[y, x] is for
    the box corner at (x + margin, y + margin)."""
    diff, m = _ring_minus_band(cv2.integral(dark, sdepth=cv2.CV_64F), dark.shape, k, None)
    if diff is None:
        return np.full((1, 1), -1.0), m
    lo, hi = levels(255 - dark.astype(np.uint8), (0.01, 0.95))  # paper and ink levels
    return diff / max(hi - lo, 1.0), m


def _ring_minus_band(ii: np.ndarray, shape: tuple[int, int], k: float, light: int | None
                     ) -> tuple[np.ndarray | None, int]:
    """:func:`outline_scores` before it is scaled by the contrast (grey levels), from the
    integral image ``ii`` of the darkness, or of the grey image itself when ``light`` is
    the white it is darkness from (255: the sums, whole numbers, are turned exactly)."""
    size = round(S.BOX_SIZE * k)
    h = max(1, round(S.BOX_STROKE * k * 1.3))
    b = max(2, round(1.2 * k))
    m = h + b
    H, W = shape
    ny, nx = H - size - 2 * m + 1, W - size - 2 * m + 1
    if ny < 1 or nx < 1:
        return None, m

    def square(grow: int) -> np.ndarray:
        # the corners of every position at once, as shifted views of the integral image
        a, b = m - grow, m + size + grow
        return (ii[b:b + ny, b:b + nx] - ii[a:a + ny, b:b + nx] - ii[b:b + ny, a:a + nx]
                + ii[a:a + ny, a:a + nx])

    inner, ring_out, band_out = square(-h), square(h), square(h + b)
    n_ring = (size + 2 * h) ** 2 - (size - 2 * h) ** 2
    n_band = (size + 2 * h + 2 * b) ** 2 - (size + 2 * h) ** 2
    ring, band = ring_out - inner, band_out - ring_out
    if light is not None:  # sums of grey: darkness sums are white times the area less them
        ring, band = light * n_ring - ring, light * n_band - band
    return ring / float(n_ring) - band / float(n_band), m


#: Pixels per slip unit at which check box outlines are looked for.
_BOX_K = 3.0
#: Outline score (see outline_scores) for a box outline to count as found.
BOX_PEAK = 0.3
#: The furthest (slip units) a check box may lie from where the code's pose puts it.
MAX_DRIFT = 35.0


def _local(angle: float, squeeze: float, stretch: float = 1.0) -> np.ndarray:
    """The 2 × 2 map: scale x by ``squeeze`` and y by ``stretch``, then turn by ``angle``
    (radians)."""
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c * squeeze, -s * stretch], [s * squeeze, c * stretch]])


def turned(H: np.ndarray, center: tuple[float, float], angle: float, squeeze: float = 1.0,
           stretch: float = 1.0) -> np.ndarray:
    """``H`` with slip units first scaled along x by ``squeeze`` and along y by ``stretch``,
    and turned by ``angle`` (radians), all about ``center`` (curled paper: a box
    foreshortened, or nearer the camera and larger, and turned)."""
    if not angle and squeeze == 1.0 and stretch == 1.0:
        return H
    A = _local(angle, squeeze, stretch)
    c = np.asarray(center, np.float64)
    M = np.eye(3)
    M[:2, :2] = A
    M[:2, 2] = c - A @ c
    return H @ M


def match_box(gray: np.ndarray, H: np.ndarray, box: Rect, guess: tuple[float, float],
              search: float, angle: float = 0.0, squeeze: float = 1.0
              ) -> tuple[float, float] | None:
    """Where the printed outline of ``box`` is, as an offset (slip units) from where ``H``
    puts it, searching ``search`` units around ``guess``; None if not clearly found.
    ``angle``, ``squeeze``: the box is looked for turned and squeezed (see :func:`turned`)
    about its guessed centre (the offset is then that of its centre, mapped back)."""
    found = _match_peak(gray, H, box, guess, search, angle, squeeze)
    return found[0] if found[1] >= BOX_PEAK else None


#: The row of check boxes continued beyond the slip's left edge at its pitch: where another
#: slip's boxes lie when that slip lies over this one's left part with its boxes on this
#: one's (two or three box pitches to the left). The lower slip's code is read and its
#: boxes show the upper slip's marks; the upper slip, its code hidden (a thumb, a sticky
#: note, a glare spot), is never read, so nothing else says it is there.
_PITCH = S.BOXES["done"].x0 - S.BOXES["taken"].x0
ROW_BEYOND = tuple(S.BOXES["taken"].translate(-k * _PITCH, 0.0) for k in (1, 2))


#: How far (slip units) around each place of :data:`ROW_BEYOND` a box outline is looked
#: for, and turned by how much (radians): the slip over this one may lie turned a little
#: (at 2.5° its boxes fell outside a 5-unit search). One outline past the edge, not two
#: (a slip on top the other way up), held 33 more clear slips of 11,562 (bench/RESULTS.md,
#: Box reads, thirty-third session): not taken.
BEYOND_SEARCH = 8.0
BEYOND_TURNS = tuple(math.radians(a) for a in (0.0, 3.0, -3.0, 6.0, -6.0))
#: Beside the slip's left edge, outside it and inside it (slip units), level with its boxes.
EDGE_OUTSIDE = Rect(-8.0, S.BOX_Y - 8.0, -2.0, S.BOX_Y + S.BOX_SIZE + 8.0)
EDGE_INSIDE = EDGE_OUTSIDE.translate(10.0, 0.0)
#: Paper goes on past the slip's left edge when the grey just outside it is at least this
#: share of the grey just inside it (the table between slips lying apart is darker).
PAPER_GOES_ON = 0.85


def row_continues(gray: np.ndarray, pose: SlipPose) -> bool:
    """Whether paper goes on past the slip's left edge (:data:`PAPER_GOES_ON`) and box
    outlines continue its row of check boxes there, at both places of :data:`ROW_BEYOND`
    (each place, and the edge, moved as the slip's taken box is found moved: bent paper):
    another slip may lie over this one, its boxes on this one's. Slips lying apart, even
    in line, have the table between them (bench/RESULTS.md, Box reads, thirty-third
    session)."""
    guess = pose.boxes.get("taken", (0.0, 0.0))  # bent paper moves the edge with the box
    inside = float(np.median(warp(gray, pose.H, EDGE_INSIDE.translate(*guess), 2.0)))
    outside = float(np.median(warp(gray, pose.H, EDGE_OUTSIDE.translate(*guess), 2.0,
                                   border=0)))
    if outside < PAPER_GOES_ON * inside:
        return False
    return any(all(match_box(gray, pose.H, box, (guess[0], guess[1] - k * _PITCH * math.sin(a)),
                             BEYOND_SEARCH, a) is not None
                   for k, box in enumerate(ROW_BEYOND, 1)) for a in BEYOND_TURNS)


def _match_peak(gray: np.ndarray, H: np.ndarray, box: Rect, guess: tuple[float, float],
                search: float, angle: float, squeeze: float
                ) -> tuple[tuple[float, float], float]:
    """``match_box``'s best place and its outline score, whether it is clear or not."""
    img, _, diff, m, origin = _outline_window(gray, H, box, guess, (search, search), angle,
                                              squeeze)
    if diff is None:
        peak, px, py = -1.0, 0, 0
    else:
        _, top, _, (px, py) = cv2.minMaxLoc(diff)
        lo, hi = levels(img, (0.01, 0.95))  # paper and ink levels
        peak = top / max(hi - lo, 1.0)
    return _box_offset(box, guess, angle, squeeze, origin, px + m, py + m), float(peak)


def _outline_window(gray: np.ndarray, H: np.ndarray, box: Rect, guess: tuple[float, float],
                    reach: tuple[float, float], angle: float, squeeze: float,
                    stretch: float = 1.0):
    """The window where ``box``'s outline is looked for, ``reach`` (x, y slip units) each
    way around ``guess``, in the box's own frame (turned and squeezed about its guessed
    centre, see :func:`turned`), at _BOX_K px per unit: (the window, its integral image,
    :func:`_ring_minus_band` of it (None when too small), that map's margin, the window's
    top-left in slip units). The outline scores are ``outline_scores(255 - window)``, the
    sums taken of the grey image itself."""
    pad_x, pad_y = reach[0] + 2.0, reach[1] + 2.0
    x0, y0 = box.x0 + guess[0] - pad_x, box.y0 + guess[1] - pad_y
    x1, y1 = box.x1 + guess[0] + pad_x, box.y1 + guess[1] + pad_y
    if angle or squeeze != 1.0 or stretch != 1.0:
        c = ((box.x0 + box.x1) / 2 + guess[0], (box.y0 + box.y1) / 2 + guess[1])
        H = turned(H, c, angle, squeeze, stretch)
    img = _warp(gray, H, x0, y0, x1, y1, _BOX_K)
    ii = cv2.integral(img)
    diff, m = _ring_minus_band(ii, img.shape, _BOX_K, 255)
    return img, ii, diff, m, (x0, y0)


def _box_offset(box: Rect, guess: tuple[float, float], angle: float, squeeze: float,
                origin: tuple[float, float], X: int, Y: int, stretch: float = 1.0
                ) -> tuple[float, float]:
    """The offset (slip units, from where the pose puts ``box``) of its outline found with
    its top-left corner at (X, Y) px in the window from :func:`_outline_window`."""
    dx, dy = origin[0] + X / _BOX_K - box.x0, origin[1] + Y / _BOX_K - box.y0
    if angle or squeeze != 1.0 or stretch != 1.0:  # the centre found locally, mapped back
        g = np.asarray(guess, np.float64)
        d = g + _local(angle, squeeze, stretch) @ (np.array([dx, dy]) - g)
        return float(d[0]), float(d[1])
    return float(dx), float(dy)


def _far_match(gray: np.ndarray, H: np.ndarray, box: Rect, guess: tuple[float, float],
               reach: tuple[float, float], angle: float, squeeze: float, stretch: float = 1.0
               ) -> dict | None:
    """The best place for ``box``'s outline within ``reach`` (x, y slip units, in the box's
    own turned and squeezed frame) of ``guess``: its offset (as :func:`_match_peak`), its
    outline score, each side's own score (top, bottom, left, right: how much darker that
    side is than the paper just outside it, in share of the contrast) and the best score
    found more than FAR_APART units from it (another place that looks like the box)."""
    img, ii, diff, m, origin = _outline_window(gray, H, box, guess, reach, angle, squeeze,
                                               stretch)
    if diff is None:
        return None
    k = _BOX_K
    lo, hi = levels(img, (0.01, 0.95))
    contrast = max(hi - lo, 1.0)
    _, top, _, (px, py) = cv2.minMaxLoc(diff)
    apart = round(FAR_APART * k)
    rest = diff.copy()
    rest[max(0, py - apart):py + apart + 1, max(0, px - apart):px + apart + 1] = -np.inf
    second = float(rest.max()) / contrast if np.isfinite(rest).any() else -1.0
    size = round(S.BOX_SIZE * k)
    h = max(1, round(S.BOX_STROKE * k * 1.3))
    b = max(2, round(1.2 * k))
    X, Y = px + m, py + m

    def mean(ya: int, yb: int, xa: int, xb: int) -> float:
        return float(ii[yb, xb] - ii[ya, xb] - ii[yb, xa] + ii[ya, xa]) / ((yb - ya) * (xb - xa))

    sides = (  # band outside minus the outline itself (grey: the outline is darker)
        mean(Y - h - b, Y - h, X, X + size) - mean(Y - h, Y + h, X, X + size),
        mean(Y + size + h, Y + size + h + b, X, X + size) - mean(Y + size - h, Y + size + h,
                                                                X, X + size),
        mean(Y, Y + size, X - h - b, X - h) - mean(Y, Y + size, X - h, X + h),
        mean(Y, Y + size, X + size + h, X + size + h + b) - mean(Y, Y + size, X + size - h,
                                                                X + size + h),
    )
    return {"off": _box_offset(box, guess, angle, squeeze, origin, X, Y, stretch),
            "peak": top / contrast, "sides": tuple(v / contrast for v in sides),
            "second": second}


#: Another place scoring nearly as well, this far (slip units) from the best, makes a far
#: search ambiguous.
FAR_APART = 4.0


def _center(r: Rect) -> tuple[float, float]:
    return ((r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2)


def _to_frame(H: np.ndarray, pt: tuple[float, float]) -> np.ndarray:
    return cv2.perspectiveTransform(np.float32([[pt]]), H)[0, 0]


def _to_slip(H: np.ndarray, pt: np.ndarray, H_inv: np.ndarray | None = None) -> np.ndarray:
    inv = np.linalg.inv(H) if H_inv is None else H_inv
    return cv2.perspectiveTransform(np.float32([[pt]]), inv)[0, 0]


def _walk_boxes(gray: np.ndarray, H: np.ndarray, src: list, dst: list
                ) -> dict[str, np.ndarray]:
    """Find each check box's printed outline, starting next to the code and walking away
    from it. After each box the pose is fitted again through the points known so far
    (``src``/``dst``: slip units / frame px) and that box, so the next box is looked for
    where the bend of the paper so far puts it. Returns each found box centre in frame px."""
    order = sorted(S.BOXES, key=lambda b: -S.BOXES[b].x0)
    found: dict[str, np.ndarray] = {}
    walk_H, H_inv = H, np.linalg.inv(H)
    for wide in (False, True):  # then once more, wider, for the boxes still missing
        for name in order:
            if name in found:
                continue
            box = S.BOXES[name]
            c = _center(box)
            at = _to_slip(H, _to_frame(walk_H, c), H_inv)  # where the walk's pose puts it
            guess = (float(at[0] - c[0]), float(at[1] - c[1]))
            off = match_box(gray, H, box, guess, 8.0 if wide else 6.0 if found else 5.0)
            if off is None or max(abs(off[0]), abs(off[1])) > MAX_DRIFT:
                continue
            found[name] = _to_frame(H, (c[0] + off[0], c[1] + off[1]))
            if len(found) == len(order):
                break
            if np.hypot(off[0] - guess[0], off[1] - guess[1]) < 0.75:
                continue  # where the walk's pose said: no need to fit it again
            names = list(found)
            fit = _least_squares([*src, *src, *(_center(S.BOXES[n]) for n in names)],
                                 [*dst, *dst, *(found[n] for n in names)])
            if fit is not None:
                walk_H = fit
        if len(found) == len(order):
            break
    return {n: found[n] for n in S.BOXES if n in found}


def _fit_robust(src: list, dst: list, extra_src: list, extra_dst: list
                ) -> tuple[np.ndarray | None, list, list]:
    """Fit through the trusted points (counted twice) and the extra ones, dropping the
    worst extra point while any point is more than FIT_TOL units off. Returns the fit and
    the extra points kept."""
    extra_src, extra_dst = list(extra_src), list(extra_dst)
    while True:
        H = _least_squares([*src, *src, *extra_src], [*dst, *dst, *extra_dst])
        if H is None or not extra_src:
            return H, extra_src, extra_dst
        res = _residuals(H, [*src, *extra_src], [*dst, *extra_dst])
        if res.max() <= FIT_TOL:
            return H, extra_src, extra_dst
        worst = int(np.argmax(res[len(src):]))
        del extra_src[worst], extra_dst[worst]


def locate(gray: np.ndarray, corners: np.ndarray) -> SlipPose:
    """The slip's pose from its QR code's corners (frame px, tl/tr/br/bl), refined with the
    code's finder and alignment patterns, then the printed check boxes (found walking away
    from the code; their offsets absorb bent paper), then the corner marks that agree."""
    corner_src = [tuple(p) for p in S.qr_corners()]
    corner_dst = [tuple(p) for p in np.float32(corners)]
    H = _least_squares(corner_src, corner_dst)
    src, dst = _observe(gray, H, _TARGETS[:_FIRST_MARK], QR_TOL)
    if len(src) == 4:
        H = _least_squares(src, dst)
    else:  # the code's corners, with the centres found counted twice
        src, dst = [*src, *src, *corner_src], [*dst, *dst, *corner_dst]
        H = _least_squares(src, dst)
    found = _walk_boxes(gray, H, src, dst)
    bsrc = [_center(S.BOXES[n]) for n in found]
    bdst = list(found.values())
    if found:
        H = _least_squares([*src, *src, *bsrc], [*dst, *dst, *bdst]) if len(src) + len(
            bsrc) >= 4 else H
    # the corner marks, far from the code and the boxes: kept where they agree (for the
    # note and steward crops, and how sure the pose is)
    msrc, mdst = _observe(gray, H, _TARGETS[_FIRST_MARK:], MARK_TOL, _SLIP)
    if msrc:
        H2, msrc, mdst = _fit_robust([*src, *bsrc], [*dst, *bdst], msrc, mdst)
        if H2 is not None:
            H = H2
    marks = len(msrc)
    boxes = {}
    if found:
        seen = cv2.perspectiveTransform(np.float32(bdst).reshape(1, -1, 2), np.linalg.inv(H))[0]
        for name, c, (x, y) in zip(found, bsrc, seen.tolist(), strict=True):
            boxes[name] = (float(np.float32(x) - c[0]), float(np.float32(y) - c[1]))
    for name in S.BOXES:  # once more, near where the final pose puts the boxes still missing
        if name not in boxes:
            off = match_box(gray, H, S.BOXES[name], (0.0, 0.0), 5.0)
            if off is not None:
                boxes[name] = off
    turns = _row_turns(boxes)
    squeezes = {}
    for name in S.BOXES:  # and where the bend of the row so far puts them, turned with it
        if name not in boxes and len(boxes) >= 2:
            guess, angle = _row_predict(boxes, name)
            if max(abs(guess[0]), abs(guess[1])) > MAX_DRIFT:
                continue
            # curled paper also foreshortens the box, or widens it: the width at which its
            # outline stands out on every side, else the best of the narrower ones
            tries = {f: _far_match(gray, H, S.BOXES[name], guess, (6.0, 6.0), angle, f)
                     for f in FAR_WIDTHS}
            clear = [(r["peak"], f) for f, r in tries.items() if _clear(r)]
            peak, squeeze = max(clear) if clear else max((tries[f]["peak"], f) for f in SQUEEZES)
            off = tries[squeeze]["off"]
            if peak >= BOX_PEAK:
                boxes[name] = off
                turns = _row_turns(boxes)
                turns.setdefault(name, angle)
                if squeeze != 1.0:
                    squeezes[name] = squeeze
    stretches = {}
    for name in _WALK:  # last, far from where anything puts them (strongly curled paper)
        if name not in boxes:
            far = _far_box(gray, H, boxes, name)
            if far is not None:
                boxes[name], angle, squeeze, stretch = far
                turns = _row_turns(boxes)
                turns.setdefault(name, angle)
                if squeeze != 1.0:
                    squeezes[name] = squeeze
                if stretch != 1.0:
                    stretches[name] = stretch
    quads = {}
    for name in _WALK:  # sheared out of square: its outline as a four-sided shape
        if name not in boxes:
            found_quad = quad_box(gray, H, boxes, name)
            if found_quad is not None:
                boxes[name], quads[name] = found_quad
    boxes = {n: boxes[n] for n in S.BOXES if n in boxes}
    turns = {n: a for n, a in turns.items()
             if n in boxes and n not in quads
             and (abs(a) >= TURN_MIN or n in squeezes or n in stretches)}
    return SlipPose(H=H, ppu=_ppu(H), marks=marks, boxes=boxes, turns=turns,
                    squeezes=squeezes, stretches=stretches, quads=quads)


#: The boxes in the order they are walked: from the code's side outwards.
_WALK = tuple(sorted(S.BOXES, key=lambda b: -S.BOXES[b].x0))
#: How far (slip units, along the row and across it) a box still missing is looked for
#: around where the row's bend (or the pose) puts it, and at which widths (share of its
#: printed width: curled paper foreshortens a box, or, curling towards the camera, widens it).
FAR_REACH = (22.0, 9.0)
FAR_WIDTHS = (1.3, 1.15, 1.0, 0.85, 0.72)
#: What a box found that far must show: every side of its outline at least FAR_SIDE (share
#: of the contrast) darker than the paper just outside it, and no other place FAR_APART
#: units away scoring more than FAR_UNIQUE of its score. Nothing else on the slip does:
#: places 14-26 units from the boxes (its label, the note box and what is written in it,
#: the slip's edge; 165,000 tries on 60 photos of the bench set) that score BOX_PEAK - 0.05
#: or more have their weakest side at 0.22 at most; a printed box's weakest side is 0.27 or
#: more in 99 of 100.
FAR_SIDE = 0.25
FAR_UNIQUE = 0.8


def _clear(r: dict | None) -> bool:
    """Whether a :func:`_far_match` result is a box outline beyond doubt (FAR_SIDE,
    FAR_UNIQUE, BOX_PEAK, MAX_DRIFT)."""
    return (r is not None and r["peak"] >= BOX_PEAK and min(r["sides"]) >= FAR_SIDE
            and r["second"] <= FAR_UNIQUE * r["peak"]
            and max(abs(r["off"][0]), abs(r["off"][1])) <= MAX_DRIFT)


def _far_box(gray: np.ndarray, H: np.ndarray, boxes: dict[str, tuple[float, float]],
             name: str) -> tuple[tuple[float, float], float, float, float] | None:
    """Box ``name``'s outline looked for far from where it is expected: around where the
    row through the boxes found puts it (or the nearest box found, or the pose), turned
    with the row, at each of FAR_WIDTHS; where none is clear, also at each of FAR_HEIGHTS
    (paper curled towards the camera makes the far box larger). Returns (offset, angle,
    width share, height share) of a clear, unique outline (the best of those), or None."""
    angle = 0.0
    guesses = [(0.0, 0.0)]
    if len(boxes) >= 2:
        guess, angle = _row_predict(boxes, name)
        guesses.insert(0, guess)
    elif boxes:
        guesses.insert(0, min(boxes.items(), key=lambda kv: abs(
            S.BOXES[kv[0]].x0 - S.BOXES[name].x0))[1])
    if len(boxes) < 3:
        angle = 0.0
    if len(guesses) == 2 and math.hypot(guesses[0][0], guesses[0][1]) < 4.0:
        guesses.pop()
    for heights in ((1.0,), FAR_HEIGHTS):
        best = None
        for guess in guesses:
            for height in heights:
                for width in FAR_WIDTHS:
                    r = _far_match(gray, H, S.BOXES[name], guess, FAR_REACH, angle, width,
                                   height)
                    if _clear(r) and (best is None or r["peak"] > best[0]["peak"]):
                        best = (r, width, height)
        if best is not None:
            r, width, height = best
            return r["off"], angle, width, height
    return None


#: How far (slip units, along the row and across it) around where the row (or the pose)
#: puts a box still missing its outline is looked for as a four-sided shape, at how many px
#: a unit, and what that shape must be: its area QUAD_AREA times the box's, each side
#: QUAD_SIDES times its side, each side within QUAD_TILT (radians) of the way the pose runs
#: there, and drawn at least QUAD_INK of the window's contrast darker than the paper around
#: it. The printed outline is the only such shape near a box's place: the label's letters
#: and the corner marks are far smaller, the note box and the code far larger. A
#: neighbouring slip's box is at least 28 units away (every box lies 14 or more inside its
#: slip's edge); one in reach makes two shapes, and the search gives up, unless this box's
#: own outline is too broken to show as one (bench/RESULTS.md, Box reads, fifth session).
QUAD_REACH = (24.0, 14.0)
QUAD_K = 3.0
QUAD_AREA = (0.4, 2.5)
QUAD_SIDES = (0.55, 1.8)
QUAD_TILT = np.deg2rad(30.0)
QUAD_INK = 0.3
#: Shapes whose centres lie within this many slip units are one outline (its outer and
#: inner edge).
QUAD_SAME = 5.0


def below_paper(img: np.ndarray, k: float) -> np.ndarray:
    """How much darker (grey levels, uint8, 0 where lighter) each pixel of ``img`` (``k`` px
    a slip unit) is than the paper around it: a max filter wider than any pen stroke, then
    smoothed."""
    kk = round(4.5 * k) | 1
    bg = cv2.blur(cv2.dilate(img, np.ones((kk, kk), np.uint8)), (kk, kk))
    return cv2.subtract(bg, img)


def _quads_near(gray: np.ndarray, H: np.ndarray, box: Rect, guess: tuple[float, float]
                ) -> list[tuple[bool, np.ndarray]]:
    """Four-sided dark outlines the size of ``box`` within QUAD_REACH of ``guess`` (its
    offset): (whether it is the inner edge of the dark line, corners tl/tr/br/bl in slip
    units of ``H``) each."""
    k, (rx, ry) = QUAD_K, QUAD_REACH
    x0, y0 = box.x0 + guess[0] - rx, box.y0 + guess[1] - ry
    img = _warp(gray, H, x0, y0, box.x1 + guess[0] + rx, box.y1 + guess[1] + ry, k)
    below = below_paper(img, k)
    lo, hi = levels(img, (0.01, 0.95))
    mask = (below > QUAD_INK * max(hi - lo, 1.0)).view(np.uint8)
    contours, tree = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    size = S.BOX_SIZE * k
    out = []
    for ct, (*_, parent) in zip(contours, tree[0] if tree is not None else (), strict=True):
        area = cv2.contourArea(ct)
        if not QUAD_AREA[0] * size * size <= area <= QUAD_AREA[1] * size * size:
            continue
        poly = cv2.approxPolyDP(ct, 0.06 * cv2.arcLength(ct, True), True)
        if len(poly) != 4 or not cv2.isContourConvex(poly):
            continue
        p = poly.reshape(4, 2).astype(np.float64)
        c = p.mean(axis=0)
        start = int(np.argmin(p.sum(axis=1)))  # top-left, then clockwise on the image
        order = np.argsort(np.arctan2(p[:, 1] - c[1], p[:, 0] - c[0]))
        order = np.roll(order, -int(np.where(order == start)[0][0]))
        p = p[order]
        v = np.roll(p, -1, axis=0) - p  # top, right, bottom, left sides
        lengths = np.hypot(v[:, 0], v[:, 1])
        if lengths.min() < QUAD_SIDES[0] * size or lengths.max() > QUAD_SIDES[1] * size:
            continue
        tilt = np.arctan2(v[:, 1], v[:, 0]) - np.array([0.0, 0.5, 1.0, -0.5]) * np.pi
        if np.abs((tilt + np.pi) % (2 * np.pi) - np.pi).max() > QUAD_TILT:
            continue
        out.append((parent >= 0, p / k + (x0, y0)))
    return out


def quad_box(gray: np.ndarray, H: np.ndarray, boxes: dict[str, tuple[float, float]],
             name: str, near: tuple[float, float] | None = None
             ) -> tuple[tuple[float, float], np.ndarray] | None:
    """Box ``name``'s outline as a four-sided dark shape of about its size (curled paper
    shears and bends the far box out of square, so no turned and resized square matches
    it), around ``near`` (an offset), where the row through the other ``boxes`` found puts
    it, and where the pose does. Kept only when exactly one such outline is there, clear of
    every other box, and within MAX_DRIFT units of where the pose puts it, or QUAD_ROW of
    where the row through three boxes or more does (paper curled towards the camera
    magnifies its far end: the far box then lies up to 65 units beyond the pose's place).
    Returns (its centre's offset, the homography mapping the box at that offset onto it,
    frame px), or None."""
    box = S.BOXES[name]
    others = {n: at for n, at in boxes.items() if n != name}
    row = _row_predict(others, name)[0] if len(others) >= 2 else None
    guesses = list(dict.fromkeys(g for g in (near, row, (0.0, 0.0)) if g is not None))
    found: list[tuple[bool, np.ndarray]] = []
    for guess in guesses:
        found += _quads_near(gray, H, box, guess)
    if not found:
        return None
    centres = np.array([p.mean(axis=0) for _, p in found])
    if np.hypot(*(centres - centres[0]).T).max() > QUAD_SAME:
        return None  # more than one outline: not sure which
    # the printed line's middle: between its outer and inner edges where both were found,
    # else a stroke's width in from the outer edge or out from the inner one (the window's
    # own outline search then finds each side)
    inner = [p for hole, p in found if hole]
    outer = [p for hole, p in found if not hole]
    corners = (np.mean(inner, axis=0) + np.mean(outer, axis=0)) / 2 if inner and outer \
        else np.mean(inner or outer, axis=0)
    grow = 0.0 if inner and outer else S.BOX_STROKE if outer else -S.BOX_STROKE
    c = _center(box)
    off = (float(centres[0][0] - c[0]), float(centres[0][1] - c[1]))
    on_row = (row is not None and len(others) >= 3
              and math.hypot(off[0] - row[0], off[1] - row[1]) <= QUAD_ROW)
    if max(abs(off[0]), abs(off[1])) > (2 * MAX_DRIFT if on_row else MAX_DRIFT):
        return None
    for other, at in others.items():  # never another box's outline, nor past it on the row
        o = _center(S.BOXES[other])
        if (math.hypot(o[0] + at[0] - centres[0][0], o[1] + at[1] - centres[0][1])
                < 2 * S.BOX_SIZE or (o[0] + at[0] - centres[0][0]) * (o[0] - c[0]) <= 0):
            return None
    edge = box.inset(-grow).translate(*off)
    src = np.float32([[edge.x0, edge.y0], [edge.x1, edge.y0], [edge.x1, edge.y1],
                      [edge.x0, edge.y1]])
    dst = cv2.perspectiveTransform(np.float32(corners).reshape(1, 4, 2), H)[0]
    return off, cv2.getPerspectiveTransform(src, dst)


#: How near (slip units) to where the row through three boxes or more puts a box its
#: four-sided outline must lie when it lies further than MAX_DRIFT from the pose's place.
QUAD_ROW = 8.0


#: The heights (share of its printed height, after ``H``) at which a far box is looked for
#: when none is clear at its own height.
FAR_HEIGHTS = (1.15, 1.3)


#: How narrow (share of its printed width, after ``H``) a missing box is also looked for.
SQUEEZES = (1.0, 0.85, 0.72)


#: A box turned less than this (radians) against the pose is read as if square to it.
TURN_MIN = np.deg2rad(2.0)
#: The most a box is taken to be turned (radians): past it, a fit is not believed.
TURN_MAX = np.deg2rad(20.0)


def _row_fit(boxes: dict[str, tuple[float, float]]) -> np.ndarray | None:
    """Polynomial coefficients (columns dx, dy; highest power first, in a box's x / 100
    slip units) of the found boxes' offsets: a line through two, a parabola through three
    or four (the bend of curled paper)."""
    if len(boxes) < 2:
        return None
    return _row_solver(tuple(boxes)) @ np.array(list(boxes.values()))


@functools.cache
def _row_solver(names: tuple[str, ...]) -> np.ndarray:
    """The least-squares solver (pseudo-inverse) of :func:`_row_fit` for these boxes."""
    t = np.array([_center(S.BOXES[n])[0] for n in names]) / 100.0
    return np.linalg.pinv(np.vander(t, min(2, len(names) - 1) + 1))


def _row_at(coef: np.ndarray, name: str) -> tuple[tuple[float, float], float]:
    """Box ``name``'s offset on the fitted row and how the row turns it there (radians)."""
    t = _center(S.BOXES[name])[0] / 100.0
    deg = len(coef) - 1
    dx, dy = np.vander([t], deg + 1)[0] @ coef
    slope = 2 * coef[0, 1] * t + coef[1, 1] if deg == 2 else coef[0, 1]
    angle = float(np.clip(np.arctan(slope / 100.0), -TURN_MAX, TURN_MAX))
    return (float(dx), float(dy)), angle


def _row_predict(boxes: dict[str, tuple[float, float]], name: str
                 ) -> tuple[tuple[float, float], float]:
    """Where the row's bend puts box ``name`` (its offset) and how it turns it (radians)."""
    return _row_at(_row_fit(boxes), name)


def _row_turns(boxes: dict[str, tuple[float, float]]) -> dict[str, float]:
    """How much each found box is turned against the pose: the slope of the row's bend
    there (none from fewer than three boxes: a line through two is what ``H`` fits)."""
    if len(boxes) < 3:
        return {}
    (_, a), (_, b), _ = _row_fit(boxes).tolist()  # a parabola: dy = a t² + b t + c
    return {n: min(TURN_MAX, max(-TURN_MAX, math.atan((2 * a * _center(S.BOXES[n])[0] / 100.0
                                                        + b) / 100.0)))
            for n in boxes}


def _inside(quad: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Which ``points`` (N × 2) lie inside the convex ``quad`` (4 × 2, either winding): N
    bools; for a stack of quads (M × 4 × 2), M × N, each point against each quad at once."""
    edges = np.roll(quad, -1, axis=-2) - quad
    rel = points[:, None, :] - quad[..., None, :, :]
    cross = edges[..., None, :, 0] * rel[..., 1] - edges[..., None, :, 1] * rel[..., 0]
    return np.all(cross >= 0, axis=-1) | np.all(cross <= 0, axis=-1)


def _rect_points(*rects: Rect) -> np.ndarray:
    """The rects' corners (tl, tr, br, bl each), shaped for ``cv2.perspectiveTransform``."""
    return np.float64([[(r.x0, r.y0), (r.x1, r.y0), (r.x1, r.y1), (r.x0, r.y1)]
                       for r in rects]).reshape(1, -1, 2)


def _corners(H: np.ndarray, r: Rect) -> np.ndarray:
    """The rect's four corners (slip units) in the frame (px), through ``H``."""
    return cv2.perspectiveTransform(_rect_points(r), np.float64(H))[0]


def boxes_outside(pose: SlipPose, shape: tuple[int, ...]) -> list[str]:
    """The status boxes whose printed outline, where ``pose`` puts it, does not lie wholly
    inside a frame of ``shape``: cut off by the photo's edge (read, the box is unclear)."""
    h, w = shape[:2]
    rects = [S.BOXES[n].translate(*pose.boxes.get(n, (0.0, 0.0))) for n in S.BOXES]
    pts = cv2.perspectiveTransform(_rect_points(*rects), np.float64(pose.H))[0]
    inside = ((pts[:, 0] >= 0) & (pts[:, 0] <= w - 1) & (pts[:, 1] >= 0)
              & (pts[:, 1] <= h - 1)).reshape(-1, 4).all(axis=1)
    return [n for n, ok in zip(S.BOXES, inside.tolist(), strict=True) if not ok]


def slip_outline(H: np.ndarray) -> np.ndarray:
    """The slip's four corners (tl, tr, br, bl) in the frame (px, 4 × 2), through ``H``."""
    return _corners(H, _SLIP)


def code_homography(corners: np.ndarray) -> np.ndarray:
    """Slip units → frame px as a read code's four corners alone place the slip."""
    return cv2.getPerspectiveTransform(np.float32(S.qr_corners()), np.float32(corners))


def inside_slips(qr_corners: list[np.ndarray], points: np.ndarray) -> np.ndarray:
    """Which ``points`` (N × 2, frame px) lie on a slip whose code was read (``qr_corners``:
    each code's corners, tl/tr/br/bl, frame px), as the code's own homography places the slip
    (on curled paper it may overshoot the far edge by a few units: a neighbouring slip's code
    centre lies at least ~46 units from that edge). A printed slip holds no second code, so
    a search for unread codes can skip these points."""
    points = np.asarray(points, np.float64).reshape(-1, 2)
    if not len(qr_corners) or not len(points):
        return np.zeros(len(points), bool)
    quads = np.stack([slip_outline(code_homography(c)) for c in qr_corners])
    return _inside(quads, points).any(axis=0)


#: A check box counts as lying under another slip when its outline, widened by COVER_PAD
#: units (where the box was found, and a little more for the pose's error), reaches more
#: than COVER_EDGE units inside that slip's outline as its own pose places it. Slips laid
#: apart never come that close: the boxes lie at least 14 units inside their own slip's
#: edges.
COVER_PAD = 3.0
COVER_EDGE = 3.0


_OUTLINES = _rect_points(_SLIP, _SLIP.inset(COVER_EDGE))


def covered_boxes(slips: list[tuple[np.ndarray, dict[str, tuple[float, float]],
                                    np.ndarray]]) -> dict[int, tuple[int, list[str]]]:
    """Slips in one frame whose check boxes another slip may hide (slips laid overlapping,
    fanned out or in a pile): ``slips`` holds, for every code read in the frame, its pose's
    homography, the box offsets its pose found (``SlipPose.boxes``) and the code's four
    corners (frame px). The answer maps the index of each slip with boxes inside another
    slip's outline to (that slip's index, those boxes), unless the slip's own code lies
    inside that slip's outline: a code read there is on top of it (flat paper lies wholly
    above or below another sheet), so its boxes are too. What lies over a box is read as
    the box: another slip's box with a mark in it would read as this slip's status."""
    if len(slips) < 2:
        return {}
    # each slip's outline, whole and COVER_EDGE in: one transform a slip
    both = np.array([cv2.perspectiveTransform(_OUTLINES, np.float64(H))[0]
                     for H, _, _ in slips])
    whole, outlines = both[:, :4], both[:, 4:]
    lo, hi = whole.min(axis=1), whole.max(axis=1)
    # pairs whose outlines' bounding boxes meet: the only ones that can overlap
    near = np.all((lo[:, None] <= hi[None]) & (lo[None] <= hi[:, None]), axis=2)
    np.fill_diagonal(near, False)
    out: dict[int, tuple[int, list[str]]] = {}
    for i, (H, offsets, corners) in enumerate(slips):
        if not near[i].any():
            continue
        pts = cv2.perspectiveTransform(_rect_points(*(
            r.translate(*offsets.get(name, (0.0, 0.0))).inset(-COVER_PAD)
            for name, r in S.BOXES.items())), np.float64(H))[0]
        blo, bhi = pts.min(axis=0), pts.max(axis=0)
        boxes = dict(zip(S.BOXES, pts.reshape(-1, 4, 2), strict=True))
        centre = np.float64(corners).reshape(-1, 2).mean(axis=0)[None]
        for j in np.flatnonzero(near[i]).tolist():
            if (np.any(blo > hi[j]) or np.any(lo[j] > bhi)  # the boxes lie off it
                    or _inside(whole[j], centre)[0]):
                continue
            under = [name for name, q in boxes.items()
                     if _inside(outlines[j], q).any() or _inside(q, outlines[j]).any()]
            if under:
                out[i] = (j, under)
                break
    return out
