"""Photos → codes → slip poses → box reads → decisions → one record transaction per photo."""

from __future__ import annotations

import contextlib
import hashlib
import os
import statistics
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .. import codes
from ..errors import BadCode, InvalidValue, OtherKit, PhotoError
from ..kit import Kit
from ..layout import slip as S
from ..record import scans as rs
from ..record.db import Record, Source
from ..record.models import Task
from ..record.prints import printed_codes, was_printed
from ..record.tasks import get_task, list_tasks, set_status
from ..signals import held_signals
from . import colour as colour_mod
from . import decode, missing, pools, sheet
from .colour import Colour, box_colours, marked_in_colour
from .corners import hidden_corners
from .decide import (
    HELD_CONFIDENCE,
    QUEUED,
    SETTLED,
    Decision,
    decide,
    disagreement,
    frame_grain,
    light_lines,
    light_lines_reason,
    listed,
    said,
    says,
    shaded_over,
    the_boxes,
)
from .decode import Decoded, Found, backend, find_codes, first_look
from .geometry import (
    SlipPose,
    boxes_outside,
    code_homography,
    covered_boxes,
    locate,
    print_depth,
    row_continues,
    slip_outline,
)
from .helper import HelperFailed
from .helper import close_shared as close_helper
from .helper import shared as shared_helper
from .helper import stop as stop_helper
from .known import KnownCodes
from .load import Frame, Photo, as_path, left_out, load_photo, not_read, photo_files, read_bytes
from .marks import BoxRead, read_boxes, struck_across
from .memory import keep_freed_memory
from .result import PhotoResult, SlipResult
from .soft import Expected
from .store import CROP_RECTS, crop_image, discard, store_crop, store_photo
from .through import soft_and_light


def _fresh_pool() -> pools.Pool:
    """The scan's pool: slips in a photo are measured two at a time (the machines this runs
    on have 2+ cores) when the helper is not up; a JPEG's early first pass
    (decode.first_look) runs here too."""
    return pools.fresh("paperkit-scan")


_POOL = _fresh_pool()
#: How many scans (:func:`scan_photo`) are running in this process now, in any thread;
#: :func:`end_run` waits until none is.
_running = 0
_running_changed = threading.Condition()


def _forked() -> None:
    """A fresh pool in a forked child: the parent's threads are not copied by a fork, and
    work handed to its pool there would wait for ever. No scan runs in the child yet
    (:data:`_running`: the parent's other threads' scans are not copied either)."""
    global _POOL, _running, _running_changed
    _POOL, _running, _running_changed = _fresh_pool(), 0, threading.Condition()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forked)


#: Below this many frame pixels per slip unit (a QR module of 2.5 px) a thin, light pen
#: stroke can vanish in blur and JPEG: a slip read as one mark there might hold a second mark
#: nothing saw (a double mark applied as one status, bench/RESULTS.md), so it goes to review.
MIN_PPU = 1.0
#: Below LIGHT_PPU, a slip whose one mark is itself light (its ink cover under LIGHT_COVER of
#: the interior; a full mark is 0.07) also goes to review: a second mark as light may have
#: left no trace there. On seven synthetic sets (~10,500 slips) the only two one-mark reads
#: beside a real second mark that no rule caught were light pencil ticks (cover 0.06-0.07)
#: on blurred slips at 1.05 px a unit, one of them applied as a wrong status; the rule holds
#: 0.5 % of one-mark slips (bench/RESULTS.md, Box reads).
LIGHT_PPU = 1.2
LIGHT_COVER = 0.1
#: Below BLANK_PPU a slip read with no box marked and no trace of ink (a trace or a faint
#: mark sends it to review: decide.blank_traces, decide.faint_marks) may still hold a light
#: mark that left nothing: on 18 synthetic sets (18,737 slips) 30 of the 459 such slips
#: under 1.3 px a unit were marked (6.5 %), against 4 of 1,775 above (0.2 %). Nothing is
#: changed either way, but such a slip's reason says so and its confidence is at most
#: BLANK_CONFIDENCE.
BLANK_PPU = 1.3
BLANK_CONFIDENCE = 0.5
#: A slip whose boxes' print stands less than DARK_CONTRAST grey levels from the paper (the
#: median of its boxes' ``BoxRead.contrast``) lies in a dark photo, or a dark part of one: a
#: box's confidence falls to 0 at ``marks.MIN_CONTRAST`` (20), and a light mark can be
#: lost. On the 200-photo set the slips' median is 38 at the least and 65 or more for 95 in
#: 100; a photo exposed at a quarter of its light reads 31-40, at an eighth 15-21. A slip of
#: a pale print stands little from its paper in any light, so it is told apart by its print
#: (:func:`_lies_dark`). Such a slip is not applied (its boxes' confidence is 0.375 at most
#: there: it goes to review, as a slip too small in the photo does), one read blank says
#: so (as under BLANK_PPU), and a photo in which a quarter of the slips read lie dark, its
#: print not pale (:func:`_pale`), says to retake it in more light.
DARK_CONTRAST = 35.0
#: A photo in which at least a quarter of the slips read have codes under ADVISE_CODE_PX
#: wide (1.4 px a slip unit) says how to take the next one: on 19 synthetic sets (19,137
#: slips) a clear slip went to review 4-15 % of the time under 1.4 px a unit, and 1.3 %
#: or less above it (bench/RESULTS.md, Box reads). It also says that slips so small may
#: not be read at all: on 22 synthetic sets (1,592 photos), 13 of the 14 photos that left
#: slips out with nothing said showed it (photos of the whole wall board, mostly). And that
#: a light second mark may be missed there: on ten synthetic light-doubles sets a light
#: second mark was missed (its slip given the firm mark's status) on 13 of 1,010 such slips
#: under it, against 8 of 2,347 above (bench/RESULTS.md, Box reads, twenty-fifth session).
ADVISE_CODE_PX = 100
#: A photo whose long side is this many pixels or fewer is smaller than a phone's back camera
#: takes (an 8 MP photo is 3264 px, 12 MP 4032): messaging apps shrink the photos they send
#: to 1280-3072 px (WhatsApp 1600, Signal 1600 or 2048 and 3072 from its desktop app,
#: Telegram 1280 or 2560), and 20 slips on a 1600 px copy have codes of about 1 px a module
#: (2048 px: 1.3). When its slips are small or none is read, a JPEG (what they send) also
#: says to send the original file: coming closer, as the small-slips tip says, is not what
#: such a photo needs (on 60 photos of the bench set shrunk to 1600 and 2048 px at JPEG
#: quality 75 and 80, 66 % and 50 % of the clear slips went to review, against 2.3 % for
#: the originals; bench/RESULTS.md, Box reads, twenty-ninth session).
SHRUNK_SIDE = 3072
#: A frame most of whose slips have a print paler than this (:func:`geometry.print_depth`,
#: of up to PALE_SLIPS of them, at least 3) has a pale print: a printer low on toner, or in
#: its draft mode. The box reads judge ink against the print's own darkness, so on a pale
#: print the paper's grain and noise come near that level: on synthetic photos of 2,800
#: slips printed 0.5-0.7 as dark (pen marks as dark as ever), 8 empty boxes read as marked
#: (two as surely as a real mark; each beside a real mark, so the slip went to review, but
#: on a blank slip it would be applied), and 16-17 % of the clear slips went to review
#: against 3 % for black print (bench/RESULTS.md, Box reads, twenty-second session). No
#: slip read from a pale print is applied (it goes to review), and the photo says to print
#: darker. The median of the first 8 slips read was 0.866 or more on every photo of black
#: toner (576 photos of 7 sets, coloured paper among them), 0.726 or less on every photo of
#: pale print (140 photos).
PALE_DEPTH = 0.8
PALE_SLIPS = 8
#: On a pale print, a slip is still applied when the darkest ink of its one mark is at
#: least PALE_INK_DEPTH of the paper's light below it and at least PALE_INK_STAND times the
#: paper's grain (``BoxRead.depth``, ``BoxRead.stand``): a pen's stroke, not the grain or a
#: noisy photo's speckle read as a mark. Measured on synthetic pale prints (four sets, 7,000
#: slips, one of them with a dim room's noise, 2.5 times the harness's): of the 301 empty
#: boxes read as marked, none passed both but where the box was read off its printed
#: outline, the outline itself taken for ink (held as an unclear box whatever the print);
#: the grain's own marks were at most 0.24 deep where they stood 3.5 times the grain or
#: more, and under 3 times the grain where 0.3 deep or more (the noisy set's speckle
#: reached 0.55). The one wrong status the pale hold caught there was 0.14 deep. Of the
#: right marks it held, 87 % pass both and are applied (pencil is the lightest); the rest
#: go to review as before (bench/RESULTS.md, Box reads, twenty-third session).
PALE_INK_DEPTH = 0.3
PALE_INK_STAND = 5.0
#: A slip of a frame not taken for a pale print is held the same way when its mark is not
#: dark ink and its own print is paler than PALE_SLIP_DEPTH: a second, pale print run
#: photographed among black slips. A black slip's print looks pale under a glare or a haze
#: over its code too, and such a light often lightens its mark as well: on 39 synthetic sets
#: of one print a photo (53,868 slips) 7 slips read right are held so (under 0.8 it would be
#: 21); a pale print's slips measure 0.72 or less 9 times in 10 (0.79 at most).
PALE_SLIP_DEPTH = 0.72
#: Decode steps (the last part of their name, decode.py: ``regions:deblur``,
#: ``tight:soft``, ...) that read a code no decoder pass could: the image was too
#: blurred or damaged for them, and may be for its marks too (on the 200-photo set one such
#: slip had a struck-out box read as clean), so such a slip is never applied.
GUESSED = ("deblur", "known", "soft", "sharp", "bent")
#: How a scan in black and white only is named (:attr:`load.Frame.bilevel`): its slips'
#: marks are held (a light mark may be lost in it), and the photo's tip says so.
BILEVEL = "the scan is in black and white only, without greys"
#: How long (seconds) a slip waits for the helper process before it is measured here.
HELPER_WAIT = 10.0


