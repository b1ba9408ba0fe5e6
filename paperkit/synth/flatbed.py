"""A flatbed scan of a whole slip sheet: the page lies a little crooked on the glass, the
scanner sees it at 150..300 dpi with its own slight blur, noise and uneven lamp."""

from __future__ import annotations

import cv2
import numpy as np

from ..layout import slip as S
from . import camera as cam
from .encode import encode_jpeg
from .marks import MarkSpec, mark_page
from .photo import PhotoTruth, PlacedSlip


def scan_sheet(page_img: np.ndarray, page: dict, src_dpi: float, specs: list[MarkSpec],
               rng: np.random.Generator, dpi: float | None = None, quality: int | None = None
               ) -> tuple[bytes, PhotoTruth]:
    """JPEG bytes of a flatbed scan of ``page_img`` (rendered at ``src_dpi``; ``page`` is its
    manifest page) with ``specs[i]`` drawn on ``page['slips'][i]``, and its truth."""
    rgb, truth = render_scan(page_img, page, src_dpi, specs, rng, dpi)
    q = int(quality if quality is not None else rng.integers(75, 96))
    return encode_jpeg(rgb, q), truth.replace(quality=q)


def render_scan(page_img: np.ndarray, page: dict, src_dpi: float, specs: list[MarkSpec],
                rng: np.random.Generator, dpi: float | None = None
                ) -> tuple[np.ndarray, PhotoTruth]:
    dpi = float(dpi if dpi is not None else rng.choice([150, 200, 300]))
    marked, truths = mark_page(page_img, page["slips"], src_dpi, specs, rng)
    s = dpi / src_dpi
    ph, pw = marked.shape[:2]
    # The scanner bed is a little larger than the page; the page sits crooked near a corner.
    bed_w, bed_h = int(round(pw * s * 1.04)) + 8, int(round(ph * s * 1.03)) + 8
    ang = np.deg2rad(rng.uniform(-3.0, 3.0))
    c, si = np.cos(ang), np.sin(ang)
    off = np.array([rng.uniform(2, 0.03 * bed_w), rng.uniform(2, 0.02 * bed_h)])
    A = np.array([[c * s, -si * s, 0.0], [si * s, c * s, 0.0]])
    corners = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], float) @ A[:, :2].T
    A[:, 2] = off - corners.min(axis=0)
    # Area-average first, then rotate: a scanner integrates over each sensor cell.
    small = cv2.resize(marked, (max(int(round(pw * s)), 1), max(int(round(ph * s)), 1)),
                       interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    A2 = A.copy()
    A2[:, :2] = A[:, :2] / s
    paper = np.array([0.94, 0.94, 0.92], np.float32) + rng.normal(0, 0.01, 3).astype(np.float32)
    toner = rng.uniform(0.05, 0.1)
    refl = toner + (paper - toner) * small
    lid = np.float32(rng.uniform(0.88, 0.98))
    img = cv2.warpAffine(refl, A2, (bed_w, bed_h), flags=cv2.INTER_LINEAR)
    cover = cv2.warpAffine(np.ones(refl.shape[:2], np.float32), A2, (bed_w, bed_h),
                           flags=cv2.INTER_LINEAR)[..., None]
    edge = cv2.GaussianBlur(cover, (0, 0), 1.5)[..., None]  # the page edge casts a thin shadow
    img = img * cover + lid * (1 - cover) * (0.75 + 0.25 * (1 - edge))
    xx = np.linspace(-0.5, 0.5, bed_w, dtype=np.float32)[None, :]
    lamp = 1.0 - rng.uniform(0.0, 0.08) * (2 * xx) ** 2
    img *= lamp[..., None]
    img = cam.defocus(img, rng.uniform(0.3, 0.7), 0.0, None)
    img = cam.sensor_noise(img, rng.uniform(0.002, 0.008), rng)
    rgb = np.clip(img * 255 + 0.5, 0, 255).astype(np.uint8)
    pt = src_dpi / 72.0
    placed = []
    for entry, truth in zip(page["slips"], truths, strict=True):
        q = np.array(entry["qr"], float) * pt
        quad = np.array([[q[0], q[1]], [q[2], q[1]], [q[2], q[3]], [q[0], q[3]]])
        r = np.array(entry["rect"], float) * pt
        rect = np.array([[r[0], r[1]], [r[2], r[1]], [r[2], r[3]], [r[0], r[3]]])
        qi = quad @ A[:, :2].T + A[:, 2]
        placed.append(PlacedSlip(truth=truth, qr=tuple(map(tuple, qi)),
                                 outline=tuple(map(tuple, rect @ A[:, :2].T + A[:, 2])),
                                 module_px=float(np.linalg.norm(qi[1] - qi[0]) / S.QR_MODULES),
                                 glare=0.0, light=float(lid)))
    params = {"dpi": dpi, "angle": round(float(np.rad2deg(ang)), 3)}
    return rgb, PhotoTruth(variant="flatbed", size=(bed_w, bed_h), quality=0,
                           slips=tuple(placed), params=params)
