"""Find every QR code in a frame, with cheap retries only where a code is expected but missing.

Steps (each is timed and counted in :class:`DecodeStep`):

1. ``first``: one pass over the frame, downscaled so its long side is at most
   :data:`WORK_SIDE` pixels (a 12 MP photo becomes 3 MP). A JPEG's first pass is read from
   the file itself (:func:`first_look`: decoded at that size within the DCT, which costs
   less than the full size, so it can run beside the full-size decode, and reads more codes
   than the frame halved by ``cv2.pyrDown``); ``full-size``: when the codes
   read there are small (under 2 px a module) or hardly any were read, the full frame too,
   and after the regions when they read as many codes as the first pass or more, all small.
2. ``regions``: places where a code is expected but none was read: symbols the decoder
   located but could not decode, and square patches whose edge density looks like a QR code
   of the size already seen. Regions are retried two at a time (threads: zxing-cpp and
   OpenCV let go of the GIL), their reads added in the regions' order. Each region is
   retried at full resolution with a ladder of cheap variants (another binarizer, then a
   grid fitted to the finder patterns that follows bent paper: resample.py, then the crop
   upscaled 2× and its grid), stopping at the first that reads it; then, in the regions
   still unread, where a finder-like pattern shows or the frame's codes are small, the
   symbol's blur is modelled (deblur.py: a Gaussian, or a smear of hand shake). When the
   caller says what the photo's codes look like, the grids and blur estimates no decoder
   read are read from how sure each module is and what a slip code must say (soft.py);
   when it names the codes that may be in the photo, a grid that no decoder read is matched
   against them (known.py); last, a grid is read again with each module's blurred-in
   neighbours taken back out (``sharp``).
   ``tight``: a region nothing read is tried once more, cropped close for the size of the
   codes read nearest it (a far code is smaller than most, and lost in a wide crop).
   ``small``: codes smaller than the ones read (a window the size of those averages them
   away): patches dense in edges at a smaller window, retried with the plain decoder pass
   only (most are printed text).
3. ``full``: only when nothing at all was read: the whole frame at full resolution with every
   decoder option on, then overlapping tiles.

Codes read twice (same text, same place) are kept once.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import cached_property

import cv2
import numpy as np

from ..errors import DependencyMissing, InvalidValue
from . import deblur, pools, soft
from .geometry import inside_slips
from .known import KnownCodes
from .load import small_jpeg
from .resample import FINDER, Grid, bent, qr_format, read_dark, sharpened
from .resample import grids as fitted_grids

DECODERS = ("zxing", "zbar")


def _fresh_pool() -> pools.Pool:
    """The decoder's pool: regions are retried two at a time (most of a retry is zxing-cpp
    and OpenCV, which let go of the GIL: bench/RESULTS.md, Scan, Speed)."""
    return pools.fresh("paperkit-decode")


_POOL = _fresh_pool()


def _forked() -> None:
    """A fresh pool in a forked child (see ``pipeline._forked``)."""
    global _POOL
    _POOL = _fresh_pool()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forked)


def end_threads() -> None:
    """Let the pool's threads end now, and put a fresh pool in its place (its threads start
    when it is first used: a later scan in this process). ``pipeline.end_run``."""
    global _POOL
    old, _POOL = _POOL, _fresh_pool()
    old.shutdown(wait=True, cancel_futures=True)

#: Long side, in pixels, of the image the first pass reads.
WORK_SIDE = 2200
#: The first pass reads a downscaled frame; when fewer than FEW codes are read there, their
#: modules are under SMALL_MODULE px each there, or more codes are located there than read,
#: the full size is read as well. (The last: a board poster photographed with a shaken hand,
#: seed-72 set, photo 0027, read 5 codes and located 7 more; the full size read 11, the
#: 10 the regions had read and one they missed, which plain zxing-cpp read. On the
#: 200-photo set it adds no full-size pass: each photo there with more codes located than
#: read read fewer than FEW.)
#: The same holds when the regions read as many codes as the first pass or more, and with
#: them the codes read are small: the first pass then read the largest only (seed-87 set,
#: photo 0099: the first pass, read at half size within the DCT, read 6 codes of 4 px a
#: module and more, the regions 11 more, and 2 that only the full size reads were missed).
#: On 10 sets (868 photos) this reads the full size on 38 photos more, for those 2 codes.
FEW = 3
SMALL_MODULE = 2.0
#: At most this many expected-but-missing regions are retried per frame: more than the 30
#: slips a photo may hold, with room for printed text. (It was 24: a photo of 25 slips whose
#: first pass read one code, seed-84 set, photo 0002, had 47 places to look, and its 6 codes
#: past the 24th were never tried, with nothing said; of 6 sets, 5 photos have more than 24,
#: and the others read as before, in 4-25 ms more each.)
MAX_REGIONS = 48
#: Codes printed smaller than the ones read (or further from the camera) are looked for
#: again with a window this share of the usual one; at most MAX_SMALL_REGIONS such patches
#: are retried, with the cheap decoder passes only (most are printed text). Since edges are
#: measured against the local brightness (:func:`_edges`) the first regions hold nearly all
#: codes: on 200 photos 60 such patches read 2 more than 15, and none plain zxing-cpp reads;
#: with 15, the two codes this step read were each the densest patch of its frame. On 18
#: sets (about 1,600 photos, posters and 3 MP photos among them) every one of the 8 codes
#: this step read with 5 patches came from the densest, and the other four read nothing
#: while they cost 7-12 ms a photo: one is tried.
SMALL_WINDOW = 0.4
MAX_SMALL_REGIONS = 1
#: A code read far paler than the frame's others (its contrast, the 95th less the 5th
#: percentile of its pixels over the 95th, under PALE_CODE of the frame's median) means a
#: pale print run (a printer low on toner) photographed among black slips: its codes give
#: fewer edges than the cut the black ones set (:func:`_edges`), so they are not dense
#: patches, and the regions are looked for once more with edges cut at PALE_CUT of that.
#: On 40 photos of such a set (seed 314: each slip from a run 0.5-0.7 as dark with a chance
#: of 0.3) 34 frames show it; on 160 photos of four sets of one print 3 do (0.69 at the
#: lowest). Plain zxing-cpp on the full size read most of the pale codes the scan missed
#: (4 % of them, against 0.3 % of the black ones); with this step seeds 314 and 315 read
#: 18 of their 31 codes missed, two pale-printed sets one more each, and 37 other sets read
#: as before (bench/RESULTS.md, Decoding, twenty-third session). The check costs about 0.5
#: ms a photo.
PALE_CODE = 0.75
PALE_CUT = 0.6
#: A region the ladder could not read is read by modelling its blur (deblur.py) where a
#: finder-like pattern was seen in it, or in any region of a frame whose codes read are small
#: (their median under DEBLUR_MODULE px a module, or none read). On 200 photos this reads 17
#: more than requiring both (3954 -> 3971) and as many as no gate at all, which cost the
#: held-out set's median photo about 4 ms (the blur model's finder search on printed text).
DEBLUR_MODULE = 4.0
#: A region that nothing read, where the fitted grid's search saw at least UNREAD_FINDERS
#: finder-like patterns, holds a code seen but not read: its slip is left out of the scan,
#: and the photo says so. On 31 synthetic sets (1,747 photos) 9 regions were left so
#: (:func:`_unread`), each on one of the 303 codes no step read, and none elsewhere. So is a
#: region where the blur model (deblur.py) found three finder patterns by correlation and
#: lined up a symbol whose fixed patterns look like a slip code's, yet no blur it models
#: decodes (under 3 px a module, blur hides the finders' rings from the threshold that
#: counts them): on 4 sets (342 photos) 30 regions left so lay on codes no step read, and
#: none of the 305 other regions nothing read. On the eighteenth session's 11 sets it told
#: 3 photos more that slips were left out (9 slips, 8 of them on seed 83's 0051 and 0059),
#: and no photo more where none was (bench/RESULTS.md, Decoding, nineteenth session).
UNREAD_FINDERS = 3
#: A region at the frame's edge that nothing read, where that search saw at least
#: EDGE_FINDERS finder-like patterns (a code cut through its middle by the edge shows two
#: of its three), holds a code cut off there: its slip is left out of the scan, and the
#: photo says so, as for a slip cut off whose code shows nothing (missing.py). On the
#: crops of 2 sets' photos that cut one slip off through its code, 50 of the 112 regions at
#: the edge on the cut code saw two, 62 one; on 55 sets (3,820 photos, no code cut), no
#: region at the edge outside the slips read saw two. Of 480 crops, 22 more say a slip is
#: cut off than by the paper check alone (bench/RESULTS.md, Decoding, twenty-seventh
#: session).
EDGE_FINDERS = 2
#: A region nothing else read: at most BENT of its grids that are homographies are let bend
#: to its fixed patterns (resample.bent: curled paper) and read again every way.
BENT = 2
#: A region the ladder could not read is tried once more cropped close about its middle:
#: this many code sides each way, the codes read nearest it giving the side. The usual crop
#: (1.2 sides of the frame's median code) holds 3-4 sides of a small, far code, and its
#: finder search then fails: on the 28 codes the 200-photo set missed, crops of 0.7, 0.8,
#: 0.9 and 1.0 of such a side about the region's middle read 10, 12, 12 and 10.
TIGHT = 0.85


@dataclass(frozen=True)
class Found:
    """One code read in a frame. ``corners`` are the QR symbol's outer corners in frame pixels,
    float (4, 2), in the symbol's own order: top-left, top-right, bottom-right, bottom-left.
    ``step`` names the decode step that read it."""

    text: str
    corners: np.ndarray = field(repr=False)
    step: str

    @cached_property
    def center(self) -> np.ndarray:
        return self.corners.mean(axis=0)

    @cached_property
    def side(self) -> float:
        """The symbol's mean side length in pixels."""
        c = self.corners
        return float(np.hypot(*(c - np.roll(c, -1, axis=0)).T).mean())


