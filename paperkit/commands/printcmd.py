"""paperkit print PRODUCT: every product takes the same options."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..errors import KitNotFound, Unprintable
from ..printing import print_product
from ..products import PRODUCTS, PrintOptions
from . import date_option

EXAMPLES = {
    "cards": ("Pocket cards: hotline and what to do on the front, rights on the back.",
              "paperkit print cards --stock cards-us-10up -o cards.pdf"),
    "contacts": ("Contact sheet for one ring and audience, grouped by micro-role.",
                 "paperkit print contacts --ring dispatch --audience crew -o dispatch.pdf"),
    "board": ("The wall task board, tiled over several pages with alignment marks.",
              "paperkit print board -o board.pdf --preview"),
    "slips": ("One task slip per task, with its signed QR code and check boxes. Slips hang "
              "on the board, so names the audience may not see print as \"(withheld)\".",
              "paperkit print slips --start 3 --manifest slips.json -o slips.pdf"),
    "ledger": ("Bail-fund ledger: entries, running balance, assertions, blank rows, totals.",
               "paperkit print ledger --public -o ledger.pdf"),
    "roles": ("The rotation roster with each mandate's expiry date.",
              "paperkit print roles -o roles.pdf"),
    "drill": ("The three-week drill plan with timing boxes.",
              "paperkit print drill -o drill.pdf"),
    "charter": ("A one-page charter from kit.toml.",
                "paperkit print charter -o charter.pdf"),
    "kit": ("Everything in one PDF, with a cover listing what is inside.",
            "paperkit print kit -o kit.pdf"),
}


def common_options(func):
    """The options every print command takes (DESIGN §3)."""
    for decorator in reversed([
        click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                     help="The PDF to write (default: PRODUCT.pdf in this folder)."),
        click.option("--paper", type=click.Choice(["letter", "a4"]),
                     help="Page size; overrides kit.toml."),
        click.option("--stock", metavar="NAME",
                     help="A stock from layouts/*.toml (see 'paperkit print stocks')."),
        click.option("--start", type=click.IntRange(0), default=0, show_default=True,
                     help="Skip N used positions on a partly used first sheet."),
        click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path),
                     help="Write where every slip, code and box sits (JSON)."),
        click.option("--preview", is_flag=True, help="Also write a PNG of every page."),
        click.option("--date", "today", metavar="DATE",
                     help="The printed-on date, YYYY-MM-DD (default: today)."),
    ]):
        func = decorator(func)
    return func


def register(cli: click.Group) -> None:
    from ..cli import pass_ctx

    @cli.group("print")
    def print_group() -> None:
        """Print the group's paper tools from the record, as PDF.

        \b
        Example:
          paperkit print slips --manifest slips.json --preview
        """

    def make(product: str, extra: list):
        summary, example = EXAMPLES[product]

        @pass_ctx
        def command(ctx, output, paper, stock, start, manifest, preview, today, **kw):
            day = date_option(today, "--date") or dt.date.today()
            kit = ctx.kit
            tasks = tuple(kw.pop("task", ()) or ())
            if "copies" in kw:
                kw["copies"] = kw["copies"] or 0  # not given: one full sheet per language
            if product == "ledger":  # the laptop's full care-crew copy: every name
                kw["audience"] = "private"
            options = PrintOptions(paper=paper, stock=stock, start=start, today=day,
                                   tasks=tasks, **kw)
            with kit.open_record() as rec:
                result = print_product(kit, rec, product, output or Path(f"{product}.pdf"),
                                       options, manifest, preview)
            click.echo(f"wrote {result.pdf} ({result.pages} page(s)"
                       + (f", {result.slips} slip(s)" if result.slips else "") + ")")
            if result.manifest:
                click.echo(f"wrote {result.manifest}")
            for png in result.previews:
                click.echo(f"wrote {png}")
            if result.unprintable:
                raise Unprintable(result.unprintable)

        command.__doc__ = f"{summary}\n\n\b\nExample:\n  {example}\n"
        command = common_options(command)
        for option in reversed(extra):
            command = option(command)
        print_group.command(product)(command)

    ring = click.option("--ring", type=click.Choice(["witness", "dispatch", "care"]),
                        help="Only this ring (default: every ring).")
    audience = click.option("--audience", type=click.Choice(["public", "crew", "private"]),
                            default="public", show_default=True,
                            help="Who will see the print; fields they may not see are left out.")
    extras = {
        "cards": [click.option("--backs-separately", is_flag=True,
                               help="Print all fronts, then all backs, instead of duplex order."),
                  click.option("--copies", type=click.IntRange(1), metavar="N",
                               help="Cards per language, at least 1 (default: one full "
                                    "sheet each).")],
        "contacts": [ring, audience],
        "ledger": [click.option("--public", is_flag=True,
                                help="Replace counterparties and persons with pseudonyms.")],
        "slips": [click.option("--task", multiple=True, metavar="ID",
                               help="Only these tasks (repeatable; default: open, taken, stuck)."),
                  audience],
        "board": [audience],
        "roles": [audience],
        "kit": [ring,
                click.option("--audience", type=click.Choice(["public", "crew", "private"]),
                             default="crew", show_default=True,
                             help="Who the kit is for: its contact sheets, board, slips and "
                                  "roles; a public kit prints the ledger with pseudonyms."),
                click.option("--public", is_flag=True,
                             help="Print the ledger with pseudonyms instead of names.")],
    }
    for product in PRODUCTS:
        make(product, extras.get(product, []))

    @print_group.command("stocks")
    @pass_ctx
    def stocks(ctx) -> None:
        """List the paper stocks in layouts/ (and the kit's own layouts/ folder), each with
        the products that print on it. A stock file that does not load is named with its
        problem, after the others (exit 1).

        \b
        Example:
          paperkit print stocks
        """
        from ..errors import StockFilesBad
        from ..layout.stock import load_stocks
        from ..products import stock_uses

        try:
            kit_path = ctx.kit.path
        except KitNotFound:  # listing needs no kit
            kit_path = None
        good, bad = load_stocks(kit_path)
        for s in good:
            click.echo(f"{s.name:20} {s.columns}x{s.rows} on {s.paper:7} {s.description}"
                       f" ({stock_uses(s)})")
        if bad:
            raise StockFilesBad([(str(path), err.user_message()) for path, err in bad])
