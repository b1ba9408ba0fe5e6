"""Layout invariants that hold for every printed product (issue 3, "Tests must show").

Generic over ``products.PRODUCTS``: a product whose module is not there yet is skipped, so
new products are checked as they land. The layouts are checked as data (every box inside
its page and cell, every text line inside its box in the real font metrics), the PDFs as
rendered pages (slip codes decode where the manifest says, bytes are reproducible).
"""

from __future__ import annotations

import datetime as dt
import importlib
import string
import subprocess
import sys

import numpy as np
import pypdfium2 as pdfium
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from paperkit import codes
from paperkit.errors import BadCode, LayoutError, OtherKit
from paperkit.layout.model import Document, Line, QRCode, Rect, Text
from paperkit.layout.stock import Stock
from paperkit.layout.text import LEADING, fit
from paperkit.products import PRODUCTS, PrintOptions, ProductContext, build
from paperkit.render import fonts, qr
from paperkit.render.pdf import render_pdf
from paperkit.samplekit import make_sample_kit

TODAY = dt.date(2026, 11, 25)
PAPERS = ("letter", "a4")
TOL = 0.01  # points


def _module_or_skip(product: str) -> None:
    try:
        importlib.import_module(PRODUCTS[product][0])
    except ModuleNotFoundError as exc:
        if exc.name == PRODUCTS[product][0]:
            pytest.skip(f"product {product} is not written yet ({exc.name})")
        raise


@pytest.fixture(scope="module")
def skit(tmp_path_factory):
    """The sample kit (tests/conftest.py's sample_kit, built once for this module)."""
    return make_sample_kit(tmp_path_factory.mktemp("invariants") / "sample")


@pytest.fixture(scope="module")
def docs(skit):
    """Every (product, paper) layout, built once."""
    cache: dict[tuple[str, str, int], Document] = {}

    def get(product: str, paper: str, start: int = 0) -> Document:
        _module_or_skip(product)
        key = (product, paper, start)
        if key not in cache:
            with skit.open_record() as rec:
                cache[key] = build(product, _ctx(skit, rec, paper, start))
        return cache[key]

    return get


def _ctx(kit, rec, paper: str, start: int = 0) -> ProductContext:
    return ProductContext(kit, rec, PrintOptions(paper=paper, start=start, today=TODAY))


def _stock(kit, product: str, paper: str) -> Stock:
    with kit.open_record() as rec:
        return _ctx(kit, rec, paper).stock(product)


def bbox(item) -> Rect:
    """The rectangle an item may draw in, in points."""
    if isinstance(item, Line):
        return Rect(min(item.x0, item.x1), min(item.y0, item.y1), max(item.x0, item.x1),
                    max(item.y0, item.y1))
    if isinstance(item, QRCode):  # the symbol and its 4-module quiet zone
        size, _ = qr.cached_rects(item.text, item.error, item.version)
        quiet = 4 * item.rect.width / size
        return item.rect.inset(-quiet)
    return item.rect


def _overlaps(a: Rect, b: Rect) -> bool:
    """True when the interiors of a and b meet."""
    return a.x0 < b.x1 - TOL and b.x0 < a.x1 - TOL and a.y0 < b.y1 - TOL and b.y0 < a.y1 - TOL


def mirror(rect: Rect, page_width: float) -> Rect:
    return Rect(page_width - rect.x1, rect.y0, page_width - rect.x0, rect.y1)


def sheet_cells(stock: Stock) -> list[Rect]:
    """Every cell of a sheet stock, and where a long-edge duplex back of it lands."""
    cells = [stock.cell_rect(i) for i in range(stock.per_page)]
    return cells + [mirror(c, stock.page[0]) for c in cells]


ALL = [(p, paper) for p in PRODUCTS for paper in PAPERS]


# -- every product renders, and stays inside its page -----------------------------------

