"""The sheet products (contacts, board, ledger, roles, drill, charter, kit): layouts are
checked as data; the PDF is opened only to prove that what must be absent is absent."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pypdfium2 as pdfium
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperkit.errors import LayoutError
from paperkit.kit import open_kit
from paperkit.layout.model import Box, Document, Line, Page, Text
from paperkit.products import PrintOptions, ProductContext, board, build, common
from paperkit.record import Record, Source
from paperkit.record.contacts import list_contacts
from paperkit.record.ledger import grouped_amount, list_entries, parse_amount
from paperkit.record.tasks import list_tasks
from paperkit.render import fonts
from paperkit.render.pdf import render_pdf

TODAY = dt.date(2026, 11, 25)
SHEET_PRODUCTS = ("contacts", "board", "ledger", "roles", "drill", "charter", "kit")


# -- helpers ---------------------------------------------------------------------------
def make(kit, product: str, **options) -> Document:
    with kit.open_record() as rec:
        return build(product, ProductContext(kit, rec, PrintOptions(today=TODAY, **options)))


def texts(doc: Document) -> list[Text]:
    return [it for page in doc.pages for it in page.items if isinstance(it, Text)]


def all_text(doc: Document) -> str:
    return "\n".join(t.text for t in texts(doc))


def pdf_text(doc: Document) -> str:
    pdf = pdfium.PdfDocument(render_pdf(doc))
    try:
        return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()


def fill(kit, **tables) -> None:
    """Insert rows into the kit's record: fill(kit, contacts=[{...}], tasks=[...], ...)."""
    with kit.open_record() as rec, rec.write(Source("cli", "test")) as w:
        for table, rows in tables.items():
            for row in rows:
                w.insert(table, row)


def contact(cid: str, name: str, audience: str, ring: str = "dispatch", role: str = "lawyer",
            **kw) -> dict:
    return {"id": cid, "name": name, "role": role, "ring": ring, "audience": audience,
            "phone": kw.pop("phone", f"555-9{cid[-3:]}"), "verified_on": "2026-11-01", **kw}


def task(n: int, title: str, status: str = "open", **kw) -> dict:
    return {"id": f"T{n:04d}", "title": title, "status": status, **kw}


def check_invariants(doc: Document) -> None:
    """Every item inside its page; every text run within its box in the real metrics."""
    for number, page in enumerate(doc.pages, 1):
        w, h = page.size
        for it in page.items:
            if isinstance(it, Line):
                for x, y in ((it.x0, it.y0), (it.x1, it.y1)):
                    assert -0.01 <= x <= w + 0.01 and -0.01 <= y <= h + 0.01, (number, it)
                continue
            r = it.rect
            assert r.x0 >= -0.01 and r.y0 >= -0.01 and r.x1 <= w + 0.01 and r.y1 <= h + 0.01, (
                number, page.label, it)
            if isinstance(it, Text):
                assert len(it.lines) * it.leading <= r.height + 0.05, (number, it)
                for line in it.lines:
                    assert fonts.width(line, it.font, it.size, it.direction) <= r.width + 0.05, (
                        number, line)


# -- every product, both papers ---------------------------------------------------------
@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_every_sheet_product_renders_on_letter_and_a4(sample_kit, paper):
    sizes = {"letter": (612.0, 792.0), "a4": (595.28, 841.89)}[paper]
    for product in SHEET_PRODUCTS:
        doc = make(sample_kit, product, paper=paper)
        assert doc.pages, product
        for page in doc.pages:
            assert page.size == pytest.approx(sizes, abs=0.01), (product, page.label)
        check_invariants(doc)
        assert render_pdf(doc).startswith(b"%PDF"), product


# -- contacts ---------------------------------------------------------------------------
def test_public_contact_sheet_leaves_out_crew_and_private_contacts(sample_kit):
    with sample_kit.open_record() as rec:
        contacts = list_contacts(rec)
    hidden = [c for c in contacts if c.audience != "public"]
    shown = [c for c in contacts if c.audience == "public"]
    assert hidden and shown
    doc = make(sample_kit, "contacts", audience="public")
    layout = all_text(doc)
    extracted = pdf_text(doc)
    for c in hidden:
        assert c.name not in layout and c.phone not in layout, c
        assert c.name not in extracted and c.phone not in extracted, c
    for c in shown:
        assert c.phone in layout
    assert all(c.notes not in layout for c in contacts if c.notes)  # notes: private prints only


def test_crew_sheet_shows_crew_but_not_private_and_never_notes(kit):
    fill(kit, contacts=[contact("C001", "Pat Public", "public", notes="public note"),
                        contact("C002", "Cree Crew", "crew", notes="crew note"),
                        contact("C003", "Priv Ate", "private", phone="555-7777",
                                notes="lives at 12 Elm")])
    crew = pdf_text(make(kit, "contacts", audience="crew"))
    assert "Pat Public" in crew and "Cree Crew" in crew
    assert "Priv Ate" not in crew and "555-7777" not in crew
    assert "note" not in crew and "12 Elm" not in crew
    private = all_text(make(kit, "contacts", audience="private"))
    assert "Priv Ate" in private and "lives at 12 Elm" in private


