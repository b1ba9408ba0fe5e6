"""Bail-fund ledger sheets: a totals box (in / out / balance per currency), every entry
with the running balance of its currency, the balance assertions with a pass/fail mark,
and blank numbered rows for writing entries by hand at the support table.

Money stays in integer minor units until ``grouped_amount`` writes it (in groups of three,
narrow spaces between); no float touches it.

``--public`` (``options.public``): counterparties and persons are replaced with stable
pseudonyms numbered by first appearance in date order ("Donor 1" for a counterparty first
seen giving a donation, "Party 2" for any other, "Person 1" for persons), and the notes
column is left out (notes may name people). The real names are absent from the PDF.

``withheld`` (the kit book passes it for a crew kit): the names in it are replaced, in the
counterparties, persons and notes, as the board and roles roster withhold them. Without
it, the names the print's audience may not see are withheld (the kiosk's print centre,
public or crew; a crew copy from the kiosk printed a private contact's name the kiosk's
own ledger page withholds), unless the audience is private: ``paperkit print ledger``,
the laptop's full care-crew copy.
"""

from __future__ import annotations

from collections import defaultdict

from ..layout.model import GREY, Document, Rect
from ..record.ledger import (
    assertion_failures,
    grouped_amount,
    list_assertions,
    running,
    signed_amount,
)
from ..record.models import LedgerEntry
from . import ProductContext
from .common import SHADE, WARN, Column, Sheets, Withheld, check_mark, fitted, scale_columns
from .contacts import withheld_for

#: Blank rows for hand entries: at least this many, then to the foot of the page.
MIN_BLANK_ROWS = 12
BLANK_ROW_H = 21.0


class Pseudonyms:
    """Stable stand-ins for real names, numbered by first appearance per kind."""

    def __init__(self) -> None:
        self.names: dict[tuple[str, str], str] = {}
        self.counts: dict[str, int] = defaultdict(int)

    def get(self, space: str, real: str, label: str) -> str:
        if not real:
            return ""
        key = (space, real.strip().casefold())
        if key not in self.names:
            self.counts[label] += 1
            self.names[key] = f"{label} {self.counts[label]}"
        return self.names[key]


def pseudonymise(entries: list[LedgerEntry]) -> dict[int, tuple[str, str]]:
    """Entry id → (counterparty, person) pseudonyms, numbered in the given order."""
    names = Pseudonyms()
    out = {}
    for e in entries:
        cp = names.get("cp", e.counterparty, "Donor" if e.kind == "donation" else "Party")
        out[e.id] = (cp, names.get("person", e.person, "Person"))
    return out


def entry_columns(public: bool, width: float) -> list[Column]:
    cols = [Column("#", 4, "right", size=8), Column("date", 10, size=8.5),
            Column("kind", 11, size=8.5), Column("counterparty", 18 if not public else 26),
            Column("person", 10 if not public else 14)]
    if not public:
        cols.append(Column("note", 16, size=8))
    cols += [Column("in", 10, "right", "sans", 8.5, whole=True),
             Column("out", 10, "right", "sans", 8.5, whole=True),
             Column("balance", 11, "right", "sans", 8.5, whole=True), Column("cur", 5, size=8.5)]
    return scale_columns(cols, width)


def build(ctx: ProductContext, withheld: Withheld | None = None) -> Document:
    """The ledger sheets; public (pseudonyms, no notes) when ``options.public`` is set.
    ``withheld``: names replaced wherever they are written (see the module's doc)."""
    public = ctx.options.public
    if withheld is None and not public and ctx.options.audience != "private":
        withheld = withheld_for(ctx.record, ctx.options.audience)
    settings = ctx.kit.settings
    today = ctx.today.isoformat()
    sheets = Sheets(ctx.stock("ledger"), settings.name, "Bail-fund ledger", today,
                    banner="PUBLIC COPY" if public else "CARE CREW", product="ledger")
    rows = running(ctx.record)
    names = pseudonymise([e for e, _ in rows]) if public else {}
    cols = entry_columns(public, sheets.width)

    _totals_box(sheets, rows)

    sheets.heading("Entries", 13, note="in = into the fund · out = paid out · "
                                       "balance = after the entry, per currency")
    sheets.on_break = lambda: (sheets.heading("Entries (continued)", 13, keep=30),
                               sheets.table_header(cols))
    sheets.table_header(cols)
    for number, (e, balance) in enumerate(rows, 1):
        cp, person = names.get(e.id, (e.counterparty, e.person))
        amount = signed_amount(e)
        money_in = grouped_amount(amount, e.currency) if amount >= 0 else ""
        money_out = grouped_amount(-amount, e.currency) if amount < 0 else ""
        note = e.note
        if withheld is not None:
            cp, person, note = withheld.text(cp), withheld.text(person), withheld.text(note)
        values = [str(number), e.date, e.kind, cp, person]
        if not public:
            values.append(note)
        values += [money_in, money_out, grouped_amount(balance, e.currency), e.currency]
        sheets.table_row(cols, values, bold=[False] * (len(values) - 2) + [True])
    if not rows:
        sheets.paragraph("No entries yet.", 10)
    sheets.on_break = None
    sheets.advance(10)

    _assertions(sheets, ctx)
    _blank_rows(sheets, cols, len(rows) + 1, public)
    pages = sheets.pages()
    if withheld is not None:
        pages = withheld.pages(pages)
    return Document(product="ledger", title=f"{settings.name}: bail-fund ledger",
                    pages=pages, kit=ctx.kit.id, meta={"public": public})


