"""What ``paperkit status`` reports: the state of the record and what needs attention.

- Task counts per status.
- Mandates: for each role, its latest mandate (the one that ends last) is *expired* when
  it ended before today and *expiring* when it ends within ``within`` days (default: half
  the kit's rotation length, so 7 days for the default fortnightly rotation). Older
  mandates of a role that has been handed on are history, not a problem.
- Contacts not verified in the last 90 days (or never).
- Contact sheets due for their reprint: ``reprint_months`` after the last print of the
  ``contacts`` product (or of the whole ``kit``), or never printed while there are contacts.
- The ledger balance per currency, and any balance assertion that does not hold.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from ..kit import Settings
from .contacts import list_contacts
from .db import Record
from .ledger import AssertionFailure, assertion_failures, balances, money_json
from .models import TASK_STATUSES, Contact, Role
from .roles import list_roles

VERIFY_DAYS = 90
#: Products in ``prints`` whose printing counts as printing the contact sheets.
CONTACT_PRODUCTS = ("contacts", "kit")


@dataclass(frozen=True)
class Mandate:
    """A role's latest mandate that has ended or ends soon. ``days_left`` is days from
    today to its last day (negative once expired, 0 on its last day)."""

    role: Role
    state: str  # "expired" or "expiring"
    days_left: int


@dataclass(frozen=True)
class StaleContact:
    """A contact not verified in VERIFY_DAYS. ``days`` is days since; None if never."""

    contact: Contact
    days: int | None


@dataclass(frozen=True)
class Reprint:
    """The contact sheets' reprint state. Dates are ISO; ``last_printed`` None if never."""

    last_printed: str | None
    due_on: str | None
    due: bool


@dataclass(frozen=True)
class Gap:
    """Days no mandate of ``role`` covers, ``first`` to ``last`` (ISO dates, inclusive),
    between a mandate that ends and the next that starts."""

    role: str
    first: str
    last: str


def role_gaps(rec: Record, today: dt.date) -> list[Gap]:
    """The gaps in each role's rotation that have not passed by ``today``: a mandate ends
    and the next one starts days later (the care crew with nobody for 26 days, which
    `status` did not say: a red team, the fortieth session). Roles written in another
    case or spacing are one role, as :func:`mandates_needing_attention` takes them."""
    by_role: dict[str, list[Role]] = {}
    for role in list_roles(rec):
        by_role.setdefault(" ".join(role.role.split()).casefold(), []).append(role)
    out = []
    for roles in by_role.values():
        roles.sort(key=lambda r: (r.starts, r.ends))
        covered = dt.date.fromisoformat(roles[0].ends)
        for r in roles[1:]:
            starts = dt.date.fromisoformat(r.starts)
            first, last = covered + dt.timedelta(days=1), starts - dt.timedelta(days=1)
            if first <= last and last >= today:
                out.append(Gap(" ".join(r.role.split()), first.isoformat(), last.isoformat()))
            covered = max(covered, dt.date.fromisoformat(r.ends))
    return sorted(out, key=lambda g: (g.first, g.role))


@dataclass(frozen=True)
class Narrowed:
    """A contact made visible to fewer (``before`` → ``after``: public, crew, private) on
    ``on`` (ISO date), after the ``products`` were printed and before they were printed
    again: copies printed before may show the contact to those who may no longer see it."""

    contact: str
    name: str
    before: str
    after: str
    on: str
    products: tuple[str, ...]


#: How many see a contact of each audience (a narrowing lowers it).
_REACH = {"public": 2, "crew": 1, "private": 0}
#: Products that show contacts, or names and numbers written in the record (the cards,
#: the charter and the drill plan show the kit's settings only).
NAMED_PRODUCTS = ("board", "contacts", "kit", "ledger", "roles", "slips")


def narrowed_contacts(rec: Record) -> list[Narrowed]:
    """Contacts whose audience was narrowed after a print of any product that has not been
    printed again since (a public contact made private after the public board and sheets
    were printed: `status` called the sheets good for months, and said nothing of the
    copies out there; a red team, the fortieth session). The latest narrowing of each
    contact counts."""
    rows = rec.query(
        "SELECT row_id, at, json_extract(before, '$.audience') AS was,"
        " json_extract(after, '$.audience') AS now, json_extract(after, '$.name') AS name"
        " FROM events WHERE tbl = 'contacts' AND action = 'update' ORDER BY id")
    latest: dict[str, dict] = {}
    for r in rows:
        if _REACH.get(r["now"], 2) < _REACH.get(r["was"], 0):
            latest[r["row_id"]] = dict(r)
    now = {r["id"]: r["audience"] for r in rec.query("SELECT id, audience FROM contacts")}
    out = []
    for cid, r in sorted(latest.items()):
        if cid not in now or _REACH.get(now[cid], 2) >= _REACH.get(r["was"], 0):
            continue  # removed since, or as visible again as before
        products = tuple(p[0] for p in rec.query(
            "SELECT product FROM prints GROUP BY product HAVING min(at) < ? AND max(at) < ?"
            " ORDER BY product", (r["at"], r["at"])) if p[0].split("-")[0] in NAMED_PRODUCTS)
        if products:
            out.append(Narrowed(cid, r["name"] or "", r["was"], r["now"], r["at"][:10],
                                products))
    return out


