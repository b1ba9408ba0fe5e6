"""Where slips lie on the surface: a neat grid, a loose scatter, or pinned on a board.

Positions are slip centres in surface millimetres (x right, y down) with a rotation in
degrees (clockwise on the surface, 180 = upside down). Slips never overlap, so every code
and box stays visible.
"""

from __future__ import annotations

import cv2
import numpy as np


def corners(size: tuple[float, float], cx: float, cy: float, angle: float) -> np.ndarray:
    """The four corners (TL, TR, BR, BL of the slip) on the surface, mm."""
    w, h = size
    a = np.deg2rad(angle)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    local = np.array([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]])
    return local @ rot.T + [cx, cy]


def grid(sizes: list[tuple[float, float]], aspect: float, rng: np.random.Generator,
         base_angle: float, jitter_deg: float, gap: tuple[float, float],
         flip: float = 0.0) -> list[tuple[float, float, float]]:
    """Rows and columns filling a region of about ``aspect`` (width / height), every slip at
    ``base_angle`` ± ``jitter_deg``; a fraction ``flip`` of them turned upside down."""
    n = len(sizes)
    w = max(s[0] for s in sizes)
    h = max(s[1] for s in sizes)
    turned = int(round(base_angle / 90.0)) % 2 == 1
    cw, ch = (h, w) if turned else (w, h)
    g = rng.uniform(*gap)
    cols = max(1, int(round(np.sqrt(n * aspect * (ch + g) / (cw + g)))))
    cols = min(cols, n)
    out = []
    for i in range(n):
        r, c = divmod(i, cols)
        cx = c * (cw + g) + rng.normal(0, g * 0.15)
        cy = r * (ch + g) + rng.normal(0, g * 0.15)
        ang = base_angle + rng.normal(0, jitter_deg)
        if rng.random() < flip:
            ang += 180.0
        out.append((cx, cy, ang))
    return _separate(sizes, out)


def scatter(sizes: list[tuple[float, float]], aspect: float, rng: np.random.Generator,
            density: float) -> list[tuple[float, float, float]]:
    """Loose slips at any angle, dropped at random into a region of about ``aspect`` whose
    area is the slips' area / ``density``; the region grows if they do not fit."""
    area = sum(w * h for w, h in sizes) / density
    H = np.sqrt(area / aspect)
    W = H * aspect
    cell = 2.0  # mm per occupancy pixel
    for _grow in range(12):
        occ = np.zeros((int(H / cell) + 1, int(W / cell) + 1), np.uint8)
        out = []
        for size in sizes:
            placed = False
            for _try in range(300):
                ang = rng.uniform(0, 360)
                cx, cy = rng.uniform(0, W), rng.uniform(0, H)
                poly = corners((size[0] + 4, size[1] + 4), cx, cy, ang)
                if poly.min() < 0 or poly[:, 0].max() > W or poly[:, 1].max() > H:
                    continue
                mask = np.zeros_like(occ)
                cv2.fillConvexPoly(mask, np.round(poly / cell).astype(np.int32), 1)
                if (mask & occ).any():
                    continue
                occ |= mask
                out.append((cx, cy, ang))
                placed = True
                break
            if not placed:
                break
        if len(out) == len(sizes):
            return out
        W *= 1.12
        H *= 1.12
    raise RuntimeError("could not scatter the slips without overlap")


def _separate(sizes: list[tuple[float, float]], placed: list[tuple[float, float, float]]
              ) -> list[tuple[float, float, float]]:
    """Spread a grid out a little wherever jitter made two slips touch."""
    for _ in range(20):
        polys = [corners((s[0] + 3, s[1] + 3), *p) for s, p in zip(sizes, placed, strict=True)]
        if not any(overlap(polys[i], polys[j]) for i in range(len(polys))
                   for j in range(i + 1, len(polys))):
            return placed
        placed = [(cx * 1.03, cy * 1.03, a) for cx, cy, a in placed]
    return placed


def overlap(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two convex quads (4, 2) overlap (separating-axis test)."""
    for poly in (a, b):
        for i in range(4):
            edge = poly[(i + 1) % 4] - poly[i]
            axis = np.array([-edge[1], edge[0]])
            pa, pb = a @ axis, b @ axis
            if pa.max() < pb.min() or pb.max() < pa.min():
                return False
    return True