@dataclass(frozen=True)
class _Read:
    """A slip read in a frame, before anything is written."""

    result: SlipResult
    frame: Frame
    pose: SlipPose | None
    boxes: Mapping[str, BoxRead] | None = None  # every box read, when the slip was located
    dark: bool = False  # the slip lies dark in the photo (_lies_dark)
    colour: Colour | None = None  # the frame's colour (_colour), for the review picture

    @property
    def mark(self) -> BoxRead | None:
        """The box read as its status, when one is."""
        status = self.result.status
        return self.boxes.get(status) if self.boxes and status else None


def _geometry_confidence(pose: SlipPose, outlines: int) -> float:
    if pose.marks >= 2:
        return 1.0
    if pose.marks == 1:
        return 0.8
    return 0.6 if outlines == 4 else 0.3


def _verifies(kit: Kit, text: str) -> bool:
    try:
        codes.verify(text, kit.key, kit.id)
    except (OtherKit, BadCode):
        return False
    return True


def measure(frame: Frame, found: Found) -> tuple[SlipPose, dict]:
    """The image work for one code: the slip's pose and its box reads. Touches no record,
    so several run at once (OpenCV and NumPy release the GIL for their heavy parts)."""
    pose = locate(frame.gray, found.corners)
    return pose, read_boxes(frame.gray, pose)


def _result(fut: Future, frame: Frame, found: Found):
    """A measurement started in the pool or the helper; measured here if the helper could
    not. A helper slower than :data:`HELPER_WAIT` seconds is stopped (its other slips are
    then measured here at once, and later photos are measured in-process)."""
    try:
        return fut.result(timeout=HELPER_WAIT if getattr(fut, "remote", False) else None)
    except FutureTimeout:
        stop_helper("the helper process was too slow")
    except HelperFailed:
        pass
    return measure(frame, found)


def _help(pending: dict[int, Future], frame: Frame, found: tuple[Found, ...], i: int,
          also: Future | None = None) -> None:
    """Once the codes are found, their slips are read in order, each as soon as it is
    measured. While the helper has not finished slip ``i`` (or ``also`` is not done: the
    photo's colour, decoded on a thread, which reading the first slip waits for), this
    process measures one of the helper's later slips instead of waiting: the last of them.
    If the helper has not started it, its queued job is taken back (it can still be
    cancelled); if it has (the helper's process pool sends it up to two slips ahead of the
    one it measures), it is measured here as well and this result is used (the helper's,
    the same, is dropped). So this process reads the slips measured while the helper
    measures the rest, and both cores stay busy until the photo's last slip: reading a
    slip (its checks past the box reads) is work only this process can do, and it no
    longer waits until every slip is measured (bench/RESULTS.md, Speed, thirty-eighth
    session)."""
    mine = pending.get(id(found[i]))

    def waiting() -> bool:
        return ((mine is not None and hasattr(mine, "take_back") and not mine.done())
                or (also is not None and not also.done()))

    while waiting():
        later = [f for f in found[i + 1:]
                 if hasattr(pending.get(id(f)), "take_back") and not pending[id(f)].done()]
        if not later:
            return
        job = pending[id(later[-1])]
        if not job.started():
            job.take_back()  # (started meanwhile: then measured here as well)
        pending[id(later[-1])] = _measured_here(frame, later[-1])


def _measured_here(frame: Frame, found: Found) -> Future:
    here: Future = Future()
    here.set_result(measure(frame, found))
    return here


#: How many of a frame's slips are located again as mirrored before the frame is taken for a
#: mirror image (:func:`_mirrored`).
MIRROR_TRIES = 3


def _transposed(found: Found) -> Found:
    """``found`` with its top-right and bottom-left corners swapped: a decoder reads a code
    in a mirror image as well, and gives its corners as for the code seen from behind (the
    QR's finders sit the same way mirrored across its diagonal), so its slip's boxes are
    looked for across that diagonal, off the slip; swapped, the pose is the mirrored one."""
    return replace(found, corners=found.corners[[0, 3, 2, 1]])


def _mirrored(frame: Frame, found: tuple[Found, ...], reads: list[_Read]) -> bool:
    """Whether ``frame`` is a mirror image (a front camera's photo, or one an app flipped):
    no slip located in it found every box as read, and each of the first
    :data:`MIRROR_TRIES` located does with its code's corners :func:`_transposed`. A frame
    with any slip read the usual way costs nothing more."""
    located = [(f, r.pose) for f, r in zip(found, reads, strict=True) if r.pose is not None]
    if not located or any(len(pose.boxes) == len(S.BOXES) for _, pose in located):
        return False
    return all(len(locate(frame.gray, _transposed(f).corners).boxes) == len(S.BOXES)
               for f, _ in located[:MIRROR_TRIES])


def _overlaps(found: tuple[Found, ...], poses: dict[int, SlipPose | None]
              ) -> dict[int, tuple[Found, list[str]]]:
    """For each code in one frame whose slip has check boxes under another slip read there
    (:func:`geometry.covered_boxes`), that slip's code and those boxes. A slip measured
    here is placed by its pose; any other (another kit's, a forged one: paper all the
    same) by its code's corners."""
    slips = []
    for f in found:
        pose = poses.get(id(f))
        slips.append((pose.H, pose.boxes, f.corners) if pose is not None
                     else (code_homography(f.corners), {}, f.corners))
    return {id(found[i]): (found[j], boxes)
            for i, (j, boxes) in covered_boxes(slips).items()}


def _covered(read: _Read, top: Found, boxes: list[str]) -> _Read:
    """``read`` of a slip whose ``boxes`` lie under the slip of code ``top``: what they read
    is not this slip's, so it goes to review (whatever it read: a mark seen there may be
    the other slip's), and its read is kept as saying nothing (:func:`decide.says`)."""
    s = read.result
    if s.outcome not in (*SETTLED, *QUEUED):  # not unknown-task, bad-code, other-kit
        return read
    try:
        which = f"the slip of {codes.parse(top.text).task}"
    except BadCode:
        which = "another slip"
    why = (f"{which} lies over part of this one (its {' and '.join(boxes)} "
           f"box{'es' if len(boxes) > 1 else ''}), so a mark seen there may be on that"
           " slip; lay the slips apart and take the photo again")
    held = _held(read, why)
    return replace(held, result=replace(held.result, status=None, says=""))


