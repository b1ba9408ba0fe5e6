"""Read a small, blurred slip code by modelling the blur, where sampling module centres fails.

Under about 3 px a module, defocus and hand shake spread each module over its neighbours: the
three finder patterns no longer show their rings to a threshold, and a module's centre is as
much its neighbours' colour as its own. But a slip code is always version 3 (29 × 29), and
about a third of its modules (finders, timing, alignment) are the same in every code. So:

1. **finders**: the three finder patterns are found by normalised correlation with a drawn
   finder pattern (a few sizes and turns; a quick look with the pattern averaged over its
   turns first says whether three show at all), and the trio is picked by its right-angled
   shape;
2. **grid**: a homography from module coordinates to pixels is refined so that the fixed
   patterns and the quiet zone line up with the image (OpenCV's ECC, resample.py); a symbol
   whose fixed patterns then look too little like them (:func:`likeness`) is left;
3. **blur**: the blurs modelled are Gaussians and, for hand shake, straight smears (a few
   lengths and turns) after a Gaussian (:func:`psf`); each draws the fixed patterns and the
   quiet zone (data modules mid-grey), and the ones whose drawing fits the photo there best
   are taken (:func:`_likeliest`), as the fixed patterns show the blur the data modules had;
4. **modules**: the symbol is rectified to a few pixels a module, and its data modules are
   estimated by damped least squares (conjugate gradients, :func:`_cgls`) under that blur of
   the drawn symbol, with the fixed modules known, and the light and dark levels taken from
   them. Each estimate is thresholded and decoded by zxing-cpp (Reed-Solomon); nothing is
   trusted that does not decode.

It needs OpenCV 4.13 or later (``findTransformECCWithMask``); with an older OpenCV the
grid is not refined and this step reads nothing.

Costs some tens of milliseconds a region, so it is only tried where a code is expected and
nothing cheaper read it (decode.py).
"""

from __future__ import annotations

import cv2
import numpy as np

from .resample import (
    FINDER,
    FIXED,
    FIXED_DARK,
    Grid,
    N,
    _decode_matrix,
    _homography_values,
    _read,
    _refine,
    darkness,
)

#: Rectified pixels a module, and light modules of border (the quiet zone) kept round it.
K = 3
BORDER = 2
#: Gaussian blur widths (sigma, in modules) in the blur model.
SIGMAS = (0.5, 0.375, 0.625, 0.25)
#: Hand shake in the blur model: straight smears (length in modules, turn in degrees) after a
#: Gaussian of each of SHAKE_SIGMAS.
SHAKES = tuple((length, turn) for length in (0.5, 0.8, 1.1) for turn in (0, 45, 90, 135))
SHAKE_SIGMAS = (0.25, 0.4)
#: Of the blurs modelled, this many that match the fixed patterns best are solved for.
TRIED = 2
#: A symbol whose fixed patterns look less like them than this (:func:`likeness`) is not
#: solved for: no code read on 200 photos was under 0.69.
LIKENESS = 0.5
#: Finder pattern sizes (px a module) and turns (degrees) correlated.
FINDER_MODULES = (2.2, 2.8, 3.4)
FINDER_TURNS = (0.0, 22.5, 45.0, 67.5)
#: A finder pattern's correlation must reach this.
FINDER_SCORE = 0.45

_S = N + 2 * BORDER
_KNOWN = np.ones((_S, _S), bool)
_KNOWN[BORDER:-BORDER, BORDER:-BORDER] = FIXED
_VALUE = np.zeros((_S, _S), np.float32)  # darkness of the known modules (border: light)
_VALUE[BORDER:-BORDER, BORDER:-BORDER] = FIXED_DARK
_FREE = ~_KNOWN


def _finder_template(module: float, turn: float) -> np.ndarray:
    """A finder pattern with its light separator, ``module`` px a module, turned, float32
    (0 dark, 1 light)."""
    k = 8
    f = 1 - np.kron(np.pad(FINDER, 1), np.ones((k, k))).astype(np.float32)
    size = int(np.ceil(9 * module)) | 1
    c = 9 * k / 2
    m = cv2.getRotationMatrix2D((c, c), turn, module / k)
    m[:, 2] += size / 2 - c
    return cv2.warpAffine(f, m, (size, size), flags=cv2.INTER_AREA, borderValue=1.0)


