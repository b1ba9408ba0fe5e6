"""A phone camera over a flat surface, and what its lens, sensor and processing do.

The surface is the plane z = 0 with x right and y down, in millimetres; z points into the
surface, so a camera above it sits at negative z. :class:`Camera` maps surface points to
image pixels with a pinhole model; the optics and sensor functions degrade an image
(float32 RGB, 0..1) the way a handheld phone does.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Camera:
    """A pinhole camera: ``f`` focal length in pixels, ``size`` (W, H) in pixels, ``R``
    world→camera rotation (3×3), ``C`` camera centre in surface millimetres (z < 0 is above),
    ``shift`` a final image translation in pixels (a crop of a larger sensor)."""

    f: float
    size: tuple[int, int]
    R: np.ndarray
    C: np.ndarray
    shift: tuple[float, float] = (0.0, 0.0)

    @property
    def K(self) -> np.ndarray:
        w, h = self.size
        return np.array([[self.f, 0, w / 2 + self.shift[0]], [0, self.f, h / 2 + self.shift[1]],
                         [0, 0, 1]], float)

    @property
    def H(self) -> np.ndarray:
        """Surface (x, y) millimetres → image pixels."""
        t = -self.R @ self.C
        return self.K @ np.column_stack([self.R[:, 0], self.R[:, 1], t])

    def project(self, pts: np.ndarray) -> np.ndarray:
        """Surface points (N, 2) in mm → image points (N, 2) in pixels."""
        return apply_h(self.H, pts)

    def depth(self) -> np.ndarray:
        """Each pixel's distance along the optical axis to the surface, in mm (H, W)."""
        w, h = self.size
        hinv = np.linalg.inv(self.H)
        # For a plane, 1/depth is affine in image coordinates: evaluate at 3 corners.
        corners = np.array([[0, 0], [w, 0], [0, h]], float)
        world = apply_h(hinv, corners)
        z = [(self.R @ (np.array([x, y, 0.0]) - self.C))[2] for x, y in world]
        inv = 1.0 / np.array(z)
        gx = (inv[1] - inv[0]) / w
        gy = (inv[2] - inv[0]) / h
        xs = np.arange(w, dtype=np.float32)[None, :]
        ys = np.arange(h, dtype=np.float32)[:, None]
        return 1.0 / (inv[0] + gx * xs + gy * ys).astype(np.float32)

    def with_shift(self, shift: tuple[float, float]) -> Camera:
        return Camera(self.f, self.size, self.R, self.C, shift)


def apply_h(H: np.ndarray, pts: np.ndarray) -> np.ndarray:
    pts = np.asarray(pts, float).reshape(-1, 2)
    p = np.column_stack([pts, np.ones(len(pts))]) @ H.T
    return p[:, :2] / p[:, 2:3]


def look_at(target: tuple[float, float], distance: float, tilt_deg: float, azimuth_deg: float,
            roll_deg: float, f: float, size: tuple[int, int]) -> Camera:
    """A camera ``distance`` mm from ``target`` on the surface, its axis ``tilt_deg`` off the
    surface normal toward ``azimuth_deg``, rolled ``roll_deg`` about its axis."""
    tilt, az, roll = np.deg2rad([tilt_deg, azimuth_deg, roll_deg])
    fwd = np.array([np.sin(tilt) * np.cos(az), np.sin(tilt) * np.sin(az), np.cos(tilt)])
    C = np.array([target[0], target[1], 0.0]) - distance * fwd
    x0 = np.array([1.0, 0.0, 0.0]) - fwd[0] * fwd
    x0 /= np.linalg.norm(x0)
    y0 = np.cross(fwd, x0)
    x = np.cos(roll) * x0 + np.sin(roll) * y0
    y = -np.sin(roll) * x0 + np.cos(roll) * y0
    return Camera(f=f, size=size, R=np.vstack([x, y, fwd]), C=C)


