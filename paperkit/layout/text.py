"""Fitting text into a box: shrink down to a minimum size, then wrap. Never clip, never
run past the box. Measured in the real font metrics (render/fonts)."""

from __future__ import annotations

import re

from ..errors import LayoutError
from ..render import fonts
from .model import BLACK, Color, Rect, Text

LEADING = 1.18
#: Line height in ems per font family, where it differs from LEADING: Naskh Arabic reaches
#: about 0.45 em below its baseline (0.63 em at worst), so its lines need more room for
#: the ink to stay inside the box (the first baseline sits at render/pdf.BASELINE em).
FAMILY_LEADING = {"arabic": 1.5, "arabic-bold": 1.5}
#: Where a line may break: ordinary white space, but not a no-break space (U+00A0, U+202F,
#: U+2007), which French puts before « : ? ! » and inside quotes.
_BREAK = re.compile(r"[^\S\u00a0\u202f\u2007]+")


def leading_em(family: str) -> float:
    """The line height of ``family`` in ems (multiply by the size for points)."""
    return FAMILY_LEADING.get(family, LEADING)


#: Stands for a space inside a phone number while a paragraph is cut into words.
_KEPT = "\ue000"
_PHONE = fonts.PHONE


def _is_number(word: str) -> bool:
    """Whether ``word`` (a piece of a wrapped line) holds a phone number's digits."""
    return sum(ch.isdigit() for ch in word) >= 6 and _PHONE.search(word) is not None


def _keep_together(m: re.Match) -> str:
    number = m.group(0)
    if sum(ch.isdigit() for ch in number) < 6:
        return number
    return number.replace(" ", _KEPT)


def wrap(text: str, family: str, size: float, max_width: float, direction: str = "ltr",
         break_numbers: bool = True) -> list[str] | None:
    """Greedy word wrap; a word longer than the line is broken by characters. A phone
    number's spaces do not break it (a line ending '+44 20 7946' looks like a whole
    number); a number longer than the line is broken as a word is, or, with
    ``break_numbers`` False, the text does not wrap at this size (None)."""
    lines: list[str] = []
    for para in text.split("\n"):
        current = ""
        words = _BREAK.split(_PHONE.sub(_keep_together, para))
        for word in (w.replace(_KEPT, " ") for w in words if w):
            trial = f"{current} {word}" if current else word
            if fonts.width(trial, family, size, direction) <= max_width:
                current = trial
                continue
            if current:
                lines.append(current)
            if (not break_numbers and _is_number(word)
                    and fonts.width(word, family, size, direction) > max_width):
                return None
            while fonts.width(word, family, size, direction) > max_width and len(word) > 1:
                cut = len(word) - 1
                while cut > 1 and fonts.width(word[:cut], family, size, direction) > max_width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            current = word
        lines.append(current)
    return lines


def fit(text: str, rect: Rect, family: str = "sans", size: float = 10.0,
        min_size: float = 6.0, align: str = "start", color: Color = BLACK,
        direction: str | None = None, max_lines: int | None = None,
        shrink_floor: float | None = None) -> Text:
    """Fit ``text`` into ``rect``. First keep each paragraph on one line, shrinking in
    0.25 pt steps from ``size`` down to ``shrink_floor`` (default ``min_size``); then wrap,
    from ``size`` down to ``min_size``. Raises LayoutError when even ``min_size`` cannot
    hold it, so nothing is ever clipped or run past its box. ``align`` 'start' is left for
    left-to-right text and right for right-to-left text; 'left', 'center' and 'right' are
    taken as they are (an Arabic name in a left-aligned table column stays left)."""
    if direction is None:
        direction = "rtl" if fonts.is_rtl(text) else "ltr"
    if direction == "rtl" and family in ("sans", "sans-bold"):
        family = "arabic-bold" if family.endswith("bold") else "arabic"
    if align == "start":
        align = "right" if direction == "rtl" else "left"
    floor = min_size if shrink_floor is None else max(shrink_floor, min_size)
    paragraphs = text.split("\n")

    em = leading_em(family)

    def fits(lines: list[str], s: float) -> bool:
        return len(lines) * s * em <= rect.height + 1e-6 and len(lines) <= (
            max_lines or len(lines)) and all(
            fonts.width(ln, family, s, direction) <= rect.width + 1e-6 for ln in lines)

    def text_at(lines: list[str], s: float) -> Text:
        return Text(rect, tuple(lines), family, s, s * em, align, direction, color)

    s = size
    while s >= floor - 1e-9:
        if fits(paragraphs, s):
            return text_at(paragraphs, s)
        s -= 0.25
    for break_numbers in (False, True):  # a smaller size before a number broken in two
        s = size
        while s >= min_size - 1e-9:
            lines = wrap(text, family, s, rect.width, direction, break_numbers)
            if lines is not None and fits(lines, s):
                return text_at(lines, s)
            s -= 0.25
    raise LayoutError(
        f"text does not fit a {rect.width:.0f}x{rect.height:.0f} pt box even at {min_size} pt:"
        f" {text[:40]!r}",
        "shorten the text in the record or kit.toml",
    )


def shorten(text: str, rect: Rect, family: str = "sans", size: float = 9.0,
            min_size: float = 5.0, align: str = "start", color: Color = BLACK,
            max_lines: int | None = None, shrink_floor: float | None = None) -> Text:
    """Like :func:`fit`, but when even ``min_size`` cannot hold the text, keep the longest
    prefix that fits at ``min_size`` and end it with an ellipsis. For labels where the
    record keeps the full text (a task's title on its slip), never for instructions."""
    try:
        return fit(text, rect, family, size, min_size, align, color,
                   max_lines=max_lines, shrink_floor=shrink_floor)
    except LayoutError:
        pass
    low, high = 0, len(text)  # the longest prefix that fits lies in [low, high)
    best = None
    while low < high:
        mid = (low + high + 1) // 2
        try:
            best_try = fit(text[:mid].rstrip() + "…", rect, family, min_size, min_size, align,
                           color, max_lines=max_lines)
        except LayoutError:
            high = mid - 1
            continue
        best, low = best_try, mid
        if low == high:
            break
    if best is None:
        best = fit("…", rect, family, min_size, min_size, align, color, max_lines=max_lines)
    return best


def line(text: str, rect: Rect, family: str = "sans", size: float = 9.0,
         min_size: float = 5.0, align: str = "start", color: Color = BLACK) -> Text:
    """One line only: shrink to fit; if still too long at ``min_size``, cut with an ellipsis."""
    return shorten(text, rect, family, size, min_size, align, color, max_lines=1)