_TEMPLATES = [(m, _finder_template(m, t)) for m in FINDER_MODULES for t in FINDER_TURNS]
#: The finder pattern averaged over its turns, one a size: a first, quick look (a quarter of
#: the correlations) that says whether three finder-like places show at all.
_ROUND = [(m, np.mean([_finder_template(m, t) for t in np.arange(0.0, 90.0, 7.5)], axis=0)
           .astype(np.float32)) for m in FINDER_MODULES]


def finders(gray: np.ndarray, most: int = 8, templates=None, taken: np.ndarray | None = None
            ) -> list[tuple[np.ndarray, float, float]]:
    """Up to ``most`` finder-pattern-like places in ``gray``: (centre px, score, px a
    module), best first; ``templates``: (px a module, drawn pattern) pairs, by default
    every size and turn; ``taken``: a mask (uint8, as ``gray``) of where codes are read
    already, where none is looked for."""
    g = gray.astype(np.float32)
    best = np.full(g.shape, -1.0, np.float32)
    size = np.zeros(g.shape, np.float32)
    for module, t in _TEMPLATES if templates is None else templates:
        if t.shape[0] >= min(g.shape):
            continue
        r = cv2.matchTemplate(g, t, cv2.TM_CCOEFF_NORMED)
        p = t.shape[0] // 2
        view = best[p:p + r.shape[0], p:p + r.shape[1]]
        better = r > view
        np.copyto(view, r, where=better)
        np.copyto(size[p:p + r.shape[0], p:p + r.shape[1]], module, where=better)
    if taken is not None:
        best[taken > 0] = -1.0
    peak = (best == cv2.dilate(best, np.ones((9, 9), np.uint8))) & (best > FINDER_SCORE)
    ys, xs = np.nonzero(peak)
    order = np.argsort(-best[ys, xs])[:most]
    return [(np.array([xs[i], ys[i]], float), float(best[ys[i], xs[i]]),
             float(size[ys[i], xs[i]])) for i in order]


def _trio(found: list[tuple[np.ndarray, float, float]]):
    """The three finder centres of one symbol as (top-left, top-right, bottom-left): legs
    about 22 modules long, near a right angle and of near equal length (a tilted camera
    foreshortens one); None if no three are."""
    best, best_score = None, 2.0
    n = len(found)
    for i in range(n):
        for j in range(n):
            for k in range(j + 1, n):
                if i in (j, k):
                    continue
                tl, a, b = found[i][0], found[j][0], found[k][0]
                v1, v2 = a - tl, b - tl
                l1, l2 = float(np.hypot(*v1)), float(np.hypot(*v2))
                leg = 22 * np.mean([found[x][2] for x in (i, j, k)])
                if not (0.5 * leg < l1 < 1.6 * leg and 0.5 * leg < l2 < 1.6 * leg):
                    continue
                cos = abs(float(v1 @ v2) / (l1 * l2))
                likeness = np.mean([found[x][1] for x in (i, j, k)])
                score = abs(np.log(l1 / l2)) + 1.5 * cos + 2.0 * (1.0 - likeness)
                if cos < 0.5 and score < best_score:
                    cross = v1[0] * v2[1] - v1[1] * v2[0]
                    best, best_score = ((tl, a, b) if cross > 0 else (tl, b, a)), score
    return best


def locate(gray: np.ndarray, taken: np.ndarray | None = None) -> np.ndarray | None:
    """A homography, module coordinates → ``gray``'s pixels, for the one version 3 symbol
    in ``gray``: from finder patterns found by correlation, refined on the fixed patterns;
    None when no three finder patterns are found (the quick look first: :data:`_ROUND`).
    ``taken``: where codes are read already (:func:`finders`)."""
    if _trio(finders(gray, templates=_ROUND, taken=taken)) is None:
        return None
    trio = _trio(finders(gray, taken=taken))
    if trio is None:
        return None
    aff = cv2.getAffineTransform(np.float32([(3.5, 3.5), (N - 3.5, 3.5), (3.5, N - 3.5)]),
                                 np.float32(trio))
    coef = np.zeros((6, 2))  # resample.py's quadratic map, here with no quadratic terms
    coef[0], coef[1], coef[2] = aff[:, 2], aff[:, 0], aff[:, 1]
    return _refine(gray, coef)


