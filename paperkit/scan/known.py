"""Read a slip code no decoder could, by matching its sampled modules against known codes.

A small, blurred code can be located (its three finder patterns found, a grid fitted) and
still carry too many wrong modules for Reed-Solomon. When the caller knows which codes may
be in the photo (the codes this kit printed), the sampled module darkness is compared with
each of their matrices (segno, the fixed mask paperkit prints with: render/qr.py), over the
modules that carry data (not the fixed patterns).

A code read this way must never be a wrong code, so a match is accepted only when it is
close (:data:`MAX_DISTANCE`) and every other known code is far (:data:`MIN_GAP` further):
codes of one kit share their prefix, yet any two differ in about a quarter of their data
modules, and a grid placed wrong agrees with none of them. The distance is the share of
data modules read the other way (darker or lighter than halfway). The thresholds and the
distances they were set from are in bench/RESULTS.md ("### Decoding").
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

import numpy as np

from ..render.qr import matrix
from .resample import FIXED, N

#: A match is accepted only when at most this share of the data modules is read the other
#: way from the code's matrix (measured: a right grid on a code Reed-Solomon could not
#: correct, 0.04-0.10; the nearest other code of the same kit, among 10,000, never under
#: 0.137) ...
MAX_DISTANCE = 0.07
#: ... and every other known code is at least this much further.
MIN_GAP = 0.05


class KnownCodes:
    """The codes that may be in a photo, and their version 3 matrices (built on first use)."""

    def __init__(self, texts: Iterable[str]):
        self.texts = tuple(dict.fromkeys(texts))

    @cached_property
    def _free(self) -> np.ndarray:
        """(codes, data modules) float32: 1 for a dark module. Codes that are not version 3
        at level Q (not a slip code) are left out (as all-0.5 rows, which match nothing)."""
        rows = np.full((len(self.texts), int((~FIXED).sum())), 0.5, np.float32)
        for i, text in enumerate(self.texts):
            try:
                m = np.asarray(matrix(text, version=3, error="Q").rows, bool)
            except Exception:  # noqa: BLE001 - segno refuses text too long for version 3
                continue
            if m.shape == (N, N):
                rows[i] = m[~FIXED]
        return rows

    def distances(self, dark: np.ndarray) -> np.ndarray:
        """For each code, the share of data modules the sampled darkness (N × N; 1 dark,
        0 light) reads the other way: darker than halfway where the code is light, or
        lighter where it is dark."""
        d = (dark[~FIXED] > 0.5).astype(np.float32)
        return np.abs(self._free - d[None, :]).mean(axis=1)

    def match(self, dark: np.ndarray) -> str | None:
        """The known code the sampled modules are, or None unless it is clearly one."""
        if not self.texts:
            return None
        dist = self.distances(dark)
        order = np.argsort(dist)
        best = float(dist[order[0]])
        second = float(dist[order[1]]) if len(order) > 1 else 1.0
        if best <= MAX_DISTANCE and second - best >= MIN_GAP:
            return self.texts[int(order[0])]
        return None
