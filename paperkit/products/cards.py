"""Pocket cards: the hotline and what to do on arrest on the front, rights and lines for a
lawyer's number on the back. One card per cell of a card stock (ID-1 or business card).

Decisions (DESIGN §3 leaves them open):

- **Languages.** Cards come in every language of ``kit.toml``'s ``languages``, in that
  order, each language's cards in consecutive cells. By default each language gets one full
  sheet (the first language the cells left after ``--start``), so a kit with ``en`` and
  ``ar`` prints one English sheet and one Arabic sheet. ``PrintOptions.copies`` (``--copies
  N``) prints N cards per language instead, packed one after another.
- **Duplex.** Pages go front 1, back 1, front 2, back 2, ... Each back sits at its front's
  position mirrored about the page's vertical centre line (for the shipped stocks, whose
  grids are centred, that is ``Stock.cell_rect(i, mirrored=True)``), so a *long-edge*
  duplex print lines each back up with its front. On a landscape stock (wider than tall)
  the long edge is the top, and a sheet turned over it swaps rows, not columns: the backs
  are mirrored about the horizontal centre line (:func:`mirror`).
- **``--backs-separately``** puts every front page first, then every back page, in the same
  sheet order and still mirrored: print the fronts, turn the stack over along its long edge,
  feed it again and print the backs. (If your printer returns the stack face up, choose
  "reverse order" for the second pass.)
- **Text.** Texts ship in ``paperkit/data/cards/<lang>.toml``; ``kit.toml``'s
  ``[card_text.<lang>]`` overrides any key (an unknown key is a ConfigError that names it;
  an empty text leaves that part out). Text shrinks to at least ``MIN_SIZE`` points, then
  wraps; if it still does not fit, a LayoutError names the key to shorten. Nothing is
  clipped. ``card_text.<lang>.hotline_1`` .. ``hotline_3`` label the kit's hotlines in that
  language. Hotline numbers are always set left to right, even on an Arabic card; up to
  three fit, side by side when they can, else one row each.
- **Arabic** cards are mirrored: text right-aligned and right to left (shaped, see
  render/fonts), the first hotline and the labels on the right. Naskh is set
  ``ARABIC_SCALE`` larger, with a taller line (layout/text.leading_em).
- **Privacy.** Cards show only the group name, the hotlines from ``kit.toml`` and the card
  texts. Nothing from the contacts table is ever read here.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, LayoutError
from ..kit import Hotline
from ..layout.model import GREY, LIGHT, Box, Document, Item, Line, Page, Rect, Text
from ..layout.stock import Stock
from ..layout.text import LEADING, fit, leading_em, wrap
from ..render import fonts
from ..render.pdf import BASELINE as BASELINE_EM
from . import ProductContext
from .common import ARABIC_SCALE, text_direction

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "cards"
#: Every card text key, in the order they appear on the card.
FRONT_KEYS = ("hotline_label", "no_hotline", "front_title", "arrested", "witness_title",
              "witness")
BACK_KEYS = ("rights_title", "rights", "dont_title", "dont", "lawyer_title", "lawyer_name",
             "lawyer_phone")
TEXT_KEYS = FRONT_KEYS + BACK_KEYS
#: Keys kit.toml may add that no shipped file has: this language's label for the first,
#: second and third ``[[hotlines]]`` entry (otherwise the entry's own label is used).
LABEL_KEYS = ("hotline_1", "hotline_2", "hotline_3")
RTL_LANGUAGES = frozenset({"ar"})

PAD = 8.0  #: points between the card edge and its content
MIN_SIZE = 5.0  #: the smallest body text, in points (about 1.8 mm: readable, just)
BODY_SIZE = 8.5  #: the body size tried first
HEAD_H = 11.0  #: the header line (group name, language tag), points
HEAD_H_RTL = 13.0  #: the same on a right-to-left card (Arabic lines need more height)
TAG_W = 14.0  #: the language tag's width, points
SECTION_GAP = 3.0  #: at least this much between two sections, points
MAX_HOTLINES = 3


@dataclass(frozen=True)
class CardText:
    """One language's card texts after kit.toml overrides. ``overridden`` names the keys
    that came from kit.toml (so an error can say which one to shorten)."""

    lang: str
    texts: dict[str, str]
    overridden: frozenset[str]

    @property
    def rtl(self) -> bool:
        return self.lang in RTL_LANGUAGES

    @property
    def align(self) -> str:
        return "right" if self.rtl else "left"

    def where(self, key: str) -> str:
        if key in self.overridden:
            return f"kit.toml card_text.{self.lang}.{key}"
        return f"the shipped card text {self.lang}.{key} (paperkit/data/cards/{self.lang}.toml)"


@functools.cache
def shipped_texts(lang: str) -> dict[str, str]:
    """The texts shipped for ``lang``; every key of TEXT_KEYS is there."""
    path = DATA_DIR / f"{lang}.toml"
    if not path.is_file():
        raise ConfigError(f"no pocket-card texts ship for language {lang!r}",
                          f"choose from: {', '.join(sorted(p.stem for p in DATA_DIR.glob('*.toml')))}")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    missing = [k for k in TEXT_KEYS if k not in data]
    if missing or set(data) - set(TEXT_KEYS):
        raise ConfigError(f"{path}: keys do not match the card's ({missing or sorted(set(data) - set(TEXT_KEYS))})")
    return {k: str(data[k]).strip() for k in TEXT_KEYS}


def card_texts(lang: str, overrides: dict[str, dict[str, str]]) -> CardText:
    """``lang``'s texts with kit.toml's ``[card_text.<lang>]`` applied."""
    check_overrides(overrides)
    own = overrides.get(lang, {})
    texts = dict(shipped_texts(lang), **dict.fromkeys(LABEL_KEYS, ""))
    texts.update({k: v.strip() for k, v in own.items()})
    return CardText(lang, texts, frozenset(own))


def check_overrides(overrides: dict[str, dict[str, str]]) -> None:
    """Every key under ``[card_text.*]`` must be a card text key."""
    for lang, table in overrides.items():
        for key in table:
            if key not in TEXT_KEYS + LABEL_KEYS:
                raise ConfigError(f"kit.toml: 'card_text.{lang}.{key}' is not a card text",
                                  f"known keys: {', '.join(TEXT_KEYS + LABEL_KEYS)}")


# -- fitting helpers -------------------------------------------------------------------

def _face(text: str, bold: bool) -> tuple[str, str]:
    """(font family, direction) for a text: right to left when most of its letters are
    (so an Arabic sentence that starts with a Latin name is still an Arabic sentence),
    else by its first strong character."""
    if text_direction(text) == "rtl":
        return ("arabic-bold" if bold else "arabic"), "rtl"
    return ("sans-bold" if bold else "sans"), "ltr"


def _arabic(text: str) -> bool:
    """Whether ``text`` is set in the Arabic face (and so ARABIC_SCALE larger): by most of
    its letters, as :func:`_face` decides, not by its first letter (``Ana حافظ`` is)."""
    return _face(text, False)[0].startswith("arabic")


def _fit(ct: CardText, key: str, text: str, rect: Rect, size: float, min_size: float,
         bold: bool = False, align: str | None = None, color=(0.0, 0.0, 0.0),
         direction: str | None = None) -> Text:
    family, auto = _face(text, bold)
    direction = direction or auto
    if family.startswith("arabic"):
        size, min_size = size * ARABIC_SCALE, min_size * ARABIC_SCALE
    if align is None:  # the card's alignment, but right-to-left text is right-aligned on
        # any card (a Hebrew override on an English card does not hang from the left)
        align = "right" if direction == "rtl" else ct.align
    try:
        return fit(text, rect, family, size, min_size, align, color, direction=direction)
    except LayoutError:
        raise LayoutError(
            f"pocket card ({ct.lang}): {ct.where(key)} does not fit its "
            f"{rect.width:.0f} x {rect.height:.0f} pt box even at {min_size} pt",
            "shorten that text" + (" in kit.toml" if key in ct.overridden else ""),
        ) from None


def _lines(text: str, bold: bool, size: float, width: float) -> float:
    """The height ``text`` wraps to at ``size`` (scaled for Arabic) in ``width``, points."""
    if not text:
        return 0.0
    family, direction = _face(text, bold)
    if family.startswith("arabic"):
        size *= ARABIC_SCALE
    return len(wrap(text, family, size, width, direction)) * size * leading_em(family)


def _sections(ct: CardText, pairs: list[tuple[str, str]], rect: Rect) -> list[Item]:
    """Titled paragraphs stacked top-down in ``rect`` at one common size: the largest from
    BODY_SIZE down to MIN_SIZE at which they all fit. ``pairs`` are (title key, body key);
    an empty text is left out."""
    pairs = [(t, b) for t, b in pairs if ct.texts[t] or ct.texts[b]]
    size = BODY_SIZE
    while size >= MIN_SIZE - 1e-9:
        title_size = size + 1.0
        heights = []
        for tkey, bkey in pairs:
            t_h = _lines(ct.texts[tkey], True, title_size, rect.width)
            b_h = _lines(ct.texts[bkey], False, size, rect.width)
            heights.append((t_h, b_h))
        needed = sum(t + b for t, b in heights) + SECTION_GAP * (len(pairs) - 1)
        if needed <= rect.height + 1e-6:
            break
        size -= 0.25
    else:
        longest = max((k for pair in pairs for k in pair), key=lambda k: (
            k in ct.overridden, len(ct.texts[k])))
        raise LayoutError(
            f"pocket card ({ct.lang}): the texts {', '.join(k for p in pairs for k in p)} do "
            f"not fit the card even at {MIN_SIZE} pt; the longest is {ct.where(longest)}",
            "shorten it" + (" in kit.toml" if longest in ct.overridden else ""))
    gap = SECTION_GAP
    if len(pairs) > 1:  # share out the spare height between sections, a little
        gap = min(SECTION_GAP + (rect.height - needed) / (len(pairs) - 1), 3 * SECTION_GAP)
    items: list[Item] = []
    y = rect.y0
    for (tkey, bkey), (t_h, b_h) in zip(pairs, heights, strict=True):
        if t_h:
            r = Rect(rect.x0, y, rect.x1, y + t_h + 0.01)
            items.append(_fit(ct, tkey, ct.texts[tkey], r, title_size, title_size, bold=True))
            y += t_h
        if b_h:
            r = Rect(rect.x0, y, rect.x1, y + b_h + 0.01)
            items.append(_fit(ct, bkey, ct.texts[bkey], r, size, size))
            y += b_h
        y += gap
    return items


# -- the two sides ---------------------------------------------------------------------

def head_height(ct: CardText) -> float:
    """The header line's height on this card, points."""
    return HEAD_H_RTL if ct.rtl else HEAD_H


