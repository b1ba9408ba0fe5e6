"""Arabic is shaped and right to left on the rendered page, not only in the layout.

reportlab's own ``direction='RTL'`` needs the optional rlbidi and, without it, silently
draws the letters in logical order, unjoined. These tests look at the rendered PDF page:
where pdfium finds each glyph, and which pixels are inked.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pypdfium2 as pdfium
import pytest

from paperkit.layout.model import Document, Page, Rect, Text
from paperkit.render import fonts
from paperkit.render.pdf import render_pdf

RIGHTS = "حقوقك"  # "your rights"
LEGAL = "القانونية"  # "legal"
PHRASE = f"{RIGHTS} {LEGAL}"
DPI = 300


def _page(*texts: Text, size=(320.0, 200.0)) -> bytes:
    return render_pdf(Document("test", "test", (Page(size, texts),)))


def _chars(pdf: bytes) -> list[tuple[str, float]]:
    """(character, x centre in points) for every inked character on page 1."""
    doc = pdfium.PdfDocument(pdf)
    try:
        tp = doc[0].get_textpage()
        out = []
        for i in range(tp.count_chars()):
            ch = unicodedata.normalize("NFKC", tp.get_text_range(i, 1))
            x0, _, x1, _ = tp.get_charbox(i)
            if ch.strip():
                out.append((ch, (x0 + x1) / 2))
        return out
    finally:
        doc.close()


def _ink(pdf: bytes) -> np.ndarray:
    doc = pdfium.PdfDocument(pdf)
    try:
        img = doc[0].render(scale=DPI / 72).to_pil().convert("L")
        return np.asarray(img) < 128
    finally:
        doc.close()


BOX = Rect(20, 20, 300, 70)


def _arabic(text: str, rect: Rect = BOX, align: str = "right") -> Text:
    return Text(rect, (text,), "arabic", 28, 34, align, "rtl")


def test_arabic_letters_and_words_read_right_to_left_on_the_page():
    chars = _chars(_page(_arabic(PHRASE)))
    right_to_left = "".join(ch for ch, _ in sorted(chars, key=lambda c: -c[1]))
    assert right_to_left == PHRASE.replace(" ", "")
    # the first logical word is entirely to the right of the second
    xs = [x for _, x in sorted(chars, key=lambda c: -c[1])]
    assert min(xs[: len(RIGHTS)]) > max(xs[len(RIGHTS):])


def test_phrase_pixels_are_the_words_in_right_to_left_order():
    """Right-aligned, the phrase's ink ends with the first word's ink (as that word renders
    alone); left-aligned, it starts with the second word's. So the words are reordered,
    and each is shaped as it is alone."""
    def edge_match(phrase: np.ndarray, word: np.ndarray) -> float:
        cols = np.flatnonzero(word.any(axis=0))
        a, b = cols[0], cols[-1] + 1
        return float((phrase[:, a:b] == word[:, a:b]).mean())

    right = _ink(_page(_arabic(PHRASE)))
    left = _ink(_page(_arabic(PHRASE, align="left")))
    first_r = _ink(_page(_arabic(RIGHTS)))
    second_l = _ink(_page(_arabic(LEGAL, align="left")))
    assert edge_match(right, first_r) > 0.995
    assert edge_match(left, second_l) > 0.995
    # and not the other way round
    first_l = _ink(_page(_arabic(RIGHTS, align="left")))
    second_r = _ink(_page(_arabic(LEGAL)))
    assert edge_match(left, first_l) < 0.98
    assert edge_match(right, second_r) < 0.98


def test_arabic_is_joined_not_isolated_letters():
    """Shaped text is narrower than the sum of the isolated letters and maps to contextual
    glyphs; unshaped logical-order drawing (the reportlab fallback) is not."""
    shaped = fonts.width(LEGAL, "arabic", 28, "rtl")
    isolated = sum(fonts.pdfmetrics.stringWidth(ch, fonts.font_name("arabic"), 28)
                   for ch in LEGAL)
    assert shaped != pytest.approx(isolated, abs=0.5)
    (segment,), _ = fonts.shaped_line(LEGAL, "arabic", "rtl")
    assert segment.family == "arabic"
    assert str(segment.glyphs) != LEGAL[::-1]  # not the letters reversed: contextual forms


def test_numbers_inside_arabic_keep_their_digit_order():
    line = "اتصل بالرقم 5550100 الآن"
    chars = _chars(_page(_arabic(line)))
    digits = [(ch, x) for ch, x in chars if ch.isdigit()]
    assert "".join(ch for ch, _ in sorted(digits, key=lambda c: c[1])) == "5550100"
    word_call = [x for ch, x in chars if ch in "اتصل"][:4]
    assert min(word_call) > max(x for _, x in digits)  # the first word is right of the number


@pytest.mark.parametrize("align", ["left", "center", "right"])
def test_shaped_line_stays_inside_its_box(align):
    rect = Rect(40, 20, 240, 70)
    size = 20
    assert fonts.width(PHRASE, "arabic", size, "rtl") < rect.width
    ink = _ink(_page(Text(rect, (PHRASE,), "arabic", size, size * 1.18, align, "rtl")))
    cols = np.flatnonzero(ink.any(axis=0)) * 72 / DPI
    assert cols[0] >= rect.x0 - 1 and cols[-1] <= rect.x1 + 1
    expected_x1 = {"left": rect.x0 + fonts.width(PHRASE, "arabic", size, "rtl"),
                   "right": rect.x1,
                   "center": (rect.x0 + rect.x1 + fonts.width(PHRASE, "arabic", size, "rtl"))
                   / 2}[align]
    assert cols[-1] == pytest.approx(expected_x1, abs=1.5)


def test_latin_text_is_unchanged_by_the_bidi_path():
    chars = _chars(_page(Text(Rect(20, 20, 300, 60), ("Call 555 0100",), "sans", 20, 24)))
    assert "".join(ch for ch, _ in sorted(chars, key=lambda c: c[1])) == "Call5550100"


def test_visual_runs_reorders_mixed_text():
    assert fonts.visual_runs("abc", rtl=False) == [("abc", False)]
    # runs in visual order, left to right; each run's text in logical order
    assert fonts.visual_runs(f"{RIGHTS} 12 {LEGAL}", rtl=True) == [
        (" " + LEGAL, True), ("12", False), (RIGHTS + " ", True)]
    assert fonts.visual_runs(f"call {RIGHTS} {LEGAL} now", rtl=False) == [
        ("call ", False), (RIGHTS + " " + LEGAL, True), (" now", False)]


def test_characters_the_arabic_font_lacks_are_set_in_noto_sans():
    """Noto Naskh Arabic has no Latin letters and no '+' or '-': an Arabic line with a
    phone number or a name in Latin letters falls back to Noto Sans for those, in place."""
    line = "اتصل على +1 555-0100 أو Ana"
    segments, _ = fonts.shaped_line(line, "arabic", "rtl")
    assert {s.family for s in segments} == {"arabic", "sans"}
    chars = _chars(_page(_arabic(line)))
    text_rtl = "".join(ch for ch, _ in sorted(chars, key=lambda c: -c[1]))
    assert "اتصلعلى" in text_rtl  # the first words at the right, in order
    number = [(ch, x) for ch, x in chars if ch in "+15550-"]
    assert "".join(ch for ch, _ in sorted(number, key=lambda c: c[1])) == "+1555-0100"
    assert min(x for ch, x in chars if ch in "ات") > max(x for _, x in number)
    assert "ⁿ" not in text_rtl and "\ufffd" not in text_rtl


HEBREW = "זכויות משפטיות"  # "legal rights"


def test_hebrew_is_set_in_noto_sans_hebrew_and_reads_right_to_left():
    """Regression: no shipped font had Hebrew, so a Hebrew name printed as empty boxes.
    Noto Sans Hebrew is the fallback of every family; a Hebrew line set in the Arabic
    family (as ``fit`` picks for right-to-left text) is all in it, words right to left."""
    assert fonts.unprintable(HEBREW) == ""
    segments, _ = fonts.shaped_line(HEBREW, "arabic", "rtl")
    assert {s.family for s in segments} == {"hebrew"}
    chars = _chars(_page(_arabic(HEBREW)))
    assert "".join(ch for ch, _ in sorted(chars, key=lambda c: -c[1])) == HEBREW.replace(" ", "")
    first = len(HEBREW.split()[0])
    xs = [x for _, x in sorted(chars, key=lambda c: -c[1])]
    assert min(xs[:first]) > max(xs[first:])
    assert _ink(_page(_arabic(HEBREW))).sum() > 1000


def test_a_hebrew_name_in_a_latin_line_keeps_its_place_and_its_order():
    line = "Steward: דוד כהן, crew 2"
    segments, _ = fonts.shaped_line(line, "sans", "ltr")
    assert [s.family for s in segments] == ["sans", "hebrew", "sans"]
    chars = _chars(_page(Text(Rect(20, 20, 300, 60), (line,), "sans", 16, 20)))
    left_to_right = "".join(ch for ch, _ in sorted(chars, key=lambda c: c[1]))
    assert left_to_right == "Steward:ןהכדוד,crew2"  # the name itself right to left
    bold, _ = fonts.shaped_line("דוד", "sans-bold", "ltr")
    assert [s.family for s in bold] == ["hebrew-bold"]


def test_arabic_indic_digits_in_a_latin_line_are_printed():
    """Regression: a phone number in Arabic-Indic (or Persian) digits printed as nothing
    in a Latin line: the digits are no right-to-left letters, so the line never reached
    the font fallback, and Noto Sans has no such digits."""
    number = "٠١٢٣ ٤٥٦ ٧٨٩"
    line = f"Legal {number}"
    segments, _ = fonts.shaped_line(line, "sans", "ltr")
    assert [s.family for s in segments] == ["sans", "arabic"]
    chars = _chars(_page(Text(Rect(20, 20, 300, 60), (line,), "sans", 16, 20)))
    digits = "".join(ch for ch, _ in sorted(chars, key=lambda c: c[1]) if ch.isdigit())
    assert digits == number.replace(" ", "")  # all there, groups and digits in their order
    assert fonts.width(line, "sans", 16) > fonts.width("Legal", "sans", 16) + 40
    # Persian digits: four of them are the font's own forms (no character of their own to
    # read back from the PDF), so count the glyphs drawn in the Arabic face instead
    segments, _ = fonts.shaped_line("Legal ۰۱۲۳ ۴۵۶ ۷۸۹", "sans", "ltr")
    assert [s.family for s in segments] == ["sans", "arabic"]
    assert len(str(segments[1].glyphs).replace(" ", "")) == 10