def _refused(kit: Kit, rec: Record, text: str, label: str) -> SlipResult | None:
    """The result for a code that is not this kit's (another kit's, a forged or malformed
    one), or None for one that verifies."""
    try:
        codes.verify(text, kit.key, kit.id)
    except (OtherKit, BadCode) as exc:
        outcome = "other-kit" if isinstance(exc, OtherKit) else "bad-code"
        try:
            parsed = codes.parse(text)
            task, rev = parsed.task, parsed.rev
        except BadCode:
            task = rev = None
        reason = str(exc)
        if outcome == "other-kit" and task is not None and was_printed(rec, text, task, rev):
            # this record printed it: the key here is not the one it was printed with (a
            # record restored onto a fresh init, whose key and kit id are new)
            reason = (f"this record printed this slip, under kit {codes.parse(text).kit},"
                      f" but the kit.key here is kit {kit.id}'s: put back the kit.key the"
                      " record's slips were printed with (a backup holds the record, not the"
                      " key), then scan this photo again with --again")
        return SlipResult(code=text, task=task, rev=rev, read={}, status=None,
                          outcome=outcome, confidence=1.0, reason=reason, frame=label)
    return None


def read_slip(kit: Kit, rec: Record, frame: Frame, found: Found,
              seen: dict[tuple[str, int], list[str]], tasks: Mapping[str, Task],
              measured=None, colour: Colour | None = None) -> _Read:
    """Verify, locate, read and decide one code. ``seen`` holds statuses already read from
    each (task, rev) in this photo; it is updated. ``tasks``: the record's tasks by id,
    read once for the photo. ``measured`` is ``measure``'s result when it was computed
    already; ``colour``: the frame's (:func:`_colour`), or None."""
    refused = _refused(kit, rec, found.text, frame.label)
    if refused is not None:
        return _Read(refused, frame, None)
    code = codes.parse(found.text)
    pose, reads = measured or measure(frame, found)
    task = tasks.get(code.task)
    key = (code.task, code.rev)
    earlier = [*rs.earlier_reads(rec, *key), *seen.get(key, [])]
    outlines = sum(r.outline for r in reads.values())
    geometry = _geometry_confidence(pose, outlines)
    decision = decide(reads, code.rev, task, earlier, geometry)
    held = min(decision.confidence, HELD_CONFIDENCE)  # a hold below: the reading is unsure
    dark = _lies_dark(frame, pose, reads)
    small = f"the slip is small in the photo (its code {pose.ppu * S.QR.width:.0f} px wide)"
    settles = decision.outcome == "applied" or (decision.outcome == "unchanged"
                                                and decision.status is None)
    lined_up = settles and row_continues(frame.gray, pose)
    hidden = hidden_corners(frame.gray, pose) if settles and not lined_up else []
    corners = ("" if not hidden else
               f"the slip's {hidden[0]} corner (its printed mark) does not show"
               if len(hidden) == 1 else
               f"the slip's {listed(hidden)} corners (their printed marks) do not show")
    settled = decision.outcome in SETTLED  # also unchanged on the task's own status
    colours = box_colours(colour, pose) if colour is not None and settled else None
    tinted = marked_in_colour(colours, decision.status) if settles else []
    over = shaded_over(reads, decision.status, colours) if settled else []
    if tinted:  # a highlighter or a gel pen, light in grey: read as no mark
        decision = Decision(decision.status, "review", held,
                            f"{the_boxes(tinted, 'holds', 'hold')} a light coloured mark (a"
                            " highlighter, a gel pen?) that the reading in grey does not see;"
                            " check it", doubt=True)
    elif over:  # a light grey or pastel highlighter: too light and even to read as ink
        decision = Decision(decision.status, "review", held,
                            f"{the_boxes(over, 'is', 'are')} shaded over (a light grey or"
                            " pastel highlighter, or a smudge?), which the reading does not"
                            " count as a mark; check it", doubt=True)
    elif decision.outcome in SETTLED and decision.status is not None and frame.bilevel:
        decision = Decision(decision.status, "review", held,
                            f"{BILEVEL}, so a pencil or light mark (a second one beside this"
                            " one) may be lost; check it, or scan the slips again in greyscale or"
                            " colour")
    elif decision.outcome == "unchanged" and decision.status is None and frame.bilevel:
        decision = Decision(None, "unchanged", min(decision.confidence, BLANK_CONFIDENCE),
                            f"no box marked, but {BILEVEL}, so a pencil or light mark may be"
                            " lost; if it was marked, scan the slip again in greyscale or"
                            " colour")
    elif decision.outcome == "applied" and lined_up:
        decision = Decision(decision.status, "review", held,
                            "check boxes continue this slip's row beyond its left edge: another"
                            " slip, whose code was not read, may lie over this one with its boxes"
                            " on this one's; check it, or lay the slips apart and retake the"
                            " photo")
    elif decision.outcome == "applied" and hidden:
        decision = Decision(decision.status, "review", held,
                            f"{corners}: another slip, a hand or the photo's edge hides part of"
                            " the slip, and a slip lying over this one may have its mark on this"
                            " one's boxes; check it, or lay the slips apart and retake the"
                            " photo with the whole slip in it")
    elif decision.outcome == "applied" and geometry < 0.5:
        decision = Decision(decision.status, "review", held,
                            "the slip's position in the photo is uncertain")
    elif (decision.outcome in SETTLED and decision.status is not None
          and struck_across(frame.gray, pose, reads)):  # (also on the task's own status)
        decision = Decision(decision.status, "review", held,
                            "ink runs across the slip above its boxes: is the slip struck out"
                            " (or stained)? Only a mark in a box counts; check it", doubt=True)
    elif decision.outcome == "applied" and found.step.split(":")[-1] in GUESSED:
        decision = Decision(decision.status, "review", held,
                            "the code was read only by modelling a blurred or damaged image,"
                            " so its marks may be as unclear; check it, or retake the photo"
                            " closer and steadier")
    elif decision.outcome == "applied" and pose.ppu < MIN_PPU:
        decision = Decision(decision.status, "review", held,
                            f"{small}, so a faint second mark could be missed; check it, or"
                            " retake the photo closer")
    elif decision.outcome == "applied" and dark:
        decision = Decision(decision.status, "review", held,
                            f"the photo is dark here (the print only {_contrast(reads):.0f} grey"
                            " levels from the paper), so a light second mark could be missed;"
                            " check it, or retake the photo in more light")
    elif (decision.outcome == "applied" and pose.ppu < LIGHT_PPU
          and reads[decision.status].cover < LIGHT_COVER):
        decision = Decision(decision.status, "review", held,
                            f"{small} and its {decision.status} mark light, so a second light"
                            " mark could have left no trace; check it, or retake the photo"
                            " closer")
    elif decision.outcome == "applied" and soft_and_light(frame.gray, pose, decision.status):
        decision = Decision(decision.status, "review", held,
                            f"the {decision.status} mark is light and soft-edged, as writing on"
                            " the back of the slip seen through the paper looks; check it",
                            doubt=True)
    elif decision.outcome == "unchanged" and decision.status is None and lined_up:
        decision = Decision(None, "unchanged", min(decision.confidence, BLANK_CONFIDENCE),
                            "no box marked, but check boxes continue this slip's row beyond its"
                            " left edge: another slip may lie over this one's boxes; if it was"
                            " marked, lay the slips apart and retake the photo")
    elif decision.outcome == "unchanged" and decision.status is None and hidden:
        decision = Decision(None, "unchanged", min(decision.confidence, BLANK_CONFIDENCE),
                            f"no box marked, but {corners}: something may lie over part of the"
                            " slip; if it was marked, lay the slips apart and retake the photo")
    elif decision.outcome == "unchanged" and decision.status is None and pose.ppu < BLANK_PPU:
        decision = Decision(None, "unchanged", min(decision.confidence, BLANK_CONFIDENCE),
                            f"no box marked, but {small}, so a light mark could be missed;"
                            " if it was marked, retake the photo closer")
    elif decision.outcome == "unchanged" and decision.status is None and dark:
        decision = Decision(None, "unchanged", min(decision.confidence, BLANK_CONFIDENCE),
                            f"no box marked, but the photo is dark here (the print only"
                            f" {_contrast(reads):.0f} grey levels from the paper), so a light"
                            " mark could be missed; if it was marked, retake the photo in more"
                            " light")
    if decision.outcome == "review" and decision.reason.endswith(" unclear"):
        cut = [b for b in boxes_outside(pose, frame.gray.shape) if not reads[b].outline]
        if cut:  # say why, and what to do (a photo retaken so settles it: no doubt)
            decision = replace(decision, doubt=False, reason=(
                f"{decision.reason}: {the_boxes(cut, 'lies', 'lie')} outside the photo (cut off"
                " at its edge); retake the photo with the whole slip in it"))
    reading = says(decision.status, reads, decision.doubt)
    seen.setdefault(key, []).append(reading)
    res = SlipResult(code=found.text, task=code.task, rev=code.rev,
                     read={k: v.score for k, v in reads.items()}, status=decision.status,
                     outcome=decision.outcome, confidence=decision.confidence,
                     reason=decision.reason, frame=frame.label, says=reading)
    return _Read(res, frame, pose, reads, dark, colour)


