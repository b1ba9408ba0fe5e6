"""Reading a damaged slip code from how sure each module is and what the code must say
(paperkit/scan/soft.py), and never reading a wrong one."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from paperkit import codes
from paperkit.render.qr import matrix
from paperkit.scan import soft
from paperkit.scan.decode import find_codes
from paperkit.scan.resample import FIXED, _decode_matrix, _matrix

KEY = bytes(range(32))
KIT = "K3FQ"
SHAPES = codes.shapes(KIT, [f"T{i:04d}" for i in range(1, 41)], 12)


def _code(task: str, rev: int = 1, key: bytes = KEY, kit: str = KIT) -> str:
    return codes.build(key, kit, task, rev).text


def _accept(text: str) -> bool:
    try:
        codes.verify(text, KEY, KIT)
    except Exception:  # noqa: BLE001 - OtherKit, BadCode
        return False
    return True


EXPECTED = soft.Expected(SHAPES, _accept)


def _dark(text: str) -> np.ndarray:
    return np.asarray(matrix(text, version=3, error="Q").rows, float)


def _noisy(text: str, sigma: float, seed: int) -> np.ndarray:
    return _dark(text) + np.random.default_rng(seed).normal(0.0, sigma, (29, 29))


@pytest.mark.parametrize("task,rev", [("T0001", 1), ("T0042", 12), ("T12345", 7)])
def test_the_data_modules_are_read_in_the_printed_order(task, rev):
    text = _code(task, rev)
    bits, sure = soft.soft_bits(_dark(text))
    assert sure.min() == 0.5
    blocks = soft._blocks(np.packbits(bits.astype(np.uint8)))
    rs, codec = soft._rs()
    for block in blocks:  # each block is a Reed-Solomon codeword as printed
        assert codec.check(bytearray(block.tobytes())) == [True]
    data = np.concatenate([b[:soft.DATA] for b in blocks]).tobytes()
    assert soft.parse(data) == text


def test_the_shapes_fit_every_code_of_the_kit_and_know_its_fixed_parts():
    assert SHAPES == ("PK1:K3FQ:T????:?:????????", "PK1:K3FQ:T????:??:????????")
    for rev in (1, 9, 12):
        text = _code("T0040", rev)
        assert any(len(s) == len(text)
                   and all(c in ("?", t) for c, t in zip(s, text, strict=True))
                   for s in SHAPES)
    assert codes.shapes(KIT) == tuple(f"PK1:K3FQ:T{'?' * t}:{'?' * r}:????????"
                                      for t in (4, 5) for r in (1, 2, 3))


def test_a_clean_symbol_is_read_and_a_parse_refuses_anything_else():
    text = _code("T0007", 3)
    assert soft.decode(_dark(text), EXPECTED) == text
    assert soft.parse(bytes(34)) is None
    assert soft.parse(bytes([0x20]) + bytes(33)) is None  # count 0 with no padding


def test_unsure_modules_are_read_where_the_hard_read_fails():
    """Module darkness with noise (sigma 0.3 of the dark-light gap): thresholded, the
    symbol seldom decodes; with erasures and the code's known parts it mostly does."""
    text = _code("T0013", 4)
    hard = sum(_decode_matrix(_matrix(_noisy(text, 0.3, seed), 0.0)) == text
               for seed in range(30))
    read = [soft.decode(_noisy(text, 0.3, seed), EXPECTED) for seed in range(30)]
    assert set(read) <= {text, None}
    assert hard <= 8
    assert read.count(text) >= 24


def test_a_forged_or_foreign_symbol_is_never_read_however_damaged():
    forged = _code("T0013", 4, key=bytes(32))
    foreign = _code("T0013", 4, kit="ZZZZ")
    for text in (forged, foreign):
        for sigma in (0.0, 0.2, 0.35):
            for seed in range(5):
                assert soft.decode(_noisy(text, sigma, seed), EXPECTED) is None


def test_noise_and_other_codes_damaged_beyond_repair_read_nothing_wrong():
    rng = np.random.default_rng(5)
    for _ in range(40):
        assert soft.decode(rng.uniform(-0.2, 1.2, (29, 29)), EXPECTED) is None
    text = _code("T0021", 2)
    for seed in range(20):
        assert soft.decode(_noisy(text, 0.45, seed), EXPECTED) in (text, None)


def _draw(dark: np.ndarray, px: int = 6) -> np.ndarray:
    img = np.kron(((1.0 - np.clip(dark, 0, 1)) * 255).astype(np.uint8), np.ones((px, px),
                                                                              np.uint8))
    return np.pad(img, 4 * px, constant_values=255)


def test_find_codes_reads_a_damaged_code_only_when_told_what_to_expect():
    clean, damaged = _code("T0001"), _code("T0002")
    m = _dark(damaged)
    free = np.argwhere(~FIXED)
    pick = free[np.random.default_rng(0).choice(len(free), 60, replace=False)]
    # 60 data modules a little to the wrong side of halfway: too many wrong codewords for a
    # decoder's Reed-Solomon, but each one of the least sure
    m[pick[:, 0], pick[:, 1]] = 0.35 + 0.3 * (1.0 - m[pick[:, 0], pick[:, 1]])
    canvas = np.full((400, 700), 235, np.uint8)
    a, b = _draw(_dark(clean)), _draw(m)
    canvas[60:60 + a.shape[0], 60:60 + a.shape[1]] = a
    canvas[80:80 + b.shape[0], 380:380 + b.shape[1]] = b
    gray = cv2.GaussianBlur(canvas, (0, 0), 0.8)
    assert {f.text for f in find_codes(gray).found} == {clean}
    found = find_codes(gray, expected=EXPECTED).found
    assert {f.text: f.step for f in found} == {clean: "first", damaged: "regions:soft"}
    f = next(f for f in found if f.text == damaged)
    assert np.allclose(f.center, (380 + 24 + 87, 80 + 24 + 87), atol=6)
