"""User-made stock files (layouts/*.toml in a kit): files that are not UTF-8, bad keys and
values, a stock too small for a product, ``--stock`` and ``--start`` where a product cannot
use them, and the sheet products on pages narrower than letter. Each test names what an
audit of such files found broken."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from pathlib import Path

import pytest

from paperkit.errors import InvalidValue, LayoutError, StockTooSmall
from paperkit.layout import slip as S
from paperkit.layout.model import Text
from paperkit.layout.stock import LAYOUT_DIR, list_stocks, load_stock
from paperkit.products import (
    PRODUCTS,
    PrintOptions,
    ProductContext,
    build,
    fits,
    minimum_cell,
    stocks_for,
)
from paperkit.products.common import FOOTER_H, HEADER_H
from paperkit.render import fonts
from paperkit.samplekit import make_sample_kit

TODAY = dt.date(2026, 11, 25)
A5 = 'description = "A5 plain"\npage = ["148mm", "210mm"]\ncell = ["128mm", "190mm"]\n'
A6 = 'description = "A6 plain"\npage = ["105mm", "148mm"]\ncell = ["89mm", "132mm"]\n'
HALF_LETTER = 'page = ["5.5in", "8.5in"]\ncell = ["4.75in", "7.75in"]\n'
BIG_MARGIN = 'paper = "letter"\ncell = ["4.5in", "7in"]\nmargin = ["2in", "2in"]\n'
SLIPS_TINY = 'paper = "a4"\ncolumns = 2\nrows = 15\ncell = ["100mm", "15mm"]\n'
SLIPS_SMALL = 'paper = "a4"\ncolumns = 2\nrows = 6\ncell = ["95mm", "40mm"]\n'
LABELS = 'paper = "a4"\ncolumns = 3\nrows = 8\ncell = ["64mm", "33.9mm"]\ngap = ["2.5mm", 0]\n'


def add_stock(kit, name: str, text: str | bytes) -> Path:
    folder = Path(kit.path) / "layouts"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.toml"
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def make(kit, product: str, **options):
    options.setdefault("today", TODAY)
    with kit.open_record() as rec:
        return build(product, ProductContext(kit, rec, PrintOptions(**options)))


@pytest.fixture(scope="module")
def skit(tmp_path_factory):
    """The sample kit, with the audit's own stocks in its layouts/ folder."""
    kit = make_sample_kit(tmp_path_factory.mktemp("stocks") / "sample")
    for name, text in (("a5", A5), ("a6", A6), ("halfletter", HALF_LETTER),
                       ("bigmargin", BIG_MARGIN), ("slips-tiny", SLIPS_TINY),
                       ("slips-small", SLIPS_SMALL), ("labels-3x8", LABELS)):
        add_stock(kit, name, text)
    return kit


# -- 1. the kit and --stock / --start ---------------------------------------------------

def test_kit_refuses_a_custom_stock_instead_of_printing_on_letter(run, skit):
    """Regression: 'print kit --stock a5' wrote 30 letter pages, exit 0."""
    code, _, err = run("--kit", str(skit.path), "print", "kit", "--stock", "a5",
                       "-o", "kit.pdf")
    assert code == 2, err
    assert "--stock a5" in err and "--paper" in err
    assert "print the products one by one" in err and "--stock a5" in err
    assert not Path("kit.pdf").exists()


def test_kit_refuses_a_letter_stock_it_would_not_use_either(skit):
    with pytest.raises(InvalidValue, match="--stock bigmargin"):
        make(skit, "kit", stock="bigmargin")
    assert "bigmargin" not in stocks_for("kit", skit.path)
    assert stocks_for("kit", skit.path) == ["a4", "letter"]


def test_kit_refuses_start(run, skit):
    code, _, err = run("--kit", str(skit.path), "print", "kit", "--start", "2",
                       "-o", "kit.pdf")
    assert code == 2, err
    assert "--start 2" in err and "paperkit print cards --start 2" in err
    assert not Path("kit.pdf").exists()


# -- 2. slips too small to scan or mark --------------------------------------------------

