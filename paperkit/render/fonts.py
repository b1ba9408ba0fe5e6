"""The fonts paperkit ships in ``fonts/`` (Noto, SIL OFL 1.1), registered with reportlab,
and text measurement in real font metrics (shaped, for Arabic).

Family keys used by layouts: 'sans', 'sans-bold', 'mono', 'arabic', 'arabic-bold'.
"""

from __future__ import annotations

import functools
import unicodedata

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from .. import ROOT

FONT_DIR = ROOT / "fonts"
FAMILIES = {
    "sans": ("PK-NotoSans", "NotoSans-Regular.ttf"),
    "sans-bold": ("PK-NotoSans-Bold", "NotoSans-Bold.ttf"),
    "mono": ("PK-NotoSansMono", "NotoSansMono-Regular.ttf"),
    "arabic": ("PK-NotoNaskhArabic", "NotoNaskhArabic-Regular.ttf"),
    "arabic-bold": ("PK-NotoNaskhArabic-Bold", "NotoNaskhArabic-Bold.ttf"),
}


@functools.cache
def font_name(family: str) -> str:
    """Register the family's TTF once and return its reportlab font name."""
    name, filename = FAMILIES[family]
    pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
    return name


def is_rtl(text: str) -> bool:
    """True when the first strong character is right-to-left (Arabic, Hebrew)."""
    for ch in text:
        bidi = unicodedata.bidirectional(ch)
        if bidi in ("R", "AL"):
            return True
        if bidi == "L":
            return False
    return False


def width(text: str, family: str, size: float, direction: str = "ltr") -> float:
    """The drawn width of ``text`` in points, shaped where the font needs it."""
    name = font_name(family)
    if direction == "rtl" or family.startswith("arabic"):
        from reportlab.pdfgen.textobject import bidiShapedText

        return bidiShapedText(text, "RTL" if direction == "rtl" else "LTR", fontName=name,
                              fontSize=size, shaping=True)[1]
    return pdfmetrics.stringWidth(text, name, size)


def ascent(family: str, size: float) -> float:
    """Height above the baseline in points."""
    face = pdfmetrics.getFont(font_name(family)).face
    return face.ascent * size / 1000.0


def descent(family: str, size: float) -> float:
    """Depth below the baseline in points (positive)."""
    face = pdfmetrics.getFont(font_name(family)).face
    return -face.descent * size / 1000.0
