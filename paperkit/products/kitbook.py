"""The whole kit in one PDF (product ``kit``): a cover listing what is inside with page
numbers, then the charter, pocket cards, contact sheets, the task board with its slips,
the ledger, the roles roster and the drill plan.

- Every part is built by its own product with the default stock for the paper size, from
  a sheet's first cell; the parts' pages are kept as they are, so the slips' placements
  (and so the manifest) carry their page numbers in this document. So the kit takes no
  ``--start``, and ``--stock`` only as a paper's plain page (``letter``, ``a4``), which
  chooses the paper (products.check_stock): another stock is refused, not ignored.
- Contact sheets print every ring (or ``--ring``) for ``options.audience``; the
  ``paperkit print kit`` command defaults it to ``crew`` (the kit is an organiser's
  binder), while a library caller's PrintOptions default stays ``public``. The board, its
  slips and the roles roster are for the same audience.
- The ledger (:func:`ledger_public`): a ``public`` kit always prints the public ledger
  (pseudonyms, no notes), as ``options.public`` does for any audience; a public kit is
  public throughout. A ``crew`` kit keeps the care crew's ledger with its names, but the
  names a crew print may not show (private contacts, as on its board) are withheld there
  too. Only a ``private`` kit prints the ledger as ``paperkit print ledger`` does.
- The pocket cards' first front lands on an odd page (a blank page goes before them if
  needed), so a long-edge duplex print of the whole kit still lines their backs up.
- Pages with room below their content get a small "kit page N of T" line.
- ``products/cards.py`` is included when it exists.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from dataclasses import dataclass

from ..layout.model import GREY, Document, Line, Page
from . import ProductContext
from .common import SHADE, Column, Sheets, fitted, scale_columns
from .contacts import BANNERS, withheld_for
from .ledger import build as build_ledger


@dataclass(frozen=True)
class Section:
    """One entry of the cover: ``title``, what it is, and its 1-based page range."""

    title: str
    what: str
    first: int
    last: int

    @property
    def pages(self) -> str:
        return f"{self.first}" if self.first == self.last else f"{self.first}–{self.last}"


def _optional_cards() -> Callable[[ProductContext], Document] | None:
    try:
        module = importlib.import_module("paperkit.products.cards")
    except ModuleNotFoundError as exc:
        if exc.name == "paperkit.products.cards":
            return None
        raise
    return module.build


def _part(ctx: ProductContext, name: str, **options) -> Document:
    """Build product ``name`` with its default stock for the kit's paper, from cell 0."""
    from . import build as build_product

    return build_product(name, ctx.with_default_stock(start=0, **options))


def ledger_public(options) -> bool:
    """Whether the kit prints the public ledger: asked for, or a public kit."""
    return options.public or options.audience == "public"


def _ledger(ctx: ProductContext) -> Document:
    public = ledger_public(ctx.options)
    sub = ctx.with_default_stock(public=public, start=0)
    withheld = None
    if not public and ctx.options.audience != "private":
        withheld = withheld_for(ctx.record, ctx.options.audience)
    return build_ledger(sub, withheld)


def _blank(size: tuple[float, float]) -> Page:
    w, h = size
    note = fitted("This page is left blank so that the pocket cards' backs line up with "
                  "their fronts when the kit is printed double-sided.", w * 0.2, h / 2,
                  w * 0.6, "sans", 9, align="center", color=GREY)
    return Page(size=size, items=(note,), label="blank")


