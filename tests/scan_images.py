"""Small synthetic slip photos for the scan tests (independent of the bench harness).

A slip is drawn with Pillow straight from ``paperkit.layout.slip`` geometry, then warped
into a photo with OpenCV. Marks are pen-like polylines in slip units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import segno
from PIL import Image, ImageDraw

from paperkit.layout import slip as S
from paperkit.synth.marks import Print

INK = {
    "black": (25, 25, 30),
    "blue": (30, 50, 150),
    "red": (200, 35, 45),  # a red ballpoint: in grey about as dark as pencil
    "green": (25, 115, 65),
    "pencil": (120, 120, 125),
    "light": (190, 190, 195),  # a nearly dry pen, or pencil pressed lightly
}


@dataclass(frozen=True)
class Mark:
    """A pen mark in one box: kind is tick | cross | fill | dot | scribble-out."""

    box: str
    kind: str = "tick"
    ink: str = "black"
    width: float = 1.4  # slip units


def _qr_matrix(text: str) -> np.ndarray:
    qr = segno.make(text, version=S.QR_VERSION, error=S.QR_ERROR.lower(), mode="alphanumeric",
                    boost_error=False)
    return np.array([list(r) for r in qr.matrix], dtype=bool)


def _stroke(draw: ImageDraw.ImageDraw, pts, s: float, colour, width: float) -> None:
    draw.line([(x * s, y * s) for x, y in pts], fill=colour, width=max(1, round(width * s)),
              joint="curve")


def draw_mark(draw: ImageDraw.ImageDraw, mark: Mark, s: float) -> None:
    r = S.BOXES[mark.box]
    c = INK[mark.ink]
    x0, y0, w = r.x0, r.y0, r.width
    if mark.kind == "tick":
        _stroke(draw, [(x0 + 0.15 * w, y0 + 0.55 * w), (x0 + 0.4 * w, y0 + 0.85 * w),
                       (x0 + 1.05 * w, y0 - 0.15 * w)], s, c, mark.width)
    elif mark.kind == "cross":
        _stroke(draw, [(x0 + 0.1 * w, y0 + 0.1 * w), (x0 + 0.9 * w, y0 + 0.9 * w)], s, c,
                mark.width)
        _stroke(draw, [(x0 + 0.9 * w, y0 + 0.1 * w), (x0 + 0.1 * w, y0 + 0.9 * w)], s, c,
                mark.width)
    elif mark.kind == "fill":
        draw.rectangle([(x0 + 1) * s, (y0 + 1) * s, (r.x1 - 1) * s, (r.y1 - 1) * s], fill=c)
    elif mark.kind == "dot":
        cx, cy = x0 + 0.5 * w, y0 + 0.5 * w
        draw.ellipse([(cx - 0.6) * s, (cy - 0.6) * s, (cx + 0.6) * s, (cy + 0.6) * s], fill=c)
    else:
        raise ValueError(mark.kind)


def render_slip(code: str, marks: tuple[Mark, ...] = (), s: float = 4.0,
                title: str = "Bring water to the park", depth: float = 1.0) -> Image.Image:
    """The slip at ``s`` pixels per slip unit, RGB; printed ``depth`` as dark (below 1: a
    printer low on toner), the pen marks then drawn on it as dark as ever."""
    w, h = round(S.SLIP_W * s), round(S.SLIP_H * s)
    img = Image.new("RGB", (w, h), (255, 255, 255))
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, w - 1, h - 1], outline=(200, 200, 200), width=1)
    for r in S.MARKS.values():
        d.rectangle([r.x0 * s, r.y0 * s, r.x1 * s - 1, r.y1 * s - 1], fill=(0, 0, 0))
    m = _qr_matrix(code)
    n = m.shape[0]
    mod = S.QR.width / n
    for j in range(n):
        for i in range(n):
            if m[j, i]:
                d.rectangle([(S.QR.x0 + i * mod) * s, (S.QR.y0 + j * mod) * s,
                             (S.QR.x0 + (i + 1) * mod) * s - 1,
                             (S.QR.y0 + (j + 1) * mod) * s - 1], fill=(0, 0, 0))
    font_size = max(6, round(7 * s))
    d.text((S.TITLE.x0 * s, S.TITLE.y0 * s), title, fill=(0, 0, 0), font_size=font_size)
    d.text((S.META.x0 * s, S.META.y0 * s), "T0042 - this week", fill=(0, 0, 0),
           font_size=font_size)
    d.text((S.STEWARD.x0 * s, S.STEWARD.y0 * s), "steward:", fill=(0, 0, 0),
           font_size=font_size)
    d.line([(S.STEWARD.x0 + 40) * s, S.STEWARD.y1 * s, S.STEWARD.x1 * s, S.STEWARD.y1 * s],
           fill=(0, 0, 0), width=max(1, round(0.5 * s)))
    d.text((S.CODE_TEXT.x0 * s, S.CODE_TEXT.y0 * s), code, fill=(0, 0, 0),
           font_size=max(5, round(5 * s)))
    sw = max(1, round(S.BOX_STROKE * s))
    for name, r in S.BOXES.items():
        d.rectangle([r.x0 * s, r.y0 * s, r.x1 * s, r.y1 * s], outline=(0, 0, 0), width=sw)
        d.text(((r.x1 + S.BOX_LABEL_GAP) * s, (r.y0 + 2) * s), name, fill=(0, 0, 0),
               font_size=font_size)
    n_ = S.NOTE
    d.rectangle([n_.x0 * s, n_.y0 * s, n_.x1 * s, n_.y1 * s], outline=(90, 90, 90),
                width=max(1, round(0.5 * s)))
    if depth != 1.0:
        img = Image.fromarray(Print(depth=depth).apply(np.asarray(img)))
        d = ImageDraw.Draw(img)
    for mk in marks:
        draw_mark(d, mk, s)
    return img


def slip_quad(cx: float, cy: float, width: float, angle_deg: float, tilt: float = 0.0
              ) -> np.ndarray:
    """Four photo points (tl, tr, br, bl) for a slip centred at (cx, cy), ``width`` px wide,
    rotated by ``angle_deg``; ``tilt`` (0..0.3) narrows the top edge for perspective."""
    hw, hh = width / 2, width * S.SLIP_H / S.SLIP_W / 2
    pts = np.array([[-hw * (1 - tilt), -hh], [hw * (1 - tilt), -hh], [hw, hh], [-hw, hh]])
    a = math.radians(angle_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    return (pts @ rot.T + [cx, cy]).astype(np.float32)


def slip_at(x: float, y: float, px: float) -> np.ndarray:
    """Four photo points (tl, tr, br, bl) of an upright slip whose top-left corner is at
    (x, y), ``px`` photo pixels a slip unit."""
    return np.float32([[x, y], [x + S.SLIP_W * px, y], [x + S.SLIP_W * px, y + S.SLIP_H * px],
                       [x, y + S.SLIP_H * px]])


def compose(slips: list[tuple[Image.Image, np.ndarray]], size: tuple[int, int],
            seed: int = 0, light: bool = True, blur: float = 0.6, noise: float = 3.0
            ) -> np.ndarray:
    """Warp each (slip image, quad) onto a table-coloured background; RGB uint8."""
    cv2.setRNGSeed(seed)
    w, h = size
    grain = np.empty((h, w), np.float32)
    cv2.randn(grain, 0.0, 6.0)
    canvas = np.empty((h, w, 3), np.float32)
    canvas[:] = (120, 100, 80)
    canvas += grain[..., None]
    for img, quad in slips:
        src = np.array(img, dtype=np.float32)
        sh, sw = src.shape[:2]
        x0, y0 = np.floor(quad.min(axis=0)).astype(int) - 2
        x1, y1 = np.ceil(quad.max(axis=0)).astype(int) + 2
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
        srcq = np.float32([[0, 0], [sw, 0], [sw, sh], [0, sh]])
        m = cv2.getPerspectiveTransform(srcq, quad - np.float32([x0, y0]))
        size_ = (x1 - x0, y1 - y0)
        warped = cv2.warpPerspective(src, m, size_, flags=cv2.INTER_AREA)
        mask = cv2.warpPerspective(np.ones((sh, sw), np.float32), m, size_)[..., None]
        part = canvas[y0:y1, x0:x1]
        canvas[y0:y1, x0:x1] = part * (1 - mask) + warped * mask
    if light:
        xx = np.linspace(0, 1, w, dtype=np.float32)[None, :]
        yy = np.linspace(0, 1, h, dtype=np.float32)[:, None]
        canvas *= (0.8 + 0.2 * xx * (1 - 0.3 * yy))[..., None]
    if blur:
        canvas = cv2.GaussianBlur(canvas, (0, 0), blur)
    if noise:
        cv2.randn(grain, 0.0, noise)
        canvas += grain[..., None]
    return np.clip(canvas, 0, 255).astype(np.uint8)


def hard_shadow(gray: np.ndarray, through: tuple[float, float], angle: float, dark: float
                ) -> np.ndarray:
    """``gray`` (uint8, grey or RGB) with a hard shadow (``dark`` of the light kept) over the
    half-plane whose edge runs through ``through`` (photo px) at ``angle`` degrees: the
    phone's or a hand's shadow under a lamp or in the sun."""
    h, w = gray.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    a = math.radians(angle)
    side = ((xx - through[0]) * math.cos(a) + (yy - through[1]) * math.sin(a) > 0)
    side = cv2.GaussianBlur(side.astype(np.float32), (0, 0), 0.8)
    keep = 1 - (1 - dark) * side
    return np.clip(gray * (keep[..., None] if gray.ndim == 3 else keep), 0, 255).astype(np.uint8)


def grid_photo(codes_marks: list[tuple[str, tuple[Mark, ...]]], size=(4000, 3000),
               cols: int = 5, seed: int = 0, jitter: float = 8.0, s: float = 4.0,
               tilt: float = 0.0) -> np.ndarray:
    """Slips laid out in a grid with small random rotations; RGB uint8."""
    rng = np.random.default_rng(seed)
    rows = math.ceil(len(codes_marks) / cols)
    cw, ch = size[0] / cols, size[1] / rows
    width = min(cw * 0.86, ch * 0.86 * S.SLIP_W / S.SLIP_H)
    items = []
    for i, (code, marks) in enumerate(codes_marks):
        r, c = divmod(i, cols)
        quad = slip_quad(cw * (c + 0.5), ch * (r + 0.5), width,
                         float(rng.uniform(-jitter, jitter)), tilt)
        items.append((render_slip(code, marks, s), quad))
    return compose(items, size, seed)


def fingertip(arr: np.ndarray, H: np.ndarray, center: tuple[float, float],
              size: tuple[float, float], rgb: tuple[int, int, int], angle: float = 0.0
              ) -> np.ndarray:
    """``arr`` (RGB) with a fingertip over the slip whose homography (slip units → px) is
    ``H``: a soft-edged ellipse of skin ``rgb``, ``size`` (width, height, slip units) about
    ``center`` (slip units), darker towards its rim as a rounded finger is lit."""
    pts = cv2.perspectiveTransform(np.float64([[center, (center[0] + size[0] / 2, center[1]),
                                                (center[0], center[1] + size[1] / 2)]]), H)[0]
    c = tuple(int(v) for v in pts[0])
    axes = (int(np.hypot(*(pts[1] - pts[0]))), int(np.hypot(*(pts[2] - pts[0]))))
    mask = np.zeros(arr.shape[:2], np.float32)
    cv2.ellipse(mask, c, axes, angle, 0, 360, 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), 3)[..., None]
    yy, xx = np.mgrid[:arr.shape[0], :arr.shape[1]]
    rim = ((xx - c[0]) / max(axes[0], 1)) ** 2 + ((yy - c[1]) / max(axes[1], 1)) ** 2
    skin = np.float32(rgb) * np.clip(1.05 - 0.35 * rim, 0.6, 1.05)[..., None]
    return np.clip(arr * (1 - mask) + skin * mask, 0, 255).astype(np.uint8)


def dried_drop(arr: np.ndarray, H: np.ndarray, center: tuple[float, float], radius: float,
               ring: bool, strength: float = 0.7,
               tint: tuple[float, float, float] = (0.59, 0.39, 0.24)) -> np.ndarray:
    """``arr`` (RGB) with a dried drop of coffee on the slip whose homography (slip units →
    px) is ``H``: ``radius`` slip units about ``center``, a ``ring`` (its rim an eighth of
    its radius wide, its inside faintly tinted) or a soft-edged blob, laid on at
    ``strength`` as a dye soaks into paper (each channel times 1 - strength × (1 - tint)
    where it is darkest: the print and the ink show through)."""
    pts = cv2.perspectiveTransform(np.float64([[center, (center[0] + radius, center[1])]]), H)[0]
    c, r = pts[0], float(np.hypot(*(pts[1] - pts[0])))
    yy, xx = np.mgrid[:arr.shape[0], :arr.shape[1]].astype(np.float32)
    d = np.hypot(xx - c[0], yy - c[1]) / (r / radius)  # slip units from the drop's centre
    if ring:
        half = max(radius / 8, 1.0) / 2
        m = 0.3 * (d < radius) + 0.7 * np.exp(-((d - radius) / half) ** 2)
    else:
        m = 0.5 * (1 - np.tanh((d - radius) / 1.6))
    keep = 1 - strength * m[..., None] * (1 - np.float32(tint))
    return np.clip(arr * keep, 0, 255).astype(np.uint8)


def save(arr: np.ndarray, path, quality: int = 85, exif: bytes | None = None) -> None:
    img = Image.fromarray(arr)
    kw = {"quality": quality} if str(path).lower().endswith((".jpg", ".jpeg")) else {}
    if exif is not None:
        kw["exif"] = exif
    img.save(path, **kw)


def harness_sheet(synth, kit, rec, rng: np.random.Generator, n: int = 20):
    """``n`` sampled tasks in ``rec``, printed on the project's own slips PDF and rendered at
    200 dpi by the harness ``synth`` (paperkit.synth): (each task as it was before, the pages,
    and (page index, manifest entry) for each slip)."""
    synth.sample_tasks(rec, n, rng)
    from paperkit.record.tasks import get_task

    before = {t: get_task(rec, t) for t in (f"T{i:04d}" for i in range(1, n + 1))}
    pdf, manifest = synth.slip_sheet(kit, rec)
    pages = synth.render_pages(pdf, 200)
    entries = [(i, e) for i, p in enumerate(manifest["pages"]) for e in p["slips"]]
    return before, pages, entries


def log_print(rec, *texts: str) -> None:
    """Log a print of the slip codes ``texts`` in ``rec``, as 'paperkit print slips' does: a
    scan applies only slips its record printed (where the tests' own stand-in for that,
    conftest's ``_drawn_slips_were_printed``, does not reach: a subprocess, a module
    fixture)."""
    from paperkit import codes
    from paperkit.record.db import Source
    from paperkit.record.prints import record_print

    slips = [(t, codes.parse(t).task, codes.parse(t).rev) for t in texts]
    with rec.write(Source("cli", "test: print slips")) as w:
        record_print(w, "slips", "slips.pdf", slips)


def slips_in_a_row(tmp_path, slips, draw=None, turn: float = 5.0):
    """A kit at ``tmp_path / "kit"`` holding the tasks of ``slips`` (task, marks, extra), all
    open, and one photo of their slips side by side, each 1000 px wide and turned a little
    (``turn`` degrees a slip, from -4), ``draw(img, extra)`` giving each slip's picture its
    extra (a highlighter, ...): (the kit, its record, the photo as RGB uint8)."""
    from paperkit import codes
    from paperkit.kit import init_kit
    from paperkit.record.db import Source

    kit = init_kit(tmp_path / "kit")
    rec = kit.open_record()
    with rec.write(Source("cli", "test")) as w:
        for task, _, _ in slips:
            w.insert("tasks", {"id": task, "title": task, "status": "open"})
    items = []
    for i, (task, marks, extra) in enumerate(slips):
        img = render_slip(codes.build(kit.key, kit.id, task, 1).text, marks, s=4.0)
        if draw is not None:
            img = draw(img, extra)
        items.append((img, slip_quad(600 + 1150 * i, 700, 1000, turn * i - 4)))
    return kit, rec, compose(items, (600 + 1150 * len(slips), 1400))


def own_sheet_page(tmp_path, dpi: float, synth):
    """A kit at ``tmp_path / "kit"`` with 8 sampled tasks, and the first page of its own
    slips PDF (8 slips on the default stock, their print logged) rendered at ``dpi`` by the
    harness ``synth`` (paperkit.synth): (the kit, its record, the page as RGB uint8)."""
    from paperkit.kit import init_kit

    kit = init_kit(tmp_path / "kit")
    rec = kit.open_record()
    synth.sample_tasks(rec, 8, np.random.default_rng(3))
    pdf, _ = synth.slip_sheet(kit, rec)
    return kit, rec, synth.render_pages(pdf, dpi)[0]