def fit(points: np.ndarray, target: tuple[float, float], tilt: float, azimuth: float,
        roll: float, f: float, size: tuple[int, int], fill: float,
        rng: np.random.Generator) -> Camera:
    """The camera that frames surface ``points`` (N, 2, mm) so their extent fills ``fill``
    (0..1) of the frame in its tighter direction, placed off-centre at random within the
    space left over."""
    w, h = size
    lo, hi = 50.0, 50000.0
    for _ in range(40):
        mid = (lo * hi) ** 0.5
        cam = look_at(target, mid, tilt, azimuth, roll, f, size)
        p = cam.project(points)
        ext = max((p[:, 0].max() - p[:, 0].min()) / w, (p[:, 1].max() - p[:, 1].min()) / h)
        if ext > fill:
            lo = mid
        else:
            hi = mid
    cam = look_at(target, hi, tilt, azimuth, roll, f, size)
    p = cam.project(points)
    shift = []
    for axis, extent in ((0, w), (1, h)):
        a, b = p[:, axis].min(), p[:, axis].max()
        spare = extent - (b - a)
        want = rng.uniform(0.35, 0.65) * spare
        shift.append(want - a)
    return cam.with_shift((shift[0], shift[1]))


# --- optics and sensor -----------------------------------------------------------------------


def defocus(img: np.ndarray, sigma_near: float, sigma_far: float,
            weight: np.ndarray | None) -> np.ndarray:
    """Gaussian defocus that varies across the frame: ``weight`` (H, W, 0..1) blends from
    ``sigma_near`` to ``sigma_far`` (pixels); None means ``sigma_near`` everywhere."""
    a = cv2.GaussianBlur(img, (0, 0), max(sigma_near, 0.01)) if sigma_near > 0.05 else img
    if weight is None or sigma_far <= sigma_near + 0.05:
        return a
    b = cv2.GaussianBlur(img, (0, 0), sigma_far)
    wgt = cv2.merge([weight.astype(np.float32)] * 3)
    return cv2.add(a, cv2.multiply(cv2.subtract(b, a), wgt))


def motion_blur(img: np.ndarray, length: float, angle_deg: float) -> np.ndarray:
    """Hand shake during the exposure: a short straight smear ``length`` pixels long."""
    if length < 0.8:
        return img
    k = int(np.ceil(length)) | 1
    k = max(k, 3)
    kernel = np.zeros((k, k), np.float32)
    c = k // 2
    a = np.deg2rad(angle_deg)
    dx, dy = np.cos(a) * length / 2, np.sin(a) * length / 2
    cv2.line(kernel, (int(round((c - dx) * 16)), int(round((c - dy) * 16))),
             (int(round((c + dx) * 16)), int(round((c + dy) * 16))), 1.0, 1, cv2.LINE_AA, 4)
    kernel /= kernel.sum()
    return cv2.filter2D(img, -1, kernel)


def sensor_noise(img: np.ndarray, level: float, rng: np.random.Generator) -> np.ndarray:
    """Shot and read noise after the phone's denoiser: luminance grain of about ``level``
    (in 0..1 units at mid grey) plus blotchy, lower-resolution colour noise."""
    h, w = img.shape[:2]
    lum = rng.standard_normal((h, w), dtype=np.float32)
    lum = cv2.GaussianBlur(lum, (0, 0), 0.6)
    grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    sd = cv2.sqrt(cv2.max(grey, 0.02) * np.float32(2.0)) * np.float32(level * 1.6)
    lum = cv2.multiply(lum, sd)
    ch = rng.standard_normal((h // 8 + 1, w // 8 + 1, 3), dtype=np.float32)
    ch -= ch.mean(axis=2, keepdims=True)
    ch = cv2.resize(ch * np.float32(level * 0.8), (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.add(cv2.add(img, cv2.merge([lum] * 3)), ch)


def sharpen(img: np.ndarray, amount: float, radius: float) -> np.ndarray:
    """The phone's unsharp mask, which leaves thin halos at strong edges."""
    if amount <= 0:
        return img
    blur = cv2.GaussianBlur(img, (0, 0), radius)
    return cv2.addWeighted(img, 1.0 + amount, blur, -amount, 0.0)


def tone(img: np.ndarray, contrast: float, saturation: float) -> np.ndarray:
    """A gentle S-curve and a saturation boost, as phones apply; returns RGB uint8."""
    m = np.full((3, 3), (1.0 - saturation) / 3.0, np.float32) + np.eye(3, dtype=np.float32) * saturation
    img = cv2.transform(img, m)
    x = np.linspace(0, 1, 256, dtype=np.float32)
    curve = x * (1 - contrast) + contrast * (3 * x * x - 2 * x * x * x)
    lut = np.clip(curve * 255 + 0.5, 0, 255).astype(np.uint8)
    q = np.clip(img, 0.0, 1.0, out=img)
    q = cv2.convertScaleAbs(q, alpha=255.0)
    return cv2.LUT(q, lut)