def _early_looks(raw: bytes, decoder: str) -> tuple[Future, Future | None]:
    """Two looks at the file's bytes, one after the other on a thread of the pool, beside
    the full-size decode: the first pass (:func:`decode.first_look`), and then, for a JPEG,
    its colour (:func:`colour.of_jpeg`), each in its own future. Run after the first pass,
    the colour's decode does not slow the full-size decode and the first pass down (both
    waited for) as a third decode at once did: with the colour and its checks a scan takes
    1.19 of the time it took without them, against 1.23 (bench/RESULTS.md, Speed,
    thirty-third session)."""
    early: Future = Future()
    tint: Future | None = Future() if raw[:3] == b"\xff\xd8\xff" else None

    def look() -> None:
        for future, work in ((early, lambda: first_look(raw, decoder)),
                             (tint, lambda: colour_mod.of_jpeg(raw))):
            if future is None or not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(work())
            except BaseException as exc:  # noqa: BLE001 - handed to whoever waits for it
                future.set_exception(exc)

    _POOL.submit(look)
    return early, tint


def _colour(photo: Photo, tint: Future | None, frame: Frame) -> Colour | None:
    """The colour of the photo's frame (:mod:`colour`): a PDF's or a TIFF's page's, made
    with it; a JPEG's, decoded after the first pass (``tint``; a huge one's frame is read
    at half size, its colour still fits); or made from a picture Pillow decoded in colour;
    None for a grey picture."""
    if frame.colour is not None:  # a PDF's or a TIFF's page
        return colour_mod.fits(frame.colour, frame.gray.shape)
    if len(photo.frames) != 1:
        return None
    if tint is not None:
        try:
            return colour_mod.fits(tint.result(), frame.gray.shape)
        except Exception:  # noqa: BLE001 - no colour: the slips are read in grey alone
            return None
    return (colour_mod.fits(colour_mod.of_image(photo.image), frame.gray.shape)
            if photo.image is not None else None)


def _settle_duplicates(reads: list[_Read]) -> list[_Read]:
    """Two copies of one slip in the same photo that disagree (:func:`decide.says`: one
    mark against another, or against two) all go to review."""
    by_key: dict[tuple, set[str]] = {}
    for r in reads:
        if r.pose is not None and r.result.says:
            by_key.setdefault((r.result.task, r.result.rev), set()).add(r.result.says)
    out = []
    for r in reads:
        readings = by_key.get((r.result.task, r.result.rev), set())
        if len(readings) > 1 and r.result.outcome not in ("unknown-task",):
            r = replace(r, result=replace(r.result, outcome="review",
                                          confidence=min(r.result.confidence, 0.4),
                                          reason="copies of this slip in the photo disagree: "
                                                 + said(sorted(readings))))
        out.append(r)
    return out


def _missing(frame: Frame, decoded: Decoded, reads: list[_Read]) -> missing.Missing:
    """Where in ``frame`` slips lie whose code was not read, each place once: whole (a code
    seen but not read, ``decoded.unread``, or a piece of paper like a slip away from every
    slip read) and cut off by the photo's edge (paper that runs out of the photo,
    :func:`missing.codeless_slips`, or a code cut there, ``decoded.cut``; a code seen by
    such paper is that slip's)."""
    outlines = [slip_outline(r.pose.H if r.pose is not None else code_homography(f.corners))
                for f, r in zip(decoded.found, reads, strict=True)]
    found = missing.codeless_slips(frame.gray, outlines, decoded.half)
    # an uncut sheet is one piece of paper: its slips whose code was not read, by their
    # codes' dark squares (or their rows of boxes) beside the slips read
    whole = missing.apart(found.whole, sheet.unread_neighbours(
        frame.gray, [r.pose.H for r in reads if r.pose is not None], outlines), outlines)
    # a code cut off by cut paper is that paper's; a code seen by either, that slip's
    cut = missing.apart(found.cut, decoded.cut, outlines, at=missing.centre)
    said = missing.apart([*map(missing.centre, cut), *whole], decoded.unread, outlines)
    return missing.Missing(said[len(cut):], cut)


def _of(label: str, frames: int) -> str:
    """The frame, in words: 'the photo', or for a PDF's page 'page 2 of slips.pdf'."""
    if frames > 1 and "#" in label:  # a PDF's page (load.py names it file.pdf#2)
        name, page = label.rsplit("#", 1)
        return f"page {page} of {name}"
    return "the photo"


def _where(center: np.ndarray, shape: tuple[int, ...], label: str, frames: int
           ) -> tuple[str, str]:
    """Where a point lies in a frame, in words a person finds it by: ('the top left',
    'the photo'), or for a PDF's page ('the middle', 'page 2 of slips.pdf')."""
    h, w = shape[:2]
    col = ("left", "", "right")[min(2, int(3 * float(center[0]) / max(w, 1)))]
    row = ("top", "", "bottom")[min(2, int(3 * float(center[1]) / max(h, 1)))]
    return "the " + (f"{row} {col}".strip() or "middle"), _of(label, frames)


def _said(places: list[tuple[str, str]]) -> str:
    """``places`` ((part, frame) pairs, :func:`_where`) in words, each part once with how
    many lie there: 'the top left and the bottom (2) of the photo'."""
    where: dict[str, dict[str, int]] = {}  # each part of each frame, and how many lie there
    for part, of in places:
        parts = where.setdefault(of, {})
        parts[part] = parts.get(part, 0) + 1
    return "; ".join(f"{listed([p if k == 1 else f'{p} ({k})' for p, k in parts.items()])} of {of}"
                     for of, parts in where.items())


def _unread_message(places: list[tuple[str, str]]) -> str:
    """The error for slips whose code was not read (:func:`_missing`), ``places`` from
    :func:`_where`: those slips are not in the scan, and nothing else tells them apart from
    slips that were never photographed. Worded for what was seen (a code, or paper printed
    like a slip: a card or a note may look the same), not for what it surely is."""
    n, said = len(places), _said(places)
    if n == 1:
        return (f"no code was read for what looks like a slip at {said}: if it is one, it is"
                " not in this scan; retake it closer, flatter and steadier")
    return (f"no code was read for what look like {n} slips at {said}: if they are slips,"
            " they are not in this scan; retake them closer, flatter and steadier")


def _cut_message(places: list[tuple[str, str]]) -> str:
    """The error for slips cut off by the photo's edge (:func:`_missing`), ``places`` as
    (edge, frame): ('the left edge', 'the photo'). Worded as :func:`_unread_message`."""
    n, said = len(places), _said(places)
    if n == 1:
        return (f"what looks like a slip is cut off at {said}: if it is one, it is not in"
                " this scan; take the photo again with the whole slip in it")
    return (f"what look like {n} slips are cut off at {said}: if they are slips, they are"
            " not in this scan; take the photo again with each slip whole in it")


def _contrast(boxes: Mapping[str, BoxRead]) -> float:
    """How far a slip's print stands from its paper: the median of its boxes' contrast
    (grey levels; :data:`DARK_CONTRAST`)."""
    return float(statistics.median(b.contrast for b in boxes.values())) if boxes else 255.0


def _lies_dark(frame: Frame, pose: SlipPose, boxes: Mapping[str, BoxRead]) -> bool:
    """Whether a slip lies dark in the photo: its print stands less than
    :data:`DARK_CONTRAST` from its paper (:func:`_contrast`) while the print itself is not
    pale (:func:`geometry.print_depth`, measured only then: a pale print run's slips stand
    little from their paper in good light too)."""
    return (_contrast(boxes) < DARK_CONTRAST
            and print_depth(frame.gray, pose.H, PALE_SLIP_DEPTH)[0] >= PALE_SLIP_DEPTH)


