"""Paper stocks from ``layouts/*.toml``: page size, grid, cell size, margins, gaps, corner
radius. A user adds a stock by dropping a TOML file into ``layouts/`` (the project's, or a
``layouts/`` folder inside the kit); no code needed.

Lengths in the files are numbers in points, or strings with a unit: "85.6mm", "2in", "12pt";
none may be negative (nor NaN or infinite), and a page or a cell must be larger than 0.
Margins left out centre the grid on the page. The file is UTF-8 text (a byte-order mark, as
Notepad writes, is fine). A stock is named by its file: ``layouts/our-cards.toml`` is
``--stock our-cards``; there is no ``name`` key.

Every key (all optional but the page):

==============  ==========================================================================
``paper``       ``"letter"`` or ``"a4"``; or instead
``page``        the page size, a pair of lengths ``[w, h]``
``columns``,    the grid, whole numbers of at least 1 (default 1 x 1)
``rows``
``cell``        one cell's size ``[w, h]`` (default: the whole page)
``margin``      the grid's left and top margins ``[x, y]`` (default: centred)
``gap``         between columns and between rows ``[x, y]`` (default ``[0, 0]``)
``radius``      the cells' corner radius, drawn as a guide on card stock (default 0)
``crop_marks``  ``true`` or ``false`` (default false)
``kind``        ``"sheet"`` (default) or ``"poster"`` (tiles of a wall poster)
``overlap``     a poster's tiles' overlap (default 0), less than half a cell's side
``description`` text shown by ``paperkit print stocks``
==============  ==========================================================================
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .. import ROOT
from ..errors import LayoutError
from .model import GREY, Line, Rect

LAYOUT_DIR = ROOT / "layouts"
_UNITS = {"pt": 1.0, "mm": 72 / 25.4, "cm": 720 / 25.4, "in": 72.0}
_LEN = re.compile(r"^\s*([+-]?)\s*([0-9]*\.?[0-9]+)\s*(pt|mm|cm|in)\s*$")
PAGE_SIZES = {"letter": (612.0, 792.0), "a4": (595.2756, 841.8898)}
#: The largest cell that is a pocket card (long side, short side), points: ID-1 cards
#: (85.6 x 54 mm) and business cards (3.5 x 2 in, 85 x 55 mm) with a little room; the
#: smallest task slip (3.75 x 2.5 in) is larger.
CARD_MAX = (92 * 72 / 25.4, 60 * 72 / 25.4)
KNOWN_KEYS = {"description", "paper", "page", "columns", "rows", "cell", "margin",
              "gap", "radius", "crop_marks", "kind", "overlap"}
KINDS = ("sheet", "poster")
_LENGTH_HINT = ('write a number of points, e.g. 612, or a string with a unit: "85.6mm", '
                '"8.5cm", "2in" or "12pt"')


def length(value, where: str, positive: bool = False) -> float:
    """A TOML length → points: 0 or more (more than 0 when ``positive``), never NaN or
    infinite. LayoutError naming ``where`` otherwise."""
    if isinstance(value, str) and (m := _LEN.match(value)):
        points = float(m.group(2)) * _UNITS[m.group(3)]
        negative = m.group(1) == "-" and points > 0
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise LayoutError(f"{where}: {value!r} is not a length (it must be a finite "
                              "number)", _LENGTH_HINT)
        points = float(value)
        negative = points < 0
    else:
        raise LayoutError(f"{where}: {value!r} is not a length", _LENGTH_HINT)
    if negative:
        raise LayoutError(f"{where}: {value!r} is negative, and no length in a stock file may"
                          " be", "a page and a cell must be larger than 0" if positive else
                          "use 0 or more: a negative gap or margin would print cells over "
                          "each other or off the page")
    if positive and points <= 0:
        raise LayoutError(f"{where}: {value!r} must be more than 0", _LENGTH_HINT)
    return points


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


def _pair(value, where: str, positive: bool = False) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) != 2:
        raise LayoutError(f"{where} must be a pair like [\"85mm\", \"54mm\"], not {value!r}")
    return length(value[0], where, positive), length(value[1], where, positive)


def mm(points: float) -> str:
    """``points`` as millimetres for a message: '85.6', '54'."""
    return f"{points * 25.4 / 72:.1f}".removesuffix(".0")


def _unknown_key(key: str, value, where: str, name: str) -> LayoutError:
    if key == "name":
        return LayoutError(f"{where}: 'name' is not a stock key: a stock is named by its file"
                           f" name, so this one is --stock {name}",
                           "rename the file to the name you want to type, and put a longer "
                           "title in 'description'")
    if isinstance(value, dict):
        return LayoutError(f"{where}: unknown table [{key}]",
                           f"write the keys at the top of the file, with no [{key}] line above"
                           f" them; known keys: {', '.join(sorted(KNOWN_KEYS))}")
    return LayoutError(f"{where}: unknown key '{key}'",
                       f"known keys: {', '.join(sorted(KNOWN_KEYS))}")


def parse_stock(data: dict, name: str, where: str) -> Stock:
    """A stock file's keys (see the module's docstring) → Stock; LayoutError naming
    ``where`` and the key when one is missing, unknown or of the wrong type or value."""
    unknown = sorted(set(data) - KNOWN_KEYS)
    if unknown:
        raise _unknown_key(unknown[0], data[unknown[0]], where, name)
    if "page" in data and "paper" in data:
        raise LayoutError(f"{where}: gives both paper = {data['paper']!r} and page = "
                          f"{data['page']!r}", "keep one of them: paper for letter or A4, "
                          "page for any other size")
    if "page" in data:
        page = _pair(data["page"], f"{where}: page", positive=True)
    elif "paper" in data:
        if data["paper"] not in PAGE_SIZES:
            raise LayoutError(f"{where}: paper {data['paper']!r} is not known",
                              'write paper = "letter" or paper = "a4", in lower case, or '
                              'give any other size as page = ["148mm", "210mm"]')
        page = PAGE_SIZES[data["paper"]]
    else:
        raise LayoutError(f"{where}: give paper = \"letter\" or \"a4\", or page = [w, h]")
    cols, rows = data.get("columns", 1), data.get("rows", 1)
    if not (type(cols) is int and type(rows) is int and cols >= 1 and rows >= 1):
        raise LayoutError(f"{where}: columns and rows must be whole numbers of at least 1, "
                          f"not {cols!r} and {rows!r}", "write e.g. columns = 2, without quotes "
                          "or a decimal point")
    for key, kind, what in (("description", str, 'text in quotes, e.g. "Our own cards"'),
                            ("crop_marks", bool, "true or false, without quotes"),
                            ("kind", str, " or ".join(f'"{k}"' for k in KINDS))):
        if key in data and not isinstance(data[key], kind):
            raise LayoutError(f"{where}: {key} must be {what}, not {data[key]!r}")
    kind = data.get("kind", "sheet")
    if kind not in KINDS:
        raise LayoutError(f"{where}: kind {kind!r} is not known; the known kinds are "
                          f"{', '.join(KINDS)}", 'write kind = "poster" for the tiles of a '
                          "wall poster, or leave it out: whether a sheet is for cards, slips or "
                          "pages follows from its cell size")
    gap = _pair(data.get("gap", [0, 0]), f"{where}: gap")
    if "cell" not in data and cols * rows > 1:
        raise LayoutError(f"{where}: a grid of {cols}x{rows} cells needs the size of a cell",
                          'give it, e.g. cell = ["85.6mm", "54mm"]')
    if "cell" in data:
        cell = _pair(data["cell"], f"{where}: cell", positive=True)
    else:
        cell = (page[0], page[1])
    grid_w = cols * cell[0] + (cols - 1) * gap[0]
    grid_h = rows * cell[1] + (rows - 1) * gap[1]
    if "margin" in data:
        margin = _pair(data["margin"], f"{where}: margin")
    else:
        margin = ((page[0] - grid_w) / 2, (page[1] - grid_h) / 2)
    radius = length(data.get("radius", 0), f"{where}: radius")
    if radius > min(cell) / 2 + 0.01:
        raise LayoutError(f"{where}: radius {mm(radius)} mm is more than half the cells' "
                          f"shorter side ({mm(min(cell) / 2)} mm)", "make it smaller, "
                          'e.g. "3.18mm" as ID-1 cards have, or 0 for square corners')
    overlap = length(data.get("overlap", 0), f"{where}: overlap")
    if 2 * overlap >= min(cell):
        raise LayoutError(f"{where}: overlap {mm(overlap)} mm leaves no poster between the "
                          f"overlap bands of a {mm(cell[0])} x {mm(cell[1])} mm tile",
                          f"make it less than half the cells' shorter side "
                          f'({mm(min(cell) / 2)} mm); the shipped posters have "12mm"')
    stock = Stock(
        name=name, description=data.get("description", ""), page=page, columns=cols,
        rows=rows, cell=cell, margin=margin, gap=gap, radius=radius,
        crop_marks=data.get("crop_marks", False), kind=kind, overlap=overlap,
    )
    if (margin[0] < -0.01 or margin[1] < -0.01 or margin[0] + grid_w > page[0] + 0.01
            or margin[1] + grid_h > page[1] + 0.01):
        raise LayoutError(f"{where}: the grid of {cols}x{rows} cells does not fit the page "
                          f"({mm(grid_w)} x {mm(grid_h)} mm with its gaps, from a margin of "
                          f"{mm(max(margin[0], 0))} x {mm(max(margin[1], 0))} mm, on a "
                          f"{mm(page[0])} x {mm(page[1])} mm page)",
                          "make the cells, gaps or margins smaller")
    return stock


def stock_dirs(kit_path: Path | None = None) -> list[Path]:
    dirs = []
    if kit_path is not None:
        dirs.append(Path(kit_path) / "layouts")
    dirs.append(LAYOUT_DIR)
    return dirs


def read_stock(path: Path, name: str | None = None) -> Stock:
    """The stock in file ``path`` (named ``name``, by default the file's stem). A file that
    is not UTF-8 text or not TOML, or whose keys are wrong, is a LayoutError naming it."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LayoutError(f"{path} cannot be read: {exc.strerror or exc}",
                          "check that the file is there and that you may read it") from None
    try:  # utf-8-sig: Notepad starts a UTF-8 file with a byte-order mark
        if b"\x00" in raw:  # UTF-16 without its byte-order mark
            raise UnicodeDecodeError("utf-8", raw, raw.index(b"\x00"), len(raw), "NUL")
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LayoutError(f"{path} is not UTF-8 text (saved as Latin-1 or UTF-16?)",
                          "save it as UTF-8 in your editor (Notepad: Save as, Encoding "
                          "UTF-8), then run this again") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LayoutError(f"{path}: not valid TOML: {exc}",
                          'each line is key = value, e.g. cell = ["85.6mm", "54mm"]; see the '
                          "shipped files in layouts/") from None
    return parse_stock(data, name or path.stem, str(path))


