"""Who sees what on paper (DESIGN §8, README "Who sees what"): the slips' audience, the
kit's ledger, names that stay withheld after their contact is removed, and prints with
nothing to print. Each test reads the PDF's text, as a person holding the print would."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import paperkit.printing
from paperkit.errors import EXIT_ATTENTION, EXIT_USAGE, NothingToPrint
from paperkit.layout.model import Document
from paperkit.printing import print_product
from paperkit.products import PrintOptions, ProductContext, build, common
from paperkit.products.contacts import hidden_names
from paperkit.record import Source
from paperkit.render.pdf import render_pdf

TODAY = "2026-11-25"


# -- helpers ---------------------------------------------------------------------------
def fill(kit, **tables) -> None:
    """Insert rows into the kit's record: fill(kit, contacts=[{...}], tasks=[...], ...)."""
    with kit.open_record() as rec, rec.write(Source("cli", "test")) as w:
        for table, rows in tables.items():
            for row in rows:
                w.insert(table, row)


def contact(cid: str, name: str, audience: str, **kw) -> dict:
    return {"id": cid, "name": name, "role": kw.pop("role", "lawyer"),
            "ring": kw.pop("ring", "dispatch"), "audience": audience,
            "phone": f"555-9{cid[-3:]}", "verified_on": "2026-11-01", **kw}


def task(n: int, title: str, status: str = "open", **kw) -> dict:
    return {"id": f"T{n:04d}", "title": title, "status": status, **kw}


def text_of(pdf: Path | bytes) -> str:
    """Every page's text; the PDF must open and hold at least one page."""
    doc = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else pdf.read_bytes())
    try:
        assert len(doc) >= 1
        return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()


def flat(text: str) -> str:
    """``text`` without white space, casefolded: a name wrapped onto two lines is found."""
    return "".join(text.split()).casefold()


def printed(run, kit, product: str, *options: str) -> str:
    """``paperkit print PRODUCT OPTIONS`` must exit 0; the PDF's text."""
    out = f"{product}-{len(options)}-{abs(hash(options))}.pdf"
    code, _, err = run("--kit", str(kit.path), "print", product, "-o", out, "--date", TODAY,
                       *options)
    assert code == 0, err
    return text_of(Path(out))


PEOPLE = [contact("C001", "Priv Ate", "private"), contact("C002", "Cree Crew", "crew"),
          contact("C003", "Pub Lic", "public")]


# -- 1. print slips has an audience, public by default ------------------------------------
def test_print_slips_withholds_names_its_audience_may_not_see(run, kit):
    """Regression: 'print slips' printed a private contact's name in full in a slip's
    title, steward and shadow-crew lines; the slips hang on the public board."""
    fill(kit, contacts=PEOPLE,
         tasks=[task(1, "Call Priv Ate about bail", steward="Priv Ate",
                     shadow_crew="Cree Crew"),
                task(2, "Bring water", "taken", steward="Pub Lic", shadow_crew="Priv Ate")])
    public = printed(run, kit, "slips")
    assert "Priv Ate" not in public and "Cree Crew" not in public
    assert "Call (withheld) about bail" in public and "shadow crew: (withheld)" in public
    assert "Pub Lic" in public and "Bring water" in public
    crew = printed(run, kit, "slips", "--audience", "crew")
    assert "Cree Crew" in crew and "Priv Ate" not in crew
    private = printed(run, kit, "slips", "--audience", "private")
    assert "Priv Ate" in private and "Cree Crew" in private
    # A library caller's options (the kiosk's too) default to the public audience.
    assert PrintOptions().audience == "public"
    with kit.open_record() as rec:
        doc = build("slips", ProductContext(kit, rec, PrintOptions()))
    assert sum(len(p.slips) for p in doc.pages) == 2  # each slip keeps its code and boxes
    assert "Priv Ate" not in text_of(render_pdf(doc))


