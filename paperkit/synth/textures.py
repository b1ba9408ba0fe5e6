"""Procedural surfaces a slip lies on: a table top, a wooden table, a cork board on a wall.

Each function returns a reflectance image: float32 (H, W, 3) in 0..1, drawn in the plane
of the surface at ``mm_px`` millimetres per pixel, so grain, planks and cork granules keep
their physical size whatever the camera distance.
"""

from __future__ import annotations

import cv2
import numpy as np


def noise(shape: tuple[int, int], cells: float, rng: np.random.Generator,
          octaves: int = 4, persistence: float = 0.5, aspect: float = 1.0) -> np.ndarray:
    """Smooth fractal noise (H, W) with zero mean and unit spread. ``cells`` is the number of
    features across the larger side at the coarsest octave; ``aspect`` > 1 stretches the
    features along x (for wood grain)."""
    h, w = shape
    out = np.zeros((h, w), np.float32)
    amp = 1.0
    scale = max(h, w) / max(cells, 1.0)
    for _ in range(octaves):
        gw = max(int(np.ceil(w / (scale * aspect))) + 2, 2)
        gh = max(int(np.ceil(h / scale)) + 2, 2)
        grid = rng.standard_normal((gh, gw), dtype=np.float32)
        out += amp * cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)
        amp *= persistence
        scale /= 2.0
        if scale < 1.0:
            break
    out -= out.mean()
    out /= out.std() + 1e-6
    return out


def _tint(base: tuple[float, float, float], shade: np.ndarray) -> np.ndarray:
    rgb = np.asarray(base, np.float32)
    return np.clip(shade[..., None] * rgb, 0, 1).astype(np.float32)


def table(shape: tuple[int, int], mm_px: float, rng: np.random.Generator) -> np.ndarray:
    """A laminate or painted table: one colour, with faint mottling and fine speckle."""
    colours = [(0.78, 0.77, 0.74), (0.62, 0.63, 0.62), (0.72, 0.66, 0.55), (0.25, 0.25, 0.27),
               (0.45, 0.52, 0.47), (0.86, 0.85, 0.82), (0.55, 0.42, 0.33)]
    base = colours[int(rng.integers(len(colours)))]
    big = max(shape) * mm_px
    shade = (1.0 + 0.02 * noise(shape, big / 150.0, rng, octaves=3)
             + 0.02 * noise(shape, big / 1.5, rng, octaves=2))
    return _tint(base, shade)


def wood(shape: tuple[int, int], mm_px: float, rng: np.random.Generator) -> np.ndarray:
    """Planks of wood along x: grain lines bent by knots and growth, seams between planks."""
    palettes = [(0.66, 0.48, 0.30), (0.42, 0.27, 0.16), (0.78, 0.62, 0.42), (0.58, 0.52, 0.46),
                (0.52, 0.34, 0.20)]
    h, w = shape
    plank_mm = rng.uniform(90, 200)
    yy = np.arange(h, dtype=np.float32)[:, None] * mm_px
    xx = np.arange(w, dtype=np.float32)[None, :] * mm_px
    big = max(shape) * mm_px
    warp = noise(shape, big / 150.0, rng, octaves=4, aspect=5.0) * rng.uniform(6, 16)
    period = rng.uniform(4.0, 9.0)
    grain = np.sin(2 * np.pi * (yy + warp) / period)
    grain = 0.5 + 0.5 * np.sign(grain) * np.abs(grain) ** 1.5
    fine = noise(shape, big / 1.2, rng, octaves=2, aspect=10.0)
    figure = noise(shape, big / 250.0, rng, octaves=3, aspect=3.0)
    plank = np.floor((yy + 0 * xx) / plank_mm).astype(np.int32)
    n_planks = int(plank.max()) + 1
    plank_tone = 1.0 + 0.08 * rng.standard_normal(n_planks).astype(np.float32)
    tone = plank_tone[np.broadcast_to(plank, (h, w))]
    shade = tone * (0.9 + 0.07 * grain + 0.025 * fine + 0.05 * figure)
    seam = np.abs(((yy + 0 * xx) % plank_mm) - plank_mm / 2) > plank_mm / 2 - 0.7
    shade = np.where(seam, shade * 0.55, shade)
    base = palettes[int(rng.integers(len(palettes)))]
    return _tint(base, shade.astype(np.float32))


def cork(shape: tuple[int, int], mm_px: float, rng: np.random.Generator) -> np.ndarray:
    """Cork board: tan granules of a millimetre or two, dark pits and light chips."""
    big = max(shape) * mm_px
    g1 = noise(shape, big / 2.5, rng, octaves=2)
    g2 = noise(shape, big / 0.9, rng, octaves=1)
    shade = 1.0 + 0.09 * g1 + 0.07 * g2
    shade = np.where(g2 < -1.9, shade * 0.6, shade)
    shade = np.where(g1 > 2.1, shade * 1.15, shade)
    shade *= 1.0 + 0.04 * noise(shape, big / 200.0, rng, octaves=2)
    base = [(0.66, 0.48, 0.32), (0.58, 0.41, 0.27), (0.72, 0.55, 0.38)][int(rng.integers(3))]
    return _tint(base, shade.astype(np.float32))


def wall(shape: tuple[int, int], mm_px: float, rng: np.random.Generator) -> np.ndarray:
    """A painted wall: nearly flat, slightly warm or cool, faint roller texture."""
    big = max(shape) * mm_px
    base = [(0.86, 0.85, 0.8), (0.8, 0.82, 0.84), (0.87, 0.82, 0.74)][int(rng.integers(3))]
    shade = 1.0 + 0.015 * noise(shape, big / 3.0, rng, octaves=2) + 0.02 * noise(
        shape, big / 300.0, rng, octaves=2)
    return _tint(base, shade.astype(np.float32))


def board(shape: tuple[int, int], mm_px: float, rng: np.random.Generator,
          cork_rect: tuple[float, float, float, float]) -> np.ndarray:
    """A cork board (``cork_rect`` in pixels of this image) in a wooden frame, on a wall."""
    img = wall(shape, mm_px, rng)
    x0, y0, x1, y1 = (int(round(v)) for v in cork_rect)
    frame = int(round(rng.uniform(15, 30) / mm_px))
    fx0, fy0 = max(x0 - frame, 0), max(y0 - frame, 0)
    fx1, fy1 = min(x1 + frame, shape[1]), min(y1 + frame, shape[0])
    if fx1 > fx0 and fy1 > fy0:
        img[fy0:fy1, fx0:fx1] = wood((fy1 - fy0, fx1 - fx0), mm_px, rng)
    cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x1, shape[1]), min(y1, shape[0])
    if cx1 > cx0 and cy1 > cy0:
        img[cy0:cy1, cx0:cx1] = cork((cy1 - cy0, cx1 - cx0), mm_px, rng)
    return img


SURFACES = {"table": table, "wood": wood}
