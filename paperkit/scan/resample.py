"""Read a slip's QR code on bent paper, where a decoder's single perspective grid fails.

A slip code is always version 3 (29 × 29 modules; layout/slip.py). When the paper curls the
modules no longer lie on one perspective grid, and a decoder that samples on one (as
zxing-cpp and zbar do) reads too many wrong modules. Here:

1. the three finder patterns are found as nested contours (ring, gap, centre), and each
   gives its four outer corners and its centre: 15 points whose module coordinates are
   known; the alignment pattern's centre adds one more (three that do not look like the
   code's right-angled triangle, as on a slip seen steeply, are still taken when each
   finder's corners lie where the triangle they make puts them);
2. a quadratic map from module coordinates to pixels is fitted through them (it follows a
   bend, which a perspective grid cannot);
3. every module is sampled on that map, thresholded halfway between the dark and light
   levels the fixed patterns show, the fixed patterns are set to what they must be, and the
   clean matrix is decoded again (Reed-Solomon corrects what is left). A grid that does
   not read may be read once more with the blur's bleed between modules taken back out
   (:func:`sharpened`, decode.py's last step).

The text is then checked like any other code (its tag must verify); nothing here is trusted
more than a decoder's output.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, field

import cv2
import numpy as np

N = 29  # modules across a version 3 symbol


def _finder() -> np.ndarray:
    finder = np.zeros((7, 7), bool)
    finder[0, :] = finder[6, :] = finder[:, 0] = finder[:, 6] = True
    finder[2:5, 2:5] = True
    return finder


#: A finder pattern, 7 × 7 modules, True dark.
FINDER = _finder()


def _fixed() -> tuple[np.ndarray, np.ndarray]:
    """(mask of function-pattern modules, their colour: True dark) for version 3."""
    mask = np.zeros((N, N), bool)
    dark = np.zeros((N, N), bool)
    for r, c in ((0, 0), (0, N - 7), (N - 7, 0)):
        mask[max(0, r - 1):r + 8, max(0, c - 1):c + 8] = True  # with the light separator
        dark[r:r + 7, c:c + 7] = FINDER
    for i in range(8, N - 8):
        mask[6, i] = mask[i, 6] = True
        dark[6, i] = dark[i, 6] = i % 2 == 0
    align = np.zeros((5, 5), bool)
    align[0, :] = align[4, :] = align[:, 0] = align[:, 4] = True
    align[2, 2] = True
    mask[20:25, 20:25] = True
    dark[20:25, 20:25] = align
    mask[N - 8, 8] = dark[N - 8, 8] = True  # the dark module
    return mask, dark


FIXED, FIXED_DARK = _fixed()


def _finders(binary: np.ndarray, taken: np.ndarray | None = None
             ) -> list[tuple[np.ndarray, np.ndarray]]:
    """(centre, 4 outer corners) of each finder-like pattern: a dark contour holding a
    light hole holding a dark centre, with about the 7:5:3 proportions of a finder; none
    whose centre is on ``taken`` (a mask as ``binary``, where codes are read already)."""
    contours, hier = cv2.findContours(binary, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)
    if hier is None:
        return []
    hier = hier[0]
    child = hier[:, 2]
    has_grandchild = (child >= 0) & (hier[np.maximum(child, 0), 2] >= 0)
    out = []
    for i in np.nonzero(has_grandchild)[0]:
        if len(out) >= 12:  # a region holds one code: a dozen candidates is plenty
            break
        c = contours[i]
        grandchild = hier[child[i], 2]
        a0 = cv2.contourArea(c)
        a2 = cv2.contourArea(contours[grandchild])
        if a0 < 30 or a2 <= 0 or not 2.5 <= a0 / a2 <= 12:
            continue
        quad = cv2.approxPolyDP(c, 0.08 * cv2.arcLength(c, True), True).reshape(-1, 2)
        if len(quad) != 4:
            rect = cv2.minAreaRect(c)
            quad = cv2.boxPoints(rect)
        m = cv2.moments(contours[grandchild])
        if m["m00"] == 0:
            continue
        centre = np.array([m["m10"] / m["m00"], m["m01"] / m["m00"]])
        if taken is not None and taken[int(centre[1]), int(centre[0])]:
            continue
        out.append((centre, quad.astype(np.float64)))
    return out


#: The three finders of one code make a right-angled triangle with equal legs (scored as
#: how far the legs' ratio is from 1 plus how far the long side's share of them is from
#: √2); a trio scoring above PICK_SCORE is not that triangle as seen.
PICK_SCORE = 0.6
#: Strongly foreshortened (a slip 35° off-axis, or curling away) a code's legs differ more
#: than that. Such a trio is still taken when each finder's four corners lie within
#: PICK_CORNERS modules of where the affine map through the three centres puts them: three
#: finders of different codes, or printed text, are not the right size and shape for the
#: triangle they make. A wrong trio only costs time: what it reads must still verify.
PICK_CORNERS = 1.5
#: Only the PICK_TRIES trios nearest the triangle are tried that way (a region holds up to a
#: dozen finder-like patterns: 220 trios).
PICK_TRIES = 10


def _order(trio: list) -> tuple:
    """Three finders as (top-left, top-right, bottom-left): the top-left is opposite the
    longest side, the top-right clockwise from it on screen."""
    c = [t[0] for t in trio]
    d = [np.linalg.norm(c[1] - c[2]), np.linalg.norm(c[0] - c[2]), np.linalg.norm(c[0] - c[1])]
    corner = int(np.argmax(d))
    tl = trio[corner]
    a, b = (trio[x] for x in range(3) if x != corner)
    v1, v2 = a[0] - tl[0], b[0] - tl[0]
    if v1[0] * v2[1] - v1[1] * v2[0] > 0:  # clockwise on screen: a is top-right
        return tl, a, b
    return tl, b, a


def _triangle_score(trio: tuple) -> float:
    """How far the three centres (ordered) are from a right-angled isosceles triangle."""
    tl, tr, bl = (t[0] for t in trio)
    legs = [np.linalg.norm(tr - tl), np.linalg.norm(bl - tl)]
    ratio = max(legs) / max(min(legs), 1e-6)
    hyp = np.linalg.norm(tr - bl) / max(np.mean(legs), 1e-6)
    return float(abs(ratio - 1) + abs(hyp - np.sqrt(2)))


def _affine(tl, tr, bl) -> np.ndarray:
    """The affine map (2 × 3) from module coordinates to pixels through the three centres."""
    return cv2.getAffineTransform(np.float32([(3.5, 3.5), (N - 3.5, 3.5), (3.5, N - 3.5)]),
                                  np.float32([tl[0], tr[0], bl[0]]))


#: Each finder's top-left module, and its four outer corners from there.
_FINDER_AT = ((0, 0), (N - 7, 0), (0, N - 7))
_FINDER_CORNERS = ((0, 0), (7, 0), (7, 7), (0, 7))


def _corner_matches(trio: tuple) -> list[tuple[tuple[float, float], np.ndarray, np.ndarray]]:
    """Each of the three finders' outer corners: (its module coordinates, where the affine
    map through the three centres puts it, the finder's found corner nearest that), px."""
    aff = _affine(*trio)
    out = []
    for (_, quad), (mx, my) in zip(trio, _FINDER_AT, strict=True):
        for cx, cy in _FINDER_CORNERS:
            guess = aff @ np.array([mx + cx, my + cy, 1.0])
            out.append(((mx + cx, my + cy), guess,
                        quad[int(np.argmin(np.hypot(*(quad - guess).T)))]))
    return out