def _advice(reads: list[_Read], photo: Photo, pale: bool = False, mirrored: bool = False
            ) -> tuple[str, ...]:
    """What to do differently next time: when many slips in the photo were small in it, to
    come closer; when the slips' print is ``pale`` (:func:`_pale`), to print darker, or
    else when many lie dark in it (:func:`_lies_dark`), to retake it in more light; when
    the photo is ``mirrored`` (:func:`_mirrored`), that it was read as such; and first,
    when the photo is a JPEG no larger than :data:`SHRUNK_SIDE` and its slips were small or
    none was read, to send the original file."""
    sizes = [r.pose.ppu for r in reads if r.pose is not None]
    small = sum(ppu * S.QR.width < ADVISE_CODE_PX for ppu in sizes)
    tips = []
    many_small = bool(small) and small * 4 >= len(sizes)
    if many_small:
        which = "the one slip read is" if len(sizes) == 1 else \
            f"{small} of {len(sizes)} slips are"
        tips.append(f"{which} small in this photo (codes under {ADVISE_CODE_PX} px wide): small"
                    " slips go to review more often, a light pencil mark beside a firm one can"
                    " be missed on them (check what was applied), and some may not be read at"
                    " all (count the slips read against those in the photo); next time"
                    " photograph fewer slips at a time, or come closer, so that ten slips side"
                    " by side would fill the photo")
    if pale:
        tips.append("the print on these slips looks pale (a printer low on toner, or its draft"
                    " mode?): on a pale print the paper's grain can read as a light mark, so a"
                    " slip whose mark is light goes to review; print the next slips at full"
                    " darkness (if the print is dark and a glare or haze lies over the photo,"
                    " retake it instead)")
    dark = [_contrast(r.boxes) for r in reads if r.dark and r.boxes]
    if dark and len(dark) * 4 >= len(sizes) and not pale:
        where = (f"the photo is dark: on {'its one slip' if len(sizes) == 1 else 'its slips'}"
                 if len(dark) == len(sizes) else
                 f"part of the photo is dark (a shadow?): on {len(dark)} of {len(sizes)} slips")
        tips.append(f"{where} the print stands"
                    f" only {statistics.median(dark):.0f} grey levels from the paper (over 60"
                    " in good light), so their marks are read less surely: a marked slip there"
                    " goes to review, not applied, and a light mark can be missed; retake it in"
                    " more light (daylight, or a lamp to one side; the flash's glare can hide"
                    " marks)")
    if reads and any(frame.bilevel for frame in photo.frames):
        tips.append(f"{BILEVEL} (a scanner's \"black & white\" or \"text\" mode?): pencil"
                    " and light marks can vanish in it, so its marked slips go to review, not"
                    " applied; scan the slips again in greyscale or colour")
    if mirrored:
        tips.append("the photo is a mirror image (taken with a front camera, or flipped by an"
                    " app?): its slips were read mirrored back; next time use the back camera,"
                    " or turn off the front camera's mirroring")
    h, w = photo.frames[0].gray.shape if len(photo.frames) == 1 else (0, 0)
    if (many_small or not reads) and photo.kind == "jpeg" and max(h, w) <= SHRUNK_SIDE:
        # (what messaging apps send: a scanner's PNG, TIFF or PDF at few dots per inch is
        # small for another reason)
        tips.insert(0, f"the photo is only {w} × {h} pixels, smaller than a phone camera"
                       " takes: if it came through a messaging app, which shrinks the photos"
                       " it sends, send or copy the original file instead (as a file or"
                       " document, not as a photo)")  # the likelier cause: said first
    return tuple(tips)


def _pale(reads: list[_Read]) -> bool:
    """Whether the slips read in one frame have a pale print: most of the first
    :data:`PALE_SLIPS` of them located (at least 3) have a print paler than
    :data:`PALE_DEPTH`. Each finder is looked at only until one is dark enough, and the
    slips only until most are known either way (about 0.5 ms a photo of black print)."""
    located = [r for r in reads if r.pose is not None][:PALE_SLIPS]
    if len(located) < 3:
        return False
    most = len(located) // 2 + 1
    pale = dark = 0
    for r in located:
        if print_depth(r.frame.gray, r.pose.H, PALE_DEPTH)[0] < PALE_DEPTH:
            pale += 1
        else:
            dark += 1
        if pale >= most or dark > len(located) - most:
            break
    return pale >= most


def _dark_ink(mark: BoxRead | None) -> bool:
    """Whether a mark is dark ink, not what a pale print's paper grain can make
    (:data:`PALE_INK_DEPTH`, :data:`PALE_INK_STAND`)."""
    return mark is not None and mark.depth >= PALE_INK_DEPTH and mark.stand >= PALE_INK_STAND


#: Why a slip of a pale print goes to review (:func:`_printed_pale`): the frame's print, or
#: the slip's own among black ones (a glare over its code makes it look pale too).
FRAME_PALE = ("the print is pale (low toner, or draft mode?) and the mark light, so the"
              " paper's grain could read as a mark; check it")
SLIP_PALE = ("this slip's print looks pale (low toner, or a glare over its code?) and its mark"
             " light, so the paper's grain could read as a mark; check it")


def _printed_pale(read: _Read, pale_frame: bool = True) -> _Read:
    """``read``, when it would be applied on a mark that is not dark ink
    (:func:`_dark_ink`), sent to review (its reading kept) if its frame's print is pale
    (``pale_frame``, :func:`_pale`) or else its own print is paler than
    :data:`PALE_SLIP_DEPTH`: a pale print run photographed among black slips. Only such a
    slip's own print is looked at (a light mark is on about one slip in eight)."""
    s = read.result
    if s.outcome != "applied" or _dark_ink(read.mark):
        return read
    if pale_frame:
        why = FRAME_PALE
    elif (read.pose is not None and print_depth(read.frame.gray, read.pose.H,
                                                PALE_SLIP_DEPTH)[0] < PALE_SLIP_DEPTH):
        why = SLIP_PALE
    else:
        return read
    return _held(read, why)


def _held(read: _Read, why: str) -> _Read:
    """``read`` sent to review for ``why``, its reading kept and its confidence at most
    HELD_CONFIDENCE."""
    s = read.result
    return replace(read, result=replace(s, outcome="review", reason=why,
                                        confidence=min(s.confidence, HELD_CONFIDENCE)))


def _light_lines(reads: list[_Read]) -> list[_Read]:
    """``reads`` (one frame's), each one that would be settled on one mark sent to review
    (its reading kept) when another of its boxes shows a thin light line against both its
    own empty boxes and the frame's (:func:`decide.frame_grain`, :func:`decide.light_lines`:
    a light second mark)."""
    grain = frame_grain(r.boxes for r in reads if r.boxes)
    if grain is None:
        return reads
    out = []
    for r in reads:
        s = r.result
        lines = (light_lines(r.boxes, s.status, grain)
                 if s.outcome in SETTLED and s.status is not None and r.boxes else [])
        out.append(_held(r, light_lines_reason(lines)) if lines else r)
    return out


def _keep_crops(kit: Kit, sha: str, reads: list[_Read]) -> list[_Read]:
    out = []
    names: dict[str, int] = {}
    for r in reads:
        res = r.result
        if r.pose is None or res.outcome == "unknown-task":
            out.append(r)
            continue
        n = names[res.task] = names.get(res.task, 0) + 1
        stem = res.task if n == 1 else f"{res.task}-{n}"
        kinds = ["note", "steward"] + (["slip"] if res.outcome in QUEUED else [])
        crops = {kind: store_crop(kit, sha, f"{stem}-{kind}", _picture(r, kind))
                 for kind in kinds}
        out.append(replace(r, result=replace(res, crops=crops)))
    return out


def _picture(read: _Read, kind: str) -> np.ndarray:
    """The crop ``kind`` of a slip read: in grey, but the slip's picture for review in
    colour when the frame has colour (a highlighter's mark, held for it, is faint in grey)."""
    grey = crop_image(read.frame.gray, read.pose, kind)
    if kind != "slip" or read.colour is None:
        return grey
    return colour_mod.tinted(grey, read.colour, read.pose, CROP_RECTS[kind])