@dataclass(frozen=True)
class DecodeStep:
    """What one step cost (seconds) and bought (codes it read that earlier steps missed)."""

    name: str
    seconds: float
    tried: int
    new: int


@dataclass(frozen=True)
class Early:
    """The first pass, read from a JPEG's file while the full-size frame is still being
    decoded (:func:`first_look`): the raw reads in frame pixels, the size of the image they
    were read on, and its ``factor`` (frame px per px)."""

    raws: list[Raw] = field(repr=False)
    shape: tuple[int, ...]
    factor: int


def first_look(raw: bytes, decoder: str = "zxing") -> Early | None:
    """The first pass over the JPEG file ``raw``: decoded at the first pass's size within the
    DCT (``load.small_jpeg``), the full-size frame never made. None when the file is not a
    JPEG that the first pass reads smaller than the full size (:func:`find_codes` then reads
    the frame halved).

    The corners are placed as the halved frame's pass places them: ``cv2.pyrDown`` centres
    its pixel p on the frame's pixel 2p, so that pass's corners, times the factor, lie
    (factor - 1) / 2 px further right and down than the same corners read at full size
    (measured: +0.50 px at factor 2, 467 codes), where the DCT's pixel p covers the frame's
    2p and 2p + 1 and its corners land where the full size's do. Slips are measured from
    these corners; placed without the shift, the same 4 sets (7,712 slips) sent 9 more clear
    slips to review than the halved frame's pass, placed with it 2 more (bench/RESULTS.md,
    Speed, eighteenth session): the box reads were settled on corners placed so."""
    small = small_jpeg(raw, WORK_SIDE)
    if small is None:
        return None
    img, factor = small
    shift = np.float32((factor - 1) / 2)
    raws = [(text, pts * np.float32(factor) + shift) for text, pts in backend(decoder)(img)]
    return Early(raws, img.shape, factor)


@dataclass(frozen=True)
class Decoded:
    """The codes read, what each step cost and bought, ``unread``: the centres (frame px) of
    codes seen but not read (:data:`UNREAD_FINDERS`), ``cut``: those of codes cut off by
    the frame's edge, each with that edge (:data:`EDGE_FINDERS`; "left", "top", "right" or
    "bottom"), and ``half``: the frame at half its size (``cv2.pyrDown``) when the first
    pass made it, else None."""

    found: tuple[Found, ...]
    steps: tuple[DecodeStep, ...]
    unread: tuple[np.ndarray, ...] = ()
    half: np.ndarray | None = field(default=None, repr=False)
    cut: tuple[tuple[np.ndarray, str], ...] = ()


