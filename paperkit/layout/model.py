"""The layout values every product returns and every renderer draws.

All coordinates are points (1/72 inch) from the page's top-left corner, y pointing down.
Colours are (r, g, b) in 0..1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Color = tuple[float, float, float]
BLACK: Color = (0.0, 0.0, 0.0)
GREY: Color = (0.45, 0.45, 0.45)
LIGHT: Color = (0.8, 0.8, 0.8)


@dataclass(frozen=True)
class Rect:
    """A rectangle [x0, y0, x1, y1] in points, top-left origin, y down."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def as_list(self, ndigits: int = 2) -> list[float]:
        return [round(self.x0, ndigits), round(self.y0, ndigits),
                round(self.x1, ndigits), round(self.y1, ndigits)]

    def inset(self, dx: float, dy: float | None = None) -> Rect:
        dy = dx if dy is None else dy
        return Rect(self.x0 + dx, self.y0 + dy, self.x1 - dx, self.y1 - dy)

    def translate(self, dx: float, dy: float) -> Rect:
        return Rect(self.x0 + dx, self.y0 + dy, self.x1 + dx, self.y1 + dy)

    def scale(self, s: float) -> Rect:
        return Rect(self.x0 * s, self.y0 * s, self.x1 * s, self.y1 * s)

    def contains(self, other: Rect, tol: float = 1e-6) -> bool:
        return (other.x0 >= self.x0 - tol and other.y0 >= self.y0 - tol
                and other.x1 <= self.x1 + tol and other.y1 <= self.y1 + tol)


@dataclass(frozen=True)
class Text:
    """Text already fitted into ``rect``: ``lines`` are drawn top-down at ``size`` points with
    ``leading`` points between baselines. ``font`` is a family key from render/fonts
    ('sans', 'sans-bold', 'mono', 'arabic', 'arabic-bold'). ``direction`` 'rtl' means the
    lines are in logical order and the renderer reorders them for display."""

    rect: Rect
    lines: tuple[str, ...]
    font: str = "sans"
    size: float = 9.0
    leading: float = 0.0
    align: str = "left"  # left | center | right
    direction: str = "ltr"  # ltr | rtl
    color: Color = BLACK

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True)
class Box:
    """A rectangle outline and/or fill. ``stroke`` is the line width in points (0: none)."""

    rect: Rect
    stroke: float = 0.75
    fill: Color | None = None
    color: Color = BLACK
    radius: float = 0.0
    dash: tuple[float, ...] = ()


@dataclass(frozen=True)
class Line:
    """A straight line from (x0, y0) to (x1, y1), ``width`` points wide."""

    x0: float
    y0: float
    x1: float
    y1: float
    width: float = 0.5
    color: Color = BLACK
    dash: tuple[float, ...] = ()


@dataclass(frozen=True)
class QRCode:
    """A QR code whose symbol (finder pattern edges, without the quiet zone) fills ``rect``.
    The layout keeps a clear quiet zone of 4 modules around it. ``text`` is encoded in
    alphanumeric mode where it can be, at error level ``error``."""

    rect: Rect
    text: str
    error: str = "M"
    version: int | None = None  # None: the smallest that holds the text


Item = Text | Box | Line | QRCode


@dataclass(frozen=True)
class SlipPlacement:
    """Where one task slip sits on a page, as the manifest (DESIGN §5) reports it."""

    task: str
    rev: int
    code: str
    rect: Rect
    qr: Rect
    boxes: dict[str, Rect]
    note: Rect
    steward: Rect

    def manifest(self) -> dict:
        return {
            "task": self.task, "rev": self.rev, "code": self.code,
            "rect": self.rect.as_list(), "qr": self.qr.as_list(),
            "boxes": {k: v.as_list() for k, v in self.boxes.items()},
            "note": self.note.as_list(), "steward": self.steward.as_list(),
        }


@dataclass(frozen=True)
class Page:
    """One page: its size (width, height) in points, what to draw, and the slips on it."""

    size: tuple[float, float]
    items: tuple[Item, ...]
    slips: tuple[SlipPlacement, ...] = ()
    label: str = ""


@dataclass(frozen=True)
class Document:
    """A product's layout: pages in order. ``product`` names it ('cards', 'slips', ...)."""

    product: str
    title: str
    pages: tuple[Page, ...]
    kit: str = ""
    meta: dict = field(default_factory=dict)

    def slip_codes(self) -> list[tuple[str, str, int]]:
        """(code, task, rev) of every slip it prints, in page order: what a print logs."""
        return [(s.code, s.task, s.rev) for page in self.pages for s in page.slips]

    def manifest(self) -> dict:
        """The print manifest (DESIGN §5)."""
        return {
            "format": "paperkit-manifest/1",
            "kit": self.kit,
            "product": self.product,
            "pages": [
                {"page": i, "size": [round(p.size[0], 2), round(p.size[1], 2)],
                 "slips": [s.manifest() for s in p.slips]}
                for i, p in enumerate(self.pages, 1)
            ],
        }