@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_a_long_phone_number_stays_on_one_line(kit, paper):
    """Regression: "+44 20 7946 0958" wrapped after "7946" on a contact sheet, which can be
    misdialled. A phone number shrinks onto one line first."""
    phones = ("+44 20 7946 0958", "+1 (555) 010-2000 ext 44", "+49 30 901820")
    fill(kit, contacts=[contact(f"C{i:03d}", f"Person {i}", "public", phone=p)
                        for i, p in enumerate(phones, 1)])
    doc = make(kit, "contacts", paper=paper)
    runs = [t for page in doc.pages for t in page.items if isinstance(t, Text)]
    for phone in phones:
        (run,) = [t for t in runs if " ".join(t.lines) == phone]
        assert run.lines == (phone,), run.lines
        assert run.size >= 9.5 * common.WHOLE_SHRINK
    check_invariants(doc)


def test_contact_sheet_dates_stale_marks_and_ring_sections(kit):
    fill(kit, contacts=[
        contact("C001", "Fresh Lawyer", "public", verified_on="2026-11-20"),
        contact("C002", "Old Lawyer", "public", verified_on="2026-05-01"),
        contact("C003", "Never Lawyer", "public", verified_on=""),
        contact("C004", "Witness Medic", "public", ring="witness", role="medic"),
    ])
    doc = make(kit, "contacts", audience="public")
    assert [p.label for p in doc.pages] == ["contacts:witness ring", "contacts:dispatch ring",
                                            "contacts:care ring"]
    text = all_text(doc)
    assert "printed 2026-11-25" in text and "reprint by 2027-02-25" in text
    assert "2026-11-20" in text and "2026-11-20 STALE" not in text
    assert "2026-05-01 STALE" in text and "never verified" in text
    one = make(kit, "contacts", audience="public", ring="witness")
    assert [p.label for p in one.pages] == ["contacts:witness ring"]
    assert "Witness Medic" in all_text(one) and "Fresh Lawyer" not in all_text(one)


def test_long_contact_sheet_repeats_its_table_header(kit):
    fill(kit, contacts=[contact(f"C{i:03d}", f"Lawyer Number {i}", "public")
                        for i in range(1, 90)])
    doc = make(kit, "contacts", audience="public", ring="dispatch")
    assert len(doc.pages) >= 3
    for page in doc.pages:
        lines = [t.text for t in page.items if isinstance(t, Text)]
        assert "phone" in lines and "verified" in lines  # the column header on every page
    assert "page 1 of" in all_text(doc)
    lines = all_text(doc).splitlines()
    assert lines.count("Lawyers (continued)") == len(doc.pages) - 1
    assert lines.count("OTHER (continued)") == len(doc.pages) - 1  # the micro-role too
    names = [t for t in lines if t.startswith("Lawyer Number")]
    assert names == [f"Lawyer Number {i}" for i in range(1, 90)]  # natural order
    check_invariants(doc)


# -- ledger -----------------------------------------------------------------------------
LEDGER = [
    {"date": "2026-10-01", "kind": "donation", "amount": 10000, "currency": "USD",
     "counterparty": "Margaret Donorson"},
    {"date": "2026-10-02", "kind": "bail-paid", "amount": 7550, "currency": "USD",
     "counterparty": "Harbor County Court", "person": "Kestrel"},
    {"date": "2026-10-03", "kind": "donation", "amount": 5000, "currency": "EUR",
     "counterparty": "Margaret Donorson", "note": "cash from Margaret"},
    {"date": "2026-10-04", "kind": "bail-returned", "amount": 7550, "currency": "USD",
     "counterparty": "Harbor County Court", "person": "Kestrel"},
    {"date": "2026-10-05", "kind": "expense", "amount": 1999, "currency": "USD",
     "counterparty": "Corner Print Shop", "person": "Osprey"},
]


def ledger_rows(doc: Document) -> dict[str, list[str]]:
    """Entry number → the texts on its row (same top y as the number)."""
    out = {}
    for page in doc.pages:
        ts = [t for t in page.items if isinstance(t, Text)]
        numbers = [t for t in ts if t.text.isdigit() and t.font == "sans" and t.align == "right"]
        if not numbers:
            continue
        first = min(t.rect.x0 for t in numbers)  # the '#' column (an amount can be digits too)
        for t in numbers:
            if t.rect.x0 < first + 0.5:
                out[t.text] = [u.text for u in ts if abs(u.rect.y0 - t.rect.y0) < 0.5]
    return out


def test_ledger_running_balances_per_currency_in_minor_units(kit):
    fill(kit, ledger=LEDGER, ledger_assertions=[
        {"date": "2026-10-02", "amount": 2450, "currency": "USD"}])
    doc = make(kit, "ledger")
    rows = ledger_rows(doc)
    assert rows["1"][-2:] == ["100.00", "USD"]
    assert "75.50" in rows["2"] and rows["2"][-2:] == ["24.50", "USD"]
    assert rows["3"][-2:] == ["50.00", "EUR"]  # EUR runs on its own
    assert rows["4"][-2:] == ["100.00", "USD"]
    assert "19.99" in rows["5"] and rows["5"][-2:] == ["80.01", "USD"]
    # Blank numbered rows continue the numbering.
    assert {"6", "7", "17"} <= set(rows)
    text = all_text(doc)
    assert "holds" in text and "FAILS" not in text
    # Totals box: in / out / balance per currency.
    assert "175.50" in text and "95.49" in text and "80.01" in text
    assert "Margaret Donorson" in text and "cash from Margaret" in text