# A raw read: text (None when the symbol was located but not decoded) and 4 corners.
Raw = tuple[str | None, np.ndarray]
Backend = Callable[..., list[Raw]]


# -- backends ----------------------------------------------------------------------------

def _zxing(gray: np.ndarray, binarizer: str = "local", thorough: bool = False) -> list[Raw]:
    import zxingcpp

    kw = {} if thorough else {"try_rotate": False, "try_downscale": False, "try_invert": False}
    b = zxingcpp.Binarizer.GlobalHistogram if binarizer == "global" else \
        zxingcpp.Binarizer.LocalAverage
    out = []
    for r in zxingcpp.read_barcodes(gray, formats=qr_format(), binarizer=b,
                                    return_errors=True, **kw):
        p = r.position
        pts = np.array([[q.x, q.y] for q in (p.top_left, p.top_right, p.bottom_right,
                                               p.bottom_left)], np.float32)
        out.append((r.text if r.valid else None, pts))
    return out


def _zbar_module():
    try:
        from pyzbar import pyzbar
    except (ImportError, OSError) as exc:  # pyzbar raises ImportError when libzbar is absent
        raise DependencyMissing(
            f"the zbar decoder needs the libzbar0 system library ({exc})",
            "install it (Debian/Ubuntu: apt-get install libzbar0), or use --decoder zxing",
        ) from None
    return pyzbar


def zbar_available() -> bool:
    try:
        _zbar_module()
    except DependencyMissing:
        return False
    return True


def _zbar(gray: np.ndarray, binarizer: str = "local", thorough: bool = False) -> list[Raw]:
    pyzbar = _zbar_module()
    if binarizer == "global":
        _, gray = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    from pyzbar.pyzbar import ZBarSymbol

    out = []
    for r in pyzbar.decode(np.ascontiguousarray(gray), symbols=[ZBarSymbol.QRCODE]):
        if len(r.polygon) != 4:
            continue
        pts = np.array([[p.x, p.y] for p in r.polygon], np.float32)
        pts = orient_quad(gray, pts)
        if pts is not None:
            out.append((r.data.decode("ascii", "replace"), pts))
    return out


def backend(name: str) -> Backend:
    if name == "zxing":
        return _zxing
    if name == "zbar":
        _zbar_module()
        return _zbar
    raise InvalidValue(f"unknown decoder {name!r}; choose from {', '.join(DECODERS)}")


# -- orientation of an unordered quad (zbar) ---------------------------------------------

#: Darkness of the finder pattern (1 dark, 0 light), 7 × 7 modules.
_FINDER = FINDER.astype(np.float32)


def orient_quad(gray: np.ndarray, quad: np.ndarray, modules: int = 29) -> np.ndarray | None:
    """Order a QR symbol's 4 corners as top-left, top-right, bottom-right, bottom-left:
    of the four ways round, the one whose three finder corners look most like finder
    patterns. None if none does."""
    q = quad.astype(np.float32)
    c = q.mean(axis=0)
    ang = np.arctan2(q[:, 1] - c[1], q[:, 0] - c[0])
    q = q[np.argsort(ang)]  # clockwise on screen (y down)
    k = 4
    n = modules * k
    src = np.float32([[0, 0], [n, 0], [n, n], [0, n]])
    best, best_score = None, 0.3
    for r in range(4):
        cand = np.roll(q, -r, axis=0)
        m = cv2.getPerspectiveTransform(src, cand)
        img = cv2.warpPerspective(gray, m, (n, n), flags=cv2.INTER_AREA | cv2.WARP_INVERSE_MAP)
        mods = cv2.resize(img, (modules, modules), interpolation=cv2.INTER_AREA)
        dark = 255.0 - mods.astype(np.float32)
        score = min(float(np.corrcoef(dark[y:y + 7, x:x + 7].ravel(), _FINDER.ravel())[0, 1])
                    for x, y in ((0, 0), (modules - 7, 0), (0, modules - 7)))
        if score > best_score:
            best, best_score = cand, score
    return best


# -- the search ----------------------------------------------------------------------------

def _read_at(found: list[Found], center: np.ndarray, text: str | None = None) -> bool:
    """Whether a code in ``found`` (with this text, if given) lies within half its own side
    of ``center`` (the same code read again)."""
    near = [f for f in found if text is None or f.text == text]
    if not near:
        return False
    centers = np.array([f.center for f in near])
    sides = np.array([f.side for f in near])
    return bool(np.any(np.sqrt(((centers - center) ** 2).sum(axis=1)) < 0.5 * sides))


class _Search:
    def __init__(self, gray: np.ndarray, read: Backend,
                 on_found: Callable[[Found], None] | None = None,
                 known: KnownCodes | None = None, expected: soft.Expected | None = None):
        self.gray = gray
        self.read = read
        self.on_found = on_found
        self.known = known
        self.expected = expected
        self.found: list[Found] = []
        self.missed: list[np.ndarray] = []  # located, not decoded: corners in frame px
        self.unread: list[tuple[int, int, int, int]] = []  # regions that saw a code, read none
        self.cut: list[tuple[int, int, int, int]] = []  # such regions at the edge, cut off
        self.steps: list[DecodeStep] = []

    def add(self, raws: list[Raw], step: str, scale: float = 1.0,
            offset: tuple[float, float] = (0.0, 0.0)) -> int:
        new = 0
        for text, pts in raws:
            corners = pts * scale + np.float32(offset)
            center = corners.mean(axis=0)
            if text is None:
                self.missed.append(corners)
                continue
            if _read_at(self.found, center, text):
                continue
            found = Found(text, corners, step)
            self.found.append(found)
            if self.on_found is not None:
                self.on_found(found)
            new += 1
        return new

    def module(self) -> float | None:
        """The median module (px) of the codes read so far, or None when none was."""
        return float(np.median([f.side / 29 for f in self.found])) if self.found else None

    def small_codes(self) -> bool:
        """Whether the codes read are small (median under DEBLUR_MODULE px a module), or
        none were read."""
        module = self.module()
        return module is None or module < DEBLUR_MODULE

    def step(self, name: str, t0: float, tried: int, new: int) -> None:
        self.steps.append(DecodeStep(name, time.perf_counter() - t0, tried, new))