def test_a_private_name_written_without_its_accents_or_with_another_apostrophe_is_withheld(
        run, kit):
    """A private name written as people type it (no accents, a curly apostrophe as phones,
    Macs and Word write it, Arabic without its hamza) printed in full on the public slips
    and board (a red team, the fortieth session)."""
    fill(kit, contacts=[contact("C001", "José Núñez", "private"),
                        contact("C002", "Siobhán O'Brien", "private"),
                        contact("C003", "أحمد علي", "private"),
                        contact("C004", "Søren Ødegård", "crew")],
         tasks=[task(1, "Bail: call Jose Nunez", steward="Siobhán O’Brien"),
                task(2, "Drive احمد علي home", steward="Soren Odegard"),
                task(3, "Meet Josefina Nunes")])
    for product in ("slips", "board"):
        public = flat(printed(run, kit, product))
        for shown in ("josenunez", "siobhán", "o’brien", "احمد", "soren", "odegard"):
            assert shown not in public, (product, shown)
        assert "josefinanunes" in public  # another name: printed
    crew = flat(printed(run, kit, "slips", "--audience", "crew"))
    assert "sorenodegard" in crew and "josenunez" not in crew


def test_a_private_contacts_phone_number_written_in_a_task_is_withheld(run, kit):
    """A private contact's number written in a task's title printed on the public board
    and slips, where the name beside it was withheld (a red team, the fortieth session).
    A crew contact's number prints for the crew; a public one's for everyone."""
    fill(kit, contacts=PEOPLE,  # phones 555-9001 (private), 555-9002 (crew), 555-9003
         tasks=[task(1, "Bail: call Priv Ate on +1 (555) 900-1"),
                task(2, "Ring 5559002 or 555 9003")])
    public = flat(printed(run, kit, "slips"))
    assert "9001" not in public and "5559002" not in public and "5559003" in public
    assert "bail:call(withheld)on+1(withheld)" in public
    crew = flat(printed(run, kit, "board", "--audience", "crew"))
    assert "9001" not in crew and "5559002" in crew


def test_the_kiosk_print_centres_slips_withhold_private_names(kit):
    """Regression: the kiosk's slips came from the same product code, with the names."""
    from paperkit.kiosk import create_app

    fill(kit, contacts=PEOPLE,
         tasks=[task(1, "Call the lawyer", steward="Priv Ate", shadow_crew="Cree Crew")])
    client = create_app(kit, token="t" * 24).test_client()
    assert client.get(f"/?token={'t' * 24}").status_code == 200
    html = client.get("/print").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    r = client.post("/print", data={"csrf": csrf, "product": "slips"})
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    text = text_of(r.data)
    assert "Priv Ate" not in text and "Cree Crew" not in text and "(withheld)" in text


# -- 2. a public kit prints the public ledger ---------------------------------------------
LEDGER = [
    {"date": "2026-10-01", "kind": "donation", "amount": 5000, "currency": "USD",
     "counterparty": "Bea Quist", "person": "", "note": "from Malik Stone"},
    {"date": "2026-10-02", "kind": "donation", "amount": 1200, "currency": "USD",
     "counterparty": "Bake sale", "person": "", "note": "cash tin"},
]


def test_a_public_kit_prints_the_ledger_with_pseudonyms(run, kit):
    """Regression: 'print kit --audience public' printed the ledger with the real
    counterparties and notes ("donation Bea Quist from Malik Stone"); only --public hid
    them."""
    fill(kit, contacts=[contact("C025", "Bea Quist", "private"),
                        contact("C026", "Malik Stone", "private", role="bondsperson")],
         ledger=LEDGER)
    public = flat(printed(run, kit, "kit", "--audience", "public"))
    for secret in ("Bea Quist", "Malik Stone", "Bake sale", "cash tin"):
        assert flat(secret) not in public, secret
    assert flat("Donor 1") in public and flat("Donor 2") in public
    assert flat("public copy") in public and flat("CREW ONLY") not in public
    # The same with --public said as well.
    assert flat("Bea Quist") not in flat(printed(run, kit, "kit", "--audience", "public",
                                                 "--public"))