def _header(ct: CardText, c: Rect, key: str | None, text: str, bold: bool = True
            ) -> list[Item]:
    """A header line: ``text`` at the reading start, the language tag at the end."""
    head_h = head_height(ct)
    if ct.rtl:
        text_rect, tag_rect = Rect(c.x0 + TAG_W, c.y0, c.x1, c.y0 + head_h), \
            Rect(c.x0, c.y0, c.x0 + TAG_W, c.y0 + HEAD_H)
    else:
        text_rect, tag_rect = Rect(c.x0, c.y0, c.x1 - TAG_W, c.y0 + head_h), \
            Rect(c.x1 - TAG_W, c.y0, c.x1, c.y0 + HEAD_H)
    items: list[Item] = []
    if key is None:  # the group name, from kit.toml
        family, direction = _face(text, bold)
        try:
            items.append(fit(text, text_rect, family, 8.5, MIN_SIZE, ct.align,
                             direction=direction))
        except LayoutError:
            raise LayoutError(f"the group name {text[:30]!r} does not fit a pocket card",
                              "shorten 'name' in kit.toml") from None
    else:
        items.append(_fit(ct, key, text, text_rect, 8.5, MIN_SIZE, bold=True))
    items.append(fit(ct.lang.upper(), tag_rect, "sans", 6.0, 5.0,
                     "left" if ct.rtl else "right", GREY, direction="ltr"))
    items.append(Line(c.x0, c.y0 + head_h + 1.0, c.x1, c.y0 + head_h + 1.0, 0.4, LIGHT))
    return items


