"""Paper stocks from ``layouts/*.toml``: page size, grid, cell size, margins, gaps, corner
radius. A user adds a stock by dropping a TOML file into ``layouts/`` (the project's, or a
``layouts/`` folder inside the kit); no code needed.

Lengths in the files are numbers in points, or strings with a unit: "85.6mm", "2in", "12pt".
Margins left out centre the grid on the page.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .. import ROOT
from ..errors import LayoutError
from .model import GREY, Line, Rect

LAYOUT_DIR = ROOT / "layouts"
_UNITS = {"pt": 1.0, "mm": 72 / 25.4, "cm": 720 / 25.4, "in": 72.0}
_LEN = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(pt|mm|cm|in)\s*$")
PAGE_SIZES = {"letter": (612.0, 792.0), "a4": (595.2756, 841.8898)}
#: The largest cell that is a pocket card (long side, short side), points: ID-1 cards
#: (85.6 x 54 mm) and business cards (3.5 x 2 in, 85 x 55 mm) with a little room; the
#: smallest task slip (3.75 x 2.5 in) is larger.
CARD_MAX = (92 * 72 / 25.4, 60 * 72 / 25.4)
KNOWN_KEYS = {"name", "description", "paper", "page", "columns", "rows", "cell", "margin",
              "gap", "radius", "crop_marks", "kind", "overlap"}


def length(value, where: str) -> float:
    """A TOML length → points."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and (m := _LEN.match(value)):
        return float(m.group(1)) * _UNITS[m.group(2)]
    raise LayoutError(f"{where}: {value!r} is not a length", 'write e.g. 612, "85.6mm" or "2in"')


@dataclass(frozen=True)
class Stock:
    """A sheet of paper cut into a grid of equal cells. Every length is in points."""

    name: str
    description: str
    page: tuple[float, float]
    columns: int
    rows: int
    cell: tuple[float, float]
    margin: tuple[float, float]  # left, top of the grid
    gap: tuple[float, float]  # between columns, between rows
    radius: float = 0.0
    crop_marks: bool = False
    kind: str = "sheet"  # sheet | poster
    overlap: float = 0.0  # poster tiles: how much neighbouring pages overlap

    @property
    def use(self) -> str:
        """What the stock is for, by its geometry: 'poster' (``kind = "poster"``), 'page'
        (one cell: a whole sheet, for the sheet products), 'cards' (several cells no larger
        than CARD_MAX either way round: pocket cards) or 'slips' (several larger cells)."""
        if self.kind == "poster":
            return "poster"
        if self.per_page == 1:
            return "page"
        small, large = sorted(self.cell)
        return "cards" if small <= CARD_MAX[1] + 0.01 and large <= CARD_MAX[0] + 0.01 \
            else "slips"

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def paper(self) -> str:
        for name, size in PAGE_SIZES.items():
            if abs(size[0] - self.page[0]) < 1 and abs(size[1] - self.page[1]) < 1:
                return name
        return "custom"

    def cell_rect(self, index: int, mirrored: bool = False) -> Rect:
        """Cell ``index`` (row-major from top-left). ``mirrored`` flips the column order,
        which is where a back must go for a long-edge duplex print."""
        row, col = divmod(index % self.per_page, self.columns)
        if mirrored:
            col = self.columns - 1 - col
        x = self.margin[0] + col * (self.cell[0] + self.gap[0])
        y = self.margin[1] + row * (self.cell[1] + self.gap[1])
        return Rect(x, y, x + self.cell[0], y + self.cell[1])

    def positions(self, count: int, start: int = 0) -> list[tuple[int, int]]:
        """(page, cell index) for ``count`` items, skipping ``start`` used cells on the
        first sheet (a partly used sheet)."""
        if not 0 <= start < self.per_page:
            raise LayoutError(f"--start {start} is outside the {self.per_page} cells of "
                              f"stock {self.name}", f"use 0 to {self.per_page - 1}")
        return [divmod(start + i, self.per_page) for i in range(count)]

    def crop_mark_lines(self, length_pt: float = 9.0, offset: float = 2.0) -> list[Line]:
        """Short hairlines outside the grid (and in the gaps) at every cut line."""
        lines: list[Line] = []
        grid = Rect(self.margin[0], self.margin[1],
                    self.margin[0] + self.columns * self.cell[0] + (self.columns - 1) * self.gap[0],
                    self.margin[1] + self.rows * self.cell[1] + (self.rows - 1) * self.gap[1])
        xs = sorted({r.x0 for r in map(self.cell_rect, range(self.per_page))}
                    | {r.x1 for r in map(self.cell_rect, range(self.per_page))})
        ys = sorted({r.y0 for r in map(self.cell_rect, range(self.per_page))}
                    | {r.y1 for r in map(self.cell_rect, range(self.per_page))})
        top = max(0.0, grid.y0 - offset - length_pt)
        bottom = min(self.page[1], grid.y1 + offset + length_pt)
        left = max(0.0, grid.x0 - offset - length_pt)
        right = min(self.page[0], grid.x1 + offset + length_pt)
        for x in xs:
            lines.append(Line(x, top, x, grid.y0 - offset, 0.3, GREY))
            lines.append(Line(x, grid.y1 + offset, x, bottom, 0.3, GREY))
        for y in ys:
            lines.append(Line(left, y, grid.x0 - offset, y, 0.3, GREY))
            lines.append(Line(grid.x1 + offset, y, right, y, 0.3, GREY))
        return [ln for ln in lines if (ln.x0, ln.y0) != (ln.x1, ln.y1)]