def _crop_stem(s: SlipResult) -> str:
    """The name a slip's crops are stored under (T0042, or T0042-2 for a second copy of it
    in the photo: :func:`_keep_crops`)."""
    note = s.crops.get("note")
    return Path(note).stem.removesuffix("-note") if note else str(s.task)


def _recheck(kit: Kit, rec: Record, sha: str, s: SlipResult, read: _Read,
             keep: bool = True) -> SlipResult:
    """An applied slip checked again inside the photo's write transaction, against what
    was written while the photo was read (the kiosk's task edits and reviews, or another
    process's scan, run beside a scan): the task must still be at the slip's rev, and no
    other photo of the slip may have read something else since. Else the slip goes to
    review (with its picture, unless not ``keep``: a dry run stores no file), and what
    was written stands."""
    task = get_task(rec, s.task)
    if task is None:
        return replace(s, outcome="unknown-task", reason="no such task in this record")
    if task.status == s.status:
        return replace(s, outcome="unchanged", reason=f"already {s.status}")
    if task.rev != s.rev:
        why = (f"the task changed while the photo was read (now rev {task.rev}, {task.status});"
               " check which is right")
    else:
        why = disagreement(rs.earlier_reads(rec, s.task, s.rev), s.says)
        if why is None and not was_printed(rec, s.code, s.task, s.rev):
            # a task number used again: a record restored from a backup older than the
            # print, or another copy of the kit, whose T0031 is another task
            why = (f"this record never printed this slip ({s.task} rev {s.rev}): it may be"
                   " from another copy of the kit, or printed after the backup this record"
                   f" was restored from; check that it is the slip of '{task.title}'")
        if why is None:
            return s
    crops = {**s.crops, "slip": store_crop(kit, sha, f"{_crop_stem(s)}-slip",
                                           _picture(read, "slip"))
             } if keep and read.pose is not None else s.crops  # (a typed slip has none)
    return replace(s, outcome="review", confidence=min(s.confidence, HELD_CONFIDENCE),
                   reason=why, crops=crops)


def _scanned_before(result: PhotoResult, done: rs.ScanRow) -> PhotoResult:
    """``result`` for a photo scanned before (``done``): nothing read or written now; that
    scan's errors repeated, and its slips still waiting for review listed, then those it
    could not apply (another kit's, a forged code, a task not in the record): the
    rescan needs a person as the first scan did."""
    return replace(result, already_scanned=done.at, stored=done.photo or None, advice=(),
                   errors=done.errors,
                   slips=tuple(SlipResult(code="", **slip)
                               for slip in done.waiting + done.refused))


def _commit(kit: Kit, rec: Record, result: PhotoResult, reads: list[_Read],
            keep: bool = True, source: Source | None = None,
            restore: Callable[[], object] | None = None) -> PhotoResult:
    """Write the photo's results in one transaction; returns them as written (an applied
    slip that the record no longer allows goes to review: :func:`_recheck`). When the same
    file was scanned and committed meanwhile (by the kiosk and a command at once), nothing
    is written and the result says it was scanned already (as :func:`scan_photo` does).
    ``keep``: False in a dry run, which commits to a copy of the record and stores no file.
    ``source``: the events' source (the photo's sha256 as a scan's, by default).
    ``restore``: writes the photo's files again (the same names and bytes), called under the
    write lock when one the result names is gone: a scan of the same photo stopped
    meanwhile removed them, seeing no scan of it yet (:func:`_discard_unrecorded`)."""
    sha = result.sha256
    with rec.write(source or Source("scan", sha)) as w:
        done = rs.get_scan(rec, sha)
        if done is not None and result.read_again is None:
            return _scanned_before(result, done)
        if restore is not None and not _files_there(kit, result):
            restore()
        if done is not None:  # read again: a slip decided meanwhile (another --again) stands
            pairs = [(s, r) for s, r in zip(result.slips, reads, strict=True)
                     if (s.task, s.rev) not in done.decided]
            reads = [r for _, r in pairs]
            result = replace(result, slips=tuple(s for s, _ in pairs))
        result = replace(result, slips=tuple(
            _recheck(kit, rec, sha, s, r, keep) if s.outcome == "applied" else s
            for s, r in zip(result.slips, reads, strict=True)))
        # the photo's file name only: a path names the person's home folder (DESIGN §8),
        # and it travels in every backup
        as_kept = {**result.as_json(), "photo": Path(result.photo).name}
        if done is None:
            rs.add_scan(w, sha, result.stored or "", as_kept)
        else:
            rs.update_scan(w, sha, result.stored or done.photo,
                           _read_again(done, as_kept, w.at))
        for s in result.slips:
            if s.task is None or s.outcome in ("bad-code", "other-kit"):
                continue
            rs.add_slip_read(w, sha, s.task, s.rev, s.says, s.outcome, s.confidence)
            if s.outcome == "unknown-task":
                continue
            for kind in ("note", "steward"):
                if kind in s.crops:
                    rs.add_crop(w, s.task, kind, s.crops[kind], sha)
            if s.outcome == "applied":
                set_status(w, s.task, s.status)
            elif s.outcome in QUEUED:
                rs.add_review(w, sha, s.task, s.rev, f"{s.outcome}: {s.reason}", s.status,
                              s.read, s.confidence, s.crops.get("slip", ""))
        # a slip applied here settles what an earlier, unsure read of it suggested (a photo
        # retaken closer, as the reason asked): those items leave the queue
        for s in result.slips:
            if s.outcome == "applied":
                rs.settle_reviews(w, s.task, s.rev, s.status)
    return result


def _files_there(kit: Kit, result: PhotoResult) -> bool:
    """Whether every file ``result`` names (the photo's stored copy, its slips' crops) is
    in the kit."""
    names = ([result.stored] if result.stored else []) + [
        name for s in result.slips for name in s.crops.values()]
    return all((kit.path / name).is_file() for name in names)


def _read_again(done: rs.ScanRow, now: dict, at: str) -> dict:
    """A photo's stored result once read again (``scan --again``): the slips its earlier
    reads decided, those now read, and those refused before that this read did not see
    again (a code read then and missed now is still named); when it was read again."""
    new = {(s["task"], s["rev"]) for s in now["slips"]}
    kept = [s for s in done.slips if (s.get("task"), s.get("rev")) in done.decided]
    missed = [s for s in done.slips if s.get("outcome") in rs.REFUSED
              and (s.get("task"), s.get("rev")) not in new]
    return {**now, "slips": kept + now["slips"] + missed, "read_again": at}


def _kept_copy(kit: Kit, rec: Record, path: Path) -> rs.ScanRow | None:
    """The scan whose stored copy ``path`` is (photos/<sha256>.<ext>, kept with its metadata
    removed, so its own bytes hash to another sha256), or None: scanning the kit's photos/
    folder read each again as a new photo, and queued its reviews twice."""
    stem = path.stem.lower()
    if len(stem) != 64 or any(c not in "0123456789abcdef" for c in stem):
        return None
    try:
        if path.resolve().parent != kit.photos_dir.resolve():
            return None
    except OSError:
        return None
    done = rs.get_scan(rec, stem)
    return done if done is not None and done.photo else None


def _discard_unrecorded(kit: Kit, rec: Record, sha: str) -> None:
    """Remove the files stored for the photo ``sha`` while it was read, when the record
    holds no scan of it (its transaction rolled back). They are kept when the same file
    was committed meanwhile by another scan (the kiosk's and a command's at once), or when
    the record cannot say (a re-run rewrites them then). Done under the write lock, as a
    commit is: another scan of the same photo either has committed (its row is seen here)
    or has not, and then finds its files gone once it holds the lock, and writes them
    again (:func:`_commit`). Looked at outside the lock, a scan stopped while another
    committed removed the files the other's rows then pointed at (a red team, the
    thirty-ninth session: 2 of 5 runs)."""
    try:
        with rec.write(Source("scan", sha)):
            if rs.get_scan(rec, sha) is None:
                discard(kit, sha)
    except Exception:  # noqa: BLE001 - the record cannot be read or locked now: keep them
        return