COL_GAP = 8.0  #: between hotline columns, points
SIDE_BY_SIDE_MIN = 13.0  #: numbers go side by side only if each fits at this size, points
LIST_ROW = 14.0  #: one "label ... number" row when numbers do not fit side by side, points
LIST_ROW_ARABIC = 15.0  #: the same when a label is in Arabic (Naskh needs more height)
LIST_LABEL = 6.5  #: the label size in a list row, points (Arabic: set at this size unscaled)


@dataclass(frozen=True)
class HotlinePlan:
    """How the hotline frame is laid out: ``mode`` 'blank' (a line to write the number
    on), 'stacked' (label above a large number, in ``columns`` side by side) or 'list'
    (one row per hotline: label at the start, number at the end); ``height`` in points."""

    mode: str
    columns: int
    height: float


def hotline_plan(hotlines: tuple[Hotline, ...], width: float, row: float = 15.0
                 ) -> HotlinePlan:
    """The layout of the hotline frame, ``width`` points wide; ``row`` is the height of a
    row in 'list' mode, points."""
    n = len(hotlines)
    if n > MAX_HOTLINES:
        raise LayoutError(f"pocket cards hold at most {MAX_HOTLINES} hotlines; kit.toml has "
                          f"{n}", "keep the most important ones in kit.toml")
    if n == 0:
        return HotlinePlan("blank", 1, 30.0)
    col_w = (width - 8.0 - (n - 1) * COL_GAP) / n
    if n == 1 or all(fonts.width(h.number, "sans-bold", SIDE_BY_SIDE_MIN) <= col_w
                     for h in hotlines):
        return HotlinePlan("stacked", n, 36.0)
    return HotlinePlan("list", 1, n * row + 4.0)