def test_a_slip_stock_too_small_to_scan_is_refused_naming_the_size_it_needs(skit):
    """Regression: 100 x 15 mm cells drew slips at scale 0.236 (QR modules of 0.21 mm,
    check boxes of 1.2 mm), exit 0, and 'print stocks' listed the stock for slips."""
    with pytest.raises(StockTooSmall) as err:
        make(skit, "slips", stock="slips-tiny")
    message = err.value.user_message()
    assert "slips-tiny" in message and "100 × 15 mm" in message
    assert "57.2 × 38.1 mm" in message  # the smallest cell that works
    assert "slips-tiny" not in stocks_for("slips", skit.path)
    assert "slips-tiny" not in err.value.hint


def test_small_but_scannable_slip_cells_print(skit):
    doc = make(skit, "slips", stock="slips-small")
    scales = {round(s.rect.width / S.SLIP_W, 3) for p in doc.pages for s in p.slips}
    assert scales and min(scales) >= S.MIN_SCALE
    assert "slips-small" in stocks_for("slips", skit.path)


def test_every_shipped_slip_stock_prints_slips_at_the_minimum_scale_or_more():
    for name in list_stocks():
        stock = load_stock(name)
        if stock.use == "slips":
            cell = stock.cell_rect(0)
            assert S.scale_for(cell) >= S.MIN_SCALE, name
            assert fits("slips", stock), name
    assert S.QR_MODULE * S.MIN_SCALE * 25.4 / 72 >= 0.4  # mm


# -- 3. files that are not UTF-8 ---------------------------------------------------------

@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
def test_a_stock_file_that_is_not_utf8_is_named_not_a_traceback(kit, encoding):
    """Regression: a Latin-1 or UTF-16 file raised UnicodeDecodeError."""
    add_stock(kit, "ours", 'description = "Größe"\npaper = "a4"\n'.encode(encoding))
    with pytest.raises(LayoutError) as err:
        load_stock("ours", kit.path)
    assert "ours.toml is not UTF-8 text" in str(err.value)
    assert "save it as UTF-8" in err.value.hint


def test_a_stock_file_with_a_byte_order_mark_loads(kit):
    """Regression: Notepad's BOM was 'not valid TOML: Invalid statement'."""
    add_stock(kit, "ours", '\ufeffdescription = "Größe"\npaper = "a4"\n'.encode())
    assert load_stock("ours", kit.path).description == "Größe"


def test_a_latin1_stock_does_not_break_the_wrong_kind_of_stock_refusal(kit):
    """Regression: the refusal lists the stocks that fit, and that listing met the bad
    file's UnicodeDecodeError."""
    add_stock(kit, "ours", 'description = "Größe"\npaper = "a4"\n'.encode("latin-1"))
    with pytest.raises(InvalidValue) as err:
        make(kit, "charter", stock="id1-letter")
    assert "letter" in err.value.hint and "ours" not in err.value.hint


# -- 4. 'print stocks' with bad files ----------------------------------------------------

def test_print_stocks_lists_every_good_stock_and_names_every_bad_file(run, kit):
    """Regression: one bad file cut the listing off there, exit 2."""
    add_stock(kit, "aaa-latin", 'description = "Größe"\npaper = "a4"\n'.encode("latin-1"))
    add_stock(kit, "bbb-negative", 'paper = "a4"\ncolumns = 2\ncell = [80, 80]\n'
                                   'gap = [-60, -60]\n')
    add_stock(kit, "zzz-ours", 'description = "Our own"\npaper = "a4"\n')
    code, out, err = run("--kit", str(kit.path), "print", "stocks")
    assert code == 1, err
    for name in [*list_stocks(), "zzz-ours"]:
        if not name.startswith(("aaa", "bbb")):
            assert any(line.startswith(f"{name} ") for line in out.splitlines()), name
    assert "aaa-latin.toml is not UTF-8 text" in err
    assert "bbb-negative.toml: gap: -60 is negative" in err
    assert "2 stock file(s)" in err


def test_print_stocks_says_what_a_stock_is_too_small_for(run, skit):
    code, out, _ = run("--kit", str(skit.path), "print", "stocks")
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert "for slips" in lines["slips-small"]
    assert "for slips" not in lines["slips-tiny"] and "too small" in lines["slips-tiny"]
    assert "for contacts" not in lines["a6"]
    assert "for cards" not in lines["labels-3x8"]
    assert "for contacts" in lines["halfletter"]


