"""Marks on a slip: what a person ticked, crossed or filled in, and what that means.

A :class:`MarkSpec` says which status boxes get marked and how; :func:`mark_slip` draws it
onto a rendered page and cuts the slip out; :class:`SlipTruth` carries the answer a scanner
must give. Positions come from the print manifest (DESIGN §5): page points, top-left origin.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np

from . import ink as inkmod

STATUSES = ("taken", "done", "stuck", "dropped")
KINDS = ("tick", "cross", "fill", "redo", "fill+tick", "fill+cross", "tint", "tint+tick",
         "tint+cross")
#: How far (shares of the box width) a fill's hatching runs out past the box's sides: as
#: random_spec draws it, and for the mixed double marks (a fill gone well over the edges).
FILL_OVERRUN = (-0.05, 0.08)
MIXED_OVERRUN = (-0.05, 0.22)


@dataclass(frozen=True)
class MarkSpec:
    """How one slip is marked.

    - ``boxes``: the status boxes that carry a final mark (none: a blank slip; two or more:
      a double mark, which a scanner must send to review).
    - ``kind``: ``tick``, ``cross`` or ``fill`` for every box in ``boxes``; ``redo`` means
      ``struck`` was ticked, then scribbled out, and ``boxes[0]`` ticked instead;
      ``fill+tick`` / ``fill+cross`` is a mixed double mark: ``boxes[0]`` filled in (its
      hatching may run well over the box's edges) and ``boxes[1]`` ticked or crossed. A
      scanner must send it to review. :func:`random_spec` never makes one. ``tint``:
      ``boxes[0]`` marked with a light highlighter (``tint``) alone; ``tint+tick`` /
      ``tint+cross``: highlighted, and ``boxes[1]`` ticked or crossed (review). Drawn by
      :func:`tint_spec` only.
    - ``ink``: a key of :data:`paperkit.synth.ink.INKS` (pencil-grey, blue, black-marker).
    - ``pressure``: 0.5 (light) .. 1.5 (hard); scales stroke width and darkness.
    - ``second``: for a double mark, the pressure of the mark in ``boxes[1]`` when it was
      made lighter than the first (a box touched lightly, or a mark begun and left); None:
      ``pressure``. :func:`light_double_spec` draws one, :func:`random_spec` never.
    - ``stray_dot`` / ``faint_shadow``: a dab of ink beside a box, or a faint smudge over an
      empty box. Neither is a mark.
    - ``stain``: a drop of coffee, tea or rain dried on the slip over or beside an empty
      box: a translucent patch, often darker at its rim (:func:`_stain`). Not a mark.
      :func:`random_spec` never draws one.
    - ``tint``: for a ``tint`` kind, the highlighter (a key of :data:`TINTS`).
    - ``note`` / ``steward``: handwriting-like scribble in the after-action note box and on
      the steward line.
    """

    boxes: tuple[str, ...] = ()
    kind: str = "tick"
    struck: str | None = None
    ink: str = "blue"
    pressure: float = 1.0
    second: float | None = None
    stray_dot: bool = False
    faint_shadow: bool = False
    stain: bool = False
    tint: str | None = None
    note: bool = False
    steward: bool = False

    def __post_init__(self):
        bad = [b for b in (*self.boxes, self.struck) if b is not None and b not in STATUSES]
        if bad or self.kind not in KINDS or self.ink not in inkmod.INKS:
            raise ValueError(f"bad MarkSpec: {self}")
        if self.kind == "redo" and (self.struck is None or len(self.boxes) != 1
                                    or self.struck in self.boxes):
            raise ValueError("a redo marks one box after striking out another")
        if "+" in self.kind and len(self.boxes) != 2:
            raise ValueError("a mixed double mark fills one box and ticks or crosses another")
        if (self.tint is not None) != self.kind.startswith("tint") or (
                self.tint is not None and self.tint not in TINTS):
            raise ValueError("a highlighted box names its highlighter, and only it")
        if self.second is not None and (len(self.boxes) < 2 or self.kind == "redo"):
            raise ValueError("only a double mark has a second mark")

    @property
    def status(self) -> str | None:
        """What the marks mean: a status, None for a blank slip, 'review' for a double mark."""
        if not self.boxes:
            return None
        return self.boxes[0] if len(self.boxes) == 1 else "review"

    @property
    def accept(self) -> tuple[str | None, ...]:
        """Every read that is not wrong. A struck-out box may be read as the final mark, or
        sent to review (DESIGN §6); 'review' is never a wrong status, only a cost."""
        if self.kind == "redo":
            return (self.boxes[0], "review")
        return (self.status,) if self.status == "review" else (self.status, "review")


@dataclass(frozen=True)
class SlipTruth:
    """The ground truth for one printed slip: its code and what its marks mean."""

    task: str
    rev: int
    code: str
    status: str | None
    accept: tuple[str | None, ...]
    spec: MarkSpec

    def as_dict(self) -> dict:
        d = asdict(self)
        d["accept"] = list(self.accept)
        d["spec"]["boxes"] = list(self.spec.boxes)
        return d


@dataclass(frozen=True)
class SlipCrop:
    """A slip cut out of a rendered page along its manifest ``rect``: RGB uint8 ``image``
    at ``dpi``; ``entry`` is the manifest entry (page points) and ``truth`` what it means."""

    image: np.ndarray
    dpi: float
    entry: dict
    truth: SlipTruth

    @property
    def size_pt(self) -> tuple[float, float]:
        x0, y0, x1, y1 = self.entry["rect"]
        return x1 - x0, y1 - y0

    def to_slip_px(self, rect: list[float]) -> list[float]:
        """A manifest rect (page points) → pixels in this crop."""
        s = self.dpi / 72.0
        ox, oy = self.entry["rect"][:2]
        return [(rect[0] - ox) * s, (rect[1] - oy) * s, (rect[2] - ox) * s, (rect[3] - oy) * s]


def truth_for(entry: dict, spec: MarkSpec) -> SlipTruth:
    return SlipTruth(task=entry["task"], rev=int(entry["rev"]), code=entry["code"],
                     status=spec.status, accept=spec.accept, spec=spec)


def _px(rect: list[float], scale: float, origin: tuple[float, float]) -> tuple[float, ...]:
    ox, oy = origin
    return tuple((v - o) * scale for v, o in zip(rect, (ox, oy, ox, oy), strict=True))


def draw_marks(img: np.ndarray, entry: dict, dpi: float, spec: MarkSpec,
               rng: np.random.Generator, origin: tuple[float, float] = (0.0, 0.0)) -> None:
    """Draw ``spec`` onto RGB uint8 ``img`` in place. ``img``'s pixel (0, 0) is page point
    ``origin``; ``entry`` is the slip's manifest entry."""
    pt = dpi / 72.0
    ink = inkmod.INKS[spec.ink]
    boxes = {k: _px(v, pt, origin) for k, v in entry["boxes"].items()}
    strokes: list[inkmod.Stroke] = []
    tremor = 0.25 * pt

    def add(paths: list, n_per: int = 36, taper: float = 0.35,
            pressure: float = spec.pressure) -> None:
        for p in paths:
            p = np.asarray(p, float)
            n = max(n_per, len(p) * 3)
            path = inkmod.smooth_path(p, n) if len(p) < n else p
            path = inkmod.tremor(path, tremor, rng)
            strokes.append(inkmod.make_stroke(path, ink, pt, pressure, rng, taper))

    def mark(box: tuple[float, ...], kind: str, overrun: tuple[float, float] = FILL_OVERRUN,
             pressure: float = spec.pressure) -> None:
        if kind == "tick":
            add(inkmod.tick_paths(box, rng), pressure=pressure)
        elif kind == "cross":
            add(inkmod.cross_paths(box, rng), pressure=pressure)
        else:  # fill
            pitch = ink.width_pt * pt * np.sqrt(pressure) * rng.uniform(0.6, 1.1)
            add(inkmod.zigzag_paths(box, rng, pitch, rng.uniform(*overrun), 0.15),
                n_per=200, taper=0.05, pressure=pressure)

    if spec.kind == "redo":
        mark(boxes[spec.struck], "tick")
        pitch = ink.width_pt * pt * rng.uniform(1.0, 2.2)
        add(inkmod.zigzag_paths(boxes[spec.struck], rng, pitch, rng.uniform(0.05, 0.25), 0.5),
            n_per=200, taper=0.05)
        mark(boxes[spec.boxes[0]], "tick")
    elif spec.kind.startswith("tint"):
        if "+" in spec.kind:
            mark(boxes[spec.boxes[1]], spec.kind.split("+")[1])
    elif "+" in spec.kind:
        mark(boxes[spec.boxes[0]], "fill", MIXED_OVERRUN)
        mark(boxes[spec.boxes[1]], spec.kind.split("+")[1])
    else:
        for j, name in enumerate(spec.boxes):
            light = j == 1 and spec.second is not None
            mark(boxes[name], spec.kind, pressure=spec.second if light else spec.pressure)
    if spec.note:
        x0, y0, x1, y1 = _px(entry["note"], pt, origin)
        xh = rng.uniform(4.0, 6.5) * pt
        lines = int(rng.integers(1, 3)) if (y1 - y0) > 3.2 * xh else 1
        for i in range(lines):
            base = y0 + (y1 - y0) * (i + 1) / (lines + 0.6) + rng.normal(0, 0.06 * xh)
            width = (x1 - x0) * (rng.uniform(0.4, 0.92) if i == lines - 1 else 0.9)
            add(inkmod.cursive_paths(x0 + rng.uniform(2, 8) * pt, base, width, xh, rng),
                taper=0.1)
    if spec.steward and "steward" in entry:
        x0, y0, x1, y1 = _px(entry["steward"], pt, origin)
        xh = min(rng.uniform(4.0, 6.0) * pt, (y1 - y0) * 0.45)
        start = x0 + (x1 - x0) * rng.uniform(0.32, 0.42)
        add(inkmod.cursive_paths(start, y1 - 0.22 * (y1 - y0), (x1 - start) * rng.uniform(0.4, 0.9),
                                 xh, rng), taper=0.1)
    cov = inkmod.rasterize(strokes, img.shape[:2])
    if spec.stray_dot:
        bx = boxes[STATUSES[int(rng.integers(0, 4))]]
        b = bx[2] - bx[0]
        cx = rng.choice([bx[0] - rng.uniform(0.2, 0.8) * b, bx[2] + rng.uniform(0.2, 1.2) * b])
        cy = (bx[1] + bx[3]) / 2 + rng.normal(0, 0.4 * b)
        dot = inkmod.make_stroke(inkmod.smooth_path(inkmod.dot_path((cx, cy), 0.6 * pt)[0], 6),
                                 ink, pt, spec.pressure, rng, taper=0.0)
        np.maximum(cov, inkmod.rasterize([dot], img.shape[:2]), out=cov)
    inkmod.lay_ink(img, cov, ink, rng)
    if spec.tint is not None:
        _tint(img, boxes[spec.boxes[0]], TINTS[spec.tint], rng)
    empty = [k for k in STATUSES if k not in spec.boxes and k != spec.struck]
    if spec.faint_shadow and empty:
        _smudge(img, boxes[empty[int(rng.integers(0, len(empty)))]], rng)
    if spec.stain and empty:
        _stain(img, boxes[empty[int(rng.integers(0, len(empty)))]], rng)


def _smudge(img: np.ndarray, box: tuple[float, ...], rng: np.random.Generator) -> None:
    """A faint grey smudge (graphite rubbed off a hand, or an eraser's ghost) over a box."""
    x0, y0, x1, y1 = box
    b = x1 - x0
    cx, cy = (x0 + x1) / 2 + rng.normal(0, 0.15 * b), (y0 + y1) / 2 + rng.normal(0, 0.15 * b)
    r = b * rng.uniform(0.6, 1.1)
    h, w = img.shape[:2]
    ya, yb = max(int(cy - 2 * r), 0), min(int(cy + 2 * r) + 1, h)
    xa, xb = max(int(cx - 2 * r), 0), min(int(cx + 2 * r) + 1, w)
    yy, xx = np.mgrid[ya:yb, xa:xb]
    g = np.exp(-(((xx - cx) / r) ** 2 + ((yy - cy) / (r * rng.uniform(0.5, 1.0))) ** 2))
    dark = rng.uniform(0.06, 0.12) * g
    region = img[ya:yb, xa:xb].astype(np.float32)
    img[ya:yb, xa:xb] = np.clip(region * (1 - dark[..., None]), 0, 255).astype(np.uint8)


#: What a dried drop leaves on paper (RGB, a share of the paper's light where it is
#: darkest): coffee, tea, and rain (water carries dust; it darkens paper a little, greyly).
STAINS = ((0.59, 0.39, 0.24), (0.47, 0.31, 0.2), (0.67, 0.55, 0.39), (0.35, 0.24, 0.16),
          (0.72, 0.72, 0.7))


def _stain(img: np.ndarray, box: tuple[float, ...], rng: np.random.Generator) -> None:
    """A dried drop over or beside ``box`` (px): a round patch 0.45-1.8 box widths in
    radius (about 2-9 mm) about a point up to 0.85 box widths off the box's middle, either a
    ring (its rim darkest, its inside lightly tinted) or a blob with a wavy edge, of one
    of :data:`STAINS` at a strength of 0.3-0.9, soft-edged, laid on multiplicatively (a
    dye soaked into the paper: the print and any ink still show through)."""
    x0, y0, x1, y1 = box
    b = x1 - x0
    cx = (x0 + x1) / 2 + rng.uniform(-0.85, 0.85) * b
    cy = (y0 + y1) / 2 + rng.uniform(-0.85, 0.85) * b
    r = b * rng.uniform(0.45, 1.8)
    h, w = img.shape[:2]
    ya, yb = max(int(cy - r - 4 * b / 14), 0), min(int(cy + r + 4 * b / 14) + 1, h)
    xa, xb = max(int(cx - r - 4 * b / 14), 0), min(int(cx + r + 4 * b / 14) + 1, w)
    if ya >= yb or xa >= xb:
        return
    m = np.zeros((yb - ya, xb - xa), np.float32)
    centre = (int(round((cx - xa) * 16)), int(round((cy - ya) * 16)))
    if rng.random() < 0.5:  # a ring: its rim an eighth of its radius wide, its inside faint
        cv2.circle(m, centre, int(r * 16), 0.3, -1, cv2.LINE_AA, 4)
        cv2.circle(m, centre, int(r * 16), 1.0, max(round(r / 8), 1), cv2.LINE_AA, 4)
    else:  # a blob, its edge wavy (a drop spread along the paper's fibres)
        t = np.linspace(0, 2 * np.pi, 48, endpoint=False)
        rr = r * (1 + sum(a * np.cos(k * t + ph) for k, a, ph in zip(
            (2, 3, 5), rng.uniform(0, (0.15, 0.1, 0.05)), rng.uniform(0, 2 * np.pi, 3),
            strict=True)))
        pts = np.stack([cx - xa + rr * np.cos(t), cy - ya + rr * np.sin(t)], axis=1)
        cv2.fillPoly(m, [np.round(pts * 16).astype(np.int32)], 1.0, cv2.LINE_AA, 4)
    m = cv2.GaussianBlur(m, (0, 0), max(b / 14 * 0.8, 0.5)) * rng.uniform(0.3, 0.9)
    tint = np.asarray(STAINS[int(rng.integers(len(STAINS)))], np.float32)
    region = img[ya:yb, xa:xb].astype(np.float32)
    img[ya:yb, xa:xb] = np.clip(region * (1 - m[..., None] * (1 - tint)), 0, 255).astype(np.uint8)


#: Light highlighters and felt tips (RGB, a share of the paper's light they let through):
#: neutral greys from a light grey highlighter to a grey felt tip, and pastel highlighters
#: (too grey for a colour check, too light for a grey read: thirty-third session's red team).
TINTS: dict[str, tuple[float, float, float]] = {
    "grey-light": (0.87, 0.87, 0.88),
    "grey": (0.8, 0.8, 0.81),
    "grey-felt": (0.73, 0.73, 0.75),
    "pastel-pink": (1.0, 0.8, 0.86),
    "pastel-blue": (0.83, 0.89, 1.0),
    "pastel-green": (0.84, 0.96, 0.84),
    "pastel-violet": (0.88, 0.83, 0.96),
}


def _tint(img: np.ndarray, box: tuple[float, ...], rgb: tuple[float, float, float],
          rng: np.random.Generator) -> None:
    """A highlighter's mark on ``box`` (px), laid on multiplicatively (the print and any ink
    show through): a swipe over the box and on over its label (half the time), a fill inside
    the box, or a fill reaching a little past it; its strength varies a little along it."""
    x0, y0, x1, y1 = box
    b = x1 - x0
    h, w = img.shape[:2]
    pad = int(3.5 * b)
    ya, yb = max(int(y0 - pad), 0), min(int(y1 + pad) + 1, h)
    xa, xb = max(int(x0 - pad), 0), min(int(x1 + pad) + 1, w)
    if ya >= yb or xa >= xb:
        return
    m = np.zeros((yb - ya, xb - xa), np.float32)
    u = rng.random()
    if u < 0.5:  # a swipe: a thick stroke along the row, over the box and its label
        cy = (y0 + y1) / 2 + rng.normal(0, 0.06 * b) - ya
        half = b * rng.uniform(0.35, 0.6)
        left, right = x0 - b * rng.uniform(0.05, 0.5) - xa, x1 + b * rng.uniform(1.0, 2.6) - xa
        slope = np.tan(np.radians(rng.normal(0, 2.0)))
        pts = np.array([[left, cy - half], [right, cy - half + slope * (right - left)],
                        [right, cy + half + slope * (right - left)], [left, cy + half]])
        cv2.fillPoly(m, [np.round(pts * 16).astype(np.int32)], 1.0, cv2.LINE_AA, 4)
        m = cv2.GaussianBlur(m, (0, 0), max(0.08 * half, 0.5))  # the felt's rounded ends
    else:  # a fill inside the box, or reaching a little past it
        grow = rng.uniform(-0.14, -0.06) if u < 0.75 else rng.uniform(0.02, 0.1)
        pts = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], float) - (xa, ya)
        pts += np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * grow * b
        pts += rng.normal(0, 0.02 * b, pts.shape)
        cv2.fillPoly(m, [np.round(pts * 16).astype(np.int32)], 1.0, cv2.LINE_AA, 4)
        m = cv2.GaussianBlur(m, (0, 0), max(0.02 * b, 0.5))
    streak = 1 + 0.06 * cv2.GaussianBlur(rng.normal(0, 1, m.shape).astype(np.float32), (0, 0),
                                         max(0.15 * b, 1.0))
    m *= np.clip(streak * rng.uniform(0.85, 1.0), 0, 1)
    tint = np.asarray(rgb, np.float32)
    region = img[ya:yb, xa:xb].astype(np.float32)
    img[ya:yb, xa:xb] = np.clip(region * (1 - m[..., None] * (1 - tint)) + 0.5, 0,
                                255).astype(np.uint8)