@pytest.mark.parametrize(("product", "paper"), ALL)
def test_every_product_renders_on_letter_and_a4(docs, product, paper):
    doc = docs(product, paper)
    assert doc.pages, f"{product} made no pages"
    pdf = render_pdf(doc)
    assert pdf.startswith(b"%PDF-")
    pdoc = pdfium.PdfDocument(pdf)
    try:
        assert len(pdoc) == len(doc.pages)
        for i, page in enumerate(doc.pages):
            w, h = pdoc[i].get_size()
            assert (w, h) == pytest.approx(page.size, abs=0.01)
    finally:
        pdoc.close()
    expected = {"letter": (612.0, 792.0), "a4": (595.28, 841.89)}[paper]
    assert all(p.size == pytest.approx(expected, abs=0.5) for p in doc.pages)


@pytest.mark.parametrize(("product", "paper"), ALL)
def test_every_item_lies_inside_its_page(docs, product, paper):
    for n, page in enumerate(docs(product, paper).pages, 1):
        sheet = Rect(0, 0, page.size[0], page.size[1])
        for item in page.items:
            assert sheet.contains(bbox(item), TOL), f"{product} p{n}: {item} leaves the page"
        for slip in page.slips:
            assert sheet.contains(slip.rect, TOL)


@pytest.mark.parametrize(("product", "paper"), ALL)
def test_every_item_of_a_sheet_product_lies_inside_its_cell(docs, skit, product, paper):
    """On a stock with several cells, every item sits inside one cell (or its duplex
    mirror); only crop marks, which touch no cell, may sit outside."""
    stock = _stock(skit, product, paper)
    if stock.kind != "sheet" or stock.per_page < 2 or product == "kit":
        pytest.skip(f"{product} prints whole pages on {stock.name}")
    cells = sheet_cells(stock)
    for n, page in enumerate(docs(product, paper).pages, 1):
        for item in page.items:
            box = bbox(item)
            if any(c.contains(box, TOL) for c in cells):
                continue
            assert isinstance(item, Line) and not any(_overlaps(c, box) for c in cells), (
                f"{product} p{n}: {item} crosses a cell edge of {stock.name}")
        for slip in page.slips:
            assert any(c.contains(slip.rect, TOL) for c in cells)


@pytest.mark.parametrize(("product", "paper"), ALL)
def test_no_text_line_is_wider_or_taller_than_its_box(docs, product, paper):
    """In the real font metrics (shaped for Arabic), every line fits its rect's width and
    the lines at their leading fit its height."""
    for n, page in enumerate(docs(product, paper).pages, 1):
        for item in page.items:
            if not isinstance(item, Text):
                continue
            where = f"{product} p{n}: {item.lines!r} in {item.rect}"
            for line in item.lines:
                w = fonts.width(line, item.font, item.size, item.direction)
                assert w <= item.rect.width + TOL, f"{where}: a line is {w:.2f} pt wide"
            leading = max(item.leading, item.size)
            assert len(item.lines) * leading <= item.rect.height + TOL, f"{where}: too tall"


@pytest.mark.parametrize(("product", "paper"), ALL)
def test_every_character_has_a_glyph_in_its_font(docs, product, paper):
    """No 'tofu': each character of each text is in the font it is set in (or, on lines
    that are shaped, in that font's fallback)."""
    for n, page in enumerate(docs(product, paper).pages, 1):
        for item in page.items:
            if not isinstance(item, Text):
                continue
            cmap = fonts.covers(item.font)
            if any(fonts.needs_shaping(ln, item.font, item.direction) for ln in item.lines):
                for alt in fonts.FALLBACK[item.font]:  # shaped lines fall back
                    cmap = cmap | fonts.covers(alt)
            missing = {ch for line in item.lines for ch in line
                       if not ch.isspace() and ord(ch) not in cmap}
            assert not missing, f"{product} p{n}: {item.font} lacks {missing} in {item.lines}"


# -- sheet positions: --start and duplex ------------------------------------------------

def _used_cells(page_items, cells: list[Rect]) -> set[int]:
    used = set()
    for item in page_items:
        if isinstance(item, (Text, QRCode)):
            for i, c in enumerate(cells):
                if c.contains(bbox(item), TOL):
                    used.add(i)
    return used


