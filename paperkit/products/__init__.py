"""The printed products. Each module has ``build(ctx: ProductContext) -> Document``: plain
layout data, computed from the record; rendering to PDF happens elsewhere (render/).

Register a product in ``PRODUCTS`` (name → module path); ``products.build(name, ctx)``
imports it on demand.

Before anything is laid out, ``build`` checks the stock (:func:`check_stock`): that it is
of the kind the product prints on (STOCK_USES), that its cells are as large as the
product needs (:func:`minimum_cell`: a stock too small is StockTooSmall, naming the size it
needs, never blamed on the text), that ``--paper`` agrees with it, and that ``--start``
can apply (:func:`check_start`). ``ProductContext.stock`` checks the size of the stock a
product actually uses too, so a kit's own ``layouts/letter.toml`` (say) is checked as well.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import importlib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InvalidValue, StockTooSmall
from ..kit import Kit
from ..layout import slip as S
from ..layout.model import Document
from ..layout.stock import PAGE_SIZES, Stock, load_stock, load_stocks, mm
from ..layout.text import LEADING
from ..record import Record
from ..render import fonts
from .common import FOOTER_H, HEADER_H, PAD

#: product name → (module, default stock name pattern, with {paper})
PRODUCTS: dict[str, tuple[str, str]] = {
    "cards": ("paperkit.products.cards", "id1-{paper}"),
    "contacts": ("paperkit.products.contacts", "{paper}"),
    "board": ("paperkit.products.board", "poster-{paper}"),
    "slips": ("paperkit.products.slips", "slips-8up-{paper}"),
    "ledger": ("paperkit.products.ledger", "{paper}"),
    "roles": ("paperkit.products.roles", "{paper}"),
    "drill": ("paperkit.products.drill", "{paper}"),
    "charter": ("paperkit.products.charter", "{paper}"),
    "kit": ("paperkit.products.kitbook", "{paper}"),
}


#: product name → what a stock must be for to print it on (layout/stock.Stock.use)
STOCK_USES: dict[str, tuple[str, ...]] = {
    "cards": ("cards",), "slips": ("slips",), "board": ("poster", "page"),
    **dict.fromkeys(("contacts", "ledger", "roles", "drill", "charter", "kit"), ("page",)),
}
_USE_NAMES = {"cards": "a pocket-card stock", "slips": "a task-slip stock",
              "poster": "a poster stock", "page": "a plain-page stock"}
#: Products that fill the cells of a sheet one after another, where ``--start`` skips the
#: used ones (the board's: its sheet of slips).
FILLS_CELLS = ("cards", "slips", "board")

#: Pocket cards, either way round, points: 75 x 50.8 mm. Below 2 in (50.8 mm) three
#: hotlines and the shipped "what to do" texts no longer fit a card at all; at this size
#: every shipped language keeps its text at 6 pt or more (tests/test_cards.py asks that of
#: every card stock), where a narrower card would shrink it toward the 5 pt minimum. ID-1
#: (85.6 x 54 mm) and business cards (3.5 x 2 in, 85 x 55 mm) are larger.
CARD_MIN = (75 * 72 / 25.4, 2 * 72.0)
#: A plain page for the sheet products, points: 4 x 3 in at least. Across, a page's header
#: keeps 170 pt at the right for its dates and 8 pt apart, and the group name (at 6 pt at
#: least) and the title (two lines at 10 pt) need about 110 pt at the left; the tables of
#: the contact sheet, the roster and the ledger need more (:func:`table_width`). Down, the
#: header and footer take 70 pt (common.HEADER_H, FOOTER_H) and the body must hold the
#: tallest block kept together: a drill week's heading with its first line, its "what
#: slowed us down" lines, the roster's heading with its table's first row (each about
#: 100 pt).
SHEET_MIN = (4 * 72.0, 3 * 72.0)
#: A date as the tables print it; its digits are all as wide.
DATE = "2026-12-31"
#: The least room the charter's text gets on its page, points.
CHARTER_TEXT_MIN = 72.0
#: The least width a task card on the board keeps for its steward's name, points: two
#: letters and "…" at 11 pt (board.task_card cuts a longer name).
BOARD_STEWARD_MIN = 24.0


def table_width(columns, words: dict[str, tuple[tuple[str, str | None], ...]]) -> float:
    """The narrowest body in which each of ``columns`` (scaled to any width) holds each of
    its ``words`` ((text, font or None for the column's)) on one line, at the 85 % a cell's
    text shrinks to before it wraps (common.fitted), points. A date broken over two lines
    ("2026-1" / "1-20") is misread; so is a currency code."""
    total = sum(c.width for c in columns)
    need = 0.0
    for c in columns:
        for text, font in words.get(c.label, ()):
            cell = fonts.width(text, font or c.font, c.size * 0.85) + 2 * PAD
            need = max(need, cell * total / c.width)
    return need


@functools.cache
def _sheet_width(product: str) -> float:
    """The narrowest page body ``product``'s tables read right on, for any audience."""
    date = ((DATE, None),)
    if product == "contacts":
        from .contacts import columns

        return max(table_width(columns(a, 1000.0), {"verified": ((DATE, "sans-bold"),)})
                   for a in ("public", "crew", "private"))
    if product == "roles":  # the two tables roles.build lays out
        from .roles import mandate_columns, rotation_columns

        return max(table_width(t(1000.0), {"starts": date, "last day": date})
                   for t in (mandate_columns, rotation_columns))
    if product == "ledger":
        from ..record.currencies import ACTIVE
        from ..record.models import LEDGER_KINDS
        from .ledger import entry_columns

        words = {"#": (("999", None),), "date": date,
                 "kind": tuple((k, None) for k in LEDGER_KINDS),
                 "cur": tuple((c, None) for c in sorted(ACTIVE))}
        return max(table_width(entry_columns(public, 1000.0), words)
                   for public in (False, True))
    return 0.0


def minimum_cell(product: str, stock: Stock | None = None) -> tuple[float, float]:
    """The smallest cell (width, height, points) ``product`` lays out in, from its layout
    code; for the board, on ``stock`` (its tiles' overlap takes room). Cards may be turned
    (:func:`turns`); nothing else is."""
    if product == "cards":
        return CARD_MIN
    if product == "slips":
        return S.MIN_CELL
    if product == "board":
        from . import board as B

        overlap = stock.overlap if stock is not None and stock.kind == "poster" else 0.0
        # Across: the middle tile's clear zone holds two lanes, each a task card whose
        # steward line has its label (52 pt) and the task id (58 pt) beside the name, or
        # the mandates panel's heading on one line (at 85 % of its size, as fitted shrinks
        # a text before it wraps: a heading wrapped runs out of its bar).
        lane = max(2 * B.CARD_PAD + 52 + 58 + BOARD_STEWARD_MIN,
                   fonts.width("MANDATES", "sans-bold", B.HEAD_SIZE * 0.85) + 20)
        width = 2 * lane + B.GUTTER + 2 * B.MARGIN + 2 * overlap
        # Down: the first tile row holds the title (44 pt), the group's name (two lines at
        # 18 pt) and a column's heading bar; every row holds a card of one title line, a
        # timeframe and a steward.
        top = B.MARGIN + 44 * LEADING + 2 * 18 * LEADING + 14
        head = B.HEAD_SIZE * 1.18 + 12
        card = 2 * B.CARD_PAD + 3 + B.TITLE_SIZE * 0.75 * LEADING + 2 * B.META_SIZE * LEADING
        height = max(top + head + B.MARGIN + overlap, card + 2 * B.MARGIN + 2 * overlap)
        return width, height
    if product == "charter":
        from . import charter as C

        # the group's name (30 pt), its rule, the text, and the lines to sign
        height = (HEADER_H + FOOTER_H + 8 + 30 * LEADING + 28 + CHARTER_TEXT_MIN + 16
                  + 36 + C.SIGNATURE_ROWS * C.SLOT_H)
        return SHEET_MIN[0], height
    if product == "kit":  # every sheet part on the same page
        parts = [minimum_cell(p) for p in ("contacts", "ledger", "roles", "drill", "charter")]
        return max(w for w, _ in parts), max(h for _, h in parts)
    return max(SHEET_MIN[0], _sheet_width(product)), SHEET_MIN[1]


def turns(product: str) -> bool:
    """Whether ``product`` fits a cell either way round (a pocket card laid out on a
    portrait cell reads as well)."""
    return product == "cards"


def too_small(product: str, stock: Stock) -> tuple[float, float] | None:
    """The minimum cell (:func:`minimum_cell`) when ``stock``'s cells are smaller, else
    None."""
    need = minimum_cell(product, stock)
    have = stock.cell
    if turns(product):
        need, have = tuple(sorted(need)), tuple(sorted(have))
    if have[0] + 0.01 >= need[0] and have[1] + 0.01 >= need[1]:
        return None
    return need


def kit_page(stock: Stock) -> bool:
    """Whether the kit can print on ``stock``: a paper's plain page (``letter``, ``a4``,
    or the kit's own file of that name), whose paper then sets every part's stock."""
    return stock.name in PAGE_SIZES and stock.paper == stock.name


def fits(product: str, stock: Stock) -> bool:
    """Whether ``product`` prints on ``stock``: the right kind, large enough (and, for the
    kit, a paper's plain page)."""
    if stock.use not in STOCK_USES.get(product, ("page",)):
        return False
    if product == "kit" and not kit_page(stock):
        return False
    return too_small(product, stock) is None


def stock_too_small(product: str, stock: Stock, kit_path: Path | None = None
                    ) -> StockTooSmall | None:
    """The error for ``stock`` being too small for ``product``, or None when it is not."""
    if too_small(product, stock) is None:
        return None
    need = minimum_cell(product, stock)
    w, h = stock.cell
    why = ""
    if product == "slips":
        scale = min(w / S.SLIP_W, h / S.SLIP_H)
        why = (f": a slip would print at {scale:.2f} of its size, its check boxes "
               f"{mm(S.BOX_SIZE * scale)} mm and its QR code's modules "
               f"{mm(S.QR_MODULE * scale)} mm across, too small to mark with a pen or to scan"
               f" (the least is {S.MIN_SCALE} of its size)")
    if w + 0.01 < need[0] and _sheet_width(product) > SHEET_MIN[0]:
        why = (": narrower, its table would break its dates"
               + (" and currency codes" if product == "ledger" else "") + " over two lines")
    way = " either way round" if turns(product) else ""
    if product == "board" and stock.kind == "poster" and stock.overlap:
        way = f", with its tiles' {mm(stock.overlap)} mm overlap"
    fitting = stocks_for(product, kit_path)
    return StockTooSmall(
        f"stock {stock.name}'s cells ({mm(w)} × {mm(h)} mm) are too small for {product} (it "
        f"needs at least {mm(need[0])} × {mm(need[1])} mm{way}){why}",
        f"choose one of: {', '.join(fitting) or 'none in layouts/'}, or make the cells "
        "larger in its layouts/ file; 'paperkit print stocks' lists what each stock is for")


@dataclass(frozen=True)
class PrintOptions:
    """What the user asked for. ``paper`` None means kit.toml's; ``stock`` None means the
    product's default stock for that paper. ``start`` skips used cells on the first sheet."""

    paper: str | None = None
    stock: str | None = None
    start: int = 0
    today: dt.date | None = None
    ring: str | None = None
    audience: str = "public"
    public: bool = False
    backs_separately: bool = False
    #: pocket cards per language; 0 = one full sheet per language
    copies: int = 0
    tasks: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ProductContext:
    """Everything a product's ``build`` may read. The record is only read here."""

    kit: Kit
    record: Record
    options: PrintOptions

    @functools.cached_property
    def paper(self) -> str:
        """``--paper``, else the paper of ``--stock`` (when it is letter or A4), else
        kit.toml's: a product's parts on default stocks (the board's slips, the kit's
        sections) come on the same paper as the stock asked for."""
        if self.options.paper:
            return self.options.paper
        if self.options.stock:
            paper = load_stock(self.options.stock, self.kit.path).paper
            if paper != "custom":
                return paper
        return self.kit.settings.paper

    def with_default_stock(self, **options) -> ProductContext:
        """This context for a part printed on its default stock for this paper
        (``options`` change any other print option too). ``--start`` is kept: the board's
        slips, on a sheet of their own, start where it says."""
        return dataclasses.replace(self, options=dataclasses.replace(
            self.options, **{"paper": self.paper, "stock": None, **options}))

    @property
    def today(self) -> dt.date:
        return self.options.today or dt.date.today()

    def stock(self, product: str) -> Stock:
        """The stock ``product`` prints on: ``--stock``, else its default for the paper;
        StockTooSmall when its cells are smaller than the product needs."""
        name = self.options.stock or PRODUCTS[product][1].format(paper=self.paper)
        stock = load_stock(name, self.kit.path)
        if (error := stock_too_small(product, stock, self.kit.path)) is not None:
            raise error
        return stock

    def plain_stock(self) -> Stock:
        """The plain page of this paper size, for sheet products inside the kit book
        (StockTooSmall if a kit's own file of that name is too small for them)."""
        stock = load_stock(self.paper, self.kit.path)
        if (error := stock_too_small("kit", stock, self.kit.path)) is not None:
            raise error
        return stock


def check_stock(name: str, ctx: ProductContext) -> None:
    """Refuse ``--stock`` when it is not a stock product ``name`` prints on (a charter on
    task-slip stock would overlap, a contact sheet on card stock fill one card a page), or
    when ``--paper`` asks for another paper than the stock's: both InvalidValue (exit 2),
    naming the stocks that fit. Refuse a stock whose cells are too small for the product
    (StockTooSmall, exit 2), and, for the kit, any stock but a paper's plain page (see
    :func:`kit_page`)."""
    options = ctx.options
    check_start(name, ctx)
    if not options.stock:
        return
    stock = load_stock(options.stock, ctx.kit.path)
    uses = STOCK_USES.get(name, ("page",))
    if stock.use not in uses:
        fitting = stocks_for(name, ctx.kit.path)
        raise InvalidValue(
            f"--stock {stock.name} is {_USE_NAMES[stock.use]}, but {name} prints on "
            f"{' or '.join(_USE_NAMES[u] for u in uses)}",
            f"choose one of: {', '.join(fitting) or 'none in layouts/'}; "
            "'paperkit print stocks' lists every stock")
    if name == "kit" and not kit_page(stock):
        raise InvalidValue(
            f"--stock {stock.name}: the kit cannot print on it: each part of the kit prints "
            "on its own stock for letter or A4 paper (cards on id1-letter, slips on "
            "slips-8up-letter, the board on poster-letter, ...), so the kit takes only "
            "--stock letter or --stock a4, to choose that paper",
            "choose the kit's paper with --paper letter or --paper a4 ('paper' in kit.toml "
            "sets it for good), or print the products one by one on this stock, e.g. "
            f"'paperkit print charter --stock {stock.name}'")
    if (error := stock_too_small(name, stock, ctx.kit.path)) is not None:
        raise error
    if options.paper and stock.paper != options.paper:
        on = f"{stock.page[0]:.0f} x {stock.page[1]:.0f} pt" if stock.paper == "custom" \
            else stock.paper
        same = [n for n in stocks_for(name, ctx.kit.path)
                if load_stock(n, ctx.kit.path).paper == options.paper]
        raise InvalidValue(
            f"--paper {options.paper} conflicts with --stock {stock.name}, which is on {on} "
            "paper", "leave out --paper (the stock sets the page)"
            + (f", or choose one of: {', '.join(same)}" if same else ""))


def check_start(name: str, ctx: ProductContext) -> None:
    """Refuse ``--start`` where it cannot apply: a product that prints whole pages (the
    sheet products: one cell a sheet, nothing to skip) and the kit (each part starts on a
    fresh sheet). InvalidValue, exit 2. Where a product fills cells (FILLS_CELLS), the
    stock's positions check the number (Stock.positions)."""
    start = ctx.options.start
    if not start or name in FILLS_CELLS and name != "board":
        return  # the stock's positions check the number (Stock.positions)
    if name == "board":  # its sheet of slips, on the default slip stock for the paper
        slips = load_stock(PRODUCTS["slips"][1].format(paper=ctx.paper), ctx.kit.path)
        if start >= slips.per_page:
            raise InvalidValue(
                f"--start {start}: the board's slips print on {slips.name}, which has "
                f"{slips.per_page} cells a sheet", f"use 0 to {slips.per_page - 1}; the "
                "poster's own pages have no cells to skip")
        return
    if name == "kit":
        raise InvalidValue(
            f"--start {start}: the kit starts each of its parts on a fresh sheet, so it has "
            "no used cells to skip", "leave out --start, or print the cards or slips for a "
            f"partly used sheet on their own: 'paperkit print cards --start {start}'")
    raise InvalidValue(
        f"--start {start}: {name} prints whole pages, one to a sheet, so it has no used "
        "cells to skip", "leave out --start; it skips the used cells of a sheet of cards or "
        "slips (paperkit print cards, slips or board)")


def stock_uses(stock: Stock) -> str:
    """What ``stock`` is for, as 'paperkit print stocks' shows it: 'for cards', or, for a
    stock too small for every product of its kind, 'too small for slips: ...'."""
    products = [p for p in PRODUCTS if fits(p, stock)]
    if products:
        return f"for {', '.join(products)}"
    kinds = [p for p in PRODUCTS if stock.use in STOCK_USES[p] and p != "kit"]
    if not kinds:
        return "for nothing"
    least = min(minimum_cell(p, stock) for p in kinds)
    smallest = [p for p in kinds if minimum_cell(p, stock) == least]
    return (f"too small to print on: its cells are {mm(stock.cell[0])} × "
            f"{mm(stock.cell[1])} mm, {', '.join(smallest)} need"
            f"{'s' if len(smallest) == 1 else ''} at least {mm(least[0])} × {mm(least[1])} mm")


def stocks_for(name: str, kit_path: Path | None = None) -> list[str]:
    """The stocks (layouts/ and the kit's own) that product ``name`` prints on: of its
    kind and large enough (:func:`fits`). A stock file that does not load is left out
    here; it is named when it is asked for, and by 'paperkit print stocks'."""
    return [s.name for s in load_stocks(kit_path)[0] if fits(name, s)]


def build(name: str, ctx: ProductContext) -> Document:
    if name not in PRODUCTS:
        raise InvalidValue(f"no product named {name!r}", f"choose one of: {', '.join(PRODUCTS)}")
    check_stock(name, ctx)
    module = importlib.import_module(PRODUCTS[name][0])
    return module.build(ctx)
