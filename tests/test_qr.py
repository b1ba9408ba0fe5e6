"""QR symbols come from segno with a fixed mask; the merged runs draw exactly the dark modules,
and the renderer draws them so that they decode."""

from __future__ import annotations

import numpy as np
import pypdfium2 as pdfium
import pytest
import segno
from hypothesis import given, settings
from hypothesis import strategies as st

from paperkit.layout.model import Document, Page, QRCode, Rect
from paperkit.render import qr
from paperkit.render.pdf import render_pdf

ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


@settings(max_examples=100, deadline=None)
@given(text=st.text(alphabet=ALNUM, min_size=1, max_size=40))
def test_merged_rects_cover_exactly_the_dark_modules(text):
    m = qr.matrix(text, None, "Q")
    painted = np.zeros((m.size, m.size), dtype=int)
    for x, y, w, h in qr.rects(m):
        painted[y:y + h, x:x + w] += 1
    assert (painted == np.array(m.rows, dtype=int)).all()  # every dark module once, no light


def test_slip_codes_use_the_fixed_mask_and_version():
    code = segno.make_qr("PK1:ABCD:T0042:3:ABCDEFGH", version=3, error="q", boost_error=False,
                         mask=qr.MASK, mode="alphanumeric")
    m = qr.matrix("PK1:ABCD:T0042:3:ABCDEFGH", 3, "Q")
    assert m.size == 29
    assert m.rows == tuple(tuple(bool(v) for v in row) for row in code.matrix)


def test_other_symbols_pick_their_own_version():
    assert qr.matrix("lower case text is fine too", None, "M").size >= 25


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