def parts(ctx: ProductContext) -> list[tuple[str, str, list[Page]]]:
    """(title, what it is, pages) for every part, in kit order, before the cover."""
    audience = ctx.options.audience
    out: list[tuple[str, str, list[Page]]] = []
    out.append(("Charter", "the group's charter, with lines to sign",
                list(_part(ctx, "charter").pages)))
    cards = _optional_cards()
    if cards is not None:
        doc = cards(ctx.with_default_stock(start=0))
        out.append(("Pocket cards", "hotline and what to do on the front, rights on the back;"
                    " cut along the crop marks", list(doc.pages)))
    contacts = _part(ctx, "contacts", audience=audience)
    by_ring: dict[str, list[Page]] = {}
    for page in contacts.pages:
        by_ring.setdefault(page.label.partition(":")[2] or "contacts", []).append(page)
    for ring, pages in by_ring.items():
        out.append((f"Contacts: {ring}", f"{audience} audience; reprint by "
                    f"{contacts.meta.get('reprint_by', '')}", pages))
    board = _part(ctx, "board")
    n = board.meta.get("board_pages", len(board.pages))
    rows, cols = board.meta.get("tiles", [0, 0])
    out.append(("Task board", f"a poster of {rows} × {cols} pages: trim and tape them "
                "together where the crosses meet", list(board.pages[:n])))
    if board.pages[n:]:
        out.append(("Task slips", "one per open, taken or stuck task; cut them apart and pin "
                    "them on the board", list(board.pages[n:])))
    ledger = _ledger(ctx)
    if ledger_public(ctx.options):
        which = "public copy: names replaced with pseudonyms; "
    elif audience != "private":
        which = f"names a {audience} print may not show are withheld; "
    else:
        which = ""
    out.append(("Bail-fund ledger", which + "entries, balances, assertions, rows to write in",
                list(ledger.pages)))
    out.append(("Roles and rotation", "who holds which mandate until when; the next rotation",
                list(_part(ctx, "roles").pages)))
    out.append(("Three-week drill", "cards and contacts, a tabletop exercise, a timed mock "
                "arrest", list(_part(ctx, "drill").pages)))
    return out


def _cover(ctx: ProductContext, sections: list[Section], total: int, audience: str) -> Page:
    settings = ctx.kit.settings
    stock = ctx.plain_stock()
    everything_public = audience == "public"  # its ledger is the public one then
    banner = "" if everything_public else BANNERS.get(audience, "CREW ONLY")
    sheets = Sheets(stock, settings.name, "Paper kit", ctx.today.isoformat(), banner=banner,
                    product="kit")
    name = fitted(settings.name, sheets.x0, sheets.y + 30, sheets.width, "sans-bold", 34, 16)
    sheets.add(name)
    sheets.advance(name.rect.height + 40)
    sheets.paragraph(f"Everything the group prints, in one binder: {total} pages, printed "
                     f"{ctx.today.isoformat()}. Reprint from the record when it changes; "
                     "destroy old copies. Print at full darkness, not in draft or "
                     "toner-save mode: on slips from a pale print, light marks go to "
                     "review instead of being applied.", 11, gap=20)
    cols = scale_columns([Column("section", 30, font="sans-bold", size=12),
                          Column("what it is", 56, size=10),
                          Column("pages", 14, "right", size=12)], sheets.width)
    sheets.heading("Contents", 16, keep=40)
    sheets.table_header(cols)
    for s in sections:
        sheets.table_row(cols, [s.title, s.what, s.pages], min_height=26)
    sheets.advance(20)
    if not everything_public:
        sheets.table_row(scale_columns([Column("", 1, size=10)], sheets.width),
                         [f"This kit holds {audience} contact sheets"
                          + ("" if ledger_public(ctx.options) else " and the care crew's ledger")
                          + ". Keep it with the crew; never leave it on a public table."],
                         fill=SHADE, min_height=30)
    return sheets.pages("kit")[0]


def _number(page: Page, n: int, total: int) -> Page:
    """``page`` with "kit page n of total" below its content, when there is room."""
    bottom = 0.0
    for it in page.items:
        if isinstance(it, Line):
            bottom = max(bottom, it.y0, it.y1)
        else:
            bottom = max(bottom, it.rect.y1)
    w, h = page.size
    if h - bottom < 16:
        return page
    y = bottom + (h - bottom - 9) / 2
    label = fitted(f"kit page {n} of {total}", w / 2 - 60, y, 120, "sans", 7, align="center",
                   color=GREY)
    return dataclasses.replace(page, items=(*page.items, label))


def build(ctx: ProductContext) -> Document:
    audience = ctx.options.audience
    found = parts(ctx)
    pages: list[Page] = []
    sections: list[Section] = []
    page_no = 2  # the cover is page 1
    for title, what, part_pages in found:
        if title == "Pocket cards" and page_no % 2 == 0 and part_pages:
            pages.append(_blank(part_pages[0].size))
            page_no += 1
        sections.append(Section(title, what, page_no, page_no + len(part_pages) - 1))
        pages.extend(part_pages)
        page_no += len(part_pages)
    total = len(pages) + 1
    cover = _cover(ctx, sections, total, audience)
    numbered = [cover] + [_number(p, i, total) for i, p in enumerate(pages, 2)]
    return Document(product="kit", title=f"{ctx.kit.settings.name}: paper kit",
                    pages=tuple(numbered), kit=ctx.kit.id,
                    meta={"sections": [dataclasses.asdict(s) for s in sections],
                          "audience": audience})