# -- 5. bad values -------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "message"), [
    ('paper = "a4"\ncolumns = 2\nrows = 4\ncell = [80, 80]\ngap = [-60, -60]\n',
     "gap: -60 is negative"),
    ('paper = "a4"\ncolumns = 2\nrows = 4\ncell = ["85.6mm", "54mm"]\nradius = -5\n',
     "radius: -5 is negative"),
    ('paper = "letter"\ncolumns = 2\ncell = ["3.75in", "2.5in"]\nmargin = ["-1in", 0]\n',
     "margin: '-1in' is negative"),
    ('paper = "a4"\ncell = [nan, 54]\n', "nan is not a length"),
    ('paper = "a4"\ncell = [inf, 54]\n', "inf is not a length"),
    ('paper = "a4"\ncell = [0, 0]\n', "must be more than 0"),
    ('page = [0, 0]\n', "must be more than 0"),
    ('paper = "a4"\ncolumns = 2\ncell = ["85.6mm", "54mm"]\ncrop_marks = "false"\n',
     "crop_marks must be true or false"),
    ('paper = "a4"\ncolumns = true\ncell = ["85.6mm", "54mm"]\n', "whole numbers"),
    ('kind = "posters"\npaper = "a4"\n', "kind 'posters' is not known; the known kinds are "
                                         "sheet, poster"),
    ('paper = "a4"\npage = ["8.5in", "11in"]\n', "both paper"),
    ('name = "Avery 5371"\npaper = "letter"\n', "'name' is not a stock key"),
    ('description = 5\npaper = "a4"\n', "description must be text"),
    ('paper = "A4"\n', "paper 'A4' is not known"),
    ('paper = "a4"\ncell = ["85.6mm", "54mm"]\nradius = "40mm"\n', "more than half"),
    ('kind = "poster"\npaper = "a4"\ncell = ["186mm", "273mm"]\noverlap = "186mm"\n',
     "leaves no poster"),
])
def test_a_bad_value_is_refused_saying_what_is_wrong(kit, text, message):
    """Regression: negative numbers printed cells over each other, 'crop_marks = "false"'
    drew crop marks, an unknown kind and both paper and page were taken silently, and
    'name' did nothing."""
    add_stock(kit, "bad", text)
    with pytest.raises(LayoutError) as err:
        load_stock("bad", kit.path)
    assert message in str(err.value)


def test_a_negative_length_says_negative_not_just_not_a_length(kit):
    add_stock(kit, "bad", 'paper = "a4"\ncolumns = 2\ncell = ["85mm", "54mm"]\n'
                          'gap = ["-20mm", "-20mm"]\n')
    with pytest.raises(LayoutError, match="'-20mm' is negative"):
        load_stock("bad", kit.path)


def test_the_name_key_says_a_stock_is_named_by_its_file(kit):
    add_stock(kit, "ours", 'name = "Avery 5371"\npaper = "letter"\n')
    with pytest.raises(LayoutError) as err:
        load_stock("ours", kit.path)
    assert "--stock ours" in str(err.value) and "rename the file" in err.value.hint


# -- 6. a stock too small for a product ----------------------------------------------------

@pytest.mark.parametrize(("product", "stock", "cells"), [
    ("contacts", "a6", "89 × 132 mm"),
    ("roles", "a6", "89 × 132 mm"),
    ("drill", "a6", "89 × 132 mm"),
    ("charter", "a6", "89 × 132 mm"),
    ("board", "a6", "89 × 132 mm"),
    ("ledger", "a6", "89 × 132 mm"),
    ("cards", "labels-3x8", "64 × 33.9 mm"),
    ("board", "halfletter", "120.6 × 196.8 mm"),
    ("ledger", "halfletter", "120.6 × 196.8 mm"),  # its dates and "USD" broke in two
    ("contacts", "bigmargin", "114.3 × 177.8 mm"),
])
def test_a_stock_too_small_for_a_product_is_blamed_on_the_stock(skit, product, stock, cells):
    """Regression: 'print contacts --stock a6' said the text does not fit a 74x11 pt box
    (shorten the text), the board and drill reported negative boxes, a 3 x 8 label sheet
    blamed the shipped card text."""
    with pytest.raises(StockTooSmall) as err:
        make(skit, product, stock=stock)
    need = minimum_cell(product, load_stock(stock, skit.path))
    message = str(err.value)
    assert f"stock {stock}'s cells ({cells}) are too small for {product}" in message
    assert f"{need[0] * 25.4 / 72:.1f}".removesuffix(".0") in message
    assert "shorten" not in err.value.user_message()
    assert stock not in stocks_for(product, skit.path)


