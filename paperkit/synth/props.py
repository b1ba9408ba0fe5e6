"""Things besides the slips in a photo: push-pins on a board, a pen left on the table.

Each is placed on the surface (millimetres) and drawn straight into the image (float32 RGB,
0..1) through the camera's surface → image homography ``H``, with a soft shadow cast away
from the light (``to_light``: unit vector from the surface toward the light).
"""

from __future__ import annotations

import cv2
import numpy as np

from . import camera as cam
from . import layout as lay


def pin(img: np.ndarray, size_mm: tuple[float, float], place: tuple[float, float, float],
         H: np.ndarray, to_light: np.ndarray, rng: np.random.Generator) -> None:
    """A plastic push-pin near the top middle of a pinned slip, with its shadow."""
    cx, cy, ang = place
    a = np.deg2rad(ang)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    at = np.array([cx, cy]) + rot @ np.array([rng.normal(-0.1, 0.05) * size_mm[0],
                                              -0.45 * size_mm[1]])
    r = rng.uniform(4.0, 6.0)
    t = np.linspace(0, 2 * np.pi, 32, endpoint=False)
    circle = np.stack([np.cos(t), np.sin(t)], axis=1) * r
    off = -to_light[:2] / max(-to_light[2], 0.3) * 7.0
    colour = np.array([(0.8, 0.1, 0.1), (0.1, 0.3, 0.8), (0.1, 0.6, 0.2), (0.9, 0.8, 0.1),
                       (0.92, 0.92, 0.92)][int(rng.integers(5))], np.float32)
    shadow = cam.apply_h(H, at + off + circle * 1.1)
    head = cam.apply_h(H, at + circle)
    pts = np.vstack([shadow, head])
    rad = max(np.ptp(head[:, 0]), 4) / 6
    pad = int(3 * rad) + 4
    x0, y0 = np.floor(pts.min(axis=0)).astype(int) - pad
    x1, y1 = np.ceil(pts.max(axis=0)).astype(int) + pad
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, img.shape[1]), min(y1, img.shape[0])
    if x1 - x0 < 3 or y1 - y0 < 3:
        return
    region = img[y0:y1, x0:x1]
    m = np.zeros((y1 - y0, x1 - x0), np.float32)
    cv2.fillPoly(m, [np.round((shadow - [x0, y0]) * 16).astype(np.int32)], 1.0, cv2.LINE_AA, 4)
    m = cv2.GaussianBlur(m, (0, 0), rad)
    region *= (1 - 0.45 * m)[..., None]
    m = np.zeros_like(m)
    cv2.fillPoly(m, [np.round((head - [x0, y0]) * 16).astype(np.int32)], 1.0, cv2.LINE_AA, 4)
    c = head.mean(axis=0) - [x0, y0]
    hl = c + (cam.apply_h(H, at[None] + to_light[:2] * r * 0.5)[0] - head.mean(axis=0))
    yy, xx = np.mgrid[0:y1 - y0, 0:x1 - x0].astype(np.float32)
    rr = np.ptp(head[:, 0]) / 2 + 1
    dome = np.clip(1 - ((xx - c[0]) ** 2 + (yy - c[1]) ** 2) / rr**2, 0, 1)
    spec = np.exp(-((xx - hl[0]) ** 2 + (yy - hl[1]) ** 2) / (0.12 * rr) ** 2)
    pin = colour * (0.55 + 0.5 * np.sqrt(dome))[..., None] + 0.6 * spec[..., None]
    region[:] = region * (1 - m[..., None]) + pin * m[..., None]


def pen(img: np.ndarray, polys: list[np.ndarray], H: np.ndarray, to_light: np.ndarray,
         rng: np.random.Generator) -> None:
    """A ballpoint pen left on the table beside the slips (never over one): a shaded
    cylinder with a metal tip and a soft shadow."""
    lo, hi = np.vstack(polys).min(axis=0), np.vstack(polys).max(axis=0)
    length, width = rng.uniform(130, 150), rng.uniform(8, 11)
    for _try in range(40):
        c = rng.uniform(lo - 60, hi + 60)
        a = rng.uniform(0, np.pi)
        axis, across = np.array([np.cos(a), np.sin(a)]), np.array([-np.sin(a), np.cos(a)])
        body = np.array([c - axis * length / 2 + across * width / 2 * sgn
                         for sgn in (-1, 1)] + [c + axis * length / 2 + across * width / 2 * sgn
                                                for sgn in (1, -1)])
        if not any(lay.overlap(body, p) for p in polys):
            break
    else:
        return
    w_img, h_img = img.shape[1], img.shape[0]
    proj = cam.apply_h(H, body)
    off = -to_light[:2] / max(-to_light[2], 0.3) * width * 0.6
    shadow = cam.apply_h(H, body + off)
    pts = np.vstack([proj, shadow])
    soft = max(np.linalg.norm(proj[1] - proj[0]) * 0.4, 1.0)
    pad = int(3 * soft) + 4
    x0, y0 = np.maximum(np.floor(pts.min(axis=0)).astype(int) - pad, 0)
    x1, y1 = np.minimum(np.ceil(pts.max(axis=0)).astype(int) + pad, [w_img, h_img])
    if x1 - x0 < 3 or y1 - y0 < 3:
        return
    region = img[y0:y1, x0:x1]
    m = np.zeros((y1 - y0, x1 - x0), np.float32)
    cv2.fillConvexPoly(m, np.round((shadow - [x0, y0]) * 16).astype(np.int32), 1.0,
                       cv2.LINE_AA, 4)
    m = cv2.GaussianBlur(m, (0, 0), soft)
    region *= (1 - 0.4 * m)[..., None]
    colour = np.array([(0.1, 0.2, 0.65), (0.08, 0.08, 0.09), (0.75, 0.1, 0.1),
                       (0.85, 0.85, 0.86)][int(rng.integers(4))], np.float32)
    metal = np.array([0.62, 0.62, 0.64], np.float32)
    tail, head = c - axis * length / 2, c + axis * length / 2
    neck = tail + axis * length * 0.84
    flip = rng.random() < 0.5  # which way the tip points
    if flip:
        tail, head, neck = head, tail, head - axis * length * 0.84
    origin = np.array([x0, y0], float)
    _cylinder(region, origin, H, tail, neck, width / 2, width / 2, across, colour)
    _cylinder(region, origin, H, neck, head, width / 2 * 0.9, 0.5, across, metal)


def _cylinder(region: np.ndarray, origin: np.ndarray, H: np.ndarray, a: np.ndarray,
              b: np.ndarray, ra: float, rb: float, across: np.ndarray,
              colour: np.ndarray) -> None:
    """A shaded cylinder (or cone, when ``ra`` != ``rb``) lying on the surface from ``a`` to
    ``b`` (mm), drawn as strips whose brightness follows a lit round surface."""
    strips = 9
    for i in range(strips):
        t0, t1 = i / strips - 0.5, (i + 1) / strips - 0.5
        quad = np.array([a + across * 2 * ra * t0, b + across * 2 * rb * t0,
                         b + across * 2 * rb * t1, a + across * 2 * ra * t1])
        u = (t0 + t1) / 2
        bright = (0.45 + 0.6 * np.sqrt(max(1 - 4 * u * u, 0))
                  + 0.5 * np.exp(-((u + 0.2) / 0.08) ** 2))
        m = np.zeros(region.shape[:2], np.float32)
        cv2.fillConvexPoly(m, np.round((cam.apply_h(H, quad) - origin) * 16).astype(np.int32),
                           1.0, cv2.LINE_AA, 4)
        region[:] = region * (1 - m[..., None]) + (colour * bright) * m[..., None]