def test_a_crew_kit_keeps_the_ledger_but_withholds_names_the_crew_may_not_see(run, kit):
    """The crew kit (the default) is the organisers' binder with the care crew's ledger;
    a private contact's name in it is withheld, as on the same kit's board and roles."""
    fill(kit, contacts=[contact("C025", "Bea Quist", "private"),
                        contact("C026", "Malik Stone", "private", role="bondsperson")],
         ledger=LEDGER)
    crew = printed(run, kit, "kit")
    assert flat("Bea Quist") not in flat(crew) and flat("Malik Stone") not in flat(crew)
    assert "(withheld)" in crew and "from (withheld)" in crew
    assert flat("Bake sale") in flat(crew) and flat("cash tin") in flat(crew)
    assert flat("Bea Quist") not in flat(printed(run, kit, "kit", "--public"))
    private = flat(printed(run, kit, "kit", "--audience", "private"))
    assert flat("Bea Quist") in private and flat("from Malik Stone") in private
    # The ledger on its own is the care crew's, as before.
    alone = flat(printed(run, kit, "ledger"))
    assert flat("Bea Quist") in alone


# -- 3. a removed private contact's name stays withheld -----------------------------------
def test_a_removed_private_contacts_name_stays_withheld(run, kit, tmp_path):
    """Regression: an import writing 'C0025,Removed contact,...' over a private contact
    made their name print on the public board, its slips and the roles roster: only the
    current contacts were read."""
    fill(kit, contacts=[contact("C0025", "Bea Quist", "private"),
                        contact("C0026", "Pub Lic", "public")],
         tasks=[task(1, "Call Bea Quist", steward="Bea Quist")],
         roles=[{"role": "care", "holder": "Bea Quist", "starts": "2026-11-20",
                 "ends": "2026-11-26"}])
    csv = tmp_path / "removed.csv"
    csv.write_text("id,name,role,ring,micro_role,phone,languages,notes,audience,verified_on\n"
                   "C0025,Removed contact,other,witness,,,,,public,\n", encoding="utf-8")
    code, _, err = run("--kit", str(kit.path), "import", "contacts", str(csv))
    assert code == 0, err
    for product, options in (("board", ()), ("slips", ()), ("roles", ()),
                             ("board", ("--audience", "crew")), ("kit", ())):
        text = printed(run, kit, product, *options)
        assert flat("Bea Quist") not in flat(text), (product, options)
        assert "(withheld)" in text, (product, options)
    assert "Bea Quist" in printed(run, kit, "board", "--audience", "private")


def test_hidden_names_come_from_every_state_a_contact_was_in(kit):
    """Renamed or deleted private contacts stay hidden; a name held only while public, or
    one a visible contact holds now, is not; and it is one query."""
    fill(kit, contacts=[contact("C001", "Ren Amed", "private"),
                        contact("C002", "Del Eted", "crew"),
                        contact("C003", "Was Public", "public"),
                        contact("C004", "Made Public", "private"),
                        contact("C005", "Pub Lic", "public")])
    with kit.open_record() as rec:
        with rec.write(Source("cli", "test")) as w:
            w.update("contacts", "C001", {"name": "R. A."})
            w.delete("contacts", "C002")
            w.update("contacts", "C003", {"name": "Now Private", "audience": "private"})
            w.update("contacts", "C004", {"audience": "public"})
        statements: list[str] = []
        rec.conn.set_trace_callback(statements.append)
        try:
            public = set(hidden_names(rec, "public"))
        finally:
            rec.conn.set_trace_callback(None)
        assert len(statements) == 1, statements
        assert public == {"Ren Amed", "R. A.", "Del Eted", "Now Private"}
        assert set(hidden_names(rec, "crew")) == {"Ren Amed", "R. A.", "Now Private"}
        assert hidden_names(rec, "private") == ()


