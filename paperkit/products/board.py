"""The wall task board: a poster with the columns open / taken / done / stuck, a side panel
with the mandates that are expired or expiring, and the dropped tasks in a small list;
tiled over several pages that tape together, followed by a sheet of task slips to pin on it.

The poster is laid out once, in *poster points* (top-left origin), then cut into tiles.
A tile is one cell of the poster stock (``layouts/poster-*.toml``); neighbouring tiles
overlap by the stock's ``overlap``. Nothing that holds text is placed in an overlap band,
so every card prints whole on exactly one tile. Only rules, boxes and the alignment marks
cross or sit in the bands: boxes and lines are clipped to each tile, and the marks in a
band print on both tiles that share it, where they must line up when taped.

The poster is three tiles wide, in six lanes (two per tile column): one lane per status
column, in the order open, taken, done, stuck, and the spare lane to the column with the
most cards (which then fills its two lanes side by side); the mandates panel takes what is
left at the right. It is as many tiles tall as the longest column needs. Type is large enough to read from 2 m: task titles 20 pt
bold, timeframes and stewards 15 pt, column heads 30 pt.

Privacy: the board prints tasks and roles, never a contact's phone or notes. For
``--audience`` (default ``public``), the full name of any contact that audience may not see
(contacts.hidden_names: as it is now, or as the event log says it was) is replaced by
"(withheld)" wherever it appears, on the poster and on
its slips alike, e.g. a private contact entered as a task's steward or a mandate's holder.
The names are replaced in the record's strings before they are laid out, so the text
around a withheld name is fitted like any other; the finished pages are then checked
again, across line breaks (common.Withheld).

Every card fits one tile: a task's title, timeframe or steward (or a mandate's role or
holder) too long for that is cut with "…", as on its slip; the record keeps it whole.
"""

from __future__ import annotations

import dataclasses
import math

from ..layout.model import GREY, LIGHT, Box, Document, Item, Line, Page, QRCode, Rect, Text
from ..layout.stock import Stock
from ..record.models import Task
from ..record.status import mandates_needing_attention
from ..record.tasks import list_tasks
from . import ProductContext
from . import slips as slips_product
from .common import Withheld, fitted, human_date, shift
from .contacts import WITHHELD, withheld_for
from .slips import withhold_task

COLUMNS = ("open", "taken", "done", "stuck")
TILES_ACROSS = 3
MARGIN = 14.0  # clear space kept from every band and poster edge
GUTTER = 16.0
TITLE_SIZE = 20.0
META_SIZE = 15.0
HEAD_SIZE = 30.0
CARD_PAD = 9.0
CARD_GAP = 12.0
DARK = (0.12, 0.12, 0.12)
WHITE = (1.0, 1.0, 1.0)
#: The most of a card's height that a timeframe or a steward may take; the title may have
#: whatever the card's room leaves.
META_SHARE = 0.25
NOTHING_WITHHELD = Withheld((), WITHHELD)


@dataclasses.dataclass(frozen=True)
class Tiling:
    """How a poster is cut: ``cell`` is one tile's printed area (points), ``overlap`` how
    much neighbours share; ``rows`` × ``cols`` tiles."""

    cell: tuple[float, float]
    overlap: float
    rows: int
    cols: int

    @property
    def step(self) -> tuple[float, float]:
        return self.cell[0] - self.overlap, self.cell[1] - self.overlap

    @property
    def size(self) -> tuple[float, float]:
        sx, sy = self.step
        return self.cell[0] + (self.cols - 1) * sx, self.cell[1] + (self.rows - 1) * sy

    def window(self, row: int, col: int) -> Rect:
        """The part of the poster that tile (row, col) prints, in poster points."""
        sx, sy = self.step
        return Rect(col * sx, row * sy, col * sx + self.cell[0], row * sy + self.cell[1])


