"""Read a slip code from its sampled module darkness, using how sure each module is and what
the code must say, where a decoder's hard read fails.

A decoder thresholds every module and hands the bits to Reed-Solomon, which corrects up to
9 wrong codewords in each of a version 3-Q symbol's two blocks (18 check codewords each). A
small, blurred code read on a fitted grid (resample.py) or by the blur model (deblur.py)
often has a few more wrong codewords than that, but its darkness also says which modules are
unsure: those near halfway. Two things are used here that a general decoder cannot:

1. **erasures**: Reed-Solomon corrects twice as many codewords whose place is known (2 × wrong
   + erased ≤ 18 a block). The least sure codewords of each block are declared erased, a few
   more at each try (``reedsolo``, the QR code's field and generator);
2. **what the code must say**: every slip code of a kit is ``PK1:<KIT>:T<digits>:<rev>:<tag>``
   (codes.py), in alphanumeric mode with the fixed mask (render/qr.py), so for each likely
   length the mode, the character count, the kit's prefix, the separators and the padding
   after the text are known bits (:func:`codes.shapes`). They are set to what they must be
   before decoding.

Nothing read here is trusted unless the bit stream parses exactly (mode, count, characters,
terminator, padding) and the caller's ``accept`` (the kit's tag check, 40 bits) takes the
text: a miscorrection must pass both. Only symbols printed by paperkit (version 3, level Q,
mask 0) are read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np

from ..errors import DependencyMissing
from .resample import FIXED, N

#: Level Q, version 3: two blocks, each 17 data and 18 check codewords.
BLOCKS = 2
DATA = 17
CHECK = 18
#: Erasures tried per block (a wrong codeword not erased costs two): the last leaves two
#: check codewords spare.
ERASURES = (0, 4, 8, 10, 12, 14, 16)
#: Of the shapes expected, this many that the symbol's bits agree with best are tried.
SHAPES = 4
_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_PAD = (0xEC, 0x11)


def _function_mask() -> np.ndarray:
    """Modules that carry no data in a version 3 symbol: the fixed patterns and the format
    information (both copies)."""
    f = FIXED.copy()
    f[8, :9] = f[:9, 8] = True
    f[8, N - 8:] = True
    f[N - 8:, 8] = True
    return f


@cache
def _order() -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) of the data modules in placement order (ISO 18004 §7.7.3: pairs of
    columns from the right, up then down, skipping the vertical timing pattern); codeword k's
    bit b (most significant first) is at index 8k + b. 567 modules: 70 codewords and 7
    remainder bits."""
    func = _function_mask()
    rows, cols = [], []
    col, upward = N - 1, True
    while col > 0:
        if col == 6:
            col -= 1
        for r in (range(N - 1, -1, -1) if upward else range(N)):
            for c in (col, col - 1):
                if not func[r, c]:
                    rows.append(r)
                    cols.append(c)
        upward = not upward
        col -= 2
    return np.array(rows), np.array(cols)


@cache
def _rs():
    """(the reedsolo module, a codec for one block: the QR code's field and generator),
    made on first use."""
    try:
        import reedsolo
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise DependencyMissing(f"the reedsolo package is missing ({exc})",
                                "reinstall paperkit: pip install -e .") from None
    return reedsolo, reedsolo.RSCodec(CHECK, nsize=DATA + CHECK, fcr=0, prim=0x11D,
                                      generator=2, c_exp=8)