def test_ledger_amounts_print_in_groups_of_three_and_in_the_currencys_decimals(kit):
    """A bail of 1250000.00 was printed as one run of digits, hard to check by eye; JOD
    has three decimals (fils), not two."""
    fill(kit, ledger=[
        {"date": "2026-10-01", "kind": "donation", "amount": 125000000, "currency": "USD"},
        {"date": "2026-10-02", "kind": "donation", "amount": 2500, "currency": "JOD"}])
    doc = make(kit, "ledger")
    check_invariants(doc)
    rows = ledger_rows(doc)
    assert rows["1"][-3:] == ["1\u202f250\u202f000.00", "1\u202f250\u202f000.00", "USD"]
    assert rows["2"][-2:] == ["2.500", "JOD"]
    with kit.open_record() as rec:
        assert [(e.amount, e.currency) for e in list_entries(rec)] == [(125000000, "USD"),
                                                                        (2500, "JOD")]
    assert parse_amount("1\u202f250\u202f000.00", "USD") == 125000000  # read back as shown


def test_a_ledger_amount_too_wide_for_its_cell_stays_one_number(kit):
    """A trillion printed as '1 000 000 0' over '00 000.00', read as two numbers (red team,
    round six): it shrinks further on one line before it wraps, and then only between its
    groups of digits."""
    fill(kit, ledger=[
        {"date": "2026-10-01", "kind": "donation", "amount": 100_000_000_000_000,
         "currency": "USD"},
        {"date": "2026-10-02", "kind": "donation", "amount": 120_000_000_000, "currency": "IDR"}])
    doc = make(kit, "ledger")
    check_invariants(doc)
    amounts = [t for t in texts(doc)
               if "".join(t.text.split()) in ("1000000000000.00", "1200000000.00")]
    assert len(amounts) >= 4  # each in its cell and its balance, and in the totals
    assert all(len(t.lines) == 1 for t in amounts), [t.lines for t in amounts]


def test_ledger_marks_a_failing_assertion(kit):
    fill(kit, ledger=LEDGER[:1])
    with kit.open_record() as rec:  # a record that went wrong outside paperkit
        rec.conn.execute("INSERT INTO ledger_assertions (date, amount, currency)"
                         " VALUES ('2026-10-01', 9000, 'USD')")
    text = all_text(make(kit, "ledger"))
    assert "FAILS: off by 10.00 USD" in text


def test_public_ledger_replaces_names_with_stable_pseudonyms(kit):
    fill(kit, ledger=LEDGER)
    doc = make(kit, "ledger", public=True)
    layout, extracted = all_text(doc), pdf_text(doc)
    for real in ("Margaret", "Donorson", "Harbor County Court", "Kestrel", "Corner Print Shop",
                 "Osprey", "cash from"):
        assert real not in layout and real not in extracted, real
    rows = ledger_rows(doc)
    assert "Donor 1" in rows["1"] and "Donor 1" in rows["3"]  # same donor, same name
    assert "Party 1" in rows["2"] and "Person 1" in rows["2"]
    assert "Party 1" in rows["4"] and "Person 1" in rows["4"]
    assert "Party 2" in rows["5"] and "Person 2" in rows["5"]
    assert rows["5"][-2:] == ["80.01", "USD"]  # balances unchanged by pseudonyms


# -- board ------------------------------------------------------------------------------
def _column_of(items, title: str) -> str:
    """The status column whose dark heading bar sits above the card titled ``title``."""
    card = next(t for t in items if isinstance(t, Text) and " ".join(t.lines) == title)
    for bar in (b for b in items if isinstance(b, Box) and b.fill == board.DARK):
        if bar.rect.x0 <= card.rect.x0 <= bar.rect.x1 and bar.rect.y1 <= card.rect.y0:
            head = next(t for t in items if isinstance(t, Text) and bar.rect.contains(t.rect))
            return head.text.split()[0].lower()
    raise AssertionError(f"no column for {title}")


def test_board_columns_hold_the_right_tasks(sample_kit):
    with sample_kit.open_record() as rec:
        tasks = list_tasks(rec)
        ctx = ProductContext(sample_kit, rec, PrintOptions(today=TODAY))
        items, tiling = board.poster(ctx, ctx.stock("board"))
    assert tiling.cols == 3
    for t in tasks:
        if t.status == "dropped":
            assert any(f"{t.id}  {t.title}" == " ".join(x.lines) for x in items
                       if isinstance(x, Text))
        else:
            assert _column_of(items, t.title) == t.status, t


def test_board_says_how_to_mark_and_photograph_its_slips(sample_kit):
    """The board's note on its use says what the scan needs: one box marked firmly, a
    mistake scribbled out and the right box marked (a box scribbled over alone can read as
    one filled in), a slip cancelled by tearing it up (a line across a ticked slip is not
    always seen), the slips dry (a dried drop can read as a mark), each photographed whole
    and close enough, and the command that reads them back."""
    with sample_kit.open_record() as rec:
        ctx = ProductContext(sample_kit, rec, PrintOptions(today=TODAY))
        items, _ = board.poster(ctx, ctx.stock("board"))
    howto = " ".join(" ".join(x.lines) for x in items
                     if isinstance(x, Text) and x.text.startswith("How to use this board"))
    for words in ("Mark one box firmly", "scribble the mistake out and mark the right box",
                  "to cancel a slip, tear it up", "Keep the slips dry",
                  "each one whole", "ten slips side by side", "'paperkit scan'"):
        assert words in howto, words