class Rows:
    """Vertical placement that keeps blocks out of the horizontal overlap bands."""

    def __init__(self, cell_h: float, overlap: float):
        self.step = cell_h - overlap
        self.overlap = overlap

    @property
    def room(self) -> float:
        """The tallest block that fits inside any one tile row, clear of the bands."""
        return self.step - self.overlap - 2 * MARGIN

    def place(self, y: float, height: float) -> float:
        """The first y ≥ ``y`` where a block ``height`` tall sits inside one tile row,
        clear of the bands by MARGIN."""
        row = max(0, math.floor(y / self.step))
        while True:
            top = row * self.step + (self.overlap + MARGIN if row else MARGIN)
            bottom = (row + 1) * self.step - MARGIN
            y = max(y, top)
            if y + height <= bottom or height > bottom - top:
                return y
            row += 1


def zones(cell_w: float, overlap: float, cols: int) -> list[tuple[float, float]]:
    """Each tile column's clear x range on the poster (outside the bands, by MARGIN)."""
    sx = cell_w - overlap
    out = []
    for c in range(cols):
        left = c * sx + (overlap if c else 0) + MARGIN
        right = c * sx + cell_w - (overlap if c < cols - 1 else 0) - MARGIN
        out.append((left, right))
    return out


def _place(items: list[Item], dy: float) -> list[Item]:
    return [shift(it, 0.0, dy) for it in items]


def task_card(task: Task, x: float, width: float, max_height: float = 10_000.0
              ) -> tuple[list[Item], float]:
    """A card drawn from y = 0: bold title, timeframe, steward, task id; at most
    ``max_height`` points tall (text that would make it taller is cut with "…")."""
    inner = width - 2 * CARD_PAD
    meta_cap = max_height * META_SHARE
    # The timeframe and the steward line first, so that the title gets what they leave.
    frame = (fitted(task.timeframe, x + CARD_PAD, 0, inner, "sans", META_SIZE, 11,
                    max_height=meta_cap, cut=True) if task.timeframe else None)
    # The label and the name are separate runs: a name may be in another script.
    label = fitted("steward:", x + CARD_PAD, 3, 50, "sans", 11, 9, color=GREY)
    steward = fitted(task.steward or "—", x + CARD_PAD + 52, 0, inner - 52 - 58, "sans",
                     META_SIZE, 11, color=(0, 0, 0) if task.steward else GREY,
                     max_height=meta_cap, cut=True)
    task_id = fitted(task.id, x + width - CARD_PAD - 56, 2, 56, "mono", 12, align="right",
                     color=GREY)
    meta_h = (frame.rect.height + 1 if frame else 0.0) + max(steward.rect.height,
                                                              label.rect.height + 3)
    title = fitted(task.title, x + CARD_PAD, CARD_PAD, inner, "sans-bold", TITLE_SIZE, 15,
                   max_height=max_height - meta_h - 2 * CARD_PAD - 3, cut=True)
    items: list[Item] = [title]
    y = CARD_PAD + title.rect.height + 3
    if frame:
        items.append(shift(frame, 0, y))
        y += frame.rect.height + 1
    items += [shift(label, 0, y), shift(steward, 0, y), shift(task_id, 0, y)]
    y += max(steward.rect.height, label.rect.height + 3) + CARD_PAD
    items.insert(0, Box(Rect(x, 0, x + width, y), stroke=1.6, radius=6))
    return items, y


def _head(text: str, x: float, width: float) -> tuple[list[Item], float]:
    h = HEAD_SIZE * 1.18 + 12
    bar = Box(Rect(x, 0, x + width, h), stroke=0, fill=DARK, radius=4)
    label = fitted(text, x + 10, 6, width - 20, "sans-bold", HEAD_SIZE, 18, color=WHITE)
    return [bar, label], h


def _column(rows: Rows, title: str, tasks: list[Task], xs: list[float], width: float,
            y: float) -> tuple[list[Item], float]:
    """A status column over one or more lanes (left edges ``xs``, each ``width`` wide):
    a heading bar across them (its text in the first lane), then the cards, each in the
    lane that is shortest so far."""
    items: list[Item] = []
    head, h = _head(f"{title.upper()}  {len(tasks)}", xs[0], width)
    bar = head[0]
    head[0] = dataclasses.replace(bar, rect=Rect(bar.rect.x0, bar.rect.y0, xs[-1] + width,
                                                 bar.rect.y1))
    y = rows.place(y, h)
    items += _place(head, y)
    lane_y = [y + h + CARD_GAP] * len(xs)
    for task in tasks:
        lane = min(range(len(xs)), key=lambda i: (lane_y[i], i))
        card, ch = task_card(task, xs[lane], width, rows.room)
        top = rows.place(lane_y[lane], ch)
        items += _place(card, top)
        lane_y[lane] = top + ch + CARD_GAP
    if not tasks:
        t = fitted("none", xs[0] + 10, 0, width - 20, "sans", META_SIZE, color=GREY)
        top = rows.place(lane_y[0], t.rect.height)
        items.append(shift(t, 0, top))
        lane_y[0] = top + t.rect.height
    return items, max(lane_y)


