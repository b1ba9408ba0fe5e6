"""Printed pages as a reader sees them: the charter's paragraphs each in their own
direction, contact-sheet labels and roster headings at page breaks, stocks that do not fit
their product, and the print command's --date and --copies."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from paperkit.errors import InvalidValue, LayoutError
from paperkit.layout.model import BLACK, GREY, Document, Page, Text
from paperkit.layout.stock import load_stock
from paperkit.products import PRODUCTS, PrintOptions, ProductContext, build
from paperkit.products.cards import build as build_cards
from paperkit.products.common import ARABIC_SCALE, FOOTER_H, HEADER_H
from paperkit.record import Source
from paperkit.render.pdf import render_pdf

TODAY = dt.date(2026, 11, 25)


# -- helpers ---------------------------------------------------------------------------
def make(kit, product: str, **options) -> Document:
    options.setdefault("today", TODAY)
    with kit.open_record() as rec:
        return build(product, ProductContext(kit, rec, PrintOptions(**options)))


def with_settings(kit, **settings):
    return dataclasses.replace(kit, settings=dataclasses.replace(kit.settings, **settings))


def fill(kit, table: str, rows: list[dict]) -> None:
    with kit.open_record() as rec, rec.write(Source("cli", "test")) as w:
        for row in rows:
            w.insert(table, row)


def texts(page: Page) -> list[Text]:
    return [it for it in page.items if isinstance(it, Text)]


def visual_text(pdf: bytes, t: Text, page: int = 0) -> str:
    """The printed characters of one-line run ``t``, left to right as they sit on the page
    (their boxes' x): the order a reader's eye meets them."""
    doc = pdfium.PdfDocument(pdf)
    try:
        height = doc[page].get_size()[1]
        tp = doc[page].get_textpage()
        found = []
        for i in range(tp.count_chars()):
            ch = tp.get_text_range(i, 1)
            left, bottom, _, top = tp.get_charbox(i, loose=True)
            if ch.strip() and t.rect.y0 <= height - (bottom + top) / 2 <= t.rect.y1:
                found.append((left, ch))
        return "".join(ch for _, ch in sorted(found))
    finally:
        doc.close()


# -- 1. the charter: each paragraph in its own direction -----------------------------------
ENGLISH = "We look after each other. We share the work and rotate the roles."
ARABIC = "نحن نعتني ببعضنا البعض ونتقاسم العمل. الاتصال على +1 555-0100 في أي وقت."
HEBREW = "אנחנו דואגים זה לזה. התקשרו 03-555-0100."


def _charter(kit, *paragraphs: str) -> Document:
    return make(with_settings(kit, charter="\n\n".join(paragraphs)), "charter")


def _body(doc: Document) -> dict[str, Text]:
    """The charter's paragraph runs, by their first word."""
    return {t.lines[0].split()[0]: t for t in texts(doc.pages[0]) if t.size >= 7.5
            and t.font in ("sans", "arabic") and t.color == BLACK}


def test_charter_arabic_and_hebrew_paragraphs_read_right_to_left_after_an_english_one(kit):
    doc = _charter(kit, ENGLISH, ARABIC, HEBREW)
    body = _body(doc)
    english, arabic, hebrew = body["We"], body["نحن"], body["אנחנו"]
    assert (english.direction, english.align, english.font) == ("ltr", "left", "sans")
    assert (arabic.direction, arabic.align, arabic.font) == ("rtl", "right", "arabic")
    assert (hebrew.direction, hebrew.align) == ("rtl", "right")
    assert english.rect.y1 < arabic.rect.y0 < arabic.rect.y1 < hebrew.rect.y0
    # one common size, right-to-left paragraphs set ARABIC_SCALE larger as on the cards
    # (Naskh looks smaller than Noto Sans at the same size; it was not enlarged here)
    assert arabic.size == hebrew.size == pytest.approx(english.size * ARABIC_SCALE)
    pdf = render_pdf(doc)
    assert len(arabic.lines) == len(hebrew.lines) == 1
    ar_line = visual_text(pdf, arabic)
    # The first word (نحن) is at the right end; the number reads as written, between the
    # clauses (... في أي وقت | +1 555-0100 | الاتصال على ...), not moved to the line's end.
    assert ar_line[-1] == "ن"
    before, number, after = ar_line.partition("+1555-0100")
    assert number
    assert "ف" in before and "ع" in after and "ف" not in after
    he_line = visual_text(pdf, hebrew)
    assert he_line[-1] == "א" and he_line.startswith(".03-555-0100")  # אנחנו at the right end


def test_charter_english_paragraph_reads_left_to_right_after_an_arabic_one(kit):
    doc = _charter(kit, ARABIC, ENGLISH)
    english = _body(doc)["We"]
    assert (english.direction, english.align, english.font) == ("ltr", "left", "sans")
    assert len(english.lines) == 1
    line = visual_text(render_pdf(doc), english)
    assert line.startswith("Welook") and line.endswith("roles.")  # not ".We look ..."


def test_charter_paragraphs_are_aligned_to_their_own_side(kit):
    doc = _charter(kit, ENGLISH, ARABIC)
    body = _body(doc)
    english, arabic = body["We"], body["نحن"]
    assert english.rect.x0 == arabic.rect.x0 and english.rect.x1 == arabic.rect.x1
    pdf = pdfium.PdfDocument(render_pdf(doc))
    try:
        page, height = pdf[0], doc.pages[0].size[1]
        tp = page.get_textpage()
        boxes = [tp.get_charbox(i) for i in range(tp.count_chars())
                 if tp.get_text_range(i, 1).strip()]
    finally:
        pdf.close()

    def ink(t: Text) -> tuple[float, float]:
        top, bottom = height - t.rect.y0, height - t.rect.y1
        xs = [(b[0], b[2]) for b in boxes if bottom - 2 <= (b[1] + b[3]) / 2 <= top + 2]
        return min(x for x, _ in xs), max(x for _, x in xs)

    assert ink(english)[0] == pytest.approx(english.rect.x0, abs=2)
    assert ink(arabic)[1] == pytest.approx(arabic.rect.x1, abs=2)  # right-aligned


def test_charter_too_long_says_to_shorten_the_charter_in_kit_toml(kit):
    with pytest.raises(LayoutError) as err:
        _charter(kit, *["We look after each other. " * 60] * 12)
    assert "charter" in str(err.value) and "does not fit" in str(err.value)
    assert "'charter' in kit.toml" in err.value.hint


# -- 2. contact sheets: micro-role labels at page breaks -----------------------------------
NAMES = ["ليلى حداد", "יוסף כהן", "Maximilian Alexander Fitzgerald-Montgomery-Worthington III",
         "محمد عبد الرحمن الشمري بن خالد", "אברהם בן דוד הלוי מירושלים", "Zoë Åkesson",
         "O'Brien \"Red\" Smith", "Ana حافظ 2nd", "Chloé Martin", "Ana Ferreira"]
ROLES = [("bondsperson", "dispatch"), ("family", "care"), ("press", "witness"),
         ("medic", "dispatch"), ("other", "care"), ("lawyer", "witness")]
MICROS = ["comms", "logistics", "care", "", "legal-liaison"]
PHONES = ["+1 (555) 010-0101 ext. 12345", "+44 20 7946 0958 / +44 7700 900123",
          "+972-3-555-0100", "555-0101"]
NOTES = ["", "Criminal defence; answers 24/7 on action days, ask for the weekend desk and "
         "mention the group name", "הערה: זמין בלילה בלבד",
         "ملاحظة: يتحدث العربية والإنجليزية، متوفر ليلاً"]


def many_contacts(n: int, seed: int = 7) -> list[dict]:
    """``n`` contacts over every ring, role and micro-role, with names, numbers and notes
    of every length (rows of one to three lines), as the audit's 120-contact record."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        role, ring = ROLES[i % 6]
        out.append({"id": f"C{i + 1:04d}", "name": NAMES[i % 10], "role": role, "ring": ring,
                    "micro_role": MICROS[i % 5], "phone": rnd.choice(PHONES),
                    "languages": rnd.choice(["ar en", "en", "he en fr es"]),
                    "notes": rnd.choice(NOTES), "audience": ("crew", "private", "public")[i % 3],
                    "verified_on": f"2026-{1 + i % 11:02d}-{10 + i % 9:02d}"})
    return out


LABEL = re.compile(r"^([A-Z][A-Z ]*?)( \(continued\))?$")


def _body_texts(page: Page, paper: str) -> list[Text]:
    """The texts between a sheet page's header and footer, top-down."""
    cell = load_stock(paper).cell_rect(0)
    top, bottom = cell.y0 + HEADER_H, cell.y1 - FOOTER_H
    return sorted((t for t in texts(page) if t.rect.y0 >= top - 0.01
                   and t.rect.y1 <= bottom + 0.01), key=lambda t: (t.rect.y0, t.rect.x0))


def _is_heading(t: Text) -> bool:
    return t.font == "sans-bold" and t.size > 10.5 and t.color == BLACK


def _is_table_header(t: Text) -> bool:
    return t.font == "sans-bold" and t.color == GREY and t.text == t.text.lower()


def _label(t: Text) -> tuple[str, bool] | None:
    """(micro-role, continued) when ``t`` is a contact sheet's micro-role label."""
    m = LABEL.match(t.text) if t.color == GREY and t.font == "sans-bold" else None
    return (m.group(1), bool(m.group(2))) if m else None


@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_contact_sheet_labels_at_page_breaks_continue_only_what_was_cut(kit, paper):
    """A page never ends with a heading, a table header or a micro-role label (it is kept
    with its first contact), and a page starts "LOGISTICS (continued)" only when the page
    before it ended among Logistics contacts."""
    fill(kit, "contacts", many_contacts(120))
    doc = make(kit, "contacts", audience="private", paper=paper)
    assert len(doc.pages) > 3
    last_label: dict[str, str] = {}  # section -> the label the previous page ended under
    for n, page in enumerate(doc.pages, 1):
        body = _body_texts(page, paper)
        last = body[-1]
        assert not _is_heading(last), f"p{n} ends with the heading {last.text!r}"
        assert not _is_table_header(last), f"p{n} ends with a table header"
        assert _label(last) is None, f"p{n} ends with the label {last.text!r} alone"
        for t in body:
            if (label := _label(t)) is None:
                continue
            name, continued = label
            if continued:
                assert last_label.get(page.label) == name, (
                    f"p{n}: {t.text!r}, but page {n - 1} ended under "
                    f"{last_label.get(page.label)!r}")
            last_label[page.label] = name


def test_a_label_that_starts_a_page_is_not_marked_continued(kit):
    """Over a growing ring, so that labels land at every kind of page break: a page
    starts "X (continued)" only under X's contacts cut by the break."""
    contacts = [dict(c, ring="dispatch") for c in many_contacts(70, seed=3)]
    added = 0
    for n in range(30, 71, 4):
        fill(kit, "contacts", contacts[added:n])
        added = n
        doc = make(kit, "contacts", audience="private", ring="dispatch", paper="a4")
        previous = None
        for page in doc.pages:
            body = _body_texts(page, "a4")
            assert _label(body[-1]) is None, (n, body[-1].text)
            labels = [lab for t in body if (lab := _label(t))]
            for name, continued in labels:
                assert not continued or name == previous, (n, name, previous)
                previous = name


# -- 3. the roles roster: no heading or continuation alone ---------------------------------
def test_roles_roster_never_ends_a_page_with_a_heading_nor_starts_one_with_nothing(kit):
    """Over a growing roster, no page ends with a heading or a table header, and no page
    holds only a heading ("Next rotation (continued)") over empty rows."""
    holders = NAMES
    start = dt.date(2026, 1, 1)
    roles = ["comms", "logistics", "care", "press-contact", "legal-liaison", "medic",
             "transport", "outreach"]
    for n in range(1, 48):
        day = start + dt.timedelta(days=7 * n)
        fill(kit, "roles", [{"role": roles[n % len(roles)] if n < 30 else f"role {n}",
                             "holder": holders[n % len(holders)], "starts": day.isoformat(),
                             "ends": (day + dt.timedelta(days=13)).isoformat()}])
        for paper in ("letter", "a4"):
            doc = make(kit, "roles", paper=paper)
            for number, page in enumerate(doc.pages, 1):
                body = _body_texts(page, paper)
                where = f"{n} mandates, {paper} p{number}"
                assert not _is_heading(body[-1]), f"{where} ends with {body[-1].text!r}"
                assert not _is_table_header(body[-1]), f"{where} ends with a table header"
                content = [t for t in body if not _is_heading(t) and t.color == BLACK]
                assert content, f"{where}: {body[0].text!r} over nothing"


# -- 4. a stock must fit its product -------------------------------------------------------
@pytest.mark.parametrize(("product", "stock", "names"), [
    ("charter", "slips-8up-a4", ["a4", "letter"]),
    ("contacts", "cards-us-10up", ["a4", "letter"]),
    ("cards", "letter", ["id1-letter", "cards-us-10up"]),
    ("slips", "id1-a4", ["slips-8up-a4", "slips-6up-letter"]),
    ("board", "cards-a4-10up", ["poster-letter", "poster-a4"]),
    ("kit", "slips-6up-letter", ["a4", "letter"]),
])
def test_a_stock_of_the_wrong_kind_is_refused_naming_those_that_fit(run, kit, product, stock,
                                                                   names):
    code, _, err = run("--kit", str(kit.path), "print", product, "--stock", stock, "-o",
                       "out.pdf")
    assert code == 2, err
    assert f"--stock {stock}" in err and all(name in err for name in names), err
    assert not Path("out.pdf").exists()


def test_every_product_refuses_exactly_the_stocks_it_does_not_print_on(kit):
    from paperkit.layout.stock import list_stocks
    from paperkit.products import STOCK_USES, check_stock

    with kit.open_record() as rec:
        for product in PRODUCTS:
            for name in list_stocks():
                ctx = ProductContext(kit, rec, PrintOptions(stock=name, today=TODAY))
                fits = load_stock(name).use in STOCK_USES[product]
                if fits:
                    check_stock(product, ctx)
                else:
                    with pytest.raises(InvalidValue):
                        check_stock(product, ctx)
    assert [n for n in list_stocks() if load_stock(n).use in STOCK_USES["charter"]] == [
        "a4", "letter"]


def test_a_paper_that_conflicts_with_the_stock_is_refused(run, kit):
    code, _, err = run("--kit", str(kit.path), "print", "cards", "--paper", "letter",
                       "--stock", "id1-a4", "-o", "cards.pdf")
    assert code == 2
    assert "--paper letter" in err and "id1-a4" in err and "id1-letter" in err
    assert not Path("cards.pdf").exists()
    code, _, err = run("--kit", str(kit.path), "print", "cards", "--paper", "a4", "--stock",
                       "id1-a4", "-o", "cards.pdf")
    assert code == 0, err


def test_the_boards_slips_come_on_the_posters_paper(kit):
    fill(kit, "tasks", [{"id": "T0001", "title": "Print cards", "status": "open"}])
    assert kit.settings.paper == "letter"
    doc = make(kit, "board", stock="poster-a4")
    assert len(doc.pages) > doc.meta["board_pages"]  # the slips are there
    assert {p.size for p in doc.pages} == {load_stock("a4").page}


def test_the_kit_on_a_page_stock_comes_on_its_paper(kit):
    doc = make(kit, "kit", stock="a4")
    assert {p.size for p in doc.pages} == {load_stock("a4").page}


# -- 5. --date and --copies ----------------------------------------------------------------
def test_print_date_is_shown_as_date_and_a_bad_one_says_how_to_write_it(run, kit):
    code, out, _ = run("print", "charter", "--help")
    assert code == 0 and "--date DATE" in out and "%Y" not in out
    code, _, err = run("--kit", str(kit.path), "print", "charter", "--date", "25/11/2026",
                       "-o", "c.pdf")
    assert code == 2
    assert "--date" in err and "write it as YYYY-MM-DD" in err and "%Y" not in err
    assert not Path("c.pdf").exists()
    code, _, err = run("--kit", str(kit.path), "print", "charter", "--date", "2026-11-25",
                       "-o", "c.pdf")
    assert code == 0, err
    assert Path("c.pdf").exists()


def test_print_cards_refuses_zero_copies(run, kit):
    code, _, err = run("--kit", str(kit.path), "print", "cards", "--copies", "0", "-o",
                       "cards.pdf")
    assert code == 2 and "--copies" in err
    assert not Path("cards.pdf").exists()
    code, out, err = run("--kit", str(kit.path), "print", "cards", "--copies", "1", "-o",
                         "cards.pdf")
    assert code == 0, err
    assert "2 page(s)" in out  # one card per language: a front and a back


# -- 6. a right-to-left override on a left-to-right card -----------------------------------
@pytest.mark.parametrize("text", ["אל תדבר עם המשטרה בלי עורך דין.",
                                  "لا تتحدث مع الشرطة without a lawyer أبدا."])
def test_a_right_to_left_text_on_an_english_card_is_right_aligned(kit, text):
    kit = with_settings(kit, card_text={"en": {"witness": text}}, languages=("en",))
    with kit.open_record() as rec:
        doc = build_cards(ProductContext(kit, rec, PrintOptions(copies=1, today=TODAY)))
    (witness,) = [t for t in texts(doc.pages[0]) if t.text.replace("\n", " ") == text]
    assert witness.direction == "rtl" and witness.align == "right"
    others = [t for t in texts(doc.pages[0]) if t.direction == "ltr" and t.font == "sans"
              and len(t.text) > 30]
    assert others and all(t.align == "left" for t in others)  # the English ones stay left


def test_a_print_the_record_cannot_log_writes_no_file_and_keeps_the_one_before(
        sample_kit, tmp_path, monkeypatch):
    """Regression: a print whose batch the record could not log (busy, read-only) wrote
    the signed PDF anyway, unlogged (status kept saying 'never printed'); and a print that
    failed on a full disk left a cut-off PDF where a good one was."""
    import paperkit.printing
    from paperkit.errors import RecordError
    from paperkit.printing import print_product

    out = tmp_path / "slips.pdf"
    with sample_kit.open_record() as rec:
        print_product(sample_kit, rec, "slips", out)
        good = out.read_bytes()

        def busy(*args, **kw):
            raise RecordError("the record is busy")

        monkeypatch.setattr(paperkit.printing, "record_print", busy)
        with pytest.raises(RecordError):
            print_product(sample_kit, rec, "contacts", tmp_path / "contacts.pdf")
        with pytest.raises(RecordError):
            print_product(sample_kit, rec, "kit", out)
    assert not (tmp_path / "contacts.pdf").exists()
    assert out.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-")) == []