def test_board_shows_expired_and_expiring_mandates(kit):
    fill(kit, tasks=[task(1, "Only task")], roles=[
        {"role": "comms", "holder": "Ex Pired", "starts": "2026-11-01", "ends": "2026-11-14"},
        {"role": "care", "holder": "Soon Ending", "starts": "2026-11-13", "ends": "2026-11-27"},
        {"role": "logistics", "holder": "Fresh Start", "starts": "2026-11-24",
         "ends": "2026-12-07"}])
    text = all_text(make(kit, "board"))
    assert "Ex Pired" in text and "EXPIRED" in text
    assert "Soon Ending" in text and "(in 2 days)" in text
    assert "Fresh Start" not in text


def test_big_board_tiles_with_overlap_and_carries_its_slips(kit):
    fill(kit, tasks=[task(i, f"Open task number {i} with a longish title", "open",
                          timeframe="by Friday", steward="Sam") for i in range(1, 41)]
         + [task(41, "A done one", "done"), task(42, "A dropped one", "dropped")])
    doc = make(kit, "board")
    rows, cols = doc.meta["tiles"]
    assert rows >= 3 and cols == 3
    tiles = doc.pages[:rows * cols]
    assert [p.label for p in tiles] == [f"board:tile {r},{c}" for r in range(1, rows + 1)
                                        for c in range(1, cols + 1)]
    assert doc.meta["board_pages"] == rows * cols
    # Neighbouring windows overlap by the stock's overlap, and every text lies inside the
    # tile's printed cell (nothing runs across a cut) or in the label margin below it.
    with kit.open_record() as rec:
        stock = ProductContext(kit, rec, PrintOptions(today=TODAY)).stock("board")
    tiling = board.Tiling(stock.cell, stock.overlap, rows, cols)
    assert tiling.window(0, 1).x0 == pytest.approx(tiling.window(0, 0).x1 - stock.overlap)
    assert tiling.window(1, 0).y0 == pytest.approx(tiling.window(0, 0).y1 - stock.overlap)
    cell = stock.cell_rect(0)
    for page in tiles:
        for t in (i for i in page.items if isinstance(i, Text)):
            assert cell.contains(t.rect) or t.rect.y0 >= cell.y1, (page.label, t.text)
        assert any(isinstance(t, Text) and t.text.startswith(f"tile {page.label[11:]} of "
                                                             f"{rows} × {cols}")
                   for t in page.items)
    # Each of the 40 open cards prints whole exactly once.
    titles = [t for page in tiles for t in page.items if isinstance(t, Text)
              and " ".join(t.lines).startswith("Open task number")]
    assert len(titles) == 40
    # The slip pages carry their placements: one per open task, none for done or dropped.
    manifest = doc.manifest()
    slips = [s for p in manifest["pages"] for s in p["slips"]]
    assert sorted(s["task"] for s in slips) == [f"T{i:04d}" for i in range(1, 41)]
    assert all(p["page"] > rows * cols for p in manifest["pages"] if p["slips"])
    check_invariants(doc)


def test_registration_marks_print_on_both_tiles_that_share_a_band(kit):
    fill(kit, tasks=[task(1, "One")])
    doc = make(kit, "board")
    rows, cols = doc.meta["tiles"]
    with kit.open_record() as rec:
        stock = ProductContext(kit, rec, PrintOptions(today=TODAY)).stock("board")
    tiling = board.Tiling(stock.cell, stock.overlap, rows, cols)
    cell = stock.cell_rect(0)

    def crosses(index: int, r: int, c: int) -> set[tuple[float, float]]:
        win = tiling.window(r, c)
        return {(round(b.rect.x0 - cell.x0 + win.x0, 2), round(b.rect.y0 - cell.y0 + win.y0, 2))
                for b in doc.pages[index].items
                if isinstance(b, Box) and b.fill is None and b.rect.width < 10}

    left, right = crosses(0, 0, 0), crosses(1, 0, 1)
    shared = left & right
    assert len(shared) >= 2  # the band between tiles 1,1 and 1,2


# -- roles, drill, charter ---------------------------------------------------------------
def test_roles_roster_marks_expired_and_expiring_and_offers_next_rotation(kit):
    fill(kit, roles=[
        {"role": "comms", "holder": "Ex Pired", "starts": "2026-11-01", "ends": "2026-11-14"},
        {"role": "care", "holder": "Soon Ending", "starts": "2026-11-13", "ends": "2026-11-27"},
        {"role": "logistics", "holder": "Fresh Start", "starts": "2026-11-24",
         "ends": "2026-12-07"}])
    doc = make(kit, "roles")
    text = all_text(doc)
    assert "EXPIRED 11 days ago: rotate" in text
    assert "expires in 2 days" in text
    assert "current, 12 days left" in text
    # Next rotation: each role with suggested dates one rotation long.
    assert "2026-11-28 ?" in text and "2026-12-11 ?" in text  # care: after its last day
    assert "2026-11-25 ?" in text  # comms: expired, so from today
    check_invariants(doc)


def test_drill_has_three_weeks_and_timing_boxes(sample_kit):
    doc = make(sample_kit, "drill")
    text = all_text(doc)
    for words in ("WEEK 1", "WEEK 2", "WEEK 3", "Pocket cards and contacts",
                  "Detainment noticed", "Hotline called", "Lawyer reached", "Press release out"):
        assert words in text
    time_boxes = [b for p in doc.pages for b in p.items if isinstance(b, Box)
                  and b.rect.width == pytest.approx(58) and b.rect.height == pytest.approx(22)]
    # Tabletop: 7 steps × (time, minutes); mock arrest: 6 time boxes and 5 elapsed boxes.
    assert len(time_boxes) == 7 * 2 + 6 + 5
    assert "suggested: Mon 30 Nov 2026" in text