def lane_counts(sizes: dict[str, int], lanes: int) -> dict[str, int]:
    """How many lanes each status column gets: one each, and every spare lane to the
    column that then has the most cards per lane."""
    counts = dict.fromkeys(sizes, 1)
    for _ in range(lanes - len(sizes)):
        best = max(sizes, key=lambda s: (sizes[s] / counts[s], -list(sizes).index(s)))
        if sizes[best] <= counts[best]:
            break
        counts[best] += 1
    return counts


def _text_block(rows: Rows, text: str, x: float, width: float, y: float, family: str,
                size: float, color=(0, 0, 0), gap: float = 6.0) -> tuple[list[Item], float]:
    t = fitted(text, x, 0, width, family, size, size * 0.7, color=color,
               max_height=rows.room, cut=True)
    y = rows.place(y, t.rect.height)
    return [shift(t, 0, y)], y + t.rect.height + gap


def _panel(ctx: ProductContext, rows: Rows, x: float, width: float, y: float,
           dropped: list[Task], withheld: Withheld) -> tuple[list[Item], float]:
    settings = ctx.kit.settings
    today = ctx.today
    within = max(1, settings.rotation_days // 2)
    items: list[Item] = []
    head, h = _head("MANDATES", x, width)
    y = rows.place(y, h)
    items += _place(head, y)
    y += h + CARD_GAP
    mandates = mandates_needing_attention(ctx.record, today, within)
    for m in mandates:
        import datetime as dt

        ends = dt.date.fromisoformat(m.role.ends)
        if m.state == "expired":
            when = (f"EXPIRED: rotate now\nlast day {human_date(ends)} ({-m.days_left} day"
                    f"{'s' if m.days_left != -1 else ''} ago)")
        else:
            when = (f"ends {human_date(ends)}" + (" (today)" if m.days_left == 0 else
                                                  f" (in {m.days_left} days)"))
        inner = width - 2 * CARD_PAD
        cap = rows.room * META_SHARE  # the role, the holder and the dates: each at most this
        parts = [fitted(withheld.text(m.role.role), x + CARD_PAD, CARD_PAD, inner, "sans-bold",
                        TITLE_SIZE, 15, max_height=cap, cut=True)]
        yy = CARD_PAD + parts[0].rect.height + 2
        for text, family in ((withheld.text(m.role.holder) or "—", "sans"),
                             (when, "sans-bold" if m.state == "expired" else "sans")):
            t = fitted(text, x + CARD_PAD, yy, inner, family, META_SIZE, 11, max_height=cap,
                       cut=True)
            parts.append(t)
            yy += t.rect.height + 1
        yy += CARD_PAD - 1
        frame = Box(Rect(x, 0, x + width, yy), stroke=3.0 if m.state == "expired" else 1.6,
                    radius=6, dash=() if m.state == "expired" else (6, 3))
        y = rows.place(y, yy)
        items += _place([frame, *parts], y)
        y += yy + CARD_GAP
    if not mandates:
        block, y = _text_block(rows, f"Every mandate is current (rotation: every "
                                     f"{settings.rotation_days} days).", x, width, y,
                               "sans", META_SIZE, GREY)
        items += block
    y += 18
    if dropped:
        block, y = _text_block(rows, f"DROPPED  {len(dropped)}", x, width, y, "sans-bold", 16)
        items += block
        for task in dropped:
            block, y = _text_block(rows, f"{task.id}  {task.title}", x, width, y, "sans", 12,
                                   GREY, 3)
            items += block
        y += 18
    # (close enough for the scan: a slip a tenth of the photo across is 1.4 px a slip unit
    # on a 12 MP photo, above which clear slips go to review 1.3 % of the time or less:
    # scan.pipeline.ADVISE_CODE_PX)
    # a box scribbled over with nothing else marked can be a box filled in, which counts:
    # the scan holds it only where it can tell (scan.decide.struck_under), so a mistake is
    # undone by marking the right box; and a slip is cancelled by tearing it up, not by a
    # line across it, which the scan sees only through a box or across the blank band
    # above the boxes (scan.marks.struck_across: a red team's lines elsewhere over a
    # ticked slip applied the tick, 40 of 156)
    howto = ("How to use this board: take a slip, tick taken, write your name on the "
             "steward line and pin it in the right column. Mark one box firmly; to change a "
             "mark, scribble the mistake out and mark the right box, and to cancel a slip, "
             "tear it up. Keep the slips dry. After the meeting, photograph the slips a few "
             "at a time, each one whole and close enough that ten slips side by side would "
             "fill the photo, and run 'paperkit scan'.")
    block, y = _text_block(rows, howto, x, width, y, "sans", 12, GREY)
    return items + block, y


def poster(ctx: ProductContext, stock: Stock, withheld: Withheld = NOTHING_WITHHELD
           ) -> tuple[list[Item], Tiling]:
    """The whole board in poster points, and how it is tiled; ``withheld`` names are
    replaced before anything is laid out."""
    cell_w, cell_h = stock.cell
    rows = Rows(cell_h, stock.overlap)
    tasks = [withhold_task(t, withheld) for t in list_tasks(ctx.record)]
    zone = zones(cell_w, stock.overlap, TILES_ACROSS)
    col_w = min((right - left - GUTTER) / 2 for left, right in zone[:2])
    items: list[Item] = []
    # Header: title in the first zone, counts in the second, date in the third.
    settings = ctx.kit.settings
    y0 = MARGIN
    title = fitted("Task board", zone[0][0], y0, zone[0][1] - zone[0][0], "sans-bold", 44)
    group = fitted(settings.name, zone[0][0], y0 + title.rect.height,
                   zone[0][1] - zone[0][0], "sans", 18, 11, max_height=18 * 1.18 * 2, cut=True)
    items += [title, group]
    counts = "   ".join(f"{s} {sum(t.status == s for t in tasks)}" for s in COLUMNS)
    items.append(fitted(counts, zone[1][0], y0 + 14, zone[1][1] - zone[1][0], "sans", 18, 11))
    items.append(fitted(f"printed {human_date(ctx.today)}", zone[2][0], y0 + 14,
                        zone[2][1] - zone[2][0], "sans", 18, 11, align="right"))
    top = y0 + title.rect.height + group.rect.height + 14
    # Six lanes, two per tile column. The panel takes the last one (or the last two
    # when no column needs a spare lane); the status columns share the rest.
    lanes = [left + k * (col_w + GUTTER) for left, _ in zone for k in (0, 1)]
    by_status = {s: [t for t in tasks if t.status == s] for s in COLUMNS}
    counts = lane_counts({s: len(v) for s, v in by_status.items()}, len(lanes) - 1)
    bottoms = []
    lane = 0
    for status in COLUMNS:
        col_items, bottom = _column(rows, status, by_status[status],
                                    lanes[lane:lane + counts[status]], col_w, top)
        lane += counts[status]
        items += col_items
        bottoms.append(bottom)
    panel_x = lanes[lane]
    panel_items, bottom = _panel(ctx, rows, panel_x, zone[2][1] - panel_x, top,
                                 [t for t in tasks if t.status == "dropped"], withheld)
    items += panel_items
    bottoms.append(bottom)
    content_bottom = max(bottoms) + MARGIN
    tile_rows = 1 + max(0, math.ceil((content_bottom - cell_h) / rows.step))
    return items, Tiling((cell_w, cell_h), stock.overlap, tile_rows, TILES_ACROSS)


def registration_marks(tiling: Tiling) -> list[Item]:
    """Crosses in the overlap bands, in poster points: each prints on the tiles that share
    its band, and lines up with its twin when the tiles are taped together."""
    sx, sy = tiling.step
    ov = tiling.overlap
    marks: list[Item] = []

    def cross(x: float, y: float) -> None:
        arm = min(8.0, ov / 2 - 2)
        marks.append(Line(x - arm, y, x + arm, y, 0.6))
        marks.append(Line(x, y - arm, x, y + arm, 0.6))
        marks.append(Box(Rect(x - arm / 2, y - arm / 2, x + arm / 2, y + arm / 2), 0.6))

    for c in range(1, tiling.cols):
        x = c * sx + ov / 2
        for r in range(tiling.rows):
            win = tiling.window(r, c)
            for frac in (0.25, 0.75):
                cross(x, win.y0 + (ov if r else 0) + (win.height - ov) * frac)
    for r in range(1, tiling.rows):
        y = r * sy + ov / 2
        for c in range(tiling.cols):
            win = tiling.window(r, c)
            for frac in (0.25, 0.75):
                cross(win.x0 + (ov if c else 0) + (win.width - ov) * frac, y)
            if c:
                cross(c * sx + ov / 2, y)
    return marks


def _clip_line(ln: Line, w: Rect) -> Line | None:
    """Liang–Barsky: the part of ``ln`` inside ``w``, or None."""
    dx, dy = ln.x1 - ln.x0, ln.y1 - ln.y0
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, ln.x0 - w.x0), (dx, w.x1 - ln.x0), (-dy, ln.y0 - w.y0),
                 (dy, w.y1 - ln.y0)):
        if p == 0:
            if q < 0:
                return None
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return None
    return dataclasses.replace(ln, x0=ln.x0 + t0 * dx, y0=ln.y0 + t0 * dy,
                               x1=ln.x0 + t1 * dx, y1=ln.y0 + t1 * dy)