def _corner_misfit(trio: tuple) -> float:
    """The furthest (modules) any of the three finders' outer corners lies from where the
    affine map through their centres puts it."""
    module = (np.linalg.norm(trio[1][0] - trio[0][0])
              + np.linalg.norm(trio[2][0] - trio[0][0])) / (2 * (N - 7))
    worst = max(float(np.hypot(*(seen - guess))) for _, guess, seen in _corner_matches(trio))
    return worst / max(module, 1e-6)


def _pick_three(found: list) -> tuple | None:
    """The three finders of one symbol, as (top-left, top-right, bottom-left): the trio
    nearest the code's triangle (PICK_SCORE), else, of the PICK_TRIES nearest, the one whose
    finders fit the triangle they make best (PICK_CORNERS); None when neither is close
    enough."""
    if len(found) < 3:
        return None
    trios = [_order([found[i], found[j], found[k]]) for i, j, k in
             itertools.combinations(range(len(found)), 3)]
    scores = [_triangle_score(t) for t in trios]
    best = int(np.argmin(scores))
    if scores[best] <= PICK_SCORE:
        return trios[best]
    nearest = sorted(range(len(trios)), key=scores.__getitem__)[:PICK_TRIES]
    misfit, best = min((_corner_misfit(trios[i]), i) for i in nearest)
    return trios[best] if misfit <= PICK_CORNERS else None


