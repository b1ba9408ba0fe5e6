"""Why opencv-python-headless: the scan's geometry steps, opencv against Pillow/numpy.

Times, in the same run on the same 12-megapixel grey image, the three operations the scan
pipeline leans on, each done with opencv and with the best Pillow/numpy equivalent:

1. downscale the whole photo by 1/3 for the first decoding pass;
2. rectify one slip out of the photo through a homography (a 540 x 360 px crop);
3. solve a homography from 4+ point pairs (least squares).

Prints each time and the ratio Pillow-or-numpy / opencv. Run: python bench/geometry_bench.py
"""

from __future__ import annotations

import time

import cv2
import numpy as np
from PIL import Image


def best_of(fn, repeat: int = 7) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def homography_numpy(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Direct linear transform by SVD: what one would write without opencv."""
    rows = []
    for (x, y), (u, v) in zip(src, dst, strict=True):
        rows.append([-x, -y, -1, 0, 0, 0, u * x, u * y, u])
        rows.append([0, 0, 0, -x, -y, -1, v * x, v * y, v])
    _, _, vt = np.linalg.svd(np.asarray(rows))
    h = vt[-1].reshape(3, 3)
    return h / h[2, 2]


def main() -> None:
    rng = np.random.default_rng(1)
    gray = (rng.random((3000, 4000)) * 255).astype(np.uint8)
    pil = Image.fromarray(gray)
    src = np.float32([[1000, 800], [1600, 850], [1580, 1250], [990, 1210]])
    dst = np.float32([[0, 0], [540, 0], [540, 360], [0, 360]])
    h = cv2.getPerspectiveTransform(dst, src)  # output → input, as PIL wants it
    coeffs = (h / h[2, 2]).flatten()[:8]

    rows = [
        ("downscale 1/3 (area)",
         lambda: cv2.resize(gray, (1333, 1000), interpolation=cv2.INTER_AREA),
         lambda: pil.reduce(3)),
        ("rectify one slip (bilinear)",
         lambda: cv2.warpPerspective(gray, np.linalg.inv(h), (540, 360), flags=cv2.INTER_LINEAR),
         lambda: pil.transform((540, 360), Image.Transform.PERSPECTIVE, coeffs,
                               Image.Resampling.BILINEAR)),
        ("homography from 8 points",
         lambda: cv2.findHomography(np.vstack([src, src + 3]), np.vstack([dst, dst + 3]))[0],
         lambda: homography_numpy(np.vstack([src, src + 3]), np.vstack([dst, dst + 3]))),
    ]
    print(f"{'operation':32} {'opencv ms':>10} {'other ms':>10} {'other/opencv':>13}")
    for name, cv_fn, other_fn in rows:
        a, b = best_of(cv_fn) * 1000, best_of(other_fn) * 1000
        print(f"{name:32} {a:10.2f} {b:10.2f} {b / a:13.1f}")


if __name__ == "__main__":
    main()
