"""The three-week drill plan, with boxes to fill in while drilling.

- Week 1: pocket cards and contacts (a checklist).
- Week 2: a tabletop exercise, each response timed against a target.
- Week 3: a mock arrest, timed from the moment the detainment is noticed to the press
  release going out, with a time box (hh:mm) and an elapsed-minutes box per step.

Suggested week dates start on the Monday after the print date (or that day, if Monday).

On a page narrower than letter or A4 (half letter, A5, wide margins) the "held on ... led
by" line goes under a week's title instead of beside it, and the timed steps' "who" goes
under the step instead of in a column; a block (a week's heading, a table's heads, a
question and its lines to write on) is never split from what it heads. Below 4 in across
the page's header no longer fits: products.minimum_cell refuses such a stock.
"""

from __future__ import annotations

import datetime as dt

from ..layout.model import GREY, LIGHT, Box, Document, Item, Line, Rect, Text
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


#: The week badge's size, and the gap after it, points.
BADGE_W, BADGE_H, BADGE_GAP = 64.0, 30.0, 10.0
#: The "held on ... led by ..." line, points: beside the title where the title keeps at
#: least TITLE_MIN_W, else under it.
HELD_W, HELD_GAP = 220.0, 12.0
TITLE_MIN_W = 200.0
HELD = "held on ____________   led by ______________"
#: A timed step's text keeps at least STEP_MIN_W beside its boxes: on a narrower page the
#: "who" goes under the step instead of in a column of its own, and the boxes get narrower.
STEP_MIN_W = 150.0


def _week_head(sheets: Sheets, number: int, title: str, start: dt.date) -> None:
    """The week's badge, its title and suggested dates, and a line for when it was held
    and who led it: beside the title on a wide page, under it on a narrow one (half letter,
    A5). Kept together, and with a little of what follows."""
    end = start + dt.timedelta(days=6)
    x = sheets.x0 + BADGE_W + BADGE_GAP
    beside = sheets.width - BADGE_W - BADGE_GAP - HELD_W - HELD_GAP >= TITLE_MIN_W
    text_w = sheets.width - BADGE_W - BADGE_GAP - (HELD_W + HELD_GAP if beside else 0)
    t = fitted(title, x, -1, text_w, "sans-bold", 15)
    when = fitted(f"suggested: {human_date(start)} to {human_date(end)}", x,
                  t.rect.y1 + 1, text_w, "sans", 8.5, color=GREY)
    if beside:
        held = fitted(HELD, sheets.body.x1 - HELD_W, 8, HELD_W, "sans", 9, align="right")
        height = max(BADGE_H, t.rect.height + max(when.rect.height, 12))
    else:
        held = fitted(HELD, x, when.rect.y1 + 8, text_w, "sans", 9)
        height = max(BADGE_H, held.rect.y1 + 4)
    badge = Rect(sheets.x0, 0, sheets.x0 + BADGE_W, BADGE_H)
    items: list[Item] = [Box(badge, stroke=0, fill=(0.12, 0.12, 0.12), radius=3),
                         fitted(f"WEEK {number}", badge.x0 + 4, badge.y0 + 7, badge.width - 8,
                                "sans-bold", 13, align="center", color=(1, 1, 1)),
                         t, when, held]
    y = sheets.need(max(60.0, 6 + height + 24)) + 6
    sheets.add(*[shift(it, 0, y) for it in items])
    sheets.advance(height + 16)


def _checklist(sheets: Sheets, lines: tuple[str, ...]) -> None:
    who_w = 100.0 if sheets.width >= 450 else 70.0
    for text in lines:
        t = fitted(text, sheets.x0 + 24, 0, sheets.width - 24 - who_w - 10, "sans", 10)
        h = max(t.rect.height, 14) + 8
        y = sheets.need(h)
        sheets.add(Box(Rect(sheets.x0 + 4, y + 1, sheets.x0 + 16, y + 13), 0.9),
                   shift(t, 0, y),
                   Line(sheets.body.x1 - who_w, y + 13, sheets.body.x1, y + 13, 0.5, GREY),
                   fitted("who", sheets.body.x1 - who_w, y + 14, 40, "sans", 6, color=GREY))
        sheets.advance(h)


