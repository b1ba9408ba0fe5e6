"""Pieces the sheet products share: a page flow that stacks blocks down plain pages and
adds each page's header (group name, title, printed-on date) and footer (page x of y),
section headings, and table rows whose cells hold fitted text.

Every length is in points, top-left origin, y down (layout/model.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..errors import LayoutError
from ..layout.model import BLACK, GREY, LIGHT, Box, Color, Item, Line, Page, Rect, Text
from ..layout.stock import Stock
from ..layout.text import fit, shorten
from ..render import fonts

#: Naskh Arabic looks smaller than Noto Sans at the same size: text in the Arabic face is
#: set this much larger where it stands alone (a card's text, a charter's paragraph)
ARABIC_SCALE = 1.2
HEADER_H = 50.0  # from the cell's top to the body
FOOTER_H = 20.0  # from the body to the cell's bottom
PAD = 3.5  # inside a table cell, each side
SHADE: Color = (0.93, 0.93, 0.93)
WARN: Color = (0.82, 0.82, 0.82)


def text_direction(text: str) -> str:
    """'rtl' when most of the letters of ``text`` are right to left (Arabic, Hebrew), so that
    an Arabic sentence that starts with a Latin name is still an Arabic sentence; 'ltr'
    when most are left to right; on a tie, by its first strong character."""
    classes = [unicodedata.bidirectional(ch) for ch in text]
    rtl, ltr = sum(c in ("R", "AL") for c in classes), classes.count("L")
    return "rtl" if rtl > ltr or (rtl == ltr and fonts.is_rtl(text)) else "ltr"


def fitted(text: str, x0: float, y0: float, width: float, family: str = "sans",
           size: float = 9.0, min_size: float | None = None, align: str = "start",
           color: Color = BLACK, max_height: float = 10_000.0, cut: bool = False) -> Text:
    """``text`` fitted to ``width`` at ``size`` (shrinking up to 15 % to stay on one line,
    then wrapping), in a rect exactly as tall as its lines. When it cannot fit
    ``max_height`` even at ``min_size`` (default 75 % of ``size``), raises LayoutError, or
    with ``cut`` keeps the longest prefix that fits, ended with "…" (layout/text.shorten:
    for labels whose whole text the record keeps, such as a task's title)."""
    t = (shorten if cut else fit)(text, Rect(x0, y0, x0 + width, y0 + max_height), family,
                                  size, min_size or size * 0.75, align, color,
                                  shrink_floor=size * 0.85)
    return dataclasses.replace(t, rect=Rect(x0, y0, x0 + width,
                                            y0 + len(t.lines) * t.leading + 0.01))


def fitted_in(text: str, rect: Rect, family: str = "sans", size: float = 9.0,
              min_size: float | None = None, align: str = "start", color: Color = BLACK) -> Text:
    """``text`` fitted into a fixed ``rect`` (shrink, then wrap; LayoutError if impossible)."""
    return fit(text, rect, family, size, min_size or min(size, 6.0), align, color)


@dataclass(frozen=True)
class Column:
    """One table column: a header ``label``, its ``width`` in points, the text ``align``,
    and the font family and size (points) of its cells."""

    label: str
    width: float
    align: str = "left"
    font: str = "sans"
    size: float = 9.0
    #: Keep each value on one line, shrinking it down to WHOLE_SHRINK of ``size`` before it
    #: may wrap: a phone number broken over two lines can be misdialled.
    whole: bool = False


WHOLE_SHRINK = 0.6
#: ...and, should it still not fit, as far as this before it wraps, and then only between
#: its groups of digits: an amount broken inside a group (a red team's 1 000 000 0 over
#: 00 000.00, round six) reads as two numbers.
WHOLE_FLOOR = 0.4


def scale_columns(columns: Sequence[Column], width: float) -> list[Column]:
    """The columns with widths scaled so that together they fill ``width`` points."""
    total = sum(c.width for c in columns)
    return [dataclasses.replace(c, width=c.width * width / total) for c in columns]


@dataclass
class _Draft:
    items: list[Item]
    section: str
    slips: tuple = ()


class Sheets:
    """Stacks blocks down the body of plain pages and, at :meth:`pages`, adds each page's
    header and footer. A builder used inside one ``build``; what it returns is frozen.

    ``header_right`` lines go top right (e.g. printed-on and reprint-by dates); ``banner``
    is a dark label top right (e.g. "CREW ONLY"). Sections restart the page numbering, so a
    per-ring contact sheet reads "page 1 of 2" on its own.
    """

    def __init__(self, stock: Stock, group: str, title: str, printed_on: str,
                 header_right: Sequence[str] = (), banner: str = "", product: str = ""):
        self.stock = stock
        self.cell = stock.cell_rect(0)
        self.body = Rect(self.cell.x0, self.cell.y0 + HEADER_H, self.cell.x1,
                         self.cell.y1 - FOOTER_H)
        self.group = group
        self.title = title
        self.product = product or title
        self.printed_on = printed_on
        self.header_right = list(header_right) or [f"printed {printed_on}"]
        self.banner = banner
        self.drafts: list[_Draft] = []
        self.y = self.body.y0
        self.section = ""
        self.subtitle: dict[int, str] = {}
        #: Called right after an automatic page break (e.g. to repeat a table's header).
        self.on_break: Callable[[], None] | None = None
        self.new_page()

    # -- flow ---------------------------------------------------------------------
    @property
    def x0(self) -> float:
        return self.body.x0

    @property
    def width(self) -> float:
        return self.body.width

    @property
    def room(self) -> float:
        return self.body.y1 - self.y

    def new_page(self, section: str | None = None) -> None:
        if section is not None:
            self.section = section
        self.drafts.append(_Draft([], self.section))
        self.y = self.body.y0

    def new_section(self, section: str) -> None:
        """Start ``section`` on a fresh page (unless this page is still empty)."""
        if self.drafts[-1].items:
            self.new_page(section)
        else:
            self.section = section
            self.drafts[-1].section = section

    def need(self, height: float) -> float:
        """Make room for a block ``height`` points tall; break the page if needed.
        Returns the y where the block starts."""
        if height > self.room and self.drafts[-1].items:
            self.new_page()
            if self.on_break is not None:
                hook, self.on_break = self.on_break, None  # no recursion
                try:
                    hook()
                finally:
                    self.on_break = hook
        return self.y

    def add(self, *items: Item) -> None:
        self.drafts[-1].items.extend(items)

    def advance(self, height: float) -> None:
        self.y += height

    def block(self, items: Sequence[Item], height: float, gap: float = 0.0) -> None:
        """Place ``items`` already laid out from y = 0 (relative), ``height`` tall."""
        y = self.need(height)
        self.add(*[shift(it, 0.0, y) for it in items])
        self.advance(height + gap)

    # -- common blocks --------------------------------------------------------------
    def heading(self, text: str, size: float = 14.0, keep: float = 40.0,
                note: str = "") -> None:
        """A section heading with a rule under it, kept with ``keep`` points of what follows."""
        t = fitted(text, self.x0, 0, self.width * (0.6 if note else 1.0), "sans-bold", size)
        n = None
        if note:  # at the right, its last line on the heading's (on a narrow page it may
            # wrap to more lines than the heading has: the block is then as tall as it)
            used = max(fonts.width(ln, "sans-bold", t.size) for ln in t.lines) + 16
            n = fitted(note, self.x0 + used, 0, self.width - used, "sans", 8,
                       align="right", color=GREY)
        tall = max(t.rect.height, n.rect.height if n else 0.0)
        h = tall + 6
        y = self.need(h + 4 + keep) + 4
        self.add(dataclasses.replace(t, rect=t.rect.translate(0, y + tall - t.rect.height)))
        if n is not None:
            self.add(dataclasses.replace(n, rect=n.rect.translate(0, y + tall - n.rect.height)))
        self.add(Line(self.x0, y + tall + 2, self.body.x1, y + tall + 2, 1.2))
        self.advance(h + 4)

    def paragraph(self, text: str, size: float = 9.0, color: Color = BLACK,
                  family: str = "sans", gap: float = 4.0, indent: float = 0.0) -> None:
        t = fitted(text, self.x0 + indent, 0, self.width - indent, family, size, color=color)
        y = self.need(t.rect.height)
        self.add(dataclasses.replace(t, rect=t.rect.translate(0, y)))
        self.advance(t.rect.height + gap)

    def paragraph_height(self, text: str, size: float = 9.0, family: str = "sans",
                         gap: float = 4.0, indent: float = 0.0) -> float:
        """How far :meth:`paragraph` with these arguments moves down, points."""
        return fitted(text, self.x0 + indent, 0, self.width - indent, family,
                      size).rect.height + gap

    def table_header(self, columns: Sequence[Column], keep: float = 18.0) -> None:
        """The columns' labels with a rule under them, kept with ``keep`` points of what
        follows (give the first row's height: a header never ends a page alone)."""
        cells, h = self._header_cells(columns)
        y = self.need(h + keep)
        self.add(*[shift(it, 0, y) for it in cells])
        self.add(Line(self.x0, y + h, self.body.x1, y + h, 0.9))
        self.advance(h)

    def table_header_height(self, columns: Sequence[Column]) -> float:
        """How far :meth:`table_header` moves down, points."""
        return self._header_cells(columns)[1]

    def _header_cells(self, columns: Sequence[Column]) -> tuple[list[Item], float]:
        return _row_items(columns, [c.label for c in columns], self.x0, 0, "sans-bold", 7.5,
                          GREY)

    def row_height(self, columns: Sequence[Column], values: Sequence[str],
                   bold: Sequence[bool] = (), min_height: float = 0.0) -> float:
        """How far :meth:`table_row` with these arguments moves down, points: what a label
        or a header above the row must keep with it."""
        return max(_row_items(columns, values, self.x0, 0, None, None, BLACK, bold)[1],
                   min_height)

    def table_row(self, columns: Sequence[Column], values: Sequence[str],
                  fill: Color | None = None, bold: Sequence[bool] = (),
                  min_height: float = 0.0, rule: Color = LIGHT, grid: bool = False,
                  keep: float = 0.0, color: Color = BLACK) -> None:
        """One row; each value is fitted into its column (wrapping, never clipped).
        ``grid`` draws light lines between the columns (rows to write in by hand);
        ``keep`` points of what follows must fit on the same page (a group's label row)."""
        cells, h = _row_items(columns, values, self.x0, 0, None, None, color, bold)
        h = max(h, min_height)
        self.need(h + keep)
        y = self.need(h)
        if fill is not None:
            self.add(Box(Rect(self.x0, y, self.body.x1, y + h), stroke=0, fill=fill))
        if grid:
            x = self.x0
            for col in columns[:-1]:
                x += col.width
                self.add(Line(x, y, x, y + h, 0.3, LIGHT))
        self.add(*[shift(it, 0, y) for it in cells])
        self.add(Line(self.x0, y + h, self.body.x1, y + h, 0.4, rule))
        self.advance(h)

    # -- finish ---------------------------------------------------------------------
    def pages(self, label: str = "") -> tuple[Page, ...]:
        """Every page with its header and footer; page numbers count within a section."""
        drafts = [d for d in self.drafts if d.items] or self.drafts[:1]
        totals: dict[str, int] = {}
        for d in drafts:
            totals[d.section] = totals.get(d.section, 0) + 1
        seen: dict[str, int] = {}
        out = []
        for d in drafts:
            seen[d.section] = seen.get(d.section, 0) + 1
            number = f"page {seen[d.section]} of {totals[d.section]}"
            items = self._header(d.section) + d.items + self._footer(d.section, number)
            name = label or self.product
            out.append(Page(size=self.stock.page, items=tuple(items), slips=d.slips,
                            label=f"{name}:{d.section}" if d.section else name))
        return tuple(out)

    def _header(self, section: str) -> list[Item]:
        c = self.cell
        right_w = 170.0
        items: list[Item] = []
        left_w = c.width - right_w - 8
        items.append(fitted_in(self.group.upper(), Rect(c.x0, c.y0, c.x0 + left_w, c.y0 + 11),
                               "sans-bold", 8.5, color=GREY))
        title = f"{self.title} · {section}" if section else self.title
        items.append(fitted_in(title, Rect(c.x0, c.y0 + 12, c.x0 + left_w, c.y0 + 38),
                               "sans-bold", 20, 10))
        y = c.y0
        if self.banner:
            bw = min(right_w, 12 + len(self.banner) * 6.5)
            r = Rect(c.x1 - bw, y, c.x1, y + 14)
            items.append(Box(r, stroke=0, fill=(0.1, 0.1, 0.1)))
            items.append(fitted_in(self.banner, r.inset(4, 2), "sans-bold", 8.5,
                                   align="center", color=(1, 1, 1)))
            y += 16
        for text in self.header_right:
            items.append(fitted_in(text, Rect(c.x1 - right_w, y, c.x1, y + 11), "sans", 8.5,
                                   align="right"))
            y += 11
        rule_y = c.y0 + HEADER_H - 8
        items.append(Line(c.x0, rule_y, c.x1, rule_y, 1.6))
        return items

    def _footer(self, section: str, number: str) -> list[Item]:
        c = self.cell
        y = c.y1 - FOOTER_H + 6
        left = f"{self.group} · {self.product}" + (f" · {section}" if section else "")
        left += f" · printed {self.printed_on}"
        # The footer repeats the header's group name and date: on a narrow page a long
        # name is cut with "…" here rather than refused (the header prints it whole).
        return [
            Line(c.x0, y, c.x1, y, 0.5, GREY),
            shorten(left, Rect(c.x0, y + 3, c.x1 - 90, y + 13), "sans", 7, 6, color=GREY),
            fitted_in(number, Rect(c.x1 - 85, y + 3, c.x1, y + 13), "sans", 7,
                      align="right", color=GREY),
        ]


def _row_items(columns: Sequence[Column], values: Sequence[str], x0: float, y0: float,
               family: str | None, size: float | None, color: Color,
               bold: Sequence[bool] = ()) -> tuple[list[Item], float]:
    items: list[Item] = []
    height = 0.0
    x = x0
    for i, (col, value) in enumerate(zip(columns, values, strict=True)):
        if value:
            fam = family or ("sans-bold" if i < len(bold) and bold[i] else col.font)
            at = (x + PAD, y0 + PAD, col.width - 2 * PAD, fam, size or col.size, col.align,
                  color)
            t = ((_one_line(value, *at) or _one_line(value, *at, shrink=WHOLE_FLOOR))
                 if col.whole else None) or fitted(
                value.replace("\u202f", " ") if col.whole else value, x + PAD, y0 + PAD,
                col.width - 2 * PAD, fam, size or col.size, align=col.align, color=color)
            items.append(t)
            height = max(height, t.rect.height)
        x += col.width
    return items, height + 2 * PAD


def _one_line(text: str, x0: float, y0: float, width: float, family: str, size: float,
              align: str, color: Color, shrink: float = WHOLE_SHRINK) -> Text | None:
    """``text`` on one line, shrunk as far as ``shrink`` of ``size``, or None when it is
    still too wide there (it then wraps, as any cell)."""
    try:
        t = fit(text, Rect(x0, y0, x0 + width, y0 + 10_000.0), family, size,
                size * shrink, align, color, max_lines=1)
    except LayoutError:
        return None
    return dataclasses.replace(t, rect=Rect(x0, y0, x0 + width, y0 + t.leading + 0.01))


def shift(item: Item, dx: float, dy: float) -> Item:
    """``item`` moved by (dx, dy) points."""
    if isinstance(item, Line):
        return dataclasses.replace(item, x0=item.x0 + dx, y0=item.y0 + dy, x1=item.x1 + dx,
                                   y1=item.y1 + dy)
    return dataclasses.replace(item, rect=item.rect.translate(dx, dy))


def check_mark(r: Rect, ok: bool, width: float = 1.4) -> list[Line]:
    """A drawn tick (``ok``) or cross inside ``r``: no font glyph needed."""
    if ok:
        return [Line(r.x0 + r.width * 0.15, r.y0 + r.height * 0.55, r.x0 + r.width * 0.4,
                     r.y0 + r.height * 0.85, width),
                Line(r.x0 + r.width * 0.4, r.y0 + r.height * 0.85, r.x0 + r.width * 0.88,
                     r.y0 + r.height * 0.15, width)]
    return [Line(r.x0 + r.width * 0.2, r.y0 + r.height * 0.2, r.x1 - r.width * 0.2,
                 r.y1 - r.height * 0.2, width),
            Line(r.x0 + r.width * 0.2, r.y1 - r.height * 0.2, r.x1 - r.width * 0.2,
                 r.y0 + r.height * 0.2, width)]


def human_date(day: dt.date) -> str:
    """'Wed 25 Nov 2026'."""
    return f"{day:%a} {day.day} {day:%b %Y}"


#: Characters that print as nothing (soft hyphen, zero-width space, non-joiner and joiner,
#: word joiner, BOM), as a regex character-class body: a name with one of them inside
#: still reads as the name on paper.
_INVISIBLE = r"\u00ad\u200b-\u200d\u2060\ufeff"


#: Hyphens, dashes and the underscore, as a character-class body: written between a
#: name's words in place of a space ("Private-Person"), the name still reads whole.
_JOINERS = r"\-\u2010-\u2015_"
#: White space, the invisible characters and the joiners: what may stand between a name's
#: letters (the letters test, :func:`_letters`, looks past them).
_GAPS = re.compile(rf"[\s{_INVISIBLE}{_JOINERS}]+")


#: Marks a name is written with or without: Latin's combining accents, Arabic's harakat,
#: hamza above and below and dagger alef, and the tatweel (a stretch between letters).
_MARKS = "\u0300-\u036f\u064b-\u065f\u0670\u0640"
_MARK = re.compile(f"[{_MARKS}]+")
#: Letters a name is written either way with, that keep apart when their marks are taken
#: off (NFD): letters with a stroke as their plain letter, every apostrophe as "'"
#: (phones, Macs and Word type ’ for '), and Arabic's alef wasla as alef, alef maqsura as
#: yeh and teh marbuta as heh (alef, yeh and waw with hamza or madda lose it by NFD).
_PLAIN = str.maketrans({
    "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "ħ": "h", "Ħ": "H",
    "ı": "i", "ŧ": "t", "Ŧ": "T", "’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'",
    "′": "'", "ʹ": "'", "ʻ": "'", "ٱ": "ا", "ى": "ي", "ة": "ه"})


def _fold(text: str) -> str:
    """``text`` as withheld names are compared: its letters without their accents or marks
    ("Nunez" is "Núñez", "احمد" is "أحمد"), every apostrophe one, in one case."""
    return _MARK.sub("", unicodedata.normalize("NFD", text).translate(_PLAIN)).casefold()


@functools.cache
def _folded_letters() -> dict[str, str]:
    """Each letter a name may be written with (Latin, apostrophes, Arabic), by its fold
    (:func:`_fold`): the letters a name's letter is found as."""
    found: dict[str, list[str]] = {}
    chars = [chr(c) for r in ((0x41, 0x7B), (0xC0, 0x250), (0x1E00, 0x1F00), (0x620, 0x6D4))
             for c in range(*r)] + list("'’‘ʼ`´′ʹʻ")
    for ch in chars:
        key = _fold(ch)
        if len(key) == 1 and not _MARK.fullmatch(ch):
            found.setdefault(key, []).append(ch)
    return {key: "".join(sorted(set(chs))) for key, chs in found.items()}


def _letter(ch: str) -> str:
    """A regex source for the name's letter ``ch``: every letter that folds as it does
    (:func:`_fold`), then any marks."""
    key = _fold(ch)
    same = _folded_letters().get(key, "") if len(key) == 1 else ""
    body = f"[{re.escape(same)}]" if len(same) > 1 else re.escape(ch)
    return body + f"[{_MARKS}]*"


def _name_body(name: str) -> str:
    """A regex source for ``name`` as a word sequence: its words apart by any white space
    (a line break included) or joiners (:data:`_JOINERS`), and inside a word a line break
    or an invisible character allowed between any two letters (layout/text.wrap breaks a
    word too long for its line between letters, with no hyphen). Each letter is found
    with or without its accents or marks, and written as any letter that folds as it does
    (:func:`_letter`): "Jose Nunez" and "Siobhán O’Brien" are the names "José Núñez" and
    "Siobhán O'Brien" (both printed in full on a public board: a red team, the fortieth
    session)."""
    inside = rf"[\n{_INVISIBLE}]*"
    words = [inside.join(_letter(ch) for ch in word) for word in name.split()]
    return rf"[\s{_INVISIBLE}{_JOINERS}]+".join(words)


def _name_pattern(name: str) -> str:
    """:func:`_name_body` as a whole word sequence: no letter or digit just before or
    after it."""
    return r"(?<!\w)" + _name_body(name) + r"(?!\w)"


@functools.lru_cache(maxsize=64)
def _names_pattern(wanted: tuple[str, ...]) -> re.Pattern[str]:
    """Every name of ``wanted`` (longest first), as whole word sequences. The look-arounds
    stand once outside the alternatives, so that only a word's start tries them: the same
    matches as one ``_name_pattern`` per name, and far faster to search."""
    return re.compile(r"(?<!\w)(?:" + "|".join(_name_body(n) for n in wanted) + r")(?!\w)",
                      re.IGNORECASE)


def _letters_source(name: str) -> str:
    return re.escape(_fold(_GAPS.sub("", name)))


@functools.lru_cache(maxsize=16)
def _any_letters(wanted: tuple[str, ...]) -> re.Pattern[str]:
    """:func:`_letters` of every name of ``wanted`` at once."""
    return re.compile("|".join(_letters_source(n) for n in wanted))


@functools.lru_cache(maxsize=4096)
def _letters(name: str) -> re.Pattern[str]:
    """A test a text must pass for ``name`` to be in it: the name's letters alone, folded
    (:func:`_fold`), looked for in the text with its white space and invisible characters
    taken out, folded too. A match of :func:`_name_body` leaves exactly these when they
    are taken out and folded, letter by letter; so a text that fails holds no such name.
    Cheap to build, unlike the full pattern, which is then built for the few names that
    pass."""
    return re.compile(_letters_source(name))


#: How many of a withheld phone number's last digits find it in a text (the local number:
#: it is written with or without its country and area codes).
PHONE_TAIL = 7


@dataclass(frozen=True)
class Withheld:
    """The ``names`` a print's audience may not see, and the ``placeholder`` printed in
    their place. A name matches whole, in any case, with any white space between its
    words. Products apply :meth:`text` to every source string before laying it out, so a
    withheld name is fitted like any other text; :meth:`pages` then checks the finished
    layout, line breaks included, and refits any run a name still reaches."""

    names: tuple[str, ...]
    placeholder: str
    #: Phone numbers the audience may not see either: each found by its last PHONE_TAIL
    #: digits, whatever stands between them (a private contact's number written in a
    #: task's title printed on the public board: a red team, the fortieth session).
    phones: tuple[str, ...] = ()

    @functools.cached_property
    def _phone_pattern(self) -> re.Pattern[str] | None:
        tails = sorted({d[-PHONE_TAIL:] for d in (re.sub(r"\D", "", p) for p in self.phones)
                        if len(d) >= PHONE_TAIL})
        if not tails:
            return None
        between = r"[\s\-.()/\u00a0\u2010-\u2015]*"
        return re.compile(r"\(?(?:" + "|".join(between.join(t) for t in tails) + r")(?!\d)")

    def _phone(self, text: str) -> bool:
        return self._phone_pattern is not None and self._phone_pattern.search(text) is not None

    @functools.cached_property
    def _wanted(self) -> tuple[str, ...]:
        """The names, NFC, white space made single spaces, longest first."""
        return tuple(sorted({unicodedata.normalize("NFC", " ".join(n.split()))
                             for n in self.names if n.strip()}, key=lambda n: (-len(n), n)))

    def _pattern(self, text: str) -> re.Pattern[str] | None:
        """The pattern of the names that may be in ``text`` (NFC), or None when none may:
        the names whose letters are there (:func:`_letters`), longest first."""
        if not self._wanted:
            return None
        flat = _fold(_GAPS.sub("", text))
        if not _any_letters(self._wanted).search(flat):
            return None
        maybe = tuple(n for n in self._wanted if _letters(n).search(flat))
        return _names_pattern(maybe) if maybe else None

    def _match(self, text: str) -> tuple[str, re.Pattern[str]] | None:
        """``text`` in the form a withheld name is found in (NFC; else NFKC, where a name
        written in fullwidth or other compatibility letters reads as itself), and the
        pattern that finds it there; None when no name is in it."""
        norm = unicodedata.normalize("NFC", text)
        for form in ("NFC", "NFKC"):
            if form == "NFKC":
                if unicodedata.is_normalized("NFKC", norm):  # (most text: no second look)
                    return None
                norm = unicodedata.normalize("NFKC", norm)
            pattern = self._pattern(norm)
            if pattern is not None and pattern.search(norm):
                return norm, pattern
        return None

    def found(self, text: str) -> bool:
        """Whether ``text`` shows a withheld name or phone number."""
        return self._match(text) is not None or self._phone(text)

    def text(self, text: str) -> str:
        """``text`` with every withheld name and phone number replaced by the placeholder
        (in NFKC, with its compatibility letters made plain, when only there is a name
        found)."""
        match = self._match(text)
        if match is not None:
            norm, pattern = match
            text = pattern.sub(self.placeholder, norm)
        return self._phone_pattern.sub(self.placeholder, text) if self._phone(text) else text

    def pages(self, pages: Sequence[Page]) -> tuple[Page, ...]:
        """``pages`` with any text run that still shows a withheld name (across its line
        breaks too) refitted with the placeholder into the run's box, by the rules of
        :func:`fitted`, cut with an ellipsis if it must be. The names are then absent from
        the layout and so from the PDF."""
        if not self._wanted and self._phone_pattern is None:
            return tuple(pages)
        out = []
        for page in pages:
            items = [self._refit(it) if isinstance(it, Text) and self.found(it.text) else it
                     for it in page.items]
            out.append(dataclasses.replace(page, items=tuple(items)))
        return tuple(out)

    def _refit(self, run: Text) -> Text:
        text = " ".join(self.text(run.text).split("\n"))  # a name across a break too
        family = {"arabic": "sans", "arabic-bold": "sans-bold"}.get(run.font, run.font)
        return shorten(text, run.rect, family, run.size, run.size * 0.75, run.align,
                       run.color, shrink_floor=run.size * 0.85)