def scan_photo(kit: Kit, rec: Record, path: str | Path, dry_run: bool = False,
               decoder: str = "zxing", known: KnownCodes | None = None,
               pages: Callable[[int, int, str], None] | None = None,
               scratch: Record | None = None, again: bool = False) -> PhotoResult:
    """Scan one file. Never raises for a bad photo: the problem is in ``errors``.
    ``known``: the codes this kit printed (a code no decoder reads may be matched against
    them; :func:`scan_photos` passes them), or None. ``pages``: called (page, pages, the
    frame's label) before each page of a file of several (a PDF's, a TIFF's).
    ``scratch``: in a dry run, a copy of the record (:meth:`Record.scratch_copy`) that the
    photo is read against and committed to in place of ``rec`` (storing no file), so that
    a dry run over several photos sees what the earlier ones read, as a real run does
    (:func:`scan_photos` passes it). Without it a dry run writes nothing anywhere.

    A photo scanned before is not read again: its result says so, repeats the errors
    that scan found, and lists its slips that still wait in the review queue, and those
    it could not apply. With ``again``, a photo scanned before whose scan could not apply
    some of its slips (another kit's code, a forged code, a task not in the record: the
    kit's key or the task put back since) is read again, and those slips, and any that
    scan did not read, are decided now; the slips it decided (applied, unchanged, sent to
    review) stand as they are. The result's ``read_again`` says when it was first read."""
    with _scanning():
        return _scan_photo(kit, rec, path, dry_run, decoder, known, pages, scratch, again)


@contextlib.contextmanager
def _scanning() -> Iterator[None]:
    """Count a scan as running while it runs (:data:`_running`)."""
    global _running
    with _running_changed:
        _running += 1
    try:
        yield
    finally:
        with _running_changed:
            _running -= 1
            _running_changed.notify_all()


def _scan_photo(kit: Kit, rec: Record, path: str | Path, dry_run: bool = False,
                decoder: str = "zxing", known: KnownCodes | None = None,
                pages: Callable[[int, int, str], None] | None = None,
                scratch: Record | None = None, again: bool = False) -> PhotoResult:
    """:func:`scan_photo`'s work."""
    t = {"start": time.perf_counter()}

    def lap(name: str) -> None:
        t[name] = time.perf_counter()

    rec.check_thread()
    path = as_path(path)
    commit = not dry_run or scratch is not None
    if dry_run and scratch is not None:
        rec = scratch
    kept = _kept_copy(kit, rec, Path(path))
    if kept is not None and not (again and kept.refused):
        # the kit's own stored copy of a photo scanned before
        return _scanned_before(PhotoResult(photo=str(path), sha256=kept.sha256,
                                           dry_run=dry_run), kept)
    keep_freed_memory()  # the next photo reuses this one's pages (memory.py)
    helper = shared_helper()
    try:
        raw = read_bytes(Path(path))
        # a JPEG's first pass is read from the file on the other core while this one
        # decodes the full size (decode.first_look; both let go of the GIL)
        early, tint = _early_looks(raw, decoder)
        photo = load_photo(path, raw)
        if kept is not None:  # read again, as the photo its first scan was recorded by
            photo = replace(photo, sha256=kept.sha256)
    except PhotoError as exc:
        return PhotoResult(photo=str(path), sha256=None, errors=(exc.user_message(),),
                           dry_run=dry_run)
    lap("load")
    done = rs.get_scan(rec, photo.sha256)
    if done is not None and not (again and done.refused):
        return _scanned_before(PhotoResult(photo=str(path), sha256=photo.sha256,
                                           dry_run=dry_run), done)
    tasks = list_tasks(rec)
    by_id = {t.id: t for t in tasks}  # nothing is written to the record until the photo is read
    expected = Expected(codes.shapes(kit.id, [t.id for t in tasks],
                                     max((t.rev for t in tasks), default=0)),
                        lambda text: _verifies(kit, text))
    seen: dict[tuple[str, int], list[str]] = {}
    reads: list[_Read] = []
    steps = []
    unread: list[tuple[str, str]] = []  # where slips lie whose code was not read (_where)
    cut_off: list[tuple[str, str]] = []  # where slips are cut off by the photo's edge
    decode_s = 0.0
    pale = False  # a frame's slips have a pale print (_pale)
    mirrored = False  # a frame is a mirror image (_mirrored)
    for i, frame in enumerate(photo.frames):
        if pages is not None and len(photo.frames) > 1:
            pages(i + 1, len(photo.frames), frame.label)
        # each code is measured as soon as it is read. With the helper process up, all go
        # to it while the codes are still being found (measuring holds the GIL, so threads
        # here would only slow the decoder down); once they are found, each slip is read
        # here as soon as it is measured, and while one is not, a later one of the
        # helper's is measured here, the last first (:func:`_help`)
        pending: dict[int, Future] = {}
        key = f"{photo.sha256}#{i}"
        if helper is not None:
            helper.share(key, frame.gray)

        def start(found: Found, frame: Frame = frame, pending: dict = pending,
                  key: str = key) -> None:
            if not _verifies(kit, found.text):
                return
            if helper is not None:
                pending[id(found)] = helper.measure(key, found.text, found.corners)
            else:
                pending[id(found)] = _POOL.submit(measure, frame, found)

        try:
            d0 = time.perf_counter()
            decoded = find_codes(frame.gray, decoder, on_found=start, known=known,
                                 expected=expected, early=early if i == 0 else None)
            decode_s += time.perf_counter() - d0
            steps.extend(decoded.steps)
            before = {k: list(v) for k, v in seen.items()}
            colour = None
            here: list[_Read] = []
            for n, found in enumerate(decoded.found):  # each read as soon as it is measured
                _help(pending, frame, decoded.found, n, tint if n == 0 else None)
                if n == 0:
                    colour = _colour(photo, tint, frame)
                m = _result(pending[id(found)], frame, found) if id(found) in pending else None
                here.append(read_slip(kit, rec, frame, found, seen, by_id, m, colour))
            if _mirrored(frame, decoded.found, here):  # read again, as the mirror image
                mirrored = True
                seen.clear()
                seen.update(before)
                decoded = replace(decoded, found=tuple(map(_transposed, decoded.found)))
                here = [read_slip(kit, rec, frame, f, seen, by_id, colour=colour)
                        for f in decoded.found]
            # a light mark read from a pale print is not applied, nor from a slip of a pale
            # print run photographed among black ones
            pale_frame = _pale(here)
            pale = pale or pale_frame
            here = _light_lines([_printed_pale(r, pale_frame) for r in here])
            # then slips that lie over others (seen may hold what a covered slip read: at
            # worst another copy of it went to review for disagreeing)
            over = _overlaps(decoded.found, {id(f): r.pose for f, r in
                                             zip(decoded.found, here, strict=True)})
            lost = _missing(frame, decoded, here)
            unread.extend(_where(c, frame.gray.shape, frame.label, len(photo.frames))
                          for c in lost.whole)
            cut_off.extend((f"the {side} edge", _of(frame.label, len(photo.frames)))
                           for _, side in lost.cut)
            reads.extend(_covered(r, *over[id(f)]) if id(f) in over else r
                         for f, r in zip(decoded.found, here, strict=True))
        finally:
            if helper is not None:
                helper.forget(key)
    lap("read")
    reads = _settle_duplicates(reads)
    errors: tuple[str, ...] = ((_unread_message(unread),) if unread else ()) + (
        (_cut_message(cut_off),) if cut_off else ())
    if not errors and not reads:  # with unread places too it says where the slips are
        errors = ("no slip code found in the photo; retake it closer, flatter and in even "
                  "light, or type each slip in: 'paperkit type CODE MARK', CODE the letters"
                  " printed under its QR code, MARK the box marked",)
    if done is not None:  # read again: what its first scan decided stands
        reads = [r for r in reads if (r.result.task, r.result.rev) not in done.decided]
    # the photo and its crops are kept only when it holds a slip of this kit (a code that
    # verified): a photo of nothing, or of another kit's slips, is recorded by its sha256
    # alone, so a rescan still knows it
    keep = not dry_run and any(r.pose is not None for r in reads)
    stored = None
    try:
        if keep:
            reads = _keep_crops(kit, photo.sha256, reads)
            stored = store_photo(kit, photo)
        lap("store")
        result = PhotoResult(photo=str(path), sha256=photo.sha256,
                             slips=tuple(r.result for r in reads), errors=errors,
                             stored=stored, dry_run=dry_run, steps=tuple(steps),
                             advice=_advice(reads, photo, pale, mirrored),
                             read_again=done.at if done is not None else None)
        if commit:
            files = (lambda: (_keep_crops(kit, photo.sha256, reads), store_photo(kit, photo))
                     ) if keep else None
            result = _commit(kit, rec, result, reads, keep=not dry_run, restore=files)
    except BaseException:  # Ctrl-C (or SIGTERM) before the commit, a full disk: no scan
        if not dry_run:  # row points at the files written for it
            _discard_unrecorded(kit, rec, photo.sha256)
        raise
    lap("commit")
    marks = list(t.items())
    seconds = {name: round(at - prev_at, 4)
               for (_, prev_at), (name, at) in zip(marks, marks[1:], strict=False)}
    seconds["decode"] = round(decode_s, 4)
    return replace(result, seconds=seconds)


