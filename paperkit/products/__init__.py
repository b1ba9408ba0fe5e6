"""The printed products. Each module has ``build(ctx: ProductContext) -> Document``: plain
layout data, computed from the record; rendering to PDF happens elsewhere (render/).

Register a product in ``PRODUCTS`` (name → module path); ``products.build(name, ctx)``
imports it on demand.
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass, field

from ..errors import InvalidValue
from ..kit import Kit
from ..layout.model import Document
from ..layout.stock import Stock, load_stock
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

    @property
    def paper(self) -> str:
        return self.options.paper or self.kit.settings.paper

    @property
    def today(self) -> dt.date:
        return self.options.today or dt.date.today()

    def stock(self, product: str) -> Stock:
        name = self.options.stock or PRODUCTS[product][1].format(paper=self.paper)
        return load_stock(name, self.kit.path)

    def plain_stock(self) -> Stock:
        """The plain page of this paper size, for sheet products inside the kit book."""
        return load_stock(self.paper, self.kit.path)


def build(name: str, ctx: ProductContext) -> Document:
    if name not in PRODUCTS:
        raise InvalidValue(f"no product named {name!r}", f"choose one of: {', '.join(PRODUCTS)}")
    module = importlib.import_module(PRODUCTS[name][0])
    return module.build(ctx)