def test_charter_fits_the_text_on_one_page_with_signature_lines(sample_kit):
    doc = make(sample_kit, "charter")
    assert len(doc.pages) == 1
    charter = " ".join(sample_kit.settings.charter.split())
    body = max(texts(doc), key=lambda t: len(t.text))
    assert " ".join(" ".join(body.lines).split()) == charter
    assert all_text(doc).count("name and signature") >= 8
    check_invariants(doc)


def test_charter_too_long_for_one_page_says_so(kit):
    toml = kit.path / "kit.toml"
    toml.write_text(toml.read_text().replace(
        'charter = """', 'charter = """' + "We look after each other. " * 700))
    with pytest.raises(LayoutError, match="does not fit"):
        make(open_kit(kit.path), "charter")


# -- the kit -----------------------------------------------------------------------------
def test_kit_cover_lists_every_section_with_its_pages(sample_kit):
    doc = make(sample_kit, "kit", audience="crew")
    cover = " ".join(t.text for t in doc.pages[0].items if isinstance(t, Text))
    sections = doc.meta["sections"]
    titles = [s["title"] for s in sections]
    for want in ("Charter", "Contacts: witness ring", "Contacts: dispatch ring",
                 "Contacts: care ring", "Task board", "Task slips", "Bail-fund ledger",
                 "Roles and rotation", "Three-week drill"):
        assert want in titles and want in cover
    # the organiser is told to print dark: light marks on a pale print go to review
    assert "full darkness" in cover and "light marks go to review" in cover
    labels = {"Charter": "charter", "Task board": "board:", "Task slips": "slips",
              "Bail-fund ledger": "ledger", "Roles and rotation": "roles",
              "Three-week drill": "drill", "Contacts: care ring": "contacts:care"}
    for s in sections:
        pages = doc.pages[s["first"] - 1:s["last"]]
        if s["title"] in labels:
            assert all(p.label.startswith(labels[s["title"]]) for p in pages), s
        assert f"{s['first']}" in cover
    assert sections[-1]["last"] == len(doc.pages)
    for i, page in enumerate(doc.pages, 1):  # sheet pages carry their place in the kit
        if page.label.startswith(("ledger", "roles", "drill", "charter", "slips")):
            assert f"kit page {i} of {len(doc.pages)}" in [
                t.text for t in page.items if isinstance(t, Text)], page.label
    # A crew kit: crew contacts are in, private ones are not.
    with sample_kit.open_record() as rec:
        contacts = list_contacts(rec)
    text = all_text(doc)
    assert any(c.name in text for c in contacts if c.audience == "crew")
    assert not any(c.phone in text for c in contacts if c.audience == "private")


def test_kit_manifest_lists_every_slip_on_its_page(sample_kit):
    doc = make(sample_kit, "kit")
    alone = make(sample_kit, "slips")
    manifest = doc.manifest()
    listed = [(p["page"], s["code"]) for p in manifest["pages"] for s in p["slips"]]
    assert sorted(c for _, c in listed) == sorted(
        s.code for p in alone.pages for s in p.slips)
    slips = next(s for s in doc.meta["sections"] if s["title"] == "Task slips")
    for page_no, _ in listed:
        assert slips["first"] <= page_no <= slips["last"]
        assert doc.pages[page_no - 1].label.startswith("slips")
    # Same positions as the slips printed alone, page for page.
    offset = slips["first"] - 1
    for i, page in enumerate(alone.pages):
        assert doc.pages[offset + i].slips == page.slips


def test_kit_puts_card_fronts_on_odd_pages(sample_kit):
    doc = make(sample_kit, "kit")
    cards = [s for s in doc.meta["sections"] if s["title"] == "Pocket cards"]
    if not cards:
        pytest.skip("products/cards.py is not there yet")
    fronts = [i for i, p in enumerate(doc.pages, 1) if p.label.startswith("cards front")]
    assert fronts and all(i % 2 == 1 for i in fronts)


def test_kit_public_ledger_option_reaches_the_ledger(kit):
    fill(kit, ledger=LEDGER)
    doc = make(kit, "kit", public=True)
    text = all_text(doc)
    assert "Margaret" not in text and "Donor 1" in text


def test_products_do_not_write_to_the_record(sample_kit):
    with sample_kit.open_record() as rec:
        before = rec.query_one("SELECT count(*) FROM events")[0]
    for product in SHEET_PRODUCTS:
        make(sample_kit, product)
    with sample_kit.open_record() as rec:
        assert rec.query_one("SELECT count(*) FROM events")[0] == before


def test_unknown_audience_is_refused(sample_kit):
    from paperkit.errors import InvalidValue

    with pytest.raises(InvalidValue):
        make(sample_kit, "contacts", audience="everyone")
    assert dataclasses.is_dataclass(PrintOptions)


def test_an_empty_kit_prints_every_sheet_product(kit):
    for product in SHEET_PRODUCTS:
        doc = make(kit, product)
        assert doc.pages, product
        check_invariants(doc)
    assert "No entries yet." in all_text(make(kit, "ledger"))
    assert "No mandates recorded yet" in all_text(make(kit, "roles"))