@dataclass(frozen=True)
class Status:
    """The record's state on ``today``. Money is in integer minor units per currency."""

    today: str
    tasks: dict[str, int]
    mandates: tuple[Mandate, ...]
    stale_contacts: tuple[StaleContact, ...]
    contacts: int
    reprint: Reprint
    balances: dict[str, int]
    failing_assertions: tuple[AssertionFailure, ...]
    narrowed: tuple[Narrowed, ...] = ()
    gaps: tuple[Gap, ...] = ()

    @property
    def attention(self) -> bool:
        """True when anything here needs a person: a mandate expired or expiring, a contact
        to re-verify, contact sheets to reprint, a balance assertion that fails,
        printouts made before a contact was made visible to fewer, or a gap in a role's
        rotation."""
        return bool(self.mandates or self.stale_contacts or self.reprint.due
                    or self.failing_assertions or self.narrowed or self.gaps)

    def as_dict(self) -> dict:
        return {
            "today": self.today,
            "attention": self.attention,
            "tasks": self.tasks,
            "mandates": [{"id": m.role.id, "role": m.role.role, "holder": m.role.holder,
                          "starts": m.role.starts, "ends": m.role.ends, "state": m.state,
                          "days_left": m.days_left} for m in self.mandates],
            "stale_contacts": [{"id": s.contact.id, "name": s.contact.name,
                                "verified_on": s.contact.verified_on, "days": s.days}
                               for s in self.stale_contacts],
            "contacts": self.contacts,
            "reprint": {"last_printed": self.reprint.last_printed,
                        "due_on": self.reprint.due_on, "due": self.reprint.due},
            "balances": money_json(self.balances),
            "failing_assertions": [f.message() for f in self.failing_assertions],
            "narrowed": [{"id": n.contact, "name": n.name, "before": n.before,
                          "after": n.after, "on": n.on, "reprint": list(n.products)}
                         for n in self.narrowed],
            "gaps": [{"role": g.role, "first": g.first, "last": g.last} for g in self.gaps],
        }


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, clamped to the month's end (Jan 31 + 1 → Feb 28/29)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month,
                       day=min(day.day, calendar.monthrange(year, month)[1]))


def mandates_needing_attention(rec: Record, today: dt.date, within: int) -> list[Mandate]:
    latest: dict[str, Role] = {}
    for role in list_roles(rec):
        name = " ".join(role.role.split()).casefold()  # 'comms ' and 'Comms' are one role
        if name not in latest or role.ends >= latest[name].ends:
            latest[name] = role
    out = []
    for role in latest.values():
        days = (dt.date.fromisoformat(role.ends) - today).days
        if days < 0:
            out.append(Mandate(role, "expired", days))
        elif days < within:
            out.append(Mandate(role, "expiring", days))
    return sorted(out, key=lambda m: (m.days_left, m.role.role))


def stale_contacts(contacts: list[Contact], today: dt.date) -> list[StaleContact]:
    out = []
    for c in contacts:
        if not c.verified_on:
            out.append(StaleContact(c, None))
            continue
        days = (today - dt.date.fromisoformat(c.verified_on)).days
        if days > VERIFY_DAYS:
            out.append(StaleContact(c, days))
    return sorted(out, key=lambda s: (-(s.days if s.days is not None else 10**6), s.contact.id))


def reprint_state(rec: Record, today: dt.date, months: int, any_contacts: bool,
                  on: dt.date | None = None) -> Reprint:
    """When the contact sheets were last printed and are due again. Given ``on``, a print
    made after that day is left out: the state as it stood then."""
    marks = ", ".join("?" for _ in CONTACT_PRODUCTS)
    until = (" AND substr(at, 1, 10) <= ?", (on.isoformat(),)) if on else ("", ())
    row = rec.query_one(
        f"SELECT max(at) FROM prints WHERE (product IN ({marks}) OR product LIKE 'contacts%')"
        f"{until[0]}", (*CONTACT_PRODUCTS, *until[1]))
    if row[0] is None:
        return Reprint(None, None, any_contacts)
    last = dt.date.fromisoformat(row[0][:10])
    due_on = add_months(last, months)
    return Reprint(last.isoformat(), due_on.isoformat(), any_contacts and due_on <= today)


def status(rec: Record, settings: Settings, today: dt.date | None = None,
           within: int | None = None) -> Status:
    """The record's status on ``today`` (default: the local date). Given a day, the
    balances are those at the end of it (entries dated later left out) and the contact
    sheets' last print the last made by then; task counts are always the record's own, now."""
    on = today
    today = today or dt.date.today()
    within = max(1, settings.rotation_days // 2) if within is None else within
    counts = dict.fromkeys(TASK_STATUSES, 0)
    for r in rec.query("SELECT status, count(*) AS n FROM tasks GROUP BY status"):
        counts[r["status"]] = r["n"]
    contacts = list_contacts(rec)
    return Status(
        today=today.isoformat(),
        tasks=counts,
        mandates=tuple(mandates_needing_attention(rec, today, within)),
        stale_contacts=tuple(stale_contacts(contacts, today)),
        contacts=len(contacts),
        reprint=reprint_state(rec, today, settings.reprint_months, bool(contacts), on),
        balances=balances(rec, on.isoformat() if on else None),
        failing_assertions=tuple(assertion_failures(rec)),
        narrowed=tuple(narrowed_contacts(rec)),
        gaps=tuple(role_gaps(rec, today)),
    )
