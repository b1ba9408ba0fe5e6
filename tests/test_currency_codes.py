"""Currency codes: ISO 4217's only (current and recently withdrawn), a typo named with the
codes it is close to, and a code a record already holds from before still usable there."""

from __future__ import annotations

import json

import pytest

from paperkit.errors import ImportFailed, InvalidValue
from paperkit.kit import init_kit
from paperkit.record import Record, Source, db
from paperkit.record.csvio import import_file
from paperkit.record.currencies import ACTIVE, KNOWN, NOT_MONEY, WITHDRAWN, suggestions
from paperkit.record.ledger import EXPONENTS, held_currencies
from paperkit.record.rows import currency

LEDGER_HEAD = "id,date,kind,amount,currency,counterparty,person,note\n"


@pytest.mark.parametrize("code", [
    "USD", "EUR", "GBP", "JOD", "KWD", "JPY", "XOF", "XAF", "XCD", "XCG", "XPF", "ZWG", "SLE",
    "VED", "XTS", "XXX", "XAU",
    # withdrawn, but people may still hold them
    "HRK", "SLL", "ANG", "CUC", "ZWL", "VEF", "MRO", "STD", "BYR", "LTL", "LVL", "EEK", "BGN",
])
def test_iso_4217_codes_are_taken(code):
    assert currency(f" {code} ") == code


@pytest.mark.parametrize("typo, hint", [
    ("UDS", "did you mean USD?"),
    ("GPB", "did you mean GBP?"),
    ("EUE", "did you mean EUR?"),
    ("EUD", "did you mean AUD or EUR?"),
    ("QQQ", "write the currency's ISO 4217 code, like USD, EUR or GBP"),
])
def test_a_code_iso_does_not_have_is_refused_with_the_codes_it_is_close_to(typo, hint):
    with pytest.raises(InvalidValue) as err:
        currency(typo)
    assert str(err.value) == f"'{typo}' is not an ISO 4217 currency code"
    assert err.value.hint == hint


def test_a_code_that_is_not_three_capitals_says_so_as_before():
    with pytest.raises(InvalidValue) as err:
        currency("usd")
    assert err.value.user_message() == "'usd' is not a currency code (write 3 capital letters, like USD)"


def test_the_list_is_iso_codes_and_suggests_money_only():
    assert all(len(c) == 3 and c.isascii() and c.isupper() for c in KNOWN)
    assert not ACTIVE & WITHDRAWN.keys() and NOT_MONEY <= ACTIVE
    assert {"XAF", "XOF", "XCD", "XCG", "XTS", "XXX"} <= ACTIVE
    assert suggestions("USM") == ["USD"]  # not USN, a funds code
    assert suggestions("UDX", held={"UDS"}) == ["UDS", "UGX"]  # codes the record holds count


def test_the_decimals_table_names_iso_codes_and_every_three_decimal_one():
    """ledger.EXPONENTS must stay in step with ISO 4217's minor units (List One): every key
    a current code, every three-decimal currency there, the no-decimal ones ISO's too."""
    assert set(EXPONENTS) <= ACTIVE
    assert {c for c, e in EXPONENTS.items() if e == 3} == \
        {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"}
    iso_no_decimals = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF",
                       "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"}
    assert {c for c, e in EXPONENTS.items() if e == 0} <= iso_no_decimals


def test_ledger_add_with_a_typo_is_refused_and_writes_nothing(run, kit):
    k = ("--kit", str(kit.path))
    code, out, err = run(*k, "ledger", "add", "donation", "50.00", "--currency", "UDS")
    assert code == 2 and out == ""
    assert "'UDS' is not an ISO 4217 currency code; did you mean USD?" in err
    code, _, err = run(*k, "ledger", "assert", "2026-11-01", "0.00", "UDS")
    assert code == 2 and "did you mean USD?" in err
    with kit.open_record() as rec:
        assert rec.query_one("SELECT count(*) FROM ledger")[0] == 0
        assert rec.query_one("SELECT count(*) FROM ledger_assertions")[0] == 0
    assert run(*k, "ledger", "add", "donation", "50.00", "--currency", "USD")[0] == 0


