"""The bail-fund ledger: entries in integer minor units, running balances, assertions.

Amounts are entered as positive numbers; the kind gives the direction. Money in:
``donation``, ``bail-returned``. Money out: ``bail-paid``, ``expense``. A ``transfer`` is
signed as written (negative moves money out). A float never touches an amount.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from ..errors import InvalidValue, LedgerAssertionFailed
from .db import Record
from .models import BalanceAssertion, LedgerEntry

#: Digits after the decimal point, per currency (ISO 4217); everything else has 2, as has
#: a code a record kept from before paperkit checked codes (see ``currencies``). Every key
#: is a code of ``currencies.ACTIVE``, and every three-decimal code there is here. The
#: three-decimal ones came with migration 0002, which wrote IQD, JOD, LYD and OMR amounts
#: kept until then in hundredths again in thousandths. ISO's other no-decimal currencies
#: (XOF, XAF, UGX, ...) keep 2 here: their amounts kept in hundredths may hold cents that
#: a move to 0 would lose, so they print as '1500.00'; so do CLF and UYW (4 in ISO).
EXPONENTS = {"JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0, "VND": 0,
             "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3}
_MONEY = re.compile(r"^([+-]?)(\d{1,15})(?:[.,](\d+))?$")
#: Digits in groups of three after the first: '1_234_567' (one mark used between them).
_GROUPED = re.compile(r"^[+-]?\d{1,3}(_\d{3})+$")
#: One comma before exactly three digits: '1,000'.
_THOUSAND = re.compile(r"^[+-]?\d{1,3},\d{3}$")
#: Between groups of three digits in an amount shown to people: a narrow no-break space.
GROUP_MARK = "\u202f"
INFLOW = ("donation", "bail-returned")
OUTFLOW = ("bail-paid", "expense")


def exponent(currency: str) -> int:
    return EXPONENTS.get(currency.upper(), 2)


def parse_amount(text: str, currency: str) -> int:
    """'1,234.50' style text → minor units (123450). Thousands separators: spaces, '_', or
    the other of ',' '.' when both appear. Raises InvalidValue for anything else."""
    raw = text.strip().replace("_", "")
    for space in " \u00a0\u2009" + GROUP_MARK:
        raw = raw.replace(space, "")
    if "," in raw and "." in raw:
        dec = "." if raw.rfind(".") > raw.rfind(",") else ","
        raw = raw.replace("," if dec == "." else ".", "")
    for mark in ",.":  # one mark twice or more ('1,234,567'): thousands separators
        if raw.count(mark) > 1 and _GROUPED.match(raw.replace(mark, "_")):
            raw = raw.replace(mark, "")
    if raw.count(",") == 1 and "." not in raw and _THOUSAND.match(raw):
        # '1,000' is one thousand to some and one (a decimal comma) to others: a KWD
        # amount, with 3 decimals, would be read a thousand times too small
        if raw.lstrip("+-").startswith("0,"):  # no thousands group starts with 0: 0,500
            raise InvalidValue(f"{text!r} has a comma where paperkit reads a point for the"
                               " decimals", f"write it with a point ({raw.replace(',', '.')})")
        raise InvalidValue(f"{text!r} could be read two ways (is the comma a thousands "
                           "separator or a decimal point?)",
                           f"write it without the comma ({raw.replace(',', '')}) or with a "
                           f"point for decimals ({raw.replace(',', '.')})")
    m = _MONEY.match(raw)
    digits = exponent(currency)
    if not m:
        raise InvalidValue(f"{text!r} is not an amount", "write it like 1234.50")
    sign, whole, frac = m.groups()
    frac = frac or ""
    if len(frac) > digits:
        raise InvalidValue(
            f"{text!r} has {len(frac)} decimals; {currency} has {digits}",
            f"write at most {digits} digits after the point",
        )
    value = int(whole) * 10**digits + (int(frac.ljust(digits, "0")) if digits else 0)
    return -value if sign == "-" else value


def format_amount(minor: int, currency: str) -> str:
    """Minor units → '1234.50' (no thousands separator, so it parses back exactly)."""
    digits = exponent(currency)
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 10**digits)
    return f"{sign}{whole}.{frac:0{digits}d}" if digits else f"{sign}{whole}"


def grouped_amount(minor: int, currency: str) -> str:
    """:func:`format_amount` for people to read: the whole part in groups of three, split by
    narrow spaces that no line break splits ('1 234 567.50'). :func:`parse_amount` reads it
    back; files keep :func:`format_amount`'s plain form."""
    plain = format_amount(minor, currency)
    sign = "-" if plain.startswith("-") else ""
    whole, dot, frac = plain.lstrip("-").partition(".")
    return f"{sign}{int(whole):,}".replace(",", GROUP_MARK) + dot + frac


