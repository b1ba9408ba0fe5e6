"""Read each check box's ink as a score in 0..1, with a confidence.

The strip of boxes is rectified at :data:`K` pixels per slip unit, each box where the pose
found its printed outline; each side of the outline is then found on its own (a box that
looks a little shifted or resized after rectification is read inside its real outline).
Then, inside the outline (inset to where the outline's blur has faded):

- *paper white* is the bright level of the window and *print black* the dark level of the
  printed outline itself, so the scale adapts to the light and to how the photo was exposed;
- *stroke coverage*: the share of interior pixels clearly darker than the paper right around
  them (a local background from a max filter wider than a pen stroke, so a soft shadow across
  the box is not ink); pencil, ballpoint and marker strokes all count;
- *fill*: how dark the interior is overall, for boxes filled in solid;
- *overrun*: ink just outside the box (not on the label side) and joined to it, for ticks
  that run over; on its own it never makes a box more than unsure, a stray dot beside
  the box does not count, and neither does any of it when the box holds no ink at all
  (then it is the box's own outline seen a little off, a dot blurred onto it, or writing
  near it).

The score is 0 for a blank box, 1 for a clear mark; between :data:`BLANK` and :data:`MARKED`
is the unsure band, which sends the slip to review.

A box that reads as marked is also measured for things in a photo that look like ink and
are not: the sharp edge of a shadow (``shade``: its "ink" is no darker than the shadowed
paper around the box), a crease or fold of the paper or a cup ring's rim (``through``: a
line that runs on past the box both ways), something lying on the box such as a pin's head
(``solid``, ``hidden``, ``corner``), writing from the note below reaching up into it
(``tail``), and a dried drop's stain (``shade`` again: the drop darkens the paper around the
box too; ``rim``: a small ring's rim). ``decide.py`` holds such a slip for review.
"""

from __future__ import annotations

import functools
import math
import statistics
from dataclasses import dataclass, replace

import cv2
import numpy as np

from ..layout import slip as S
from ..layout.model import Rect
from .geometry import (
    BOX_PEAK,
    SlipPose,
    below_paper,
    levels,
    outline_scores,
    quad_box,
    turned,
    warp,
)

#: Pixels per slip unit of the rectified box windows.
K = 4.0
#: Scores at or below BLANK are blank; at or above MARKED are marked; between is unsure.
BLANK = 0.15
MARKED = 0.55
#: How far (slip units) the printed outline may be from where the pose puts it.
SEARCH = 1.5
#: Each side of a box's printed outline must show within reach of where the box is read (its
#: darkest line there at least this much darker than the paper, in shares of the contrast,
#: and not at the outer end of the reach); else the box is read off its real place (strongly
#: curled paper: the box lies further or wider than the pose and the outline search reach)
#: and is unclear, whatever its score. Such a window can hold a side of the real outline,
#: which reads as a mark: on a 30-slip set a blank box read 1.0 that way. On the 200-photo
#: set (15,884 boxes) the faintest side of the boxes that pass is 0.45 or more in 99.9 %;
#: 28 fail (17 with a side beyond the reach), and those looked at lay 2-4 units off
#: (bench/RESULTS.md, Box reads).
OUTLINE_SIDE = 0.3
#: Paper-to-print contrast (grey levels) under which a box's outline does not count as
#: found: the band read as the printed line missed it (a box read off its place), or the
#: photo is too dark to tell ink (the box's confidence is 0 there). Printed outlines read
#: 26 or more on the 200-photo set (15,842 boxes; 1 in 1,000 under 38).
MIN_CONTRAST = 20.0
#: Interior inset from the box edge (slip units): half the printed stroke plus blur, which
#: spreads over more slip units the fewer photo pixels a unit has.
INSET = 2.0


def inset_for(ppu: float) -> float:
    """Slip units kept clear of the printed outline, for a photo with ``ppu`` px per unit."""
    return max(INSET, 0.6 + 2.5 / max(ppu, 0.5))
#: Stroke coverage (share of interior pixels) at which a box counts as fully marked, and
#: below which stray specks are ignored.
COVER_FULL = 0.07
COVER_NOISE = 0.012
#: How far outside the box (slip units) ink is looked for; not on the label side.
OVER_REACH = 4.5
#: Darkness (share of paper-to-print contrast) above which a pixel is ink, on top of
#: GRAIN times the strip's paper grain (see :func:`read_boxes`).
INK_LEVEL = 0.2
GRAIN = 1.2
#: The plain threshold for ``BoxRead.faint``, and its cover scale (as COVER_*).
FAINT_LEVEL = 0.33
FAINT_NOISE = 0.02
FAINT_FULL = 0.09
#: Ink inside a box that reaches less than this across (slip units) is a dot, not a stroke.
SPECK = 2.5
#: ``BoxRead.line``, a thin line of ink too light for the ink levels (a light tick in pencil
#: beside a firm mark: bench/RESULTS.md, Box reads, twenty-fourth session): the window is
#: smoothed at LINE_SIGMA slip units and the grey's curvature across a dark line taken at
#: each pixel (the Hessian's larger eigenvalue), and the LINE_TOP strongest pixels
#: of the interior, LINE_INSET units in from the outline (clear of its blur), are averaged:
#: a line some 6 units long lifts them where the paper's grain, scattered, does not.
LINE_SIGMA = 1.0
LINE_INSET = 2.0
LINE_TOP = 100
_LINE_REACH = round(4 * LINE_SIGMA * K) + 2  # px: the smoothing's reach (4 sigma), and Sobel's
#: ``BoxRead.tint``, a box marked with a light grey or pastel highlighter (thirty-fourth
#: session): it darkens the whole box by 8-25 % of the paper's light, too little, and too
#: even, for the ink levels (read against the paper right around each pixel), so such a
#: box read blank (score 0) and a tick beside it was applied. The interior's TINT_LEVEL
#: level (its lighter quarter: a tick's stroke or the paper's grain moves it little) is
#: compared with the paper TINT_RING units above and below the box's outline, the darker
#: of the two (a highlighter's swipe runs along the row, over the label, mostly not above
#: or below the box; a shadow or a lighting gradient darkens the box as one side at least),
#: as a share of that paper's light: light is multiplied by what lies on the paper, so the
#: share does not depend on how dark the print is, or how the photo was exposed.
#: ``decide.shaded_over`` holds the slip for a box at TINT_MIN or more and TINT_OVER more
#: than the middle of the slip's other boxes (a hard shadow's edge along the row shades
#: every box alike); with the photo's colour (``colour.box_colours``), also for one at
#: TINT_FAINT both ways whose inside's colour lies TINT_CHROMA or more (Cb, Cr) from the
#: paper's (a pastel highlighter, lighter than a grey one needs to be), and for one whose
#: colour lies TINT_HUE or more from the paper's 2-4 units above and below it (a pastel
#: swipe wider than the box tints the paper bands the tint is read against too). On the
#: harness (bench/RESULTS.md, Box reads, thirty-fourth session) no box without a mark or a
#: smudge reached any of these but one already unclear, and a faint grey smudge (the
#: harness's ``faint_shadow``, 6-12 % of the light at its middle: not a mark, but no
#: lighter than the lightest highlighter) reaches them on 6 of about 1,500 smudged boxes.
TINT_LEVEL = 0.75
TINT_RING = (1.5, 3.0)
TINT_MIN = 0.06
TINT_OVER = 0.05
TINT_FAINT = 0.02
TINT_CHROMA = 5.0
TINT_HUE = 7.0
#: Ink inside a box that reaches less than ``dot_for(ppu)`` across, all of it (a pen's dot
#: up to DOT units, blurred by DOT_BLUR photo px each way), is unclear at most (score
#: DOT_SCORE): a pen resting in a box is not a mark, and a very small mark is not sure.
DOT = 3.0
DOT_BLUR = 0.75
DOT_SCORE = 0.35


def dot_for(ppu: float) -> float:
    """Slip units under which all of a box's ink, reaching that little across, is a dot or a
    very small mark, for a photo with ``ppu`` px per unit."""
    return DOT + 2 * DOT_BLUR / max(ppu, 0.5)


#: A shadow's sharp edge across a box reads as ink: the paper level is the brightest paper
#: around each pixel (:func:`geometry.below_paper`), so next to the edge the shadowed paper
#: reads darker than it, in a band as wide as a marker stroke. That "ink" is no darker than
#: the shadowed paper just outside the box, where a pen's ink is darker than any paper near
#: it. ``BoxRead.shade`` is how much darker the darker quarter of a box's ink (or, filled
#: in, its interior's middle level: a shadow over most of a box reads as a fill) is than the
#: darkest paper around the box (its 5th percentile, 3.5 units or more from the outline and
#: not on the label's side, once a closing SHADE_CLOSE units wide has wiped strokes and
#: printed lines off it), in shares of the contrast; under SHADE_MIN the mark cannot be
#: told from a shadow's edge (decide.py). Hard shadows 25-60 % dark across blank boxes read
#: 0.005-0.017; the 3,704 marked boxes of the 200-photo set read as marked read 0.05 at
#: least (a light pencil cross on grainy paper), and all but that one 0.217 or more
#: (bench/RESULTS.md, Box reads).
SHADE_MIN = 0.035
#: A phone's local tone mapping (HDR) or strong sharpening brightens the paper along a
#: printed line into a halo, and the paper inside a blank box beside it then reads darker
#: than the paper around it (a max filter's level), as ink: a red team's photos read blank
#: boxes 0.7-1.0 so, or as a trace of ink (bench/RESULTS.md, Box reads, thirty-fifth
#: session). Nothing in such a box is darker than the box's own paper (the window's white),
#: where ink, however light, is: a box with any ink whose outline was read cleanly (so that
#: white is paper) and whose darkest ink (as ``BoxRead.depth``) lies less than HALO_DEPTH
#: of the paper's light below it reads blank, its ink measures all 0. Such boxes read
#: 0.009-0.013; on six harness sets (the 200 set, seed 348, two of light second marks, one
#: of stains, one of pastel highlighters) the boxes with any ink and a clean outline read
#: 0.077 at least holding a mark (11,190) and 0.047 without (3,707); on 12 sets the
#: boxes read as marked, 0.046 at least (about 16,000).
HALO_DEPTH = 0.03
#: A dried drop (coffee, tea, rain: a translucent patch soaked into the paper) over part of
#: a box and past it reads as a filled mark, as dark as a pencil's. It stains the paper
#: around the box too, so its "ink" is little darker than the darkest paper there: under
#: STAIN_SHADE the box may hold a stain (decide.stained). On two stained sets (3,200 slips;
#: `make_photos.py --stains`) 23 of the 33 blank slips a stain gave a status read under 0.2;
#: of the 44,884 marks applied on the 55 sets of the usual harness, 9 (light pencil crosses
#: and ticks, most beside a shadow; the lowest 0.05: see SHADE_MIN) (bench/RESULTS.md, Box
#: reads, twenty-eighth session).
STAIN_SHADE = 0.2
SHADE_CLOSE = 4.0
#: Something pale lying across a box (a beige rubber band) hides part of its printed
#: outline, and at its edge the paper beside it reads as ink, as a shadow's edge does, but
#: a little darker than the paper around (the band is that paper). A box read as marked
#: whose weakest outline side shows less than VEIL_EDGE of the contrast (``BoxRead.edge``)
#: and whose ink is less than VEIL_SHADE darker than the darkest paper around it
#: (``BoxRead.shade``) may be that (decide.veiled). A drawn band read edge 0.50 and shade
#: 0.065; of the 23,264 boxes read as marked with their outline found on 22 synthetic sets
#: none reads both, and one would under 0.65 and 0.1 (bench/RESULTS.md, Box reads).
VEIL_EDGE = 0.6
VEIL_SHADE = 0.1
#: A box filled in darker than this (``fill``, shares of the contrast) is ink: no shadow on
#: paper is that dark, and a solid fill makes the outline hard to place, so some of it can
#: lie in what is read as the paper around.
SHADE_SOLID = 0.8
_SHADE_KERNEL = np.ones((round(SHADE_CLOSE * K) | 1,) * 2, np.uint8)
#: The paper around a box is read this far (px) from its outline and further: a box read
#: a little off its place (the outline of a filled box is hard to place) keeps its own ink
#: out of it, and a shadow reaches it.
_SHADE_GAP = round(3.5 * K)
#: A crease or fold of the paper (or a ruled line) across a box reads as a stroke in it.
#: Unlike a mark, it is straight and runs on past the box both ways: ``BoxRead.through`` is
#: how long (slip units) such a line is in the box's window (the box and PAD units around
#: it): the ink inside the box lies within THROUGH_WIDTH units (standard deviation across
#: it) of one straight line, and ink joined to it lies along that line, past the box, at
#: THROUGH_ON_LINE or more of the points walked out to the window's edge on each side; else
#: 0 (a tick is bent; a stroke that stops at the box does not run on). Only ink darker than
#: the darkest paper around the box by THROUGH_DARK (shares of the contrast) counts: a
#: shadow's edge also runs on past a box, and a tick under it is still a tick. A line that
#: runs on to the window's edges is about 20 to 35 units long there; at THROUGH_MIN or more
#: a box that does not look scribbled over is not read as marked (decide.creased).
THROUGH_MIN = 20.0
THROUGH_WIDTH = 1.0
#: THROUGH_WIDTH holds a pen's stroke, about 1.5 units wide (THROUGH_PEN, the standard
#: deviation across it). A line drawn thicker, or a thing lying across the box (a paper
#: clip's wire with its shadow, 2-3 units wide: a clip on the slip's edge reaches over the
#: box row), spreads wider about as straight a middle: what its own thickness (the median,
#: a px at a time along it, of the ink's spread across it) adds past a pen's is not held
#: against it, up to THROUGH_THICK (about 5 units wide). The median leaves a tick's corner
#: out, where its two strokes lie side by side. A straight line is then fitted again to
#: the ink joined to it within THROUGH_NEAR units of it, past the box too (a line close
#: along a side inside the box takes in some of the outline's blur, and the walk past the
#: box missed it: a staple across a box's corner).
THROUGH_PEN = 0.45
THROUGH_NEAR = 2.0
THROUGH_THICK = 1.5
THROUGH_ON_LINE = 0.8
THROUGH_DARK = 0.05
#: The line may also bend gently, as the rim of a cup's ring does (a coffee stain, 4 cm
#: or more across, 55 units in radius or more): ink inside the box that is not one
#: straight line is fitted with a parabola along it, bent no more than a circle
#: THROUGH_RADIUS units in radius and within THROUGH_WIDTH of it, and the walk past the box
#: follows that parabola, a point on it counting where ink joined to the box's lies within
#: 1.5 px of it, and further out within what the bend allows (the bend is read from the
#: box alone), at most THROUGH_REACH px. Past the box, the line is looked for in a laxer
#: mask, darker than the paper level by THROUGH_LOOSE of the ink threshold: a faint line
#: breaks up at the threshold itself. At 0.5 the bench held 25 more ticks of 19,137 slips
#: (grain joined to a tick's end), at 0.6 8, at 0.7 2, but a faint ring's rim read again.
THROUGH_RADIUS = 20.0
THROUGH_REACH = 3.0
THROUGH_LOOSE = 0.6
_BEND = 1.0 / (2.0 * THROUGH_RADIUS * K)
#: Across a box (at most its diagonal, 20 units), a line bent that much strays from its
#: chord by at most 2.45 units, a spread (standard deviation) of 0.3 times that: with the
#: stroke's own THROUGH_WIDTH, such ink spreads across its line by 1.24 units at most.
_BENT_SPREAD = math.hypot(THROUGH_WIDTH,
                          0.3 * 2.0 * S.BOX_SIZE ** 2 / (8.0 * THROUGH_RADIUS)) * K
