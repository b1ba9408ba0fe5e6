"""A phone's sharpening or HDR does not make blank boxes read as marks.

Local tone mapping (HDR) and strong sharpening brighten the paper along each printed line
into a halo; the paper inside a blank box beside it then reads darker than the paper around
it, as ink, and a red team's photos sent most of their clear slips to review so (held as a
shadow's edge). Nothing in such a box is darker than its own paper, where a pen's ink,
however light, is (``marks.HALO_DEPTH``)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from scan_images import Mark, own_sheet_page, save, slips_in_a_row

from paperkit.scan import scan_photos
from paperkit.scan.marks import MARKED


def _hdr(img: np.ndarray, compress: float = 0.45, detail: float = 1.6) -> np.ndarray:
    """Local tone mapping as phones do it: the log light's large-scale part (edge-aware)
    compressed toward its top and the detail on it boosted, the colour kept."""
    rgb = img.astype(np.float32)
    g = np.maximum(rgb @ np.float32([0.299, 0.587, 0.114]), 1.0)
    log = np.log(g)
    small = cv2.resize(log, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    base = cv2.resize(cv2.bilateralFilter(small, 0, 0.5, 24), (log.shape[1], log.shape[0]))
    top = np.percentile(base, 99)
    out = rgb * np.exp(top + (base - top) * compress + (log - base) * detail - log)[..., None]
    return np.clip(out * (225.0 / np.percentile(out.mean(axis=2), 80)), 0, 255).astype(np.uint8)


def _sharpen(img: np.ndarray, amount: float = 2.0, radius: float = 2.0) -> np.ndarray:
    f = img.astype(np.float32)
    return np.clip(f + amount * (f - cv2.GaussianBlur(f, (0, 0), radius)), 0, 255).astype(np.uint8)


def _scan(tmp_path, effect):
    slips = [("T0001", (), None), ("T0002", (Mark("done"),), None), ("T0003", (), None),
             ("T0004", (Mark("stuck", "cross", "blue"),), None)]
    kit, rec, photo = slips_in_a_row(tmp_path, slips, turn=3.0)
    path = tmp_path / "phone.jpg"
    save(effect(photo), path, 90)
    (res,) = scan_photos(kit, rec, [path], dry_run=True)
    return {s.task: s for s in res.slips}


def _reads_right(read) -> None:
    assert set(read) == {"T0001", "T0002", "T0003", "T0004"}
    for task in ("T0001", "T0003"):
        assert (read[task].outcome, read[task].status) == ("unchanged", None), read[task]
    assert (read["T0002"].outcome, read["T0002"].status) == ("applied", "done"), read["T0002"]
    assert (read["T0004"].outcome, read["T0004"].status) == ("applied", "stuck"), read["T0004"]


def test_hdr_tone_mapping_leaves_blank_boxes_blank(tmp_path):
    _reads_right(_scan(tmp_path, _hdr))


def test_strong_sharpening_leaves_blank_boxes_blank(tmp_path):
    _reads_right(_scan(tmp_path, _sharpen))


@pytest.mark.real_prints  # its slips are printed (synth.slip_sheet logs the print)
def test_hdr_on_a_photo_of_the_projects_own_sheet_reads_every_blank_slip_blank(tmp_path):
    """The slips PDF (8 blank slips) rendered at 300 dpi, laid on a dark table and
    photographed at 12 MP, then tone-mapped strongly: blank boxes read 1.0 there before,
    each such slip held as a shadow's edge, and others held for a trace of ink or an unclear
    box; now every slip reads blank."""
    kit, rec, page = own_sheet_page(tmp_path, 300, pytest.importorskip("paperkit.synth"))
    h, w = page.shape[:2]
    rng = np.random.default_rng(41)
    photo = np.clip(np.float32([110, 95, 80]) + rng.normal(0, 6, (3000, 4000, 3)), 0,
                    255).astype(np.uint8)
    quad = np.float32([[700, 120], [3250, 200], [3380, 2900], [580, 2830]])
    M = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), quad)
    on = cv2.warpPerspective(np.full((h, w), 255, np.uint8), M, (4000, 3000)) > 127
    photo[on] = cv2.warpPerspective(page, M, (4000, 3000))[on]
    path = tmp_path / "hdr.jpg"
    save(_hdr(cv2.GaussianBlur(photo, (0, 0), 0.8)), path, 90)
    (res,) = scan_photos(kit, rec, [path], dry_run=True)
    assert len(res.slips) == 8
    assert not {s.task: s.read for s in res.slips if max(s.read.values()) >= MARKED}
    assert {(s.outcome, s.status) for s in res.slips} == {("unchanged", None)}, res.slips
