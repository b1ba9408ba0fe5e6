"""Task slips: one per task, on a slip stock (8-up or 6-up), each with its signed QR code.

The geometry of a slip is fixed relative to its QR code (layout/slip.py); a stock only
changes where the slip sits and its uniform scale.

Privacy: slips hang on the board, so ``paperkit print slips`` (and the kiosk's) is for
``--audience`` (default ``public``) as the board is: the full name of any contact that
audience may not see (contacts.hidden_names) prints as "(withheld)" in a slip's title,
timeframe, steward and shadow-crew lines. The board's own slips are withheld by the board.

Nothing to print is an error, not an empty PDF: a ``--task`` id the record does not hold
is NotFound (each one named), and no task in play is NothingToPrint.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from .. import codes
from ..errors import NotFound, NothingToPrint
from ..layout import slip as S
from ..layout.model import GREY, LIGHT, Box, Document, Item, Line, Page, QRCode, Rect, SlipPlacement
from ..layout.text import line, shorten
from ..record.models import SLIP_STATUSES, Task
from ..record.tasks import list_tasks
from . import ProductContext
from .common import Withheld
from .contacts import withheld_for

#: Tasks printed by default: those still in play.
DEFAULT_STATUSES = ("open", "taken", "stuck")


def select_tasks(ctx: ProductContext) -> list[Task]:
    """The tasks named by ``options.tasks`` (in the record's order), or by default every
    task in DEFAULT_STATUSES. A named id the record does not hold is NotFound, naming
    every such id."""
    tasks = list_tasks(ctx.record)
    if ctx.options.tasks:
        known = {t.id for t in tasks}
        unknown = list(dict.fromkeys(i for i in ctx.options.tasks if i not in known))
        if unknown:
            raise NotFound(f"there is no task {', '.join(unknown)}" if len(unknown) == 1 else
                           f"there are no tasks {', '.join(unknown)}",
                           "see 'paperkit task list' for the task ids")
        wanted = set(ctx.options.tasks)
        return [t for t in tasks if t.id in wanted]
    return [t for t in tasks if t.status in DEFAULT_STATUSES]


def withhold_task(task: Task, withheld: Withheld) -> Task:
    """``task`` with the withheld names replaced in every text it may print."""
    return dataclasses.replace(task, title=withheld.text(task.title),
                               timeframe=withheld.text(task.timeframe),
                               steward=withheld.text(task.steward),
                               shadow_crew=withheld.text(task.shadow_crew),
                               after_action=withheld.text(task.after_action))


def slip_items(task: Task, code: str, origin: tuple[float, float], scale: float,
               printed_on: str) -> tuple[list[Item], SlipPlacement]:
    """The drawing of one slip whose top-left corner is at ``origin`` (points)."""

    def at(r: Rect) -> Rect:
        return S.place(r, origin, scale)

    k = scale
    items: list[Item] = []
    for mark in S.MARKS.values():
        items.append(Box(at(mark), stroke=0, fill=(0, 0, 0)))
    items.append(QRCode(at(S.QR), code, error=S.QR_ERROR, version=S.QR_VERSION))
    items.append(line(code, at(S.CODE_TEXT), "mono", 6.2 * k, 4.5 * k, align="center"))
    items.append(shorten(task.title, at(S.TITLE), "sans-bold", 11 * k, 6 * k, shrink_floor=9 * k))
    meta = f"{task.id}  ·  {task.timeframe}" if task.timeframe else task.id
    items.append(line(meta, at(S.META), "sans", 8 * k, 5 * k))
    steward = at(S.STEWARD)
    label = line("steward:", Rect(steward.x0, steward.y0, steward.x0 + 38 * k, steward.y1 - 4 * k),
                 "sans", 7 * k, 5 * k, color=GREY)
    items.append(label)
    items.append(Line(steward.x0 + 34 * k, steward.y1 - 3 * k, steward.x1, steward.y1 - 3 * k,
                      0.5 * k, GREY))
    if task.steward:
        items.append(line(task.steward,
                          Rect(steward.x0 + 36 * k, steward.y0, steward.x1, steward.y1 - 4 * k),
                          "sans", 8 * k, 5 * k))
    if task.shadow_crew:
        items.append(line(f"shadow crew: {task.shadow_crew}", at(S.SHADOW), "sans", 7 * k, 5 * k,
                          color=GREY))
    boxes = {}
    for name in SLIP_STATUSES:
        r = at(S.BOXES[name])
        boxes[name] = r
        items.append(Box(r, stroke=S.BOX_STROKE * k))
        items.append(line(name, Rect(r.x1 + S.BOX_LABEL_GAP * k, r.y0 + 1 * k,
                                     r.x1 + 44 * k, r.y1), "sans", 8 * k, 5 * k))
    note = at(S.NOTE)
    items.append(Box(note, stroke=0.5 * k, color=GREY))
    items.append(line("after-action note", Rect(note.x0 + 3 * k, note.y0 + 1.5 * k,
                                                note.x0 + 90 * k, note.y0 + 8.5 * k),
                      "sans", 5.5 * k, 4 * k, color=GREY))
    items.append(line(f"printed {printed_on} · rev {task.rev}", at(S.PRINTED), "sans", 5.5 * k,
                      4 * k, align="right", color=GREY))
    placement = SlipPlacement(task=task.id, rev=task.rev, code=code,
                              rect=at(Rect(0, 0, S.SLIP_W, S.SLIP_H)), qr=at(S.QR), boxes=boxes,
                              note=note, steward=steward)
    return items, placement


def build(ctx: ProductContext, tasks: Sequence[Task] | None = None) -> Document:
    """One slip per task of ``tasks``, as given (the board passes its tasks with the names
    its audience may not see already withheld, and withholds them on the finished pages).

    By default, :func:`select_tasks`, with the names ``options.audience`` may not see
    withheld; none to print is NothingToPrint."""
    stock = ctx.stock("slips")
    withheld = None
    if tasks is None:
        withheld = withheld_for(ctx.record, ctx.options.audience)
        tasks = [withhold_task(t, withheld) for t in select_tasks(ctx)]
        if not tasks:
            raise NothingToPrint(
                "no open, taken or stuck tasks to print slips for",
                "add tasks with 'paperkit task add', or name a done or dropped one with"
                " --task ID")
    else:
        tasks = list(tasks)
    printed_on = ctx.today.isoformat()
    kit_id = ctx.kit.id
    pages: dict[int, tuple[list[Item], list[SlipPlacement]]] = {}
    for task, (page_no, cell_no) in zip(tasks, stock.positions(len(tasks), ctx.options.start),
                                        strict=True):
        cell = stock.cell_rect(cell_no)
        scale = S.scale_for(cell)
        origin = (cell.x0 + (cell.width - S.SLIP_W * scale) / 2,
                  cell.y0 + (cell.height - S.SLIP_H * scale) / 2)
        code = codes.build(ctx.kit.key, kit_id, task.id, task.rev).text
        items, placement = slip_items(task, code, origin, scale, printed_on)
        page_items, page_slips = pages.setdefault(page_no, ([], []))
        page_items.extend(items)
        page_slips.append(placement)
    out = []
    for page_no in sorted(pages):
        items, slips = pages[page_no]
        frame: list[Item] = []
        if stock.crop_marks:
            frame.extend(stock.crop_mark_lines())
        for i in range(stock.per_page):
            frame.append(Box(stock.cell_rect(i), stroke=0.25, color=LIGHT, dash=(2, 3)))
        out.append(Page(size=stock.page, items=tuple(frame + items), slips=tuple(slips),
                        label=f"slips {page_no + 1}"))
    pages_out = withheld.pages(out) if withheld is not None else tuple(out)
    return Document(product="slips", title=f"{ctx.kit.settings.name}: task slips",
                    pages=pages_out, kit=kit_id)
