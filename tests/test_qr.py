"""The fast QR path (fixed version, level and mask) makes exactly segno's symbols, and the
renderer draws them so that they decode."""

from __future__ import annotations

import numpy as np
import pypdfium2 as pdfium
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from segno import consts as sc

from paperkit.layout.model import Document, Page, QRCode, Rect
from paperkit.render import qr
from paperkit.render.pdf import render_pdf

ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def _capacity_chars(version: int, error: str) -> int:
    """The most alphanumeric characters this version and level hold."""
    bits = sum(b.num_blocks * b.num_data for b in sc.ECC[version][sc.ERROR_MAPPING[error]]) * 8
    n = 0
    while 13 + 11 * ((n + 1) // 2) + 6 * ((n + 1) % 2) <= bits:
        n += 1
    return n


@settings(max_examples=400, deadline=None)
@given(text=st.text(alphabet=ALNUM, min_size=1, max_size=90), version=st.integers(1, 6),
       error=st.sampled_from("LMQH"), mask=st.integers(0, 7))
def test_fast_symbols_equal_segnos_module_for_module(text, version, error, mask):
    fast = qr._fast_array(text, version, error, mask)
    if len(text) > _capacity_chars(version, error):
        assert fast is None
        return
    assert fast is not None
    assert qr.matrix(text, version, error, mask) == qr.segno_matrix(text, version, error, mask)


@pytest.mark.parametrize("version", range(1, 7))
@pytest.mark.parametrize("error", "LMQH")
def test_fast_symbols_at_and_around_full_capacity(version, error):
    top = _capacity_chars(version, error)
    for n in range(max(1, top - 9), top + 1):
        text = (ALNUM * 5)[:n]
        assert qr.matrix(text, version, error) == qr.segno_matrix(text, version, error)
    assert qr._fast_array((ALNUM * 5)[:top + 1], version, error, qr.MASK) is None


def test_other_symbols_still_come_from_segno():
    assert qr._fast_array("lower case", 3, "Q", 2) is None
    assert qr._fast_array("ABC", None, "Q", 2) is None
    assert qr._fast_array("ABC", 7, "Q", 2) is None
    assert qr.matrix("lower case", None, "M").size >= 21


def test_rendered_codes_decode_at_the_slip_size():
    zxingcpp = pytest.importorskip("zxingcpp")
    texts = [f"PK1:ABCD:T{n:04d}:{r}:ABCDEFGH" for n, r in ((1, 1), (42, 10), (9999, 123))]
    items = tuple(QRCode(Rect(20 + 110 * i, 20, 92 + 110 * i, 92), t, "Q", 3)
                  for i, t in enumerate(texts))
    pdf = pdfium.PdfDocument(render_pdf(Document("t", "t", (Page((360, 112), items),))))
    try:
        img = np.asarray(pdf[0].render(scale=200 / 72).to_pil().convert("L"))
    finally:
        pdf.close()
    found = sorted(b.text for b in zxingcpp.read_barcodes(img))
    assert found == sorted(texts)