def scan_photos(kit: Kit, rec: Record, paths: Iterable[str | Path] | str | Path,
                dry_run: bool = False,
                decoder: str = "zxing",
                progress: Callable[[int, int, PhotoResult], None] | None = None,
                pages: Callable[[int, int, str], None] | None = None, again: bool = False
                ) -> list[PhotoResult]:
    """Scan each file in turn (a folder: each photo file in it, by name; one path given
    alone is one file or folder), each committed in its own transaction (none with dry_run).
    The record must be used in the thread that opened it (RecordError otherwise).
    ``progress``: called after each file; ``pages``: before each page of a file of several;
    ``again``: read again the slips an earlier scan of a photo could not apply
    (:func:`scan_photo`).

    A dry run reports what a real run would do: each photo is committed to a copy of the
    record in memory (:meth:`Record.scratch_copy`), so later photos see what earlier ones
    read; the record itself is not touched.

    Raises DependencyMissing at once if the decoder's library is absent, PhotoError if a
    folder holds no photo; any problem with one photo is reported in its result and the
    others still run. A KeyboardInterrupt stops the helper process and is raised again:
    the photos before it are committed, the one being read is not."""
    backend(decoder)
    rec.check_thread()
    paths = photo_files(paths)
    known = KnownCodes(printed_codes(rec))
    out = []
    # a dry run commits each photo to a copy of the record in memory, as a real run commits
    # to the record: a later photo of the same slip, or the same file again, is then judged
    # as the real run would judge it
    scratch = rec.scratch_copy() if dry_run else None
    try:
        for i, path in enumerate(paths, 1):
            res = scan_photo(kit, rec, path, dry_run, decoder, known, pages, scratch, again)
            out.append(res)
            if progress:
                progress(i, len(paths), res)
    except KeyboardInterrupt:
        # Ctrl-C: the helper process ignores it (helper.py), so it is stopped here; the
        # photo being read is not written (its transaction rolls back)
        stop_helper("interrupted")
        raise
    finally:
        if scratch is not None:
            scratch.close()
    return out


#: How a typed slip's result names its "photo": this, then its code.
TYPED = "typed "
#: What a typed slip's mark may be: one of its boxes, or none.
TYPED_MARKS = (*S.BOXES, "none")
#: Letters the code's tag (base32: A-Z, 2-7) does not hold, and the letter each is taken
#: for when typed (a zero for an O, a one for an I, an eight for a B).
_TAG_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})


def typed_code(text: str) -> str:
    """A slip code as typed (spaces, small letters, a zero for an O in its tag) as printed:
    the tag's look-alike digits are read as its letters only when that makes the code
    verify, which the caller checks (a typo elsewhere never verifies: the tag signs it)."""
    text = "".join(text.split()).upper()
    head, sep, tag = text.rpartition(":")
    return f"{head}{sep}{tag.translate(_TAG_LOOKALIKES)}" if sep else text


def type_slip(kit: Kit, rec: Record, text: str, mark: str, dry_run: bool = False,
              via: str = "cli") -> PhotoResult:
    """A slip typed in by hand when its photos fail (DESIGN §4): the code's text as printed
    under the code, and the box marked on it (a status of :data:`TYPED_MARKS`, or "none").
    It is decided as a photo's slip whose boxes read so plainly (applied, unchanged, stale,
    review when another photo of it read otherwise or this record never printed it, or
    refused: another kit's code, a mistyped or forged one, a task not in the record), and
    written in one transaction whose events name it (source ``via``, "cli" or "kiosk":
    "typed CODE MARK").
    Keyed by its code and mark as a photo is by its sha256: typed again, it changes
    nothing. A dry run says what a real one would (it commits to a copy of the record in
    memory) and writes nothing. Raises InvalidValue for a mark that is not a box."""
    mark = mark.strip().lower()
    if mark not in TYPED_MARKS:
        raise InvalidValue(f"{mark!r} is not a box on the slip",
                           f"type the box marked: {', '.join(TYPED_MARKS)}")
    code = "".join(text.split()).upper()
    slip = _refused(kit, rec, code, "typed")
    if slip is not None and _refused(kit, rec, typed_code(code), "typed") is None:
        code, slip = typed_code(code), None  # a zero typed for an O, say
    sha = hashlib.sha256(f"typed:{code}:{mark}".encode()).hexdigest()
    result = PhotoResult(photo=f"{TYPED}{code}", sha256=sha, dry_run=dry_run)
    done = rs.get_scan(rec, sha)
    if done is not None:
        return _scanned_before(result, done)
    if slip is None:
        parsed = codes.parse(code)
        reads = {b: BoxRead(score=float(b == mark), confidence=1.0, cover=0.0, fill=0.0,
                            over=0.0, contrast=255.0) for b in S.BOXES}
        task = get_task(rec, parsed.task)
        decision = decide(reads, parsed.rev, task,
                          rs.earlier_reads(rec, parsed.task, parsed.rev))
        slip = SlipResult(code=code, task=parsed.task, rev=parsed.rev,
                          read={b: r.score for b, r in reads.items()},
                          status=decision.status, outcome=decision.outcome,
                          confidence=decision.confidence, reason=decision.reason,
                          frame="typed", says=says(decision.status, reads))
    result = replace(result, slips=(slip,))
    if slip.outcome in ("bad-code", "other-kit", "unknown-task"):
        return result  # (nothing is kept of a code refused: typed right, or once the kit's
        # key or the task is put back, it is decided then)
    target = rec.scratch_copy() if dry_run else rec
    try:
        return _commit(kit, target, result, [_Read(slip, None, None)], keep=not dry_run,
                       source=Source(via, f"typed {code} {mark}"))
    finally:
        if dry_run:
            target.close()


def left_out_results(paths: Iterable[str | Path], dry_run: bool = False
                     ) -> list[PhotoResult]:
    """A result for each picture in the folders among ``paths`` that :func:`scan_photos`
    does not read (:func:`load.left_out`: a camera's RAW file, a format paperkit does not
    read), with an error saying so, as a photo that could not be read has. Files that are
    not pictures (notes, videos, a phone's sidecar files) have none."""
    return [PhotoResult(photo=str(f), sha256=None, errors=(not_read(f).user_message(),),
                        dry_run=dry_run) for f in left_out(paths)]


def end_run() -> None:
    """What scans leave running for the next scan in this process, stopped (at the end of a
    command, ``paperkit scan``): the helper process, and the threads of the scan's and the
    decoder's pools (fresh pools take their place, their threads started when first used).
    Otherwise the interpreter's exit waits for them, and a Ctrl-C then (just as the
    command ends) printed a traceback from concurrent.futures instead of its one line.
    Signals are held meanwhile (:func:`paperkit.signals.held_signals`): a Ctrl-C is raised after.
    Scans running in other threads are waited for first, and a scan started meanwhile
    waits for this (their queued work would be cancelled under them: a red team's threaded
    caller saw such a scan fail or hang)."""
    global _POOL
    # scans running in other threads first (their queued work would be cancelled under
    # them), and none starts until this is done (it would queue work on the pools stopped)
    with _running_changed:
        _running_changed.wait_for(lambda: _running == 0)
        with held_signals():  # a Ctrl-C meanwhile is raised once it is done
            close_helper()
            decode.end_threads()
            old, _POOL = _POOL, _fresh_pool()
            old.shutdown(wait=True, cancel_futures=True)


def frame_from_array(gray: np.ndarray, label: str = "image") -> Frame:
    """A Frame from an in-memory gray image (for tests and the kiosk)."""
    return Frame(label, np.ascontiguousarray(gray))
