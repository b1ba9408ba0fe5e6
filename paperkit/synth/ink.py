"""Pen strokes on paper: the shapes people draw (ticks, crosses, fills, scribbles, cursive-like
handwriting) and an ink model that lays them onto an RGB image.

Every function works in image pixels of the page or slip being marked; ``pt`` is the number
of pixels in one point (dpi / 72), so shapes keep their physical size at any dpi.
A stroke is a polyline with a width and an opacity at each point; strokes are drawn
antialiased by supersampling, then laid on the paper multiplicatively, as ink absorbs light.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

#: Supersampling factor for stroke rasterisation.
_SS = 4


@dataclass(frozen=True)
class Ink:
    """How a pen looks. ``color`` is the ink's RGB (0..255) at full coverage; ``opacity`` its
    coverage at normal pressure (0..1); ``width_pt`` the line width in points; ``grain`` how
    much the paper's tooth breaks the line up (0: solid, 1: pencil on rough paper)."""

    name: str
    color: tuple[int, int, int]
    opacity: float
    width_pt: float
    grain: float


INKS: dict[str, Ink] = {
    "pencil-grey": Ink("pencil-grey", (70, 70, 76), 0.75, 0.8, 0.45),
    "blue": Ink("blue", (28, 48, 150), 0.9, 0.65, 0.12),
    "black-marker": Ink("black-marker", (22, 22, 26), 0.96, 2.4, 0.04),
}


@dataclass(frozen=True)
class Stroke:
    """One pen-down movement: ``points`` (N, 2) in pixels, ``width`` (N,) in pixels and
    ``alpha`` (N,) coverage in 0..1 at each point."""

    points: np.ndarray
    width: np.ndarray
    alpha: np.ndarray


def smooth_path(ctrl: np.ndarray, n: int) -> np.ndarray:
    """A smooth curve through control points ``ctrl`` (K, 2), sampled at ``n`` points
    (Catmull-Rom spline)."""
    ctrl = np.asarray(ctrl, dtype=np.float64)
    if len(ctrl) < 3:
        t = np.linspace(0, 1, n)[:, None]
        return ctrl[0] * (1 - t) + ctrl[-1] * t
    p = np.vstack([2 * ctrl[0] - ctrl[1], ctrl, 2 * ctrl[-1] - ctrl[-2]])
    segs = len(ctrl) - 1
    u = np.linspace(0, segs, n, endpoint=False)
    u = np.append(u, segs - 1e-9)
    i = np.minimum(u.astype(int), segs - 1)
    t = (u - i)[:, None]
    p0, p1, p2, p3 = p[i], p[i + 1], p[i + 2], p[i + 3]
    return 0.5 * ((2 * p1) + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                  + (-p0 + 3 * p1 - 3 * p2 + p3) * t**3)


