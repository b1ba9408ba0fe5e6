"""Decide what one read slip means for the record. Pure: no I/O.

Only ``applied`` changes a task. When anything is unclear the answer is ``review``: a wrong
status must never be applied.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..record.models import SLIP_STATUSES, Task
from .colour import BoxColour
from .marks import (
    BAND_MIN,
    BEFORE_MIN,
    BLANK,
    CORNER_MIN,
    FAINT_FULL,
    FAINT_NOISE,
    HIDDEN_MIN,
    LABEL_MIN,
    MARKED,
    REACH_MIN,
    RIM_MIN,
    SHADE_MIN,
    SOLID_MIN,
    STAIN_SHADE,
    TAIL_MIN,
    THROUGH_MIN,
    TINT_CHROMA,
    TINT_FAINT,
    TINT_HUE,
    TINT_MIN,
    TINT_OVER,
    VEIL_EDGE,
    VEIL_SHADE,
    BoxRead,
)

OUTCOMES = ("applied", "unchanged", "review", "stale", "unknown-task", "bad-code", "other-kit")
#: Outcomes that leave nothing for a person to do.
SETTLED = ("applied", "unchanged")
#: Outcomes that put the slip in the review queue.
QUEUED = ("review", "stale")


@dataclass(frozen=True)
class Decision:
    """``status`` is what the slip's boxes say (None: no box marked, or unclear); for a
    slip sent to review, what it most likely says (:func:`likely_status`), shown to the
    person deciding it and never applied; ``confidence`` 0..1; ``reason`` says why, in
    words for a person."""

    status: str | None
    outcome: str
    confidence: float
    reason: str
    #: Held for a doubt about the slip itself, not the photo (a faint mark, a trace or a
    #: thin line beside its one mark, a highlighter, ...): what it says (:func:`says`)
    #: then carries DOUBT, and a later photo reading the likely status clearly does not
    #: settle it.
    doubt: bool = False


#: A marked box is struck out (scribbled over) when ink covers all of it (every 3 × 3 cell
#: at least STRUCK_SPREAD, STRUCK_COVER overall) and the scribble's turns run out across
#: both its left and right sides (STRUCK_CROSSINGS strokes each, or ink along at least
#: STRUCK_SIDES of each side's height).
STRUCK_SPREAD = 0.1
STRUCK_COVER = 0.3
STRUCK_CROSSINGS = 2
STRUCK_SIDES = 0.3
#: A clean mark (a tick or a cross) leaves part of the box empty, covers at most
#: CLEAN_COVER, and at least CLEAN_GAP less than each struck-out box; the box is mostly
#: paper (its median darkness at most CLEAN_FILL: not filled in).
CLEAN_SPREAD = 0.05
CLEAN_COVER = 0.5
CLEAN_FILL = 0.35
CLEAN_GAP = 0.2


def struck_out(b: BoxRead) -> bool:
    """Whether a marked box looks scribbled over to strike it out."""
    return (b.outline and b.score >= MARKED and b.spread >= STRUCK_SPREAD
            and b.cover >= STRUCK_COVER
            and (b.crossings >= STRUCK_CROSSINGS or b.sides >= STRUCK_SIDES))


#: A box struck out (:func:`struck_out`) whose ink also runs out past its outline, joined
#: to it (``BoxRead.over``, not on the label's side), at STRUCK_OVER or more, holds a mark
#: scribbled over rather than a fill: a tick's arm runs out past its box, and a scribble
#: over it hides the tick but not that. A box filled in keeps inside its outline: of 37
#: harness fills read as struck out (the 200 and held-out sets) 35 read 0 and 2 read 0.059
#: and 0.071; the red team's ticks scribbled out 0.064-0.65 (16 read as struck out).
STRUCK_OVER = 0.05
#: A box struck out (:func:`struck_out`) whose interior is mostly paper, its middle level
#: under STRUCK_FILL of the print's contrast (``BoxRead.fill``), holds strokes with paper
#: between them: lines struck through a mark, or a loose scribble over it, not a box
#: filled in, whose hatching leaves little paper. Of 107 boxes read as struck out alone on
#: 14 harness sets (18,832 slips), the 104 fills read 0.51 or more; a red team's ticks
#: struck through with three or four pen lines, 0.14-0.30 (red team, round eight: 8 of 8
#: applied; the marker's lines, as dark as a fill, still are), the tests' 0.41 at most (four
#: lines, blue, 3 px a unit). On a small slip the blur closes the paper between the lines
#: (the same lines at 1.5 px a unit: 0.53), and they read as a fill.
STRUCK_FILL = 0.45


def struck_under(b: BoxRead) -> bool:
    """Whether a marked box looks like a mark struck out, not filled in: scribbled over
    (:func:`struck_out`) with ink run out past its outline (:data:`STRUCK_OVER`), or with
    paper between its strokes (:data:`STRUCK_FILL`). Alone on a slip it may mean no status
    at all: the slip goes to review (:func:`read_status`)."""
    return struck_out(b) and (b.over >= STRUCK_OVER or b.fill < STRUCK_FILL)


def _others(reads: Mapping[str, BoxRead], mark: str | None) -> list[str]:
    """The slip's boxes read besides ``mark`` (all of them when it is None), in printed
    order."""
    return [b for b in SLIP_STATUSES if b in reads and b != mark]


def faint_marks(reads: Mapping[str, BoxRead], mark: str | None) -> list[str]:
    """The boxes besides ``mark`` (all of them when it is None: a slip read with no box
    marked) that may hold a faint mark: their plain-threshold ink (``BoxRead.faint``) above
    the middle one of them (the slip's own grain and noise) by a score of MARKED, or of
    BLANK when ``mark`` looks struck out (its final mark may be the faint one)."""
    others = _others(reads, mark)
    if len(others) < 2:
        return []
    floor = _faint_floor(reads, others)
    level = BLANK if mark is not None and scribbled(reads[mark]) else MARKED
    return [b for b in others
            if (reads[b].faint - floor - FAINT_NOISE) / (FAINT_FULL - FAINT_NOISE) >= level]


def _faint_floor(reads: Mapping[str, BoxRead], boxes: list[str]) -> float:
    """The middle plain-threshold ink (``BoxRead.faint``) of ``boxes``: the slip's own
    grain and noise (the lower middle one of an even count)."""
    return sorted(reads[b].faint for b in boxes)[(len(boxes) - 1) // 2]


def scribbled(b: BoxRead) -> bool:
    """Whether a box's ink runs out across both its sides like a scribble's turns (a
    struck-out box, or a fill gone over the edges): read alone, it sends the slip to review
    on less ink in another box (:func:`faint_marks`)."""
    return b.crossings >= STRUCK_CROSSINGS or b.sides >= STRUCK_SIDES


#: Plain-threshold ink (``BoxRead.faint``) above which a box beside a scribbled-over mark
#: holds a trace (blank boxes: under 0.005 in 9 of 10).
FAINT_TRACE = 0.005


def struck_traces(reads: Mapping[str, BoxRead], mark: str) -> list[str]:
    """When the one marked box ``mark`` looks scribbled over (struck out, or a fill run
    over its sides), the other boxes holding any trace of ink (a score above 0, any ink
    cover, or plain-threshold ink above FAINT_TRACE): the final mark made after a
    strike-out may be that light, or lost in blur. Two new 30-slip sets each had such a slip
    applied as the struck-out box: a pencil re-mark read 0.116, and a blue tick in a blurred
    photo left a cover of 0.009 (under COVER_NOISE) and a faint share of 0.008. Over 152
    one-mark slips whose mark looks scribbled, on seven sets (~10,500 slips), 17 others
    have such a trace, all fills or ticks read right (bench/RESULTS.md, Box reads)."""
    if not scribbled(reads[mark]):
        return []
    return [b for b in _others(reads, mark)
            if reads[b].score > 0 or reads[b].cover > 0 or reads[b].faint > FAINT_TRACE]


#: Ink cover (share of the interior, by the grain threshold) above which a box beside a
#: slip's one mark holds a trace: a third of COVER_NOISE (marks.py), under which specks are
#: not counted as a stroke at all.
TRACE_COVER = 0.004


def ink_traces(reads: Mapping[str, BoxRead], mark: str) -> list[str]:
    """The boxes besides the one marked box ``mark`` whose ink cover, though under the
    speck level, is above TRACE_COVER: a light tick blurred to a few pixels. On eight
    synthetic sets (~12,000 slips), of the three one-mark reads left beside a real second
    mark read blank, two showed it only this way (cover 0.006-0.007; one was applied as a
    wrong status); 56 of 8,859 one-mark reads have such a trace (bench/RESULTS.md)."""
    return [b for b in blank_traces(reads) if b != mark]


#: A box beside a slip's one mark whose thin-line ink (``BoxRead.line``) is at least
#: LINE_MIN times that of every other unmarked box (and than LINE_FLOOR: on a clean scan
#: the empty boxes' own is near 0) may hold a light second mark: a pencil tick pressed
#: lightly reads no ink at the ink levels, which are set by the print's contrast. On four
#: synthetic sets of double marks whose second mark was light (bench/RESULTS.md, Box reads,
#: twenty-fourth session; the cut set on two of them) 23 of 946 such slips on black print
#: were read as one mark and given the firm mark's status; with this hold, 10. On the 43
#: usual sets (59,900 slips) it holds 14 clear slips no other rule held (the empty boxes'
#: ratio on one-mark slips: 0.91 at the median, 2.17 at the 99.9th percentile).
#: A box whose line stands out less, LINE_NEAR times every other unmarked box, is held
#: too when its line is at least LINE_OF_MARK of the mark's own: the same pen pressed about
#: half as hard. A mark's line is set by the pen and the photo (on the 200-photo set a
#: pencil tick's is 34-122 from the 5th to the 95th percentile, a blue pen's 41-156, a
#: marker's 113-321), the empty boxes' by the paper's grain and noise, so a light second
#: mark that the other boxes' grain nearly matches still stands out against a light first
#: mark (bench/RESULTS.md, Box reads, twenty-fifth session).
#: Where the photo's other slips give the paper's grain too (:func:`frame_grain`), a box
#: is held when the geometric mean of its two ratios, to the slip's other empty boxes and
#: to the frame's middle empty box, is at least LINE_BOTH: the two references' noise is
#: unlike (a slip's two or three other boxes against some sixty across the photo), and
#: together they tell a light line from the grain better than either. The frame's grain is
#: known only once all its slips are read: ``pipeline._light_lines`` applies this one. A
#: box that stands out by LINE_INKED on the same mean and whose plain-threshold ink
#: (``BoxRead.faint``) is at least LINE_INK above the slip's middle box (:func:`faint_marks`'
#: floor) is held too: two weaker signs of one stroke. With these three holds, on ten
#: light-doubles sets (3,380 light second marks on black print; the last two made after
#: every cut was set) the slips given a wrong status went 50 → 21, and on 45 usual sets
#: (62,700 slips) 57 more clear slips are held (bench/RESULTS.md, Box reads, twenty-fifth
#: session).
LINE_MIN = 2.2
LINE_NEAR = 1.5
LINE_OF_MARK = 0.45
LINE_BOTH = 1.85
LINE_INKED = 1.6
LINE_INK = 0.008
LINE_FLOOR = 5.0
#: The fewest empty boxes in a frame that give it a grain of its own.
LINE_FRAME_BOXES = 8


def frame_grain(slips: Iterable[Mapping[str, BoxRead]]) -> float | None:
    """The middle thin-line value (``BoxRead.line``) of the boxes not read as marked on the
    slips read in one frame: how strongly the paper's grain alone shows as a line there.
    None when they have fewer than :data:`LINE_FRAME_BOXES` such boxes."""
    lines = [b.line for reads in slips for b in reads.values() if b.score < MARKED]
    return statistics.median(lines) if len(lines) >= LINE_FRAME_BOXES else None


def light_lines(reads: Mapping[str, BoxRead], mark: str,
                grain: float | None = None) -> list[str]:
    """The boxes besides the one marked box ``mark`` that may hold a light line of ink
    (:data:`LINE_MIN`, :data:`LINE_NEAR`, and with the frame's ``grain``
    (:func:`frame_grain`) :data:`LINE_BOTH`, :data:`LINE_INKED`), in printed order; none
    when fewer than two boxes are left to compare."""
    others = _others(reads, mark)
    if len(others) < 2:
        return []
    floor = _faint_floor(reads, others)
    out = []
    for b in others:
        line = reads[b].line
        near = max(LINE_FLOOR, *(reads[o].line for o in others if o != b))
        both = line * line / (near * max(LINE_FLOOR, grain)) if grain is not None else 0.0
        if (line >= LINE_MIN * near
                or (line >= LINE_NEAR * near and line >= LINE_OF_MARK * reads[mark].line)
                or both >= LINE_BOTH ** 2
                or (both >= LINE_INKED ** 2 and reads[b].faint - floor >= LINE_INK)):
            out.append(b)
    return out


def shaded_over(reads: Mapping[str, BoxRead], mark: str | None,
                colours: Mapping[str, BoxColour] | None = None) -> list[str]:
    """The boxes, but ``mark``, that read as no mark and yet are shaded over (a light grey or
    pastel highlighter, or a smudge: see ``marks.TINT_MIN``), in printed order: a
    ``BoxRead.tint`` of TINT_MIN or more and TINT_OVER more than the middle of the slip's
    other boxes' (a shadow's edge along the row shades them all alike); or, when the photo
    has colour (``colours``, by box: how far its inside's colour lies from the row's
    paper's, ``chroma``, and from the paper's just above and below it, ``near``), of
    TINT_FAINT both ways with its colour TINT_CHROMA or more from the row's paper's, or
    with its colour TINT_HUE or more from the paper's just around it (a pastel
    highlighter; a swipe wider than the box tints the paper bands the tint is read against
    too)."""
    out = []
    for n, b in reads.items():
        if n == mark or b.score >= MARKED:
            continue
        over = b.tint - statistics.median(o.tint for m, o in reads.items() if m != n)
        c = colours.get(n) if colours is not None else None
        if ((b.tint >= TINT_MIN and over >= TINT_OVER)
                or (c is not None and c.chroma >= TINT_CHROMA and min(b.tint, over) >= TINT_FAINT)
                or (c is not None and c.near >= TINT_HUE)):
            out.append(n)
    return out


def light_lines_reason(lines: list[str]) -> str:
    """Why a slip with one mark and a thin light line in ``lines`` goes to review."""
    return (f"{the_boxes(lines, 'shows', 'show')} a thin light line: a light second mark may be "
            "there; check it")


def clean_mark(b: BoxRead) -> bool:
    """Whether a marked box holds a clean tick or cross: part of it empty, no scribble."""
    return (b.outline and b.score >= MARKED and b.spread < CLEAN_SPREAD
            and b.crossings <= 1 and b.sides < STRUCK_SIDES and b.cover <= CLEAN_COVER
            and b.fill <= CLEAN_FILL)


def final_mark(reads: Mapping[str, BoxRead], marked: list[str]) -> str | None:
    """The one box that looks re-marked after the others were struck out, or None: exactly
    one clean mark, every other marked box struck out and clearly denser than it.

    Only a hint for the person reviewing the slip (:func:`read_status` never applies it): a
    box filled in solid, the more so with its hatching run over the edges, reads like a
    box struck out, so a fill in one box and a tick in another (a double mark) would look
    like a correction; on the 200-photo bench set 26 of 504 filled boxes pass
    :func:`struck_out`, and no measure of the ink told the two apart with a margin."""
    clean = [b for b in marked if not struck_out(reads[b])]
    if len(clean) != 1 or not clean_mark(reads[clean[0]]):
        return None
    c = reads[clean[0]].cover
    if any(reads[b].cover < c + CLEAN_GAP for b in marked if b != clean[0]):
        return None
    return clean[0]


def shaded(b: BoxRead) -> bool:
    """Whether a box that reads as marked may hold the edge of a shadow instead: its ink
    no darker than the darkest paper around the box (marks.SHADE_MIN)."""
    return b.score >= MARKED and b.outline and b.shade < SHADE_MIN


def stained(b: BoxRead) -> bool:
    """Whether a box that reads as marked may hold a stain instead (a dried drop of coffee,
    tea or rain): its ink hardly darker than the darkest paper around the box, which a drop
    spreading past it stains too (marks.STAIN_SHADE; a shadow's edge reads lower still), or
    the rim of a drop's ring running through it and on past it along one small circle
    (marks.RIM_MIN)."""
    return b.score >= MARKED and b.outline and (b.shade < STAIN_SHADE or b.rim >= RIM_MIN)


def creased(b: BoxRead) -> bool:
    """Whether a box that reads as marked may hold a crease or fold of the paper (or a
    ruled line, a cup ring's rim, or a staple's crown) instead: one line, straight or gently
    bent, that runs on past the box both ways (marks.THROUGH_MIN), not a box scribbled over.
    How many runs of ink cross its sides does not count: a staple's highlight splits it
    into two dark lines, and the ink inside the box must lie along one line anyway."""
    return (b.score >= MARKED and b.outline and b.through >= THROUGH_MIN
            and not struck_out(b))


def covered(b: BoxRead) -> bool:
    """Whether a box that reads as marked may have something lying on it instead (a
    push-pin's head): a dark mass thicker than any stroke lying over its edge and
    hiding its printed outline there (marks.SOLID_MIN, marks.HIDDEN_MIN), or a corner of
    its outline not seen (marks.CORNER_MIN: a round pin head the size of the box, taken
    for it)."""
    return b.score >= MARKED and b.outline and (
        (b.solid >= SOLID_MIN and b.hidden >= HIDDEN_MIN) or b.corner < CORNER_MIN)


def written(b: BoxRead) -> bool:
    """Whether a box that reads as marked may hold writing from the after-action note below
    it instead (a tall letter reaching up into it): its ink runs out through its bottom
    side and on down into the note (marks.TAIL_MIN)."""
    return b.score >= MARKED and b.outline and b.tail >= TAIL_MIN


def beside(b: BoxRead) -> bool:
    """Whether a box that reads as marked may hold the end of a word written beside the
    label before it instead (a name after "taken", a day after "done", a reason after
    "stuck"): ink reaches further left of it than a tick's start does (marks.BEFORE_MIN)."""
    return b.score >= MARKED and b.outline and b.before >= BEFORE_MIN


def reaching(b: BoxRead) -> bool:
    """Whether a box that reads as marked may hold something lying across the slip from its
    edge instead (a paper clip's end, where its wire turns): the ink joined to it runs on
    along the box row further than a mark's does (marks.REACH_MIN)."""
    return b.score >= MARKED and b.outline and b.reach >= REACH_MIN


def banded(b: BoxRead) -> bool:
    """Whether a box that reads as marked may have something lying across it instead (a
    rubber band): a mass of ink or dark thicker than a pen's stroke runs through it and on
    out of its window both ways (marks.BAND_MIN)."""
    return b.score >= MARKED and b.outline and b.band >= BAND_MIN


def veiled(b: BoxRead) -> bool:
    """Whether a box that reads as marked may have something pale lying across it instead
    (a beige rubber band): part of its printed outline is hidden, and its ink is hardly
    darker than the paper around (marks.VEIL_EDGE, marks.VEIL_SHADE)."""
    return b.score >= MARKED and b.outline and b.edge < VEIL_EDGE and b.shade < VEIL_SHADE


def by_label(b: BoxRead) -> bool:
    """Whether a box's printed label has hand ink above it (circled; marks.LABEL_MIN): only
    a mark in a box counts, so a slip with none would lose the change it asks for."""
    return b.label >= LABEL_MIN


#: What a box read as a mark may be instead, in the order a slip's review reason names it:
#: the rule, the verb for one box and for several, and what follows it.
_NOT_INK = (
    (covered, "may have", "may have", "something lying on it (a pin's head?) that reads as a "
     "mark; check it, or retake the photo with nothing on the slip"),
    (shaded, "holds", "hold", "ink no darker than the shadowed paper around it: it may be the "
     "edge of a shadow, not a mark; check it, or retake the photo without the shadow"),
    (creased, "has", "have", "a line running through and on past it both ways: a crease or "
     "fold of the paper, a ruled line or a staple may read as a mark; check it"),
    (written, "has", "have", "ink running down out of it into the note: writing in the note "
     "may reach into it and read as a mark; check it"),
    (banded, "has", "have", "something lying across it and on past it both ways (a rubber "
     "band?) that reads as a mark; check it, or retake the photo with nothing on the slip"),
    (veiled, "has", "have", "something pale lying across it, over its printed outline (a "
     "rubber band?), that reads as a mark; check it, or retake the photo with nothing on "
     "the slip"),
    (reaching, "has", "have", "ink joined to it running on along the row to the slip's edge: "
     "something lying across the slip (a paper clip?) may read as a mark; check it, or "
     "retake the photo with nothing on the slip"),
    (stained, "may have", "may have", "a stain over it (a dried drop of coffee, tea or rain?): "
     "what reads as ink there darkens the paper past the box too, or rings it; check it, "
     "and keep slips dry"),
    (beside, "has", "have", "ink running into it from the left, from past the label before "
     "it: a word written beside that label (a name, a day, a reason) may reach into the box "
     "and read as a mark; only a mark in a box counts; check it"),
)


def _not_ink(b: BoxRead) -> bool:
    """Whether what a box reads as a mark may be something else (a shadow's edge, a
    crease, something lying on it, writing reaching into it, a band across it, dark or
    pale, a clip's end, a stain: _NOT_INK)."""
    return any(rule(b) for rule, *_ in _NOT_INK)


def _inked(reads: Mapping[str, BoxRead]) -> list[str]:
    """The boxes marked (:func:`marked_boxes`) and those read as marked that may hold a
    stain instead (:func:`stained`), in printed order: beside another mark such a box may
    as well be a light second mark, so the slip is read as a double mark, as before the
    stain check, with no likely status to lean the person either way. (A stain spreading
    left of its box may read as a word beside the label too, :func:`beside`: it stays a
    stain here; a word's end alone is no mark.)"""
    return [b for b in SLIP_STATUSES
            if b in reads and reads[b].score >= MARKED and reads[b].outline
            and not any(rule(reads[b]) for rule, *_ in _NOT_INK if rule not in (stained, beside))
            and not (beside(reads[b]) and not stained(reads[b]))]


def marked_boxes(reads: Mapping[str, BoxRead]) -> list[str]:
    """The boxes clearly marked (at least MARKED, their printed outline found, the ink
    darker than any paper around, not running on past the box, nothing lying on it, no
    writing reaching into it, nothing lying across it, not joined to ink running on along
    the row, no stain: none of _NOT_INK), in printed order."""
    return [b for b in SLIP_STATUSES
            if b in reads and reads[b].score >= MARKED and reads[b].outline
            and not _not_ink(reads[b])]


#: Joins the boxes of a slip read with two or more marks in what is kept of each read
#: (:func:`says`).
BOTH = "+"


#: Added to what a read held for a doubt about the slip itself says ('done?'; see says).
DOUBT = "?"


def says(status: str | None, reads: Mapping[str, BoxRead], doubt: bool = False) -> str:
    """What one read of a slip says, to compare photos of the same slip: its status (also a
    held slip's likely one), or its marked boxes joined by BOTH when two or more are marked
    ('done+stuck'), or '' when it says nothing clear. A later photo that reads one mark
    where an earlier one read two disagrees with it (a mark lost in a poorer photo would
    apply a wrong status); one with nothing clear does not.

    A read held for a doubt about the slip itself (``doubt``: :attr:`Decision.doubt`) says
    its likely status and DOUBT ('done?'), so that a later photo reading that status
    clearly disagrees with it: that photo may miss the same light second mark. It settled
    the held item, and applied the status no person had checked (a red team, the fortieth
    session). A read held for the photo (small, dark, blurred) says its likely status,
    which a photo retaken closer settles."""
    if status:
        return status + DOUBT if doubt else status
    inked = _inked(reads)
    return BOTH.join(inked) if len(inked) > 1 else ""


def read_status(reads: Mapping[str, BoxRead]) -> tuple[str | None, str | None]:
    """(the one marked status or None, a reason to send the slip to review or None).
    A box whose printed outline was not found is unclear, whatever its score. Two or more
    marked boxes always go to review, also when all but one look struck out (DESIGN §6:
    a struck-out box cannot be told from a filled one, see :func:`final_mark`); the reason
    then says which mark looks final. A box that may hold a stain counts as a mark there
    (:func:`_inked`); alone, it sends the slip to review as one."""
    marked = marked_boxes(reads)
    unsure = [b for b in SLIP_STATUSES
              if b in reads and (BLANK < reads[b].score < MARKED or not reads[b].outline)]
    inked = _inked(reads)  # a box that may hold a stain is a second mark beside another
    if len(inked) > 1:
        final = None if unsure else final_mark(reads, inked)
        if final is None:
            return None, f"{' and '.join(inked)} are {'both' if len(inked) == 2 else 'all'} marked"
        struck = [b for b in inked if b != final]
        names, look = " and ".join(struck), "looks" if len(struck) == 1 else "look"
        return None, (f"{names} {look} struck out and {final} marked after it, or {names} "
                      f"filled in as well: check which mark is meant")
    # a box read as marked that may hold something else: not a mark, nor a second one
    for rule, one, many, what in _NOT_INK:
        boxes = [b for b in SLIP_STATUSES if b in reads and rule(reads[b])]
        if boxes:
            return None, f"{the_boxes(boxes, one, many)} {what}"
    if len(marked) == 1 and not unsure and struck_under(reads[marked[0]]):
        # one box, a mark scribbled over to undo it (the board says to scribble a mistake
        # out): alone, it may mean no status at all (red team, round seven: 15 of 18 such
        # slips applied the status struck out)
        return None, (f"the {marked[0]} box looks scribbled over: a mark struck out to undo "
                      "it, or the box filled in? Check which is meant")
    if len(marked) == 1 and not unsure:
        # one mark: not when another box may hold a faint mark the grain threshold lost
        # (a lost second mark would make a wrong status), the less so when the one mark
        # looks struck out (its final mark may be the faint one)
        faint = faint_marks(reads, marked[0])
        if faint:
            return None, f"{the_boxes(faint, 'may hold', 'may hold')} a faint mark"
        traces = struck_traces(reads, marked[0])
        if traces:
            return None, (f"{marked[0]} looks scribbled over, and "
                          f"{the_boxes(traces, 'holds', 'hold')} a trace of ink: {marked[0]} may "
                          f"be struck out and {' or '.join(traces)} the final mark; check "
                          "which mark is meant")
        traces = ink_traces(reads, marked[0])
        if traces:
            return None, (f"{the_boxes(traces, 'holds', 'hold')} a trace of ink: a light second "
                          "mark may be there; check it")
        lines = light_lines(reads, marked[0])
        if lines:
            return None, light_lines_reason(lines)
    if unsure:
        return None, f"{the_boxes(unsure, 'is', 'are')} unclear"
    labels = [b for b in SLIP_STATUSES if b in reads and by_label(reads[b])]
    if not marked and labels:
        return None, (f"no box is marked, but there is ink by the {' and '.join(labels)} "
                      f"label{'s' if len(labels) > 1 else ''} (circled?): only a mark in a "
                      "box counts; check it")
    if not marked:
        # no mark: not when a box holds a trace of ink (a light mark blurred away)
        traces = blank_traces(reads)
        if traces:
            return None, (f"no box is clearly marked, but {the_boxes(traces, 'holds', 'hold')} a "
                          "trace of ink: a light mark may be there; check it")
        # nor when one box's plain-threshold ink stands above the others' by a mark's worth
        # (faint_marks): a light pencil tick in a blurred photo may leave the grain
        # threshold nothing. On 22 synthetic sets (23,634 slips) this held 28 of the 2,813
        # slips read blank: 14 marked slips whose mark was lost (of 38 lost in all) and 14
        # blank ones (bench/RESULTS.md, Box reads, sixteenth session)
        faint = faint_marks(reads, None)
        if faint:
            return None, (f"no box is clearly marked, but {the_boxes(faint, 'may hold', 'may hold')}"
                          " a faint mark; check it")
    return (marked[0] if marked else None), None


def blank_traces(reads: Mapping[str, BoxRead]) -> list[str]:
    """The boxes whose ink cover is above TRACE_COVER, in printed order: on a slip with no
    box marked, each may hold a light mark blurred away (:func:`ink_traces` are those beside
    a slip's one mark). On 18 synthetic sets (18,737 slips), 64 of the 2,299 slips read
    blank had such a trace, and 28 of those were marked slips whose mark was lost (of 62
    lost in all): reading them as blank would be a guess."""
    return [b for b in SLIP_STATUSES if b in reads and reads[b].cover > TRACE_COVER]


def disagreement(earlier: Iterable[str], reading: str) -> str | None:
    """Why a read that says ``reading`` disagrees with ``earlier`` reads of the same slip
    (as :func:`says` keeps them; '' says nothing, and disagrees with nothing), or None."""
    others = sorted({e for e in earlier if e and e != reading})
    return f"another photo of this slip read {said(others)}" if others else None


def _since(slip_rev: int, task: Task, earlier: Iterable[str], which: str = "that photo"
           ) -> str:
    """What a slip held for review adds when its task changed after the slip was printed
    ('' when it did not): the slip is out of date (a person's decision in review since,
    say), or, when the task changed once, to a status another photo of this slip read,
    that the task now stands as ``which`` read (it was applied from it, most likely: that
    the slip is out of date misled a red team, the fortieth session)."""
    if slip_rev >= task.rev:
        return ""
    if task.rev == slip_rev + 1 and task.status in earlier:
        return f"; the task is now {task.status} (rev {task.rev}), as {which} read"
    return (f"; and the slip is out of date: printed at rev {slip_rev}, the task changed"
            f" since (now rev {task.rev}, {task.status})")


def said(readings: Iterable[str]) -> str:
    """Readings as :func:`says` keeps them, in words: 'done, or done and stuck', 'done
    (held to check something else on it)'."""
    return ", or ".join(r.replace(BOTH, " and ") if not r.endswith(DOUBT) else
                        f"{r[:-len(DOUBT)]} (held to check something else on it)"
                        for r in readings)


def listed(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def the_boxes(boxes: list[str], one: str, many: str) -> str:
    """'the done box' and the verb ``one``, or 'the done and stuck boxes' (three: 'the
    taken, done and stuck boxes') and the verb ``many``."""
    if len(boxes) == 1:
        return f"the {boxes[0]} box {one}"
    return f"the {listed(boxes)} boxes {many}"


#: A slip held because its reading is unsure (a box in the unsure band or off its place, a
#: faint mark or a trace of ink beside the one mark, a slip too small or too blurred: the
#: pipeline's holds) is at most this sure of it, whatever its boxes' own confidences: the
#: review queue lists such slips before the ones it read surely (two boxes clearly marked).
HELD_CONFIDENCE = 0.5


def likely_status(reads: Mapping[str, BoxRead]) -> str | None:
    """What a slip sent to review most likely says, for the person deciding it (never
    applied): its one clearly marked box, when that box does not look scribbled over; else
    None. Two marked boxes get none, also when one looks struck out and the other made
    after it: a box filled in reads the same (:func:`final_mark`), and the queue should not
    lean the person either way."""
    marked = marked_boxes(reads)
    return (marked[0] if len(marked) == 1 and len(_inked(reads)) == 1
            and not scribbled(reads[marked[0]]) else None)


def _read_surely(reads: Mapping[str, BoxRead]) -> bool:
    """Whether a slip held by :func:`read_status` was read surely: two or more boxes clearly
    marked and none unsure (review is the answer, not a doubt)."""
    return len(_inked(reads)) > 1 and not any(BLANK < r.score < MARKED or not r.outline
                                              for r in reads.values())


def decide(reads: Mapping[str, BoxRead], slip_rev: int, task: Task | None,
           earlier: Iterable[str] = (), geometry_confidence: float = 1.0) -> Decision:
    """The outcome for a slip printed at ``slip_rev`` whose boxes read ``reads``.

    ``earlier``: what other photos (or this one, elsewhere) read from the same slip (task
    and rev), as :func:`says` keeps it; a different one means two photos disagree."""
    earlier = list(earlier)
    conf = min([r.confidence for r in reads.values()] + [geometry_confidence])
    conf = round(conf, 3)
    if task is None:
        return Decision(None, "unknown-task", conf, "no such task in this record")
    status, unclear = read_status(reads)
    if unclear:  # (a slip decided since, by a person say, is said to be out of date too)
        return Decision(likely_status(reads), "review",
                        conf if _read_surely(reads) else min(conf, HELD_CONFIDENCE),
                        unclear + _since(slip_rev, task, earlier,
                                         "another photo of this slip"), doubt=True)
    if status is None:
        return Decision(None, "unchanged", conf, "no box marked")
    if status == task.status:
        return Decision(status, "unchanged", conf, f"already {status}")
    why = disagreement(earlier, status)
    if why:
        return Decision(status, "review", min(conf, 0.4), why + _since(slip_rev, task, earlier))
    if slip_rev < task.rev:
        return Decision(status, "stale", conf,
                        f"printed at rev {slip_rev}; the task changed since (now rev {task.rev}, "
                        f"{task.status})")
    if slip_rev > task.rev:
        return Decision(status, "review", conf,
                        f"slip rev {slip_rev} is newer than the record's rev {task.rev}")
    return Decision(status, "applied", conf, f"{task.status} → {status}")
