"""Contact sheets: one section per ring (``--ring`` picks one), for one audience.

Who is on the sheet (``--audience``):

- ``public``: only contacts whose audience is ``public``;
- ``crew``: ``public`` and ``crew`` contacts;
- ``private``: every contact.

Which fields are printed, per audience. A field left out is absent from the layout and so
from the PDF; nothing is merely hidden:

==============  ======  ====  =======
field           public  crew  private
==============  ======  ====  =======
name, phone     yes     yes   yes
role (heading)  yes     yes   yes
micro-role      yes     yes   yes
languages       yes     yes   yes
verified on     yes     yes   yes
audience, id    --      yes   yes
notes           --      --    yes
==============  ======  ====  =======

Each sheet shows its printed-on date, a "reprint by" date (``reprint_months`` after
printing), and each contact's last-verified date, marked *stale* when older than
VERIFY_DAYS (or never verified).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable

from ..errors import InvalidValue
from ..layout.model import GREY, Document
from ..record.contacts import list_contacts
from ..record.models import AUDIENCES, CONTACT_ROLES, MICRO_ROLES, RINGS, Contact
from ..record.status import VERIFY_DAYS, add_months
from . import ProductContext
from .common import WARN, Column, Sheets, Withheld, scale_columns

#: Which contact audiences each print audience may see.
VISIBLE = {"public": ("public",), "crew": ("public", "crew"),
           "private": ("public", "crew", "private")}
ROLE_HEADINGS = {"lawyer": "Lawyers", "bondsperson": "Bondspeople", "family": "Families",
                 "press": "Press", "medic": "Medics", "other": "Other contacts"}
#: What a print shows in place of a name its audience may not see.
WITHHELD = "(withheld)"
BANNERS = {"public": "PUBLIC", "crew": "CREW ONLY", "private": "PRIVATE · CARE CREW"}
HANDLING = {
    "public": "Public sheet: these contacts may be shared and posted.",
    "crew": "Crew only: do not post, photograph or leave this sheet lying around. "
            "Destroy old copies when you reprint.",
    "private": "Private: for the care crew only. Keep it on you, never on a table; "
               "shred old copies.",
}


def visible_contacts(ctx: ProductContext, audience: str, ring: str | None) -> list[Contact]:
    """The contacts ``audience`` may see, of ``ring`` (None: all rings)."""
    if audience not in AUDIENCES:
        raise InvalidValue(f"no audience {audience!r}", f"choose one of: {', '.join(AUDIENCES)}")
    return list_contacts(ctx.record, ring=ring, audiences=VISIBLE[audience])


def _states_sql(column: str) -> str:
    """Every (``column``, audience) a contact holds now (``now`` 1) or held in any logged
    state (``now`` 0): the before and after of each event on the contacts table. One
    query."""
    return f"""
SELECT {column}, audience, 1 AS now FROM contacts
UNION
SELECT json_extract(state, '$.{column}') AS {column}, json_extract(state, '$.audience'), 0
  FROM (SELECT before AS state FROM events WHERE tbl = 'contacts' AND before IS NOT NULL
        UNION ALL
        SELECT after FROM events WHERE tbl = 'contacts' AND after IS NOT NULL)