def _label(ct: CardText, hotline: Hotline, index: int, rect: Rect, align: str,
           size: float = 7.0) -> Text:
    """The label over (or beside) hotline number ``index``: ``card_text.<lang>.hotline_N``,
    else the entry's label from kit.toml, else this language's ``hotline_label``."""
    key = LABEL_KEYS[index]
    if ct.texts.get(key) or not hotline.label:
        key = key if ct.texts.get(key) else "hotline_label"
        return _fit(ct, key, ct.texts[key], rect, size, MIN_SIZE, align=align, color=GREY)
    family, direction = _face(hotline.label, False)
    try:
        return fit(hotline.label, rect, family, size, MIN_SIZE, align, GREY,
                   direction=direction)
    except LayoutError:
        raise LayoutError(f"the hotline label {hotline.label[:30]!r} does not fit a pocket "
                          "card", f"shorten it in kit.toml [[hotlines]], or give this "
                          f"card its own in card_text.{ct.lang}.{LABEL_KEYS[index]}") from None


def _label_text(ct: CardText, hotline: Hotline, index: int) -> str:
    return ct.texts.get(LABEL_KEYS[index]) or hotline.label or ct.texts["hotline_label"]


def _number(hotline: Hotline, rect: Rect, align: str, size: float) -> Text:
    """A hotline number: bold, one line, always left to right."""
    try:
        return fit(hotline.number, rect, "sans-bold", size, 7.0, align, direction="ltr",
                   max_lines=1)
    except LayoutError:
        raise LayoutError(f"the hotline number {hotline.number!r} does not fit a pocket "
                          "card on one line", "shorten it in kit.toml [[hotlines]]") from None


def _hotlines(ct: CardText, hotlines: tuple[Hotline, ...], block: Rect, plan: HotlinePlan
              ) -> list[Item]:
    """The hotline numbers, large, inside a thin frame (see HotlinePlan). Right-to-left
    cards put the first number, and each label, at the right."""
    items: list[Item] = [Box(block, stroke=0.6, radius=2.5)]
    inner = block.inset(4.0, 2.0)
    if plan.mode == "blank":
        label_h = min(10.0, inner.height * 0.4)
        items.append(_fit(ct, "no_hotline", ct.texts["no_hotline"],
                          Rect(inner.x0, inner.y0, inner.x1, inner.y0 + label_h), 7.0, MIN_SIZE,
                          color=GREY))
        y = inner.y1 - 3.0
        items.append(Line(inner.x0, y, inner.x1, y, 0.5, GREY))
        return items
    if plan.mode == "list":
        end = "left" if ct.rtl else "right"
        split = inner.width * 0.42
        row = (plan.height - 4.0) / len(hotlines)
        for i, hotline in enumerate(hotlines):
            top = inner.y0 + i * row
            if ct.rtl:
                label_x, number_x = (inner.x1 - split, inner.x1), (inner.x0, inner.x1 - split)
            else:
                label_x, number_x = (inner.x0, inner.x0 + split), (inner.x0 + split, inner.x1)
            number = _number(hotline, Rect(number_x[0], top, number_x[1], top + row), end,
                             LIST_ROW / LEADING)
            # the label's baseline on the number's
            text = _label_text(ct, hotline, i)
            nominal = LIST_LABEL / (ARABIC_SCALE if _arabic(text) else 1.0)
            drop = max(0.0, BASELINE_EM * (number.size - LIST_LABEL))
            label = _label(ct, hotline, i, Rect(label_x[0], top + drop, label_x[1],
                                                top + drop + _line_h(text, nominal)),
                           ct.align, nominal)
            items += [label, number]
        return items
    columns = plan.columns
    col_w = (inner.width - (columns - 1) * COL_GAP) / columns
    for i, hotline in enumerate(hotlines):
        col = columns - 1 - i if ct.rtl else i
        x0 = inner.x0 + col * (col_w + COL_GAP)
        if col:
            sep = x0 - COL_GAP / 2
            items.append(Line(sep, inner.y0 + 2.0, sep, inner.y1 - 2.0, 0.4, LIGHT))
        label_h = max(inner.height * 0.3, 6.5)
        items.append(_label(ct, hotline, i, Rect(x0, inner.y0, x0 + col_w,
                                                 inner.y0 + label_h), ct.align))
        number_rect = Rect(x0, inner.y0 + label_h, x0 + col_w, inner.y1)
        items.append(_number(hotline, number_rect, ct.align, number_rect.height / LEADING))
    return items


