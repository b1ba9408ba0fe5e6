"""Paper stocks: every shipped layouts/*.toml loads and fits its page; a kit's own stock in
<kit>/layouts/ is found, and wins over a shipped one of the same name."""

from __future__ import annotations

import datetime as dt

import pytest

from paperkit.errors import LayoutError
from paperkit.kit import init_kit
from paperkit.layout.stock import LAYOUT_DIR, PAGE_SIZES, list_stocks, load_stock
from paperkit.products import PrintOptions, ProductContext, build

SHIPPED = sorted(p.stem for p in LAYOUT_DIR.glob("*.toml"))


def test_the_issue_stocks_ship():
    wanted = {"letter", "a4", "cards-us-10up", "cards-a4-10up", "id1-letter", "id1-a4",
              "slips-6up-letter", "slips-6up-a4", "slips-8up-letter", "slips-8up-a4",
              "poster-letter", "poster-a4"}
    assert wanted <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_stock_loads_and_its_grid_fits_the_page(name):
    s = load_stock(name)
    assert s.paper in PAGE_SIZES
    cells = [s.cell_rect(i) for i in range(s.per_page)]
    for c in cells:
        assert c.x0 >= -0.01 and c.y0 >= -0.01
        assert c.x1 <= s.page[0] + 0.01 and c.y1 <= s.page[1] + 0.01
    for i, a in enumerate(cells):  # no two cells overlap
        for b in cells[i + 1:]:
            assert a.x1 <= b.x0 + 0.01 or b.x1 <= a.x0 + 0.01 or a.y1 <= b.y0 + 0.01 \
                or b.y1 <= a.y0 + 0.01
    for line in s.crop_mark_lines() if s.crop_marks else []:
        assert 0 <= min(line.x0, line.x1) and max(line.x0, line.x1) <= s.page[0]
        assert 0 <= min(line.y0, line.y1) and max(line.y0, line.y1) <= s.page[1]
        assert not any(c.x0 + 0.01 < line.x0 < c.x1 - 0.01 and c.y0 + 0.01 < line.y0
                       < c.y1 - 0.01 for c in cells), "a crop mark inside a card"


@pytest.mark.parametrize("name", [n for n in SHIPPED if n.startswith(("cards-", "id1-"))])
def test_card_stocks_are_centred_so_duplex_backs_land_on_cells(name):
    """A long-edge duplex flip reflects the page about its vertical centre line; on a
    centred grid that is exactly the mirrored column (Stock.cell_rect(i, mirrored=True))."""
    s = load_stock(name)
    for i in range(s.per_page):
        front, back = s.cell_rect(i), s.cell_rect(i, mirrored=True)
        assert back.x0 == pytest.approx(s.page[0] - front.x1, abs=0.01)
        assert (back.y0, back.y1) == (front.y0, front.y1)


def test_id1_cells_are_id1_size():
    for name in ("id1-letter", "id1-a4", "id1-10up-a4"):
        s = load_stock(name)
        assert s.cell[0] == pytest.approx(85.6 * 72 / 25.4)
        assert s.cell[1] == pytest.approx(54 * 72 / 25.4)
        assert s.crop_marks and s.radius > 0


def test_10up_id1_on_a4_has_ten_cards():
    assert load_stock("id1-10up-a4").per_page == 10


USER_STOCK = '''description = "Our own 2 x 2 cards"
paper = "letter"
columns = 2
rows = 2
cell = ["3.5in", "2.25in"]
gap = ["0.25in", "0.5in"]
crop_marks = true
'''


def test_a_stock_in_the_kits_layouts_folder_is_found_and_used(tmp_path):
    kit = init_kit(tmp_path / "kit", name="Test group")
    (kit.path / "layouts").mkdir()
    (kit.path / "layouts" / "our-cards.toml").write_text(USER_STOCK, encoding="utf-8")
    assert "our-cards" in list_stocks(kit.path)
    assert "our-cards" not in list_stocks()
    s = load_stock("our-cards", kit.path)
    assert (s.columns, s.rows, s.description) == (2, 2, "Our own 2 x 2 cards")
    with kit.open_record() as rec:
        doc = build("cards", ProductContext(kit, rec, PrintOptions(
            stock="our-cards", copies=6, today=dt.date(2026, 11, 25))))
    assert doc.meta["stock"] == "our-cards"
    assert len(doc.pages) == 4  # 6 cards on 4-up sheets: 2 sheets, fronts and backs


def test_a_kit_stock_wins_over_a_shipped_one_of_the_same_name(tmp_path):
    kit = init_kit(tmp_path / "kit", name="Test group")
    (kit.path / "layouts").mkdir()
    (kit.path / "layouts" / "id1-letter.toml").write_text(USER_STOCK, encoding="utf-8")
    assert load_stock("id1-letter", kit.path).per_page == 4
    assert load_stock("id1-letter").per_page == 8


@pytest.mark.parametrize(("text", "message"), [
    ('paper = "letter"\ncolums = 2\n', "unknown key 'colums'"),
    ('paper = "legal"\n', "paper"),
    ('paper = "letter"\ncell = ["9in", "2in"]\n', "does not fit the page"),
    ('paper = "letter"\ncell = ["3.5 inch", "2in"]\n', "is not a length"),
])
def test_a_bad_stock_file_is_a_layout_error_that_says_why(tmp_path, text, message):
    (tmp_path / "layouts").mkdir()
    (tmp_path / "layouts" / "bad.toml").write_text(text, encoding="utf-8")
    with pytest.raises(LayoutError, match=message):
        load_stock("bad", tmp_path)


def test_an_unknown_stock_lists_the_known_ones():
    with pytest.raises(LayoutError) as err:
        load_stock("no-such-stock")
    assert "id1-letter" in err.value.hint