def _points(tl, tr, bl) -> tuple[list, list]:
    """Module coordinates ↔ pixels for the finders' centres and outer corners (each corner
    the found one nearest where the affine map through the three centres puts it)."""
    src, dst = [], []
    corners = _corner_matches((tl, tr, bl))
    for f, ((centre, _quad), (mx, my)) in enumerate(zip((tl, tr, bl), _FINDER_AT, strict=True)):
        src.append((mx + 3.5, my + 3.5))
        dst.append(centre)
        for at, _, seen in corners[4 * f:4 * f + 4]:
            src.append(at)
            dst.append(seen)
    return src, dst


def _design(uv: np.ndarray) -> np.ndarray:
    u, v = uv[:, 0], uv[:, 1]
    return np.column_stack([np.ones_like(u), u, v, u * u, u * v, v * v])


def _fit(src: list, dst: list) -> np.ndarray:
    """Quadratic map coefficients (6 × 2), module coordinates → pixels."""
    A = _design(np.asarray(src, float))
    coef, *_ = np.linalg.lstsq(A, np.asarray(dst, float), rcond=None)
    return coef


def _map(coef: np.ndarray, uv: np.ndarray) -> np.ndarray:
    return _design(uv.reshape(-1, 2)) @ coef


def _sample(gray: np.ndarray, pts: np.ndarray) -> np.ndarray:
    p = pts.reshape(-1, 1, 2).astype(np.float32)
    return cv2.remap(gray, p[..., 0], p[..., 1], cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE).ravel().astype(np.float32)


def _alignment(gray: np.ndarray, coef: np.ndarray) -> np.ndarray | None:
    """The alignment pattern's centre in pixels: of the places within a module of where the
    map puts it, the one whose centre is darkest against the ring of modules around it."""
    steps = np.linspace(-1.0, 1.0, 9)
    cand = np.array([(N - 6.5 + dx, N - 6.5 + dy) for dy in steps for dx in steps])
    ring = np.array([(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, -1), (1, -1), (-1, 1)])
    centre_v = _sample(gray, _map(coef, cand))
    ring_v = _sample(gray, _map(coef, (cand[:, None, :] + ring[None]).reshape(-1, 2)))
    score = ring_v.reshape(len(cand), len(ring)).mean(axis=1) - centre_v
    best = int(np.argmax(score))
    return _map(coef, cand[best][None])[0] if score[best] > 0 else None


_MODULE_CENTRES = np.stack(np.meshgrid(np.arange(N) + 0.5, np.arange(N) + 0.5), -1
                           ).reshape(-1, 2)  # (u, v) of each module's centre, row by row
_MODULE_SAMPLES = np.array([[0, 0], [-0.2, -0.2], [0.2, -0.2], [-0.2, 0.2], [0.2, 0.2]])


