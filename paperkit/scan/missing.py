"""Slips in a photo whose code nothing read: paper the size of a slip, printed on, where no
slip read lies.

A slip whose code no decoder step reads is otherwise simply absent from the scan, and the
person who took the photo has no way to know (bench/RESULTS.md, Decoding, sixteenth session).
The paper of the slips that were read sets what paper and background look like in this
photo; what is as bright as that paper, away from every slip read, about the size of the
slips read near it (far slips look smaller) and no longer than a slip seen at a slant, and
holds edges and ink like print, is taken for a slip that was not read. Paper is looked for
twice: as bright as the slips read, and as much brighter than the table just around it as
they are than theirs (the light each falls in: a slip in a shadow is darker than the table
in the light, but still brighter than the table beside it).

All the thresholds were set on 11 synthetic sets (1,020 photos) and checked on 20 others
never used for them (727 photos). In the scan, with the codes the decoder saw and could not
read (decode.UNREAD_FINDERS), 24 of the 49 slips whose code no step read were reported on
the first sets and 59 of the 254 on the others, and nothing else; most of the rest are
slips of 1-1.5 px a module on 3-megapixel photos and board posters (pale, small, merged),
or slips lying partly under others. The second look, in each piece's own light, and the
length limit came later (bench/RESULTS.md, Decoding, seventeenth session).

A slip cut off by the photo's edge, its code with it or cut through, is paper that runs
out of the photo: looked for the same way, but smaller (:data:`EDGE_MIN_AREA`), and said
apart, with the edge it is cut off at (bench/RESULTS.md, Decoding, twenty-seventh session).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from .geometry import levels

#: The photo is looked at in pixels of SCALE frame pixels (and edges at SCALE / 2).
SCALE = 8
#: Paper must be this many grey levels brighter than the background around the slips read
#: (on a white table, a scan's white bed or a poster nothing can be told apart: no check).
MIN_CONTRAST = 40.0
#: The slips read are left out grown by this much about their centres (bent paper, blur).
GROW = 1.08
#: A slip not read: a piece of paper this many times the median area of the NEAR_SLIPS
#: slips read nearest to it (its print and code, darker, are cut out of the paper mask:
#: about half a slip remains; a photo at a slant shows far slips smaller than near ones:
#: seed-87 set, photo 0090, a far slip's paper was 0.31 of the photo's median slip; on 22
#: sets this says 15 more places where a slip was not read, each on one, and no other)...
MIN_AREA, MAX_AREA = 0.4, 1.3
NEAR_SLIPS = 3
#: ...as solid as a card (its area this share of its convex hull, at least), its hull's
#: least bounding rectangle at most this many times as long as it is wide (a slip is 1.5;
#: seen at a slant, up to 2.3 on 34 sets; a pen lying on the table is 12)...
MIN_SOLID = 0.85
MAX_LONG = 3.5
#: ...whose hull has print's edges over this share of it (a bare lamp spot or a plank of
#: light wood has fewer; grain in a dim photo more)...
MIN_EDGES, MAX_EDGES = 0.2, 0.6
#: ...and this share of its pixels (full size) darker than halfway from the background to
#: the ink of the slips read: printed ink, which wood grain never reaches.
MIN_DARK = 0.003
#: The light each piece falls in is the table's, just around it: the frame opened by a
#: square this share of a slip's width (:func:`view`).
LIGHT_WIDTH = 1.3
#: A piece found only in its own light must stand out from the table just around it (a
#: ring TABLE_RING px of ``small`` wide, slips read left out): a lighter part of the table
#: (a plank of pale wood beside a darker one, narrower than the square the light is found
#: with) looks like paper against the darker plank's light, but it is hardly brighter than
#: what lies just around it, where paper always is. Such a piece is brighter than its ring
#: by under TABLE_STEP grey levels and by under TABLE_SHARE of the slips read's paper over
#: their table in its own light. On 17 sets (1,157 photos): the two pieces that were not
#: slips (pale planks on two wood tables) stood 6 and 9 levels and 0.29 and 0.55 of that
#: above their ring;
#: the 42 slips not read that were found in their own light, 17 levels or more, and 0.62
#: of it or more (the nearest: 17 levels and 1.16; 58 and 0.62). Set on those sets, then
#: checked on five made after (bench/RESULTS.md, Decoding, twentieth session).
TABLE_RING = 4
TABLE_STEP = 13.0
TABLE_SHARE = 0.6
#: A piece that runs out of the photo is a slip cut off at its edge when it passes every
#: check above but has at least EDGE_MIN_AREA of the area a slip has there (half a slip,
#: cut through its code, has 0.4-0.9 of it, with its print cut out; a slip cut just past its
#: code, 0.2 and more), and at most EDGE_MAX_AREA (less than a whole slip's). Found in its
#: own light, MIN_AREA at the least: strips of a wood table's grain along the photo's edge
#: stand out there as a quarter-slip of paper with print-like edges. On 380 crops of 10
#: sets' photos, each cutting one slip at the edge through its code or just past it (100
#: more on a white table or a poster: no check), 307 were said, and nothing else; on 55 sets
#: (3,052 photos, no slip cut off), nothing (bench/RESULTS.md, Decoding, twenty-seventh
#: session).
EDGE_MIN_AREA, EDGE_MAX_AREA = 0.2, 1.2
#: The photo's edges, as said to a person, by where they lie in ``small``.
SIDES = ("left", "top", "right", "bottom")


@dataclass(frozen=True)
class Missing:
    """What :func:`codeless_slips` found: the centres (frame px) of slip-like paper away
    from every slip read (``whole``), and of slip-like paper cut off by the photo's edge,
    each with that edge (``cut``: "left", "top", "right" or "bottom")."""

    whole: list[np.ndarray] = field(default_factory=list)
    cut: list[tuple[np.ndarray, str]] = field(default_factory=list)


@dataclass(frozen=True)
class View:
    """A frame as the paper check looks at it (:func:`view`): at SCALE / 2 and SCALE frame
    px a pixel (``fine``, ``small``), the light each place of ``small`` falls in (the
    table's just around it: :data:`LIGHT_WIDTH`) and ``small`` as a share of it."""

    gray: np.ndarray = field(repr=False)
    fine: np.ndarray = field(repr=False)
    small: np.ndarray = field(repr=False)
    light: np.ndarray = field(repr=False)
    relit: np.ndarray = field(repr=False)


def view(gray: np.ndarray, half: np.ndarray | None, slip_area: float) -> View | None:
    """``gray`` as :func:`codeless_slips` looks at it, for slips of about ``slip_area``
    (frame px²); None when it is too small to look at. ``half``: ``gray`` at half its size
    already (the decoder's first pass made it), or None."""
    h, w = gray.shape
    if min(h, w) < 32 * SCALE:
        return None
    if half is None or half.shape != (h // 2, w // 2):
        half = cv2.resize(gray, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    fine = cv2.resize(half, (w // (SCALE // 2), h // (SCALE // 2)), interpolation=cv2.INTER_AREA)
    small = cv2.resize(fine, (w // SCALE, h // SCALE), interpolation=cv2.INTER_AREA)
    # the table's light: small opened (grey erosion, then dilation) by a square wider than a
    # slip, which takes out anything as bright and smaller (the slips), then smoothed as much
    k = max(3, int(LIGHT_WIDTH * np.sqrt(slip_area / SCALE**2 / 1.5)) | 1)
    table = cv2.morphologyEx(small, cv2.MORPH_OPEN, np.ones((k, k), np.uint8))
    light = np.maximum(cv2.blur(table, (k, k)).astype(np.float32), 4.0)
    return View(gray, fine, small, light, small / light)


def slip_area(slips: list[np.ndarray]) -> float:
    """The median area (px², by the shoelace formula) of the quads ``slips`` (4 × 2 each)."""
    return float(np.median(_areas(slips)))


def _areas(slips: list[np.ndarray]) -> np.ndarray:
    """Each quad's area (px², by the shoelace formula), ``slips`` 4 × 2 each."""
    q = np.asarray(slips, np.float64).reshape(-1, 4, 2)
    return 0.5 * np.abs(np.sum(q[:, :, 0] * np.roll(q[:, :, 1], -1, 1)
                               - np.roll(q[:, :, 0], -1, 1) * q[:, :, 1], axis=1))


def codeless_slips(gray: np.ndarray, slips: list[np.ndarray], half: np.ndarray | None = None
                   ) -> Missing:
    """Pieces of paper in ``gray`` that look like slips but lie where no slip read lies
    (``slips``: each read slip's outline, 4 × 2 frame px), whole or cut off by the photo's
    edge (:class:`Missing`); none when nothing was read (nothing says what a slip looks like
    here). ``half``: ``gray`` at half its size already (the decoder's first pass made it),
    or None."""
    if not slips:
        return Missing()
    areas = _areas(slips)
    area = float(np.median(areas))  # slip_area(slips)
    seen = view(gray, half, area)
    if seen is None:
        return Missing()
    small = seen.small
    read = np.zeros(small.shape, np.uint8)
    grown = np.zeros(small.shape, np.uint8)
    quads = np.asarray(slips, np.float64).reshape(-1, 4, 2)
    centres = quads.mean(axis=1, keepdims=True)
    for q, g in zip(np.round(quads / SCALE).astype(np.int32),
                    np.round((centres + GROW * (quads - centres)) / SCALE).astype(np.int32),
                    strict=True):
        cv2.fillConvexPoly(read, q, 1)
        cv2.fillConvexPoly(grown, g, 1)
    if not read.any() or read.all():
        return Missing()
    (paper,) = levels(small, (0.5,), read)
    (background,) = levels(small, (0.5,), 1 - read)
    if paper - background < MIN_CONTRAST:
        return Missing()
    look = _Look(seen, read, grown, centres[:, 0] / SCALE, areas / SCALE**2)
    plain, own = look.pieces(None, paper, background), look.pieces(*look.own_light())
    return Missing(apart(plain.whole, own.whole, slips),
                   apart(plain.cut, own.cut, slips, at=centre))


def apart(places: list, more, slips: list[np.ndarray], at=lambda p: p) -> list:
    """``places``, then each of ``more`` that lies at least half a slip's diagonal (the
    median of ``slips``, outlines as :func:`codeless_slips` takes them) from every one of
    ``places``: each place said once. ``at``: a place's centre (frame px); the place
    itself by default, ``centre`` for a (centre, edge) pair of :attr:`Missing.cut`."""
    q = np.asarray(slips, np.float64).reshape(-1, 4, 2)
    near = 0.5 * float(np.median(np.hypot(*(q[:, 2] - q[:, 0]).T))) if len(q) else 0.0
    return [*places, *(c for c in more if all(float(np.hypot(*(at(c) - at(o)))) >= near
                                              for o in places))]


def centre(place: tuple[np.ndarray, str]) -> np.ndarray:
    """The centre of a (centre, edge) pair of :attr:`Missing.cut`."""
    return place[0]


class _Look:
    """One photo's paper pieces, looked for in a given light (:meth:`pieces`)."""

    def __init__(self, seen: View, read: np.ndarray, grown: np.ndarray, centres: np.ndarray,
                 areas: np.ndarray):
        self.seen, self.read, self.grown = seen, read, grown
        self.centres, self.areas = centres, areas  # of the slips read, in px of ``small``

    def _area_here(self, at: np.ndarray) -> float:
        """The area (px² of ``small``) a slip has about ``at``: the median of the NEAR_SLIPS
        slips read nearest to it (a photo at a slant shows far slips smaller)."""
        nearest = np.argsort(np.hypot(*(self.centres - at).T))[:NEAR_SLIPS]
        return float(np.median(self.areas[nearest]))

    def own_light(self) -> tuple[np.ndarray, float, float]:
        """The light each place falls in (:class:`View`), and the median paper of the slips
        read and of the table, each in its own light (to 1/32 of the light: from a
        histogram, far faster than ``np.median``)."""
        rel = np.minimum(self.seen.relit * 32.0, 255.0).astype(np.uint8)
        (paper,) = levels(rel, (0.5,), self.read)
        (background,) = levels(rel, (0.5,), 1 - self.grown)
        return self.seen.light, paper / 32.0, background / 32.0

    def pieces(self, light: np.ndarray | None, paper: float, background: float) -> Missing:
        """The slip-like pieces of paper away from the slips read: brighter than halfway
        from ``background`` to ``paper``, in ``light`` (each pixel divided by it; None: grey
        levels as they are), slip-sized, solid, no longer than a slip at a slant, with
        print's edges and ink; whole, or running out of the photo (:data:`EDGE_MIN_AREA`)."""
        small, fine, sh, sw = self.seen.small, self.seen.fine, *self.seen.small.shape
        rel = small if light is None else self.seen.relit
        bright = (rel > (paper + background) / 2).astype(np.uint8)
        bright = cv2.morphologyEx(bright, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
        rest = cv2.morphologyEx(bright & (1 - self.grown), cv2.MORPH_OPEN,
                                np.ones((5, 5), np.uint8))
        # pieces of paper by pixel count (labels and a count, not connectedComponentsWithStats:
        # its statistics cost four times the labelling here), then the few slip-sized ones
        n, labels = cv2.connectedComponents(rest, connectivity=4)
        areas = np.bincount(labels.ravel(), minlength=n)
        out = Missing()
        edges_rel = ink = fine_light = None
        lo, hi = float(self.areas.min()), float(self.areas.max())  # any slip's, first
        edge_min = EDGE_MIN_AREA if light is None else MIN_AREA
        border = np.zeros(n, bool)  # the pieces that run out of the photo
        border[np.concatenate((labels[0], labels[-1], labels[:, 0], labels[:, -1]))] = True
        for i in np.flatnonzero(((areas >= MIN_AREA * lo) | border & (areas >= edge_min * lo))
                                & (areas <= MAX_AREA * hi)):
            if i == 0:
                continue
            ys, xs = np.nonzero(labels == i)
            at = np.array([xs.mean(), ys.mean()])
            x, y, x1, y1 = int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1
            # runs out of the photo: on which side most
            sides = (int(np.sum(xs == 0)), int(np.sum(ys == 0)), int(np.sum(xs == sw - 1)),
                     int(np.sum(ys == sh - 1))) if border[i] else (0, 0, 0, 0)
            least, most = (edge_min, EDGE_MAX_AREA) if border[i] else (MIN_AREA, MAX_AREA)
            here = self._area_here(at)
            if not least * here <= areas[i] <= most * here:
                continue
            piece = (labels[y:y1, x:x1] == i).astype(np.uint8)
            contours, _ = cv2.findContours(piece, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
            hull = cv2.convexHull(max(contours, key=cv2.contourArea)) + np.int32([x, y])
            if areas[i] < MIN_SOLID * max(cv2.contourArea(hull), 1.0):
                continue
            _, (rw, rh), _ = cv2.minAreaRect(hull)
            if max(rw, rh) > MAX_LONG * max(min(rw, rh), 1.0):  # a pen, a ruler
                continue
            inside = np.zeros(small.shape, np.uint8)
            cv2.fillConvexPoly(inside, hull[:, 0, :], 1)
            inside_fine = cv2.resize(inside, (fine.shape[1], fine.shape[0]),
                                     interpolation=cv2.INTER_NEAREST) > 0
            if edges_rel is None:
                fine_light = None if light is None else cv2.resize(
                    light, (fine.shape[1], fine.shape[0]), interpolation=cv2.INTER_LINEAR)
                grad = cv2.morphologyEx(fine, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
                edges_rel = grad if fine_light is None else grad / fine_light
            edges = float(np.mean(edges_rel[inside_fine] > 0.3 * (paper - background)))
            if not MIN_EDGES <= edges <= MAX_EDGES:
                continue
            if ink is None:  # the darkest print of the slips read
                read_fine = cv2.resize(self.read, (fine.shape[1], fine.shape[0]),
                                       interpolation=cv2.INTER_NEAREST)
                ink = levels(fine, (0.01,), read_fine)[0] if fine_light is None else \
                    float(np.percentile((fine / fine_light)[read_fine > 0], 1))
            crop = self.seen.gray[y * SCALE:y1 * SCALE, x * SCALE:x1 * SCALE]
            size = (crop.shape[1], crop.shape[0])
            mask = cv2.resize(inside[y:y1, x:x1], size, interpolation=cv2.INTER_NEAREST) > 0
            if light is not None:
                crop = crop / cv2.resize(light[y:y1, x:x1], size, interpolation=cv2.INTER_LINEAR)
            if float(np.mean(crop[mask] < (ink + background) / 2)) < MIN_DARK:
                continue
            if light is not None and self._part_of_table(inside, paper, background):
                continue
            centre = at * SCALE + SCALE / 2
            if border[i]:
                out.cut.append((centre, SIDES[int(np.argmax(sides))]))
            else:
                out.whole.append(centre)
        return out

    def _part_of_table(self, inside: np.ndarray, paper: float, background: float) -> bool:
        """Whether a piece found in its own light (``inside``: its hull, as ``small``) is
        hardly brighter than the table just around it, as it is and in its own light
        (``paper``, ``background``: the median paper of the slips read and of the table in
        it): a lighter part of the table, not paper (:data:`TABLE_STEP`)."""
        ring = cv2.dilate(inside, np.ones((2 * TABLE_RING + 1,) * 2, np.uint8))
        ring = (ring & (1 - inside) & (1 - self.grown)) > 0
        if not ring.any():
            return False
        piece = inside > 0
        small, relit = self.seen.small, self.seen.relit
        step = float(np.median(small[piece])) - float(np.median(small[ring]))
        own = float(np.median(relit[piece])) - float(np.median(relit[ring]))
        return step < TABLE_STEP and own < TABLE_SHARE * (paper - background)