def _pair(value, where: str) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) != 2:
        raise LayoutError(f"{where} must be a pair like [\"85mm\", \"54mm\"]")
    return length(value[0], where), length(value[1], where)


def parse_stock(data: dict, name: str, where: str) -> Stock:
    unknown = set(data) - KNOWN_KEYS
    if unknown:
        raise LayoutError(f"{where}: unknown key '{sorted(unknown)[0]}'",
                          f"known keys: {', '.join(sorted(KNOWN_KEYS))}")
    if "page" in data:
        page = _pair(data["page"], f"{where}: page")
    elif data.get("paper") in PAGE_SIZES:
        page = PAGE_SIZES[data["paper"]]
    else:
        raise LayoutError(f"{where}: give paper = \"letter\" or \"a4\", or page = [w, h]")
    cols, rows = data.get("columns", 1), data.get("rows", 1)
    if not (isinstance(cols, int) and isinstance(rows, int) and cols >= 1 and rows >= 1):
        raise LayoutError(f"{where}: columns and rows must be whole numbers of at least 1")
    gap = _pair(data.get("gap", [0, 0]), f"{where}: gap")
    if "cell" in data:
        cell = _pair(data["cell"], f"{where}: cell")
    else:
        cell = (page[0], page[1])
    grid_w = cols * cell[0] + (cols - 1) * gap[0]
    grid_h = rows * cell[1] + (rows - 1) * gap[1]
    if "margin" in data:
        margin = _pair(data["margin"], f"{where}: margin")
    else:
        margin = ((page[0] - grid_w) / 2, (page[1] - grid_h) / 2)
    stock = Stock(
        name=name, description=str(data.get("description", "")), page=page, columns=cols,
        rows=rows, cell=cell, margin=margin, gap=gap,
        radius=length(data.get("radius", 0), f"{where}: radius"),
        crop_marks=bool(data.get("crop_marks", False)), kind=str(data.get("kind", "sheet")),
        overlap=length(data.get("overlap", 0), f"{where}: overlap"),
    )
    if (margin[0] < -0.01 or margin[1] < -0.01 or margin[0] + grid_w > page[0] + 0.01
            or margin[1] + grid_h > page[1] + 0.01):
        raise LayoutError(f"{where}: the grid of {cols}x{rows} cells does not fit the page",
                          "make the cells, gaps or margins smaller")
    return stock


def stock_dirs(kit_path: Path | None = None) -> list[Path]:
    dirs = []
    if kit_path is not None:
        dirs.append(Path(kit_path) / "layouts")
    dirs.append(LAYOUT_DIR)
    return dirs


def load_stock(name: str, kit_path: Path | None = None) -> Stock:
    """Load ``layouts/NAME.toml`` (the kit's own layouts folder first)."""
    for folder in stock_dirs(kit_path):
        path = folder / f"{name}.toml"
        if path.is_file():
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as exc:
                raise LayoutError(f"{path}: not valid TOML: {exc}") from None
            return parse_stock(data, name, str(path))
    raise LayoutError(f"no stock named {name!r}",
                      f"choose one of: {', '.join(list_stocks(kit_path))}")


def list_stocks(kit_path: Path | None = None) -> list[str]:
    names: set[str] = set()
    for folder in stock_dirs(kit_path):
        if folder.is_dir():
            names.update(p.stem for p in folder.glob("*.toml"))
    return sorted(names)
