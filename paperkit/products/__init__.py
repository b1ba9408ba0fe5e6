"""The printed products. Each module has ``build(ctx: ProductContext) -> Document``: plain
layout data, computed from the record; rendering to PDF happens elsewhere (render/).

Register a product in ``PRODUCTS`` (name → module path); ``products.build(name, ctx)``
imports it on demand.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import importlib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InvalidValue, LayoutError
from ..kit import Kit
from ..layout.model import Document
from ..layout.stock import Stock, list_stocks, load_stock
from ..record import Record

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
        """This context for a part printed on its default stock for this paper, from its
        first cell (``options`` change any other print option too)."""
        return dataclasses.replace(self, options=dataclasses.replace(
            self.options, paper=self.paper, stock=None, start=0, **options))

    @property
    def today(self) -> dt.date:
        return self.options.today or dt.date.today()

    def stock(self, product: str) -> Stock:
        name = self.options.stock or PRODUCTS[product][1].format(paper=self.paper)
        return load_stock(name, self.kit.path)

    def plain_stock(self) -> Stock:
        """The plain page of this paper size, for sheet products inside the kit book."""
        return load_stock(self.paper, self.kit.path)


def check_stock(name: str, ctx: ProductContext) -> None:
    """Refuse ``--stock`` when it is not a stock product ``name`` prints on (a charter on
    task-slip stock would overlap, a contact sheet on card stock fill one card a page), or
    when ``--paper`` asks for another paper than the stock's. Both InvalidValue (exit 2),
    naming the stocks that fit."""
    options = ctx.options
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
    if options.paper and stock.paper != options.paper:
        on = f"{stock.page[0]:.0f} x {stock.page[1]:.0f} pt" if stock.paper == "custom" \
            else stock.paper
        same = [n for n in stocks_for(name, ctx.kit.path)
                if load_stock(n, ctx.kit.path).paper == options.paper]
        raise InvalidValue(
            f"--paper {options.paper} conflicts with --stock {stock.name}, which is on {on} "
            "paper", "leave out --paper (the stock sets the page)"
            + (f", or choose one of: {', '.join(same)}" if same else ""))


def stocks_for(name: str, kit_path: Path | None = None) -> list[str]:
    """The stocks (layouts/ and the kit's own) that product ``name`` prints on."""
    uses = STOCK_USES.get(name, ("page",))
    out = []
    for stock_name in list_stocks(kit_path):
        try:
            if load_stock(stock_name, kit_path).use in uses:
                out.append(stock_name)
        except LayoutError:  # a broken stock file is named when it is asked for
            continue
    return out


def build(name: str, ctx: ProductContext) -> Document:
    if name not in PRODUCTS:
        raise InvalidValue(f"no product named {name!r}", f"choose one of: {', '.join(PRODUCTS)}")
    check_stock(name, ctx)
    module = importlib.import_module(PRODUCTS[name][0])
    return module.build(ctx)