def _rectify(gray: np.ndarray, h: np.ndarray) -> np.ndarray:
    """``gray`` warped to K px a module, BORDER modules round the symbol, float32."""
    to_modules = np.array([[1 / K, 0, -BORDER], [0, 1 / K, -BORDER], [0, 0, 1]], float)
    return cv2.warpPerspective(gray.astype(np.float32), h @ to_modules, (_S * K, _S * K),
                               flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_REPLICATE)


def psf(sigma: float, length: float = 0.0, turn: float = 0.0) -> np.ndarray:
    """The blur of a rectified symbol (:func:`_rectify`, K px a module) as a kernel, float32
    summing to 1: a Gaussian of ``sigma`` modules, after a straight smear (hand shake)
    ``length`` modules long at ``turn`` degrees (0: along the rows). Symmetric about its
    centre, so it is its own adjoint."""
    s, n = sigma * K, length * K
    half = int(np.ceil(3 * s + n / 2)) + 1
    k = np.zeros((2 * half + 1, 2 * half + 1), np.float32)
    if n < 0.5:
        k[half, half] = 1.0
    else:
        a = np.deg2rad(turn)
        dx, dy = np.cos(a) * n / 2, np.sin(a) * n / 2
        cv2.line(k, (round((half - dx) * 16), round((half - dy) * 16)),
                 (round((half + dx) * 16), round((half + dy) * 16)), 1.0, 1, cv2.LINE_AA, 4)
    if s > 0.05:
        k = cv2.GaussianBlur(k, (0, 0), s, borderType=cv2.BORDER_CONSTANT)
    return k / k.sum()