def test_print_refuses_a_stock_too_small_with_exit_2(run, skit):
    code, _, err = run("--kit", str(skit.path), "print", "contacts", "--stock", "a6",
                       "-o", "c.pdf")
    assert code == 2 and "needs at least 118 × 76.2 mm" in err
    assert not Path("c.pdf").exists()


def overlapping_ink(page) -> list[tuple[str, str]]:
    """Pairs of text runs on ``page`` whose ink (their lines' real widths, as aligned, at
    their leading) overlaps."""

    def ink(t: Text):
        w = max(fonts.width(ln, t.font, t.size, t.direction) for ln in t.lines)
        align = t.align if t.align != "start" else (
            "right" if t.direction == "rtl" else "left")
        x0 = {"left": t.rect.x0, "right": t.rect.x1 - w}.get(
            align, (t.rect.x0 + t.rect.x1 - w) / 2)
        return x0, t.rect.y0, x0 + w, t.rect.y0 + len(t.lines) * max(t.leading, t.size)

    runs = [(it, ink(it)) for it in page.items if isinstance(it, Text) and it.lines]
    out = []
    for (a, ra), (b, rb) in itertools.combinations(runs, 2):
        if ra[0] < rb[2] - 0.5 and rb[0] < ra[2] - 0.5 and ra[1] < rb[3] - 0.5 \
                and rb[1] < ra[3] - 0.5:
            out.append((a.text, b.text))
    return out


def custom_stock(kit, product: str, width: float, height: float) -> str:
    """A stock of one cell (two for cards and slips) of ``width`` x ``height`` points."""
    if product in ("cards", "slips"):
        text = f'page = [{2 * width + 72}, {height + 72}]\ncolumns = 2\ncell = [{width}, {height}]\n'
    else:
        text = f"page = [{width + 72}, {height + 72}]\ncell = [{width}, {height}]\n"
        if product == "board":
            text += 'kind = "poster"\noverlap = "12mm"\n'
    add_stock(kit, "edge", text)
    return "edge"


@pytest.fixture(scope="module")
def short_charter_kit(tmp_path_factory):
    """The sample kit with a charter short enough for any page the charter takes."""
    kit = make_sample_kit(tmp_path_factory.mktemp("short") / "sample")
    toml = kit.path / "kit.toml"
    text = toml.read_text(encoding="utf-8")
    start = text.index('charter = """')
    end = text.index('"""', start + 13) + 3
    toml.write_text(text[:start] + 'charter = "We go out in pairs and come home in pairs."'
                    + text[end:], encoding="utf-8")
    from paperkit.kit import open_kit

    return open_kit(kit.path)


@pytest.mark.parametrize("product", [p for p in PRODUCTS if p != "kit"])
def test_each_product_lays_out_on_its_minimum_cell(short_charter_kit, product):
    """The minimum is real: at it (the sample record), the product lays out with no text
    over another, and the sheet products keep their body between header and footer."""
    kit = short_charter_kit
    width, height = minimum_cell(product, load_stock(custom_stock(kit, product, 500, 500),
                                                     kit.path))
    if product == "slips":  # cells within a card's size are card stock (Stock.use)
        width = 100 * 72 / 25.4
    name = custom_stock(kit, product, width + 0.5, height + 0.5)
    options = {"copies": 1} if product == "cards" else {}
    doc = make(kit, product, stock=name, **options)
    stock = load_stock(name, kit.path)
    for n, page in enumerate(doc.pages, 1):
        assert not overlapping_ink(page), f"{product} p{n}: {overlapping_ink(page)[:2]}"
        for t in page.items:  # a table's date or currency code is never broken
            if isinstance(t, Text):
                assert not re.search(r"\d{4}-[\d-]*\n[\d-]|\b[A-Z]{1,2}\n[A-Z]{1,2}\b",
                                     t.text), f"{product} p{n}: {t.lines}"
        if stock.use == "page" and product != "board":
            cell = stock.cell_rect(0)
            top, bottom = cell.y0 + HEADER_H, cell.y1 - FOOTER_H
            for t in page.items:
                if isinstance(t, Text) and top - 8 < t.rect.y1 and t.rect.y0 < bottom + 6:
                    assert top - 0.5 <= t.rect.y0 and t.rect.y1 <= bottom + 0.5, (
                        f"{product} p{n}: {t.lines[:1]} runs past the body")
    smaller = custom_stock(kit, product, width - 2, height) if product not in (
        "cards", "slips") else custom_stock(kit, product, width, height - 2)
    with pytest.raises(StockTooSmall):
        make(kit, product, stock=smaller, **options)


