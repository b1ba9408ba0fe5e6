"""Row values of the record, as frozen dataclasses. Dates are ISO 'YYYY-MM-DD' strings."""

from __future__ import annotations

from dataclasses import dataclass

CONTACT_ROLES = ("lawyer", "bondsperson", "family", "press", "medic", "other")
RINGS = ("witness", "dispatch", "care")
MICRO_ROLES = ("", "legal-liaison", "comms", "logistics", "care")
AUDIENCES = ("public", "crew", "private")
TASK_STATUSES = ("open", "taken", "done", "stuck", "dropped")
#: The statuses a slip's check boxes can set, in printed order.
SLIP_STATUSES = ("taken", "done", "stuck", "dropped")
LEDGER_KINDS = ("donation", "bail-paid", "bail-returned", "expense", "transfer")


@dataclass(frozen=True)
class Contact:
    id: str
    name: str
    role: str
    ring: str
    micro_role: str = ""
    phone: str = ""
    languages: str = ""
    notes: str = ""
    audience: str = "crew"
    verified_on: str = ""


@dataclass(frozen=True)
class Task:
    id: str
    title: str
    timeframe: str = ""
    steward: str = ""
    status: str = "open"
    after_action: str = ""
    shadow_crew: str = ""
    rev: int = 1


@dataclass(frozen=True)
class LedgerEntry:
    """One bail-fund entry. ``amount`` is in integer minor units (cents), signed as
    entered: the sign convention is per kind, see ``ledger.signed_amount``."""

    id: int
    date: str
    kind: str
    amount: int
    currency: str
    counterparty: str = ""
    person: str = ""
    note: str = ""


@dataclass(frozen=True)
class BalanceAssertion:
    """The balance of ``currency`` at the end of ``date`` is ``amount`` minor units."""

    id: int
    date: str
    amount: int
    currency: str


@dataclass(frozen=True)
class Role:
    """A mandate: ``holder`` holds ``role`` from ``starts`` to ``ends`` (ISO dates, inclusive)."""

    id: int
    role: str
    holder: str
    starts: str
    ends: str
