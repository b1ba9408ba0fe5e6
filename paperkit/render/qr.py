"""QR matrices (segno) and their vector shapes.

A slip code is always QR version 3 at level Q in alphanumeric mode (layout/slip.py), so the
module size is the same on every slip. segno spends most of its time choosing the mask; we
fix it (``MASK``, chosen by measurement in bench/qr_bench.py: with a fixed mask segno makes
500 slip codes in about 0.25 s instead of 1.35 s, and the standard allows any mask). The
dark modules are merged into horizontal runs, and equal runs on consecutive rows into one
rectangle, to cut the drawing cost.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import segno

#: The fixed mask. bench/qr_bench.py (bench/RESULTS.md, "QR"): no mask is much better, but
#: mask 0 read best or second best in every run, about 1 point above mask 2 on tilted and
#: blurred photos, and as well as segno's penalty choice.
MASK = 0


@dataclass(frozen=True)
class Matrix:
    """A QR symbol without its quiet zone: ``rows[y][x]`` is True for a dark module."""

    size: int
    rows: tuple[tuple[bool, ...], ...]


def _array(text: str, version: int | None, error: str, mask: int | None) -> np.ndarray:
    """The symbol as segno makes it, as a uint8 array (1 = dark). ``mask`` None lets segno
    choose the mask by its penalty score (slow)."""
    qr = segno.make_qr(text, version=version, error=error.lower(), boost_error=False,
                       mask=mask, mode="alphanumeric" if _alnum(text) else None)
    return np.array(qr.matrix, dtype=np.uint8)


def matrix(text: str, version: int | None = None, error: str = "Q", mask: int | None = MASK
           ) -> Matrix:
    """The symbol for ``text`` (any text, any version; the smallest version if None)."""
    arr = _array(text, version, error, mask)
    return Matrix(size=len(arr), rows=tuple(tuple(map(bool, row)) for row in arr.tolist()))


_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def _alnum(text: str) -> bool:
    return all(ch in _ALNUM for ch in text)


def rects(m: Matrix) -> list[tuple[int, int, int, int]]:
    """Dark areas as (x, y, width, height) in modules: horizontal runs, stacked where the
    same run repeats on the following rows."""
    return _stack(np.asarray(m.rows, dtype=np.int8))


def _stack(dark: np.ndarray) -> list[tuple[int, int, int, int]]:
    """``rects`` of a 0/1 array: the runs are found with numpy, and a run stacked onto the
    one above it when that has the same start and width (all in numpy: sorted by start,
    width and row, a rectangle begins wherever that key changes or a row is skipped)."""
    rows, cols = dark.shape
    padded = np.zeros((rows, cols + 2), dtype=np.int8)
    padded[:, 1:-1] = dark
    edges = np.diff(padded, axis=1)
    y, x0 = np.nonzero(edges == 1)
    _, x1 = np.nonzero(edges == -1)  # row-major, so the i-th end closes the i-th start
    if not len(y):
        return []
    w = x1 - x0
    order = np.lexsort((y, w, x0))
    y, x0, w = y[order], x0[order], w[order]
    begins = np.ones(len(y), dtype=bool)
    begins[1:] = (x0[1:] != x0[:-1]) | (w[1:] != w[:-1]) | (y[1:] != y[:-1] + 1)
    first = np.flatnonzero(begins)
    heights = np.diff(np.append(first, len(y)))
    return list(zip(x0[first].tolist(), y[first].tolist(), w[first].tolist(),
                    heights.tolist(), strict=True))


@functools.lru_cache(maxsize=64)
def cached_rects(text: str, error: str = "Q", version: int | None = None
                 ) -> tuple[int, tuple[tuple[int, int, int, int], ...]]:
    """(size, rects) for a code text; cached for products that repeat a code."""
    arr = _array(text, version, error, MASK)
    return len(arr), tuple(_stack(arr))


@functools.lru_cache(maxsize=1024)
def cached_ops(text: str, error: str = "Q", version: int | None = None) -> tuple[int, str]:
    """(size, PDF path operators) for a code: its dark areas as ``x y w h re`` in module
    units, top-left origin, y down; the renderer maps them onto the page with one ``cm``."""
    size, found = cached_rects(text, error, version)
    return size, " ".join(f"{x} {y} {w} {h} re" for x, y, w, h in found)
