"""Light falling on the scene, in image pixels: uneven illumination with a shadow, and
glare. Both are computed at 1/8 resolution (they are smooth) and scaled up."""

from __future__ import annotations

import cv2
import numpy as np

from . import textures as tex


def illumination(size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Uneven light (H, W): a gradient across the frame, some vignetting, an exposure, and
    often a soft shadow of the person or the phone crossing part of the scene."""
    w, h = size
    lw, lh = w // 8, h // 8
    yy, xx = np.mgrid[0:lh, 0:lw].astype(np.float32)
    xx = xx / lw - 0.5
    yy = yy / lh - 0.5
    ang = rng.uniform(0, 2 * np.pi)
    strength = rng.uniform(0.05, 0.45)
    grad = 1.0 - strength * (0.5 + (np.cos(ang) * xx + np.sin(ang) * yy))
    vignette = 1.0 - rng.uniform(0, 0.25) * (xx**2 + yy**2) / 0.5
    light = grad * vignette
    if rng.random() < 0.6:
        # A shadow reaching in from one side of the frame: its edge wobbles (a shoulder, an
        # arm, a phone) and is soft or fairly sharp depending on the light's size.
        side = int(rng.integers(4))
        d = {0: yy + 0.5, 1: 0.5 - yy, 2: xx + 0.5, 3: 0.5 - xx}[side]
        along = {0: xx, 1: xx, 2: yy, 3: yy}[side]
        reach = rng.uniform(0.15, 0.6)
        bump = rng.uniform(-0.2, 0.25) * np.exp(-((along - rng.uniform(-0.4, 0.4)) / 0.18) ** 2)
        edge = reach + bump + 0.06 * tex.noise((lh, lw), 3, rng, octaves=2)
        soft = rng.uniform(0.004, 0.05)
        m = 1.0 / (1.0 + np.exp(-np.clip((edge - d) / soft, -30, 30)))
        light *= 1.0 - rng.uniform(0.2, 0.5) * m
    light *= rng.uniform(0.88, 1.05)
    return cv2.resize(light.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)


def glare(size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A specular glare spot from a ceiling light: added light, brightest at its centre."""
    w, h = size
    lw, lh = w // 8, h // 8
    yy, xx = np.mgrid[0:lh, 0:lw].astype(np.float32)
    cx, cy = rng.uniform(0.1, 0.9) * lw, rng.uniform(0.1, 0.9) * lh
    s = rng.uniform(0.03, 0.08) * lw
    e = rng.uniform(0.5, 1.0)
    g = np.exp(-(((xx - cx) / s) ** 2 + ((yy - cy) / (s * e)) ** 2) / 2)
    g = rng.uniform(0.15, 0.45) * g
    return cv2.resize(g.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