def find_codes(gray: np.ndarray, decoder: str = "zxing",
               on_found: Callable[[Found], None] | None = None,
               known: KnownCodes | Iterable[str] | None = None,
               expected: soft.Expected | None = None,
               early: Future | Early | None = None) -> Decoded:
    """Every QR code in ``gray`` (uint8), with corners in its pixels. ``on_found`` is called
    with each code as soon as it is read (the later steps are still running), so the caller
    can start working on it at once; the same codes, in the same order, are returned.
    ``known``: the codes that may be in the photo (those the kit printed); a located code
    that no decoder reads is matched against them, and read only when it is clearly one of
    them (known.py). A ``KnownCodes`` keeps its matrices from one call to the next.
    ``expected``: the shapes of the codes that may be in the photo and the check a text
    must pass (the kit's tag); a located code that no decoder reads is then read from how
    sure each module is and what the code must say (soft.py).
    ``early``: :func:`first_look`'s result for the file ``gray`` was loaded from (or a
    Future of it): its reads are the first pass when it was read at the first pass's size."""
    read = backend(decoder)
    if known is not None and not isinstance(known, KnownCodes):
        known = KnownCodes(known)
    s = _Search(gray, read, on_found, known, expected)
    h, w = gray.shape
    t0 = time.perf_counter()
    factor, shape = 1, gray.shape
    while max(shape) > WORK_SIDE:  # halved, each side rounded up, as cv2.pyrDown does
        factor, shape = factor * 2, tuple((n + 1) // 2 for n in shape)
    if isinstance(early, Future):
        try:
            early = early.result()
        except Exception:  # noqa: BLE001 - the early look is only a head start: read it here
            early = None
    if early is not None and (early.factor, early.shape) == (factor, shape):
        new = s.add(early.raws, "first")  # measuring starts before the halving below
        work, half = _halved(gray, shape)
    else:
        work, half = _halved(gray, shape)
        new = s.add([(text, pts * np.float32(factor)) for text, pts in read(work)], "first")
    s.step("first", t0, 1, new)

    if factor > 1 and (len(s.found) < FEW or s.module() < SMALL_MODULE * factor
                       or len(s.missed) > len(s.found)):
        # the codes are small, hardly any were read, or more were located than read (the
        # codes read are then the largest and sharpest, not the photo's usual ones): the
        # downscaled pass is unreliable, so read the full size too
        t0 = time.perf_counter()
        new = s.add(read(gray), "full-size")
        s.step("full-size", t0, 1, new)
        factor, work = 1, gray

    t0 = time.perf_counter()
    edges = _edges(work, factor)
    regions = _regions(s, edges)
    before = len(s.found)
    got = _retry_regions(s, regions)
    s.step("regions", t0, len(regions), len(s.found) - before)

    if factor > 1 and len(s.found) - before >= max(before, 1) and \
            s.module() < SMALL_MODULE * factor:
        # the regions read as many codes as the first pass or more, and with them the codes
        # read are small: the first pass read the largest only, so the full size is read
        # after all (:data:`FEW`)
        t0 = time.perf_counter()
        new = s.add(read(gray), "full-size")
        s.step("full-size", t0, 1, new)

    t0 = time.perf_counter()
    again, name = [], ""
    if before == 0 and s.found:
        # nothing was read before the regions, so they were sized for a guessed code (a
        # fourteenth of the frame) and each read one code at most: looked for again at the
        # size of the codes now read (seed-87 set, photo 0026: 10 codes read in 10 regions
        # five codes wide, 10 more left)
        again, name = _regions(s, edges), "regions-again"
    elif len(s.found) > before:
        # the regions read codes: with their edges left out too, the dense patches are
        # looked for again, and those about a place not tried yet are tried (a code in one
        # patch with a slip the regions read, its own place never tried: seed-104 set,
        # photo 0059)
        again, name = _untried(_regions(s, edges), regions, 29 * s.module()), "regions-new"
    if name:
        new_again = _retry_regions(s, again)
        regions, got = regions + again, got + new_again
        s.step(name, t0, len(again), sum(new_again))

    t0 = time.perf_counter()
    tight = [b for r, ok in zip(regions, got, strict=True)
             if not ok and (b := _tight(s, r)) is not None]
    new = sum(_retry_regions(s, tight, step="tight"))
    s.step("tight", t0, len(tight), new)

    if s.found:
        t0 = time.perf_counter()
        small = _small_regions(s, edges, regions)
        new = sum(_retry_regions(s, small, cheap=True))
        s.step("small", t0, len(small), new)

    if len(s.found) >= FEW and _pale_run(s, work, factor):
        t0 = time.perf_counter()
        pale = _untried(_regions(s, _edges(work, factor, PALE_CUT)), [*regions, *small],
                        29 * s.module())
        new = sum(_retry_regions(s, pale))
        s.step("pale", t0, len(pale), new)

    if not s.found:
        t0 = time.perf_counter()
        new = s.add(read(gray, "local", True), "full")
        tiles = _tiles(w, h)
        for x0, y0, x1, y1 in tiles:
            if new:
                break
            new += s.add(read(np.ascontiguousarray(gray[y0:y1, x0:x1]), "local", True), "full",
                         offset=(x0, y0))
        s.step("full", t0, 1 + len(tiles), new)
    h, w = gray.shape
    return Decoded(tuple(s.found), tuple(s.steps), _unread(s, s.unread), half,
                   tuple((c, _side(c, w, h)) for c in _unread(s, s.cut)))


def _pale_run(s: _Search, work: np.ndarray, factor: int) -> bool:
    """Whether a code read is far paler than the frame's others (:data:`PALE_CODE`),
    each code's contrast taken in ``work`` (``factor`` frame px per its px)."""
    h, w = work.shape
    share = []
    for f in s.found:
        x0, y0 = np.maximum(np.floor(f.corners.min(axis=0) / factor).astype(int), 0)
        x1, y1 = np.ceil(f.corners.max(axis=0) / factor).astype(int)
        crop = work[y0:min(y1, h), x0:min(x1, w)]
        if crop.size < 64:
            continue
        cum = cv2.calcHist([np.ascontiguousarray(crop)], [0], None, [256], [0, 256]).cumsum()
        lo, hi = np.searchsorted(cum, (0.05 * cum[-1], 0.95 * cum[-1]))
        share.append((hi - lo) / max(float(hi), 1.0))
    return len(share) >= FEW and min(share) < PALE_CODE * float(np.median(share))


def _halved(gray: np.ndarray, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray | None]:
    """``gray`` halved (``cv2.pyrDown``) until it is ``shape``, and its first halving (None
    if it was not halved)."""
    work, half = gray, None
    while work.shape != shape:
        work = cv2.pyrDown(work)
        half = work if half is None else half
    return work, half


def _side(c: np.ndarray, w: int, h: int) -> str:
    """The edge of a ``w`` × ``h`` frame nearest the point ``c``."""
    near = (float(c[0]), float(c[1]), w - float(c[0]), h - float(c[1]))
    return ("left", "top", "right", "bottom")[int(np.argmin(near))]


def _unread(s: _Search, regions: list[tuple[int, int, int, int]]) -> tuple[np.ndarray, ...]:
    """The centres of the ``regions`` that saw a code and read none (``s.unread``:
    :data:`UNREAD_FINDERS`; ``s.cut``: :data:`EDGE_FINDERS`) and hold no code read (by
    then: a later step may have read it, and the finder patterns seen may be those of a
    code beside it, read in another region at the same time), nor lie
    on a slip whose code was read (a slip holds one code: the finder-like patterns seen
    there are its own print, such as a filled check box in its square outline; regenerated
    200 set, photo 0077), each once."""
    out: list[np.ndarray] = []
    centers = np.array([f.center for f in s.found]).reshape(-1, 2)
    side = float(np.median([f.side for f in s.found])) if s.found else 0.0
    middles = np.array([((x0 + x1) / 2, (y0 + y1) / 2) for x0, y0, x1, y1 in regions])
    on_slip = inside_slips([f.corners for f in s.found], middles.reshape(-1, 2))
    for (x0, y0, x1, y1), c, on in zip(regions, middles, on_slip, strict=True):
        if on or np.any((centers[:, 0] >= x0) & (centers[:, 0] <= x1)
                        & (centers[:, 1] >= y0) & (centers[:, 1] <= y1)):
            continue
        if all(float(np.hypot(*(c - o))) >= side for o in out):
            out.append(c)
    return tuple(out)


def _at_edge(region: tuple[int, int, int, int], gray: np.ndarray) -> bool:
    """Whether ``region`` (x0, y0, x1, y1) reaches the edge of the frame ``gray``."""
    x0, y0, x1, y1 = region
    return x0 <= 0 or y0 <= 0 or x1 >= gray.shape[1] or y1 >= gray.shape[0]


def _tiles(w: int, h: int, n: int = 3) -> list[tuple[int, int, int, int]]:
    tw, th = w // n, h // n
    ox, oy = tw // 3, th // 3
    out = []
    for j in range(n):
        for i in range(n):
            out.append((max(0, i * tw - ox), max(0, j * th - oy),
                        min(w, (i + 1) * tw + ox), min(h, (j + 1) * th + oy)))
    return out


def _regions(s: _Search, edges: tuple[np.ndarray, int]) -> list[tuple[int, int, int, int]]:
    """Full-resolution rectangles (x0, y0, x1, y1) where a code is expected but unread:
    first where the decoder located a symbol it could not read, then the densest patches."""
    h, w = s.gray.shape
    out: list[tuple[int, int, int, int]] = []
    sides = [f.side for f in s.found]
    centers = np.array([f.center for f in s.found]).reshape(-1, 2)
    side = float(np.median(sides)) if sides else max(w, h) / 14.0
    for corners in s.missed:
        c = corners.mean(axis=0)
        if _read_at(s.found, c):
            continue
        seen = float(np.max(np.ptp(corners, axis=0)))
        out.append(_box(c, max(1.2 * side, 0.6 * min(seen, 3 * side)), w, h))
    read = [f.corners for f in s.found]
    patches = np.array(_dense_patches(edges, side, list(centers), read=read, crests=True)
                       ).reshape(-1, 2)
    for c in patches[~(inside_slips(read, patches)
                       | _near_codes(patches, centers, np.array(sides)))]:
        if any(abs(c[0] - (r[0] + r[2]) / 2) < side / 2 and abs(c[1] - (r[1] + r[3]) / 2) < side / 2
               for r in out):
            continue
        out.append(_box(c, side * 1.2, w, h))
    return out[:MAX_REGIONS]


def _untried(regions: list[tuple[int, int, int, int]], tried: list[tuple[int, int, int, int]],
             side: float) -> list[tuple[int, int, int, int]]:
    """The ``regions`` whose centre lies more than half a code's ``side`` (each way) from
    the centre of every region in ``tried``."""
    done = np.array([((r[0] + r[2]) / 2, (r[1] + r[3]) / 2) for r in tried]).reshape(-1, 2)
    return [r for r in regions
            if not np.any(np.all(np.abs(done - ((r[0] + r[2]) / 2, (r[1] + r[3]) / 2))
                                 < side / 2, axis=1))]


def _near_codes(points: np.ndarray, centers: np.ndarray, sides: np.ndarray) -> np.ndarray:
    """Which ``points`` (N × 2) lie within 0.8 of a read code's side of its centre
    (``centers``, M × 2, and ``sides``, M), each point against each code at once."""
    return np.any(np.hypot(centers[None, :, 0] - points[:, None, 0],
                           centers[None, :, 1] - points[:, None, 1]) < 0.8 * sides, axis=1)


def _small_regions(s: _Search, edges: tuple[np.ndarray, int],
                   tried: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Full-resolution rectangles around patches dense in edges at a smaller window than
    :func:`_regions` uses (codes smaller than the ones read: its window, a whole code of the
    usual size, averages them away), away from codes read and regions already tried."""
    h, w = s.gray.shape
    sides = np.array([f.side for f in s.found])
    centers = np.array([f.center for f in s.found]).reshape(-1, 2)
    side = float(np.median(sides))
    out: list[tuple[int, int, int, int]] = []
    patches = np.array(_dense_patches(edges, side, list(centers), SMALL_WINDOW)).reshape(-1, 2)
    for c in patches[~(inside_slips([f.corners for f in s.found], patches)
                       | _near_codes(patches, centers, sides))]:
        if any(abs(c[0] - (r[0] + r[2]) / 2) < side / 4 and abs(c[1] - (r[1] + r[3]) / 2) < side / 4
               for r in [*tried, *out]):  # the same crop, near enough
            continue
        out.append(_box(c, side * 1.2, w, h))
        if len(out) >= MAX_SMALL_REGIONS:
            break
    return out


def _box(c: np.ndarray, half: float, w: int, h: int) -> tuple[int, int, int, int]:
    return (max(0, int(c[0] - half)), max(0, int(c[1] - half)),
            min(w, int(c[0] + half)), min(h, int(c[1] + half)))


def _edges(work: np.ndarray, factor: int, share: float = 1.0) -> tuple[np.ndarray, int]:
    """(strong edges as uint8 0/1 in a frame of at most 1100 px a side, frame px per its
    px), from ``work`` (``factor`` frame px per its px); the cut for a strong edge at
    ``share`` of the usual one (:data:`PALE_CUT`)."""
    small = work
    f = factor
    while max(small.shape) > 1100:
        small = cv2.pyrDown(small)
        f *= 2
    grad = cv2.morphologyEx(small, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    # edges against the local brightness: a code in a dim corner has as many as one in light
    k = max(3, max(small.shape) // 16)
    local = cv2.blur(small, (k, k)).astype(np.float32)
    rel = grad.astype(np.float32) * (float(np.mean(local)) / np.maximum(local, 8.0))
    cut = share * max(20.0, 0.4 * float(np.percentile(rel[::4, ::4], 99.5)))
    return (rel > cut).view(np.uint8), f


def _dense_patches(edges: tuple[np.ndarray, int], side: float,
                   known: list[np.ndarray], window: float = 1.0,
                   read: list[np.ndarray] = (), crests: bool = False) -> list[np.ndarray]:
    """Centres (frame px) of square patches, about one code wide, nearly as dense in edges
    (:func:`_edges`) as the codes already read (``known``: their centres in frame px).
    Printed text is sparser; paper and table are far sparser. ``window``: the window's
    share of ``side``. ``read``: the corners (frame px) of the codes read; their own edges
    set how dense a code is but are left out of the patches, so that a code lying next to
    one read is a patch of its own (merged with the read one, the patch was densest on it
    and passed over: seed-71 set, photo 0035, T0013). ``crests``: a patch two codes large
    or more also gives its other densest places, a code apart from the patches', after
    them."""
    strong, f = edges
    k = max(3, int(side / f * 0.8 * window))
    if k > min(strong.shape) // 2:
        return []
    step = max(1, k // 4)  # the density varies slowly: a coarse grid is enough

    density = box_means(strong, k, step)
    px = f  # frame px per px of ``strong``
    f *= step
    hs, ws = density.shape
    peaks = [float(density[min(hs - 1, int(c[1] / f)), min(ws - 1, int(c[0] / f))])
             for c in known]
    level = 0.45 * float(np.median(peaks)) if peaks else 0.25
    if len(read):
        rest = strong.copy()
        for q in read:  # each code a little enlarged about its centre: its edges' blur
            c = q.mean(axis=0)
            cv2.fillConvexPoly(rest, np.round((c + 1.15 * (q - c)) / px).astype(np.int32), 0.0)
        density = box_means(rest, k, step)
    mask = (density > level).astype(np.uint8)
    n, labels, stats, cents = cv2.connectedComponentsWithStats(mask, connectivity=8)
    kk = k / step
    big = np.nonzero(stats[1:, cv2.CC_STAT_AREA] >= 0.1 * kk * kk)[0] + 1
    if not len(big):
        return []
    # each patch's densest cell; densest first: the likeliest codes are tried before text
    ys, xs = np.nonzero(labels)
    lab, val = labels[ys, xs], density[ys, xs]
    order = np.lexsort((-val, lab))
    first = order[np.r_[0, np.flatnonzero(np.diff(lab[order])) + 1]]
    top = np.zeros(n)
    top[lab[first]] = val[first]
    peak = np.zeros((n, 2))
    peak[lab[first]] = np.stack([xs[first], ys[first]], axis=1)
    big = big[np.argsort(-top[big], kind="stable")]
    # a patch is looked for about its centre, or about its densest cell when that lies
    # over half a code from it: a code merged with the printed text beside it (the centre
    # then lies between them, and a crop there cuts the code off)
    at = cents[big]
    off = np.hypot(*(peak[big] - at).T) > side / f / 2
    at[off] = peak[big][off]
    if not crests:
        return list(at * f + f / 2)
    # a patch several codes large (a code merged with the print of a slip beside it, read
    # or not) is also looked for about each of its other densest places, a code apart:
    # its one place may lie on the slip read and be passed over (seed-84 set, photo 0054)
    span = max(3, int(round(side / f)) | 1)
    crest = (density >= cv2.dilate(density, np.ones((span, span), np.uint8))) & (mask > 0)
    cy, cx = np.nonzero(crest)
    large = np.zeros(n, bool)
    large[big[stats[big, cv2.CC_STAT_AREA] >= 2 * side * side / (f * f)]] = True
    keep = large[labels[cy, cx]]
    more = np.stack([cx[keep], cy[keep]], axis=1).astype(float)
    more = more[np.argsort(-density[cy[keep], cx[keep]], kind="stable")]
    apart = np.all(np.hypot(more[:, None, 0] - at[None, :, 0], more[:, None, 1] - at[None, :, 1])
                   > side / f, axis=1) if len(at) else np.ones(len(more), bool)
    return list(at * f + f / 2) + list(more[apart] * f + f / 2)


def box_means(img: np.ndarray, k: int, step: int) -> np.ndarray:
    """``cv2.boxFilter(img, -1, (k, k))`` of a uint8 image as float32 (the border reflected,
    the box about each pixel as the filter puts it), at every ``step``-th pixel from
    ``step // 2`` each way only: the box sums are read from an integral image through
    strided views, a fraction of the filter's work when ``step`` is over 1. The values are
    the filter's own (whole sums, scaled as it scales them)."""
    h, w = img.shape
    o = step // 2
    rows = slice(o, o + step * len(range(o, h, step)), step)
    cols = slice(o, o + step * len(range(o, w, step)), step)
    rows_k = slice(rows.start + k, rows.stop + k, step)
    cols_k = slice(cols.start + k, cols.stop + k, step)
    before, after = k // 2, k - 1 - k // 2
    ii = cv2.integral(cv2.copyMakeBorder(img, before, after, before, after,
                                         cv2.BORDER_REFLECT_101))
    sums = ii[rows_k, cols_k] - ii[rows, cols_k] - ii[rows_k, cols] + ii[rows, cols]
    return (sums * (1.0 / (k * k))).astype(np.float32)


def _grid_raws(img: np.ndarray, grids: list[tuple[Grid, float]], scale: float,
               seen: list[int], taken: np.ndarray | None = None) -> list[Raw]:
    """The code in ``img`` read on a fitted grid (resample.py), as raw reads; the grids are
    kept in ``grids`` with ``scale`` (frame px per ``img`` px) for matching known codes, and
    the number of finder-like patterns seen is appended to ``seen`` (not those on codes
    read already: ``taken``, a mask as ``img``)."""
    found, finders = fitted_grids(img, taken)
    seen.append(finders)
    grids.extend((g, scale) for g in found)
    return [(g.text, g.corners) for g in found if g.text][:1]


def _variants(crop: np.ndarray, grids: list[tuple[Grid, float]], seen: list[int],
              taken: np.ndarray | None = None):
    """The cheap retry ladder for one region, cheapest and most useful first:
    (name, a function of the crop giving raw reads, coordinate scale). Measured on the
    synthetic set (bench/): the full-resolution pass reads most, the bent-paper grid the
    rest; another binarizer once in a while, for a millisecond; last, the crop upscaled 2×
    (bicubic) reads small codes (under about 3.5 px a module) that none of these read: 14
    of the 36 missed on 60 photos; and the grid fitted on that upscaled crop (its finder
    patterns are found there when they merge at the crop's own size). CLAHE contrast,
    sharpening and the decoder's own thorough mode read none there once the grid was in,
    and were dropped. The grids fitted are kept in ``grids``, and the number of finder-like
    patterns the first fit saw is appended to ``seen``. The grids are not fitted on codes
    read already (``taken``, a mask as ``crop``). The blur model comes after
    (:func:`_finish`)."""
    yield "local", lambda read: read(crop, "local"), 1.0
    yield "global", lambda read: read(crop, "global"), 1.0
    yield "resample", lambda read: _grid_raws(crop, grids, 1.0, seen, taken), 1.0
    up = cv2.resize(crop, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    yield "up2", lambda read: read(up), 0.5
    if seen[0] >= 2:  # fewer: no code there (measured: none read in 164 such regions)
        up_taken = None if taken is None else \
            cv2.resize(taken, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST)
        yield "resample-up2", lambda read: _grid_raws(up, grids, 0.5, [], up_taken), 0.5


def _deblur_raws(crop: np.ndarray, grids: list[tuple[Grid, float]],
                 estimates: list[Grid], taken: np.ndarray | None = None) -> list[Raw]:
    """The code in ``crop`` read by modelling its blur (deblur.py), as raw reads; on the
    homography a fitted grid found already, if any, then on the one its own finder search
    gives (not where ``taken``, a mask of codes read already, says). Its module estimates
    are not matched against known codes (the match's margins were measured on sampled
    grids only)."""
    h = next((np.diag([scale, scale, 1.0]) @ g.homography for g, scale in grids
              if g.homography is not None), None)
    sampled: list[Grid] = []
    for at in (h, None) if h is not None else (None,):
        g = deblur.read(crop, at, estimates, taken, sampled)
        if g is not None and g.text:
            return [(g.text, g.corners)]
    grids.extend((g, 1.0) for g in sampled)  # the symbol it located, sampled plainly
    return []


@dataclass
class _Attempt:
    """One region's retry (:func:`_attempt`, then :func:`_finish`), kept apart from the
    search until it is settled: the raw reads of the step that read it (``name``;
    ``scale``: frame px per raw px), and what the cheap ladder left for the costly steps."""

    region: tuple[int, int, int, int]
    crop: np.ndarray = field(repr=False)
    raws: list[Raw] = field(default_factory=list)
    name: str = ""
    scale: float = 1.0
    known: str | None = None  # read by matching a printed code: that code
    grids: list[tuple[Grid, float]] = field(default_factory=list, repr=False)
    estimates: list[Grid] = field(default_factory=list, repr=False)
    seen: list[int] = field(default_factory=list)  # finder-like patterns seen

    def took(self, raws: list[Raw], name: str, scale: float) -> _Attempt:
        self.raws, self.name, self.scale = raws, name, scale
        return self


def _attempt(gray: np.ndarray, r: tuple[int, int, int, int], read: Backend,
             cheap: bool = False, done: list[np.ndarray] = ()) -> _Attempt:
    """Retry one region with the cheap ladder of :func:`_variants`, stopping at the first
    step that reads it; ``cheap``: the plain decoder pass only (where most regions are
    printed text); ``done``: the corners (frame px) of the codes read before. Touches
    nothing shared, so regions are tried two at a time (zxing-cpp and OpenCV let go of
    the GIL while they work)."""
    x0, y0, x1, y1 = r
    a = _Attempt(r, np.ascontiguousarray(gray[y0:y1, x0:x1]))
    if a.crop.size == 0:
        return a
    taken = None if cheap else _taken(a, done)  # the cheap pass fits no grid
    for name, attempt, scale in _variants(a.crop, a.grids, a.seen, taken):
        if cheap and name != "local":
            break
        raws = attempt(read)
        if any(t for t, _ in raws):
            return a.took(raws, name, scale)
    return a


def _taken(a: _Attempt, read: list[np.ndarray]) -> np.ndarray | None:
    """A mask over ``a``'s crop (uint8) of the codes already read there (``read``: their
    corners in frame px), or None when none lies in it."""
    x0, y0, x1, y1 = a.region
    quads = [q - np.float32([x0, y0]) for q in read
             if q[:, 0].max() > x0 and q[:, 0].min() < x1 and q[:, 1].max() > y0
             and q[:, 1].min() < y1]
    if not quads:
        return None
    mask = np.zeros(a.crop.shape, np.uint8)
    for q in quads:
        cv2.fillConvexPoly(mask, np.round(q).astype(np.int32), 1)
    return mask


def _not_taken(grids: list[tuple[Grid, float]], taken: np.ndarray | None
               ) -> list[tuple[Grid, float]]:
    """The fitted ``grids`` whose centre is not on a code read already (``taken``)."""
    if taken is None:
        return grids
    h, w = taken.shape
    out = []
    for g, scale in grids:
        x, y = (g.corners.mean(axis=0) * scale).astype(int)
        if not (0 <= x < w and 0 <= y < h and taken[y, x]):
            out.append((g, scale))
    return out


def _finish(a: _Attempt, small: bool, expected: soft.Expected | None = None,
            known: KnownCodes | None = None, read: list[np.ndarray] = ()) -> _Attempt:
    """The costly steps for a region the cheap ladder did not read: its blur is modelled
    (deblur.py) where a finder-like pattern was seen in it or the frame's codes are
    ``small`` (:meth:`_Search.small_codes`, judged once the cheap ladder has read what it
    can in every region); then the grids and blur estimates are read from how sure each
    module is (soft.py) when the caller said what to expect, and the grids are matched
    against the codes printed (known.py) when the caller named them; last, each grid is
    read again with the bleed of its neighbours taken out of every module
    (:func:`resample.sharpened`), plainly and then (when the caller said what to expect)
    from how sure each module is. ``read``: the corners (frame px) of the codes read so
    far; nothing is tried on them again (a region about one code often holds part of a
    neighbour already read)."""
    if a.raws or not a.seen:  # read, or an empty crop
        return a
    taken = _taken(a, read)
    a.grids = _not_taken(a.grids, taken)
    if a.seen[0] >= 1 or small:
        raws = _deblur_raws(a.crop, a.grids, a.estimates, taken)
        if raws:
            return a.took(raws, "deblur", 1.0)
    if expected is not None:
        for g, scale in [*a.grids, *((e, 1.0) for e in a.estimates)]:
            text = soft.decode(g.dark, expected)
            if text is not None:
                return a.took([(text, g.corners)], "soft", scale)
    if known is not None and a.grids:
        matches = {(text, i) for i, (g, _) in enumerate(a.grids)
                   if (text := known.match(g.dark)) is not None}
        if len({text for text, _ in matches}) == 1:  # not none, nor grids that disagree
            text, i = min(matches, key=lambda m: m[1])
            g, scale = a.grids[i]
            a.known = text
            return a.took([(text, g.corners)], "known", scale)
    for g, scale in a.grids:  # then each grid's modules with the blur's bleed taken out
        dark = sharpened(g.dark)
        text = read_dark(dark)
        if text is None and expected is not None:
            text = soft.decode(dark, expected)
        if text is not None:
            return a.took([(text, g.corners)], "sharp", scale)
    # last, the symbol let bend off its homography (curled paper), read every way above
    for g in [g for g, scale in a.grids if g.homography is not None and scale == 1.0][:BENT]:
        b = bent(a.crop, g.homography)
        if b is None:
            continue
        for dark in (b.dark, sharpened(b.dark)):
            text = b.text if dark is b.dark else read_dark(dark)
            if text is None and expected is not None:
                text = soft.decode(dark, expected)
            if text is None and known is not None:
                a.known = text = known.match(dark)  # not taken if read elsewhere (_settle)
            if text is not None:
                return a.took([(text, b.corners)], "bent", 1.0)
    return a


def _settle(s: _Search, a: _Attempt, step: str) -> int:
    """Add what one attempt read to the search; ``step`` names the reads. A printed code
    matched to a grid is not taken when that code was read elsewhere already."""
    if not a.raws:
        return 0
    if a.known is not None and any(f.text == a.known for f in s.found):
        return 0  # do not guess a copy
    return s.add(a.raws, f"{step}:{a.name}", scale=a.scale, offset=a.region[:2])


def _retry_regions(s: _Search, regions: list[tuple[int, int, int, int]], cheap: bool = False,
                   step: str = "regions") -> list[bool]:
    """Retry each region, two at a time: first the cheap ladder in all of them
    (:func:`_attempt`), then the costly steps in those it did not read (:func:`_finish`).
    Reads are added in the regions' order, whichever thread finished first, so the result
    is the same every time. Whether each region read a new code."""
    done = [f.corners for f in s.found]
    tries = list(_POOL.map(lambda r: _attempt(s.gray, r, s.read, cheap, done), regions))
    new = [_settle(s, a, step) > 0 for a in tries]
    if cheap:
        return new
    small = s.small_codes()
    read = [f.corners for f in s.found]  # as it is now, whichever region settles first
    rest = [i for i, a in enumerate(tries) if not a.raws]
    for i, a in zip(rest, _POOL.map(lambda a: _finish(a, small, s.expected, s.known, read),
                                    [tries[i] for i in rest]), strict=True):
        new[i] = _settle(s, a, step) > 0
        if not a.raws and a.seen and (a.seen[0] >= UNREAD_FINDERS or a.estimates):
            s.unread.append(a.region)
        elif not a.raws and a.seen and a.seen[0] >= EDGE_FINDERS and _at_edge(a.region, s.gray):
            s.cut.append(a.region)
    return new


def _tight(s: _Search, r: tuple[int, int, int, int]) -> tuple[int, int, int, int] | None:
    """A crop about the middle of region ``r`` sized for the codes read nearest it (the
    median of the 3 nearest: a code far from the camera is smaller than most), TIGHT of that
    side each way; None when no code was read, when it would not be much smaller than ``r``,
    or when a code has since been read there."""
    if not s.found:
        return None
    c = np.array([(r[0] + r[2]) / 2, (r[1] + r[3]) / 2])
    if _read_at(s.found, c):
        return None
    near = sorted(s.found, key=lambda f: float(np.hypot(*(f.center - c))))[:3]
    half = TIGHT * float(np.median([f.side for f in near]))
    if half > 0.8 * (r[2] - r[0]) / 2:
        return None
    h, w = s.gray.shape
    return _box(c, half, w, h)