def _module_values(gray: np.ndarray, to_pixels) -> np.ndarray:
    """Each module's grey level (N × N): the mean of 5 samples about its centre, placed by
    ``to_pixels`` (module coordinates, n × 2, to pixels, n × 2)."""
    return np.mean([_sample(gray, to_pixels(_MODULE_CENTRES + o)) for o in _MODULE_SAMPLES],
                   axis=0).reshape(N, N)


def _values(gray: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """Each module's grey level (N × N) on the quadratic map ``coef``."""
    return _module_values(gray, lambda uv: _map(coef, uv))


def darkness(vals: np.ndarray) -> np.ndarray:
    """Module grey levels (N × N) as darkness: 0 at the light level and 1 at the dark level
    the fixed patterns show, not clipped (the fixed modules keep their sampled values)."""
    dark_lvl = float(np.median(vals[FIXED & FIXED_DARK]))
    light_lvl = float(np.median(vals[FIXED & ~FIXED_DARK]))
    return (light_lvl - vals) / max(light_lvl - dark_lvl, 1.0)


def _matrix(dark: np.ndarray, bias: float) -> np.ndarray:
    """Modules darker than halfway (+ ``bias``) are dark; the fixed patterns as they must be."""
    m = dark > 0.5 - bias
    m[FIXED] = FIXED_DARK[FIXED]
    return m


@functools.cache
def qr_format():
    """zxing-cpp's format for the codes paperkit prints: QR Code Model 2 alone. From
    zxing-cpp 3, ``BarcodeFormat.QRCode`` names the whole QR family, Micro QR and rMQR too,
    which it finds in printed text and in a slip code's own modules (on 40 photos of 20
    slips, 24 held such reads: garbage texts, a Micro QR "48409" on a code's finder pattern,
    and symbols it located but could not read, each retried as a missed code); before 3 it
    is the model 2 (and 1) code alone. Not for ``is_pure`` reads: zxing-cpp 3.1 reads no
    pure image when asked for model 2 alone (:func:`_decode_matrix`)."""
    import zxingcpp

    formats = zxingcpp.BarcodeFormat
    return getattr(formats, "QRCodeModel2", formats.QRCode)


def _decode_matrix(m: np.ndarray) -> str | None:
    import zxingcpp

    px = 6
    img = np.kron((~m).astype(np.uint8) * 255, np.ones((px, px), np.uint8))
    img = np.pad(img, 4 * px, constant_values=255)
    # the whole QR family (qr_format() reads nothing here); the image holds this grid alone
    for r in zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode, is_pure=True,
                                    try_rotate=False, try_downscale=False, try_invert=False):
        if r.valid:
            return r.text
    return None