#: A dried drop's ring (coffee or tea, 1-2 cm across: RIM_RADIUS units in radius) is
#: rounder than a cup's: its rim across a box reads as a curved stroke, and bends too much
#: to be followed as a crease. ``BoxRead.rim`` (:func:`_drop_rim`) is how long an arc of
#: one such circle runs on past the box on both sides: the ink in the box and joined to it
#: (the printed outline's band left out) lies within RIM_WIDTH units of the circle (its
#: standard deviation off it: a rim is up to 3 units wide), the line's middle, taken a unit
#: of arc at a time, within RIM_ROUND units of it (a pen's rounded tick or swoosh also fits
#: a circle loosely, but bends unevenly: a rim's middle stays on it), and on each side the
#: circle, walked out past the box to the window's edge, for RIM_PAST units at least, has
#: ink joined to the box's within RIM_NEAR units of it at RIM_ON of its points. At RIM_MIN
#: units or more the box may hold a stain (decide.stained). Of the 10 stain-made statuses
#: on the two stained sets that STAIN_SHADE lets pass, 7 hold here; of the 44,884 marks
#: applied on the 55 sets, 341 (rounded ticks and swooshes) fit a circle within 1.5 units,
#: and the two bounds together hold 5 (bench/RESULTS.md, Box reads, twenty-eighth session).
#:
#: A rim soaked into the drop's tinted inside, or blurred, is wider and less even (1.0-1.05
#: and 0.56-0.94 on the six that still applied a status on a stained set of the twenty-ninth
#: session). It is looked for once more within RIM_WIDTH_CLEAR and RIM_ROUND_CLEAR, the
#: walk past the box then finding only ink clear of the printed outline's band: a mark
#: joined to its box's outline finds that outline's blur beside the circle just past the
#: box, and a mark's circle that loose finds it there often (on 8,673 marks of eight sets,
#: read as the scan reads them, these bounds held 9 marks with the band and 1 without it,
#: and 99 and 51 stains read as marked on two stained sets, against 32 and 17 held by the
#: first bounds; bench/RESULTS.md, Box reads, twenty-ninth session).
RIM_RADIUS = (4.0, 30.0)
RIM_WIDTH = 0.9
RIM_ROUND = 0.45
RIM_WIDTH_CLEAR = 1.1
RIM_ROUND_CLEAR = 0.9
RIM_NEAR = 1.5
RIM_ON = 0.8
RIM_PAST = 2.0
RIM_MIN = 4.0
#: Something lying on the slip over a box (a push-pin's head, a pen) reads as ink too. It
#: is solid, wider than any stroke, and it hides the box's printed outline where it lies
#: on it. ``BoxRead.solid`` is how thick (slip units, the widest disc that fits) the
#: thickest mass darker than the paper white by SOLID_DARK of the contrast is where it
#: lies more than SOLID_GAP units outside the box's outline; ``BoxRead.hidden`` is the
#: longest stretch (slip units) of the outline that does not show darker than the paper
#: just outside it (HIDDEN_BAND units out) by OUTLINE_SEEN of the contrast. A stroke across
#: the outline hides it over its own width; a shadow hides nothing, the outline shows
#: darker than the shadowed paper, though that paper may read as a solid mass. Both at
#: SOLID_MIN and HIDDEN_MIN or more: the box is not read as marked (decide.covered). On
#: 14 bench sets, 1 of the 16,091 boxes read as marked with their outline found reaches
#: both (a marker fill run well over its box in a small photo, on a slip in review
#: already); of the push-pin heads drawn over a box that read as marked, 55 of 71 do, and
#: a deep hard shadow beside a ticked box reads a solid mass but hides at most 4 units
#: (bench/RESULTS.md, Box reads).
SOLID_DARK = 0.5
SOLID_GAP = 1.5
SOLID_MIN = 7.0
HIDDEN_MIN = 6.0
HIDDEN_BAND = (1.0, 2.5)
OUTLINE_SEEN = 0.15
#: A rubber band around the slip, across a box, reads as a filled box. It is thicker than
#: a pen's line (the crease check leaves it), and a band 5-8 units wide is thinner than a
#: pin's head and hides less of the outline. But it runs straight through the box and out
#: of the box's window on both sides, as thick as it is inside, as a mark does not.
#: ``BoxRead.band`` is that thickness (slip units; the widest disc that fits where the ink
#: or dark mass joined to the box leaves the window, the thinner of two such places on a
#: line through the box), or 0; at BAND_MIN or more the box is not read as marked
#: (decide.banded). A mass covering more than BAND_EDGE of the window's edge is a shadow
#: or the table, not something lying on the slip. Of 1,050 bands drawn at random across
#: boxes, 20 applied a status before, 1 after (a light beige band read as a faint fill,
#: too pale for this check: see VEIL_EDGE), and none now.
#: With the threshold at 4.5, one of the 17,721 boxes read as marked on the 19 bench sets
#: read more than 0: 4.59, a black marker's scribble striking a box out (a slip in review
#: anyway); bands drawn across a box read 6.2-8.1 (bench/RESULTS.md, Box reads).
BAND_MIN = 5.5
BAND_EDGE = 0.4
#: An object about the size of a box (a round pin head) can be taken for the box itself
#: and read as filled in. A printed box has four dark corners; a disc leaves the square's
#: corners paper. ``BoxRead.corner`` is how dark the lightest corner of the outline is
#: (the darkest point within CORNER_REACH units of it, in shares of the contrast); under
#: CORNER_MIN the box is not read as marked. On the bench sets 3 of the 16,091 boxes
#: read under it, each a real mark in a box read a little off square (curled paper, a box
#: found again); those three slips (of 19,137) now go to review.
CORNER_REACH = 1.0
CORNER_MIN = 0.1
#: Writing in the after-action note, printed 6 units below the box row, can reach up into a
#: box (a tall letter's loop or stem) and read as a mark there. ``BoxRead.tail`` is how far
#: from the box the ink that runs out of it through its bottom side reaches, followed up to
#: TAIL_REACH units; printed rules are not followed (a row of at most RULE_THICK units that
#: ink runs RULE_SHARE of the box's width along: the box's own side, the note's outline),
#: only strokes across them (ink within RULE_BRIDGE units on both sides), and neither is a
#: shadow's edge (as for THROUGH_DARK) nor anything TAIL_BLOB units wide or more (the table
#: past the paper's edge). At TAIL_MIN or more the box is not read as marked
#: (decide.written). Drawn note writing reaching into a blank box reads 11 or more; on the
#: 19 bench sets, every tick, cross and fill not in review for another reason reads 7.6 or
#: less, but one (a cross in a blurred photo whose strokes ran into the note's printed
#: label: 14.6).
#: Only a mark in a box counts, but a person may circle a box's label instead, and the
#: change the slip asks for would be lost without a word. ``BoxRead.label`` is the size
#: (slip units) of the largest piece of ink in the band LABEL_BAND above the label's printed
#: line (x from the box's right side, y from its top: x0, x1, y0, y1), where nothing is
#: printed; at LABEL_MIN or more, a slip with no box marked goes to review
#: (decide.by_label). Drawn circles read 12.75-21; on the 19 bench sets, 5 blank slips read
#: 4-4.75 (a label's blur, curled) and one 13.75. A tick beside the box, on its label, only
#: flicks 3.25-4.25 into the band: it is not told from those and still reads as no mark.
LABEL_BAND = (9.0, 44.0, -2.5, 0.3)
LABEL_MIN = 6.0
#: Only a mark in a box counts, but a person may write beside a label instead (a name after
#: "taken", a day after "done", a reason after "stuck"), and the word's end may run into the
#: next box, which then reads as marked (red team, round seven: 14 of 24 such words applied
#: the next box's status). Nothing is printed in the band BEFORE_BAND left of a box (x0 and
#: x1 from the box's left side, y0 and y1 from its top and bottom: past the label before
#: it, "taken" the widest at 8 pt, and short of the box's own outline). A tick may start
#: left of its box, its stroke running on into it; a word written there starts further
#: out, after the label. ``BoxRead.before`` is how far left of the box (slip units) the ink
#: in the band reaches, of pieces BEFORE_PIECE units long or more (larger than a pen's
#: stray dot: the harness's marker dots read about 4), not running across the band's whole
#: height (the slip's cut edge, a shadow's edge) nor lying along its top or bottom edge,
#: low, or the band's whole length (a shadow's edge along the row); measured only for a
#: box that would count as marked, and not for the taken box (the slip's edge lies before
#: it). At BEFORE_MIN or more the box is not read as marked (decide.beside). The red team's words
#: read 11-14 (three written shallower into the box, 7-8.5); on 14 harness sets (18,739
#: slips read) no marked box reads 9 or more (the nearest a blurred dot, 8.25), and one
#: stained blank slip, applied before, does (13.75).
BEFORE_BAND = (-14.0, -2.5, -2.0, 2.0)
BEFORE_PIECE = 5.5
BEFORE_MIN = 9.0
#: Something lying across the slip from its edge (a paper clip clipped on it) may lie with
#: its end in a box: the wire's turn there reads as a mark, and the wire runs on along the
#: box row to the slip's edge. ``BoxRead.reach`` is how far the ink joined to the box's own
#: (its mark and its printed outline) runs past where a mark's may: REACH_SLACK units out
#: of the box's left side (a tick's start, a cross's arm, a fill run over, blurred), or
#: REACH_LABEL units right of the box (its label's space: a mark touching its label joins
#: it); looked for REACH_PAST units further, in the box's rows and REACH_ROW units above and
#: below. At REACH_MIN or more the box is not read as marked (decide.reaching). On the 200
#: bench photos and another 100 (4,574 boxes read as marked, struck-out ones included) ink
#: runs out of a box's left side at most 8 units and never past a label's space; a clip's
#: end in a box reads 3 or more (it runs to the slip's edge: 3-3.5 from the taken box's,
#: 14 units away, more from the others). Only a box whose joined ink runs out of its window
#: sideways is followed (:func:`_sideways`).
REACH_K = 2.0
REACH_ROW = 3.0
REACH_CLEAR = 2.0
REACH_SLACK = 9.0
REACH_LABEL = 44.0
REACH_PAST = 8.0
REACH_MIN = 2.0
TAIL_REACH = 14.0
TAIL_MIN = 9.0
RULE_SHARE = 0.5
RULE_THICK = 3.0
RULE_BRIDGE = 3.0
TAIL_BLOB = 8.0