def _time_box(x: float, y: float, label: str, w: float = 58.0) -> list[Item]:
    box = Rect(x, y, x + w, y + 22)
    return [Box(box, 0.9), fitted(label, x + 2, y + 23, w - 4, "sans", 6.5, color=GREY,
                                  align="center")]


def _timed_rows(sheets: Sheets, rows, who: bool) -> None:
    """Rows of: step, (who), target, a time box, an elapsed-minutes box. On a page too
    narrow for the step beside a "who" column (STEP_MIN_W), the boxes narrow and the who
    goes in grey under the step."""
    box_w, target_w, who_w = 58.0, 56.0, 70.0
    text_w = sheets.width - (2 * box_w + 10) - target_w - (who_w if who else 0) - 16
    who_column = who
    if text_w < STEP_MIN_W:
        box_w, target_w, who_column = 50.0, 46.0, False
        text_w = sheets.width - (2 * box_w + 10) - target_w - 16
    boxes_w = 2 * box_w + 10

    def step(number: int, row) -> tuple[Text, Text | None, float]:
        """The step's text, the who under it (or None), and the row's height."""
        t = fitted(f"{number}. {row[0]}", sheets.x0, 0, text_w, "sans", 10.5)
        below = None
        if who and not who_column:
            below = fitted(row[1], sheets.x0, t.rect.y1 + 1, text_w, "sans", 9.5, color=GREY)
        return t, below, max((below or t).rect.y1, 32) + 8

    def heads() -> None:
        head_y = sheets.y
        labels = [("step", sheets.x0, text_w, "left")]
        if who_column:
            labels.append(("who", sheets.x0 + text_w + 8, 66, "left"))
        labels += [("target", sheets.body.x1 - boxes_w - target_w, target_w - 6, "right"),
                   ("time", sheets.body.x1 - boxes_w, box_w, "center"),
                   ("elapsed", sheets.body.x1 - box_w, box_w, "center")]
        for text, x, w, align in labels:
            sheets.add(fitted(text, x, head_y, w, "sans-bold", 7.5, color=GREY, align=align))
        sheets.add(Line(sheets.x0, head_y + 12, sheets.body.x1, head_y + 12, 0.9))
        sheets.advance(16)

    sheets.need(16 + step(1, rows[0])[2])  # the heads never end a page alone
    heads()
    sheets.on_break = heads  # and start each page the rows run onto
    for number, row in enumerate(rows, 1):
        minutes = row[-1]
        t, below, h = step(number, row)
        y = sheets.need(h)
        sheets.add(shift(t, 0, y + 4))
        if below is not None:
            sheets.add(shift(below, 0, y + 4))
        elif who:
            sheets.add(fitted(row[1], sheets.x0 + text_w + 8, y + 4, 66, "sans", 9.5,
                              color=GREY))
        target = "start" if minutes == 0 else f"{minutes} min"
        sheets.add(fitted(target, sheets.body.x1 - boxes_w - target_w, y + 5, target_w - 6,
                          "sans-bold", 10, align="right"))
        sheets.add(*_time_box(sheets.body.x1 - boxes_w, y + 1, "hh:mm", box_w))
        if minutes == 0 and not who:
            sheets.add(fitted("0", sheets.body.x1 - box_w, y + 5, box_w, "sans-bold", 11,
                              align="center", color=GREY))
        else:
            sheets.add(*_time_box(sheets.body.x1 - box_w, y + 1, "minutes", box_w))
        sheets.add(Line(sheets.x0, y + h - 2, sheets.body.x1, y + h - 2, 0.4, LIGHT))
        sheets.advance(h)
    sheets.on_break = None


def _lines(sheets: Sheets, prompt: str, count: int) -> None:
    """``prompt`` and ``count`` ruled lines to write on, kept on one page."""
    sheets.need(sheets.paragraph_height(prompt, 10, "sans-bold", gap=2) + count * 22)
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