def front_items(ct: CardText, cell: Rect, group: str, hotlines: tuple[Hotline, ...]
                ) -> list[Item]:
    """The front of one card in ``cell``: group name, hotline(s), what to do."""
    c = cell.inset(PAD)
    items = _header(ct, c, None, group)
    top = c.y0 + head_height(ct) + 4.0
    arabic = any(_arabic(_label_text(ct, h, i))
                 for i, h in enumerate(hotlines[:MAX_HOTLINES]))
    plan = hotline_plan(hotlines, c.width, LIST_ROW_ARABIC if arabic else LIST_ROW)
    block = Rect(c.x0, top, c.x1, top + plan.height)
    items += _hotlines(ct, hotlines, block, plan)
    body = Rect(c.x0, block.y1 + 4.0, c.x1, c.y1)
    items += _sections(ct, [("front_title", "arrested"), ("witness_title", "witness")], body)
    return items


WRITE_GAP = 14.0  #: between the write-in lines, points (room for handwriting)


def _line_h(text: str, size: float, bold: bool = False) -> float:
    """The height of one line of ``text`` at ``size`` in its family (Arabic scaled)."""
    family, _ = _face(text, bold)
    if family.startswith("arabic"):
        size *= ARABIC_SCALE
    return size * leading_em(family)


def back_items(ct: CardText, cell: Rect) -> list[Item]:
    """The back of one card in ``cell``: rights, what not to do, lines for a lawyer."""
    c = cell.inset(PAD)
    head_h = head_height(ct)
    items = _header(ct, c, "rights_title", ct.texts["rights_title"])
    title_h = _line_h(ct.texts["lawyer_title"], 7.5, bold=True)
    lawyer = Rect(c.x0, c.y1 - (2.0 + title_h + 2 * WRITE_GAP + 5.0), c.x1, c.y1)
    body = Rect(c.x0, c.y0 + head_h + 4.0, c.x1, lawyer.y0 - 3.0)
    items += _back_body(ct, body)
    items.append(Line(c.x0, lawyer.y0, c.x1, lawyer.y0, 0.4, LIGHT))
    items.append(_fit(ct, "lawyer_title", ct.texts["lawyer_title"],
                      Rect(c.x0, lawyer.y0 + 2.0, c.x1, lawyer.y0 + 2.0 + title_h), 7.5,
                      MIN_SIZE, bold=True))
    label_w = 34.0
    for i, key in enumerate(("lawyer_name", "lawyer_phone")):
        base = lawyer.y0 + 2.0 + title_h + WRITE_GAP * (i + 1)
        size = 6.5 * (ARABIC_SCALE if _arabic(ct.texts[key]) else 1.0)
        top = base - BASELINE_EM * size  # the label's baseline on the line's
        label_h = _line_h(ct.texts[key], 6.5)
        if ct.rtl:
            label_rect = Rect(c.x1 - label_w, top, c.x1, top + label_h)
            x0, x1 = c.x0, c.x1 - label_w - 2.0
        else:
            label_rect = Rect(c.x0, top, c.x0 + label_w, top + label_h)
            x0, x1 = c.x0 + label_w + 2.0, c.x1
        items.append(_fit(ct, key, ct.texts[key], label_rect, 6.5, MIN_SIZE, color=GREY))
        items.append(Line(x0, base, x1, base, 0.5, GREY))
    return items