@pytest.mark.parametrize("product", [p for p in PRODUCTS if p != "kit"])
@pytest.mark.parametrize("start", [1, 3])
def test_start_skips_used_cells(docs, skit, product, start):
    stock = _stock(skit, product, "letter")
    if stock.kind != "sheet" or stock.per_page < 2:
        pytest.skip(f"{product} has no cells to skip on {stock.name}")
    base, skipped = docs(product, "letter"), docs(product, "letter", start)
    fronts = [stock.cell_rect(i) for i in range(stock.per_page)]
    first = skipped.pages[0]
    used = _used_cells(first.items, fronts)
    assert used and min(used) == start, f"{product}: first used cell {sorted(used)[:3]}"
    assert _used_cells(base.pages[0].items, fronts) >= {0}
    for slip in first.slips:
        assert not any(fronts[i].contains(slip.rect, TOL) for i in range(start))


def test_card_backs_mirror_their_fronts_for_long_edge_duplex(docs, skit):
    """Front page k is followed by its back; the back of the card in cell i is in
    ``cell_rect(i, mirrored=True)``, which is cell i reflected about the page's centre."""
    for paper in PAPERS:
        stock = _stock(skit, "cards", paper)
        doc = docs("cards", paper)
        assert len(doc.pages) % 2 == 0
        for front, back in zip(doc.pages[::2], doc.pages[1::2], strict=True):
            assert "front" in front.label and "back" in back.label
            for i in range(stock.per_page):
                mirrored = stock.cell_rect(i, mirrored=True)
                assert mirrored.as_list(3) == pytest.approx(
                    mirror(stock.cell_rect(i), stock.page[0]).as_list(3), abs=0.01)
            f_used = _used_cells(front.items, [stock.cell_rect(i) for i in range(stock.per_page)])
            b_used = _used_cells(back.items, [stock.cell_rect(i, mirrored=True)
                                              for i in range(stock.per_page)])
            assert f_used == b_used and f_used


# -- slips: the code decodes where the manifest says -----------------------------------

@pytest.mark.parametrize("paper", PAPERS)
def test_slip_pages_decode_inside_the_manifest_qr_rect(docs, skit, paper):
    zxingcpp = pytest.importorskip("zxingcpp")
    doc = docs("slips", paper)
    manifest = doc.manifest()
    dpi = 200
    scale = dpi / 72
    pdoc = pdfium.PdfDocument(render_pdf(doc))
    try:
        seen = 0
        for page, spec in zip(pdoc, manifest["pages"], strict=True):
            img = np.asarray(page.render(scale=scale).to_pil().convert("L"))
            found = zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode)
            for slip in spec["slips"]:
                x0, y0, x1, y1 = (v * scale for v in slip["qr"])
                module = (x1 - x0) / 29
                inside = [b for b in found if all(
                    x0 - 1.5 * module <= p.x <= x1 + 1.5 * module
                    and y0 - 1.5 * module <= p.y <= y1 + 1.5 * module
                    for p in (b.position.top_left, b.position.top_right,
                              b.position.bottom_left, b.position.bottom_right))]
                assert len(inside) == 1, f"{slip['task']}: {len(inside)} codes in its qr rect"
                assert inside[0].text == slip["code"]
                parsed = codes.verify(inside[0].text, skit.key, skit.id)
                assert (parsed.task, parsed.rev) == (slip["task"], slip["rev"])
                seen += 1
        assert seen == sum(len(p.slips) for p in doc.pages) > 0
    finally:
        pdoc.close()


# -- reproducible bytes ------------------------------------------------------------------

@pytest.mark.parametrize("product", list(PRODUCTS))
def test_pdf_bytes_are_reproducible(skit, product):
    _module_or_skip(product)
    outs = []
    for _ in range(2):
        with skit.open_record() as rec:
            outs.append(render_pdf(build(product, _ctx(skit, rec, "letter"))))
    assert outs[0] == outs[1]


