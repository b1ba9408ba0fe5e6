"""Render a layout Document to PDF bytes with reportlab.

Layouts use top-left coordinates with y down; reportlab uses bottom-left with y up, so every
y is flipped here and nowhere else. ``invariant=1`` makes the bytes reproducible.
"""

from __future__ import annotations

import io
from pathlib import Path

from reportlab.lib.rl_accel import fp_str
from reportlab.pdfgen import canvas as rl_canvas

from ..layout.model import Box, Document, Line, QRCode, Text
from . import fonts, qr

#: Where the first baseline sits below a text box's top, in ems (see layout/text.LEADING).
BASELINE = 0.93


def render_pdf(doc: Document, path: str | Path | None = None) -> bytes:
    """Draw every page of ``doc``; write to ``path`` if given; return the PDF bytes."""
    buf = io.BytesIO()
    first = doc.pages[0].size if doc.pages else (612, 792)
    c = rl_canvas.Canvas(buf, pagesize=first, invariant=1, pageCompression=1)
    c.setTitle(doc.title)
    c.setCreator("paperkit")
    c.setAuthor("")
    c.setSubject("")
    # a page drawn more than once (a sheet of cards in one language, its back) is drawn
    # once as a form and placed on each: a 500-person print has 16 different pages of 126
    form_of = _forms(doc.pages)
    for i, page in enumerate(doc.pages):
        c.setPageSize(page.size)
        form = form_of.get(i)
        if form is None:
            _draw_page(c, page)
        else:
            name, first_of_them = form
            if first_of_them:  # the form is drawn on its first page
                c.beginForm(name)
                _draw_page(c, page)
                c.endForm()
            c.doForm(name)
        c.showPage()
    c.save()
    data = buf.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data


def _forms(pages) -> dict[int, tuple[str, bool]]:
    """Each page drawn alike with another, by its index: the name of their form (named in
    the order of their first pages), and whether it is the first of them. A page holding
    an item that cannot be compared (a list in it) is drawn as it is."""
    alike: dict[tuple, list[int]] = {}
    for i, page in enumerate(pages):
        try:
            alike.setdefault((page.size, page.items), []).append(i)
        except TypeError:
            continue
    out: dict[int, tuple[str, bool]] = {}
    for n, same in enumerate((s for s in alike.values() if len(s) > 1), 1):
        out.update({i: (f"page{n}", i == same[0]) for i in same})
    return out


def _draw_page(c, page) -> None:
    height = page.size[1]
    for item in page.items:
        _DRAW[type(item)](c, item, height)


def _color(c, rgb, fill=True, stroke=True):
    if fill:
        c.setFillColorRGB(*rgb)
    if stroke:
        c.setStrokeColorRGB(*rgb)


def _text(c, t: Text, height: float) -> None:
    """All lines of a Text in one PDF text object (one BT/ET block): much cheaper than a
    ``drawString`` per line, which also measures every string it draws."""
    name = fonts.font_name(t.font)
    _color(c, t.color, stroke=False)
    tobj = c.beginText()
    tobj.setFont(name, t.size)
    for i, line in enumerate(t.lines):
        y = height - (t.rect.y0 + BASELINE * t.size + i * t.leading)
        segments = None
        if fonts.needs_shaping(line, t.font, t.direction):
            # reportlab's own direction='RTL' needs rlbidi and silently draws logical order
            # without it; we reorder (bidi) and shape (HarfBuzz) ourselves.
            segments, units = fonts.shaped_line(line, t.font, t.direction)
            width = units * t.size / 1000.0
        elif t.align != "left":
            width = fonts.width(line, t.font, t.size, t.direction)
        if t.align == "right":
            x = t.rect.x1 - width
        elif t.align == "center":
            x = (t.rect.x0 + t.rect.x1 - width) / 2
        else:
            x = t.rect.x0
        if segments is None:
            tobj.setTextOrigin(x, y)
            tobj.textLine(line)
            continue
        for seg in segments:
            tobj.setFont(fonts.font_name(seg.family), t.size)
            tobj.setTextOrigin(x, y)
            tobj.textLine(seg.glyphs)
            x += seg.units * t.size / 1000.0
        tobj.setFont(name, t.size)
    c.drawText(tobj)


def _box(c, b: Box, height: float) -> None:
    r = b.rect
    fill = b.fill is not None
    if fill:
        c.setFillColorRGB(*b.fill)
    if b.stroke:
        c.setStrokeColorRGB(*b.color)
        c.setLineWidth(b.stroke)
    c.setDash(list(b.dash) or [], 0)
    args = (r.x0, height - r.y1, r.width, r.height)
    if b.radius:
        c.roundRect(*args, b.radius, stroke=1 if b.stroke else 0, fill=1 if fill else 0)
    else:
        c.rect(*args, stroke=1 if b.stroke else 0, fill=1 if fill else 0)
    if b.dash:
        c.setDash([], 0)


def _line(c, ln: Line, height: float) -> None:
    c.setStrokeColorRGB(*ln.color)
    c.setLineWidth(ln.width)
    c.setDash(list(ln.dash) or [], 0)
    c.line(ln.x0, height - ln.y0, ln.x1, height - ln.y1)
    if ln.dash:
        c.setDash([], 0)


def _qr(c, code: QRCode, height: float) -> None:
    """The dark modules as one filled path, written in module units under a ``cm`` that
    maps them onto ``code.rect`` (y flipped): far fewer numbers to format than a
    reportlab path in page points."""
    size, ops = qr.cached_ops(code.text, code.error, code.version)
    unit = code.rect.width / size
    matrix = fp_str(unit, 0, 0, -unit, code.rect.x0, height - code.rect.y0)
    c.addLiteral(f"q 0 g {matrix} cm {ops} f Q")


_DRAW = {Text: _text, Box: _box, Line: _line, QRCode: _qr}
