"""The bail-fund ledger: money in minor units, balances, and balance assertions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperkit.errors import InvalidValue, LedgerAssertionFailed
from paperkit.record import Record, Source
from paperkit.record.events import count_events
from paperkit.record.ledger import (
    assertion_failures,
    balances,
    check_assertions,
    format_amount,
    parse_amount,
    running,
)

CLI = Source("cli", "paperkit test")


def _entry(w, date, kind, amount, currency="USD", **extra):
    return w.insert("ledger", {"date": date, "kind": kind, "amount": amount,
                               "currency": currency, **extra})


@pytest.fixture
def rec():
    with Record.open(":memory:") as rec:
        with rec.write(CLI) as w:
            _entry(w, "2026-11-01", "donation", 10000, counterparty="Bake sale")
            _entry(w, "2026-11-02", "bail-paid", 2500, person="Kestrel")
            _entry(w, "2026-11-03", "transfer", -1250)
            _entry(w, "2026-11-03", "donation", 500, currency="EUR")
        yield rec


@pytest.mark.parametrize("text, currency, minor", [
    ("12.50", "USD", 1250), ("12,50", "EUR", 1250), ("1,234.56", "USD", 123456),
    ("1.234,56", "EUR", 123456), ("-12.50", "USD", -1250), ("7", "USD", 700),
    ("1 000", "JPY", 1000), ("0.125", "KWD", 125), ("0.1", "USD", 10),
    ("12345678901234.99", "USD", 1234567890123499),
])
def test_parse_amount_gives_integer_minor_units(text, currency, minor):
    value = parse_amount(text, currency)
    assert value == minor and type(value) is int


@pytest.mark.parametrize("text, currency", [
    ("12.345", "USD"), ("1.5", "JPY"), ("abc", "USD"), ("", "USD"), ("1e3", "USD"),
    ("12.50.1", "USD"), ("--5", "USD"), ("NaN", "USD"),
])
def test_parse_amount_refuses_what_is_not_an_amount(text, currency):
    with pytest.raises(InvalidValue):
        parse_amount(text, currency)


@given(st.integers(-10**14, 10**14), st.sampled_from(["USD", "JPY", "KWD", "EUR"]))
def test_format_then_parse_is_exact(minor, currency):
    assert parse_amount(format_amount(minor, currency), currency) == minor


def test_balances_per_currency_follow_the_kind(rec):
    # 100.00 in, 25.00 bail paid out, a transfer of -12.50 out
    assert balances(rec) == {"EUR": 500, "USD": 6250}
    assert balances(rec, until="2026-11-01") == {"USD": 10000}
    assert [bal for _, bal in running(rec) if _.currency == "USD"] == [10000, 7500, 6250]


def test_an_assertion_that_holds_is_recorded(rec):
    with rec.write(CLI) as w:
        w.insert("ledger_assertions", {"date": "2026-11-02", "amount": 7500, "currency": "USD"})
    check_assertions(rec)
    assert assertion_failures(rec) == []
    # ... and is checked again on every later change: a back-dated entry now breaks it
    events = count_events(rec)
    with pytest.raises(LedgerAssertionFailed) as err, rec.write(CLI) as w:
        _entry(w, "2026-11-02", "expense", 100)
    assert "off by -1.00" in str(err.value)
    assert count_events(rec) == events
    assert balances(rec)["USD"] == 6250


def test_a_failing_assertion_names_the_entry_and_the_difference_and_changes_nothing(rec):
    events = count_events(rec)
    with pytest.raises(LedgerAssertionFailed) as err, rec.write(CLI) as w:
        w.insert("ledger_assertions", {"date": "2026-11-03", "amount": 7000, "currency": "USD"})
    message = str(err.value)
    assert "2026-11-03 70.00 USD" in message
    assert "the ledger gives 62.50" in message and "off by -7.50" in message
    assert "#3 on 2026-11-03" in message
    assert err.value.exit_code == 1
    assert count_events(rec) == events
    assert rec.query_one("SELECT count(*) FROM ledger_assertions")[0] == 0


def test_an_assertion_before_any_entry_says_so(rec):
    with pytest.raises(LedgerAssertionFailed, match="no entries are counted"), \
            rec.write(CLI) as w:
        w.insert("ledger_assertions", {"date": "2020-01-01", "amount": 1, "currency": "USD"})


def test_the_sample_ledger_assertion_holds(sample_kit):
    with sample_kit.open_record() as rec:
        assert rec.query_one("SELECT count(*) FROM ledger")[0] == 25
        assert rec.query_one("SELECT count(*) FROM ledger_assertions")[0] == 1
        assert assertion_failures(rec) == []
        assert balances(rec) == {"USD": 379477}
        kinds = {r[0] for r in rec.query("SELECT DISTINCT kind FROM ledger")}
        assert kinds == {"donation", "bail-paid", "bail-returned", "expense", "transfer"}
        assert rec.query_one("SELECT min(amount) FROM ledger WHERE kind = 'transfer'")[0] < 0


@pytest.mark.parametrize("text, currency", [("1,000", "KWD"), ("1,234", "USD"), ("-2,500", "EUR")])
def test_a_lone_comma_before_three_digits_is_refused_as_ambiguous(text, currency):
    """Regression: '1,000' KWD was read as 1.000 KWD (a decimal comma), a thousand times too
    little, and '1,234' USD was refused with advice that led to 1.23."""
    from paperkit.record.ledger import parse_amount

    with pytest.raises(InvalidValue, match="two ways") as err:
        parse_amount(text, currency)
    assert text.replace(",", "") in err.value.hint


@pytest.mark.parametrize("text", ["0,500", "-0,250"])
def test_a_comma_after_a_zero_is_refused_with_the_one_reading_it_has(text):
    """'0,500' KWD was refused as ambiguous with the advice to write 0500 first, 500 dinars
    where half a dinar was meant (a red team, the fortieth session): no thousands group
    starts with 0."""
    from paperkit.record.ledger import parse_amount

    with pytest.raises(InvalidValue, match="has a comma where") as err:
        parse_amount(text, "KWD")
    assert err.value.hint == f"write it with a point ({text.replace(',', '.')})"


@pytest.mark.parametrize("text, currency, minor", [
    ("1,234,567", "USD", 123456700), ("1.234.567", "EUR", 123456700), ("12,50", "EUR", 1250),
    ("1,5", "EUR", 150), ("1,234.50", "USD", 123450), ("1.000", "KWD", 1000)])
def test_thousands_separators_and_decimal_commas_that_read_one_way(text, currency, minor):
    from paperkit.record.ledger import parse_amount

    assert parse_amount(text, currency) == minor


def test_numbers_and_dates_past_the_limits_are_messages_not_tracebacks():
    from paperkit.record.rows import parse_row

    too_big = parse_row("ledger", {"id": "9" * 20, "date": "2026-01-01", "kind": "donation",
                                   "amount": "5", "currency": "USD"})
    assert "15 digits" in too_big.problems["id"]
    late = parse_row("roles", {"role": "comms", "holder": "Ana", "starts": "9999-12-31"})
    assert "past the last date" in late.problems["starts"]