def soft_bits(dark: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 560 data bits in placement order (unmasked: mask 0 flips modules where row + col
    is even) and how sure each is (0 at halfway .. 0.5 at or past a level)."""
    rows, cols = _order()
    d = np.clip(dark[rows, cols][:560].astype(np.float64), 0.0, 1.0)
    flip = ((rows[:560] + cols[:560]) % 2) == 0
    bits = (d > 0.5) ^ flip
    return bits, np.abs(d - 0.5)


def _blocks(x: np.ndarray) -> np.ndarray:
    """Per-codeword rows in placement order (70, ...) → each block's 35 rows (its 17 data,
    then its 18 check), shape (2, 35, ...): the data and the check codewords are each
    interleaved block by block."""
    return np.stack([np.concatenate([x[b:BLOCKS * DATA:BLOCKS], x[BLOCKS * DATA + b::BLOCKS]])
                     for b in range(BLOCKS)])


def _stream_bits(text: str, segno: bool = True) -> list[int | None]:
    """The data bit stream (DATA × BLOCKS × 8 bits) of a text in alphanumeric mode, with None
    for the bits of characters written ``?`` (unknown). ``segno``: as segno writes it (what
    paperkit prints), which adds a whole byte of zero bits when the terminator ends on a
    byte boundary; else as ISO 18004 §7.4.10 says (no zero bits there)."""
    out: list[int | None] = []

    def put(value: int | None, n: int) -> None:
        out.extend([None] * n if value is None else [(value >> (n - 1 - i)) & 1 for i in range(n)])

    put(0b0010, 4)
    put(len(text), 9)
    for i in range(0, len(text), 2):
        pair = text[i:i + 2]
        known = "?" not in pair
        if len(pair) == 2:
            put(_ALNUM.index(pair[0]) * 45 + _ALNUM.index(pair[1]) if known else None, 11)
        else:
            put(_ALNUM.index(pair) if known else None, 6)
    total = BLOCKS * DATA * 8
    put(0, min(4, total - len(out)))
    put(0, 8 - len(out) % 8 if segno else -len(out) % 8)
    k = 0
    while len(out) < total:
        put(_PAD[k % 2], 8)
        k += 1
    return out[:total]  # a text that fills the symbol has no room for the zero byte


def parse(data: bytes) -> str | None:
    """The text of a data bit stream that is exactly one alphanumeric segment, its terminator
    and padding; None for anything else."""
    bits = np.unpackbits(np.frombuffer(bytes(data), np.uint8)).tolist()
    if len(bits) < 13 or bits[:4] != [0, 0, 1, 0]:
        return None
    n = int("".join(map(str, bits[4:13])), 2)
    need = 13 + 11 * (n // 2) + 6 * (n % 2)
    if need > len(bits):
        return None
    chars, p = [], 13
    for _ in range(n // 2):
        v = int("".join(map(str, bits[p:p + 11])), 2)
        p += 11
        if v >= 45 * 45:
            return None
        chars += [_ALNUM[v // 45], _ALNUM[v % 45]]
    if n % 2:
        v = int("".join(map(str, bits[p:p + 6])), 2)
        p += 6
        if v >= 45:
            return None
        chars.append(_ALNUM[v])
    text = "".join(chars)
    return text if bits in (_stream_bits(text), _stream_bits(text, segno=False)) else None


@dataclass(frozen=True)
class Expected:
    """What the caller knows of the codes in a photo: the shapes of its codes (text with
    ``?`` for unknown characters, codes.shapes) and the check a text must pass (the tag)."""

    shapes: tuple[str, ...]
    accept: Callable[[str], bool]


def _corrections(block: np.ndarray, conf: np.ndarray) -> list[bytes]:
    """One block (35 codewords) decoded with more and more of its least sure codewords
    erased: the data codewords of each distinct correction."""
    reedsolo, codec = _rs()
    order = [int(i) for i in np.argsort(conf, kind="stable") if conf[i] < 0.5]
    seen: list[bytes] = []
    for e in ERASURES:
        if e > len(order):
            break
        try:
            data = bytes(codec.decode(bytearray(block.tobytes()), erase_pos=order[:e])[0])
        except reedsolo.ReedSolomonError:
            continue
        if data not in seen:
            seen.append(data)
    return seen


@cache
def _known(shape: str) -> np.ndarray:
    """The shape's data bits by block, (2, 17, 8): 0 or 1 where known, -1 where not."""
    return np.array([-1 if v is None else v for v in _stream_bits(shape)]).reshape(
        BLOCKS, DATA, 8)


def _likeliest(bits: np.ndarray, sure: np.ndarray, shapes: tuple[str, ...]) -> list[str]:
    """The shapes, the one whose known bits the symbol's data bits agree with best first
    (each bit weighed by how sure it is)."""
    def agreement(shape: str) -> float:
        known = _known(shape)
        at = known >= 0
        sign = np.where(bits[:, :DATA][at] == known[at].astype(bool), 1.0, -1.0)
        return float((sign * sure[:, :DATA][at]).sum())

    return sorted(shapes, key=agreement, reverse=True)


def decode(dark: np.ndarray, expected: Expected) -> str | None:
    """The slip code in a sampled version 3 symbol (``dark``: N × N darkness, 0 light .. 1
    dark, as resample.py and deblur.py give it), or None: for each shape of code expected,
    its known bits are set, the blocks decoded with erasures, and a text taken only when it
    parses exactly and ``expected.accept`` takes it."""
    bits, sure = soft_bits(dark)
    bits = _blocks(bits.reshape(-1, 8))  # (2, 35, 8)
    sure = _blocks(sure.reshape(-1, 8))
    for shape in _likeliest(bits, sure, expected.shapes)[:SHAPES]:
        known = _known(shape)
        b, s = bits.copy(), sure.copy()
        at = known >= 0
        b[:, :DATA][at] = known[at].astype(bool)
        s[:, :DATA][at] = 0.5
        fixes: list[list[bytes]] = []
        for k in range(BLOCKS):  # a block with no correction leaves nothing to combine
            fixes.append(_corrections(np.packbits(b[k].astype(np.uint8), axis=1).ravel(),
                                      s[k].min(axis=1)))
            if not fixes[-1]:
                break
        if len(fixes) < BLOCKS:
            continue
        for d0 in fixes[0]:
            for d1 in fixes[1]:
                text = parse(d0 + d1)
                if text is not None and len(text) == len(shape) and expected.accept(text):
                    return text
    return None
