"""The fonts paperkit ships in ``fonts/`` (Noto, SIL OFL 1.1), registered with reportlab,
and text measurement in real font metrics (shaped, for Arabic).

Family keys used by layouts: 'sans', 'sans-bold', 'mono', 'arabic', 'arabic-bold'. Hebrew
letters are set in 'hebrew' / 'hebrew-bold' (Noto Sans Hebrew) wherever they appear, as the
fallback of the others (``FALLBACK``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

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
    "hebrew": ("PK-NotoSansHebrew", "NotoSansHebrew-Regular.ttf"),
    "hebrew-bold": ("PK-NotoSansHebrew-Bold", "NotoSansHebrew-Bold.ttf"),
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


def needs_shaping(text: str, family: str, direction: str = "ltr") -> bool:
    """True when ``text`` must go through bidi reordering and HarfBuzz shaping: an Arabic
    family, a right-to-left line, any right-to-left character in it, or a character the
    family lacks (set in its ``FALLBACK``: Arabic-Indic digits in a Latin line, which are
    no right-to-left letters, printed as nothing in Noto Sans)."""
    return (direction == "rtl" or family.startswith("arabic") or _has_rtl(text)
            or _lacks(text, family))


@functools.lru_cache(maxsize=8192)
def _lacks(text: str, family: str) -> bool:
    cmap = covers(family)
    return not cmap.issuperset(map(ord, text)) and any(
        ord(ch) not in cmap and unicodedata.category(ch) not in _SILENT for ch in text)


@functools.lru_cache(maxsize=8192)
def _has_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) in ("R", "AL", "RLE", "RLO", "RLI") for ch in text)


def width(text: str, family: str, size: float, direction: str = "ltr") -> float:
    """The drawn width of ``text`` in points, shaped where the font needs it."""
    return units(text, family, direction) * size / 1000.0


@functools.lru_cache(maxsize=65536)
def units(text: str, family: str, direction: str = "ltr") -> float:
    """The drawn width of ``text`` in thousandths of the font size. Kept per text: a fit
    tries many sizes of one text, and a kit prints the same words on every card."""
    if needs_shaping(text, family, direction):
        return shaped_line(text, family, direction)[1]
    return pdfmetrics.stringWidth(text, font_name(family), 1000.0)


def visual_runs(text: str, rtl: bool) -> list[tuple[str, bool]]:
    """Split one line (logical order) into runs in visual order, left to right, by the
    Unicode bidi algorithm (python-bidi's reference implementation, rules X1-I2 and L1-L2).
    Each run is (text in logical order, is right-to-left)."""
    from bidi import algorithm as uba

    storage = uba.get_empty_storage()
    base = 1 if rtl else 0
    storage["base_level"] = base
    storage["base_dir"] = ("L", "R")[base]
    uba.get_embedding_levels(text, storage, False, False)
    uba.explicit_embed_and_overrides(storage, False)
    uba.resolve_weak_types(storage, False)
    uba.resolve_neutral_types(storage, False)
    uba.resolve_implicit_levels(storage, False)
    chars = storage["chars"]
    # L1: trailing whitespace goes back to the paragraph level.
    for ch in reversed(chars):
        if ch["orig"] not in ("WS", "B", "S") and not ch["ch"].isspace():
            break
        ch["level"] = base
    runs: list[list] = []  # [text, level]
    for ch in chars:
        if runs and runs[-1][1] == ch["level"]:
            runs[-1][0] += ch["ch"]
        else:
            runs.append([ch["ch"], ch["level"]])
    if not runs:
        return []
    # L2: from the highest level down to the lowest odd level, reverse every maximal
    # sequence of runs at that level or higher.
    levels = [level for _, level in runs]
    lowest_odd = min(level for level in levels if level % 2) if any(
        level % 2 for level in levels) else max(levels) + 1
    for level in range(max(levels), lowest_odd - 1, -1):
        i = 0
        while i < len(runs):
            if runs[i][1] >= level:
                j = i
                while j < len(runs) and runs[j][1] >= level:
                    j += 1
                runs[i:j] = runs[i:j][::-1]
                i = j
            else:
                i += 1
    return [(t, level % 2 == 1) for t, level in runs]


#: Where a character is missing from a family, it is set in the first of these that has it:
#: Noto Naskh Arabic has no Latin letters and no + - ( ), Noto Sans has no Arabic, and only
#: Noto Sans Hebrew has Hebrew. (Only lines that go through shaping - Arabic families,
#: right-to-left text - fall back; plain Latin lines do not, and need not: Hebrew is
#: right-to-left.)
FALLBACK = {"arabic": ("sans", "hebrew"), "arabic-bold": ("sans-bold", "hebrew-bold"),
            "sans": ("arabic", "hebrew"), "sans-bold": ("arabic-bold", "hebrew-bold"),
            "hebrew": ("sans", "arabic"), "hebrew-bold": ("sans-bold", "arabic-bold"),
            "mono": ("sans", "arabic", "hebrew")}


@dataclass(frozen=True)
class Segment:
    """A piece of a shaped line set in one font: ``family``, its glyphs as a reportlab
    ShapedStr in visual order, and ``units``, its width in 1/1000 of the font size."""

    family: str
    glyphs: str
    units: float


@functools.cache
def covers(family: str) -> frozenset[int]:
    """The code points ``family`` has a glyph for."""
    return frozenset(pdfmetrics.getFont(font_name(family)).face.charToGlyph)


#: Characters that print as nothing, whatever the font: white space, controls, and format
#: characters (bidi marks, joiners, the soft hyphen).
_SILENT = ("Zs", "Zl", "Zp", "Cc", "Cf")


def unprintable(text: str) -> str:
    """The characters of ``text`` that no shipped font has a glyph for (they would print as
    an empty box, or not at all), each once, in order of first appearance."""
    known = covers_any()
    if known.issuperset(map(ord, text)):  # the common case, at C speed
        return ""
    seen = dict.fromkeys(ch for ch in text if ord(ch) not in known
                         and unicodedata.category(ch) not in _SILENT)
    return "".join(seen)


@functools.cache
def covers_any() -> frozenset[int]:
    """The code points some shipped family has a glyph for."""
    return frozenset().union(*(covers(f) for f in FAMILIES))


def _font_pieces(run: str, family: str) -> list[tuple[str, str]]:
    """``run`` (logical order) cut where it must change font: (family, text) pieces."""
    order = (family, *FALLBACK.get(family, ()))
    pieces: list[list[str]] = []
    for ch in run:
        if (ch.isspace() or unicodedata.combining(ch)) and pieces:
            fam = pieces[-1][0]
        else:  # the first that has it; the family itself when none has
            fam = next((f for f in order if ord(ch) in covers(f)), family)
        if pieces and pieces[-1][0] == fam:
            pieces[-1][1] += ch
        else:
            pieces.append([fam, ch])
    return [(fam, text) for fam, text in pieces]


#: A phone number: digits with + - . ( ) or spaces between them, six digits at least.
PHONE = re.compile(r"\+?\(?\d[\d\-. ()]*\d\)?")
_LRE, _LRO, _PDF = "\u202a", "\u202d", "\u202c"


def keep_numbers_ltr(text: str) -> str:
    """Wrap each phone number in a left-to-right embedding (LRE ... PDF). By the bidi rules
    alone, "555-0100" after an Arabic word reads "0100-555" (the digits become Arabic
    numbers, and a hyphen between those separates them); a number must read as written."""
    if not _has_rtl(text) and not any(unicodedata.bidirectional(ch) == "AN" for ch in text):
        return text  # (Arabic-Indic digits are Arabic numbers: their groups would swap)

    def wrap(m: re.Match) -> str:
        number = m.group(0)
        if sum(ch.isdigit() for ch in number) < 6 and not number.startswith("+"):
            return number
        if any(unicodedata.bidirectional(ch) == "AN" for ch in number):
            # Arabic-Indic digits are Arabic numbers: the spaces between their groups take
            # a right-to-left direction even in an embedding, and the groups would swap
            return f"{_LRO}{number}{_PDF}"  # so every character is left to right
        return f"{_LRE}{number}{_PDF}"

    return PHONE.sub(wrap, text)


@functools.lru_cache(maxsize=8192)
def shaped_line(text: str, family: str, direction: str = "ltr"
                ) -> tuple[tuple[Segment, ...], float]:
    """``text`` (one line, logical order) reordered by the bidi algorithm and shaped by
    HarfBuzz: its segments left to right, each in one font (``FALLBACK`` for characters
    the family lacks), ready for a text object, and the width of the whole line in
    thousandths of the font size (multiply by size / 1000 for points)."""
    segments: list[Segment] = []
    for run, rtl in visual_runs(keep_numbers_ltr(text), direction == "rtl"):
        pieces = _font_pieces(run, family)
        for fam, piece in reversed(pieces) if rtl else pieces:
            glyphs, units = _shape_run(piece, fam, rtl)
            if segments and segments[-1].family == fam:
                last = segments.pop()
                glyphs, units = last.glyphs + glyphs, last.units + units
            segments.append(Segment(fam, glyphs, units))
    return tuple(segments), sum(seg.units for seg in segments)


PRIVATE_BASE = 0xE000


def _private_char(ttf, gid: int, advance: int) -> int:
    """A private-use code point for glyph ``gid``, registered with the reportlab font so its
    subsetting can embed the glyph. It is ``PRIVATE_BASE + gid``, the same in every process
    whatever was shaped before, so PDF bytes stay reproducible (reportlab's own
    ``hbAddPrivate`` numbers glyphs in the order it first meets them)."""
    face = ttf.face
    uchar = PRIVATE_BASE + gid
    owner = face.charToGlyph.get(uchar)
    if owner is None and uchar < 0xF900:
        face.charToGlyph[uchar] = gid
        face.glyphToChar.setdefault(gid, []).append(uchar)
        face.charWidths[uchar] = ttf.pdfScale(advance)
        return uchar
    if owner == gid:
        return uchar
    return ttf.hbAddPrivate(f"gid{gid}", gid, advance)  # the font uses that code point itself


def _shape_run(text: str, family: str, rtl: bool):
    """One directional run shaped by HarfBuzz: (ShapedStr with glyphs left to right, width
    in 1/1000 em). Glyphs without a character of their own (contextual Arabic forms) get a
    private-use code point (see ``_private_char``)."""
    import uharfbuzz as hb
    from reportlab.pdfbase.ttfonts import ShapeData, ShapedStr

    ttf = pdfmetrics.getFont(font_name(family))
    hbf = ttf.hbFont(10)
    buf = hb.Buffer()
    buf.cluster_level = hb.BufferClusterLevel.MONOTONE_CHARACTERS
    buf.add_str(text)
    buf.guess_segment_properties()
    buf.direction = "rtl" if rtl else "ltr"
    hb.shape(hbf, buf, {"kern": True, "liga": True})
    chars, data, total = [], [], 0.0
    glyph_to_char, char_widths = ttf.face.glyphToChar, ttf.face.charWidths
    for info, pos in zip(buf.glyph_infos, buf.glyph_positions, strict=True):
        gid = info.codepoint
        try:
            uchar = glyph_to_char[gid][0]
        except KeyError:
            uchar = _private_char(ttf, gid, pos.x_advance)
        advance = ttf.pdfScale(pos.x_advance)
        data.append(ShapeData(info.cluster, advance, ttf.pdfScale(pos.y_advance),
                              ttf.pdfScale(pos.x_offset), ttf.pdfScale(pos.y_offset),
                              char_widths[uchar]))
        chars.append(chr(uchar))
        total += advance
    return ShapedStr("".join(chars), shapeData=data), total


def ascent(family: str, size: float) -> float:
    """Height above the baseline in points."""
    face = pdfmetrics.getFont(font_name(family)).face
    return face.ascent * size / 1000.0


def descent(family: str, size: float) -> float:
    """Depth below the baseline in points (positive)."""
    face = pdfmetrics.getFont(font_name(family)).face
    return -face.descent * size / 1000.0
