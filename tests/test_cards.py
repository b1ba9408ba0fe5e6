"""Pocket cards: texts and overrides, languages, duplex order, fitting, privacy, pixels."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata

import numpy as np
import pypdfium2 as pdfium
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperkit.errors import ConfigError, LayoutError
from paperkit.kit import Hotline, open_kit
from paperkit.layout.model import Box, Line, Rect, Text
from paperkit.layout.stock import load_stock
from paperkit.products import PrintOptions, ProductContext, cards
from paperkit.record.contacts import list_contacts
from paperkit.render import fonts
from paperkit.render.pdf import render_pdf
from paperkit.samplekit import make_sample_kit

TODAY = dt.date(2026, 11, 25)
CARD_STOCKS = ("id1-letter", "id1-a4", "id1-10up-a4", "cards-us-10up", "cards-a4-10up")
LANGS = ("en", "es", "fr", "ar")


@pytest.fixture(scope="module")
def skit(tmp_path_factory):
    return make_sample_kit(tmp_path_factory.mktemp("cards") / "sample")


def _kit_with(kit, toml_extra: str = "", **replace):
    """A copy of ``kit`` whose settings have ``toml_extra`` appended to kit.toml."""
    path = kit.path / "kit.toml"
    original = path.read_text(encoding="utf-8")
    try:
        path.write_text(original + "\n" + toml_extra, encoding="utf-8")
        new = open_kit(kit.path)
    finally:
        path.write_text(original, encoding="utf-8")
    if replace:
        new = dataclasses.replace(new, settings=dataclasses.replace(new.settings, **replace))
    return new


def _build(kit, **options):
    options.setdefault("today", TODAY)
    with kit.open_record() as rec:
        return cards.build(ProductContext(kit, rec, PrintOptions(**options)))


def _texts(page) -> list[Text]:
    return [i for i in page.items if isinstance(i, Text)]


def _tags(page, stock, mirrored=False) -> dict[int, str]:
    """cell index -> language tag ('EN', 'AR', ...) printed in that cell."""
    out = {}
    for t in _texts(page):
        if t.lines and t.lines[0] in {lang.upper() for lang in LANGS}:
            for i in range(stock.per_page):
                if stock.cell_rect(i, mirrored).contains(t.rect, 0.01):
                    out[i] = t.lines[0]
    return out


# -- texts ---------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_every_language_ships_every_text(lang):
    texts = cards.shipped_texts(lang)
    assert set(texts) == set(cards.TEXT_KEYS)
    assert all(texts.values())


def test_arabic_texts_are_right_to_left(skit):
    ct = cards.card_texts("ar", {})
    assert ct.rtl and ct.align == "right"
    doc = _build(skit, paper="a4", copies=1)
    ar_front = doc.pages[0]
    arabic = [t for t in _texts(ar_front) if any(
        unicodedata.bidirectional(ch) == "AL" for ch in t.text)]
    assert len(arabic) == 4  # two headings, two paragraphs (the labels come from kit.toml)
    assert all(t.direction == "rtl" and t.align == "right" and t.font.startswith("arabic")
               for t in arabic)
    numbers = [t for t in _texts(ar_front) if t.font == "sans-bold" and "555" in t.text]
    assert numbers and all(t.direction == "ltr" for t in numbers)


def test_kit_toml_overrides_a_text(skit):
    kit = _kit_with(skit, '[card_text.en]\nfront_title = "When they take you"\n',
                    languages=("en",))
    lines = [ln for t in _texts(_build(kit).pages[0]) for ln in t.lines]
    assert "When they take you" in lines
    assert "If you are arrested" not in lines


def test_unknown_card_text_key_is_a_config_error_naming_it(skit):
    kit = _kit_with(skit, '[card_text.es]\nfrontt_title = "x"\n')
    with pytest.raises(ConfigError, match=r"card_text\.es\.frontt_title"):
        _build(kit)


def test_too_long_override_is_a_layout_error_naming_the_key(skit):
    long = "Stay calm and say nothing at all to anyone. " * 30
    kit = _kit_with(skit, f'[card_text.fr]\narrested = "{long}"\n', languages=("fr",))
    with pytest.raises(LayoutError, match=r"card_text\.fr\.arrested") as err:
        _build(kit)
    assert "kit.toml" in err.value.hint


def test_empty_override_leaves_that_part_out(skit):
    kit = _kit_with(skit, '[card_text.en]\nwitness_title = ""\nwitness = ""\n',
                    languages=("en",))
    lines = [ln for t in _texts(_build(kit).pages[0]) for ln in t.lines]
    assert "If you see an arrest" not in lines
    assert "If you are arrested" in lines


@pytest.mark.parametrize("stock", CARD_STOCKS)
@pytest.mark.parametrize("hotlines", [0, 1, 2, 3])
def test_shipped_texts_fit_every_card_stock_readably(skit, stock, hotlines):
    numbers = tuple(Hotline(f"Line {i}", f"+1 555 01{i:02d}") for i in range(hotlines))
    kit = _kit_with(skit, hotlines=numbers)
    doc = _build(kit, stock=stock, copies=1)
    for page in doc.pages:
        for t in _texts(page):
            if t.lines[0] not in {lang.upper() for lang in LANGS}:
                assert t.size >= cards.MIN_SIZE, t
    body = [t for p in doc.pages for t in _texts(p) if len(t.lines) > 1]
    assert min(t.size for t in body) >= 6.0  # the shipped texts never need the minimum


def test_too_many_hotlines_is_a_layout_error(skit):
    kit = _kit_with(skit, hotlines=tuple(Hotline("x", "1") for _ in range(4)))
    with pytest.raises(LayoutError, match="at most 3 hotlines"):
        _build(kit)


def test_no_hotline_gives_a_line_to_write_it_on(skit):
    kit = _kit_with(skit, hotlines=(), languages=("en",))
    front = _build(kit, copies=1).pages[0]
    assert any("Write the hotline number here" in t.text for t in _texts(front))
    assert any(isinstance(i, Line) for i in front.items)


# -- languages and sheets -------------------------------------------------------------

def test_default_is_one_full_sheet_per_language(skit):
    stock = load_stock("id1-letter")
    doc = _build(skit, paper="letter")
    assert doc.meta["cards"] == 4 * stock.per_page
    assert len(doc.pages) == 8
    for n, lang in enumerate(LANGS):
        tags = _tags(doc.pages[2 * n], stock)
        assert set(tags) == set(range(stock.per_page)) and set(tags.values()) == {lang.upper()}


def test_copies_packs_languages_in_order(skit):
    stock = load_stock("id1-letter")
    doc = _build(skit, paper="letter", copies=3)
    assert doc.meta["cards"] == 12
    tags = {**{i: t for i, t in _tags(doc.pages[0], stock).items()},
            **{stock.per_page + i: t for i, t in _tags(doc.pages[2], stock).items()}}
    assert [tags[i] for i in range(12)] == ["EN"] * 3 + ["ES"] * 3 + ["FR"] * 3 + ["AR"] * 3


def test_start_with_default_copies_fills_the_rest_of_the_first_sheet(skit):
    stock = load_stock("id1-letter")
    doc = _build(skit, paper="letter", start=5)
    assert set(_tags(doc.pages[0], stock)) == set(range(5, stock.per_page))
    assert set(_tags(doc.pages[1], stock, mirrored=True)) == set(range(5, stock.per_page))


def test_duplex_backs_follow_fronts_in_mirrored_cells(skit):
    stock = load_stock("cards-us-10up")
    doc = _build(skit, stock="cards-us-10up", copies=3)  # EN EN EN ES ES ES FR ...
    front, back = doc.pages[0], doc.pages[1]
    f, b = _tags(front, stock), _tags(back, stock, mirrored=True)
    assert f == b and len(set(f.values())) == 4
    # cell 0 (top left) has its back at the top right
    assert stock.cell_rect(0, mirrored=True).x0 >= stock.page[0] / 2
    assert [p.label for p in doc.pages[:2]] == ["cards front 1", "cards back 1"]
    assert doc.meta["duplex"] == "long-edge"


LANDSCAPE_CARDS = """\
page = ["11in", "8.5in"]
columns = 3
rows = 3
cell = ["85.6mm", "54mm"]
gap = ["3mm", "3mm"]
"""


def test_landscape_card_backs_swap_rows_not_columns(skit):
    """A landscape sheet's long edge is its top: turned over it, a card's back lies in the
    same column and the mirrored row. The backs were mirrored left to right, as on a
    portrait sheet, so a long-edge duplex print put the English rights behind the French
    fronts. (An audit of user-made stocks.)"""
    (skit.path / "layouts").mkdir(exist_ok=True)
    (skit.path / "layouts" / "cards-land.toml").write_text(LANDSCAPE_CARDS, encoding="utf-8")
    try:
        doc = _build(skit, stock="cards-land", copies=3)  # a row of each language
        stock = load_stock("cards-land", skit.path)
        assert stock.page[0] > stock.page[1]
        front, back = doc.pages[0], doc.pages[1]
        rows_mirrored = {i: cards.mirror(stock.cell_rect(i), stock.page) for i in range(9)}
        assert all(r.x0 == stock.cell_rect(i).x0 for i, r in rows_mirrored.items())
        f = _tags(front, stock)
        b = {i: t.lines[0] for t in _texts(back) if t.lines and t.lines[0] in
             {lang.upper() for lang in LANGS} for i, r in rows_mirrored.items()
             if r.contains(t.rect, 0.01)}
        assert f == b and len(set(f.values())) == 3
        assert f[0] != f[6]  # the top row's back is printed in the bottom row's place
    finally:  # the sample kit is the module's
        (skit.path / "layouts" / "cards-land.toml").unlink()


def test_backs_separately_puts_all_fronts_first_still_mirrored(skit):
    stock = load_stock("id1-letter")
    duplex = _build(skit, paper="letter")
    apart = _build(skit, paper="letter", backs_separately=True)
    assert [p.label for p in apart.pages] == (
        [f"cards front {i}" for i in range(1, 5)] + [f"cards back {i}" for i in range(1, 5)])
    assert apart.pages[:4] == duplex.pages[0::2]
    assert apart.pages[4:] == duplex.pages[1::2]
    assert _tags(apart.pages[4], stock, mirrored=True) == _tags(apart.pages[0], stock)
    assert apart.meta["duplex"] == "separate"


@pytest.mark.parametrize("stock", CARD_STOCKS)
def test_crop_marks_and_corner_guides_follow_the_stock(skit, stock):
    s = load_stock(stock)
    page = _build(skit, stock=stock, copies=1).pages[0]
    guides = [i for i in page.items if isinstance(i, Box) and i.radius == s.radius > 0]
    assert bool(guides) == bool(s.radius)
    cells = [s.cell_rect(i) for i in range(s.per_page)]
    outside = [i for i in page.items if isinstance(i, Line)
               and not any(c.contains(Rect(min(i.x0, i.x1), min(i.y0, i.y1),
                                           max(i.x0, i.x1), max(i.y0, i.y1)), 0.01)
                           for c in cells)]
    assert bool(outside) == s.crop_marks


# -- privacy --------------------------------------------------------------------------

def _pdf_text(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    try:
        return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()


def test_cards_show_no_contact_at_all(skit):
    with skit.open_record() as rec:
        contacts = list_contacts(rec)
    assert any(c.audience == "private" for c in contacts)
    text = _pdf_text(render_pdf(_build(skit, paper="letter")))
    digits = re.sub(r"\D", "", text)
    for c in contacts:
        assert c.name not in text
        if c.phone:
            assert re.sub(r"\D", "", c.phone) not in digits.replace("15550100", "").replace(
                "15550199", "")
    assert "555-0100" in text  # the hotline from kit.toml is there


# -- what the page looks like ------------------------------------------------------------

@pytest.mark.parametrize("stock", ["cards-us-10up", "cards-a4-10up"])
def test_no_ink_near_or_past_a_card_edge(skit, stock):
    """On pre-cut stock nothing is drawn within PAD - 1 pt of a card's edge, on fronts and
    backs, in every language (rendered at 150 dpi)."""
    s = load_stock(stock)
    doc = _build(skit, stock=stock, copies=3)
    pdf = pdfium.PdfDocument(render_pdf(doc))
    scale = 150 / 72
    try:
        for n in range(len(pdf)):
            ink = np.asarray(pdf[n].render(scale=scale).to_pil().convert("L")) < 200
            allowed = np.zeros_like(ink)
            for i in range(s.per_page):
                r = s.cell_rect(i, mirrored=bool(n % 2)).inset(cards.PAD - 1.0)
                allowed[int(r.y0 * scale):int(r.y1 * scale) + 1,
                        int(r.x0 * scale):int(r.x1 * scale) + 1] = True
            stray = ink & ~allowed
            assert not stray.any(), f"page {n + 1}: ink at {np.argwhere(stray)[:3]} (px)"
    finally:
        pdf.close()


def test_a_sheet_printed_again_is_drawn_once_and_looks_the_same_each_time(skit):
    """Sheets of one language repeat: each page drawn more than once is one PDF form placed
    on each of its pages (smaller, faster), and every page renders exactly as a print of
    that page alone, drawn directly."""
    doc = _build(skit, paper="letter", copies=24)  # 3 full sheets of each language
    data = render_pdf(doc)
    distinct = {(page.size, page.items) for page in doc.pages}
    assert len(distinct) < len(doc.pages)
    assert data.count(b"/Subtype /Form") == sum(
        1 for key in distinct if sum((p.size, p.items) == key for p in doc.pages) > 1)
    pdf = pdfium.PdfDocument(data)
    try:
        for n, page in enumerate(doc.pages):
            alone = pdfium.PdfDocument(render_pdf(dataclasses.replace(doc, pages=(page,))))
            try:
                want = np.asarray(alone[0].render(scale=1).to_pil().convert("L"))
            finally:
                alone.close()
            got = np.asarray(pdf[n].render(scale=1).to_pil().convert("L"))
            assert np.array_equal(got, want), f"page {n + 1}"
    finally:
        pdf.close()


def test_a_page_whose_items_cannot_be_compared_is_still_drawn(skit):
    """A page holding an item with a list in it (not hashable) is drawn as it is, not
    looked for among the pages drawn alike."""
    doc = _build(skit, paper="letter", copies=8)
    page = doc.pages[0]
    text = next(i for i in page.items if isinstance(i, Text))
    odd = dataclasses.replace(page, items=(*page.items, dataclasses.replace(
        text, lines=list(text.lines))))
    data = render_pdf(dataclasses.replace(doc, pages=(odd, odd, *doc.pages)))
    assert len(pdfium.PdfDocument(data)) == len(doc.pages) + 2


def test_arabic_card_reads_right_to_left_on_the_page(skit):
    """The Arabic back's heading 'حقوقك' is at the card's right edge, letters in order."""
    kit = _kit_with(skit, languages=("ar",))
    doc = _build(kit, copies=1, paper="letter")
    stock = load_stock("id1-letter")
    pdf = pdfium.PdfDocument(render_pdf(doc))
    try:
        tp = pdf[1].get_textpage()  # the back page
        height = doc.pages[1].size[1]
        chars = []
        for i in range(tp.count_chars()):
            ch = unicodedata.normalize("NFKC", tp.get_text_range(i, 1))
            x0, y0, x1, y1 = tp.get_charbox(i)
            chars.append((ch, (x0 + x1) / 2, height - (y0 + y1) / 2))
    finally:
        pdf.close()
    back_cell = stock.cell_rect(0, mirrored=True)
    heading = [c for c in chars if back_cell.x0 < c[1] < back_cell.x1
               and back_cell.y0 < c[2] < back_cell.y0 + cards.PAD + cards.HEAD_H_RTL
               and c[0] in "حقوقك"]
    assert "".join(ch for ch, _, _ in sorted(heading, key=lambda c: -c[1])) == "حقوقك"
    assert max(x for _, x, _ in heading) > back_cell.x1 - cards.PAD - 8


# -- the command -------------------------------------------------------------------------

def test_print_cards_command_with_copies_and_backs_separately(skit, tmp_path, monkeypatch,
                                                             capsys):
    from paperkit.cli import main

    monkeypatch.delenv("PAPERKIT_KIT", raising=False)
    out = tmp_path / "cards.pdf"
    with pytest.raises(SystemExit) as done:
        main(["--kit", str(skit.path), "print", "cards", "--copies", "3", "--backs-separately",
              "--stock", "cards-us-10up", "--date", "2026-11-25", "-o", str(out)])
    assert done.value.code == 0, capsys.readouterr()
    assert "wrote" in capsys.readouterr().out
    pdf = pdfium.PdfDocument(out.read_bytes())
    try:
        assert len(pdf) == 4  # 12 cards on 10-up stock: 2 fronts, then 2 backs
        assert "Si te detienen" in pdf[0].get_textpage().get_text_range()
        assert "Tus derechos" in pdf[2].get_textpage().get_text_range()
    finally:
        pdf.close()


# -- property: any override either fits inside the card or names itself -----------------

_WORDS = {
    "en": ["stay", "calm", "lawyer", "hotline", "silent", "sign", "nothing", "call", "now",
           "«quote»", "555-0100", "extraordinarily", "ask:"],
    "ar": ["حافظ", "على", "هدوئك", "اتصل", "بالخط", "القانوني", "محامٍ", "الصمت", "لا",
           "+1 555-0100", "Ana"],
}


def _inside_the_card(doc, stock: str) -> list[Text]:
    """Every text of one card's ``doc`` on ``stock`` lies inside the card, its padding
    kept (front or back); the texts."""
    s = load_stock(stock)
    inner = [s.cell_rect(0).inset(cards.PAD - 0.01),
             s.cell_rect(0, mirrored=True).inset(cards.PAD - 0.01)]
    texts = [t for page in doc.pages for t in _texts(page)]
    for t in texts:
        assert any(c.contains(t.rect) for c in inner), t
    return texts


@pytest.mark.parametrize("key", ["lawyer_phone", "lawyer_name", "hotline_label"])
def test_an_arabic_label_that_starts_with_a_latin_name_stays_on_the_card(skit, key):
    """'Ana حافظ' is set in the Arabic face (most of its letters are Arabic) although its
    first letter is Latin; its line was placed for the Latin size, and the lawyer's phone
    label ran 0.7 pt past the card's padding (found by the property test below)."""
    hotlines = (Hotline("", "+1 555 0100"),) if key == "hotline_label" else \
        skit.settings.hotlines
    kit = _kit_with(skit, card_text={"ar": {key: "Ana حافظ"}}, languages=("ar",),
                    hotlines=hotlines)
    for stock in CARD_STOCKS:
        _inside_the_card(_build(kit, stock=stock, copies=1), stock)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_override_fits_inside_the_card_or_names_its_key(skit, data):
    lang = data.draw(st.sampled_from(sorted(_WORDS)), label="lang")
    key = data.draw(st.sampled_from(cards.TEXT_KEYS), label="key")
    words = data.draw(st.lists(st.sampled_from(_WORDS[lang]), min_size=1, max_size=70))
    stock = data.draw(st.sampled_from(CARD_STOCKS), label="stock")
    text = " ".join(words)
    hotlines = {"no_hotline": (), "hotline_label": (Hotline("", "+1 555 0100"),)}.get(
        key, skit.settings.hotlines)  # so that the overridden text is on the card
    kit = _kit_with(skit, card_text={lang: {key: text}}, languages=(lang,), hotlines=hotlines)
    try:
        doc = _build(kit, stock=stock, copies=1)
    except LayoutError as err:
        assert f"card_text.{lang}.{key}" in str(err)
        return
    for t in _inside_the_card(doc, stock):
        assert all(fonts.width(ln, t.font, t.size, t.direction) <= t.rect.width + 0.01
                   for ln in t.lines)
        assert len(t.lines) * t.leading <= t.rect.height + 0.01
    shown = " ".join(ln for p in doc.pages for t in _texts(p) for ln in t.lines)
    assert "".join(text.split()) in "".join(shown.split())  # nothing dropped