def money_json(totals: dict[str, int]) -> dict[str, dict]:
    """Balances per currency as JSON shows money: the amount as written and in minor units
    (``{"USD": {"amount": "12.50", "minor": 1250}}``; a JOD minor unit is a thousandth)."""
    return {c: {"amount": format_amount(v, c), "minor": v} for c, v in totals.items()}


def signed_amount(entry: LedgerEntry) -> int:
    """The entry's effect on the fund's balance, in minor units."""
    if entry.kind in OUTFLOW:
        return -entry.amount
    return entry.amount


def list_entries(rec: Record) -> list[LedgerEntry]:
    return [LedgerEntry(**dict(r)) for r in rec.query(
        "SELECT id, date, kind, amount, currency, counterparty, person, note"
        " FROM ledger ORDER BY date, id")]


def list_assertions(rec: Record) -> list[BalanceAssertion]:
    return [BalanceAssertion(**dict(r)) for r in rec.query(
        "SELECT id, date, amount, currency FROM ledger_assertions ORDER BY date, id")]


def held_currencies(rec: Record) -> frozenset[str]:
    """Every currency the record's entries and assertions are in. A code from before
    paperkit took ISO 4217 codes only stays usable in the record that holds it
    (``rows.currency``)."""
    return frozenset(r[0] for r in rec.query(
        "SELECT currency FROM ledger UNION SELECT currency FROM ledger_assertions"))


def balances(rec: Record, until: str | None = None) -> dict[str, int]:
    """Balance per currency (minor units) at the end of ``until`` (ISO date), or now."""
    out: dict[str, int] = defaultdict(int)
    for e in list_entries(rec):
        if until is None or e.date <= until:
            out[e.currency] += signed_amount(e)
    return dict(sorted(out.items()))


def running(rec: Record) -> list[tuple[LedgerEntry, int]]:
    """Each entry with the balance of its currency just after it."""
    totals: dict[str, int] = defaultdict(int)
    out = []
    for e in list_entries(rec):
        totals[e.currency] += signed_amount(e)
        out.append((e, totals[e.currency]))
    return out


@dataclass(frozen=True)
class AssertionFailure:
    """An assertion that does not hold: ``actual`` is what the ledger gives (minor units);
    ``last`` is the last entry counted before the assertion's date, if any."""

    assertion: BalanceAssertion
    actual: int
    last: LedgerEntry | None

    def message(self) -> str:
        a = self.assertion
        diff = self.actual - a.amount
        last = f"; the last entry counted is #{self.last.id} on {self.last.date}" \
            if self.last else "; no entries are counted"
        return (
            f"balance assertion {a.date} {format_amount(a.amount, a.currency)} {a.currency}"
            f" fails: the ledger gives {format_amount(self.actual, a.currency)}"
            f" (off by {format_amount(diff, a.currency)}){last}"
        )


def assertion_failures(rec: Record) -> list[AssertionFailure]:
    """Every balance assertion that does not hold, in date order."""
    entries = list_entries(rec)
    out = []
    for a in list_assertions(rec):
        counted = [e for e in entries if e.currency == a.currency and e.date <= a.date]
        actual = sum(signed_amount(e) for e in counted)
        if actual != a.amount:
            out.append(AssertionFailure(a, actual, counted[-1] if counted else None))
    return out


def check_assertions(rec: Record) -> None:
    """Raise LedgerAssertionFailed for the first assertion that does not hold, naming the
    last entry counted before it and the difference."""
    failures = assertion_failures(rec)
    if failures:
        raise LedgerAssertionFailed(failures[0].message())
