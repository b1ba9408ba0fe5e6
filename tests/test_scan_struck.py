"""A box filled in, beside a box ticked or crossed, is a double mark: review, never applied.

A fill's hatching that runs over the box's edges looks like a box struck out (scribbled
over, DESIGN §6), and the tick beside it like the mark made after it. Reading such a slip
as the tick applied a wrong status, so no slip with two marked boxes is applied, whether
or not one of them looks struck out (paperkit.scan.decide.read_status).
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import ImageDraw
from scan_images import INK, Mark, harness_sheet
from test_scan_marks import PX, _photo, _read

from paperkit.kit import init_kit
from paperkit.layout import slip as S
from paperkit.record.tasks import get_task
from paperkit.scan import scan_photos
from paperkit.scan.decide import decide, final_mark, read_status
from paperkit.scan.marks import MARKED, BoxRead

#: Pen widths (slip units) of the inks in tests/scan_images.py: a marker, a ballpoint, a pencil.
WIDTH = {"black": 2.4, "blue": 0.8, "pencil": 0.9}


def _fill(draw: ImageDraw.ImageDraw, box: str, ink: str, over: float) -> None:
    """``box`` filled in with back-and-forth hatching one pen width apart (no paper between
    the strokes), its turns ``over`` units past the box's left and right sides (negative:
    inside them)."""
    r, w = S.BOXES[box], WIDTH[ink]
    zig, y, left = [], r.y0 + 0.5, True
    while y <= r.y1 - 0.5:
        zig.append((r.x0 - over if left else r.x1 + over, y))
        y += w
        left = not left
    draw.line([(x * PX, y * PX) for x, y in zig], fill=INK[ink], width=round(w * PX),
              joint="curve")


class _Task:
    status, rev = "open", 1


@pytest.mark.parametrize("ink", ["black", "blue", "pencil"])
@pytest.mark.parametrize("kind", ["tick", "cross"])
@pytest.mark.parametrize("over", [-0.5, 0.5, 1.5, 2.5])
def test_fill_beside_a_tick_or_cross_goes_to_review(ink, kind, over):
    gray = _photo([Mark("stuck", kind, ink, 1.0)],
                  draw=lambda d: _fill(d, "done", ink, over))
    _, reads = _read(gray)
    assert reads["done"].score >= MARKED and reads["stuck"].score >= MARKED
    status, why = read_status(reads)
    assert status is None and why
    d = decide(reads, 1, _Task())
    assert d.outcome == "review" and d.status is None


@pytest.mark.parametrize("ink,over", [("black", 0.5), ("black", 1.5), ("black", 2.5),
                                      ("blue", 1.5)])
def test_fill_run_over_the_edges_reads_like_a_box_struck_out(ink, over):
    """The hole: these fills pass for struck out and the tick for the final mark (they were
    applied as the tick); the slip now goes to review, the reason naming both readings."""
    gray = _photo([Mark("stuck", "tick", ink, 1.0)],
                  draw=lambda d: _fill(d, "done", ink, over))
    _, reads = _read(gray)
    assert final_mark(reads, ["done", "stuck"]) == "stuck"
    status, why = read_status(reads)
    assert status is None
    assert why == ("done looks struck out and stuck marked after it, or done filled in as "
                   "well: check which mark is meant")


@pytest.mark.real_prints  # its slips are printed (synth.slip_sheet logs the print)
def test_harness_photo_of_mixed_double_marks_applies_nothing(tmp_path):
    """20 slips of the project's own slips PDF, each filled in one box (marker, ballpoint or
    pencil; the hatching often run over the edges) and ticked or crossed in another, in one
    12 MP photo of the synthetic harness: every slip read goes to review, no task changes."""
    synth = pytest.importorskip("paperkit.synth")
    kit = init_kit(tmp_path / "kit", name="Struck test")
    rec = kit.open_record()
    rng = np.random.default_rng(5)
    before, pages, entries = harness_sheet(synth, kit, rec, rng)
    inks = ("black-marker", "blue", "pencil-grey")
    specs = []
    for j in range(len(entries)):
        pair = rng.choice(list(S.BOXES), 2, replace=False)
        specs.append(synth.MarkSpec(boxes=(str(pair[0]), str(pair[1])),
                                    kind=("fill+tick", "fill+cross")[j % 2],
                                    ink=inks[(j // 2) % 3]))
    crops = [synth.mark_slip(pages[i], e, 200, spec, rng)
             for (i, e), spec in zip(entries, specs, strict=True)]
    jpeg, _ = synth.compose_photo(crops, rng, megapixels=12)
    path = tmp_path / "mixed.jpg"
    path.write_bytes(jpeg)
    (res,) = scan_photos(kit, rec, [path])
    assert len(res.slips) >= 15, f"only {len(res.slips)} of 20 slips read"
    assert [s.outcome for s in res.slips] == ["review"] * len(res.slips)
    # some fills pass for struck out here: the slips that used to be applied
    assert any("looks struck out" in s.reason for s in res.slips)
    for task, old in before.items():
        now = get_task(rec, task)
        assert (now.status, now.rev) == (old.status, old.rev)


def test_mixed_double_mark_spec_means_review():
    synth = pytest.importorskip("paperkit.synth")
    spec = synth.MarkSpec(boxes=("done", "stuck"), kind="fill+cross", ink="pencil-grey")
    assert spec.status == "review" and spec.accept == ("review",)
    with pytest.raises(ValueError):
        synth.MarkSpec(boxes=("done",), kind="fill+tick")


def test_two_boxes_struck_out_beside_a_tick_go_to_review():
    struck = BoxRead(score=1.0, confidence=1.0, cover=0.8, fill=0.6, over=0.0,
                     contrast=120.0, spread=0.4, crossings=3)
    tick = BoxRead(score=1.0, confidence=1.0, cover=0.2, fill=0.1, over=0.0, contrast=120.0)
    blank = BoxRead(score=0.0, confidence=1.0, cover=0.0, fill=0.0, over=0.0, contrast=120.0)
    status, why = read_status({"taken": struck, "done": struck, "stuck": tick,
                               "dropped": blank})
    assert status is None
    assert why.startswith("taken and done look struck out and stuck marked after it")
