"""Phone photos of cut-out slips: on a table, on wood, or pinned on a cork board.

:func:`render_photo` builds the scene in surface millimetres and images it with a tilted,
rolled pinhole camera: each slip is curled (a smooth height field that bends its outline and
shades it), warped straight into the frame, and casts a soft shadow; then light falls
unevenly, a shadow crosses the scene, a glare spot may wash part of it out, the lens
defocuses (more where the surface is far from the focus), the hand shakes, and the sensor
adds noise before the phone sharpens and tone-maps. :func:`compose_photo` also encodes it.
All randomness comes from ``rng``: the same seed gives the same bytes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import cv2
import numpy as np

from ..layout import slip as S
from . import camera as cam
from . import layout as lay
from . import light as lighting
from . import props
from . import textures as tex
from .encode import encode_jpeg
from .marks import SlipCrop, SlipTruth

#: Megapixels → (width, height) in landscape, as phone sensors are.
SIZES = {3: (2000, 1500), 8: (3264, 2448), 12: (4000, 3000)}
VARIANTS = ("table", "wood", "board", "poster")


@dataclass(frozen=True)
class PlacedSlip:
    """A slip as it ended up in the photo. Points are pixels of the displayed photo (after any
    EXIF rotation). ``qr`` lists the QR symbol's corners in the slip's own order (top-left,
    top-right, bottom-right, bottom-left as printed); ``outline`` the slip's four corners;
    ``module_px`` the smallest side of one QR module in pixels; ``glare`` the light added at
    the code (0..1 of full scale); ``light`` the illumination at the code (1 = nominal)."""

    truth: SlipTruth
    qr: tuple[tuple[float, float], ...]
    outline: tuple[tuple[float, float], ...]
    module_px: float
    glare: float
    light: float


@dataclass(frozen=True)
class PhotoTruth:
    """What a photo holds: its size (W, H) in pixels, how it was made, and each slip."""

    variant: str
    size: tuple[int, int]
    quality: int
    slips: tuple[PlacedSlip, ...]
    orientation: int = 1
    format: str = "jpeg"
    params: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        d = {"variant": self.variant, "size": list(self.size), "quality": self.quality,
             "orientation": self.orientation, "format": self.format, "params": self.params,
             "slips": []}
        for p in self.slips:
            e = p.truth.as_dict()
            e.update(qr=[[round(float(v), 2) for v in c] for c in p.qr],
                     outline=[[round(float(v), 2) for v in c] for c in p.outline],
                     module_px=round(float(p.module_px), 3), glare=round(float(p.glare), 3),
                     light=round(float(p.light), 3))
            d["slips"].append(e)
        return d

    def replace(self, **changes) -> PhotoTruth:
        kw = asdict(self) | changes
        kw["slips"] = self.slips
        return PhotoTruth(**kw)


@dataclass(frozen=True)
class Poster:
    """The wall task board's poster, its tiles taped together: RGB uint8 ``image`` with
    ``mm_px`` millimetres per pixel (the board product's tiles, each trimmed and laid over
    its left and upper neighbours as the tile labels say)."""

    image: np.ndarray
    mm_px: float

    @property
    def size_mm(self) -> tuple[float, float]:
        return self.image.shape[1] * self.mm_px, self.image.shape[0] * self.mm_px


def frame_size(megapixels: float, portrait: bool) -> tuple[int, int]:
    mp = int(round(megapixels))
    if mp in SIZES:
        w, h = SIZES[mp]
    else:
        h = int(round(np.sqrt(megapixels * 1e6 * 3 / 4)))
        w = int(round(h * 4 / 3))
    return (h, w) if portrait else (w, h)


def compose_photo(slips: list[SlipCrop], rng: np.random.Generator, megapixels: float = 12,
                  variant: str | None = None, quality: int | None = None,
                  portrait: bool | None = None, poster: Poster | None = None
                  ) -> tuple[bytes, PhotoTruth]:
    """A JPEG phone photo of ``slips`` (1..30 cut-out slips) and its ground truth.
    ``variant`` is table | wood | board (random among these if None) | poster (needs
    ``poster``); ``quality`` 60..90 if None."""
    rgb, truth = render_photo(slips, rng, megapixels, variant, portrait, poster)
    q = int(quality if quality is not None else rng.integers(60, 91))
    return encode_jpeg(rgb, q), truth.replace(quality=q)


def render_photo(slips: list[SlipCrop], rng: np.random.Generator, megapixels: float = 12,
                 variant: str | None = None, portrait: bool | None = None,
                 poster: Poster | None = None) -> tuple[np.ndarray, PhotoTruth]:
    """The photo as RGB uint8 pixels (before encoding) and its truth (quality 0).
    ``variant`` 'poster' (the whole wall board: the board product's poster, slips pinned
    over it) needs ``poster`` from :func:`paperkit.synth.sheets.board_poster`."""
    if not 1 <= len(slips) <= 60:
        raise ValueError("a photo holds 1 to 60 slips")
    variant = variant or str(rng.choice(VARIANTS[:3], p=[0.4, 0.35, 0.25]))
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}")
    if (variant == "poster") != (poster is not None):
        raise ValueError("the poster variant needs a poster (sheets.board_poster), and only it")
    chosen = portrait is not None
    if portrait is None:
        portrait = bool(rng.random() < 0.35)
    size = frame_size(megapixels, portrait)
    w, h = size
    k = max(w, h) / 4000.0  # pixel-sized effects scale with the frame
    sizes = [(c.size_pt[0] / 72 * 25.4, c.size_pt[1] / 72 * 25.4) for c in slips]

    # -- where things lie, and the camera --------------------------------------------------
    board = variant in ("board", "poster")  # pinned upright on a wall
    if board:
        roll = float(rng.choice([0.0, 0.0, 0.0, 90.0, -90.0]) + rng.normal(0, 3))
    elif rng.random() < 0.7:
        roll = float(rng.integers(0, 4) * 90 + rng.normal(0, 6))
    else:
        roll = float(rng.uniform(0, 360))
    sideways = int(round(roll / 90.0)) % 2 == 1
    if poster is not None and not chosen:  # hold the phone the way the board is shaped
        pw, ph = poster.size_mm
        size = frame_size(megapixels, (ph > pw) != sideways)
        w, h = size
    aspect = w / h
    if sideways:
        aspect = 1 / aspect
    if poster is not None:
        pw, ph = poster.size_mm
        places = lay.grid(sizes, pw / ph, rng, 0.0, 1.8, (8, 30))
        mid = np.vstack([lay.corners(s, *p) for s, p in zip(sizes, places, strict=True)])
        dx, dy = np.array([pw / 2, ph / 2]) - (mid.min(axis=0) + mid.max(axis=0)) / 2
        places = [(x + dx, y + dy, a) for x, y, a in places]
    elif board:
        places = lay.grid(sizes, aspect, rng, 0.0, 1.8, (12, 40))
    elif rng.random() < 0.45:
        places = lay.grid(sizes, aspect, rng, float(rng.integers(0, 4) * 90), 5.0, (4, 25),
                          flip=0.1)
    else:
        places = lay.scatter(sizes, aspect, rng, density=rng.uniform(0.4, 0.6))
    polys = [lay.corners(s, *p) for s, p in zip(sizes, places, strict=True)]
    allpts = np.vstack(polys)
    if poster is not None:  # the photo shows the whole board
        pw, ph = poster.size_mm
        allpts = np.vstack([allpts, [[0, 0], [pw, 0], [pw, ph], [0, ph]]])
    centre = allpts.mean(axis=0)
    tilt = float(rng.uniform(0, 35))
    azimuth = float(rng.uniform(0, 360))
    f = max(w, h) * 26.0 / 36.0 * rng.uniform(0.92, 1.08)
    camera = cam.fit(allpts, tuple(centre), tilt, azimuth, roll, f, size,
                     fill=rng.uniform(0.75, 0.95), rng=rng)
    H = camera.H
    height = float(-camera.C[2])  # mm above the surface
    cam_xy = camera.C[:2]

    # light: direction on the surface (toward the light) and its elevation
    light_az = rng.uniform(0, 2 * np.pi)
    light_el = np.deg2rad(rng.uniform(35, 75))
    to_light = np.array([np.cos(light_az) * np.cos(light_el),
                         np.sin(light_az) * np.cos(light_el), -np.sin(light_el)])

    # -- the surface -------------------------------------------------------------------------
    img = _surface(variant, camera, allpts, rng)
    if poster is not None:
        _put_poster(img, poster, H, rng)

    # -- the slips ---------------------------------------------------------------------------
    placed_geo = []
    for crop, size_mm, place in zip(slips, sizes, places, strict=True):
        placed_geo.append(_put_slip(img, crop, size_mm, place, H, height, cam_xy, to_light,
                                    board, rng, k))
    if board:
        for size_mm, place in zip(sizes, places, strict=True):
            props.pin(img, size_mm, place, H, to_light, rng)
    elif rng.random() < 0.35:
        props.pen(img, polys, H, to_light, rng)

    # -- light, optics, sensor ---------------------------------------------------------------
    light = lighting.illumination(size, rng)
    wb = np.array([1.0, 1.0, 1.0], np.float32) + rng.normal(0, 0.025, 3).astype(np.float32)
    wb /= wb.mean()
    img = cv2.multiply(img, cv2.merge([light * wb[0], light * wb[1], light * wb[2]]))
    glare_map = None
    if rng.random() < 0.25:
        glare_map = lighting.glare(size, rng)
        img = cv2.add(img, cv2.merge([glare_map] * 3))
    depth = camera.depth()
    focus_slip = placed_geo[int(rng.integers(len(placed_geo)))]
    fx, fy = np.clip(np.mean(focus_slip["qr"], axis=0), 0, [w - 1, h - 1]).astype(int)
    dfocus = depth[fy, fx]
    spread = np.clip(np.abs(depth / dfocus - 1.0) * rng.uniform(3, 8), 0, 1)
    sig0 = rng.uniform(0.3, 1.1) * k
    sig1 = sig0 + rng.uniform(0.0, 1.0) * k * (tilt / 35.0)
    img = cam.defocus(img, sig0, sig1, spread)
    shake = rng.uniform(0, 3.0) * k if rng.random() < 0.6 else 0.0
    img = cam.motion_blur(img, shake, rng.uniform(0, 180))
    noise_level = rng.uniform(0.006, 0.022)
    img = cam.sensor_noise(img, noise_level, rng)
    img = cam.sharpen(img, rng.uniform(0.2, 0.8), rng.uniform(1.0, 2.0) * k)
    rgb = cam.tone(img, rng.uniform(0.0, 0.3), rng.uniform(0.95, 1.15))

    out = []
    for crop, geo in zip(slips, placed_geo, strict=True):
        qx, qy = np.clip(np.mean(geo["qr"], axis=0), 0, [w - 1, h - 1]).astype(int)
        out.append(PlacedSlip(
            truth=crop.truth, qr=tuple(map(tuple, geo["qr"])),
            outline=tuple(map(tuple, geo["outline"])), module_px=geo["module_px"],
            glare=float(glare_map[qy, qx]) if glare_map is not None else 0.0,
            light=float(light[qy, qx])))
    params = {"tilt": round(tilt, 2), "roll": round(roll % 360, 2), "azimuth": round(azimuth, 2),
              "height_mm": round(height, 1), "blur": round(float(sig0), 3),
              "blur_far": round(float(sig1), 3), "shake": round(float(shake), 3),
              "noise": round(float(noise_level), 4), "glare": glare_map is not None}
    return rgb, PhotoTruth(variant=variant, size=size, quality=0, slips=tuple(out),
                           params=params)


# --- the scene's parts ---------------------------------------------------------------------


def _surface(variant: str, camera: cam.Camera, slip_pts: np.ndarray,
             rng: np.random.Generator) -> np.ndarray:
    """The visible surface, textured in its own plane and imaged by ``camera``."""
    w, h = camera.size
    H = camera.H
    seen = cam.apply_h(np.linalg.inv(H), np.array([[0, 0], [w, 0], [w, h], [0, h]], float))
    lo = np.minimum(seen.min(axis=0), slip_pts.min(axis=0)) - 20
    hi = np.maximum(seen.max(axis=0), slip_pts.max(axis=0)) + 20
    span = np.minimum(hi - lo, 8000.0)
    hi = lo + span
    mm_px = float(max(span) / 2000.0)
    shape = (int(span[1] / mm_px) + 1, int(span[0] / mm_px) + 1)
    if variant == "poster":
        plane = tex.wall(shape, mm_px, rng)
    elif variant == "board":
        margin = rng.uniform(30, 120)
        a = (slip_pts.min(axis=0) - margin - lo) / mm_px
        b = (slip_pts.max(axis=0) + margin - lo) / mm_px
        plane = tex.board(shape, mm_px, rng, (a[0], a[1], b[0], b[1]))
    else:
        plane = tex.SURFACES[variant](shape, mm_px, rng)
    to_plane = np.array([[mm_px, 0, lo[0]], [0, mm_px, lo[1]], [0, 0, 1]])
    img = cv2.warpPerspective(plane, H @ to_plane, (w, h), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REFLECT)
    grain = rng.standard_normal((h // 2 + 1, w // 2 + 1), dtype=np.float32)
    grain = cv2.resize(grain, (w, h), interpolation=cv2.INTER_LINEAR)
    grain = cv2.merge([grain * np.float32(0.02) + np.float32(1.0)] * 3)
    return cv2.multiply(img, grain)


def _put_poster(img: np.ndarray, poster: Poster, H: np.ndarray,
                rng: np.random.Generator) -> None:
    """The taped-together poster, flat on the wall with its top-left corner at the surface
    origin, warped into ``img`` (in place)."""
    h, w = poster.image.shape[:2]
    paper = np.array([0.93, 0.93, 0.91], np.float32) + rng.normal(0, 0.01, 3).astype(np.float32)
    refl = 0.07 + (paper - 0.07) * (poster.image.astype(np.float32) / 255.0)
    rgba = np.dstack([refl, np.ones((h, w), np.float32)])
    rgba = np.pad(rgba, ((1, 1), (1, 1), (0, 0)))
    T = np.array([[poster.mm_px, 0, -poster.mm_px], [0, poster.mm_px, -poster.mm_px], [0, 0, 1]])
    M = H @ T
    out = cv2.warpPerspective(rgba, M, (img.shape[1], img.shape[0]), flags=cv2.INTER_LINEAR)
    a = out[..., 3:4]
    img[:] = img * (1 - a) + out[..., :3] * a


def _slip_reflectance(crop: SlipCrop, rng: np.random.Generator) -> np.ndarray:
    """The printed slip as reflectance: off-white paper, toner that is not quite black."""
    paper = np.array([0.95, 0.95, 0.93], np.float32) + rng.normal(0, 0.012, 3).astype(np.float32)
    toner = rng.uniform(0.04, 0.09)
    return toner + (paper - toner) * (crop.image.astype(np.float32) / 255.0)


def _height_field(shape: tuple[int, int], size_mm: tuple[float, float], board: bool,
                  rng: np.random.Generator) -> np.ndarray:
    """How far each point of the slip stands off the surface, in mm (coarse grid)."""
    gh, gw = shape
    v, u = np.mgrid[0:gh, 0:gw].astype(np.float32)
    u = u / max(gw - 1, 1) - 0.5
    v = v / max(gh - 1, 1) - 0.5
    if board:
        z = rng.uniform(0, 4) * np.clip(v + 0.3, 0, None) ** 2 / 0.64
    else:
        axis = u if rng.random() < 0.6 else v
        flat = rng.uniform(0.05, 0.3)
        lift = rng.exponential(1.8)
        sign_both = rng.random() < 0.6
        bend = np.clip(np.abs(axis) - flat, 0, None) if sign_both else np.clip(axis - flat, 0,
                                                                                None)
        z = min(lift, 7.0) * (bend / (0.5 - flat)) ** 2
        if rng.random() < 0.25:  # a dog-eared corner
            cu, cv = rng.choice([-0.5, 0.5]), rng.choice([-0.5, 0.5])
            d = np.sqrt((u - cu) ** 2 + ((v - cv) * size_mm[1] / size_mm[0]) ** 2)
            z = z + rng.uniform(1, 5) * np.clip(1 - d / rng.uniform(0.15, 0.3), 0, None) ** 2
    small = tex.noise((gh, gw), 3, rng, octaves=2) * 0.08  # paper is never quite flat
    return (z + small - small.min()).astype(np.float32)


def _put_slip(img: np.ndarray, crop: SlipCrop, size_mm: tuple[float, float],
              place: tuple[float, float, float], H: np.ndarray, height: float,
              cam_xy: np.ndarray, to_light: np.ndarray, board: bool,
              rng: np.random.Generator, k: float) -> dict:
    """Curl, shade and warp one slip into ``img`` (in place), with its drop shadow. Returns
    where its QR corners and outline landed, and the QR module size in pixels."""
    w_img, h_img = img.shape[1], img.shape[0]
    src = _slip_reflectance(crop, rng)
    sh, sw = src.shape[:2]
    mm_per_px = size_mm[0] / sw
    cx, cy, ang = place
    a = np.deg2rad(ang)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])

    def slip_to_plane(mmpp: float, ssw: int, ssh: int) -> np.ndarray:
        T = np.eye(3)
        T[:2, :2] = rot * mmpp
        T[:2, 2] = [cx, cy] - rot @ np.array([ssw / 2, ssh / 2]) * mmpp
        return T

    # Pre-shrink with area averaging so the warp never aliases fine print and QR edges.
    Hs = H @ slip_to_plane(mm_per_px, sw, sh)
    corners_src = np.array([[0, 0], [sw, 0], [sw, sh], [0, sh]], float)
    pc = cam.apply_h(Hs, corners_src)
    scale = max(np.linalg.norm(pc[1] - pc[0]) / sw, np.linalg.norm(pc[2] - pc[1]) / sh,
                np.linalg.norm(pc[3] - pc[2]) / sw, np.linalg.norm(pc[0] - pc[3]) / sh)
    if scale < 0.75:
        f = min(1.0, scale * 1.4)
        nw, nh = max(int(round(sw * f)), 8), max(int(round(sh * f)), 8)
        src = cv2.resize(src, (nw, nh), interpolation=cv2.INTER_AREA)
        mm_per_px = size_mm[0] / nw
        sw, sh = nw, nh
        Hs = H @ slip_to_plane(mm_per_px, sw, sh)
    T = slip_to_plane(mm_per_px, sw, sh)

    # Curl: a height field bends the slip's image (points off the surface appear pushed away
    # from the camera) and shades it (faces turned to the light are brighter).
    gstep = 8
    gh, gw = sh // gstep + 2, sw // gstep + 2
    z = _height_field((gh, gw), size_mm, board, rng)
    gy, gx = np.mgrid[0:gh, 0:gw].astype(np.float64) * gstep
    plane = (T[:2, :2] @ np.stack([gx.ravel(), gy.ravel()]) + T[:2, 2:3]).T
    zr = z.ravel().astype(np.float64)
    disp_plane = (plane - cam_xy) * (zr / np.maximum(height - zr, 1.0))[:, None]
    disp_src = (np.linalg.inv(T[:2, :2]) @ disp_plane.T).T.reshape(gh, gw, 2).astype(np.float32)
    dzdy, dzdx = np.gradient(z, gstep * mm_per_px)
    normal = np.stack([-dzdx, -dzdy, -np.ones_like(z)], axis=-1)
    normal /= np.linalg.norm(normal, axis=-1, keepdims=True)
    # Normals are in slip axes; the light is in surface axes: turn it into slip axes.
    light_slip = np.concatenate([rot.T @ to_light[:2], to_light[2:]])
    shade = (normal @ light_slip) / (-light_slip[2])
    shade = np.clip(shade, 0.55, 1.35).astype(np.float32)
    shade_full = cv2.resize(shade, (gw * gstep, gh * gstep), interpolation=cv2.INTER_LINEAR)
    src = src * shade_full[:sh, :sw, None]

    # Alpha: the scissor cut wanders a little inside the printed outline.
    alpha = np.zeros((sh + 4, sw + 4), np.float32)
    inset = np.clip(tex.noise((sh + 4, sw + 4), 4, rng, octaves=2) * 0.2 + 0.25, 0, 0.6)
    inset_px = inset / mm_per_px
    yy, xx = np.mgrid[0:sh + 4, 0:sw + 4].astype(np.float32) - 2
    edge = np.minimum.reduce([xx + 0.5, sw - 0.5 - xx, yy + 0.5, sh - 0.5 - yy])
    alpha = np.clip(edge - inset_px + 0.5, 0, 1)
    rgba = np.dstack([np.pad(src, ((2, 2), (2, 2), (0, 0)), mode="edge"), alpha])

    # Where it lands: outline corners, displaced by the curl.
    def forward(pts: np.ndarray) -> np.ndarray:
        d = np.stack([cv2.remap(disp_src[..., j], (pts[:, 0:1] / gstep).astype(np.float32),
                                (pts[:, 1:2] / gstep).astype(np.float32), cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_REPLICATE)[:, 0] for j in (0, 1)], axis=1)
        return cam.apply_h(Hs, pts + d)

    outline = forward(np.array([[0, 0], [sw, 0], [sw, sh], [0, sh]], float))
    light_dir_img = cam.apply_h(H, np.array([[cx, cy], [cx - to_light[0] * 10,
                                                         cy - to_light[1] * 10]]))
    shadow_vec = light_dir_img[1] - light_dir_img[0]
    lift = float(z.mean()) + 0.4
    shadow_off = shadow_vec / 10.0 * lift / max(np.tan(np.arcsin(-to_light[2])), 0.2)
    sigma = (1.5 + 2.5 * lift) * k * 2  # the shadow's softness, pixels
    margin = int(np.linalg.norm(shadow_off) + 3 * sigma + 4)
    x0 = max(int(np.floor(outline[:, 0].min())) - margin, 0)
    y0 = max(int(np.floor(outline[:, 1].min())) - margin, 0)
    x1 = min(int(np.ceil(outline[:, 0].max())) + margin, w_img)
    y1 = min(int(np.ceil(outline[:, 1].max())) + margin, h_img)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return {"qr": np.zeros((4, 2)), "outline": outline, "module_px": 0.0}

    # Inverse map: output pixel → slip pixel, undoing the curl by fixed-point iteration.
    Hinv = np.linalg.inv(Hs)
    oy, ox = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    den = Hinv[2, 0] * ox + Hinv[2, 1] * oy + Hinv[2, 2]
    px = ((Hinv[0, 0] * ox + Hinv[0, 1] * oy + Hinv[0, 2]) / den).astype(np.float32)
    py = ((Hinv[1, 0] * ox + Hinv[1, 1] * oy + Hinv[1, 2]) / den).astype(np.float32)
    sx, sy = px.copy(), py.copy()
    for _ in range(3):
        dx = cv2.remap(disp_src[..., 0], sx / gstep, sy / gstep, cv2.INTER_LINEAR,
                       borderMode=cv2.BORDER_REPLICATE)
        dy = cv2.remap(disp_src[..., 1], sx / gstep, sy / gstep, cv2.INTER_LINEAR,
                       borderMode=cv2.BORDER_REPLICATE)
        sx, sy = px - dx, py - dy
    rgba = rgba.astype(np.float32)
    warped = cv2.remap(rgba, sx + 2, sy + 2, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                       borderValue=(0, 0, 0, 0))
    a_out = warped[..., 3:4]

    # Drop shadow on what lies beneath, then the slip over it.
    soft = cv2.GaussianBlur(a_out[..., 0], (0, 0), sigma)
    M = np.float32([[1, 0, shadow_off[0]], [0, 1, shadow_off[1]]])
    soft = cv2.warpAffine(soft, M, (x1 - x0, y1 - y0))
    region = img[y0:y1, x0:x1]
    region *= (1.0 - rng.uniform(0.15, 0.35) * soft)[..., None]
    region[:] = region * (1 - a_out) + warped[..., :3] * a_out

    qr_src = np.array(crop.to_slip_px(crop.entry["qr"]), float) * (sw / crop.image.shape[1])
    q = np.array([[qr_src[0], qr_src[1]], [qr_src[2], qr_src[1]], [qr_src[2], qr_src[3]],
                  [qr_src[0], qr_src[3]]])
    qr_img = forward(q)
    sides = [np.linalg.norm(qr_img[(i + 1) % 4] - qr_img[i]) for i in range(4)]
    return {"qr": qr_img, "outline": outline, "module_px": float(min(sides) / S.QR_MODULES)}