"""


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)


def _hidden(rec, audience: str, column: str, key: Callable[[str], str]) -> tuple[str, ...]:
    """Every value of the contacts' ``column`` that a contact holds, or held by the event
    log, while its audience was one ``audience`` may not see, except one a contact it may
    see holds now (the same by ``key``); one of each ``key``, in its order."""
    if audience not in VISIBLE:
        raise InvalidValue(f"no audience {audience!r}", f"choose one of: {', '.join(VISIBLE)}")
    seen = VISIBLE[audience]
    rows = rec.query(_states_sql(column))
    visible = {key(r[column]) for r in rows
               if r["now"] and isinstance(r[column], str) and r["audience"] in seen}
    hidden: dict[str, str] = {}
    for r in rows:
        value = r[column]
        if (isinstance(value, str) and key(value) and r["audience"] not in seen
                and key(value) not in visible):
            hidden.setdefault(key(value), value)
    return tuple(hidden[k] for k in sorted(hidden))


def hidden_names(rec, audience: str) -> tuple[str, ...]:
    """The names ``audience`` may not see: every name a contact holds, or ever held (by
    the record's event log), while its audience was one ``audience`` may not see, except
    a name a contact it may see holds now. Where such a name is written in a task or a
    mandate, a print for that audience, or the kiosk, shows it withheld.

    The log counts because a private contact removed or renamed (an import writing
    ``C0025,Removed contact,...`` over the row) is still a private person: their name
    written on a task must stay withheld."""
    return _hidden(rec, audience, "name", _name_key)


def hidden_phones(rec, audience: str) -> tuple[str, ...]:
    """The phone numbers ``audience`` may not see, as :func:`hidden_names` (a number a
    contact it may see holds now, a shared office line, is shown); one of each number."""
    return _hidden(rec, audience, "phone", _digits)


def withheld_for(rec, audience: str) -> Withheld:
    """What a print for ``audience`` withholds: :func:`hidden_names` and
    :func:`hidden_phones`, each printed as WITHHELD."""
    return Withheld(hidden_names(rec, audience), WITHHELD, hidden_phones(rec, audience))


def columns(audience: str, width: float) -> list[Column]:
    cols = [Column("name", 26, font="sans-bold", size=9.5), Column("phone", 19, font="mono",
                                                                      size=9.5, whole=True),
            Column("languages", 11), Column("verified", 16)]
    if audience != "public":
        cols.append(Column("who may see", 12, size=8))
    if audience == "private":
        cols.append(Column("notes", 30, size=8))
    return scale_columns(cols, width)


def _verified(c: Contact, today: dt.date) -> tuple[str, bool]:
    if not c.verified_on:
        return "never verified", True
    days = (today - dt.date.fromisoformat(c.verified_on)).days
    stale = days > VERIFY_DAYS
    return (f"{c.verified_on} STALE" if stale else c.verified_on), stale


def _row(c: Contact, audience: str, today: dt.date) -> tuple[list[str], bool]:
    verified, stale = _verified(c, today)
    values = [c.name, c.phone, c.languages, verified]
    if audience != "public":
        values.append(f"{c.audience} · {c.id}")
    if audience == "private":
        values.append(c.notes)
    return values, stale


def _label(sheets: Sheets, cols: list[Column], name: str, continued: bool = False,
           keep: float = 0.0) -> None:
    """A micro-role's label row, kept with ``keep`` points under it (the height of the
    first contact's row, so that a label never ends a page alone)."""
    column, text, _ = _label_row(sheets, cols, name, continued)
    sheets.table_row([column], [text], bold=[True], min_height=LABEL_MIN, keep=keep,
                     color=GREY)


LABEL_MIN = 14.0  #: a micro-role label row's least height, points


def _label_row(sheets: Sheets, cols: list[Column], name: str, continued: bool = False
               ) -> tuple[Column, str, float]:
    """A label row's one column, its text and its height, points."""
    column = dataclasses.replace(cols[0], size=7.5, width=sheets.width)
    text = name.upper() + (" (continued)" if continued else "")
    return column, text, sheets.row_height([column], [text], [True], LABEL_MIN)


def _row_height(sheets: Sheets, cols: list[Column], values: list[str], stale: bool) -> float:
    """The height of a contact's row (as sheet_sections prints it), points."""
    return sheets.row_height(cols, values, [False, False, False, stale])


def _natural(name: str) -> tuple:
    """Sort key: 'Lawyer 2' before 'Lawyer 10'."""
    return tuple(int(part) if part.isdigit() else part
                 for part in re.split(r"(\d+)", name.casefold()))


def sheet_sections(sheets: Sheets, ctx: ProductContext, audience: str,
                   rings: tuple[str, ...]) -> None:
    """Lay out one section per ring into ``sheets``."""
    today = ctx.today
    for ring in rings:
        sheets.new_section(f"{ring} ring")
        contacts = visible_contacts(ctx, audience, ring)
        sheets.paragraph(HANDLING[audience], 8.5, gap=6)
        if not contacts:
            sheets.paragraph(f"No contacts in the {ring} ring that a {audience} sheet may show.",
                             11)
            continue
        cols = columns(audience, sheets.width)
        header_h = sheets.table_header_height(cols)
        for role in CONTACT_ROLES:
            group = [c for c in contacts if c.role == role]
            if not group:
                continue
            # (label, [(values, stale)]) per micro-role, in print order
            micros = []
            for micro in (*MICRO_ROLES[1:], ""):
                members = sorted((c for c in group if c.micro_role == micro),
                                 key=lambda c: _natural(c.name))
                if members:
                    micros.append((micro.replace("-", " ") if micro else "other",
                                   [_row(c, audience, today) for c in members]))
            heading = ROLE_HEADINGS[role]
            first_label, first_rows = micros[0]
            first = (_label_row(sheets, cols, first_label)[2]
                     + _row_height(sheets, cols, *first_rows[0]))
            # The heading, the table's header, the first label and its first contact stay
            # together: none of them ends a page.
            sheets.heading(heading, 13, keep=header_h + first)

            # The micro-role whose contacts are being printed: after a page break its
            # label is repeated, "(continued)". Empty while a label is being placed, so
            # that a break the label itself causes does not continue the previous one.
            current = [""]

            def again(heading=heading, cols=cols, current=current, header_h=header_h):
                sheets.heading(f"{heading} (continued)", 13, keep=header_h)
                sheets.table_header(cols, keep=0.0)
                if current[0]:
                    _label(sheets, cols, current[0], continued=True)

            sheets.on_break = again
            sheets.table_header(cols, keep=first)
            for label, rows in micros:
                current[0] = ""
                _label(sheets, cols, label, keep=_row_height(sheets, cols, *rows[0]))
                current[0] = label
                for values, stale in rows:
                    sheets.table_row(cols, values, fill=WARN if stale else None,
                                     bold=[False, False, False, stale])
            sheets.on_break = None
            sheets.advance(8)
        sheets.paragraph(
            f"STALE: not confirmed in the last {VERIFY_DAYS} days. Call them, then update "
            "the record and reprint.", 7.5, gap=2)


def build(ctx: ProductContext) -> Document:
    audience = ctx.options.audience
    if audience not in AUDIENCES:
        raise InvalidValue(f"no audience {audience!r}", f"choose one of: {', '.join(AUDIENCES)}")
    ring = ctx.options.ring
    if ring is not None and ring not in RINGS:
        raise InvalidValue(f"no ring {ring!r}", f"choose one of: {', '.join(RINGS)}")
    rings = (ring,) if ring else RINGS
    today = ctx.today
    reprint = add_months(today, ctx.kit.settings.reprint_months)
    sheets = Sheets(ctx.stock("contacts"), ctx.kit.settings.name, "Contacts",
                    today.isoformat(),
                    header_right=[f"printed {today.isoformat()}",
                                  f"reprint by {reprint.isoformat()}"],
                    banner=BANNERS[audience], product="contacts")
    sheet_sections(sheets, ctx, audience, rings)
    return Document(product="contacts",
                    title=f"{ctx.kit.settings.name}: contacts ({audience})",
                    pages=sheets.pages(), kit=ctx.kit.id,
                    meta={"audience": audience, "rings": list(rings),
                          "reprint_by": reprint.isoformat()})