def test_pdf_bytes_do_not_depend_on_what_the_process_drew_before(skit, tmp_path):
    """Arabic contextual glyphs get private code points; they must be the same in a fresh
    process (here, after other products were rendered in this one)."""
    with skit.open_record() as rec:
        here = render_pdf(build("cards", _ctx(skit, rec, "a4")))
    out = tmp_path / "cards.pdf"
    script = (
        "import datetime as dt, sys\n"
        "from paperkit.kit import open_kit\n"
        "from paperkit.products import PrintOptions, ProductContext, build\n"
        "from paperkit.render.pdf import render_pdf\n"
        "kit = open_kit(sys.argv[1])\n"
        "with kit.open_record() as rec:\n"
        "    opts = PrintOptions(paper='a4', today=dt.date(2026, 11, 25))\n"
        "    render_pdf(build('cards', ProductContext(kit, rec, opts)), sys.argv[2])\n"
    )
    subprocess.run([sys.executable, "-c", script, str(skit.path), str(out)], check=True)
    assert out.read_bytes() == here


# -- property tests: the slip code -------------------------------------------------------

KEY = bytes(range(32))
KIT_IDS = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=4, max_size=4)
TASKS = st.integers(0, 99_999_999).map(lambda n: f"T{n:04d}")
REVS = st.integers(1, 999_999_999)


@given(kit=KIT_IDS, task=TASKS, rev=REVS, key=st.binary(min_size=32, max_size=32))
def test_code_build_parse_verify_round_trip(kit, task, rev, key):
    code = codes.build(key, kit, task, rev)
    assert codes.parse(code.text) == code
    assert codes.verify(code.text, key, kit) == code
    assert set(code.text) <= set(string.ascii_uppercase + string.digits + ":")


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(kit=KIT_IDS, task=TASKS, rev=REVS, data=st.data())
def test_any_single_changed_character_is_rejected(kit, task, rev, data):
    text = codes.build(KEY, kit, task, rev).text
    i = data.draw(st.integers(0, len(text) - 1), label="position")
    ch = data.draw(st.one_of(st.sampled_from(string.ascii_uppercase + string.digits + ":"),
                             st.characters()), label="replacement")
    assume(ch != text[i])
    changed = text[:i] + ch + text[i + 1:]
    with pytest.raises((BadCode, OtherKit)):
        codes.verify(changed, KEY, kit)


# -- property tests: text fitting --------------------------------------------------------

