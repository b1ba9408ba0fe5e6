"""The rotation roster: every mandate with its expiry date, the expired and expiring ones
marked, and blank rows to fill in the next rotation.

Privacy: for ``--audience`` (default ``public``), a holder (or any name in a role) that is a
contact that audience may not see prints as "(withheld)", as on the board
(contacts.withheld_for); ``paperkit print kit`` passes its own audience.

A mandate's last day is its ``ends`` (inclusive). It is *expired* once that day has passed
and *expiring* when it ends within half the rotation length, the same rule as
``paperkit status`` (record/status.py). Only a role's latest mandate is marked: an older
mandate that was handed on is history.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from ..layout.model import GREY, Document
from ..record.roles import list_roles
from ..record.status import mandates_needing_attention
from . import ProductContext
from .common import SHADE, WARN, Column, Sheets, scale_columns
from .contacts import withheld_for

#: Blank rows under the suggested next mandates (as many as fit on the page, up to this).
EXTRA_BLANK_ROWS = 4
BLANK_ROW_H = 26.0  #: a row to write in by hand, points


def mandate_columns(width: float) -> list[Column]:
    """The mandates table's columns, filling ``width`` points."""
    return scale_columns([Column("role", 20, font="sans-bold", size=10),
                          Column("holder", 24, size=10), Column("starts", 14),
                          Column("last day", 14, font="sans-bold"),
                          Column("state", 28)], width)


def rotation_columns(width: float) -> list[Column]:
    """The next rotation's table (to fill in by hand), filling ``width`` points."""
    return scale_columns([Column("role", 20, font="sans-bold", size=10),
                          Column("next holder", 24), Column("starts", 14, size=8.5),
                          Column("last day", 14, size=8.5), Column("agreed by (initials)", 28)],
                         width)


def build(ctx: ProductContext) -> Document:
    settings = ctx.kit.settings
    today = ctx.today
    rotation = settings.rotation_days
    sheets = Sheets(ctx.stock("roles"), settings.name, "Roles and rotation", today.isoformat(),
                    header_right=[f"printed {today.isoformat()}",
                                  f"rotation every {rotation} days"], product="roles")
    withheld = withheld_for(ctx.record, ctx.options.audience)
    roles = [dataclasses.replace(r, role=withheld.text(r.role), holder=withheld.text(r.holder))
             for r in list_roles(ctx.record)]
    flagged = {m.role.id: m for m in mandates_needing_attention(
        ctx.record, today, max(1, rotation // 2))}
    latest: dict[str, dt.date] = {}
    for r in roles:
        ends = dt.date.fromisoformat(r.ends)
        role = " ".join(r.role.split())  # 'comms ' and 'comms' are one role (as in status)
        same = next((k for k in latest if k.casefold() == role.casefold()), role)
        latest[same] = max(latest.get(same, ends), ends)

    cols = mandate_columns(sheets.width)
    sheets.heading("Current and past mandates", 13,
                   note="a mandate ends on its last day; rotate before it runs out")
    sheets.on_break = lambda: (sheets.heading("Mandates (continued)", 13, keep=30),
                               sheets.table_header(cols, keep=0.0))
    sheets.table_header(cols, keep=20.0)
    for r in sorted(roles, key=lambda r: (r.role, r.starts)):
        ends = dt.date.fromisoformat(r.ends)
        m = flagged.get(r.id)
        if m is not None and m.state == "expired":
            state = f"EXPIRED {-m.days_left} day{'s' if m.days_left != -1 else ''} ago: rotate"
        elif m is not None:
            state = "EXPIRES TODAY" if m.days_left == 0 else f"expires in {m.days_left} days"
        elif ends < today:
            state = "handed on"
        elif dt.date.fromisoformat(r.starts) > today:
            state = "upcoming"
        else:
            state = f"current, {(ends - today).days} days left"
        sheets.table_row(cols, [r.role, r.holder, r.starts, r.ends, state],
                         fill=WARN if m is not None and m.state == "expired"
                         else SHADE if m is not None else None,
                         bold=[True, False, False, True, m is not None], min_height=20)
    if not roles:
        sheets.paragraph("No mandates recorded yet. Add them with 'paperkit role add'.", 10)
    sheets.on_break = None
    sheets.advance(14)

    blank = rotation_columns(sheets.width)
    suggested = []
    for role, last in sorted(latest.items()):
        starts = max(last + dt.timedelta(days=1), today)
        ends = starts + dt.timedelta(days=rotation - 1)
        suggested.append([role, "", f"{starts.isoformat()} ?", f"{ends.isoformat()} ?", ""])
    empty = [""] * len(blank)
    first = sheets.row_height(blank, suggested[0] if suggested else empty,
                              min_height=BLANK_ROW_H)
    intro = ("Write the next holders here at the meeting, then enter them with 'paperkit role "
             "add'. Rotating means nobody burns out and everyone learns every job.")
    # The heading, its note, the table's header and a first row to write in stay together.
    sheets.heading("Next rotation", 13,
                   keep=sheets.paragraph_height(intro, 8.5, gap=2)
                   + sheets.table_header_height(blank) + first,
                   note=f"suggested dates: the day after the last mandate, for {rotation} days")
    sheets.paragraph(intro, 8.5, GREY, gap=2)
    sheets.on_break = lambda: (sheets.heading("Next rotation (continued)", 13, keep=30),
                               sheets.table_header(blank, keep=0.0))
    sheets.table_header(blank, keep=first)
    for values in suggested:
        sheets.table_row(blank, values, min_height=BLANK_ROW_H, rule=GREY, grid=True)
    sheets.on_break = None
    # The spare rows fill what is left of the page, up to EXTRA_BLANK_ROWS: they never
    # start a page of their own (a continued heading over empty rows only).
    blank_h = sheets.row_height(blank, empty, min_height=BLANK_ROW_H)
    for _ in range(EXTRA_BLANK_ROWS):
        if blank_h > sheets.room:
            break
        sheets.table_row(blank, empty, min_height=BLANK_ROW_H, rule=GREY, grid=True)
    return Document(product="roles", title=f"{settings.name}: roles and rotation",
                    pages=sheets.pages(), kit=ctx.kit.id)
