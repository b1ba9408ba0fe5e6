"""Text to row values and back, for contacts, tasks, ledger and roles.

This is the one place that checks a value a person typed, whether it came from a CSV cell
or a command-line option, so that both say the same thing about the same mistake.
Dates are ISO ``YYYY-MM-DD``; money is integer minor units (``ledger.parse_amount``);
a currency is an ISO 4217 code (``currencies``) or one the record's ledger already holds.

The ledger table in a file also holds balance assertions: a row whose ``kind`` is
``assert`` says "the balance of ``currency`` at the end of ``date`` is ``amount``". Its ``id``
is the assertion's own id (assertions are numbered apart from entries), its ``rev`` the
assertion's own rev, and its ``counterparty``, ``person`` and ``note`` must be empty.

Every table's file has a ``rev`` column: the version of the row it was exported from (the
record raises a row's rev by one on every change; ``db.VERSIONED``). An empty rev cell is
no version: a new task then takes rev 1 here, a new row of the other tables the record's
default, 1 (``csvio`` says what import does with the rev of a row the record holds).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidValue
from . import currencies
from .ledger import format_amount, parse_amount
from .models import AUDIENCES, CONTACT_ROLES, LEDGER_KINDS, MICRO_ROLES, RINGS, TASK_STATUSES

TABLES = ("contacts", "tasks", "ledger", "roles")
ASSERT_KIND = "assert"

#: The columns of each table's file, in file order.
COLUMNS: dict[str, tuple[str, ...]] = {
    "contacts": ("id", "name", "role", "ring", "micro_role", "phone", "languages", "notes",
                 "audience", "verified_on", "rev"),
    "tasks": ("id", "title", "timeframe", "steward", "status", "after_action", "shadow_crew",
              "rev"),
    "ledger": ("id", "date", "kind", "amount", "currency", "counterparty", "person", "note",
               "rev"),
    "roles": ("id", "role", "holder", "starts", "ends", "rev"),
}
#: Columns that must not be empty. A missing ``id`` means "a new row, number it for me".
REQUIRED: dict[str, tuple[str, ...]] = {
    "contacts": ("name", "role", "ring", "audience"),
    "tasks": ("title",),
    "ledger": ("date", "kind", "amount", "currency"),
    "roles": ("role", "holder", "starts"),
}
#: Columns whose empty cell takes a default that is not empty: a new task is ``open``, a
#: mandate without an end lasts one rotation. For a row the record holds, import refuses
#: such an empty cell where the default would change the stored value (``csvio``).
DEFAULTED: dict[str, tuple[str, ...]] = {"tasks": ("status",), "roles": ("ends",)}
_TASK_ID = re.compile(r"^T[0-9]{4,8}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_BAD_CHARS = re.compile(r"[\x00]")


# -- single values ---------------------------------------------------------------------------
def text(value: str) -> str:
    """Free text, kept exactly (spaces, line breaks, any script); only NUL is refused."""
    if _BAD_CHARS.search(value):
        raise InvalidValue("the text holds a NUL character", "remove it")
    return value


def date(value: str) -> str:
    """An ISO date 'YYYY-MM-DD', checked to be a real day."""
    value = value.strip()
    try:
        if not _DATE.match(value):
            raise ValueError
        dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidValue(f"{value!r} is not a date", "write it as YYYY-MM-DD, like 2026-11-25") from None
    return value


def optional_date(value: str) -> str:
    return date(value) if value.strip() else ""


def choice(options: tuple[str, ...], what: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        value = value.strip()
        if value not in options:
            shown = ", ".join(o or "(empty)" for o in options)
            article = "an" if what[:1] in "aeiou" else "a"
            raise InvalidValue(f"{value!r} is not {article} {what}", f"write one of: {shown}")
        return value

    return parse


def task_id(value: str) -> str:
    value = value.strip()
    if not _TASK_ID.match(value):
        raise InvalidValue(f"{value!r} is not a task id", "write T and 4 to 8 digits, like T0042")
    return value


def contact_id(value: str) -> str:
    value = value.strip()
    if not value or any(c.isspace() for c in value):
        raise InvalidValue(f"{value!r} is not a contact id", "use letters and digits, like C0007")
    return value


def positive_int(value: str) -> int:
    value = value.strip()
    if (not value.isascii() or not value.isdigit() or int(value) < 1
            or len(value.lstrip("0")) > 15):  # past SQLite's integers, well before
        raise InvalidValue(f"{value!r} is not a whole number of 1 or more (at most 15 digits)",
                           "write it like 12")
    return int(value)


def currency(value: str, held: Collection[str] = ()) -> str:
    """An ISO 4217 code (``currencies.KNOWN``), or one the record already ``held`` in its
    ledger (a code from before paperkit checked them, so that its rows still round-trip)."""
    value = value.strip()
    if not _CURRENCY.match(value):
        raise InvalidValue(f"{value!r} is not a currency code", "write 3 capital letters, like USD")
    if not currencies.is_iso(value) and value not in held:
        close = currencies.suggestions(value, held)
        if not close:
            raise InvalidValue(f"{value!r} is not an ISO 4217 currency code",
                               "write the currency's ISO 4217 code, like USD, EUR or GBP")
        alike = close[0] if len(close) == 1 else f"{', '.join(close[:-1])} or {close[-1]}"
        raise InvalidValue(f"{value!r} is not an ISO 4217 currency code",
                           f"did you mean {alike}?")
    return value


def add_days(iso: str, days: int) -> str:
    try:
        return (dt.date.fromisoformat(iso) + dt.timedelta(days=days)).isoformat()
    except OverflowError:
        raise InvalidValue(f"{iso} plus {days} days is past the last date there is",
                           "give the mandate an earlier start, or its own end date") from None


# -- whole rows -------------------------------------------------------------------------------
@dataclass
class Parsed:
    """A row's checked values (column → value, only the columns given) and its problems
    (column → what is wrong and what to do). ``is_assertion`` marks a ledger assert row."""

    values: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    is_assertion: bool = False

    def ok(self) -> bool:
        return not self.problems


_PARSERS: dict[str, dict[str, Callable[[str], Any]]] = {
    "contacts": {
        "id": contact_id, "name": text, "role": choice(CONTACT_ROLES, "contact role"),
        "ring": choice(RINGS, "ring"), "micro_role": choice(MICRO_ROLES, "micro-role"),
        "phone": text, "languages": text, "notes": text,
        "audience": choice(AUDIENCES, "audience"), "verified_on": optional_date,
        "rev": positive_int,
    },
    "tasks": {
        "id": task_id, "title": text, "timeframe": text, "steward": text,
        "status": choice(TASK_STATUSES, "task status"), "after_action": text,
        "shadow_crew": text, "rev": positive_int,
    },
    "ledger": {
        "id": positive_int, "date": date,
        "kind": choice((*LEDGER_KINDS, ASSERT_KIND), "ledger kind"),
        "currency": currency, "counterparty": text, "person": text, "note": text,
        "rev": positive_int,
    },
    "roles": {"id": positive_int, "role": text, "holder": text, "starts": date, "ends": date,
              "rev": positive_int},
}


#: The free-text columns of each table (kept exactly as typed).
TEXT_COLUMNS: dict[str, tuple[str, ...]] = {
    table: tuple(col for col, parser in parsers.items() if parser is text)
    for table, parsers in _PARSERS.items()
}


def _message(exc: InvalidValue) -> str:
    return f"{exc}; {exc.hint}" if exc.hint else str(exc)


def parse_row(table: str, texts: dict[str, str], *, partial: bool = False,
              rotation_days: int = 14, held_currencies: Collection[str] = ()) -> Parsed:
    """Check one row given as text. Empty cells take the column's default; ``id`` may be
    empty (a new row). With ``partial``, only the columns in ``texts`` are checked and no
    defaults are filled in (an edit). A role without ``ends`` ends one rotation after it
    starts (``starts + rotation_days - 1``, inclusive). A ledger row's currency is an ISO
    4217 code or one of ``held_currencies``, the codes the record's ledger already holds
    (``ledger.held_currencies``)."""
    out = Parsed()
    parsers = _PARSERS[table]
    if "currency" in parsers:
        parsers = {**parsers, "currency": functools.partial(currency, held=held_currencies)}
    for col, raw in texts.items():
        if col == "amount" or col not in parsers:
            continue
        parser = parsers[col]
        if parser is text or raw.strip():
            try:
                out.values[col] = parser(raw)
            except InvalidValue as exc:
                out.problems[col] = _message(exc)
                continue
            if col in REQUIRED[table] and not raw.strip():
                out.problems[col] = f"'{col}' is blank; fill it in"
        elif col in REQUIRED[table]:
            out.problems[col] = f"'{col}' is empty; fill it in"
        elif col == "id":
            out.values[col] = None
        elif col in ("micro_role", "verified_on"):
            out.values[col] = ""
    if not partial:
        for col in REQUIRED[table]:
            if col not in texts:
                out.problems.setdefault(col, f"'{col}' is missing; fill it in")
    _TABLE_CHECKS[table](out, texts, partial, rotation_days)
    return out


def _check_contacts(out: Parsed, texts, partial, rotation_days) -> None:
    if not partial:
        for col in ("micro_role", "phone", "languages", "notes", "verified_on"):
            out.values.setdefault(col, "")


def _check_tasks(out: Parsed, texts, partial, rotation_days) -> None:
    if not partial:
        out.values.setdefault("status", "open")
        out.values.setdefault("rev", 1)
        for col in ("timeframe", "steward", "after_action", "shadow_crew"):
            out.values.setdefault(col, "")


def _check_ledger(out: Parsed, texts, partial, rotation_days) -> None:
    kind = out.values.get("kind")
    out.is_assertion = kind == ASSERT_KIND
    if "amount" in texts:
        cur = out.values.get("currency")
        raw = texts["amount"]
        if not raw.strip():
            out.problems["amount"] = "'amount' is empty; fill it in"
        elif cur is None:
            out.problems.setdefault("amount", "the amount cannot be read without a valid currency")
        else:
            try:
                out.values["amount"] = parse_amount(raw, cur)
            except InvalidValue as exc:
                out.problems["amount"] = _message(exc)
    amount = out.values.get("amount")
    if amount is not None and kind not in (None, "transfer", ASSERT_KIND) and amount <= 0:
        out.problems["amount"] = (
            f"a {kind} amount must be more than 0; write it positive, the kind gives the "
            "direction (only a transfer is signed)"
        )
    if kind == "transfer" and amount == 0:
        out.problems["amount"] = "a transfer of 0 moves nothing; write the amount"
    if out.is_assertion:
        for col in ("counterparty", "person", "note"):
            if texts.get(col, ""):
                out.problems[col] = (
                    f"an assert row holds only date, amount and currency; leave '{col}' empty"
                )
            out.values.pop(col, None)
        out.values.pop("kind", None)
    elif not partial:
        for col in ("counterparty", "person", "note"):
            out.values.setdefault(col, "")


def _check_roles(out: Parsed, texts, partial, rotation_days) -> None:
    starts = out.values.get("starts")
    if not partial and starts and not out.values.get("ends") and "ends" not in out.problems:
        try:
            out.values["ends"] = add_days(starts, rotation_days - 1)
        except InvalidValue as exc:
            out.problems["starts"] = _message(exc)
    ends = out.values.get("ends")
    if starts and ends and ends < starts:
        out.problems["ends"] = f"the mandate ends ({ends}) before it starts ({starts}); fix one"


_TABLE_CHECKS = {"contacts": _check_contacts, "tasks": _check_tasks, "ledger": _check_ledger,
                 "roles": _check_roles}


def format_row(table: str, values: dict[str, Any], *, is_assertion: bool = False) -> dict[str, str]:
    """A stored row as text cells, one per column in COLUMNS order: the inverse of
    :func:`parse_row` (amounts by ``format_amount``, so they parse back exactly)."""
    out: dict[str, str] = {}
    for col in COLUMNS[table]:
        value = values.get(col, "")
        if table == "ledger" and col == "kind" and is_assertion:
            value = ASSERT_KIND
        elif table == "ledger" and col == "amount":
            value = format_amount(value, values["currency"])
        out[col] = "" if value is None else str(value)
    return out