def clip(item: Item, w: Rect) -> list[Item]:
    """``item``'s part inside window ``w`` (poster points). Text and codes are kept only
    when wholly inside; a stroked box cut by the window becomes its fill plus its edges."""
    if isinstance(item, Line):
        part = _clip_line(item, w)
        return [part] if part is not None else []
    r = item.rect
    if w.contains(r):
        return [item]
    if isinstance(item, (Text, QRCode)):
        return []
    inter = Rect(max(r.x0, w.x0), max(r.y0, w.y0), min(r.x1, w.x1), min(r.y1, w.y1))
    if inter.width <= 0 or inter.height <= 0:
        return []
    out: list[Item] = []
    if item.fill is not None:
        out.append(dataclasses.replace(item, rect=inter, stroke=0, radius=0))
    if item.stroke:
        for edge in (Line(r.x0, r.y0, r.x1, r.y0), Line(r.x1, r.y0, r.x1, r.y1),
                     Line(r.x0, r.y1, r.x1, r.y1), Line(r.x0, r.y0, r.x0, r.y1)):
            part = _clip_line(dataclasses.replace(edge, width=item.stroke, color=item.color,
                                                  dash=item.dash), w)
            if part is not None and (part.x0, part.y0) != (part.x1, part.y1):
                out.append(part)
    return out