def test_board_gives_its_spare_lane_to_the_fullest_column():
    sizes = {"open": 11, "taken": 8, "done": 6, "stuck": 3}
    assert board.lane_counts(sizes, 5) == {"open": 2, "taken": 1, "done": 1, "stuck": 1}
    assert board.lane_counts({"open": 1, "taken": 0, "done": 1, "stuck": 0}, 5) == dict.fromkeys(
        ("open", "taken", "done", "stuck"), 1)  # nobody needs it: the panel keeps it


def test_print_kit_command_defaults_to_crew_contact_sheets(sample_kit, tmp_path):
    from click.testing import CliRunner

    from paperkit.cli import cli

    out = tmp_path / "kit.pdf"
    result = CliRunner().invoke(cli, ["--kit", str(sample_kit.path), "print", "kit", "-o",
                                      str(out), "--date", "2026-11-25"])
    assert result.exit_code == 0, result.output
    with sample_kit.open_record() as rec:
        contacts = list_contacts(rec)
    pdf = pdfium.PdfDocument(out.read_bytes())
    text = "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    pdf.close()
    assert any(c.phone in text for c in contacts if c.audience == "crew")
    assert not any(c.phone in text for c in contacts if c.audience == "private")


def test_ledger_transfer_out_is_paid_out(kit):
    fill(kit, ledger=[LEDGER[0], {"date": "2026-10-02", "kind": "transfer", "amount": -2500,
                                  "currency": "USD", "counterparty": "Care crew account"}])
    rows = ledger_rows(make(kit, "ledger"))
    assert "25.00" in rows["2"] and rows["2"][-2:] == ["75.00", "USD"]


def test_public_board_withholds_names_of_contacts_it_may_not_show(kit):
    fill(kit, contacts=[contact("C001", "Priv Ate", "private"),
                        contact("C002", "Cree Crew", "crew"),
                        contact("C003", "Pub Lic", "public")],
         tasks=[task(1, "Call the lawyer", steward="Priv Ate", shadow_crew="Cree Crew"),
                task(2, "Bring water", steward="Pub Lic")],
         roles=[{"role": "care", "holder": "Priv Ate", "starts": "2026-11-20",
                 "ends": "2026-11-26"}])
    public = make(kit, "board")
    text = pdf_text(public)
    assert "Priv Ate" not in text and "Cree Crew" not in text
    assert "Pub Lic" in text and "(withheld)" in all_text(public)
    assert sum(len(p.slips) for p in public.pages) == 2  # the slips keep their placements
    check_invariants(public)
    crew = all_text(make(kit, "board", audience="crew"))
    assert "Cree Crew" in crew and "Priv Ate" not in crew
    assert "Priv Ate" in all_text(make(kit, "board", audience="private"))


#: Private names long enough to wrap in a board card's narrow steward column; the last is one
#: word too long for the column, which the wrap breaks between letters.
WRAPPING_NAMES = ("Marta Kowalczyk", "Femi Adeyemi", "Wolfeschlegelsteinhausenberger")


def _flat(text: str) -> str:
    """``text`` without white space, casefolded: a name wrapped or broken mid-word is found."""
    return "".join(text.split()).casefold()


def _private_wrapping_kit(kit, roles: bool = True) -> None:
    fill(kit, contacts=[contact(f"C{i:03d}", name, "private")
                        for i, name in enumerate(WRAPPING_NAMES, 1)]
         + [contact("C009", "Pub Lic", "public")],
         tasks=[task(1, "Book the hall", timeframe="by 2026-11-28", steward=WRAPPING_NAMES[0]),
                task(2, "Bring water", steward=WRAPPING_NAMES[1]),
                task(3, "Ask Marta  Kowalczyk about the van", steward=WRAPPING_NAMES[2],
                     shadow_crew=f"{WRAPPING_NAMES[1]}, Pub Lic"),
                task(4, "Call the lawyer", "taken", steward="Pub Lic")],
         roles=[{"role": "care", "holder": WRAPPING_NAMES[0], "starts": "2026-11-20",
                 "ends": "2026-11-26"}] if roles else [],
         ledger=[{"date": "2026-10-01", "kind": "donation", "amount": 5000, "currency": "USD",
                  "counterparty": WRAPPING_NAMES[1], "person": WRAPPING_NAMES[0]}])


def test_withheld_matches_a_name_across_white_space_and_line_breaks():
    w = common.Withheld(("Marta Kowalczyk", " "), "(withheld)")
    for shown in ("Marta Kowalczyk", "marta\nkowalczyk", "Marta  Kowal\nczyk",
                  "Marta\u00a0Kowalczyk", "Mar\u00adta Kowalczyk", "Ma\nrta\tKOWALCZYK",
                  # hyphens for spaces, fullwidth letters: the name whole all the same (a red
                  # team's, round six, showed on the kiosk and the public board)
                  "Marta-Kowalczyk", "Marta\u2013Kowalczyk", "Marta_Kowalczyk",
                  "\uff2d\uff41\uff52\uff54\uff41 Kowalczyk"):
        assert w.text(f"ask {shown}, then go") == "ask (withheld), then go", shown
    for kept in ("Marta Kowalczykowa", "Marta", "Kowalczyk", "xMarta Kowalczyk"):
        assert w.text(kept) == kept
    assert common.Withheld((), "(withheld)").text("Marta Kowalczyk") == "Marta Kowalczyk"
    # The check of the finished layout finds a name across the lines of a run, and refits.
    run = common.fitted("steward: Marta Kowalczyk", 0, 0, 60, "sans", 9)
    assert len(run.lines) > 1
    page = w.pages([Page(size=(100.0, 100.0), items=(run,))])[0]
    assert "Marta" not in page.items[0].text and "(withheld)" in page.items[0].text
    assert run.rect.contains(page.items[0].rect) and page.items[0].size >= 9 * 0.75