def stock_files(kit_path: Path | None = None) -> dict[str, Path]:
    """Every stock name → its file; the kit's own ``layouts/`` wins over the shipped one."""
    found: dict[str, Path] = {}
    for folder in stock_dirs(kit_path):
        if folder.is_dir():
            for path in sorted(folder.glob("*.toml")):
                if path.is_file():
                    found.setdefault(path.stem, path)
    return dict(sorted(found.items()))


def load_stock(name: str, kit_path: Path | None = None) -> Stock:
    """Load ``layouts/NAME.toml`` (the kit's own layouts folder first)."""
    path = stock_files(kit_path).get(name)
    if path is None:
        raise LayoutError(f"no stock named {name!r}",
                          f"choose one of: {', '.join(list_stocks(kit_path))}")
    return read_stock(path, name)


def load_stocks(kit_path: Path | None = None
                ) -> tuple[list[Stock], list[tuple[Path, LayoutError]]]:
    """Every stock that loads, by name, and every stock file that does not, with why: one
    bad file does not hide the others."""
    good: list[Stock] = []
    bad: list[tuple[Path, LayoutError]] = []
    for name, path in stock_files(kit_path).items():
        try:
            good.append(read_stock(path, name))
        except LayoutError as exc:
            bad.append((path, exc))
    return good, bad


def list_stocks(kit_path: Path | None = None) -> list[str]:
    return list(stock_files(kit_path))