def _blur(img: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    return cv2.filter2D(img, -1, kernel, borderType=cv2.BORDER_REPLICATE)


_PSFS = {sigma: psf(sigma) for sigma in SIGMAS}


def _draw(dark: np.ndarray) -> np.ndarray:
    """Each module of ``dark`` (float32) drawn K × K px (as ``np.kron`` with a block of
    ones, in a fifth of its time)."""
    return cv2.resize(dark, None, fx=K, fy=K, interpolation=cv2.INTER_NEAREST)


#: The fixed patterns and quiet zone drawn, the data modules mid-grey, blurred.
_MID = _blur(_draw(np.where(_KNOWN, _VALUE, 0.5).astype(np.float32)), _PSFS[SIGMAS[0]]).ravel()


def estimate(rect: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Each module's darkness (N × N; 1 dark) in a rectified symbol (:func:`_rectify`), if
    the photo is the drawn symbol blurred by the kernel ``s`` (:func:`psf`)."""
    fixed = _blur(_draw(np.where(_KNOWN, _VALUE, 0.0).astype(np.float32)), s).ravel()
    # light and dark levels: the fixed patterns against the image (free modules at 0.5)
    mid = _blur(_draw(np.where(_KNOWN, _VALUE, 0.5).astype(np.float32)), s).ravel()
    (a, b), *_ = np.linalg.lstsq(np.column_stack([np.ones_like(mid), mid]), rect.ravel(),
                                 rcond=None)
    if b >= -1.0:  # darker modules must make darker pixels
        return np.full((N, N), 0.5, np.float32)
    target = (rect.ravel() - a) / b - fixed

    def forward(v: np.ndarray) -> np.ndarray:
        m = np.zeros((_S, _S), np.float32)
        m[_FREE] = v
        return _blur(_draw(m), s).ravel()

    def adjoint(u: np.ndarray) -> np.ndarray:
        img = _blur(u.reshape(_S * K, _S * K).astype(np.float32), s)
        return img.reshape(_S, K, _S, K).sum(axis=(1, 3))[_FREE]

    sol = _cgls(forward, adjoint, target.astype(np.float32), int(_FREE.sum()))
    dark = _VALUE.copy()
    dark[_FREE] = sol
    return dark[BORDER:-BORDER, BORDER:-BORDER]


def _cgls(forward, adjoint, b: np.ndarray, n: int, damp: float = 0.05,
          iterations: int = 20) -> np.ndarray:
    """x (n) minimising |forward(x) - b|² + damp²|x|², by conjugate gradients on the normal
    equations (CGLS), from x = 0; ``adjoint`` is ``forward``'s transpose."""
    x = np.zeros(n, np.float32)
    r = b.copy()
    s = adjoint(r)
    p = s.copy()
    gamma = float(s @ s)
    for _ in range(iterations):
        if gamma < 1e-12:
            break
        q = forward(p)
        alpha = gamma / (float(q @ q) + damp * damp * float(p @ p))
        x += alpha * p
        r -= alpha * q
        s = adjoint(r) - damp * damp * x
        new = float(s @ s)
        p = s + (new / gamma) * p
        gamma = new
    return x


#: The blurs modelled (:func:`psf` kernels), and the pixels of a rectified symbol whose
#: neighbourhood holds only known modules (fixed patterns, quiet zone), where each blur's
#: drawing of them (data modules mid-grey) is compared with the photo.
_KERNELS = [_PSFS[s] for s in SIGMAS] + [psf(s, length, turn) for length, turn in SHAKES
                                         for s in SHAKE_SIGMAS]
_NEAR = cv2.erode(_draw(_KNOWN.astype(np.float32)), np.ones((7, 7), np.uint8)).ravel() > 0.5
_DRAWN = [_blur(_draw(np.where(_KNOWN, _VALUE, 0.5).astype(np.float32)), k).ravel()[_NEAR]
          for k in _KERNELS]


def _likeliest(rect: np.ndarray) -> list[np.ndarray]:
    """The blurs modelled, best first: by how closely each one's drawing of the fixed
    patterns and quiet zone fits the photo there (least squares, with a light and a dark
    level). On the 200-photo set every code the model read was read by one of the first two
    (a Gaussian, or a smear along the shake)."""
    y = rect.ravel()[_NEAR]
    residual = []
    for drawn in _DRAWN:
        a = np.column_stack([np.ones_like(drawn), drawn])
        coef, *_ = np.linalg.lstsq(a, y, rcond=None)
        residual.append(float(np.sum((a @ coef - y) ** 2)))
    return [_KERNELS[i] for i in np.argsort(residual)]


def likeness(rect: np.ndarray) -> float:
    """How much a rectified symbol (:func:`_rectify`) looks like a blurred slip code's fixed
    patterns and quiet zone: the correlation of its pixels with them drawn (data modules
    mid-grey) and blurred, -1..1 (1: dark where they are dark)."""
    return -float(np.corrcoef(rect.ravel(), _MID)[0, 1])


def read(gray: np.ndarray, h: np.ndarray | None = None,
         keep: list[Grid] | None = None, taken: np.ndarray | None = None,
         sampled: list[Grid] | None = None) -> Grid | None:
    """The code in ``gray`` (a region around one symbol) read by modelling its blur, on the
    homography ``h`` (module coordinates → pixels) or one found by :func:`locate`. The
    Grid's ``text`` is None when no blur modelled gave a matrix that decodes; None when no
    symbol was located. Every estimate that did not decode is appended to ``keep``.
    ``taken``: a mask of where codes are read already, where no symbol is located.
    ``sampled``: a symbol located here (``h`` None) and like a slip code is also sampled
    plainly on its homography, and that grid appended to it (the caller reads it from how
    sure each module is, or with the blur's bleed taken out: decode.py); read at once
    when it decodes as it is."""
    located = h is None
    if h is None:
        h = locate(gray, taken)
        if h is None:
            return None
    rect = _rectify(gray, h)
    corners = cv2.perspectiveTransform(
        np.float64([[0, 0], [N, 0], [N, N], [0, N]]).reshape(-1, 1, 2), h
    ).reshape(4, 2).astype(np.float32)
    first = None
    if likeness(rect) < LIKENESS:
        return Grid(np.full((N, N), 0.5, np.float32), corners, None, 0.0, h)
    if located and sampled is not None:
        plain = _read(darkness(_homography_values(gray, h)), corners, h)
        if plain.text:
            return plain
        sampled.append(plain)
    for kernel in _likeliest(rect)[:TRIED]:
        dark = estimate(rect, kernel)
        m = dark > 0.5
        m[FIXED] = FIXED_DARK[FIXED]
        text = _decode_matrix(m)
        fit = float(np.mean((dark[FIXED] > 0.5) == FIXED_DARK[FIXED]))
        if text:
            return Grid(dark, corners, text, fit, h)
        g = Grid(dark, corners, None, fit, h)
        if keep is not None:
            keep.append(g)
        first = first or g
    return first
