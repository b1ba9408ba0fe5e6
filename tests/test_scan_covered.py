"""A slip lying under another slip whose code was not read.

Slips laid in a row overlapping, the top one's code under a sticky note (or a thumb, or a
glare spot): when the top slip lies two box widths to the left, its boxes land on the
lower slip's boxes, and the top slip's tick was read as the lower slip's mark and applied
(a red-team photo: three blank slips marked taken or done). The top slip is never read, so
the check for slips lying over others (which knows decoded slips only) did not see it. A
slip whose row of check boxes continues beyond its own left edge at the row's pitch now
goes to review."""

from __future__ import annotations

import pytest
from PIL import ImageDraw
from scan_images import Mark, compose, render_slip, save, slip_at, slip_quad

from paperkit import codes
from paperkit.kit import init_kit
from paperkit.layout import slip as S
from paperkit.record.db import Source
from paperkit.record.tasks import get_task
from paperkit.scan import scan_photos

PX = 4.0  # photo pixels a slip unit


def _covered_code(code: str, marks: tuple[Mark, ...]):
    """A slip whose code is under a sticky note (a pale yellow square)."""
    img = render_slip(code, marks, s=PX)
    q = S.QR
    ImageDraw.Draw(img).rectangle([(q.x0 - 6) * PX, (q.y0 - 6) * PX, (q.x1 + 6) * PX,
                                   (q.y1 + 10) * PX], fill=(250, 236, 140))
    return img


def _lower_under(tmp_path, upper_mark: str, quad):
    """A blank slip T0001 and, lying over it at ``quad``, slip T0002 with its code hidden
    and ``upper_mark`` ticked; one photo, scanned: (the record, the one slip read)."""
    kit = init_kit(tmp_path / "kit")
    rec = kit.open_record()
    with rec.write(Source("cli", "test")) as w:
        for t in ("T0001", "T0002"):
            w.insert("tasks", {"id": t, "title": t, "status": "open"})
    lower = codes.build(kit.key, kit.id, "T0001", 1).text
    upper = _covered_code(codes.build(kit.key, kit.id, "T0002", 1).text, (Mark(upper_mark),))
    photo = compose([(render_slip(lower, (), s=PX), slip_at(X, Y, PX)), (upper, quad)],
                    (2200, 1400))
    path = tmp_path / "p.jpg"
    save(photo, path, 90)
    (res,) = scan_photos(kit, rec, [path])
    (s,) = res.slips
    return rec, s


X, Y = 900.0, 300.0  # where the lower slip lies (photo px)


@pytest.mark.parametrize(("dx", "box"), [(-128.0, "stuck"), (-192.0, "dropped")])
def test_a_blank_slip_under_a_slip_whose_code_is_hidden_is_not_given_its_mark(tmp_path, dx,
                                                                               box):
    """The top slip's ``box`` lands on the lower slip's taken box."""
    rec, s = _lower_under(tmp_path, box, slip_at(X + dx * PX, Y, PX))
    assert s.task == "T0001" and s.outcome == "review", (s.outcome, s.status, s.reason, s.read)
    assert "continue" in s.reason
    assert get_task(rec, "T0001").status == "open"


@pytest.mark.parametrize("angle", [3.0, 5.0, -5.0, 6.5])
def test_a_covering_slip_tilted_is_seen_too(tmp_path, angle):
    """Round two of the red team got round the hold with the slip on top tilted 2.5° or
    more (its outlines fell outside the search), then 3.5° and 5° (its row's second box
    beyond the edge lay 11 units off the first's height: each turn tried now moves the
    places looked at along the turned row). (Turned the other way up, one of its boxes lies
    past the lower slip's edge, not two: not held; a known problem.)"""
    rec, s = _lower_under(tmp_path, "stuck", slip_quad(X + (S.SLIP_W / 2 - 128) * PX,
                                                       Y + S.SLIP_H / 2 * PX, S.SLIP_W * PX,
                                                       angle))
    assert s.task == "T0001" and s.outcome != "applied", (s.outcome, s.status, s.reason)
    assert get_task(rec, "T0001").status == "open"


def test_slips_lying_apart_in_a_row_are_applied(tmp_path):
    """Slips lying apart in a row, their rows of boxes level: each applied as read (the
    table lies between them)."""
    kit = init_kit(tmp_path / "kit")
    rec = kit.open_record()
    with rec.write(Source("cli", "test")) as w:
        for t in ("T0001", "T0002"):
            w.insert("tasks", {"id": t, "title": t, "status": "open"})
    slips = [(render_slip(codes.build(kit.key, kit.id, t, 1).text, (Mark(box),), s=PX),
              slip_at(100.0 + i * (S.SLIP_W + 20) * PX, 300.0, PX))
             for i, (t, box) in enumerate((("T0001", "done"), ("T0002", "taken")))]
    path = tmp_path / "p.jpg"
    save(compose(slips, (2400, 1400)), path, 90)
    (res,) = scan_photos(kit, rec, [path])
    assert sorted((s.task, s.outcome, s.status) for s in res.slips) == [
        ("T0001", "applied", "done"), ("T0002", "applied", "taken")]