def tile_pages(items: list[Item], tiling: Tiling, stock: Stock) -> list[Page]:
    """Cut the poster into pages, one per tile, row by row, with trim lines, overlap
    guides and a "tile r,c of R × C" label in the page margin."""
    cell = stock.cell_rect(0)
    sx, sy = tiling.step
    per_tile: dict[tuple[int, int], list[Item]] = {}
    for it in items:  # only the tiles an item's bounds can touch
        x0, y0, x1, y1 = _bounds(it)
        for r in range(max(0, math.floor((y0 - tiling.cell[1]) / sy)),
                       min(tiling.rows, math.floor(y1 / sy) + 1)):
            for c in range(max(0, math.floor((x0 - tiling.cell[0]) / sx)),
                           min(tiling.cols, math.floor(x1 / sx) + 1)):
                per_tile.setdefault((r, c), []).append(it)
    pages = []
    printed: set[int] = set()
    for r in range(tiling.rows):
        for c in range(tiling.cols):
            win = tiling.window(r, c)
            dx, dy = cell.x0 - win.x0, cell.y0 - win.y0
            out: list[Item] = []
            for it in per_tile.get((r, c), []):
                parts = clip(it, win)
                if parts and isinstance(it, (Text, QRCode)):
                    printed.add(id(it))
                out += [shift(part, dx, dy) for part in parts]
            out += _tile_marks(tiling, r, c, cell, stock)
            pages.append(Page(size=stock.page, items=tuple(out),
                              label=f"board:tile {r + 1},{c + 1}"))
    lost = [it for it in items if isinstance(it, (Text, QRCode)) and id(it) not in printed]
    if lost:  # a layout bug, not a user error: text must never be cut by a tile edge
        raise AssertionError(f"board layout put text across a tile edge: {lost[0]}")
    return pages