@dataclass(frozen=True)
class BoxRead:
    """One box: ``score`` 0 (blank) .. 1 (clearly marked); ``confidence`` 0..1 that the score
    is on the right side of the unsure band. ``cover``/``fill``/``over`` are the raw measures
    (shares of the interior, contrast units), ``contrast`` paper minus print in grey levels;
    ``outline`` is whether the printed outline was found near where the pose put it, each of
    its four sides where the box is read (``edge``: the faintest side's darkness, in shares
    of the contrast; below OUTLINE_SIDE the box is read off its real place);
    ``grain`` how much darker plain paper is than the local paper level (grey levels);
    ``spread`` the ink cover of the emptiest of the interior's 3 × 3 cells (high only when
    ink covers the whole box: filled in, or scribbled over to strike it out); ``crossings``
    the fewer, of the left and right sides, of separate strokes that run out across that
    side of the outline (a scribble's back-and-forth turns: 2 or more on both sides), and
    ``sides`` the smaller share of that side's height where ink runs out across it (tight
    turns blur into one run); ``faint`` the ink cover by the plain contrast threshold,
    without the grain term (a faint mark shows here, and so does grain: see
    ``decide.faint_marks``); ``shade`` how much darker its ink is than the darkest paper
    around the box (under SHADE_MIN it may be a shadow's edge: see :data:`SHADE_MIN`);
    ``through`` how long a line of ink (straight, or gently bent) running through the box
    and on past it both ways is in the box's window (a crease, or a cup ring's rim: see
    :data:`THROUGH_MIN`), or 0; ``rim`` how long an arc of a small circle running through
    the box is found past it on both sides (a dried drop's ring: see :data:`RIM_MIN`), or 0;
    ``solid`` how thick the thickest dark mass just outside the box is, ``hidden`` the
    longest stretch of its outline that does not show (measured only when ``solid`` is at
    SOLID_MIN), and ``corner`` how dark its outline's lightest corner is (something lying
    on the box: see :data:`SOLID_MIN`, :data:`CORNER_MIN`), and ``tail`` how far from the
    box the ink running out through its bottom side reaches (writing from the note below:
    see :data:`TAIL_MIN`), and ``band`` how thick a mass running through it and out of its
    window both ways is (a rubber band: see :data:`BAND_MIN`). The last eight are measured
    only for a box that would count as marked. ``label`` is the size of the largest piece
    of ink just above the box's printed label (a label circled instead of the box marked:
    see :data:`LABEL_MIN`), for every box. ``depth`` and ``stand``, for a box that would
    count as marked, are how much darker than its paper its darkest ink is, as a share of
    the paper's light and in multiples of the paper's grain (:func:`_ink_depth`: a pen's
    stroke is dark whatever the print; the paper's grain or a noisy photo's speckle read as
    ink on a pale print is not: ``pipeline.PALE_INK_DEPTH``). ``line``, for every box, how
    strongly a thin line of ink shows in its interior, however light (:func:`_lines`:
    curvature in grey levels, only to compare with the slip's other boxes:
    ``decide.light_lines``). ``tint``, for every box, how much darker its interior's lighter
    part is than the paper just above and below it, as a share of that paper's light
    (:func:`_tints`: a light grey or pastel highlighter, too light to read as ink: see
    :data:`TINT_MIN`)."""

    score: float
    confidence: float
    cover: float
    fill: float
    over: float
    contrast: float
    outline: bool = True
    grain: float = 0.0
    spread: float = 0.0
    crossings: int = 0
    sides: float = 0.0
    faint: float = 0.0
    edge: float = 1.0
    shade: float = 1.0
    through: float = 0.0
    solid: float = 0.0
    hidden: float = 0.0
    corner: float = 1.0
    tail: float = 0.0
    label: float = 0.0
    reach: float = 0.0
    band: float = 0.0
    depth: float = 0.0
    stand: float = 0.0
    line: float = 0.0
    rim: float = 0.0
    tint: float = 0.0
    before: float = 0.0


def band_confidence(score: float) -> float:
    """0.5 at the unsure band's edges, 1 at 0 and 1, falling to 0 mid-band."""
    if score <= BLANK:
        return 1.0 - 0.5 * score / BLANK
    if score >= MARKED:
        return 0.5 + 0.5 * (score - MARKED) / (1.0 - MARKED)
    half = (MARKED - BLANK) / 2
    return 0.5 * abs(score - (BLANK + half)) / half


#: Each box is read in a window of its own, the box PAD units in from each side (slip units).
PAD = SEARCH + 4.0
_SIZE = round(S.BOX_SIZE * K)  # the box, window px
_N = round((S.BOX_SIZE + 2 * PAD) * K)  # the window, px
_C = round(PAD * K)  # where the box's top-left corner is expected in its window, px
_UNIT = round(K)
_PAST = round(1.5 * K), round(2.5 * K)  # below a box's outline, clear of its blur
_BAND = max(1, round(0.6 * K))  # half the band read as the printed outline, px


