"""Slips of an uncut sheet whose code was not read are said, not left out unsaid.

The missing-slip check looks for slip-sized pieces of paper away from the slips read; an
uncut sheet is one piece, so a red team's sheet blurred far out of focus on one side left
four slips out of the scan with nothing said (exit code 0). The next slip's code is now
looked for beside each slip read, as a square about half dark with paper around it, which
blur does not rub out, or where that is hidden, as its row of check boxes (``scan.sheet``)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter
from scan_images import Mark, compose, own_sheet_page, render_slip, save

from paperkit import codes
from paperkit.kit import init_kit
from paperkit.layout import slip as S
from paperkit.record.db import Source
from paperkit.scan import scan_photos, sheet
from paperkit.scan.decode import find_codes
from paperkit.scan.geometry import slip_outline
from paperkit.scan.pipeline import frame_from_array, measure

PX = 4.0
PAPER = (246, 246, 242)
TABLE = (120, 100, 80)


def _sheet(tmp_path, blur: float = 0.0, cut_apart: bool = False, glare: bool = False,
           margin: int = 0, cell: tuple[float, float] = (0.0, 0.0), blank: bool = False,
           hidden: bool = False, things: tuple = ()):
    """Four slips (T0001 T0002 / T0003 T0004), each ticked done, as one uncut sheet (or
    cut apart, a table's width between them), the right column blurred by ``blur`` px, or
    with a glare over the middle of its codes, or left blank (``blank``: paper where the
    right column's slips would be), or with its codes hidden whole (``hidden``: a glare or
    a sticky note over each, a little past its edges); ``margin`` px of the page's paper around the sheet,
    ``cell`` slip units more paper right of and below each slip (a stock whose cells are
    larger than the slip); ``things``: (x0, y0, x1, y1, grey) rectangles in the top-left
    slip's units drawn on the sheet (objects lying on it). One photo, scanned: the photo's
    result."""
    kit = init_kit(tmp_path / "kit")
    rec = kit.open_record()
    tasks = ["T0001", "T0002", "T0003", "T0004"]
    with rec.write(Source("cli", "test")) as w:
        for t in tasks:
            w.insert("tasks", {"id": t, "title": t, "status": "open"})
    sw, sh = round(S.SLIP_W * PX), round(S.SLIP_H * PX)
    cw, ch = sw + round(cell[0] * PX), sh + round(cell[1] * PX)
    gap = 300 if cut_apart else 0
    sheet = Image.new("RGB", (2 * cw + gap + 2 * margin, 2 * ch + gap + 2 * margin),
                      TABLE if cut_apart else PAPER)
    for i, t in enumerate(tasks):
        slip = render_slip(codes.build(kit.key, kit.id, t, 1).text, (Mark("done"),), s=PX)
        if i % 2 and blank:
            continue
        if i % 2 and blur:
            slip = slip.filter(ImageFilter.GaussianBlur(blur))
        if i % 2 and glare:
            q, m = S.QR, (S.QR.x1 - S.QR.x0) / 29 * PX
            ImageDraw.Draw(slip).ellipse([q.x0 * PX + 8 * m, q.y0 * PX + 8 * m,
                                          q.x1 * PX - 8 * m, q.y1 * PX - 8 * m],
                                         fill=(252, 252, 250))
        if i % 2 and hidden:
            q = S.QR
            ImageDraw.Draw(slip).rectangle([(q.x0 - 6) * PX, (q.y0 - 6) * PX,
                                            (q.x1 + 6) * PX, (q.y1 + 6) * PX],
                                           fill=(252, 252, 250))
        sheet.paste(slip, (margin + (i % 2) * (cw + gap), margin + (i // 2) * (ch + gap)))
    for x0, y0, x1, y1, grey in things:
        ImageDraw.Draw(sheet).rectangle([margin + x0 * PX, margin + y0 * PX,
                                         margin + x1 * PX, margin + y1 * PX],
                                        fill=(grey, grey, grey + 10))
    if not cut_apart:  # the sheet's cut lines, dashed
        d = ImageDraw.Draw(sheet)
        for y in range(margin, margin + 2 * ch, 24):
            d.line([(margin + cw, y), (margin + cw, y + 10)], fill=(170, 170, 170), width=2)
    w_, h_ = sheet.size
    quad = np.float32([[300, 200], [300 + w_, 200], [300 + w_, 200 + h_], [300, 200 + h_]])
    photo = compose([(sheet, quad)], (w_ + 600, h_ + 400))
    path = tmp_path / "sheet.jpg"
    save(photo, path, 90)
    (res,) = scan_photos(kit, rec, [path], dry_run=True)
    return res


def _said_two(res, where: str = "the top right and the bottom right") -> None:
    assert sorted(s.task for s in res.slips) == ["T0001", "T0003"]  # the sharp column
    said = " ".join(res.errors)
    assert f"no code was read for what look like 2 slips at {where} of the photo" in said, \
        res.errors


def test_slips_of_an_uncut_sheet_whose_codes_are_not_read_are_said(tmp_path):
    _said_two(_sheet(tmp_path, glare=True))


def test_slips_of_a_sheet_whose_codes_are_hidden_whole_are_said(tmp_path):
    """A glare or a sticky note over all of a code leaves no dark square: the rest of the
    slip, its row of check boxes, shows where it lies."""
    _said_two(_sheet(tmp_path, hidden=True))


@pytest.mark.parametrize("blur", [7.0, 12.0])
def test_slips_of_a_sheet_blurred_past_reading_are_said(tmp_path, blur):
    """A blur of 7 px on 10-px modules leaves no code's finder patterns to be seen (the
    first version of the check looked for them and said nothing here); the codes' dark
    squares stay."""
    _said_two(_sheet(tmp_path, blur=blur))


def test_a_stock_with_cells_larger_than_the_slip(tmp_path):
    """The 6-up A4 stock's cells are 13.5 units wider and 75 taller than the slip, drawn
    at their top left: the next slip's code lies that much further on."""
    # the lower slip's middle lies in the photo's middle third, down (its cell is taller)
    _said_two(_sheet(tmp_path, blur=9.0, cell=(13.5, 75.0), margin=40),
              "the top right and the right")