def _binary(gray: np.ndarray) -> np.ndarray:
    block = max(11, (max(gray.shape) // 16) | 1)
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C,
                                 cv2.THRESH_BINARY_INV, block, 5)


@dataclass(frozen=True)
class Grid:
    """A version 3 symbol's modules sampled on a fitted grid. ``dark``: each module's
    darkness (N × N, float; 0 the light level, 1 the dark level of the fixed patterns);
    ``corners``: the symbol's outer corners (top-left, top-right, bottom-right, bottom-left)
    in the sampled image's pixels; ``text``: what the clean matrix decodes to, or None;
    ``fit``: how well the fixed patterns agree with what they must be (0 none .. 1 all);
    ``homography``: module coordinates → pixels when the grid is one (3 × 3), else None."""

    dark: np.ndarray = field(repr=False)
    corners: np.ndarray = field(repr=False)
    text: str | None
    fit: float
    homography: np.ndarray | None = field(default=None, repr=False)


def _template(k: int) -> tuple[np.ndarray, np.ndarray]:
    """The fixed patterns drawn at ``k`` px a module with a one-module light border (the quiet
    zone), float32 (0 dark, 1 light), and the mask of what is known there (uint8)."""
    img = np.ones((N + 2, N + 2), np.float32)
    known = np.ones((N + 2, N + 2), np.uint8)
    img[1:-1, 1:-1] = np.where(FIXED_DARK, 0.0, 1.0)
    known[1:-1, 1:-1] = FIXED
    big = np.kron(img, np.ones((k, k), np.float32))
    return big, np.kron(known, np.ones((k, k), np.uint8)) * 255


_K = 4
_TEMPLATE, _TEMPLATE_MASK = _template(_K)


def _refine(gray: np.ndarray, coef: np.ndarray) -> np.ndarray | None:
    """A homography, module coordinates → pixels, fitted so that the fixed patterns and the
    quiet zone line up with the image best (OpenCV's ECC), starting from the grid ``coef``;
    None when that does not converge."""
    corners = _map(coef, np.array([[0, 0], [N, 0], [N, N], [0, N]], float)).astype(np.float32)
    h0 = cv2.getPerspectiveTransform(np.float32([[0, 0], [N, 0], [N, N], [0, N]]), corners)
    # only the symbol's neighbourhood is searched (the cost grows with the image)
    pad = 0.25 * float(np.ptp(corners, axis=0).max())
    x0, y0 = np.maximum(0, np.floor(corners.min(axis=0) - pad)).astype(int)
    x1, y1 = np.ceil(corners.max(axis=0) + pad).astype(int)
    part = gray[y0:y1, x0:x1]
    if min(part.shape) < 8:
        return None
    shift = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], np.float64)
    # template px → module coordinates (the border is module -1) → pixels
    to_modules = np.array([[1 / _K, 0, -1], [0, 1 / _K, -1], [0, 0, 1]], np.float64)
    w = (shift @ h0 @ to_modules).astype(np.float32)
    if not hasattr(cv2, "findTransformECCWithMask"):  # OpenCV before 4.13: no template mask
        return None
    try:
        _, w = cv2.findTransformECCWithMask(
            _TEMPLATE, part.astype(np.float32) / 255.0, _TEMPLATE_MASK,
            np.full(part.shape, 255, np.uint8), w, cv2.MOTION_HOMOGRAPHY,
            (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 40, 1e-4), 3)
    except cv2.error:
        return None
    return np.linalg.inv(shift) @ w.astype(np.float64) @ np.linalg.inv(to_modules)


