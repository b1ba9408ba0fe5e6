"""The three-week drill plan, with boxes to fill in while drilling.

- Week 1: pocket cards and contacts (a checklist).
- Week 2: a tabletop exercise, each response timed against a target.
- Week 3: a mock arrest, timed from the moment the detainment is noticed to the press
  release going out, with a time box (hh:mm) and an elapsed-minutes box per step.

Suggested week dates start on the Monday after the print date (or that day, if Monday).
"""

from __future__ import annotations

import datetime as dt

from ..layout.model import GREY, LIGHT, Box, Document, Item, Line, Rect
from . import ProductContext
from .common import Sheets, fitted, human_date, shift

#: (step, who, target minutes) of the tabletop exercise.
TABLETOP = (
    ("A witness sees two people detained and notes time, place, badge numbers", "witness", 2),
    ("The witness calls the legal hotline", "witness", 5),
    ("Dispatch logs the arrest and the names given", "dispatch", 8),
    ("Dispatch reaches a lawyer", "dispatch", 15),
    ("Care crew checks the bail fund and a bondsperson", "care", 30),
    ("The family contacts are told", "care", 45),
    ("The press contact has a draft statement", "comms", 60),
)
#: (step, target minutes since the detainment was noticed) of the mock arrest.
MOCK_ARREST = (
    ("Detainment noticed", 0),
    ("Hotline called", 5),
    ("Lawyer reached", 15),
    ("Bail fund and bondsperson ready", 30),
    ("Family told", 45),
    ("Press release out", 60),
)
WEEK1 = (
    "Hand out the pocket cards; everyone writes a lawyer's number on the back, in pen.",
    "Read the card aloud together: what to do if arrested, and what not to say.",
    "Call every contact on the contact sheets; correct the record and note who answered.",
    "Reprint any contact sheet with a STALE contact, and destroy the old copies.",
    "Everyone can find the hotline number on their card in under 10 seconds.",
    "Call the hotline once as a test: time how long until a person answers.",
)


def _week_head(sheets: Sheets, number: int, title: str, start: dt.date) -> None:
    end = start + dt.timedelta(days=6)
    y = sheets.need(60) + 6
    badge = Rect(sheets.x0, y, sheets.x0 + 64, y + 30)
    items: list[Item] = [Box(badge, stroke=0, fill=(0.12, 0.12, 0.12), radius=3),
                         fitted(f"WEEK {number}", badge.x0 + 4, badge.y0 + 7, badge.width - 8,
                                "sans-bold", 13, align="center", color=(1, 1, 1))]
    t = fitted(title, badge.x1 + 10, y - 1, sheets.width - 64 - 10 - 232, "sans-bold", 15)
    items.append(t)
    items.append(fitted(f"suggested: {human_date(start)} to {human_date(end)}", badge.x1 + 10,
                        y + t.rect.height, sheets.width - 64 - 10 - 232, "sans", 8.5,
                        color=GREY))
    held = fitted("held on ____________   led by ______________", sheets.body.x1 - 220,
                  y + 8, 220, "sans", 9, align="right")
    items.append(held)
    sheets.add(*items)
    sheets.advance(max(badge.height, t.rect.height + 12) + 16)


def _checklist(sheets: Sheets, lines: tuple[str, ...]) -> None:
    for text in lines:
        t = fitted(text, sheets.x0 + 24, 0, sheets.width - 24 - 110, "sans", 10)
        h = max(t.rect.height, 14) + 8
        y = sheets.need(h)
        sheets.add(Box(Rect(sheets.x0 + 4, y + 1, sheets.x0 + 16, y + 13), 0.9),
                   shift(t, 0, y),
                   Line(sheets.body.x1 - 100, y + 13, sheets.body.x1, y + 13, 0.5, GREY),
                   fitted("who", sheets.body.x1 - 100, y + 14, 40, "sans", 6, color=GREY))
        sheets.advance(h)


def _time_box(x: float, y: float, label: str, w: float = 58.0) -> list[Item]:
    box = Rect(x, y, x + w, y + 22)
    return [Box(box, 0.9), fitted(label, x + 2, y + 23, w - 4, "sans", 6.5, color=GREY,
                                  align="center")]