def test_an_import_with_a_typo_names_the_line_the_column_and_the_close_code(run, kit, tmp_path):
    path = tmp_path / "ledger.csv"
    path.write_text(LEDGER_HEAD + ",2026-11-01,donation,5.00,USD,,,\n"
                    ",2026-11-02,donation,7.00,UDS,,,\n", encoding="utf-8")
    code, _, err = run("--kit", str(kit.path), "import", "ledger", str(path))
    assert code == 2
    assert (f"{path}:3: column 'currency': 'UDS' is not an ISO 4217 currency code;"
            " did you mean USD?") in err
    assert "nothing was imported" in err


@pytest.fixture
def legacy_kit(tmp_path, monkeypatch):
    """A kit whose record was kept before codes were checked (schema 0002): a balance in
    'UDS' (a typo that started its own balance) with an assertion, and one in 'ABC'."""
    every = db._migrations()
    monkeypatch.setattr(db, "_migrations", lambda: every[:2])
    kit = init_kit(tmp_path / "legacy", name="Legacy group")
    with kit.open_record() as rec, rec.write(Source("cli", "paperkit ledger add")) as w:
        for day, amount, cur in ((1, 5000, "USD"), (2, 1250, "UDS"), (3, 700, "ABC")):
            w.insert("ledger", {"date": f"2026-10-0{day}", "kind": "donation",
                                "amount": amount, "currency": cur, "counterparty": "Bake sale"})
        w.insert("ledger_assertions", {"date": "2026-10-05", "amount": 1250, "currency": "UDS"})
    monkeypatch.setattr(db, "_migrations", lambda: every)
    return kit


def test_a_ledger_in_codes_from_before_exports_and_imports_back(run, legacy_kit, tmp_path):
    k = ("--kit", str(legacy_kit.path))
    out_file = tmp_path / "ledger.csv"
    assert run(*k, "export", "ledger", "-o", str(out_file))[0] == 0
    text = out_file.read_text(encoding="utf-8")
    assert ",UDS," in text and ",ABC," in text and "assert,12.50,UDS" in text
    code, out, err = run(*k, "import", "ledger", str(out_file))
    assert code == 0, err
    assert "0 new, 0 updated, 4 unchanged" in out
    code, out, _ = run(*k, "export", "ledger")
    assert out.encode("utf-8") == out_file.read_bytes()
    with legacy_kit.open_record() as rec:
        assert held_currencies(rec) == {"USD", "UDS", "ABC"}


def test_a_new_row_in_a_code_the_record_holds_is_taken(run, legacy_kit, tmp_path):
    k = ("--kit", str(legacy_kit.path))
    code, out, err = run(*k, "ledger", "add", "donation", "2.50", "--currency", "UDS", "--json",
                         "--date", "2026-10-06")
    assert code == 0, err
    assert (json.loads(out)["balance"], json.loads(out)["currency"]) == ("15.00", "UDS")
    assert run(*k, "ledger", "assert", "2026-10-07", "15.00", "UDS")[0] == 0
    path = tmp_path / "more.csv"
    path.write_text(LEDGER_HEAD + ",2026-10-08,donation,1.00,ABC,,,\n", encoding="utf-8")
    code, out, err = run(*k, "import", "ledger", str(path))
    assert code == 0 and "1 new" in out, err
    code, _, err = run(*k, "ledger", "add", "donation", "1.00", "--currency", "UDX")
    assert code == 2 and "'UDX' is not an ISO 4217 currency code; did you mean UDS or UGX?" in err


def test_a_code_from_before_is_refused_by_a_record_that_does_not_hold_it(tmp_path):
    path = tmp_path / "ledger.csv"
    path.write_text(LEDGER_HEAD + "1,2026-10-02,donation,12.50,UDS,,,\n", encoding="utf-8")
    with Record.open(":memory:") as rec:
        with pytest.raises(ImportFailed) as err:
            import_file(rec, "ledger", path)
    (problem, _amount) = err.value.problems
    assert problem.column == "currency" and "did you mean USD?" in problem.problem
