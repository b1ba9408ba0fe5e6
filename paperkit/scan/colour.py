"""Light coloured ink in a check box, which the reading in grey does not see.

The boxes are read in grey (luminance), where a yellow highlighter is some 18 levels below
the paper and a yellow gel pen or a light green or orange highlighter little more: a box
marked so read blank. A slip ticked done in pen and highlighted taken was applied done,
and a slip marked with a highlighter alone was left unchanged (a red-team photo,
bench/RESULTS.md, Box reads, thirty-third session). Such ink stands apart from the paper
in its colour (the JPEG's Cb and Cr) while its grey stays near the paper's, where a pen's
or a pencil's is dark or has no colour of its own.

The colour of a JPEG is decoded at a quarter of its size (:func:`of_jpeg`) after the first
pass, on its thread, beside the full-size grey decode; a picture Pillow decoded in colour
(HEIC, PNG, ...) and a TIFF's pages are made smaller (:func:`of_image`); a PDF's pages are
rendered again in colour at a quarter of the scale (``load``). A grey picture has none, and
is read in grey alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from ..layout import slip as S
from ..layout.model import Rect
from .geometry import SlipPose, warp

#: Pixels a slip unit the box row is looked at with (about what the colour, a quarter of
#: the frame's size, holds of a 12 MP photo of 20 slips).
K = 1.0
#: The band of the slip holding the row of boxes and their labels, slip units: the paper's
#: colour is its median (boxes, labels and marks are a small part of it).
ROW = Rect(10.0, S.BOX_Y - 4.0, S.SLIP_W - 10.0, S.BOX_Y + S.BOX_SIZE + 4.0)
#: How far inside its printed outline a box's inside is taken (slip units): the outline,
#: and the blur of the photo around it, stay out.
INSET = 2.5
#: A pixel is coloured ink when its colour (Cb, Cr) lies this far from the paper's...
COLOUR = 24.0
#: ...while its grey is less than this far below the paper's: darker ink is read in grey.
LIGHT = 70.0
#: The paper just above and below a box, its colour compared with the box's inside: the
#: band's first and last NEAR units (2-4 units out from the box).
NEAR = 2.0
#: A box this share of whose inside is light coloured ink holds a mark (a highlighter's
#: stroke covers most of it; a gel pen's cross about a fifth).
COVER = 0.12


@dataclass(frozen=True)
class Colour:
    """A frame's colour, smaller: ``ycc`` is Y, Cb, Cr (uint8, rows × columns × 3), at
    1/``factor`` of the frame's size, upright as the frame is."""

    ycc: np.ndarray
    factor: int


def of_image(image: Image.Image, factor: int = 4) -> Colour | None:
    """A colour picture (Pillow, upright) as :class:`Colour`, made 1/``factor`` as large;
    None for a grey one."""
    if image.mode not in ("RGB", "RGBA", "P", "CMYK", "YCbCr", "LAB", "HSV"):
        return None
    small = image.reduce(factor) if factor > 1 else image
    return of_rgb(np.asarray(small.convert("RGB")), factor)


def of_rgb(rgb: np.ndarray, factor: int) -> Colour:
    """An RGB picture (uint8, rows × columns × 3), 1/``factor`` of its frame's size, as
    :class:`Colour`."""
    ycrcb = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2YCrCb)
    return Colour(np.ascontiguousarray(ycrcb[..., [0, 2, 1]]), factor)


def of_jpeg(raw: bytes) -> Colour | None:
    """A colour JPEG's colour at a quarter of its size (decoded at that size within the DCT
    by OpenCV, its EXIF turn applied as for the frame), or None (a file OpenCV cannot
    decode; a grey JPEG's has no colour of its own, and none is seen in it). Only the box
    rows of the slips are looked at in it."""
    try:
        bgr = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_REDUCED_COLOR_4)
    except cv2.error:
        return None
    if bgr is None or bgr.ndim != 3:
        return None
    return of_rgb(bgr[..., ::-1], 4)


def fits(colour: Colour | None, shape: tuple[int, ...]) -> Colour | None:
    """``colour`` for a frame of ``shape``: with the factor its sides are smaller by (a
    whole number, sides rounded either way; a huge JPEG's frame is itself read at half
    size), or None when they are not so."""
    if colour is None:
        return None
    sides = colour.ycc.shape[:2]
    factor = round(shape[0] / max(sides[0], 1))
    if factor < 1 or any(abs(c - s / factor) >= 1 for c, s in zip(sides, shape[:2],
                                                                   strict=True)):
        return None
    return colour if factor == colour.factor else Colour(colour.ycc, factor)