def _bounds(item: Item) -> tuple[float, float, float, float]:
    if isinstance(item, Line):
        return (min(item.x0, item.x1), min(item.y0, item.y1), max(item.x0, item.x1),
                max(item.y0, item.y1))
    r = item.rect
    return r.x0, r.y0, r.x1, r.y1


def _tile_marks(tiling: Tiling, r: int, c: int, cell: Rect, stock: Stock) -> list[Item]:
    ov = tiling.overlap
    marks: list[Item] = []
    page_w, page_h = stock.page
    if c:  # trim the left margin off, lay this tile over the one to its left
        marks.append(Line(cell.x0, max(0.0, cell.y0 - 12), cell.x0, min(page_h, cell.y1 + 12),
                          0.5, GREY, (4, 3)))
    if r:
        marks.append(Line(max(0.0, cell.x0 - 12), cell.y0, min(page_w, cell.x1 + 12), cell.y0,
                          0.5, GREY, (4, 3)))
    if c < tiling.cols - 1:  # where the next tile's edge lands
        marks.append(Line(cell.x1 - ov, cell.y0, cell.x1 - ov, cell.y1, 0.4, LIGHT, (2, 4)))
    if r < tiling.rows - 1:
        marks.append(Line(cell.x0, cell.y1 - ov, cell.x1, cell.y1 - ov, 0.4, LIGHT, (2, 4)))
    # Label and a small map of the tiles, below the cell.
    room = page_h - cell.y1
    if room >= 14:
        h = min(12.0, room - 2)
        y = cell.y1 + (room - h) / 2
        size = h / (tiling.rows + 0.5)
        mw = size * 1.4
        for rr in range(tiling.rows):
            for cc in range(tiling.cols):
                box = Rect(cell.x1 - tiling.cols * mw + cc * mw, y + rr * size,
                           cell.x1 - tiling.cols * mw + (cc + 1) * mw, y + (rr + 1) * size)
                marks.append(Box(box, 0.3, fill=(0.1, 0.1, 0.1) if (rr, cc) == (r, c) else None))
        hint = []
        if c:
            hint.append("trim the dashed left edge")
        if r:
            hint.append("trim the dashed top edge")
        if hint:
            hint.append("lay over the neighbour so the crosses meet")
        text = f"tile {r + 1},{c + 1} of {tiling.rows} × {tiling.cols}" + (
            " · " + ", ".join(hint) if hint else "")
        marks.append(fitted(text, cell.x0, y, cell.width - tiling.cols * mw - 8, "sans", 7.5, 5,
                            max_height=h + 0.5))
    return marks


def build(ctx: ProductContext) -> Document:
    stock = ctx.stock("board")
    if stock.kind != "poster":
        # A plain sheet stock: tile it all the same, with no overlap.
        stock = dataclasses.replace(stock, kind="poster")
    withheld = withheld_for(ctx.record, ctx.options.audience)
    items, tiling = poster(ctx, stock, withheld)
    items += registration_marks(tiling)
    pages = tile_pages(items, tiling, stock)
    slip_ctx = ctx.with_default_stock()  # on the poster's paper
    slip_doc = slips_product.build(slip_ctx, [withhold_task(t, withheld) for t in
                                              slips_product.select_tasks(slip_ctx)])
    all_pages = withheld.pages([*pages, *slip_doc.pages])
    return Document(product="board", title=f"{ctx.kit.settings.name}: task board",
                    pages=all_pages, kit=ctx.kit.id,
                    meta={"tiles": [tiling.rows, tiling.cols], "board_pages": len(pages)})