def test_a_sharp_sheet_reads_every_slip_and_says_nothing_more(tmp_path):
    res = _sheet(tmp_path, blur=0.0)
    assert sorted(s.task for s in res.slips) == ["T0001", "T0002", "T0003", "T0004"]
    assert not res.errors


def test_a_sheets_blank_paper_and_margin_are_not_taken_for_slips(tmp_path):
    """Paper goes on past the slips read (the page's margin, a cell left empty), but it
    holds no code: nothing is said."""
    res = _sheet(tmp_path, blank=True, margin=120)
    assert sorted(s.task for s in res.slips) == ["T0001", "T0003"]
    assert not res.errors


def test_a_dark_thing_where_a_code_would_lie_is_not_taken_for_one(tmp_path, monkeypatch):
    """A black clip, or a dark thing across part of the place, lying on the paper where the
    next slip's code would be (a red team's photos): darker than a code, or dark in only
    part of it; nothing is said."""
    looked = []
    real = sheet.code_shape

    def code_shape(window, at):
        looked.append(at)
        return real(window, at)

    monkeypatch.setattr(sheet, "code_shape", code_shape)
    q = S.QR
    for i, (x0, x1, grey) in enumerate([(q.x0, q.x1, 30), (q.x0, q.x0 + 30, 60)]):
        res = _sheet(tmp_path / str(i), blank=True, margin=120,
                     things=[(x0 + S.SLIP_W, q.y0, x1 + S.SLIP_W, q.y1, grey)])
        assert sorted(s.task for s in res.slips) == ["T0001", "T0003"]
        assert not res.errors
    assert looked  # the places were looked at


def test_slips_cut_apart_are_not_taken_for_a_sheet(tmp_path):
    """With the table between the slips, nothing is looked for beside them (blurred slips
    cut apart are the paper check's to find)."""
    res = _sheet(tmp_path, blur=0.0, cut_apart=True)
    assert not res.errors and len(res.slips) == 4
    gray = cv2.cvtColor(cv2.imread(str(tmp_path / "sheet.jpg")), cv2.COLOR_BGR2GRAY)
    blurred = gray.copy()
    half = gray.shape[1] // 2
    blurred[:, half:] = cv2.GaussianBlur(gray[:, half:], (0, 0), 9)
    found = [f for f in find_codes(blurred, "zxing").found]
    poses = [measure(frame_from_array(blurred), f)[0] for f in found]
    assert len(poses) == 2
    assert sheet.unread_neighbours(blurred, [p.H for p in poses],
                                   [slip_outline(p.H) for p in poses]) == []


