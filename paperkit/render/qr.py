"""QR matrices (segno) and their vector shapes.

A slip code is always QR version 3 at level Q in alphanumeric mode (layout/slip.py), so the
module size is the same on every slip. segno spends most of its time choosing the mask; we
fix it (``MASK``, chosen by measurement in bench/qr_bench.py), which is allowed by the
standard and costs nothing in decoding. The dark modules are merged into horizontal runs,
and equal runs on consecutive rows into one rectangle, to cut the drawing cost.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import segno

MASK = 2


@dataclass(frozen=True)
class Matrix:
    """A QR symbol without its quiet zone: ``rows[y][x]`` is True for a dark module."""

    size: int
    rows: tuple[tuple[bool, ...], ...]


def matrix(text: str, version: int | None = None, error: str = "Q", mask: int | None = MASK
           ) -> Matrix:
    qr = segno.make_qr(text, version=version, error=error.lower(), boost_error=False,
                       mask=mask, mode="alphanumeric" if _alnum(text) else None)
    rows = tuple(tuple(bool(v) for v in row) for row in qr.matrix)
    return Matrix(size=len(rows), rows=rows)


_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def _alnum(text: str) -> bool:
    return all(ch in _ALNUM for ch in text)


def rects(m: Matrix) -> list[tuple[int, int, int, int]]:
    """Dark areas as (x, y, width, height) in modules: horizontal runs, stacked where the
    same run repeats on the following rows."""
    open_runs: dict[tuple[int, int], list[int]] = {}  # (x, w) -> [y, h]
    out: list[tuple[int, int, int, int]] = []
    for y, row in enumerate(m.rows):
        runs = _row_runs(row)
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


def _row_runs(row: tuple[bool, ...]) -> set[tuple[int, int]]:
    runs, x, n = set(), 0, len(row)
    while x < n:
        if row[x]:
            start = x
            while x < n and row[x]:
                x += 1
            runs.add((start, x - start))
        else:
            x += 1
    return runs


@functools.lru_cache(maxsize=64)
def cached_rects(text: str, error: str = "Q", version: int | None = None
                 ) -> tuple[int, tuple[tuple[int, int, int, int], ...]]:
    """(size, rects) for a code text; cached for products that repeat a code."""
    m = matrix(text, version=version, error=error)
    return m.size, tuple(rects(m))