# -- 7. --start ----------------------------------------------------------------------------

def test_board_slips_honour_start(skit):
    """Regression: 'print board --start 3' put its slips from cell 0."""
    doc = make(skit, "board", start=3)
    slips = load_stock("slips-8up-letter")
    first = next(p for p in doc.pages if p.slips)
    used = {i for s in first.slips for i in range(slips.per_page)
            if slips.cell_rect(i).contains(s.rect, 0.5)}
    assert min(used) == 3 and len(first.slips) == 5


def test_board_refuses_a_start_past_its_slip_sheet(skit):
    with pytest.raises(InvalidValue, match="--start 8: the board's slips print on "
                                           "slips-8up-letter"):
        make(skit, "board", start=8)


@pytest.mark.parametrize(("product", "stock"), [("charter", "a5"), ("contacts", None),
                                                ("drill", "letter"), ("ledger", None),
                                                ("roles", None)])
def test_start_is_refused_where_a_product_prints_whole_pages(skit, product, stock):
    """Regression: 'print charter --stock a5 --start 1' printed, ignoring --start."""
    with pytest.raises(InvalidValue, match=f"--start 1: {product} prints whole pages"):
        make(skit, product, stock=stock, start=1)


# -- 8. the drill on narrower pages ----------------------------------------------------------

@pytest.mark.parametrize("stock", ["halfletter", "a5", "bigmargin", "letter", "a4"])
def test_drill_lays_out_without_overlap_on_narrower_pages(skit, stock):
    """Regression: on half letter, A5 and letter with 2 in margins the week titles were
    squeezed into a 50 pt column and broken mid-word, the grey 'suggested' line ran over
    the checklist, and a title ran past the footer."""
    doc = make(skit, "drill", stock=stock)
    s = load_stock(stock, skit.path)
    cell = s.cell_rect(0)
    titles = {"Pocket cards and contacts", "Tabletop exercise: response times",
              "Mock arrest, timed to the press release"}
    seen = set()
    for n, page in enumerate(doc.pages, 1):
        assert not overlapping_ink(page), f"p{n}: {overlapping_ink(page)[:2]}"
        for t in page.items:
            if not isinstance(t, Text):
                continue
            if t.text.replace("\n", " ") in titles:  # broken between words only
                seen.add(t.text.replace("\n", " "))
            if t.rect.y0 >= cell.y0 + HEADER_H - 0.5 and t.rect.y0 < cell.y1 - FOOTER_H:
                assert t.rect.y1 <= cell.y1 - FOOTER_H + 0.5, f"p{n}: {t.lines[:1]}"
    assert seen == titles, "a week's title was broken inside a word"


def test_drill_table_heads_never_end_a_page_alone(skit):
    for stock in ("halfletter", "a5", "bigmargin"):
        doc = make(skit, "drill", stock=stock)
        for page in doc.pages:
            texts = sorted((t for t in page.items if isinstance(t, Text)),
                           key=lambda t: t.rect.y0)
            body = [t for t in texts if t.rect.y0 < page.size[1] - 60]
            heads = [i for i, t in enumerate(body) if t.text == "elapsed"]
            for i in heads:
                assert any(t.text.startswith(("1.", "2.", "3.", "4.", "5.", "6.", "7."))
                           and t.rect.y0 > body[i].rect.y0 for t in body), stock


def test_minimum_cells_are_finite_and_positive():
    for product in PRODUCTS:
        w, h = minimum_cell(product)
        assert 0 < w < 1000 and 0 < h < 1000 and math.isfinite(w + h), product
    for name in list_stocks():  # every shipped stock is large enough for what it is for
        stock = load_stock(name)
        assert any(fits(p, stock) for p in PRODUCTS), name
    assert LAYOUT_DIR.is_dir()


def test_a_kit_default_stock_too_small_is_refused_too(tmp_path):
    """A kit's own layouts/letter.toml is what the sheet products print on by default."""
    kit = make_sample_kit(tmp_path / "k")
    add_stock(kit, "letter", 'page = ["105mm", "148mm"]\ncell = ["89mm", "132mm"]\n')
    with pytest.raises(StockTooSmall, match="stock letter's cells"):
        make(kit, "roles")
