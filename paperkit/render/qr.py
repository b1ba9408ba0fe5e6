"""QR matrices (segno) and their vector shapes.

A slip code is always QR version 3 at level Q in alphanumeric mode (layout/slip.py), so the
module size is the same on every slip. segno spends most of its time choosing the mask; we
fix it (``MASK``, chosen by measurement in bench/qr_bench.py), which is allowed by the
standard and costs nothing in decoding. The dark modules are merged into horizontal runs,
and equal runs on consecutive rows into one rectangle, to cut the drawing cost.

With the version, level and mask fixed, everything but the data bits is the same in every
symbol, so ``matrix`` encodes alphanumeric text itself for versions 1-6 (``_fast_matrix``):
segment bits, padding, Reed-Solomon blocks and interleaving (ISO/IEC 18004 §7.4-7.6), then
the data bits XOR the mask, written at precomputed module positions into a template whose
function patterns and format information come from segno. tests/test_qr.py checks it
against segno module for module; segno still makes every other kind of symbol.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import segno
from segno import consts as sc
from segno.encoder import get_data_mask_functions

#: The fixed mask. bench/qr_bench.py (bench/RESULTS.md, "QR"): no mask is much better, but
#: mask 0 read best or second best in every run, about 1 point above mask 2 on tilted and
#: blurred photos, and as well as segno's penalty choice.
MASK = 0


@dataclass(frozen=True)
class Matrix:
    """A QR symbol without its quiet zone: ``rows[y][x]`` is True for a dark module."""

    size: int
    rows: tuple[tuple[bool, ...], ...]


def matrix(text: str, version: int | None = None, error: str = "Q", mask: int | None = MASK
           ) -> Matrix:
    fast = _fast_array(text, version, error, mask)
    if fast is not None:
        return Matrix(size=len(fast), rows=tuple(tuple(map(bool, row)) for row in fast.tolist()))
    return segno_matrix(text, version, error, mask)


def segno_matrix(text: str, version: int | None = None, error: str = "Q",
                 mask: int | None = MASK) -> Matrix:
    """The symbol as segno makes it (any text, any version; chooses the mask if None)."""
    qr = segno.make_qr(text, version=version, error=error.lower(), boost_error=False,
                       mask=mask, mode="alphanumeric" if _alnum(text) else None)
    rows = tuple(tuple(bool(v) for v in row) for row in qr.matrix)
    return Matrix(size=len(rows), rows=rows)


_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def _alnum(text: str) -> bool:
    return all(ch in _ALNUM for ch in text)


# -- the fast path: alphanumeric, versions 1-6, a fixed mask -------------------------------

_ALNUM_VALUE = {ch: i for i, ch in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")}
_EXP = [0] * 512
_LOG = [0] * 256
_x = 1
for _i in range(255):
    _EXP[_i], _LOG[_x] = _x, _i
    _x <<= 1
    if _x & 0x100:
        _x ^= 0x11D
for _i in range(255, 512):
    _EXP[_i] = _EXP[_i - 255]


@functools.cache
def _generator(n: int) -> tuple[int, ...]:
    """The Reed-Solomon generator polynomial of degree ``n`` (coefficients, highest first),
    as logs of the coefficients after the leading 1."""
    g = [1]
    for i in range(n):
        nxt = [0] * (len(g) + 1)
        for j, c in enumerate(g):
            nxt[j] ^= c
            if c:
                nxt[j + 1] ^= _EXP[_LOG[c] + i]
        g = nxt
    return tuple(_LOG[c] for c in g[1:])


def _ecc(data: list[int], n: int) -> list[int]:
    gen = _generator(n)
    rem = [0] * n
    for byte in data:
        factor = byte ^ rem[0]
        rem = rem[1:] + [0]
        if factor:
            lf = _LOG[factor]
            for j, lg in enumerate(gen):
                rem[j] ^= _EXP[lf + lg]
    return rem


def _codewords(text: str, version: int, error: str) -> list[int] | None:
    """The final message (data and error correction codewords, interleaved), or None if
    the text does not fit this version."""
    blocks = sc.ECC[version][sc.ERROR_MAPPING[error]]
    capacity = sum(b.num_blocks * b.num_data for b in blocks)
    count_bits = 9 if version < 10 else 11
    acc, nbits = 0b0010, 4  # mode indicator: alphanumeric
    acc, nbits = (acc << count_bits) | len(text), nbits + count_bits
    values = [_ALNUM_VALUE[ch] for ch in text]
    for i in range(0, len(values) - 1, 2):
        acc, nbits = (acc << 11) | (values[i] * 45 + values[i + 1]), nbits + 11
    if len(values) % 2:
        acc, nbits = (acc << 6) | values[-1], nbits + 6
    if nbits > capacity * 8:
        return None
    term = min(4, capacity * 8 - nbits)
    acc, nbits = acc << term, nbits + term
    # Zero bits to the codeword boundary. Like segno (1.6), a whole zero byte when already
    # on the boundary: harmless to decoders, and keeps the symbols module for module equal.
    pad = 8 - nbits % 8 if nbits < capacity * 8 else 0
    acc, nbits = acc << pad, nbits + pad
    data = list(acc.to_bytes(nbits // 8, "big"))
    data += [0xEC, 0x11] * ((capacity - len(data)) // 2 + 1)
    data = data[:capacity]
    split, ecc, at = [], [], 0
    for b in blocks:
        for _ in range(b.num_blocks):
            block = data[at:at + b.num_data]
            at += b.num_data
            split.append(block)
            ecc.append(_ecc(block, b.num_total - b.num_data))
    out = []
    for i in range(max(len(b) for b in split)):
        out += [b[i] for b in split if i < len(b)]
    for i in range(len(ecc[0])):
        out += [e[i] for e in ecc]
    return out


@functools.cache
def _template(version: int, error: str, mask: int):
    """(template with the function patterns and format info, data module rows, data module
    columns in placement order, the mask at those modules)."""
    size = 17 + 4 * version
    reserved = np.zeros((size, size), dtype=bool)
    reserved[:9, :9] = reserved[:9, size - 8:] = reserved[size - 8:, :9] = True  # finders
    reserved[6, :] = reserved[:, 6] = True  # timing patterns
    centres = sc.ALIGNMENT_POS[version - 2] if version > 1 else ()
    for cy in centres:
        for cx in centres:
            if not reserved[cy, cx]:
                reserved[cy - 2:cy + 3, cx - 2:cx + 3] = True
    ys, xs = [], []
    x, upward = size - 1, True
    while x > 0:
        if x == 6:
            x -= 1
        for i in range(size):
            y = size - 1 - i if upward else i
            for xx in (x, x - 1):
                if not reserved[y, xx]:
                    ys.append(y)
                    xs.append(xx)
        upward = not upward
        x -= 2
    sample = segno.make_qr("0", version=version, error=error.lower(), boost_error=False,
                           mask=mask, mode="alphanumeric")
    template = np.array([list(row) for row in sample.matrix], dtype=np.uint8) * reserved
    fn = get_data_mask_functions(False)[mask]
    mask_bits = np.array([fn(y, x) for y, x in zip(ys, xs, strict=True)], dtype=np.uint8)
    return template, np.array(ys), np.array(xs), mask_bits


def _fast_array(text: str, version: int | None, error: str, mask: int | None):
    """The symbol as a uint8 array (1 = dark), or None where only segno will do."""
    if version is None or not 1 <= version <= 6 or mask is None or not _alnum(text):
        return None
    words = _codewords(text, version, error.upper())
    if words is None:
        return None
    template, ys, xs, mask_bits = _template(version, error.upper(), mask)
    bits = np.unpackbits(np.array(words, dtype=np.uint8))
    full = np.zeros(len(ys), dtype=np.uint8)  # remainder bits stay 0
    full[:len(bits)] = bits
    out = template.copy()
    out[ys, xs] = full ^ mask_bits
    return out


def rects(m: Matrix) -> list[tuple[int, int, int, int]]:
    """Dark areas as (x, y, width, height) in modules: horizontal runs, stacked where the
    same run repeats on the following rows."""
    return _stack(np.asarray(m.rows, dtype=np.int8))


def _stack(dark: np.ndarray) -> list[tuple[int, int, int, int]]:
    """``rects`` of a 0/1 array: the runs are found with numpy, then stacked."""
    rows, cols = dark.shape
    padded = np.zeros((rows, cols + 2), dtype=np.int8)
    padded[:, 1:-1] = dark
    edges = np.diff(padded, axis=1)
    sy, sx = np.nonzero(edges == 1)
    _, ex = np.nonzero(edges == -1)  # row-major, so the i-th end closes the i-th start
    per_row: list[set[tuple[int, int]]] = [set() for _ in range(rows)]
    for y, x0, x1 in zip(sy.tolist(), sx.tolist(), ex.tolist(), strict=True):
        per_row[y].add((x0, x1 - x0))
    open_runs: dict[tuple[int, int], list[int]] = {}  # (x, w) -> [y, h]
    out: list[tuple[int, int, int, int]] = []
    for y, runs in enumerate(per_row):
        for key in list(open_runs):
            if key not in runs:
                ry, rh = open_runs.pop(key)
                out.append((key[0], ry, key[1], rh))
        for key in runs:
            if key in open_runs:
                open_runs[key][1] += 1
            else:
                open_runs[key] = [y, 1]
    for (x, w), (ry, rh) in open_runs.items():
        out.append((x, ry, w, rh))
    return out


@functools.lru_cache(maxsize=64)
def cached_rects(text: str, error: str = "Q", version: int | None = None
                 ) -> tuple[int, tuple[tuple[int, int, int, int], ...]]:
    """(size, rects) for a code text; cached for products that repeat a code."""
    fast = _fast_array(text, version, error, MASK)
    if fast is not None:
        return len(fast), tuple(_stack(fast))
    m = matrix(text, version=version, error=error)
    return m.size, tuple(rects(m))


@functools.lru_cache(maxsize=1024)
def cached_ops(text: str, error: str = "Q", version: int | None = None) -> tuple[int, str]:
    """(size, PDF path operators) for a code: its dark areas as ``x y w h re`` in module
    units, top-left origin, y down; the renderer maps them onto the page with one ``cm``."""
    size, found = cached_rects(text, error, version)
    return size, " ".join(f"{x} {y} {w} {h} re" for x, y, w, h in found)