def tremor(points: np.ndarray, amp: float, rng: np.random.Generator) -> np.ndarray:
    """Add a hand's low-frequency wobble of about ``amp`` pixels to a sampled path."""
    n = len(points)
    k = max(3, n // 8)
    knots = rng.normal(0, amp, size=(k, 2))
    idx = np.linspace(0, k - 1, n)
    wob = np.stack([np.interp(idx, np.arange(k), knots[:, j]) for j in (0, 1)], axis=1)
    return points + wob


def make_stroke(points: np.ndarray, ink: Ink, pt: float, pressure: float,
                rng: np.random.Generator, taper: float = 0.35) -> Stroke:
    """Give a path a pen's width and coverage: pressure varies along the stroke, the start
    presses a little harder, and the end lifts off (``taper`` of the length thins out)."""
    n = len(points)
    t = np.linspace(0.0, 1.0, n)
    base_w = ink.width_pt * pt * np.sqrt(pressure)
    wave = 1.0 + 0.18 * np.sin(2 * np.pi * (t * rng.uniform(0.6, 1.6) + rng.uniform(0, 1)))
    lift = np.clip((1.0 - t) / max(taper, 1e-3), 0.35, 1.0) if taper > 0 else np.ones(n)
    land = np.clip(t / 0.06, 0.6, 1.0)
    width = np.maximum(base_w * wave * lift * land, 0.6)
    alpha = np.clip(ink.opacity * (0.75 + 0.25 * pressure) * (0.85 + 0.15 * lift), 0.05, 1.0)
    return Stroke(np.asarray(points, float), width, alpha)


def rasterize(strokes: list[Stroke], shape: tuple[int, int]) -> np.ndarray:
    """Coverage (H, W) float32 in 0..1 of ``strokes`` on an image of ``shape`` (H, W)."""
    h, w = shape
    cov = np.zeros((h, w), np.float32)
    for s in strokes:
        pad = float(s.width.max()) + 2
        x0 = max(int(np.floor(s.points[:, 0].min() - pad)), 0)
        y0 = max(int(np.floor(s.points[:, 1].min() - pad)), 0)
        x1 = min(int(np.ceil(s.points[:, 0].max() + pad)), w)
        y1 = min(int(np.ceil(s.points[:, 1].max() + pad)), h)
        if x1 <= x0 or y1 <= y0:
            continue
        big = np.zeros(((y1 - y0) * _SS, (x1 - x0) * _SS), np.uint8)
        pts = (s.points - [x0, y0]) * _SS
        shift = 3  # sub-pixel precision for cv2
        ipts = np.round(pts * (1 << shift)).astype(np.int64)
        for i in range(len(pts) - 1):
            thick = max(int(round(s.width[i] * _SS)), 1)
            val = int(round(255 * s.alpha[i]))
            cv2.line(big, (int(ipts[i, 0]), int(ipts[i, 1])),
                     (int(ipts[i + 1, 0]), int(ipts[i + 1, 1])), val, thick, cv2.LINE_AA, shift)
        small = cv2.resize(big, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA)
        np.maximum(cov[y0:y1, x0:x1], small.astype(np.float32) / 255.0,
                   out=cov[y0:y1, x0:x1])
    return cov


def lay_ink(img: np.ndarray, coverage: np.ndarray, ink: Ink, rng: np.random.Generator) -> None:
    """Lay ``coverage`` of ``ink`` onto RGB uint8 ``img`` in place (subtractive: each channel
    is multiplied by the ink's transmission). Grainy inks skip where the paper's tooth is."""
    ys, xs = np.nonzero(coverage > 0.004)
    if len(ys) == 0:
        return
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    cov = coverage[y0:y1, x0:x1]
    if ink.grain > 0:
        tooth = rng.random(cov.shape, dtype=np.float32)
        tooth = cv2.GaussianBlur(tooth, (0, 0), 0.7)
        tooth = (tooth - tooth.mean()) / (tooth.std() + 1e-6)
        cov = cov * np.clip(1.0 - ink.grain * 0.5 * (1 + tooth) * 0.6, 0.15, 1.0)
    trans = np.asarray(ink.color, np.float32) / 255.0
    region = img[y0:y1, x0:x1].astype(np.float32)
    factor = 1.0 - cov[..., None] * (1.0 - trans)
    img[y0:y1, x0:x1] = np.clip(region * factor + 0.5, 0, 255).astype(np.uint8)


# --- shapes ------------------------------------------------------------------------------
# Each shape takes the box (x0, y0, x1, y1) in pixels and returns a list of paths.


def _jit(rng: np.random.Generator, s: float, n: int = 2) -> np.ndarray:
    return rng.normal(0.0, s, size=n)


def tick_paths(box: tuple[float, float, float, float], rng: np.random.Generator) -> list:
    """A check mark: a short stroke down, then a long flick up and right that often overruns
    the top-right of the box (people start and bend it inside the box, and overshoot)."""
    x0, y0, x1, y1 = box
    b = x1 - x0
    s = rng.uniform(0.95, 1.6)
    cx, cy = (x0 + x1) / 2 + _jit(rng, 0.08 * b)[0], (y0 + y1) / 2 + _jit(rng, 0.08 * b)[0]
    # The bend sits in the lower part of the box even for a big tick; the flick overruns.
    rel = np.array([[-0.36, -0.04], [-0.2, 0.12], [-0.07, 0.27], [0.18, -0.06], [0.4, -0.44],
                    [0.6, -0.72]])
    rel[:, 1] *= rng.uniform(0.85, 1.15)
    rel += rng.normal(0, 0.035, rel.shape)
    ang = np.deg2rad(rng.normal(0, 9))
    rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
    pts = (rel @ rot.T) * b * s + [cx, cy]
    return [pts]


def cross_paths(box: tuple[float, float, float, float], rng: np.random.Generator) -> list:
    """Two crossing strokes corner to corner, a little past the box edge at times."""
    x0, y0, x1, y1 = box
    b = x1 - x0
    o = rng.uniform(-0.05, 0.2) * b
    a = np.array([[x0 - o, y0 - o], [x1 + o, y1 + o]]) + rng.normal(0, 0.06 * b, (2, 2))
    c = np.array([[x1 + o, y0 - o], [x0 - o, y1 + o]]) + rng.normal(0, 0.06 * b, (2, 2))
    paths = []
    for p, q in (a, c):
        mid = (p + q) / 2 + rng.normal(0, 0.05 * b, 2)
        paths.append(np.array([p, mid, q]))
    return paths


def zigzag_paths(box: tuple[float, float, float, float], rng: np.random.Generator,
                 pitch: float, overrun: float, messy: float) -> list:
    """Back-and-forth hatching that covers the box: a fill (``messy`` small) or a scribble
    that strikes a box out (``messy`` large). ``pitch`` is the line spacing in pixels."""
    x0, y0, x1, y1 = box
    b = x1 - x0
    o = overrun * b
    n = max(int(np.ceil((y1 - y0 + 2 * o) / max(pitch, 0.5))), 3)
    ys = np.linspace(y0 - o, y1 + o, n) + rng.normal(0, messy * pitch, n)
    ctrl = []
    for i, y in enumerate(ys):
        left = x0 - o + rng.normal(0, messy * 0.15 * b)
        right = x1 + o + rng.normal(0, messy * 0.15 * b)
        slope = rng.normal(0.12, 0.06) * b
        ctrl.append((left, y + slope) if i % 2 == 0 else (right, y - slope))
    return [np.array(ctrl)]


def dot_path(center: tuple[float, float], r: float) -> list:
    """A tiny dab of ink: a very short stroke."""
    cx, cy = center
    return [np.array([[cx - r * 0.3, cy], [cx + r * 0.3, cy + r * 0.2]])]


def cursive_paths(x: float, baseline: float, width: float, xh: float,
                  rng: np.random.Generator) -> list:
    """Handwriting-like scribble: words of connected loops and arches along ``baseline``,
    from ``x`` for about ``width`` pixels, x-height ``xh`` pixels, slanted, with word gaps.
    It is not text and is never meant to be read; it only looks like a hand wrote there."""
    paths = []
    slant = rng.uniform(0.1, 0.4)
    pos = x
    end = x + width
    while pos < end - 2 * xh:
        letters = int(rng.integers(2, 8))
        pts = []
        for _ in range(letters):
            w = xh * rng.uniform(0.55, 0.95)
            kind = rng.random()
            if kind < 0.18:
                h, depth = xh * rng.uniform(1.9, 2.5), 0.0  # ascender loop
            elif kind < 0.28:
                h, depth = xh * rng.uniform(0.8, 1.1), xh * rng.uniform(0.9, 1.4)  # descender
            else:
                h, depth = xh * rng.uniform(0.75, 1.15), 0.0
            r = w * rng.uniform(0.05, 0.3)
            t = np.linspace(0, 1, 14, endpoint=False)
            px = pos + w * t - r * np.sin(2 * np.pi * t)
            py = baseline - h * (1 - np.cos(2 * np.pi * t)) / 2
            if depth:
                py = np.where(t > 0.5, baseline + depth * np.sin(np.pi * (t - 0.5) * 2) ** 2 * 0.9,
                              py)
            pts.append(np.stack([px, py], axis=1))
            pos += w
            if pos > end:
                break
        path = np.vstack(pts)
        path[:, 0] -= (path[:, 1] - baseline) * slant
        kernel = cv2.getGaussianKernel(7, 1.6)[:, 0]
        padded = np.pad(path, ((3, 3), (0, 0)), mode="edge")
        path = np.stack([np.convolve(padded[:, j], kernel, mode="valid") for j in (0, 1)], axis=1)
        paths.append(tremor(path, xh * 0.04, rng))
        pos += xh * rng.uniform(0.7, 1.4)
    return paths
