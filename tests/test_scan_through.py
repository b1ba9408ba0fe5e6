"""Writing on the back of a slip, seen through the paper over a box.

A red-team photo of blank slips with a short word written on their backs in felt tip
("3pm", "Sam", "ok", "12"), showing through light, mirrored and soft-edged over one box
each: four were applied as marked (wrong statuses). A mark softer than the printed box
beside it, and light, now goes to review; sharp marks, light ones too, read as before."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw
from scan_images import Mark, compose, render_slip, save, slip_quad

from paperkit import codes
from paperkit.kit import init_kit
from paperkit.layout import slip as S
from paperkit.record.db import Source
from paperkit.record.tasks import get_task
from paperkit.scan import scan_photos

PX = 4.0


def _seen_through(img: Image.Image, box: str, word: str, dark: float = 0.35,
                  blur_mm: float = 0.3) -> Image.Image:
    """``word`` written on the back over ``box``: mirrored, ``dark`` at most, blurred."""
    r = S.BOXES[box]
    text = Image.new("L", (round(40 * PX), round(26 * PX)), 0)
    ImageDraw.Draw(text).text((2 * PX, 0), word, fill=255, font_size=round(22 * PX))
    layer = Image.new("L", img.size, 0)  # mirrored, as seen from the front
    layer.paste(text.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
                (round((r.x0 - 12) * PX), round((r.y0 - 6) * PX)))
    ink = np.asarray(layer).astype(np.float32)
    sigma = blur_mm / 25.4 * 72 * PX
    ink = cv2.GaussianBlur(ink, (0, 0), sigma) / 255
    arr = np.asarray(img).astype(np.float32) * (1 - dark * ink[..., None])
    return Image.fromarray(arr.astype(np.uint8))


def _scan(tmp_path, slips):
    kit = init_kit(tmp_path / "kit")
    rec = kit.open_record()
    with rec.write(Source("cli", "test")) as w:
        for task, *_ in slips:
            w.insert("tasks", {"id": task, "title": task, "status": "open"})
    items = []
    for i, (task, marks, word) in enumerate(slips):
        img = render_slip(codes.build(kit.key, kit.id, task, 1).text, marks, s=PX)
        if word:
            img = _seen_through(img, "taken", word)
        items.append((img, slip_quad(600 + 1150 * i, 700, 1000, 5 * i - 3)))
    path = tmp_path / "p.jpg"
    save(compose(items, (600 + 1150 * len(slips), 1400)), path, 88)
    (res,) = scan_photos(kit, rec, [path])
    return rec, {s.task: s for s in res.slips}


@pytest.mark.parametrize("word", ["Sam", "ok"])
def test_writing_on_the_back_seen_through_a_blank_slip_is_not_applied(tmp_path, word):
    rec, read = _scan(tmp_path, [("T0001", (), word)])
    s = read["T0001"]
    assert s.outcome != "applied", (s.status, s.reason, s.read)
    assert get_task(rec, "T0001").status == "open"


def test_marks_on_the_front_light_or_not_are_applied(tmp_path):
    rec, read = _scan(tmp_path, [("T0001", (Mark("taken", ink="pencil"),), ""),
                                 ("T0002", (Mark("done", kind="cross", ink="blue"),), ""),
                                 ("T0003", (Mark("stuck", kind="fill"),), "")])
    assert [(read[t].outcome, read[t].status) for t in ("T0001", "T0002", "T0003")] == [
        ("applied", "taken"), ("applied", "done"), ("applied", "stuck")]