@pytest.mark.parametrize(("product", "options"), [
    ("board", {}), ("board", {"audience": "crew"}), ("contacts", {}),
    ("contacts", {"audience": "crew"}), ("ledger", {"public": True}), ("roles", {}),
    ("roles", {"audience": "crew"}), ("kit", {"audience": "crew", "public": True})])
def test_a_private_name_that_wraps_is_withheld_on_every_product(kit, product, options):
    """Regression: a private steward's name that wrapped onto a second line in its board
    card printed in full on the public board and the crew kit: the names were looked for in
    the laid-out text, where a line break stood between their words."""
    _private_wrapping_kit(kit)
    doc = make(kit, product, **options)
    layout = _flat(all_text(doc))
    printed = _flat(pdf_text(doc))
    for name in WRAPPING_NAMES:
        assert _flat(name) not in layout, name
        assert _flat(name) not in printed, name
    if product == "board":
        assert "(withheld)" in all_text(doc) and "Pub Lic" in all_text(doc)
    check_invariants(doc)


def test_the_roles_roster_withholds_holders_its_audience_may_not_see(kit):
    """Regression: the roles roster printed every mandate holder, also in a public or crew
    kit; a private contact holding a mandate printed by name."""
    fill(kit, contacts=[contact("C001", "Priv Ate", "private"),
                        contact("C002", "Cree Crew", "crew")],
         roles=[{"role": "care", "holder": "Priv Ate", "starts": "2026-11-20",
                 "ends": "2026-11-26"},
                {"role": "comms", "holder": "Cree Crew", "starts": "2026-11-20",
                 "ends": "2026-11-26"},
                {"role": "legal", "holder": "Sam", "starts": "2026-11-20",
                 "ends": "2026-11-26"}])
    public = pdf_text(make(kit, "roles"))
    assert "Priv Ate" not in public and "Cree Crew" not in public
    assert "(withheld)" in public and "Sam" in public and "care" in public
    crew = pdf_text(make(kit, "roles", audience="crew"))
    assert "Cree Crew" in crew and "Priv Ate" not in crew
    assert "Priv Ate" in pdf_text(make(kit, "roles", audience="private"))
    kit_doc = pdf_text(make(kit, "kit", audience="crew"))
    assert "Cree Crew" in kit_doc and "Priv Ate" not in kit_doc


def test_board_steward_name_wraps_in_its_card(kit):
    """The names above do wrap on the board when they may be shown (so the test above
    tests what it means to)."""
    _private_wrapping_kit(kit)
    doc = make(kit, "board", audience="private")
    tiles = doc.pages[:doc.meta["board_pages"]]
    runs = [t for page in tiles for t in page.items if isinstance(t, Text)]
    for name in WRAPPING_NAMES:
        assert any(_flat(t.text) == _flat(name) and len(t.lines) > 1 for t in runs), name


def test_a_title_with_a_name_withheld_is_fitted_like_any_title(kit):
    """Regression: a title with a withheld name was refitted onto one line at 8 pt on the
    board (6.5 pt on its slip). It is now laid out exactly as a title that reads the same."""
    shown = "Ask (withheld) about the van for the action day"
    fill(kit, contacts=[contact("C001", "Greta Holm", "private")],
         tasks=[task(1, "Ask Greta Holm about the van for the action day"),
                task(2, shown)])
    doc = make(kit, "board")
    runs = [t for t in texts(doc) if " ".join(t.lines) == shown]
    assert len(runs) == 4  # a card and a slip for each task
    forms = {(t.lines, t.size, t.font, t.rect.width) for t in runs}
    assert len(forms) == 2  # the card's and the slip's: the same for both tasks
    assert max(t.size for t in runs) >= 15  # the card's title, as large as any title


@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_board_cuts_a_title_too_long_for_a_tile(kit, paper):
    """Regression: a card taller than a tile stopped the board with an AssertionError
    ("board layout put text across a tile edge"). A title too long for a card that fits
    a tile is now cut with "…", as on its slip; one that fits at a smaller size prints
    whole."""
    audit = " ".join(["Coordinate the legal observer rota with every affinity group"] * 8)
    huge = " ".join([audit] * 3)
    fill(kit, tasks=[task(1, audit), task(2, huge, timeframe="every day " * 60,
                                          steward="Sam " * 40)])
    doc = make(kit, "board", paper=paper)
    check_invariants(doc)
    rows, cols = doc.meta["tiles"]
    tiles = doc.pages[:rows * cols]
    title_runs = [(page, t) for page in tiles for t in page.items
                  if isinstance(t, Text) and " ".join(t.lines).startswith("Coordinate the")]
    assert len(title_runs) == 2
    whole = [t for _, t in title_runs if " ".join(t.lines) == audit]
    cut = [(page, t) for page, t in title_runs if " ".join(t.lines) != audit]
    assert len(whole) == 1 and len(cut) == 1
    page, title = cut[0]
    shown = " ".join(title.lines)
    assert shown.endswith("…") and huge.startswith(shown[:-1].rstrip())
    # The card's frame prints whole on the tile that holds its title.
    frames = [b for b in page.items if isinstance(b, Box) and b.radius == 6
              and b.rect.contains(title.rect)]
    assert len(frames) == 1
    assert any(isinstance(t, Text) and t.text == "T0002" and frames[0].rect.contains(t.rect)
               for t in page.items)
    kit_doc = make(kit, "kit", paper=paper)
    assert any(" ".join(t.lines) == shown for t in texts(kit_doc))