WORDS = st.lists(st.text(alphabet=string.ascii_letters + "éàüñ’«»0123456789.,:;-", min_size=1,
                         max_size=18), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(words=WORDS, w=st.floats(20, 300), h=st.floats(8, 200), size=st.floats(6, 20),
       family=st.sampled_from(["sans", "sans-bold", "mono"]))
def test_fit_never_overflows_and_never_drops_text(words, w, h, size, family):
    text = " ".join(words)
    rect = Rect(10, 10, 10 + w, 10 + h)
    try:
        t = fit(text, rect, family, size, min_size=5.0)
    except LayoutError:
        # then even the minimum size cannot hold it, wrapped
        return
    assert 5.0 - 1e-9 <= t.size <= size + 1e-9
    assert all(fonts.width(ln, family, t.size) <= w + 1e-6 for ln in t.lines)
    assert len(t.lines) * t.size * LEADING <= h + 1e-6
    assert "".join("".join(t.lines).split()) == "".join(text.split())


ARABIC_WORDS = st.lists(st.sampled_from(
    ["حقوقك", "القانونية", "اتصل", "بالخط", "محامي", "الصمت", "لا", "توقع", "على", "شيء"]),
    min_size=1, max_size=25)


@settings(max_examples=60, deadline=None)
@given(words=ARABIC_WORDS, w=st.floats(40, 300), h=st.floats(12, 200))
def test_fit_arabic_is_right_to_left_and_measured_shaped(words, w, h):
    text = " ".join(words)
    try:
        t = fit(text, Rect(0, 0, w, h), "sans", 10, min_size=5.0)
    except LayoutError:
        return
    assert t.direction == "rtl" and t.font == "arabic" and t.align == "right"
    assert all(fonts.width(ln, t.font, t.size, "rtl") <= w + 1e-6 for ln in t.lines)
    assert " ".join(t.lines).split() == words


@pytest.mark.parametrize(("product", "paper"), ALL)
def test_text_ink_stays_inside_its_boxes(docs, product, paper):
    """Rendered with only its text, each page has ink nowhere but inside the text boxes
    (give or take half a point up and down, and 1.5 pt sideways, where a J or j hooks left of
    its origin): no glyph, accent or Arabic descender runs past its box."""
    from dataclasses import replace

    doc = docs(product, paper)
    only_text = replace(doc, pages=tuple(
        replace(p, items=tuple(i for i in p.items if isinstance(i, Text)), slips=())
        for p in doc.pages))
    dpi = 144
    scale = dpi / 72
    pdf = pdfium.PdfDocument(render_pdf(only_text))
    try:
        for n, page in enumerate(only_text.pages):
            ink = np.asarray(pdf[n].render(scale=scale).to_pil().convert("L")) < 192
            allowed = np.zeros_like(ink)
            for t in page.items:
                r = t.rect.inset(-1.5, -0.5)
                allowed[max(0, int(r.y0 * scale)):int(np.ceil(r.y1 * scale)) + 1,
                        max(0, int(r.x0 * scale)):int(np.ceil(r.x1 * scale)) + 1] = True
            stray = np.argwhere(ink & ~allowed)
            if len(stray):
                y, x = stray[0] / scale
                near = [t.lines for t in page.items
                        if t.rect.inset(-6).contains(Rect(x, y, x, y))]
                pytest.fail(f"{product} p{n + 1}: ink at ({x:.0f}, {y:.0f}) pt outside every "
                            f"text box; near {near[:2]}")
    finally:
        pdf.close()


def test_arabic_name_in_a_left_aligned_column_stays_left():
    """Regression: fit() turned every right-to-left text right-aligned, so an Arabic name in
    a contact sheet's left-aligned name column sat against the next column. 'start' follows
    the text's direction; an explicit 'left' is kept."""
    from paperkit.layout.model import Rect
    from paperkit.layout.text import fit

    box = Rect(0, 0, 200, 20)
    assert fit("ليلى حداد", box, align="left").align == "left"
    assert fit("ليلى حداد", box).align == "right"  # start, right to left
    assert fit("Ana Ferreira", box).align == "left"  # start, left to right
    assert fit("ليلى حداد", box, align="left").direction == "rtl"


def test_a_phone_number_is_not_broken_at_its_spaces():
    """Regression: '+44 20 7946 0958 / +44 7700 900123' in a contact's phone cell printed
    as '+44 20 7946 / 0958 / +44 / 7700 900123': a line that looks like a whole number."""
    from paperkit.layout.text import wrap

    assert wrap("+44 20 7946 0958 / +44 7700 900123", "sans", 9, 80) == [
        "+44 20 7946 0958 /", "+44 7700 900123"]
    lines = wrap("Call the lawyer on 555 0100 any time, day or night", "sans", 9, 95)
    assert any("555 0100" in line for line in lines)
    assert wrap("in 2026 we met", "sans", 9, 40) == ["in 2026", "we met"]  # short numbers


def test_fit_shrinks_before_it_breaks_a_phone_number_in_two():
    """Regression: '+1 (555) 010-0101 ext. 12345' in a narrow phone column printed as
    '+1 (555) 010-0 / 101 ext. 12345', a number cut between its digits, where a smaller
    size kept it whole."""
    from paperkit.layout.model import Rect
    from paperkit.render import fonts

    number = "+1 (555) 010-0101"
    width = fonts.width(number, "sans", 7.5) + 1  # whole at 7.5 pt, not at 9
    text = fit(f"{number} ext. 12345", Rect(0, 0, width, 40), "sans", 9, 5,
               shrink_floor=9)
    assert number in text.lines and text.size <= 7.5
    tight = fit(number, Rect(0, 0, fonts.width(number, "sans", 5) * 0.7, 40), "sans", 9, 5)
    assert "".join(tight.lines) == number  # none fits whole: broken as before, not lost