def test_each_card_language_can_label_the_hotlines_its_own_way(skit):
    kit = _kit_with(skit, '[card_text.ar]\nhotline_1 = "الخط القانوني"\nhotline_2 = "دعم السجن"\n'
                    '[card_text.es]\nhotline_2 = "Apoyo en la cárcel"\n',
                    languages=("es", "ar"))
    doc = _build(kit, copies=1, stock="cards-us-10up")
    lines = [ln for t in _texts(doc.pages[0]) for ln in t.lines]
    assert {"Legal hotline", "Apoyo en la cárcel", "الخط القانوني", "دعم السجن"} <= set(lines)
    assert "Jail support" not in lines


@pytest.mark.parametrize("stock", CARD_STOCKS)
def test_three_hotlines_with_arabic_labels_fit(skit, stock):
    numbers = (Hotline("", "+44 20 7946 0958"), Hotline("", "+1 555 0199"),
               Hotline("", "+33 1 23 45 67 89"))
    kit = _kit_with(skit, languages=("ar",), hotlines=numbers)
    front = _build(kit, copies=1, stock=stock).pages[0]
    labels = [t for t in _texts(front) if t.text == "الخط القانوني"]
    assert len(labels) == 3 and all(t.font == "arabic" for t in labels)


def test_an_arabic_text_that_starts_with_a_latin_word_is_still_right_to_left(skit):
    kit = _kit_with(skit, '[card_text.ar]\nwitness = "WhatsApp لا تستخدمه. اتصل بالخط القانوني."\n',
                    languages=("ar",))
    front = _build(kit, copies=1).pages[0]
    (witness,) = [t for t in _texts(front) if "WhatsApp" in t.text]
    assert witness.direction == "rtl" and witness.font == "arabic" and witness.align == "right"