def _back_body(ct: CardText, body: Rect) -> list[Item]:
    """The rights paragraph (its title is the header) and the what-not-to-do section."""
    texts = dict(ct.texts, rights_title="")
    return _sections(CardText(ct.lang, texts, ct.overridden),
                     [("rights_title", "rights"), ("dont_title", "dont")], body)


# -- the document ----------------------------------------------------------------------

def mirror(rect: Rect, page: tuple[float, float]) -> Rect:
    """Where a long-edge duplex print puts the back of whatever is at ``rect`` on the front
    of a ``page`` (width, height): reflected about the page's vertical centre line on a
    portrait page, whose long edge is its side, and about its horizontal centre line on a
    landscape page, whose long edge is its top (a sheet turned over that edge)."""
    width, height = page
    if width > height:
        return Rect(rect.x0, height - rect.y1, rect.x1, height - rect.y0)
    return Rect(width - rect.x1, rect.y0, width - rect.x0, rect.y1)


def _mirror_line(ln: Line, page: tuple[float, float]) -> Line:
    width, height = page
    if width > height:
        return Line(ln.x0, height - ln.y0, ln.x1, height - ln.y1, ln.width, ln.color, ln.dash)
    return Line(width - ln.x0, ln.y0, width - ln.x1, ln.y1, ln.width, ln.color, ln.dash)


def card_languages(ctx: ProductContext, stock: Stock) -> list[str]:
    """One language per card, in print order (see the module's docstring)."""
    languages = list(ctx.kit.settings.languages) or ["en"]
    copies = ctx.options.copies or ctx.options.extra.get("copies", 0)
    if copies:
        return [lang for lang in languages for _ in range(int(copies))]
    out = [languages[0]] * (stock.per_page - ctx.options.start)
    for lang in languages[1:]:
        out += [lang] * stock.per_page
    return out


def build(ctx: ProductContext) -> Document:
    stock = ctx.stock("cards")
    settings = ctx.kit.settings
    check_overrides(settings.card_text)
    texts = {lang: card_texts(lang, settings.card_text) for lang in settings.languages}
    langs = card_languages(ctx, stock)
    sheets: dict[int, tuple[list[Item], list[Item]]] = {}
    front_cache: dict[tuple[str, Rect], list[Item]] = {}
    back_cache: dict[tuple[str, Rect], list[Item]] = {}
    for lang, (sheet, cell_no) in zip(langs, stock.positions(len(langs), ctx.options.start),
                                      strict=True):
        front, back = sheets.setdefault(sheet, ([], []))
        cell = stock.cell_rect(cell_no)
        back_cell = mirror(cell, stock.page)
        if (lang, cell) not in front_cache:
            front_cache[(lang, cell)] = front_items(texts[lang], cell, settings.name,
                                                    settings.hotlines)
            back_cache[(lang, back_cell)] = back_items(texts[lang], back_cell)
        front += front_cache[(lang, cell)]
        back += back_cache[(lang, back_cell)]
        if stock.radius:
            front.append(Box(cell, stroke=0.3, color=LIGHT, radius=stock.radius))
            back.append(Box(back_cell, stroke=0.3, color=LIGHT, radius=stock.radius))
    marks = stock.crop_mark_lines() if stock.crop_marks else []
    back_marks = [_mirror_line(ln, stock.page) for ln in marks]
    fronts, backs = [], []
    for sheet in sorted(sheets):
        front, back = sheets[sheet]
        fronts.append(Page(stock.page, tuple(marks + front), label=f"cards front {sheet + 1}"))
        backs.append(Page(stock.page, tuple(back_marks + back), label=f"cards back {sheet + 1}"))
    if ctx.options.backs_separately:
        pages = fronts + backs
    else:
        pages = [p for pair in zip(fronts, backs, strict=True) for p in pair]
    return Document(
        product="cards", title=f"{settings.name}: pocket cards", pages=tuple(pages),
        kit=ctx.kit.id,
        meta={"stock": stock.name, "languages": list(settings.languages), "cards": len(langs),
              "duplex": "separate" if ctx.options.backs_separately else "long-edge"},
    )