#: Paper colours a group may print its slips on (RGB reflectance, a share of white paper's):
#: pastel copy paper, and one bright orange.
PAPERS: dict[str, tuple[float, float, float]] = {
    "white": (1.0, 1.0, 1.0),
    "yellow": (1.0, 0.96, 0.63),
    "pink": (1.0, 0.80, 0.86),
    "blue": (0.76, 0.88, 1.0),
    "green": (0.80, 0.97, 0.76),
    "orange": (1.0, 0.68, 0.37),
}


@dataclass(frozen=True)
class Print:
    """How the slips were printed: on ``paper`` (a colour of :data:`PAPERS`, or RGB shares
    of white), with the print ``depth`` dark (1: black toner; about 0.6: a printer low on
    toner, or its draft mode). Pen marks are made on the printed slip afterwards and keep
    their own darkness."""

    paper: str | tuple[float, float, float] = "white"
    depth: float = 1.0

    def apply(self, img: np.ndarray) -> np.ndarray:
        """A rendered page's pixels (RGB uint8, black print on white) printed so."""
        rgb = PAPERS[self.paper] if isinstance(self.paper, str) else self.paper
        out = 255.0 - (255.0 - img.astype(np.float32)) * self.depth
        out *= np.asarray(rgb, np.float32)
        return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def mark_slip(page_img: np.ndarray, entry: dict, dpi: float, spec: MarkSpec,
              rng: np.random.Generator, printed: Print | None = None) -> SlipCrop:
    """Cut the slip ``entry`` out of ``page_img`` (RGB uint8 rendered at ``dpi``) along its
    manifest rect, printed as ``printed`` says (black on white when None), draw ``spec``'s
    marks on it, and return it with its truth. ``page_img`` is not changed."""
    s = dpi / 72.0
    x0, y0, x1, y1 = entry["rect"]
    px0, py0 = int(round(x0 * s)), int(round(y0 * s))
    px1, py1 = int(round(x1 * s)), int(round(y1 * s))
    crop = np.ascontiguousarray(page_img[py0:py1, px0:px1]).copy()
    if printed is not None:
        crop = printed.apply(crop)
    draw_marks(crop, entry, dpi, spec, rng, origin=(px0 / s, py0 / s))
    moved = dict(entry)
    moved["rect"] = [px0 / s, py0 / s, px1 / s, py1 / s]
    return SlipCrop(image=crop, dpi=dpi, entry=moved, truth=truth_for(entry, spec))