def _homography_values(gray: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Each module's grey level (N × N) on the homography ``h``."""
    return _module_values(gray, lambda uv: cv2.perspectiveTransform(uv.reshape(-1, 1, 2), h))


#: The thresholds a sampled grid is read at: halfway between the light and dark levels,
#: then a little lighter and a little darker.
BIASES = (0.0, -0.08, 0.08)


def read_dark(dark: np.ndarray) -> str | None:
    """The text of the modules' darkness (N × N) read at each of BIASES, or None."""
    for bias in BIASES:
        text = _decode_matrix(_matrix(dark, bias))
        if text:
            return text
    return None


def _read(dark: np.ndarray, corners: np.ndarray, h: np.ndarray | None = None) -> Grid:
    fit = float(np.mean((dark[FIXED] > 0.5) == FIXED_DARK[FIXED]))
    return Grid(dark, corners, read_dark(dark), fit, h)


#: In a blurred code a dark module among light ones reads lighter than the dark level (its
#: neighbours bleed into it), and a light one among dark ones darker. Each module's
#: difference from the mean of its eight neighbours is added back SHARPEN times.
SHARPEN = 1.0


def sharpened(dark: np.ndarray) -> np.ndarray:
    """The modules' darkness (N × N) with the bleed of their neighbours taken back out."""
    d = dark.astype(np.float32)
    around = (cv2.blur(d, (3, 3), borderType=cv2.BORDER_REPLICATE) * 9 - d) / 8
    return d + SHARPEN * (d - around)


def grids(gray: np.ndarray, taken: np.ndarray | None = None) -> tuple[list[Grid], int]:
    """The one version 3 code in ``gray`` (a region around it) sampled on fitted grids and
    decoded, until one reads: a curved grid through its three finder patterns (and the
    alignment pattern), then a homography refined on all the fixed patterns. Also how many
    finder-like patterns were seen (a region with fewer than 2 holds no code at this
    scale, and seldom at twice it). No grids when three finder patterns are not found.
    ``taken``: a mask (as ``gray``) of where codes are read already; finder patterns
    there are not counted."""
    finders = _finders(_binary(gray), taken)
    trio = _pick_three(finders)
    if trio is None:
        return [], len(finders)
    src, dst = _points(*trio)
    coef = _fit(src, dst)
    at = _alignment(gray, coef)
    if at is not None:
        coef = _fit([*src, (N - 6.5, N - 6.5)], [*dst, at])
    corners = _map(coef, np.array([[0, 0], [N, 0], [N, N], [0, N]], float)).astype(np.float32)
    out = [_read(darkness(_values(gray, coef)), corners)]
    if out[0].text is not None:
        return out, len(finders)
    h = _refine(gray, coef)
    if h is not None:
        corners = cv2.perspectiveTransform(
            np.float64([[0, 0], [N, 0], [N, N], [0, N]]).reshape(-1, 1, 2), h)
        out.append(_read(darkness(_homography_values(gray, h)), corners.reshape(4, 2)
                         .astype(np.float32), h))
    return out, len(finders)


def grid(gray: np.ndarray) -> Grid | None:
    """The best of :func:`grids`: the one that read, else the one whose fixed patterns fit
    best; None when no finder patterns are found."""
    gs, _ = grids(gray)
    if not gs:
        return None
    return next((g for g in gs if g.text), max(gs, key=lambda g: g.fit))


def resample(gray: np.ndarray) -> tuple[str, np.ndarray] | None:
    """(text, corners tl/tr/br/bl in ``gray``'s pixels) of the one version 3 code in
    ``gray`` (a region around it), read on a fitted curved grid; None if that fails too."""
    g = grid(gray)
    if g is None or g.text is None:
        return None
    return g.text, g.corners


#: A code on curled paper is not a plane: a homography lines up its fixed patterns only
#: roughly, and 10-20 % of the modules sampled on it read the other way (seed-87 set,
#: photo 0056). :func:`bent` lets the homography bend, a quadratic in each of x and y, and
#: fits it to the fixed patterns and the quiet zone by Levenberg-Marquardt, the light and
#: dark levels free: at most BEND_STEPS steps, stopped when one moves it less than
#: BEND_STOP px. On centred crops of 57 codes no step read on 8 sets, it read 12, none
#: wrongly (bench/RESULTS.md, Decoding, nineteenth session).
BEND_STEPS = 12
BEND_STOP = 0.02
#: the template's known pixels (_K a module), their module coordinates (u, v) and their
#: value (0 dark, 1 light), less its mean and scaled to unit length
_BEND_YX = np.nonzero(_TEMPLATE_MASK)
_BEND_U = (_BEND_YX[1] + 0.5) / _K - 1.0
_BEND_V = (_BEND_YX[0] + 0.5) / _K - 1.0
_BEND_T = _TEMPLATE[_BEND_YX].astype(np.float64)
_BEND_T -= _BEND_T.mean()
_BEND_T /= np.sqrt(_BEND_T @ _BEND_T)


def _apart_from_levels(a: np.ndarray) -> np.ndarray:
    """``a`` (a vector, or columns) less its best fit by a light and a dark level: the
    part of it the fixed patterns' own contrast and offset do not explain."""
    a = a - a.mean(axis=0)
    return a - np.multiply.outer(_BEND_T, _BEND_T @ a)


def _bent_map(p: np.ndarray, u: np.ndarray, v: np.ndarray):
    """Pixels (x, y) of module coordinates (u, v) under the bent homography ``p`` (its 8
    free entries, then the x and y bend: s², s·t, t² each, s and t the module coordinates
    from the symbol's centre, -1 .. 1), and the homography's own x, y and denominator."""
    den = p[6] * u + p[7] * v + 1.0
    xh = (p[0] * u + p[1] * v + p[2]) / den
    yh = (p[3] * u + p[4] * v + p[5]) / den
    s, t = (u - N / 2) / (N / 2), (v - N / 2) / (N / 2)
    b = np.stack([s * s, s * t, t * t])
    return xh + p[8:11] @ b, yh + p[11:14] @ b, xh, yh, den, b


def _bent_residual(g: np.ndarray, p: np.ndarray) -> np.ndarray | None:
    """The template's known pixels sampled from ``g`` on the bent homography ``p``, less
    the light and dark levels that fit them best; None when any falls off ``g``."""
    x, y, *_ = _bent_map(p, _BEND_U, _BEND_V)
    hh, ww = g.shape
    if x.min() < 0 or y.min() < 0 or x.max() > ww - 1 or y.max() > hh - 1:
        return None
    img = cv2.remap(g, x.astype(np.float32).reshape(1, -1), y.astype(np.float32).reshape(1, -1),
                    cv2.INTER_LINEAR).ravel().astype(np.float64)
    return _apart_from_levels(img)


def bent(gray: np.ndarray, h: np.ndarray) -> Grid | None:
    """The symbol in ``gray`` sampled on the homography ``h`` (module coordinates → pixels)
    let bend so that its fixed patterns and quiet zone line up (:data:`BEND_STEPS`,
    Levenberg-Marquardt); None when the fit runs off the image."""
    if not np.all(np.isfinite(h)) or abs(float(h[2, 2])) < 1e-12:
        return None
    g = gray.astype(np.float32)
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    p = np.concatenate([(h / h[2, 2]).ravel()[:8], np.zeros(6)])
    r = _bent_residual(g, p)
    if r is None:
        return None
    cost, damp = float(r @ r), 1e-3
    u, v = _BEND_U, _BEND_V
    for _ in range(BEND_STEPS):
        x, y, xh, yh, den, b = _bent_map(p, u, v)
        at = (x.astype(np.float32).reshape(1, -1), y.astype(np.float32).reshape(1, -1))
        ix = cv2.remap(gx, *at, cv2.INTER_LINEAR).ravel().astype(np.float64)
        iy = cv2.remap(gy, *at, cv2.INTER_LINEAR).ravel().astype(np.float64)
        jac = np.column_stack([
            ix * u / den, ix * v / den, ix / den, iy * u / den, iy * v / den, iy / den,
            -(ix * xh + iy * yh) * u / den, -(ix * xh + iy * yh) * v / den,
            *(ix * bk for bk in b), *(iy * bk for bk in b)])
        jac = _apart_from_levels(jac)  # the light and dark levels are free
        jtj, jtr = jac.T @ jac, jac.T @ r
        step = r_new = None
        while damp < 1e6 and r_new is None:
            try:
                step = np.linalg.solve(jtj + damp * np.diag(np.diag(jtj)), -jtr)
            except np.linalg.LinAlgError:  # no edges to fit to (plain paper)
                break
            r_new = _bent_residual(g, p + step)
            if r_new is None or float(r_new @ r_new) >= cost:
                r_new, damp = None, damp * 10.0
        if r_new is None:
            break  # no step lowers the misfit: settled
        moved = _bent_map(p + step, u[::97], v[::97])[:2]
        p, r, cost, damp = p + step, r_new, float(r_new @ r_new), max(damp / 10.0, 1e-6)
        if float(np.max(np.hypot(moved[0] - x[::97], moved[1] - y[::97]))) < BEND_STOP:
            break
    vals = _module_values(gray, lambda uv: np.stack(_bent_map(p, uv[:, 0], uv[:, 1])[:2], -1))
    corners = np.stack(_bent_map(p, np.array([0.0, N, N, 0.0]), np.array([0.0, 0.0, N, N]))[:2],
                       -1).astype(np.float32)
    return _read(darkness(vals), corners)