def _totals_box(sheets: Sheets, rows) -> None:
    money_in: dict[str, int] = defaultdict(int)
    money_out: dict[str, int] = defaultdict(int)
    for e, _ in rows:
        amount = signed_amount(e)
        (money_in if amount >= 0 else money_out)[e.currency] += abs(amount)
    currencies = sorted(set(money_in) | set(money_out))
    sheets.heading("Totals", 13, keep=20 + 22 * max(1, len(currencies)))
    cols = scale_columns([Column("currency", 12, font="sans-bold", size=11),
                          Column("in", 20, "right", "sans", 11, whole=True),
                          Column("out", 20, "right", "sans", 11, whole=True),
                          Column("balance", 22, "right", "sans", 11, whole=True)],
                         sheets.width * 0.7)
    sheets.table_header(cols)
    for cur in currencies:
        balance = money_in[cur] - money_out[cur]
        sheets.table_row(cols, [cur, grouped_amount(money_in[cur], cur),
                                grouped_amount(money_out[cur], cur),
                                grouped_amount(balance, cur)],
                         fill=SHADE, bold=[True, False, False, True], min_height=20)
    if not currencies:
        sheets.paragraph("Nothing in or out yet.", 10)
    sheets.advance(10)


def _assertions(sheets: Sheets, ctx: ProductContext) -> None:
    assertions = list_assertions(ctx.record)
    failing = {f.assertion.id: f for f in assertion_failures(ctx.record)}
    sheets.heading("Balance assertions", 13, keep=40,
                   note="the balance at the end of the day, as counted")
    if not assertions:
        sheets.paragraph("No balance assertions recorded.", 9, color=GREY)
        sheets.advance(8)
        return
    cols = scale_columns([Column("check", 7), Column("date", 14), Column("currency", 10),
                          Column("counted", 18, "right", "sans", whole=True),
                          Column("the ledger gives", 18, "right", "sans", whole=True),
                          Column("result", 33)], sheets.width)
    sheets.table_header(cols)
    for a in assertions:
        fail = failing.get(a.id)
        actual = fail.actual if fail else a.amount
        result = ("holds" if fail is None else
                  f"FAILS: off by {grouped_amount(actual - a.amount, a.currency)} {a.currency}")
        y = sheets.need(22)
        sheets.table_row(cols, ["", a.date, a.currency, grouped_amount(a.amount, a.currency),
                                grouped_amount(actual, a.currency), result],
                         fill=WARN if fail else None,
                         bold=[False] * 5 + [fail is not None], min_height=22)
        mark = Rect(sheets.x0 + 8, y + 4, sheets.x0 + 22, y + 18)
        sheets.add(*check_mark(mark, fail is None))
    sheets.advance(10)


def _blank_rows(sheets: Sheets, cols: list[Column], first: int, public: bool) -> None:
    note = ("public copy: write pseudonyms (Donor 4, Person 3), never names" if public
            else "write each entry as it happens; two people count the cash at close")
    sheets.heading("Hand entries", 13, keep=18 + BLANK_ROW_H * 4, note=note)
    sheets.on_break = lambda: (sheets.heading("Hand entries (continued)", 13, keep=30),
                               sheets.table_header(cols))
    sheets.table_header(cols)
    count = 0
    number = first
    while count < MIN_BLANK_ROWS or sheets.room >= BLANK_ROW_H + 40:
        sheets.table_row(cols, [str(number)] + [""] * (len(cols) - 1),
                         min_height=BLANK_ROW_H, rule=GREY, grid=True)
        number += 1
        count += 1
    sheets.on_break = None
    y = sheets.need(34) + 10
    sign = fitted("Cash counted at close: ____________   by ________________   and "
                  "________________   on ____________", sheets.x0, y, sheets.width, "sans", 9.5)
    sheets.add(sign)
    sheets.advance(sign.rect.height + 10)