def read_boxes(gray: np.ndarray, pose: SlipPose) -> dict[str, BoxRead]:
    """Every status box's read, by box name (in printed order). One rectified strip holds
    all four boxes (each where the pose found its outline); the paper level is computed
    once over it, and the four boxes are measured together where they can be.

    The paper level is a max filter, so on grainy paper, a textured table seen through it,
    or a noisy dark photo it sits above most paper pixels: the median of how much darker
    the strip is than it (mostly paper) is that grain, and ink must be darker than GRAIN
    times it on top of INK_LEVEL of the contrast.

    A box whose outline does not show on every side is looked for once more as the one
    four-sided outline of its size near there (:func:`geometry.quad_box`: curled paper shears
    a box out of square) and read inside it, kept only when that read's outline checks pass."""
    names = list(S.BOXES)
    wins = [S.BOXES[n].translate(*pose.boxes.get(n, (0.0, 0.0))).inset(-PAD) for n in names]
    strip = Rect(min(w.x0 for w in wins), min(w.y0 for w in wins),
                 max(w.x1 for w in wins), max(w.y1 for w in wins))
    img = warp(gray, pose.H, strip, K)
    below = _below_paper(img)
    win = np.empty((len(names), _N, _N), np.uint8)
    win_below = np.empty_like(win)
    seen = {}  # each box's window: its homography, where it is (then where its outline is,
    # the darkest paper around it, and whether ink runs out past its bottom side)
    for i, (name, w) in enumerate(zip(names, wins, strict=True)):
        seen[name] = pose.H, w
        if name in pose.turns or name in pose.quads:  # on curled paper: read it square
            r = S.BOXES[name].translate(*pose.boxes[name])  # to its own outline
            H = pose.quads.get(name)
            if H is None:
                H = turned(pose.H, ((r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2), pose.turns[name],
                           pose.squeezes.get(name, 1.0), pose.stretches.get(name, 1.0))
            seen[name] = H, w
            win[i] = warp(gray, H, w, K)
            win_below[i] = _below_paper(win[i])
        else:
            x0, y0 = round((w.x0 - strip.x0) * K), round((w.y0 - strip.y0) * K)
            win[i] = img[y0:y0 + _N, x0:x0 + _N]
            win_below[i] = below[y0:y0 + _N, x0:x0 + _N]
    # a box found as a four-sided shape: its outline looked for again in its window
    placed = [n in pose.boxes and n not in pose.quads for n in names]
    strip_hist = cv2.calcHist([below], [0], None, [256], [0, 256]).reshape(256, 1)
    inset = inset_for(pose.ppu)
    dot = dot_for(pose.ppu)
    first, sides = _read_all(win, win_below, placed, inset, strip_hist, dot)
    reads = dict(zip(names, first, strict=True))
    for name, w, (at, paper, leaves, sideways) in zip(names, wins, sides, strict=True):
        seen[name] = seen[name][0], _outline_at(w, at), paper, leaves, sideways
    for i, name in enumerate(names):  # no outline on every side: sheared out of square,
        if reads[name].outline:  # found as a four-sided shape
            continue
        if name in pose.quads:  # looked for in its window already: read where it is
            one, one_below, tries = win[i], win_below[i], (True,)
            H, w = pose.quads[name], wins[i]
        else:
            found = quad_box(gray, pose.H, pose.boxes, name, pose.boxes.get(name))
            if found is None:
                continue
            off, H = found
            w = S.BOXES[name].translate(*off).inset(-PAD)
            one = warp(gray, H, w, K)
            one_below, tries = _below_paper(one), (False, True)
        for placed_here in tries:  # looked for around the shape, then where the shape is
            (again,), (at,) = _read_all(one[None], one_below[None], [placed_here], inset,
                                        strip_hist, dot)
            if again.outline:
                reads[name] = again
                seen[name] = H, _outline_at(w, at[0]), *at[1:]
                break
    for name in names:  # hand ink above its printed label (circled)
        b, (H, r) = reads[name], seen[name][:2]
        if b.contrast >= MIN_CONTRAST:
            label = _label_ink(gray, H, below if H is pose.H else None, strip, r,
                               INK_LEVEL * b.contrast + GRAIN * b.grain)
            if label:
                reads[name] = replace(b, label=round(label, 2))
    for name, b in reads.items():  # only a box that would count as marked (decide.written,
        H, box, paper, leaves, sideways = seen[name]  # decide.reaching)
        if not (b.score >= MARKED and b.outline):
            continue
        if leaves:  # ink just out past its bottom side
            b = replace(b, tail=round(_tail(gray, H, box, paper, b.contrast, b.grain), 2))
        if sideways:  # ink out to the window's side
            b = replace(b, reach=round(_reach(gray, H, box, paper, b.contrast, b.grain), 2))
        if name != "taken":  # (the slip's edge lies before the taken box)
            before = _ink_before(gray, H, below if H is pose.H else None, strip, box,
                                 INK_LEVEL * b.contrast + GRAIN * b.grain)
            if before:
                b = replace(b, before=round(before, 2))
        reads[name] = b
    return reads


#: A slip struck out as a whole (a slash or a cross from corner to corner) with one box
#: ticked: the stroke may miss every box (a slash from the top left corner passes between
#: the stuck box and its label), and the tick was applied. Nothing is printed in the band
#: STRUCK_BAND (slip units: x0 from the taken box's left side, x1 from the stuck box's
#: right side but short of the code's printed letters, y0 and y1 as printed; moved with the
#: boxes where their outlines were found) between the printed lines above and the box row,
#: so a piece of ink that runs across all of its height there, not from either end of it
#: (the slip's own edge on curled paper, the table past it), is a stroke across the slip
#: (pipeline: the slip goes to review). Any stroke from the slip's top edge to its bottom
#: edge crosses the band; a tick's arm reaches only a few units above its box.
STRUCK_BAND = (4.0, 14.0, 93.0, 111.0)
#: Pixels per slip unit the band is read at: about a 12 MP photo's own (a pen's stroke
#: still 1.5 px or more across), a quarter of the pixels of the box windows' K.
STRUCK_K = 2.0
#: A slash a little shallower than the slip's diagonal leaves the band by its right end
#: (short of the code's printed letters) before it reaches the band's bottom: a piece of
#: ink that runs from the band's top out of its right end, over STRUCK_END of its height
#: but not to its bottom, is a stroke across the slip too (a red team's such slashes over
#: a ticked slip applied the tick, 20 of 72). Nothing printed lies there; the code's
#: letters, were the band placed on them, are under half its height. A dried drop by the
#: stuck box reaches the band's bottom (on a stained set, 10 such pieces, each to the
#: bottom: counted, they held 10 clear slips).
STRUCK_END = 0.6


def struck_across(gray: np.ndarray, pose: SlipPose, reads: dict[str, BoxRead]) -> bool:
    """Whether ink runs across the whole height of the slip's blank band above its box row
    (:data:`STRUCK_BAND`), clear of the band's ends, or from its top out of its right end
    (:data:`STRUCK_END`): a stroke across the slip, which may strike the slip out. Ink is
    what a box read takes for it (the boxes' middle contrast and grain, ``reads``)."""
    x0, x1, y0, y1 = STRUCK_BAND
    found = [pose.boxes[n] for n in S.BOXES if n in pose.boxes]
    dx, dy = (statistics.median(o[i] for o in found) if found else 0.0 for i in (0, 1))
    left = S.BOXES["taken"].x0 + pose.boxes.get("taken", (dx, 0.0))[0] + x0
    right = S.BOXES["stuck"].x1 + pose.boxes.get("stuck", (dx, 0.0))[0] + x1
    band = Rect(left, y0 + dy, max(min(right, S.CODE_TEXT.x0 - 4.0), left + 40.0),
                max(y1 + min((o[1] for o in found), default=0.0), y0 + dy + 10.0))
    thresh = (INK_LEVEL * statistics.median(b.contrast for b in reads.values())
              + GRAIN * statistics.median(b.grain for b in reads.values()))
    k = STRUCK_K
    mask = (below_paper(warp(gray, pose.H, band, k), k) > thresh).view(np.uint8)
    if not cv2.countNonZero(mask):
        return False
    stats = cv2.connectedComponentsWithStats(mask, connectivity=8)[2]
    rows, cols = mask.shape
    return any((h >= rows - k and x > 0 and x + w < cols)
               or (x > 0 and x + w == cols and y == 0 and STRUCK_END * rows <= h < rows)
               for x, y, w, h, _ in stats[1:].tolist())


def _joined(mask: np.ndarray, seed) -> np.ndarray:
    """What of ``mask`` (bool or 0/1 uint8) is joined (8-connected) to its pixels at
    ``seed`` (an index of it: a pair of slices, or a bool mask of its shape), as a bool
    mask."""
    n, labels = cv2.connectedComponents(mask.view(np.uint8), connectivity=8)
    keep = np.zeros(n, bool)
    keep[labels[seed]] = True
    keep[0] = False  # not the mask itself
    return keep[labels]


def _sideways(ink: np.ndarray, inner: tuple[slice, slice]) -> bool:
    """Whether the ink in a box's window (``ink``, its mask) joined to the ink inside the box
    (``inner``) runs out to the window's left or right edge."""
    own = _joined(ink, inner)
    return bool(own[:, 0].any() or own[:, -1].any())


def _reach(gray: np.ndarray, H: np.ndarray, box: Rect, paper: float | None, contrast: float,
           grain: float) -> float:
    """``BoxRead.reach``: how far (slip units) the ink joined to the box's own (its mark and
    its printed outline) runs along the box row past where a mark's ink may reach: more
    than REACH_SLACK units out of the box's left side, or past its label's space on the
    right (REACH_LABEL units from the box); 0 if it does not. Read at REACH_K px a unit
    (a wire is thick); ink is as for :func:`_tail` (darker than the darkest ``paper``
    around the box, nothing TAIL_BLOB units wide or more: the table past the slip's
    edge)."""
    k = REACH_K
    a = REACH_ROW
    left, right = REACH_SLACK + REACH_MIN + REACH_PAST, REACH_LABEL + REACH_PAST
    img = warp(gray, H, Rect(box.x0 - left, box.y0 - a, box.x1 + right, box.y1 + a), k)
    ink = _hand_ink(img, k, paper, contrast, grain)
    x0, y0 = round(left * k), round(a * k)
    x1, y1 = x0 + round(box.width * k), y0 + round(box.height * k)
    m = round(REACH_CLEAR * k)  # the interior, clear of the outline
    _, xs = np.nonzero(_joined(ink, (slice(y0 + m, y1 - m), slice(x0 + m, x1 - m))))
    if xs.size == 0:
        return 0.0
    past_left = (x0 - int(xs.min())) / k - REACH_SLACK
    past_right = (int(xs.max()) + 1 - x1) / k - REACH_LABEL
    return max(past_left, past_right, 0.0)


_INSIDE = round(3.0 * K)
_OUT_AT = slice(_INSIDE + _BAND + 2, _INSIDE + _BAND + 2 + round(K))  # just out past the line
_TWO = round(2 * K)
_EDGE = np.ones((5, 5), np.uint8)
#: Anything TAIL_BLOB units wide or more, at K and at REACH_K px a unit.
_BLOBS = {k: np.ones((round(TAIL_BLOB * k),) * 2, np.uint8) for k in (K, REACH_K)}


def _hand_ink(img: np.ndarray, k: float, paper: float | None, contrast: float,
              grain: float) -> np.ndarray:
    """The mask (uint8, 0/1) of hand ink in ``img`` (``k`` px a unit, k in _BLOBS) around a
    box: ink as the box is read (``contrast``, ``grain``: INK_LEVEL, GRAIN), darker than the
    darkest ``paper`` around the box (if measured: not a shadow's edge) by THROUGH_DARK of
    the contrast, and not within what is dark TAIL_BLOB units wide or more (the table past
    the paper's edge)."""
    ink = (below_paper(img, k) > INK_LEVEL * contrast + GRAIN * grain).view(np.uint8)
    dark = ink
    if paper is not None:  # darker than any paper around the box: not a shadow's edge
        dark = (img < paper - THROUGH_DARK * contrast).view(np.uint8)
        ink &= dark
    ink &= 1 - cv2.dilate(cv2.morphologyEx(dark, cv2.MORPH_OPEN, _BLOBS[k]), _EDGE)
    return ink


_ROW = round(2 * SEARCH * K)


def _tail(gray: np.ndarray, H: np.ndarray, box: Rect, paper: float | None, contrast: float,
          grain: float) -> float:
    """``BoxRead.tail``: how far (slip units) from the box (about at ``box``, slip units of
    ``H``) the ink that runs out of it through its bottom side reaches, followed up to
    TAIL_REACH units; 0 if none does. Ink is as the box is read (``contrast``, ``grain``:
    INK_LEVEL, GRAIN), and darker than the darkest ``paper`` around the box (if measured:
    not a shadow's edge) by THROUGH_DARK of the contrast; printed rules (the side's own
    line, the note's outline) are not followed, only strokes across them
    (:func:`_unruled`), and neither is anything TAIL_BLOB units wide or more."""
    reach = TAIL_REACH
    img = warp(gray, H, Rect(box.x0 - reach, box.y1 - 7.0, box.x1 + reach, box.y1 + reach), K)
    ink = _hand_ink(img, K, paper, contrast, grain)
    x0, x1 = round(reach * K), round((box.width + reach) * K)  # the box's columns
    # the side's line: of the rows near there that ink runs most fully across (a box read
    # where the pose put it may be off its outline by more than a unit), the nearest
    at = round(7.0 * K)
    across = ink[at - _ROW:at + _ROW + 1, x0:x1].mean(axis=1)
    full = np.flatnonzero(across >= across.max() - 0.05) - _ROW
    row = at + int(full[np.argmin(np.abs(full))])
    top = row - _INSIDE  # the lowest few units inside the box
    out = _unruled(np.ascontiguousarray(ink[top:]), _INSIDE - _BAND - 1, slice(x0, x1))
    inner = (slice(0, _INSIDE - _BAND), slice(x0 + _BAND + 1, x1 - _BAND - 1))
    # nothing inside, or nothing just out past the side's line (a corner's width aside)
    if not out[inner].any() or not out[_OUT_AT, x0 - _TWO:x1 + _TWO].any():
        return 0.0
    ys, xs = np.nonzero(_joined(out, inner))
    dx = np.maximum(np.maximum(x0 - xs, xs - x1), 0)
    dy = np.maximum(ys - _INSIDE, 0)
    return float(np.sqrt((dx * dx + dy * dy).max())) / K


_BRIDGE = round(RULE_BRIDGE * K)
_ACROSS = np.ones((1, 2 * _BRIDGE + 1), np.uint8)
_THICK = round(RULE_THICK * K)


def _unruled(mask: np.ndarray, start: int, cols: slice) -> np.ndarray:
    """``mask`` (uint8, 0/1) without its printed rules (a box's side, the note's outline):
    from row ``start`` on, each run of at most RULE_THICK units of rows where ink covers
    RULE_SHARE of the columns ``cols`` or more (and the row each side), except where a
    stroke crosses it (ink within RULE_BRIDGE units of the run on both sides, as far
    across). A wider run is ink (thick writing), not a rule."""
    dense = mask[:, cols].mean(axis=1) >= RULE_SHARE
    dense[:start] = False
    steps = np.diff(np.concatenate(([0], dense.view(np.int8), [0])))
    out = mask
    for a, b in zip(np.flatnonzero(steps > 0), np.flatnonzero(steps < 0), strict=True):
        if b - a > _THICK:
            continue
        a, b = max(0, a - 1), min(len(mask), b + 1)
        up = mask[max(0, a - _BRIDGE):a].any(axis=0)
        down = mask[b:b + _BRIDGE].any(axis=0)
        crossed = cv2.dilate(up.view(np.uint8)[None], _ACROSS) & cv2.dilate(
            down.view(np.uint8)[None], _ACROSS)
        if out is mask:
            out = mask.copy()
        out[a:b] &= crossed
    return out


def _label_ink(gray: np.ndarray, H: np.ndarray, below: np.ndarray | None, strip: Rect,
               box: Rect, thresh: float) -> float:
    """``BoxRead.label`` of ``box`` (its outline, slip units of ``H``): the longest side
    (slip units) of the bounding box of each piece of ink (``thresh`` darker than the paper)
    in the band LABEL_BAND above the box's printed label, not running across all of it (a
    crease, a shadow's edge); 0 if none (:func:`_band_ink`)."""
    a0, a1, b0, b1 = LABEL_BAND
    band = Rect(box.x1 + a0, box.y0 + b0, box.x1 + a1, box.y0 + b1)
    return _band_ink(gray, H, below, strip, band, thresh)


def _ink_before(gray: np.ndarray, H: np.ndarray, below: np.ndarray | None, strip: Rect,
                box: Rect, thresh: float) -> float:
    """``BoxRead.before`` of ``box`` (its outline, slip units of ``H``; see BEFORE_BAND):
    how far left of it ink reaches in the band before it, ``thresh`` darker than the paper
    (:func:`_band_part`); 0 if none."""
    a0, a1, b0, b1 = BEFORE_BAND
    band = Rect(box.x0 + a0, box.y0 + b0, box.x0 + a1, box.y1 + b1)
    mask = (_band_part(gray, H, below, strip, band) > thresh).view(np.uint8)
    if not cv2.countNonZero(mask):
        return 0.0
    stats = cv2.connectedComponentsWithStats(mask, connectivity=8)[2]
    rows, cols = mask.shape
    left = cols
    for x, y, width, height, _ in stats[1:].tolist():
        if max(width, height) < BEFORE_PIECE * K or height >= rows - 1:
            continue  # a dot; or the slip's edge, a shadow's, running across the band
        if (y == 0 or y + height == rows) and (width >= cols - 1 or height < BEFORE_PIECE * K):
            continue  # a shadow's edge or a crease along the row, from above or below
        left = min(left, x)
    return 0.0 if left == cols else (cols - left) / K - a1


def _band_part(gray: np.ndarray, H: np.ndarray, below: np.ndarray | None, strip: Rect,
               band: Rect) -> np.ndarray:
    """The below-paper levels of ``band`` (slip units of ``H``), cut from ``below`` (those
    of the strip ``strip``, rectified with ``H``) where the strip holds it, else rectified
    from ``gray`` on its own (a box on curled paper: turned with it)."""
    if (below is not None and strip.x0 <= band.x0 and band.x1 <= strip.x1
            and strip.y0 <= band.y0 and band.y1 <= strip.y1):
        x0, y0 = round((band.x0 - strip.x0) * K), round((band.y0 - strip.y0) * K)
        return below[y0:y0 + round(band.height * K), x0:x0 + round(band.width * K)]
    return below_paper(warp(gray, H, band, K), K)


def _band_ink(gray: np.ndarray, H: np.ndarray, below: np.ndarray | None, strip: Rect,
              band: Rect, thresh: float) -> float:
    """The longest side (slip units) of the bounding box of each piece of ink (``thresh``
    darker than the paper) in ``band`` (slip units of ``H``, :func:`_band_part`), not
    running across all of it (a crease, a shadow's edge); 0 if none."""
    mask = (_band_part(gray, H, below, strip, band) > thresh).view(np.uint8)
    if not cv2.countNonZero(mask):
        return 0.0
    stats = cv2.connectedComponentsWithStats(mask, connectivity=8)[2]
    w = mask.shape[1]
    best = 0
    for _, _, width, height, _ in stats[1:].tolist():
        if width < w - 1:  # not across all of it
            best = max(best, width, height)
    return best / K


def _outline_at(window: Rect, sides: tuple[int, int, int, int]) -> Rect:
    """Where a box's outline is, slip units: ``sides`` (x0, x1, y0, y1) found in its
    window, taken at ``window`` (slip units) at K px a unit."""
    x0, x1, y0, y1 = sides
    return Rect(window.x0 + x0 / K, window.y0 + y0 / K, window.x0 + x1 / K, window.y0 + y1 / K)


def _below_paper(img: np.ndarray) -> np.ndarray:
    """:func:`geometry.below_paper` of a window at K px per unit."""
    return below_paper(img, K)


def _hist_cols(parts: list[np.ndarray]) -> np.ndarray:
    """The grey-level histogram (256 × B, float32 counts) of each of the B ``parts`` (uint8
    arrays): for a few large parts, in one pass over them all."""
    if sum(p.size for p in parts) < 8000:
        return np.stack([cv2.calcHist([p], [0], None, [256], [0, 256]).ravel() for p in parts],
                        axis=1)
    sizes = tuple(p.size for p in parts)
    lab = _LABELS.get(sizes)
    if lab is None:
        lab = np.repeat(np.arange(len(parts), dtype=np.uint8), sizes)[None, :]
        if len(_LABELS) < 64:
            _LABELS[sizes] = lab
    vals = np.concatenate([p.ravel() for p in parts])[None, :]
    return cv2.calcHist([vals, lab], [0, 1], None, [256, len(parts)],
                        [0, 256, 0, len(parts)]).reshape(256, len(parts))


#: Label rows for :func:`_hist_cols`, by the parts' sizes (the same few come back).
_LABELS: dict[tuple[int, ...], np.ndarray] = {}


def _levels_cols(hist: np.ndarray, fractions: np.ndarray) -> list[float]:
    """Per column of ``hist`` (256 × B counts, none empty): the grey level below which
    ``fractions`` (one a column) of its pixels lie, exactly as :func:`geometry.levels`
    gives it for each column alone (float32 shares, compared as float64)."""
    cum = np.cumsum(hist, axis=0)
    cum /= cum[-1]
    return np.count_nonzero(cum < fractions, axis=0).astype(np.float64).tolist()


def _locate_outline(dark: np.ndarray, pad: float, search: float) -> tuple[int, int, bool]:
    """Top-left of the printed outline in ``dark`` (window px), searched within ``search``
    units of the window's centre, and whether it was clearly found (else the centre)."""
    c = round(pad * K)
    r = round(search * K)
    scores, m = outline_scores(dark, K)
    y0, x0 = max(0, c - m - r), max(0, c - m - r)
    part = scores[y0:c - m + r + 1, x0:c - m + r + 1]
    if part.size == 0:
        return c, c, False
    _, peak, _, (px, py) = cv2.minMaxLoc(part)
    if peak < BOX_PEAK:
        return c, c, False
    return x0 + px + m, y0 + py + m, True


def _median(a: np.ndarray, axis: int) -> np.ndarray:
    """The median along ``axis`` (float32 for an even count), as np.median gives it,
    without its overhead."""
    n = a.shape[axis]
    k = n // 2
    if n % 2:
        return np.take(np.partition(a, k, axis=axis), k, axis=axis)
    part = np.partition(a, (k - 1, k), axis=axis)
    mid = np.add(np.take(part, k - 1, axis=axis), np.take(part, k, axis=axis),
                 dtype=np.float32)
    mid *= np.float32(0.5)
    return mid


#: Where each side of the outline is looked for, from where it is expected (px), and the
#: middle of the box, across which the median is taken.
_NEAR = np.arange(-round(1.5 * K), round(1.5 * K) + 1)
_MIDDLE = np.arange(_SIZE // 4, _SIZE - _SIZE // 4)
#: The outer end of each side's reach (left, right, top, bottom), as an index into _NEAR.
_OUTER = np.array([0, len(_NEAR) - 1, 0, len(_NEAR) - 1])
#: How far (px) a box whose outline lies beyond the reach on one side is looked for again
#: (once): the reach again, so 3 units in all, as far as the window keeps every line read
#: inside it (the box's corner may be SEARCH units off already).
_REACH = int(_NEAR[-1])
#: Depths in from the box edge, and the stretch along each side, at which the outline's
#: blur is measured (:func:`_clear_of_outline`).
_DEPTH = np.arange(1, _SIZE // 4)
_ALONG = np.arange(_SIZE // 5, _SIZE - _SIZE // 5)


def _gather_index() -> tuple[np.ndarray, list[int]]:
    """Flat indexes, in an _N × _N window whose box has its top-left corner at (_C, _C), of
    every pixel read around the printed outline, in one array: the columns near the left
    and right sides and the rows near the top and bottom across the box's middle
    (:func:`_edges`), then the outline's blur at each depth along each side
    (:func:`_clear_of_outline`), then the band along the outline (its print level; corners
    twice). Returns the indexes and where each part ends. A box found elsewhere in its
    window (at most SEARCH units off) shifts them all alike, and they stay inside it."""
    c, s, b, n = _C, _SIZE, _BAND, _N
    near = (c + _NEAR)[:, None], (c + s + _NEAR)[:, None]
    mid = (c + _MIDDLE)[None, :]
    lines = [near[0] + mid * n, near[1] + mid * n, near[0] * n + mid, near[1] * n + mid]
    d, p = (c + _DEPTH)[:, None], (c + _ALONG)[None, :]
    e = (c + s - _DEPTH)[:, None]
    sides = [d * n + p, e * n + p, p * n + d, p * n + e]
    y, x = np.mgrid[0:n, 0:n]
    at = y * n + x
    ring = [at[c - b:c + b, c:c + s], at[c + s - b:c + s + b, c:c + s],
            at[c:c + s, c - b:c + b], at[c:c + s, c + s - b:c + s + b]]
    parts = [np.concatenate([q.ravel() for q in group]) for group in (lines, sides, ring)]
    return np.concatenate(parts), np.cumsum([q.size for q in parts]).tolist()


_GATHER, _GATHER_ENDS = _gather_index()


def _edges(lines: np.ndarray, bx: list[int], by: list[int]
           ) -> tuple[list[tuple[int, int, int, int]], list[list[float | None]]]:
    """Each side of each box's printed outline on its own (left, right, top, bottom; window
    px, one per box), within 1.5 units of where it is expected (``bx``, ``by``): the darkest
    line by the median across the box's middle, so a tick through it does not move it.
    Absorbs a box that looks a little larger, smaller or shifted after rectification
    (perspective, bent paper). ``lines``: each box's pixels along those lines (the first
    part of :func:`_gather_index`). Also, for each box, the grey level of each side's darkest
    line within reach, by its median (None when that line is at the outer end of the reach:
    the outline lies further out)."""
    nb, n, m = len(lines), len(_NEAR), len(_MIDDLE)
    # twice the median of each line (the darkest is the same; m is even)
    k = m // 2
    part = np.partition(lines.reshape(nb, 4 * n, m), (k - 1, k), axis=2)
    med = np.add(part[:, :, k - 1], part[:, :, k], dtype=np.int16).reshape(nb, 4, n)
    at = np.argmin(med, axis=2)  # each side's darkest line within reach
    out = []
    for (left, right, top, bottom), x, y in zip((at + int(_NEAR[0])).tolist(), bx, by,
                                               strict=True):
        x0, x1, y0, y1 = x + left, x + _SIZE + right, y + top, y + _SIZE + bottom
        if abs((x1 - x0) - _SIZE) > 0.12 * _SIZE:  # a mark, not the outline: the pose's
            x0, x1 = x, x + _SIZE
        if abs((y1 - y0) - _SIZE) > 0.12 * _SIZE:
            y0, y1 = y, y + _SIZE
        out.append((x0, x1, y0, y1))
    # the darkest lines' levels (the outline, or ink over it); where that line is at the
    # outer end of the reach, the outline lies further out: None (the inner end may be a
    # box filled in)
    darkest = np.where(at == _OUTER, -1, np.take_along_axis(med, at[..., None], 2)[..., 0])
    darkest = darkest.tolist()
    return out, [[None if v < 0 else v / 2.0 for v in box] for box in darkest]


def _clear_of_outline(sides: np.ndarray, white: list[float], contrast: list[float]
                      ) -> list[int]:
    """How many px in from each box's edge the printed outline's blur has faded (below a
    fifth of the contrast), by the median along each side, so a written mark does not
    count; at most a quarter of the box. ``sides``: each box's pixels at each depth along
    each side (the second part of :func:`_gather_index`)."""
    nb = len(sides)
    along = _median(sides.reshape(nb, 4, len(_DEPTH), len(_ALONG)), 3)
    # darkness at each depth (float32, as for each box alone)
    depth = np.array(white, np.float32)[:, None] - along.mean(axis=1)
    faded = depth < np.array([0.2 * c for c in contrast], np.float32)[:, None]
    return [f + 2 if any_ else _SIZE // 4 for f, any_ in
            zip(np.argmax(faded, axis=1).tolist(), faded.any(axis=1).tolist(), strict=True)]


def _stroke_cover(ink: np.ndarray) -> float:
    """The share of ``ink`` (a box interior's ink mask) that is ink, or 0 when all of it
    lies within SPECK slip units across and away from the interior's edge: a dot, not a
    stroke (a faint stroke may break into pieces, so the pieces' whole extent is what
    counts; ink at the edge may be a stroke running on beyond it)."""
    mask = ink.view(np.uint8)
    count = cv2.countNonZero(mask)
    if count == 0:
        return 0.0
    h, w = ink.shape
    x, y, dx, dy = cv2.boundingRect(mask)  # of the ink
    at_edge = x == 0 or y == 0 or x + dx == w or y + dy == h
    if not at_edge and max(dx, dy) < SPECK * K:
        return 0.0
    return count / ink.size


def _ink_across(ink: np.ndarray) -> float:
    """How far across (slip units) all of the ink in ``ink`` (a box interior's ink mask)
    reaches; 0 if there is none."""
    mask = ink.view(np.uint8)
    if not cv2.countNonZero(mask):
        return 0.0
    _, _, dx, dy = cv2.boundingRect(mask)
    return max(dx, dy) / K


def _spread(ink: np.ndarray) -> float:
    """The ink cover of the emptiest cell when ``ink`` is cut into 3 × 3 cells."""
    h, w = ink.shape
    ys, xs = [0, h // 3, 2 * h // 3, h], [0, w // 3, 2 * w // 3, w]
    ii = cv2.integral(ink.view(np.uint8))[ys][:, xs].tolist()  # ink above-left of corners
    return min((ii[i + 1][j + 1] - ii[i][j + 1] - ii[i + 1][j] + ii[i][j])
               / ((ys[i + 1] - ys[i]) * (xs[j + 1] - xs[j])) for i in range(3) for j in range(3))


def _share(mask: np.ndarray) -> float:
    """``mask.mean()`` of a 0/1 array (the same value, without its overhead)."""
    return int(np.count_nonzero(mask)) / mask.size if mask.size else float("nan")


def _crossings(ink: np.ndarray, x0: int, x1: int, y0: int, y1: int) -> tuple[int, float]:
    """Ink down the columns 2 units outside the box's left and right sides (between its
    top and bottom, corners left out): the fewer separate runs, and the smaller share of
    rows with ink, of the two sides."""
    d, c = round(2.0 * K), round(1.5 * K)
    runs, shares = [], []
    for x in (x0 - d, x1 + d):
        if not 0 <= x < ink.shape[1]:
            return 0, 0.0
        col = ink[y0 + c:y1 - c, x]
        if not col.size:
            runs.append(0)
            shares.append(0.0)
            continue
        runs.append(int(np.count_nonzero(col[1:] > col[:-1])) + int(col[0]))  # rises
        shares.append(int(np.count_nonzero(col)) / col.size)
    return min(runs), min(shares)


#: The fractions :func:`_levels_cols` takes for paper white, print black and the grain,
#: and for the median, by how many boxes are read.
_WHITE_BLACK = {n: np.repeat([0.9, 0.25, 0.5], [n, n, 1]) for n in range(1, len(S.BOXES) + 1)}
_HALF = {n: np.full(n, 0.5) for n in range(1, len(S.BOXES) + 1)}
_TINT_LEVELS = {n: np.repeat([TINT_LEVEL, 0.5], [n, 2 * n]) for n in range(1, len(S.BOXES) + 1)}


def _read_all(win: np.ndarray, below: np.ndarray, placed: list[bool], inset: float,
              strip_hist: np.ndarray, dot: float = SPECK
              ) -> tuple[list[BoxRead],
                         list[tuple[tuple[int, int, int, int], float | None, bool, bool]]]:
    """The boxes in the stacked windows ``win`` (gray, K px per unit, each box PAD units in
    from each side); ``below``: how much darker each pixel is than the paper around it;
    ``placed``: the pose already found that box's outline where its window is centred;
    ``strip_hist``: the histogram (256 × 1) of ``below`` over the whole strip, whose median
    is the paper's grain (see :func:`read_boxes`); ``dot``: ink inside a box that reaches
    less than this across (slip units), all of it, reads unclear at most (:data:`DOT`).
    Also, for each box, where its outline was read (x0, x1, y0, y1, window px), for a box
    read as marked the darkest paper around it (else None), whether ink lies 1.5-2.5
    units out past its bottom side (within 2 units across), and for a box read as marked
    whether the ink joined to its interior's runs out of its window's left or right side
    (:func:`_sideways`). The pixel work is done for all boxes at once."""
    nb = len(win)
    bx, by, found = [_C] * nb, [_C] * nb, [True] * nb
    for i, p in enumerate(placed):
        if not p:
            bx[i], by[i], found[i] = _locate_outline(255.0 - win[i].astype(np.float32), PAD,
                                                     SEARCH)
    lines, sides, white, contrast, grain = _gather(win, bx, by, strip_hist)
    edges, lines_at = _edges(lines, bx, by)
    # a side whose outline lies further out than its reach: the box is looked for again
    # that much further that way (bent paper moved it more than the pose followed)
    moved = False
    for i, (left, right, top, bottom) in enumerate(lines_at):
        dx = _REACH * ((right is None) - (left is None))
        dy = _REACH * ((bottom is None) - (top is None))
        if dx or dy:
            bx[i], by[i], moved = bx[i] + dx, by[i] + dy, True
    if moved:
        lines, sides, white, contrast, grain = _gather(win, bx, by, strip_hist)
        edges, lines_at = _edges(lines, bx, by)
    ink = below > _whole([INK_LEVEL * c + GRAIN * grain for c in contrast])
    faint_ink = below > _whole([FAINT_LEVEL * c for c in contrast])
    clear = _clear_of_outline(sides, white, contrast)
    parts, fills, inners, inners_at, where = [], [], [], [], []
    for i in range(nb):
        x0, x1, y0, y1 = edges[i]
        i0 = max(round(inset * K), clear[i])
        if min(x1 - x0, y1 - y0) - 2 * i0 < _SIZE // 3:  # edges not believable: expected
            x0, x1, y0, y1 = bx[i], bx[i] + _SIZE, by[i], by[i] + _SIZE
        inner = (slice(y0 + i0, y1 - i0), slice(x0 + i0, x1 - i0))
        inners_at.append((x0, x1, y0, y1))
        parts.append(_measure_ink(ink[i], faint_ink[i], inner, (x0, x1, y0, y1), i0, inset))
        fills.append(win[i][inner])
        inners.append(inner)
    mid = _levels_cols(_hist_cols(fills), _HALF[nb])  # the interiors' median levels
    lines = _lines(win, inners_at)
    tints = _tints(win, fills, inners_at)
    out = []
    for i in range(nb):
        cover, spread, crossings, sides, over, faint, across = parts[i]
        c = contrast[i]
        edge = min(0.0 if v is None else (white[i] - v) / c for v in lines_at[i])
        fill = (white[i] - mid[i]) / c
        s_cover = (cover - COVER_NOISE) / (COVER_FULL - COVER_NOISE)
        s_fill = (fill - 0.25) / 0.35
        # ink just outside alone makes a box unclear at most, never marked; and only with
        # some ink inside: outside an empty box it is the box's own outline seen a little
        # off, a dot blurred onto it or writing near it, not a mark in it
        s_over = ((over - COVER_NOISE) / (COVER_FULL - COVER_NOISE)
                  if cover > 0 or faint > FAINT_NOISE else 0.0)
        if 0 < across < dot:  # a dot, or a very small mark: unclear at most
            s_cover = min(s_cover, DOT_SCORE)
        score = min(max(s_cover, s_fill, min(s_over, 0.5), 0.0), 1.0)
        shade, through, solid, hidden, corner, band = 1.0, 0.0, 0.0, 0.0, 1.0, 0.0
        rim = 0.0
        depth, stand = 0.0, 0.0
        # any ink in a box read cleanly, nowhere darker than its paper, is a halo's (HALO_DEPTH)
        clean = found[i] and edge >= OUTLINE_SIDE and c >= MIN_CONTRAST
        if (score > 0 or cover > 0 or faint > 0) and clean:
            depth, stand = _ink_depth(win[i][inners[i]], white[i], grain)
            if depth < HALO_DEPTH:  # nothing in it darker than its paper: not ink
                score = cover = faint = over = 0.0
            if score < MARKED:  # measured only for a box read as marked
                depth, stand = 0.0, 0.0
        elif score >= MARKED:
            depth, stand = _ink_depth(win[i][inners[i]], white[i], grain)
        # only a box that would count as marked is checked (decide.shaded, decide.creased,
        # decide.covered, decide.banded, decide.stained)
        if score >= MARKED:
            smooth = cv2.blur(win[i], (3, 3))
            dark_mass = win[i] < white[i] - SOLID_DARK * c
            solid = _solid(dark_mass, edges[i])
            band = _band(dark_mass | ink[i], inners[i])
            hidden = _hidden(smooth, edges[i], c) if solid >= SOLID_MIN else 0.0
            corner = _corner(smooth, edges[i], white[i], c)
        paper = _paper_around(win[i], edges[i]) if score >= MARKED else None
        x0, x1, _, y1 = inners_at[i]
        leaves = bool(ink[i][y1 + _PAST[0]:y1 + _PAST[1],
                             max(0, x0 - 2 * _UNIT):x1 + 2 * _UNIT].any())
        where.append((inners_at[i], paper, leaves,
                      score >= MARKED and _sideways(ink[i], inners[i])))
        if paper is not None and fill < SHADE_SOLID:
            shade = _shade(win[i], ink[i], inners[i], paper, c)
            # what is darker than any paper around: not a shadow's edge
            dark = win[i] < paper - THROUGH_DARK * c
            loose = below[i] > THROUGH_LOOSE * (INK_LEVEL * c + GRAIN * grain)
            ink_dark, loose_dark = ink[i] & dark, loose & dark
            on = _joined_to_box(ink_dark, loose_dark, inners[i])
            through = _through(ink_dark, loose_dark, on, inners[i], edges[i])
            rim = _drop_rim(ink_dark, on, inners[i], edges[i])
        conf = band_confidence(score)
        if c < 60:
            conf *= max(0.0, (c - 20) / 40)
        out.append(BoxRead(score=round(score, 3), confidence=round(conf, 3),
                           cover=round(cover, 4), fill=round(fill, 3), over=round(over, 4),
                           contrast=round(c, 1),
                           outline=clean,
                           grain=grain,
                           spread=round(spread, 3), crossings=crossings,
                           sides=round(sides, 3), faint=round(faint, 4),
                           edge=round(edge, 3), shade=round(shade, 3),
                           through=round(through, 2), solid=round(solid, 2),
                           hidden=round(hidden, 2), corner=round(corner, 3),
                           band=round(band, 2), depth=round(depth, 3),
                           stand=round(stand, 2), line=round(lines[i], 3),
                           rim=round(rim, 2), tint=round(tints[i], 3)))
    return out, where


def _tints(win: np.ndarray, fills: list[np.ndarray], edges: list[tuple[int, int, int, int]]
           ) -> list[float]:
    """``BoxRead.tint`` for each window of ``win`` (gray, K px a unit): how much darker the
    TINT_LEVEL level of its box's interior (``fills``) is than the paper TINT_RING units
    above and below its outline (found at ``edges``: x0, x1, y0, y1, window px; the darker
    of the two bands' medians, over the box's width: a shadow's edge between the box and
    one band leaves the other as dark as the box), as a share of that paper's light."""
    a, b = (round(v * K) for v in TINT_RING)
    rings = []
    for i, (x0, x1, y0, y1) in enumerate(edges):
        rings += [win[i][max(0, y0 - b):max(1, y0 - a), x0:x1], win[i][y1 + a:y1 + b, x0:x1]]
    if any(r.size == 0 for r in rings):  # a window too small to hold them: none said
        return [0.0] * len(fills)
    lv = _levels_cols(_hist_cols([*fills, *rings]), _TINT_LEVELS[len(fills)])
    out = []
    for i in range(len(fills)):
        paper = min(lv[len(fills) + 2 * i], lv[len(fills) + 2 * i + 1])
        out.append(max(0.0, paper - lv[i]) / paper if paper > 0 else 0.0)
    return out


def _lines(win: np.ndarray, edges: list[tuple[int, int, int, int]]) -> list[float]:
    """``BoxRead.line`` for each window of ``win`` (gray, K px a unit), its box's outline
    at ``edges`` (x0, x1, y0, y1, window px): the mean of the LINE_TOP strongest pixels of
    the interior LINE_INSET units in, of the curvature across a dark line (the larger
    eigenvalue of the Hessian of the window smoothed at LINE_SIGMA units, times the scale
    squared over 2). Only the interiors and the smoothing's reach around them are read,
    side by side in one image."""
    sigma = LINE_SIGMA * K
    inset, reach = round(LINE_INSET * K), _LINE_REACH
    y0 = max(0, min(e[2] for e in edges) + inset - reach)
    y1 = min(win.shape[1], max(e[3] for e in edges) - inset + reach)
    parts, spans, at = [], [], 0
    for w, (x0, x1, _, _) in zip(win, edges, strict=True):
        a, b = max(0, x0 + inset - reach), min(win.shape[2], x1 - inset + reach)
        parts.append(w[y0:y1, a:b])
        spans.append((at + x0 + inset - a, at + x1 - inset - a))
        at += b - a
    smooth = cv2.GaussianBlur(np.hstack(parts).astype(np.float32), (0, 0), sigma)
    xx = cv2.Sobel(smooth, cv2.CV_32F, 2, 0, ksize=3)
    yy = cv2.Sobel(smooth, cv2.CV_32F, 0, 2, ksize=3)
    xy = cv2.Sobel(smooth, cv2.CV_32F, 1, 1, ksize=3)
    # across a dark line the grey's curvature is strongly positive: the larger eigenvalue
    across = (xx + yy + cv2.sqrt((xx - yy) ** 2 + 4 * xy * xy)) * (sigma * sigma / 2)
    out = []
    for (a, b), (_, _, t, u) in zip(spans, edges, strict=True):
        v = across[t + inset - y0:u - inset - y0, a:b].ravel()
        if v.size < 2 * LINE_TOP:
            out.append(0.0)
            continue
        out.append(max(0.0, float(np.partition(v, v.size - LINE_TOP)[v.size - LINE_TOP:].mean())))
    return out


def _ink_depth(inner: np.ndarray, white: float, grain: float) -> tuple[float, float]:
    """``BoxRead.depth`` and ``BoxRead.stand``: how much darker than its paper's ``white``
    the darkest ink in a box's interior ``inner`` (grey) is, as a share of that white and
    in multiples of the paper's ``grain`` (grey levels, at least 1). The darkest ink is the
    darkest 3 × 3 mean, taken within the interior (its edge mirrored), so the printed
    outline around it never counts."""
    if inner.size == 0:
        return 0.0, 0.0
    dark = max(0.0, max(white, 1.0) - float(cv2.blur(np.ascontiguousarray(inner), (3, 3)).min()))
    return dark / max(white, 1.0), dark / max(grain, 1.0)


def _solid(dark: np.ndarray, edges: tuple[int, int, int, int]) -> float:
    """``BoxRead.solid``: the thickness (slip units) of the widest disc that fits in
    ``dark`` (a window's mask of what is dark) outside the box (its outline's sides found
    at ``edges``: x0, x1, y0, y1, window px), its centre more than SOLID_GAP units outside
    it. The window's own edge does not bound it (an object runs on beyond); the box does
    (a filled box read a little off its outline is not a mass outside it)."""
    x0, x1, y0, y1 = edges
    outside = dark.view(np.uint8).copy()
    outside[y0:y1, x0:x1] = 0
    dist = cv2.distanceTransform(outside, cv2.DIST_L2, 3)
    g = round(SOLID_GAP * K)
    dist[max(0, y0 - g):y1 + g, max(0, x0 - g):x1 + g] = 0
    return 2.0 * float(dist.max()) / K


@functools.cache
def _rim(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """The (ys, xs) of an h × w window's edge pixels, in order around it."""
    ys = np.concatenate([np.zeros(w - 1, int), np.arange(h - 1), np.full(w - 1, h - 1),
                         np.arange(h - 1, 0, -1)])
    xs = np.concatenate([np.arange(w - 1), np.full(h - 1, w - 1), np.arange(w - 1, 0, -1),
                         np.zeros(h - 1, int)])
    return ys, xs


def _runs(on: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The runs of True in ``on``, a sequence around a loop that is not all True: its
    indexes in order from a False place (so that no run wraps around the end), and each
    run's start and end in that order, flat (start, end, start, end, ...)."""
    order = np.roll(np.arange(on.size), -int(np.argmin(on)))
    return order, np.flatnonzero(np.diff(np.concatenate([[0], on[order].view(np.int8), [0]])))


def _band(mass: np.ndarray, inner: tuple[slice, slice]) -> float:
    """``BoxRead.band``: where the mass joined to the ink in the box (``inner``; ``mass``:
    the window's mask of what is ink or dark) runs out of the window in two places, as
    thick as BAND_MIN units in each, and the straight line between those two places
    crosses the box's interior (it runs through the box), the thinner of the two
    thicknesses (slip units); else 0. Not when that mass covers more than BAND_EDGE of the
    window's edge (a shadow, a table)."""
    on = _joined(mass, inner)
    ys, xs = _rim(*on.shape)
    rim = on[ys, xs]
    if not rim.any() or np.count_nonzero(rim) > BAND_EDGE * rim.size:
        return 0.0
    # where it is that thick at the edge, it covers nearly as long a run of the edge (the
    # distance transform is a close approximation): most marked boxes have no such run (a
    # mark's strokes are thin) and are done here
    _, bounds = _runs(rim)
    if not np.any(bounds[1::2] - bounds[::2] >= 0.8 * BAND_MIN * K):
        return 0.0
    thick = 2.0 * cv2.distanceTransform(on.view(np.uint8), cv2.DIST_L2, 3)[ys, xs] / K
    hit = rim & (thick >= BAND_MIN)
    if np.count_nonzero(hit) < 2:
        return 0.0
    # each run of the edge where it leaves that thick: its middle, and the thickness there
    order, bounds = _runs(hit)
    exits = [(float(xs[run].mean()), float(ys[run].mean()), float(thick[run].max()))
             for run in (order[a:b] for a, b in zip(bounds[::2], bounds[1::2], strict=True))]
    t = np.linspace(0.0, 1.0, 64)
    best = 0.0
    for i, (xa, ya, ta) in enumerate(exits):
        for xb, yb, tb in exits[i + 1:]:
            px, py = xa + t * (xb - xa), ya + t * (yb - ya)
            g = min(ta, tb) * K / 2  # the mass's half-width: its side may be what is inside
            if np.any((px >= inner[1].start - g) & (px < inner[1].stop + g)
                      & (py >= inner[0].start - g) & (py < inner[0].stop + g)):
                best = max(best, min(ta, tb))
    return best


_OUT = round(HIDDEN_BAND[0] * K), round(HIDDEN_BAND[1] * K)
_HALF_UNIT = round(0.5 * K)


def _hidden(smooth: np.ndarray, edges: tuple[int, int, int, int], contrast: float) -> float:
    """``BoxRead.hidden``: the longest stretch (slip units) of the outline found at
    ``edges`` where its line (the darkest pixel of ``smooth``, the window's 3 × 3 px mean,
    within half a unit of where it was found) is not OUTLINE_SEEN of ``contrast`` darker
    than the mean of the band HIDDEN_BAND units outside it. A side whose band runs off the
    window is not measured."""
    x0, x1, y0, y1 = edges
    w = smooth.astype(np.float32)
    n = w.shape[0]
    a, b = _OUT
    h = _HALF_UNIT
    sides = []  # (the line, the band outside it), along each side
    if x0 - b >= 0:
        sides.append((w[y0:y1, max(0, x0 - h):x0 + h + 1].min(1),
                      w[y0:y1, x0 - b:x0 - a].mean(1)))
    if x1 + b <= n:
        sides.append((w[y0:y1, x1 - h:x1 + h + 1].min(1), w[y0:y1, x1 + a:x1 + b].mean(1)))
    if y0 - b >= 0:
        sides.append((w[max(0, y0 - h):y0 + h + 1, x0:x1].min(0),
                      w[y0 - b:y0 - a, x0:x1].mean(0)))
    if y1 + b <= n:
        sides.append((w[y1 - h:y1 + h + 1, x0:x1].min(0), w[y1 + a:y1 + b, x0:x1].mean(0)))
    seen = OUTLINE_SEEN * contrast
    return max((_longest_run(line >= outside - seen) for line, outside in sides),
               default=0) / K


def _longest_run(flags: np.ndarray) -> int:
    """The length of the longest run of True in the 1-D bool array ``flags``."""
    steps = np.diff(np.concatenate(([0], flags.view(np.int8), [0])))
    if not steps.any():
        return 0
    return int((np.flatnonzero(steps < 0) - np.flatnonzero(steps > 0)).max())


_CORNER = round(CORNER_REACH * K)


def _corner(smooth: np.ndarray, edges: tuple[int, int, int, int], white: float,
            contrast: float) -> float:
    """``BoxRead.corner``: how much darker than ``white`` the darkest point of ``smooth``
    (the window's 3 × 3 px mean) within CORNER_REACH units of each corner of the outline
    found at ``edges`` is, for the lightest of the four corners, in shares of
    ``contrast``."""
    x0, x1, y0, y1 = edges
    r = _CORNER
    darkest = max(int(smooth[max(0, y - r):y + r + 1, max(0, x - r):x + r + 1].min())
                  for x in (x0, x1) for y in (y0, y1))
    return (white - darkest) / contrast


def _paper_around(win: np.ndarray, edges: tuple[int, int, int, int]) -> float | None:
    """The darkest paper around a box (see :data:`SHADE_MIN`) in its window ``win``, whose
    outline's sides were found at ``edges`` (x0, x1, y0, y1, window px); None if the window
    holds none."""
    x0, x1, y0, y1 = edges
    g = _SHADE_GAP
    around = np.full(win.shape, 255, np.uint8)
    around[max(0, y0 - g):y1 + g, max(0, x0 - g):] = 0  # and the label, right of it
    if not cv2.countNonZero(around):
        return None
    return levels(cv2.morphologyEx(win, cv2.MORPH_CLOSE, _SHADE_KERNEL), (0.05,), around)[0]


def _shade(win: np.ndarray, ink: np.ndarray, inner: tuple[slice, slice], paper: float,
           contrast: float) -> float:
    """``BoxRead.shade`` of one box: ``win`` its window, ``ink`` the window's ink mask,
    ``inner`` the interior read, ``paper`` the darkest paper around it."""
    inside = win[inner]
    marks = np.ascontiguousarray(ink[inner]).view(np.uint8)
    # the mark's dark level: its darker quarter, or, filled in, the interior's middle
    dark = levels(inside, (0.5,))[0]
    if cv2.countNonZero(marks) >= 5:
        dark = min(dark, levels(inside, (0.25,), marks)[0])
    return (paper - dark) / contrast


def _gather(win: np.ndarray, bx: list[int], by: list[int], strip_hist: np.ndarray):
    """The pixels read around each box's printed outline, its top-left corner at (``bx``,
    ``by``) in its window (:func:`_gather_index`): the lines where each side is looked for,
    the outline's blur at each depth, and each window's paper white, its contrast to the
    printed outline's dark level, and the strip's grain (``strip_hist``), all at once."""
    nb = len(win)
    shift = np.array([i * _N * _N + (by[i] - _C) * _N + bx[i] - _C for i in range(nb)])
    got = np.take(win, _GATHER + shift[:, None])
    lines, sides, ring = np.split(got, _GATHER_ENDS[:2], 1)
    # paper white: the bright level of each window; print black: the dark level of its
    # printed outline
    # and the grain, how much darker than that paper level plain paper is: levels at once
    lv = _levels_cols(np.concatenate([_hist_cols([*win, *ring]), strip_hist], axis=1),
                      _WHITE_BLACK[nb])
    white, black, grain = lv[:nb], lv[nb:2 * nb], lv[-1]
    contrast = [max(w - b, 1.0) for w, b in zip(white, black, strict=True)]
    return lines, sides, white, contrast, grain


def _whole(t: list[float]) -> np.ndarray:
    """Thresholds ``t`` (one a box) as whole grey levels, shaped to compare with windows."""
    return np.array([min(math.floor(v), 255) for v in t], np.uint8)[:, None, None]


def _measure_ink(ink: np.ndarray, faint_ink: np.ndarray, inner: tuple[slice, slice],
                 edges: tuple[int, int, int, int], i0: int, inset: float
                 ) -> tuple[float, float, int, float, float, float, float]:
    """One box's ink measures (see BoxRead): cover, spread, crossings, sides, over, faint,
    and how far across (slip units) the interior's ink reaches, all of it (0 when ``cover``
    is 0).
    ``ink``/``faint_ink``: the window's ink masks (grain threshold, plain threshold);
    ``inner``: the interior read; ``edges``: the outline's sides found (x0, x1, y0, y1);
    ``i0``: how far in from them the interior starts (px)."""
    x0, x1, y0, y1 = edges
    core = ink[inner]
    # just outside the box, not on the label side (right)
    o0 = max(i0, round((inset - 0.5) * K))  # clear of the outline's blur, outside too
    o1 = o0 + round((OVER_REACH - inset + 0.5) * K)
    # around the outline where each side was found (``_edges``), not where it was expected
    oy, ox = max(0, y0 - o1), max(0, x0 - o1)
    zone = ink[oy:y1 + o1, ox:x1 + o0].view(np.uint8)  # holds the box
    outer = cv2.countNonZero(zone)
    cover = _stroke_cover(core)
    spread = _spread(core) if cover > 0 else 0.0
    crossings, sides = _crossings(ink, x0, x1, y0, y1) if cover > 0 else (0, 0.0)
    near_rows = slice(max(0, y0 - o0) - oy, y1 + o0 - oy)
    near_cols = slice(max(0, x0 - o0) - ox, None)
    near = cv2.countNonZero(zone[near_rows, near_cols])
    if outer > near:  # some ink outside: only what is joined to the box counts, not a dot
        joined = _joined(zone, (near_rows, near_cols))
        outer, near = cv2.countNonZero(joined.view(np.uint8)), \
            cv2.countNonZero(joined[near_rows, near_cols].view(np.uint8))
        joined[near_rows, near_cols] = False  # what lies outside: a stroke, not a dot
        if outer > near and not _stroke_cover(joined):
            outer = near
    # ink pixels around the box, in shares of the interior's area (a tick's overrun)
    over = (outer - near) / max(1, core.size)
    # the same with ink as any pixel a third of the contrast darker than the paper level,
    # grain or not: a faint mark the grain threshold may have lost shows here
    faint = _share(faint_ink[inner])
    return cover, spread, crossings, sides, over, faint, _ink_across(core) if cover else 0.0


def _joined_to_box(ink: np.ndarray, loose: np.ndarray, inner: tuple[slice, slice]
                   ) -> np.ndarray | None:
    """What of ``ink`` or ``loose`` (a laxer mask of the same: a faint line breaks up at the
    ink threshold) in a box's window is joined to the ink inside the box (``inner``), or
    None when fewer than 8 pixels of ink lie there (too few to follow: :func:`_through`,
    :func:`_drop_rim`)."""
    box = ink[inner]
    if np.count_nonzero(box) < 8:
        return None
    seed = np.zeros_like(ink)
    seed[inner] = box
    return _joined(ink | loose, seed)


def _drop_rim(ink: np.ndarray, on: np.ndarray | None, inner: tuple[slice, slice],
              edges: tuple[int, int, int, int]) -> float:
    """``BoxRead.rim``: when the ink inside the box (``inner``; ``ink``: the window's mask
    of it) and what is joined to it (``on``: :func:`_joined_to_box`), the printed outline's
    band left out, lie along one circle (a dried drop's ring: :data:`RIM_RADIUS`), and that
    circle is found again past the box (its outline's sides at ``edges``) on both sides, how
    long (slip units) the arc found past the box is; else 0. Within the looser bounds
    (:data:`RIM_WIDTH_CLEAR`) the circle must be found past the box beside ink clear of the
    outline's band."""
    if on is None:
        return 0.0
    x0, x1, y0, y1 = edges
    (a0, a1), (b0, b1) = (inner[0].start, inner[0].stop), (inner[1].start, inner[1].stop)
    fit = on.copy()  # the printed outline's band left out, the interior kept
    fit[max(0, 2 * y0 - a0):max(0, 2 * y1 - a1), max(0, 2 * x0 - b0):max(0, 2 * x1 - b1)] = False
    fit[inner] = on[inner]
    yy, xx = np.nonzero(fit)
    n = xx.size
    if n < 16:
        return 0.0
    # the circle x² + y² + d x + e y + f = 0 nearest the points (least squares, about
    # their mean: the normal equations)
    x = xx.astype(np.float64)
    y = yy.astype(np.float64)
    mx, my = x.mean(), y.mean()
    x -= mx
    y -= my
    z = x * x + y * y
    sxx, sxy, syy = float(x @ x), float(x @ y), float(y @ y)
    det = sxx * syy - sxy * sxy
    if det <= 0:
        return 0.0
    bx, by = -float(x @ z), -float(y @ z)
    d = (bx * syy - by * sxy) / det
    e = (by * sxx - bx * sxy) / det
    f = -float(z.sum()) / n
    cx, cy = -d / 2, -e / 2
    r2 = cx * cx + cy * cy - f
    if not (RIM_RADIUS[0] * K) ** 2 <= r2 <= (RIM_RADIUS[1] * K) ** 2:
        return 0.0
    r = math.sqrt(r2)
    x -= cx
    y -= cy
    radius = np.hypot(x, y)
    width = math.sqrt(float(np.mean((radius - r) ** 2))) / K
    if width > max(RIM_WIDTH, RIM_WIDTH_CLEAR):
        return 0.0
    # the line's middle, a unit of arc at a time, as round as a drop's rim?
    step = np.floor((np.arctan2(y, x) + np.pi) * r / K).astype(int)
    count = np.bincount(step)
    kept = count >= 3
    if not kept.any():  # ink too sparse along the circle to be a line
        return 0.0
    middle = np.bincount(step, radius)[kept] / count[kept]
    stray = math.sqrt(float(np.mean((middle - r) ** 2))) / K
    # the ink the circle is walked beside past the box: all joined to the box's within the
    # first bounds, else only what lies clear of the outline's band (fit is within on, so
    # past a walk beside on that fails, one beside fit would fail too)
    if width <= RIM_WIDTH and stray <= RIM_ROUND:
        beside = on
    elif width <= RIM_WIDTH_CLEAR and stray <= RIM_ROUND_CLEAR:
        beside = fit
    else:
        return 0.0
    cx, cy = cx + mx, cy + my
    # where the box's ink lies on the circle, as angles about the middle of it
    ys, xs = np.nonzero(ink[inner])
    at = np.arctan2(ys + a0 - cy, xs + b0 - cx)
    mean = math.atan2(float(np.sin(at).sum()), float(np.cos(at).sum()))
    rel = (at - mean + np.pi) % (2 * np.pi) - np.pi
    # walk out along the circle both ways from the box's ink, to the window's edge
    h, w = ink.shape
    g = round(1.5 * K)
    paths = []
    for sign, start in ((1.0, float(rel.max())), (-1.0, -float(rel.min()))):
        phi = mean + sign * np.arange(start + 1.0 / r, np.pi, 1.0 / r)
        px = np.rint(cx + r * np.cos(phi)).astype(int)
        py = np.rint(cy + r * np.sin(phi)).astype(int)
        within = (px >= 0) & (px < w) & (py >= 0) & (py < h)
        stop = int(np.argmin(within)) if not within.all() else within.size
        px, py = px[:stop], py[:stop]
        past = ~((px >= x0 - g) & (px < x1 + g) & (py >= y0 - g) & (py < y1 + g))
        if np.count_nonzero(past) < RIM_PAST * K:
            return 0.0
        paths.append((py[past], px[past]))
    apart = cv2.distanceTransform((~beside).view(np.uint8), cv2.DIST_L2, 3)
    found = 0
    for py, px in paths:
        hits = np.count_nonzero(apart[py, px] <= 1.5 + RIM_NEAR * K)
        if hits < RIM_ON * px.size:
            return 0.0
        found += hits
    return found / K


def _thickness(along: np.ndarray, across: np.ndarray) -> float:
    """How thick ink lying along a line is (px, a standard deviation across it): the median,
    over each px step along it (``along``: each ink pixel's place along the line; ``across``:
    its offset across it) holding 3 or more pixels, of the ink's spread across it there."""
    step = np.floor(along - along.min()).astype(np.int64)
    n = np.bincount(step)
    s1, s2 = np.bincount(step, across), np.bincount(step, across * across)
    full = n >= 3
    if not full.any():
        return 0.0
    mean = s1[full] / n[full]
    return math.sqrt(max(float(np.median(s2[full] / n[full] - mean * mean)), 0.0))


def _through(ink: np.ndarray, loose: np.ndarray, on: np.ndarray | None,
             inner: tuple[slice, slice], edges: tuple[int, int, int, int]) -> float:
    """``BoxRead.through``: when the ink inside the box (``inner``; ``ink``: the window's
    mask of it) lies along one line (straight, or gently bent), and what is joined to it
    in ``loose`` (a laxer mask of the same: a faint line breaks up at the ink threshold;
    ``on``: :func:`_joined_to_box`) runs on along that line past the box (its outline's
    sides found at ``edges``) on both sides, how long (slip units) the line is in the
    window; else 0 (a tick is bent, and a stroke that stops at the box does not run on)."""
    if not (np.count_nonzero(loose[0]) or np.count_nonzero(loose[-1])
            or np.count_nonzero(loose[:, 0])):
        # a line through leaves the window on two sides, one of them not the label's (right)
        return 0.0
    if on is None:
        return 0.0
    ys, xs = np.nonzero(ink[inner])
    pts = np.stack([xs + inner[1].start, ys + inner[0].start], axis=1).astype(np.float64)
    mid = pts.mean(axis=0)
    vals, vecs = np.linalg.eigh(np.cov((pts - mid).T))
    u, v = vecs[:, 1], vecs[:, 0]  # along the line, and across it
    along, across = (pts - mid) @ u, (pts - mid) @ v
    thick = _thickness(along, across)
    if thick > THROUGH_THICK * K:
        return 0.0
    extra = max(thick * thick - (THROUGH_PEN * K) ** 2, 0.0)  # past a pen's, as variance
    fit = np.zeros(3)  # the line's offset across, as a parabola along it
    spread = math.sqrt(max(float(vals[0]) - extra, 0.0))
    if spread > THROUGH_WIDTH * K:  # not one straight line: gently bent?
        if spread > _BENT_SPREAD:  # a bend that gentle spreads less across the box
            return 0.0
        basis = np.stack([along * along, along, np.ones_like(along)], axis=1)
        fit = np.linalg.lstsq(basis, across, rcond=None)[0]
        off = across - basis @ fit
        if (abs(fit[0]) > _BEND
                or math.sqrt(max(float(np.mean(off * off)) - extra, 0.0)) > THROUGH_WIDTH * K):
            return 0.0  # a tick is bent sharply
    rim = np.concatenate([on[0], on[-1], on[:, 0], on[:, -1]])
    if np.count_nonzero(rim) < 2:
        return 0.0  # it does not run out of the window
    h, w = ink.shape
    x0, x1, y0, y1 = edges
    if not fit.any():
        # a straight line: fitted again to the ink joined to it past the box as well, where
        # it lies near (inside the box alone, a line close along a side may take in some of
        # the outline's blur); the printed outline and its blur are left out, as far out
        # past it as the interior read is inside it
        yy, xx = np.nonzero(on & ink)
        ring = ((xx >= 2 * x0 - inner[1].start) & (xx < 2 * x1 - inner[1].stop)
                & (yy >= 2 * y0 - inner[0].start) & (yy < 2 * y1 - inner[0].stop)
                & ~((xx >= inner[1].start) & (xx < inner[1].stop)
                    & (yy >= inner[0].start) & (yy < inner[0].stop)))
        p2 = np.stack([xx, yy], axis=1)[~ring].astype(np.float64)
        p2 = p2[np.abs((p2 - mid) @ v) <= THROUGH_NEAR * K]
        if len(p2) >= 8:
            mid = p2.mean(axis=0)
            vecs = np.linalg.eigh(np.cov((p2 - mid).T))[1]
            u, v = vecs[:, 1], vecs[:, 0]
    # how far each pixel is from ink joined to it
    apart = cv2.distanceTransform((~on).view(np.uint8), cv2.DIST_L2, 3)
    g = round(1.5 * K)
    t = np.arange(1.0, float(h + w))
    ends = []
    for sign in (1.0, -1.0):  # walk out along the line both ways, past the box
        off = np.polyval(fit, sign * t)
        xs_ = np.rint(mid[0] + sign * t * u[0] + off * v[0]).astype(int)
        ys_ = np.rint(mid[1] + sign * t * u[1] + off * v[1]).astype(int)
        inside = (xs_ >= 0) & (xs_ < w) & (ys_ >= 0) & (ys_ < h)
        stop = int(np.argmin(inside)) if not inside.all() else inside.size
        xs_, ys_, tt = xs_[:stop], ys_[:stop], t[:stop]
        past = ~((xs_ >= x0 - g) & (xs_ < x1 + g) & (ys_ >= y0 - g) & (ys_ < y1 + g))
        # the line's bend is read from the box alone: further out, the line may stray
        # that much further from the path walked
        tt_past = tt[past]
        hits = apart[ys_[past], xs_[past]] <= np.minimum(1.5 + _BEND * tt_past ** 2,
                                                          THROUGH_REACH)
        if hits.size == 0 or np.count_nonzero(hits) < THROUGH_ON_LINE * hits.size:
            return 0.0
        ends.append(float(tt_past[hits].max()))
    return float(sum(ends) / K)
