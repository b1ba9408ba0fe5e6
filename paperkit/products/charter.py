"""The charter: one page with the group's name and the charter text from kit.toml, fitted
(shrunk, then wrapped; never clipped), and signature lines under it.

An empty charter prints ruled lines to write one by hand. A charter too long for one page
even at the smallest size is a LayoutError that says to shorten it.
"""

from __future__ import annotations

import dataclasses

from ..layout.model import GREY, Document, Item, Line, Rect
from ..layout.text import LEADING, fit
from . import ProductContext
from .common import Sheets, fitted

SIGNATURE_ROWS = 5  # rows of two signature slots each
SLOT_H = 40.0
OPEN_LEADING = 1.45  # baseline to baseline, in ems


def build(ctx: ProductContext) -> Document:
    settings = ctx.kit.settings
    today = ctx.today.isoformat()
    sheets = Sheets(ctx.stock("charter"), settings.name, "Charter", today, product="charter")
    x0, width = sheets.x0, sheets.width
    items: list[Item] = []
    name = fitted(settings.name, x0, sheets.y + 8, width, "sans-bold", 30, 14, align="center")
    items.append(name)
    top = name.rect.y1 + 10
    items.append(Line(x0 + width * 0.3, top, x0 + width * 0.7, top, 1.0))
    top += 18
    sig_h = 36 + SIGNATURE_ROWS * SLOT_H
    text_rect = Rect(x0 + 24, top, x0 + width - 24, sheets.body.y1 - sig_h - 16)
    if settings.charter:
        paragraphs = [p.strip() for p in settings.charter.replace("\r", "").split("\n\n")]
        text = "\n\n".join(" ".join(p.split()) for p in paragraphs if p)
        # Fit with room for a more open leading than the default, then open it up.
        squeezed = Rect(text_rect.x0, text_rect.y0, text_rect.x1,
                        text_rect.y0 + text_rect.height * LEADING / OPEN_LEADING)
        t = fit(text, squeezed, "sans", 15, 7.5)
        items.append(dataclasses.replace(t, rect=text_rect,
                                         leading=max(t.leading, t.size * OPEN_LEADING)))
    else:
        items.append(fitted("No charter text yet: write it here, then put it in kit.toml "
                            "(charter = \"\"\"...\"\"\") and reprint.", text_rect.x0,
                            text_rect.y0, text_rect.width, "sans", 9, color=GREY))
        y = text_rect.y0 + 40
        while y < text_rect.y1:
            items.append(Line(text_rect.x0, y, text_rect.x1, y, 0.5, GREY))
            y += 26
    y = sheets.body.y1 - sig_h
    items.append(fitted("Agreed by", x0, y, width, "sans-bold", 12))
    y += 26
    slot_w = (width - 24) / 2
    for row in range(SIGNATURE_ROWS):
        for col in range(2):
            x = x0 + col * (slot_w + 24)
            line_y = y + row * SLOT_H + 22
            items.append(Line(x, line_y, x + slot_w * 0.66, line_y, 0.6))
            items.append(Line(x + slot_w * 0.72, line_y, x + slot_w, line_y, 0.6))
            items.append(fitted("name and signature", x, line_y + 2, slot_w * 0.66, "sans", 7,
                                color=GREY))
            items.append(fitted("date", x + slot_w * 0.72, line_y + 2, slot_w * 0.28, "sans",
                                7, color=GREY))
    sheets.add(*items)
    sheets.advance(sheets.room)
    return Document(product="charter", title=f"{settings.name}: charter",
                    pages=sheets.pages(), kit=ctx.kit.id)