def mark_page(page_img: np.ndarray, slips: list[dict], dpi: float, specs: list[MarkSpec],
              rng: np.random.Generator) -> tuple[np.ndarray, list[SlipTruth]]:
    """Draw each slip's marks on a copy of the whole page (for flatbed scans of a sheet)."""
    out = page_img.copy()
    truths = []
    for entry, spec in zip(slips, specs, strict=True):
        draw_marks(out, entry, dpi, spec, rng)
        truths.append(truth_for(entry, spec))
    return out, truths


def random_spec(rng: np.random.Generator, blank: float = 0.12, double: float = 0.03,
                redo: float = 0.03) -> MarkSpec:
    """A plausible way a person marks a slip after a meeting: mostly one tick, cross or fill;
    sometimes blank, double-marked or corrected; often a note, sometimes a steward name."""
    ink = str(rng.choice(list(inkmod.INKS), p=[0.3, 0.5, 0.2]))
    pressure = float(np.clip(rng.normal(1.0, 0.25), 0.5, 1.5))
    extras = dict(ink=ink, pressure=round(pressure, 3), stray_dot=bool(rng.random() < 0.12),
                  faint_shadow=bool(rng.random() < 0.1), note=bool(rng.random() < 0.55),
                  steward=bool(rng.random() < 0.3))
    u = rng.random()
    statuses = list(STATUSES)
    if u < blank:
        return MarkSpec(**extras)
    if u < blank + double:
        pair = rng.choice(statuses, size=2, replace=False)
        return MarkSpec(boxes=tuple(str(p) for p in pair),
                        kind=str(rng.choice(["tick", "cross"])), **extras)
    if u < blank + double + redo:
        pair = rng.choice(statuses, size=2, replace=False)
        return MarkSpec(boxes=(str(pair[0]),), kind="redo", struck=str(pair[1]), **extras)
    kind = str(rng.choice(["tick", "cross", "fill"], p=[0.55, 0.3, 0.15]))
    box = str(rng.choice(statuses, p=[0.3, 0.4, 0.2, 0.1]))
    return MarkSpec(boxes=(box,), kind=kind, **extras)