def test_a_code_read_beside_a_slip_is_not_said(tmp_path):
    """Slips laid over each other: where the next slip of a sheet would have its code lies
    a code that was read (another slip's, not at a sheet's place): nothing is said."""
    res = _sheet(tmp_path)
    gray = cv2.cvtColor(cv2.imread(str(tmp_path / "sheet.jpg")), cv2.COLOR_BGR2GRAY)
    found = list(find_codes(gray, "zxing").found)
    poses = [measure(frame_from_array(gray), f)[0] for f in found]
    assert len(poses) == 4 and not res.errors
    # the right column's slips, told as read at a place off their own (as a slip lying
    # over another would put them): their codes still mark the places as read
    hs = [p.H for p in poses]
    outlines = [slip_outline(h) for h in hs]
    shifted = [o + np.float64([0.0, 25.0 * PX]) if h[0, 2] > gray.shape[1] / 2 else o
               for o, h in zip(outlines, hs, strict=True)]
    assert sheet.unread_neighbours(gray, hs, shifted) == []


def test_code_contrast_tells_a_code_from_paper_and_print():
    """A code's square, blurred or not, stands about half the paper's light darker than
    its ring; plain paper and a slip's words far less."""
    code = np.asarray(render_slip("PK1:ABCD:T0001:1:XXXXXXXX", s=sheet.K * 4)
                      .convert("L").resize((round(S.SLIP_W * sheet.K),
                                            round(S.SLIP_H * sheet.K)), Image.BILINEAR))
    r = sheet.RING[1]
    q = S.QR.inset(-r)
    k = sheet.K
    at_code = code[round(q.y0 * k):round(q.y1 * k), round(q.x0 * k):round(q.x1 * k)]
    sharp = sheet.code_contrast(at_code)[0]
    blurred = sheet.code_contrast(cv2.GaussianBlur(at_code, (0, 0), 2.0))[0]
    words = code[0:round(q.y1 * k), 0:round((q.x0 - 10) * k)]  # the title and steward
    assert 0.35 < sharp < 0.6
    assert blurred > 0.8 * sharp
    assert sheet.code_contrast(words)[0] < sheet.MATCH * sharp
    assert sheet.code_contrast(np.full((80, 80), 240, np.uint8))[0] == pytest.approx(0.0)


@pytest.mark.real_prints  # its slips are printed (synth.slip_sheet logs the print)
@pytest.mark.parametrize("blurred, read", [
    ("right", ["T0001", "T0003", "T0005", "T0007"]),
    ("top", ["T0007", "T0008"]),
])
def test_the_projects_own_sheet_partly_out_of_focus_says_its_slips(tmp_path, blurred, read):
    """The slips PDF itself (8 slips on the default stock), rendered at 200 dpi, photographed
    whole at a slant with its right half, or all but its bottom row, far out of focus (as a
    phone's portrait mode, or a sheet's far part, blurs): the sharp slips are read, and
    every other slip is said, also those a row or two away from any slip read."""
    kit, rec, page = own_sheet_page(tmp_path, 200, pytest.importorskip("paperkit.synth"))
    h, w = page.shape[:2]
    part = (slice(None), slice(w // 2, None)) if blurred == "right" else \
        (slice(0, round(0.74 * h)), slice(None))
    page[part] = cv2.GaussianBlur(page[part], (0, 0), 8)
    quad = np.float32([[260, 180], [260 + w, 230], [300 + w, 230 + h], [220, 180 + h]])
    photo = compose([(Image.fromarray(page), quad)], (w + 560, h + 460))
    path = tmp_path / "sheet.jpg"
    save(photo, path, 88)
    (res,) = scan_photos(kit, rec, [path], dry_run=True)
    assert sorted(s.task for s in res.slips) == read
    said = " ".join(res.errors)
    assert f"no code was read for what look like {8 - len(read)} slips" in said, res.errors