# -- properties ----------------------------------------------------------------------------
_words = st.text(st.characters(whitelist_categories=("Lu", "Ll", "Nd"), max_codepoint=0x17F),
                 min_size=1, max_size=40)


@pytest.fixture(scope="module")
def bare_kit(tmp_path_factory):
    from paperkit.kit import init_kit

    return init_kit(tmp_path_factory.mktemp("prop") / "kit", name="Property group")


def _memory_doc(kit, product: str, rows: dict, **options) -> Document:
    rec = Record.open(":memory:")
    try:
        with rec.write(Source("cli", "property")) as w:
            for table, values in rows.items():
                for row in values:
                    w.insert(table, row)
        return build(product, ProductContext(kit, rec, PrintOptions(today=TODAY, **options)))
    finally:
        rec.close()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.lists(_words, min_size=1, max_size=4).map(" ".join),
                          st.sampled_from(["lawyer", "press", "medic"]),
                          st.text("0123456789 +-", max_size=24),
                          st.lists(_words, max_size=30).map(" ".join)),
                min_size=1, max_size=25))
def test_any_contacts_fit_their_sheet(bare_kit, people):
    rows = [{"id": f"C{i:03d}", "name": name, "role": role, "ring": "care", "phone": phone,
             "audience": "private", "notes": notes, "verified_on": "2026-01-01"}
            for i, (name, role, phone, notes) in enumerate(people)]
    doc = _memory_doc(bare_kit, "contacts", {"contacts": rows}, audience="private",
                      ring="care")
    check_invariants(doc)
    text = all_text(doc)
    flat = "".join(text.split())  # a word longer than its column is broken, never cut
    assert all("".join(r["name"].split()) in flat for r in rows)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["donation", "bail-paid", "expense",
                                           "bail-returned"]),
                          st.integers(1, 10**9), st.sampled_from(["USD", "EUR", "JPY"])),
                min_size=1, max_size=40))
def test_ledger_balance_column_is_the_exact_integer_sum(bare_kit, entries):
    rows = [{"date": f"2026-10-{i % 28 + 1:02d}", "kind": kind, "amount": amount,
             "currency": cur} for i, (kind, amount, cur) in enumerate(entries)]
    doc = _memory_doc(bare_kit, "ledger", {"ledger": rows})
    check_invariants(doc)
    printed = ledger_rows(doc)
    totals: dict[str, int] = {}
    ordered = sorted(enumerate(rows), key=lambda p: (p[1]["date"], p[0]))
    for number, (_, row) in enumerate(ordered, 1):
        sign = -1 if row["kind"] in ("bail-paid", "expense") else 1
        totals[row["currency"]] = totals.get(row["currency"], 0) + sign * row["amount"]
        cur = row["currency"]
        assert printed[str(number)][-2:] == [grouped_amount(totals[cur], cur), cur]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.lists(_words, min_size=1, max_size=12).map(" ".join),
                          st.sampled_from(["open", "taken", "done", "stuck", "dropped"]),
                          st.lists(_words, max_size=5).map(" ".join)),
                min_size=0, max_size=45),
       st.sampled_from(["letter", "a4"]))
def test_any_board_tiles_every_card_whole_exactly_once(bare_kit, tasks, paper):
    rows = [task(i + 1, title, status, timeframe=frame, steward="Sam")
            for i, (title, status, frame) in enumerate(tasks)]
    doc = _memory_doc(bare_kit, "board", {"tasks": rows}, paper=paper)
    check_invariants(doc)
    r, c = doc.meta["tiles"]
    tile_ids = [" ".join(t.lines) for p in doc.pages[:r * c] for t in p.items
                if isinstance(t, Text) and t.font == "mono"]
    shown = sorted(x["id"] for x in rows if x["status"] != "dropped")
    assert sorted(tile_ids) == shown  # each card's id once: no card lost or doubled


def test_slip_with_a_title_too_long_for_its_box_prints_shortened(kit):
    """Regression: a title too long for the slip made slips raise LayoutError (found by the board's
    property test). The slip now prints the longest prefix that fits, with an ellipsis;
    the record keeps the whole title."""
    import datetime as dt

    from paperkit.layout import slip as S
    from paperkit.layout.model import Text
    from paperkit.products import PrintOptions, ProductContext, build
    from paperkit.record import Source

    title = "Coordinate " + "the legal observers and the jail support rota " * 6
    with kit.open_record() as rec:
        with rec.write(Source("cli", "test")) as w:
            w.insert("tasks", {"id": "T0001", "title": title})
        doc = build("slips", ProductContext(kit, rec, PrintOptions(today=dt.date(2026, 11, 25))))
    slip = doc.pages[0].slips[0]
    title_box = S.place(S.TITLE, (slip.rect.x0, slip.rect.y0), 1.0)
    texts = [t for t in doc.pages[0].items if isinstance(t, Text) and t.rect == title_box]
    assert len(texts) == 1
    shown = " ".join(texts[0].lines)
    assert shown.endswith("…") and title.startswith(shown[:-1].rstrip())