def light_double_spec(rng: np.random.Generator) -> MarkSpec:
    """A double mark whose second mark is light: two boxes ticked or crossed with one pen,
    the second at pressure 0.15-0.6 (below the 0.5-1.5 of :func:`random_spec`: a box touched
    lightly, or a mark begun and left), which a scanner must still send to review. Its ink,
    first pressure and extras are drawn as :func:`random_spec` draws them."""
    ink = str(rng.choice(list(inkmod.INKS), p=[0.3, 0.5, 0.2]))
    pressure = float(np.clip(rng.normal(1.0, 0.25), 0.5, 1.5))
    pair = rng.choice(STATUSES, size=2, replace=False)
    return MarkSpec(boxes=tuple(str(p) for p in pair), kind=str(rng.choice(["tick", "cross"])),
                    ink=ink, pressure=round(pressure, 3),
                    second=round(float(rng.uniform(0.15, 0.6)), 3),
                    stray_dot=bool(rng.random() < 0.12), faint_shadow=bool(rng.random() < 0.1),
                    note=bool(rng.random() < 0.55), steward=bool(rng.random() < 0.3))


def tint_spec(rng: np.random.Generator) -> MarkSpec:
    """A box marked with a light highlighter (one of :data:`TINTS`): alone half the time (one
    mark, whose status a scanner may apply or send to review, never read as blank), else
    beside a tick or cross in another box (a double mark: review). Ink, pressure and
    extras are drawn as :func:`random_spec` draws them."""
    ink = str(rng.choice(list(inkmod.INKS), p=[0.3, 0.5, 0.2]))
    pressure = float(np.clip(rng.normal(1.0, 0.25), 0.5, 1.5))
    tint = str(rng.choice(list(TINTS)))
    pair = tuple(str(p) for p in rng.choice(STATUSES, size=2, replace=False))
    kind = "tint" if rng.random() < 0.5 else str(rng.choice(["tint+tick", "tint+cross"]))
    return MarkSpec(boxes=pair[:1] if kind == "tint" else pair, kind=kind, ink=ink,
                    pressure=round(pressure, 3), tint=tint,
                    stray_dot=bool(rng.random() < 0.12), faint_shadow=bool(rng.random() < 0.1),
                    note=bool(rng.random() < 0.55), steward=bool(rng.random() < 0.3))