# -- 4. nothing to print: no file, and a message that says why ----------------------------
def test_print_slips_of_an_unknown_task_is_a_usage_error_naming_it(run, kit):
    """Regression: 'print slips --task T9999' (or --task bad) wrote a PDF of no pages,
    which no viewer opens, and exited 0."""
    fill(kit, tasks=[task(1, "Book the hall")])
    k = ("--kit", str(kit.path), "print", "slips", "-o", "s.pdf")
    code, _, err = run(*k, "--task", "T9999")
    assert code == EXIT_USAGE and "there is no task T9999" in err and "task list" in err
    code, _, err = run(*k, "--task", "bad")
    assert code == EXIT_USAGE and "bad" in err
    code, _, err = run(*k, "--task", "T0001", "--task", "T9999", "--task", "bad")
    assert code == EXIT_USAGE and "T9999" in err and "bad" in err and "T0001" not in err
    assert not Path("s.pdf").exists()
    code, out, err = run(*k, "--task", "T0001")
    assert code == 0 and "1 slip(s)" in out, err
    assert "Book the hall" in text_of(Path("s.pdf"))


def test_print_slips_with_no_task_in_play_writes_nothing_and_says_what_to_do(run, kit):
    """Regression: 'print slips' in a kit with no open, taken or stuck task wrote a PDF of
    no pages and exited 0."""
    k = ("--kit", str(kit.path), "print", "slips", "-o", "s.pdf")
    code, out, err = run(*k)
    assert code == EXIT_ATTENTION, (out, err)
    assert "no open, taken or stuck tasks to print slips for" in err
    assert "paperkit task add" in err and "wrote" not in out
    assert not Path("s.pdf").exists()
    fill(kit, tasks=[task(1, "Book the hall", "done"), task(2, "Old idea", "dropped")])
    code, _, err = run(*k)
    assert code == EXIT_ATTENTION and "no open, taken or stuck tasks" in err
    assert not Path("s.pdf").exists()
    code, _, err = run(*k, "--task", "T0001")  # a done task, named, still prints
    assert code == 0 and "Book the hall" in text_of(Path("s.pdf")), err


@pytest.mark.parametrize("product", ["cards", "contacts", "board", "ledger", "roles", "drill",
                                     "charter", "kit"])
def test_every_other_product_of_an_empty_kit_writes_a_pdf_that_opens(run, kit, product):
    code, out, err = run("--kit", str(kit.path), "print", product, "-o", f"{product}.pdf")
    assert code == 0, err
    assert text_of(Path(f"{product}.pdf")).strip()


def test_a_product_with_no_pages_writes_no_file(kit, tmp_path, monkeypatch):
    """Whatever the product, a layout of no pages is never written as an empty PDF."""
    monkeypatch.setattr(paperkit.printing, "build",
                        lambda name, ctx: Document(product=name, title="none", pages=(),
                                                   kit=kit.id))
    out = tmp_path / "none.pdf"
    with kit.open_record() as rec, pytest.raises(NothingToPrint) as info:
        print_product(kit, rec, "charter", out, PrintOptions(today=dt.date(2026, 11, 25)))
    assert info.value.exit_code == EXIT_ATTENTION and "no file was written" in str(info.value)
    assert not out.exists()


# -- withholding stays quick with many names, and finds what it found before ---------------
_LETTERS = "abAB ßSsſKkK\u212aİıiI\u00ad\u200d\n"


@settings(max_examples=300, deadline=None)
@given(names=st.lists(st.text(_LETTERS, min_size=1, max_size=6), min_size=1, max_size=5),
       text=st.text(_LETTERS + ".,x", max_size=30))
def test_withheld_finds_exactly_what_one_pattern_per_name_finds(names, text):
    """The quick test of a name's letters (so that hundreds of hidden names, the event
    log's included, do not slow a print) never lets a name through that the full pattern
    per name would catch."""
    wanted = sorted({unicodedata.normalize("NFC", " ".join(n.split())) for n in names
                     if n.strip()}, key=lambda n: (-len(n), n))
    w = common.Withheld(tuple(names), "(withheld)")
    if not wanted:
        assert w.text(text) == text
        return
    naive = re.compile("|".join(common._name_pattern(n) for n in wanted), re.IGNORECASE)
    nfc = unicodedata.normalize("NFC", text)
    assert w.found(text) == bool(naive.search(nfc))
    assert w.text(text) == (naive.sub("(withheld)", nfc) if naive.search(nfc) else text)