def _to_small(colour: Colour) -> np.ndarray:
    """Frame pixels → the colour's pixels: frame pixel x lies at x / f - (f - 1) / (2 f) in
    the smaller image (its pixel p covers the frame's f p .. f p + f - 1)."""
    f = colour.factor
    return np.array([[1 / f, 0, -(f - 1) / (2 * f)], [0, 1 / f, -(f - 1) / (2 * f)],
                     [0, 0, 1]])


@dataclass(frozen=True)
class BoxColour:
    """One box's colour: ``share`` of its inside that is light coloured ink (0..1);
    ``chroma``, how far its inside's middle colour (Cb, Cr) lies from the paper's (the
    row's), and ``near``, from the paper's just above and below the box, NEAR units out (a
    light pastel highlighter, spread evenly over the box, too pale for ``share``: see
    ``marks.TINT_CHROMA``; a coloured light's gradient along the row moves the row's paper
    from the box's, not the paper just above and below it)."""

    share: float
    chroma: float
    near: float


def box_colours(colour: Colour, pose: SlipPose) -> dict[str, BoxColour]:
    """Each box's :class:`BoxColour`, by name, for the slip at ``pose`` (its homography maps
    slip units to frame pixels)."""
    x0, y0 = ROW.x0, ROW.y0
    band = warp(colour.ycc, _to_small(colour) @ pose.H, ROW, K,
                border=(255, 128, 128)).astype(np.float32)
    paper = np.median(band[::2, ::2].reshape(-1, 3), axis=0)
    far = np.hypot(band[..., 1] - paper[1], band[..., 2] - paper[2]) > COLOUR
    light = (paper[0] - band[..., 0]) < LIGHT
    ink = far & light
    shares, insides, nears = [], [], []
    rows = round(NEAR * K)
    for box in S.BOXES.values():
        u0, u1 = round((box.x0 + INSET - x0) * K), round((box.x1 - INSET - x0) * K)
        v0, v1 = round((box.y0 + INSET - y0) * K), round((box.y1 - INSET - y0) * K)
        shares.append(float(ink[v0:v1, u0:u1].mean()))
        insides.append(band[v0:v1, u0:u1, 1:].reshape(-1, 2))
        b0, b1 = round((box.x0 - x0) * K), round((box.x1 - x0) * K)
        nears.append(np.concatenate([band[:rows, b0:b1, 1:].reshape(-1, 2),
                                     band[-rows:, b0:b1, 1:].reshape(-1, 2)]))
    if len({a.shape for a in insides + nears}) <= 2:  # alike, box by box: at once
        middle = np.median(np.stack(insides), axis=1)
        around = np.median(np.stack(nears), axis=1)
    else:
        middle = np.array([np.median(a, axis=0) for a in insides])
        around = np.array([np.median(a, axis=0) for a in nears])
    chroma = np.hypot(middle[:, 0] - paper[1], middle[:, 1] - paper[2])
    near = np.hypot(*(middle - around).T)
    return {name: BoxColour(share, float(c), float(n))
            for name, share, c, n in zip(S.BOXES, shares, chroma, near, strict=True)}


def marked_in_colour(colours: dict[str, BoxColour] | None, skip: str | None = None
                     ) -> list[str]:
    """The boxes (but ``skip``) holding a light coloured mark, in printed order, of a slip
    whose :func:`box_colours` are ``colours`` (none without colour)."""
    if colours is None:
        return []
    return [n for n, c in colours.items() if n != skip and c.share >= COVER]


def tinted(grey: np.ndarray, colour: Colour, pose: SlipPose, rect) -> np.ndarray:
    """The crop ``grey`` of the slip area ``rect`` (slip units; as ``store.crop_image`` made
    it: its pixels evenly over ``rect``) in colour, BGR: its own grey as the brightness, the
    colour's Cb and Cr, smaller, spread over it (as a JPEG keeps its colour)."""
    h, w = grey.shape
    t = np.array([[rect.width / w, 0, rect.x0], [0, rect.height / h, rect.y0], [0, 0, 1]])
    chroma = cv2.warpPerspective(np.ascontiguousarray(colour.ycc[..., 1:]),
                                 _to_small(colour) @ pose.H @ t,
                                 (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                 borderMode=cv2.BORDER_CONSTANT, borderValue=(128, 128))
    ycrcb = np.dstack([grey, chroma[..., 1], chroma[..., 0]])
    return cv2.cvtColor(ycrcb, cv2.COLOR_YCrCb2BGR)
