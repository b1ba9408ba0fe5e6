"""The charter: one page with the group's name and the charter text from kit.toml, fitted
(shrunk, then wrapped; never clipped), and signature lines under it. Each paragraph is set
in its own direction: an Arabic or Hebrew paragraph reads right to left, right-aligned, in
a charter that starts in English, and an English one left to right in an Arabic charter.

An empty charter prints ruled lines to write one by hand. A charter too long for one page
even at the smallest size is a LayoutError that says to shorten it.
"""

from __future__ import annotations

from ..errors import LayoutError
from ..layout.model import GREY, Document, Item, Line, Rect, Text
from ..layout.text import leading_em, wrap
from ..render import fonts
from . import ProductContext
from .common import ARABIC_SCALE, Sheets, fitted, text_direction

SIGNATURE_ROWS = 5  # rows of two signature slots each
SLOT_H = 40.0
OPEN_LEADING = 1.45  # baseline to baseline, in ems
MAX_SIZE, MIN_SIZE = 15.0, 7.5  # the charter text's largest and smallest size, points


def _body(charter: str, rect: Rect) -> list[Text]:
    """The charter's paragraphs stacked down ``rect`` at one common size, a blank line
    between them: the largest from MAX_SIZE down to MIN_SIZE at which every paragraph
    fits on one line, else the largest at which they all fit wrapped (as layout/text.fit
    does for one text). Each paragraph is set in its own direction (common.text_direction:
    an Arabic or Hebrew paragraph right to left and right-aligned, in the Arabic face,
    whatever the charter's first letter, and ARABIC_SCALE larger, as on the cards), at a
    leading of at least OPEN_LEADING."""
    paragraphs = [" ".join(p.split()) for p in charter.replace("\r", "").split("\n\n")]
    faces = [(p, "arabic", "rtl") if text_direction(p) == "rtl" else (p, "sans", "ltr")
             for p in paragraphs if p]

    def layout(size: float, wrapped: bool) -> list[Text] | None:
        out: list[Text] = []
        y = rect.y0
        for text, family, direction in faces:
            own = size * ARABIC_SCALE if family == "arabic" else size
            lines = wrap(text, family, own, rect.width, direction) if wrapped else [text]
            if any(fonts.width(ln, family, own, direction) > rect.width + 1e-6
                   for ln in lines):
                return None
            leading = own * max(leading_em(family), OPEN_LEADING)
            out.append(Text(Rect(rect.x0, y, rect.x1, y + len(lines) * leading), tuple(lines),
                            family, own, leading, "right" if direction == "rtl" else "left",
                            direction))
            y += (len(lines) + 1) * leading  # and a blank line
            if out[-1].rect.y1 > rect.y1 + 1e-6:
                return None
        return out

    for wrapped in (False, True):
        size = MAX_SIZE
        while size >= MIN_SIZE - 1e-9:
            if (texts := layout(size, wrapped)) is not None:
                return texts
            size -= 0.25
    raise LayoutError(
        f"the charter does not fit its page even at {MIN_SIZE} pt (a box of "
        f"{rect.width:.0f} x {rect.height:.0f} pt): {charter.strip()[:40]!r}",
        "shorten 'charter' in kit.toml, or print it on a larger page (--stock; 'paperkit "
        "print stocks' lists them)")


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
        items += _body(settings.charter, text_rect)
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