def _timed_rows(sheets: Sheets, rows, who: bool) -> None:
    """Rows of: step, (who), target, a time box, an elapsed-minutes box."""
    boxes_w = 2 * 58 + 10
    target_w = 56
    text_w = sheets.width - boxes_w - target_w - (70 if who else 0) - 16
    head_y = sheets.need(16)
    heads = [("step", sheets.x0, text_w, "left")]
    if who:
        heads.append(("who", sheets.x0 + text_w + 8, 66, "left"))
    heads += [("target", sheets.body.x1 - boxes_w - target_w, target_w - 6, "right"),
              ("time", sheets.body.x1 - boxes_w, 58, "center"),
              ("elapsed", sheets.body.x1 - 58, 58, "center")]
    for text, x, w, align in heads:
        sheets.add(fitted(text, x, head_y, w, "sans-bold", 7.5, color=GREY, align=align))
    sheets.add(Line(sheets.x0, head_y + 12, sheets.body.x1, head_y + 12, 0.9))
    sheets.advance(16)
    for number, row in enumerate(rows, 1):
        text, minutes = row[0], row[-1]
        t = fitted(f"{number}. {text}", sheets.x0, 0, text_w, "sans", 10.5)
        h = max(t.rect.height, 32) + 8
        y = sheets.need(h)
        sheets.add(shift(t, 0, y + 4))
        if who:
            sheets.add(fitted(row[1], sheets.x0 + text_w + 8, y + 4, 66, "sans", 9.5,
                              color=GREY))
        target = "start" if minutes == 0 else f"{minutes} min"
        sheets.add(fitted(target, sheets.body.x1 - boxes_w - target_w, y + 5, target_w - 6,
                          "sans-bold", 10, align="right"))
        sheets.add(*_time_box(sheets.body.x1 - boxes_w, y + 1, "hh:mm"))
        if minutes == 0 and not who:
            sheets.add(fitted("0", sheets.body.x1 - 58, y + 5, 58, "sans-bold", 11,
                              align="center", color=GREY))
        else:
            sheets.add(*_time_box(sheets.body.x1 - 58, y + 1, "minutes"))
        sheets.add(Line(sheets.x0, y + h - 2, sheets.body.x1, y + h - 2, 0.4, LIGHT))
        sheets.advance(h)


def _lines(sheets: Sheets, prompt: str, count: int) -> None:
    sheets.paragraph(prompt, 10, family="sans-bold", gap=2)
    for _ in range(count):
        y = sheets.need(22)
        sheets.add(Line(sheets.x0, y + 20, sheets.body.x1, y + 20, 0.5, GREY))
        sheets.advance(22)
    sheets.advance(6)


def build(ctx: ProductContext) -> Document:
    settings = ctx.kit.settings
    today = ctx.today
    start = today + dt.timedelta(days=(7 - today.weekday()) % 7)
    sheets = Sheets(ctx.stock("drill"), settings.name, "Three-week drill", today.isoformat(),
                    product="drill")
    sheets.paragraph("Drill before the action, not during it. Each week takes about an hour. "
                     "Fill in the boxes as you go and bring this sheet to the debrief.", 9.5,
                     gap=10)

    _week_head(sheets, 1, "Pocket cards and contacts", start)
    _checklist(sheets, WEEK1)
    sheets.advance(14)

    _week_head(sheets, 2, "Tabletop exercise: response times", start + dt.timedelta(days=7))
    sheets.paragraph("Sit around a table with the contact sheets and cards. The facilitator "
                     "reads the scenario: 'Saturday, 14:05, two people are detained at the "
                     "march.' Start a clock; each person says what they do and whom they call. "
                     "Write the clock time of each step and the minutes since the start.",
                     9.5, gap=8)
    _timed_rows(sheets, TABLETOP, who=True)

    sheets.new_page()
    _week_head(sheets, 3, "Mock arrest, timed to the press release",
               start + dt.timedelta(days=14))
    sheets.paragraph("A volunteer is 'detained' in a public place without warning. Witnesses "
                     "follow their cards; nobody says it is a drill on the phone except the "
                     "code word agreed beforehand. Timekeeper: write the clock time of each "
                     "step and the minutes since the detainment was noticed.", 9.5, gap=8)
    _timed_rows(sheets, MOCK_ARREST, who=False)
    sheets.advance(12)
    sheets.paragraph("Total, from detainment noticed to press release out: ________ minutes "
                     "(target: 60)", 11, family="sans-bold", gap=14)
    _lines(sheets, "What slowed us down?", 4)
    _lines(sheets, "What we change before the action (and who does it):", 4)
    return Document(product="drill", title=f"{settings.name}: three-week drill",
                    pages=sheets.pages(), kit=ctx.kit.id)
