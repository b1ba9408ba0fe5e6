"""The synthetic photo harness (paperkit.synth): deterministic, truthful, and realistic enough
that plain decoders read clean slips, with EXIF-rotated and HEIC variants."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
import zxingcpp
from PIL import Image, ImageOps

from paperkit.kit import init_kit
from paperkit.synth import (
    PAPERS,
    MarkSpec,
    Poster,
    Print,
    SheetSource,
    board_poster,
    flatbed_scan,
    light_double_spec,
    mark_slip,
    phone_photo,
    sample_tasks,
    slip_sheet,
    tint_spec,
)
from paperkit.synth.marks import TINTS

BLANK = MarkSpec()


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> tuple[bytes, dict, Poster]:
    """The project's own slips PDF and manifest for 12 sample tasks, and its board poster."""
    kit = init_kit(tmp_path_factory.mktemp("synth") / "kit", name="Synth test")
    rec = kit.open_record()
    sample_tasks(rec, 12, np.random.default_rng(3))
    pdf, manifest = slip_sheet(kit, rec)
    poster = board_poster(kit, rec, dpi=100)
    rec.close()
    return pdf, manifest, poster


@pytest.fixture(scope="module")
def sheet(printed) -> tuple[bytes, dict]:
    return printed[0], printed[1]


@pytest.fixture(scope="module")
def source(sheet) -> SheetSource:
    """That sheet rendered at 300 dpi."""
    return SheetSource.from_pdf(*sheet)


def _zxing(gray: np.ndarray) -> dict[str, np.ndarray]:
    out = {}
    for r in zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode):
        p = r.position
        out[r.text] = np.array([[q.x, q.y] for q in (p.top_left, p.top_right, p.bottom_right,
                                                      p.bottom_left)], float)
    return out


def _gray(data: bytes) -> np.ndarray:
    return np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("L"))


def test_same_seed_same_photo_and_truth(source):
    a = phone_photo(source, np.random.default_rng(11), 4, megapixels=1)
    b = phone_photo(source, np.random.default_rng(11), 4, megapixels=1)
    c = phone_photo(source, np.random.default_rng(12), 4, megapixels=1)
    assert a[0] == b[0]
    assert a[1].as_dict() == b[1].as_dict()
    assert a[0] != c[0]


def _box_ink(crop, blank_crop, rect) -> float:
    """Share of pixels inside a box (its printed border excluded) that the marks darkened."""
    x0, y0, x1, y1 = (int(round(v)) for v in crop.to_slip_px(rect))
    m = max(3, (x1 - x0) // 6)
    inner = (slice(y0 + m, y1 - m), slice(x0 + m, x1 - m))
    diff = blank_crop.image[inner].astype(int) - crop.image[inner].astype(int)
    return float((diff.max(axis=2) > 40).mean())


@pytest.mark.parametrize("spec", [
    MarkSpec(boxes=("done",), kind="tick", ink="blue"),
    MarkSpec(boxes=("taken",), kind="cross", ink="pencil-grey", pressure=0.6),
    MarkSpec(boxes=("stuck",), kind="fill", ink="black-marker"),
    MarkSpec(boxes=("dropped",), kind="redo", struck="taken", ink="blue", note=True),
    MarkSpec(boxes=("taken", "stuck"), kind="tick", ink="black-marker", steward=True),
])
def test_marks_land_in_the_boxes_the_truth_names(source, spec):
    i, entry = source.entries[0]
    crop = mark_slip(source.pages[i], entry, source.dpi, spec, np.random.default_rng(5))
    blank = mark_slip(source.pages[i], entry, source.dpi, BLANK, np.random.default_rng(5))
    inked = {name: _box_ink(crop, blank, rect) for name, rect in entry["boxes"].items()}
    wanted = set(spec.boxes) | ({spec.struck} if spec.struck else set())
    for name, share in inked.items():
        if name in wanted:
            assert share > 0.01, (name, inked)
        else:
            assert share == 0.0, (name, inked)
    assert crop.truth.code == entry["code"] and crop.truth.task == entry["task"]
    assert crop.truth.status == spec.status


def test_a_pale_print_on_coloured_paper_keeps_the_pen_marks_dark(source):
    """``Print``: the paper's colour tints the whole slip and a pale print (low toner) makes
    the printed parts lighter, but a pen mark made on the printed slip is as dark as ever
    on that paper; the random draws are those of a black-on-white print."""
    i, entry = source.entries[0]
    spec = MarkSpec(boxes=("done",), kind="fill", ink="black-marker")
    plain = mark_slip(source.pages[i], entry, source.dpi, spec, np.random.default_rng(5))
    pink = Print("pink", depth=0.6)
    pale = mark_slip(source.pages[i], entry, source.dpi, spec, np.random.default_rng(5), pink)
    assert pale.truth == plain.truth
    s = source.dpi / 72.0
    x0, y0 = (int(v * s) for v in entry["rect"][:2])

    def spot(crop, rect):  # the median RGB of a rect (page points) of the crop
        a, b, c, d = (int(v * s) for v in rect)
        return np.median(crop.image[b - y0:d - y0, a - x0:c - x0].reshape(-1, 3), axis=0)

    qr, done = entry["qr"], entry["boxes"]["done"]
    m = (qr[2] - qr[0]) / 29  # a module: the top-left finder's solid middle is 2..5
    finder = [qr[0] + 2 * m, qr[1] + 2 * m, qr[0] + 5 * m, qr[1] + 5 * m]
    assert spot(plain, finder).max() < 40  # black toner
    paper = np.float32(PAPERS["pink"]) * 255
    assert np.allclose(spot(pale, finder), 0.4 * paper, atol=12)  # 0.6 as dark, tinted
    pad = (done[2] - done[0]) * 0.3  # the middle of the filled box: the marker's ink
    middle = [done[0] + pad, done[1] + pad, done[2] - pad, done[3] - pad]
    ink_plain, ink_pale = spot(plain, middle), spot(pale, middle)
    assert ink_pale.max() < 0.25 * paper.min() + 10  # darker than the pale print by far
    assert np.allclose(ink_pale, ink_plain * np.float32(PAPERS["pink"]), atol=12)
    with pytest.raises(KeyError):
        Print("purple").apply(plain.image)


def test_two_print_runs_in_one_photo(source):
    """``phone_photo(printed=[...])``: a print for each slip (a pale run photographed among
    black slips); the random draws, and so the truth, are those of a black print."""
    pale = Print("white", depth=0.55)
    runs = [None, pale, None]
    black, truth = phone_photo(source, np.random.default_rng(31), 3, megapixels=3, quality=95)
    mixed, truth2 = phone_photo(source, np.random.default_rng(31), 3, megapixels=3,
                                quality=95, printed=runs)
    assert truth2 == truth
    img = cv2.imdecode(np.frombuffer(mixed, np.uint8), cv2.IMREAD_GRAYSCALE)
    base = cv2.imdecode(np.frombuffer(black, np.uint8), cv2.IMREAD_GRAYSCALE)
    for slip, run in zip(truth.slips, runs, strict=True):
        q = np.float32(slip.qr)  # tl, tr, br, bl: the top-left finder's middle module
        x, y = (q[0] + (q[1] - q[0]) * 3.5 / 29 + (q[3] - q[0]) * 3.5 / 29).round().astype(int)
        here, there = int(img[y, x]), int(base[y, x])
        assert (here > there + 40) if run is pale else abs(here - there) <= 6, (here, there)
    with pytest.raises(ValueError):  # a print for each slip, or one for all
        phone_photo(source, np.random.default_rng(31), 3, megapixels=3, printed=[pale])


def test_a_light_second_mark(source):
    """``MarkSpec.second``: a double mark whose second box is marked lightly (a thinner,
    fainter stroke than the first), still a double mark; ``phone_photo``'s ``specs`` may
    leave slips to be drawn at random (None), with the draws of a photo of random specs."""
    rng = np.random.default_rng(12)
    specs = [light_double_spec(rng) for _ in range(20)]
    assert all(len(s.boxes) == 2 and s.status == "review" for s in specs)
    assert all(0.15 <= s.second <= 0.6 and 0.5 <= s.pressure <= 1.5 for s in specs)
    i, entry = source.entries[2]
    firm = MarkSpec(boxes=("done", "stuck"), kind="cross", ink="blue", pressure=1.2)
    light = MarkSpec(boxes=("done", "stuck"), kind="cross", ink="blue", pressure=1.2,
                     second=0.2)
    s = source.dpi / 72.0
    x0, y0 = (int(v * s) for v in entry["rect"][:2])

    def ink(crop, box):  # how much ink lies in a box: darkness summed over its pixels
        a, b, c, d = (int(v * s) for v in entry["boxes"][box])
        inside = crop.image[b - y0 + 4:d - y0 - 4, a - x0 + 4:c - x0 - 4].astype(float)
        return float((255.0 - inside.mean(axis=2)).sum())

    both = mark_slip(source.pages[i], entry, source.dpi, firm, np.random.default_rng(4))
    one = mark_slip(source.pages[i], entry, source.dpi, light, np.random.default_rng(4))
    assert ink(one, "done") == pytest.approx(ink(both, "done"), rel=0.02)  # the first
    assert 0.1 * ink(both, "stuck") < ink(one, "stuck") < 0.6 * ink(both, "stuck")
    with pytest.raises(ValueError):
        MarkSpec(boxes=("done",), second=0.3)  # no second mark to make light
    drawn, truth = phone_photo(source, np.random.default_rng(31), 3, megapixels=3, quality=95)
    same, truth2 = phone_photo(source, np.random.default_rng(31), 3, megapixels=3, quality=95,
                               specs=[None, None, None])
    assert truth2 == truth and same == drawn
    _, truth3 = phone_photo(source, np.random.default_rng(31), 3, megapixels=3, quality=95,
                            specs=[None, light, None])
    assert truth3.slips[1].truth.spec == light
    assert truth3.slips[0].truth.spec == truth.slips[0].truth.spec


def test_a_box_marked_with_a_light_highlighter(source):
    """``MarkSpec.tint``: a light grey or pastel highlighter over one box, alone (its status)
    or beside a tick (a double mark): the box darkened evenly by a share of the paper's
    light, the print still showing through; :func:`tint_spec` draws both kinds."""
    i, entry = source.entries[3]
    s = source.dpi / 72.0
    x0, y0 = (int(v * s) for v in entry["rect"][:2])

    def inside(crop, box):
        a, b, c, d = (int(v * s) for v in entry["boxes"][box])
        return crop.image[b - y0 + 8:d - y0 - 8, a - x0 + 8:c - x0 - 8].astype(float)

    plain = mark_slip(source.pages[i], entry, source.dpi, BLANK, np.random.default_rng(5))
    for name, rgb in TINTS.items():
        spec = MarkSpec(boxes=("stuck", "done"), kind="tint+tick", tint=name, ink="blue")
        assert spec.status == "review"
        crop = mark_slip(source.pages[i], entry, source.dpi, spec, np.random.default_rng(5))
        dark = inside(crop, "stuck").mean(axis=(0, 1)) / inside(plain, "stuck").mean(axis=(0, 1))
        assert np.all(dark < 1.005) and np.all(dark > np.asarray(rgb) - 0.05), (name, dark)
        assert inside(crop, "stuck").std(axis=(0, 1)).max() < 12  # even, no stroke in it
        assert inside(crop, "done").min() < 120  # the tick beside it
        assert np.array_equal(inside(crop, "taken"), inside(plain, "taken"))
    assert MarkSpec(boxes=("taken",), kind="tint", tint="grey").status == "taken"
    with pytest.raises(ValueError):
        MarkSpec(boxes=("taken",), kind="tint")  # which highlighter
    with pytest.raises(ValueError):
        MarkSpec(boxes=("taken",), kind="tick", tint="grey")
    rng = np.random.default_rng(9)
    specs = [tint_spec(rng) for _ in range(40)]
    assert {s.kind for s in specs} == {"tint", "tint+tick", "tint+cross"}
    assert all(s.tint in TINTS for s in specs)


def test_what_marks_mean():
    assert MarkSpec().status is None
    assert MarkSpec(boxes=("done",)).status == "done"
    assert MarkSpec(boxes=("done",)).accept == ("done", "review")
    assert MarkSpec(boxes=("done", "stuck")).status == "review"
    assert MarkSpec(boxes=("done", "stuck")).accept == ("review",)
    redo = MarkSpec(boxes=("done",), kind="redo", struck="taken")
    assert redo.status == "done" and redo.accept == ("done", "review")
    with pytest.raises(ValueError):
        MarkSpec(boxes=("finished",))
    with pytest.raises(ValueError):
        MarkSpec(boxes=("done",), kind="redo")


def test_stray_dot_and_smudge_leave_empty_boxes_nearly_clean(source):
    i, entry = source.entries[1]
    spec = MarkSpec(stray_dot=True, faint_shadow=True, ink="black-marker")
    for seed in range(4):
        crop = mark_slip(source.pages[i], entry, source.dpi, spec, np.random.default_rng(seed))
        blank = mark_slip(source.pages[i], entry, source.dpi, BLANK, np.random.default_rng(seed))
        assert crop.truth.status is None
        assert not np.array_equal(crop.image, blank.image)  # something was drawn
        for rect in entry["boxes"].values():
            assert _box_ink(crop, blank, rect) < 0.02


def test_a_stain_lies_over_or_beside_an_empty_box_and_leaves_the_marks(source):
    """``stain``: a dried drop, tinted and soft, over or beside one of the empty boxes,
    never over the marked one; the truth is the marks' (a stain is not a mark), and the
    marked box's ink is the same as without it."""
    i, entry = source.entries[1]
    marked = MarkSpec(boxes=("done",), kind="tick", ink="blue")
    stained = MarkSpec(boxes=("done",), kind="tick", ink="blue", stain=True)
    touched = set()
    for seed in range(12):
        crop = mark_slip(source.pages[i], entry, source.dpi, stained, np.random.default_rng(seed))
        plain = mark_slip(source.pages[i], entry, source.dpi, marked, np.random.default_rng(seed))
        assert crop.truth.status == "done" and crop.truth.spec.stain
        assert not np.array_equal(crop.image, plain.image)  # something was drawn
        done = entry["boxes"]["done"]
        assert _box_ink(crop, plain, done) == 0.0
        diff = plain.image.astype(int) - crop.image.astype(int)
        assert diff.min() >= -1  # laid on: it only darkens
        # the empty box it lies over, if any
        touched |= {name for name, rect in entry["boxes"].items()
                    if name != "done" and _box_ink(crop, plain, rect) > 0.0}
    assert touched  # some land over an empty box, as the hazard means


def test_plain_slips_decode_at_12mp_where_the_truth_says(source):
    """Sanity: unmarked slips in a 12 MP photo are mostly read by one plain zxing-cpp pass,
    and each code is found where the truth puts its corners."""
    tasks = [e["task"] for _, e in source.entries[:10]]
    data, truth = phone_photo(source, np.random.default_rng(21), 10, megapixels=12,
                              specs=[BLANK] * 10, tasks=tasks, quality=85)
    assert truth.size == (4000, 3000) or truth.size == (3000, 4000)
    found = _zxing(_gray(data))
    codes = {s.truth.code: s for s in truth.slips}
    assert len(found.keys() & codes.keys()) >= 8
    for text, quad in found.items():
        placed = codes[text]
        want = np.array(placed.qr)
        # zxing reports the symbol's corners; allow a module or so of curl and blur.
        assert np.linalg.norm(quad.mean(axis=0) - want.mean(axis=0)) < 3 * placed.module_px
        assert placed.module_px > 2.0


def test_flatbed_scan_reads_whole_sheet(source):
    data, truth = flatbed_scan(source, np.random.default_rng(4), page=0, dpi=150)
    assert truth.variant == "flatbed" and truth.params["dpi"] == 150
    found = _zxing(_gray(data))
    codes = {s.truth.code: s for s in truth.slips}
    assert set(codes) == {e["code"] for e in source.manifest["pages"][0]["slips"]}
    assert found.keys() == codes.keys()
    for text, quad in found.items():
        assert np.abs(quad - np.array(codes[text].qr)).max() < 3.0


def test_exif_rotated_photo_displays_upright(source):
    rng_a, rng_b = np.random.default_rng(8), np.random.default_rng(8)
    mp = 1024 * 768 / 1e6  # whole JPEG blocks either way up, so both encodes lose the same
    plain, truth = phone_photo(source, rng_a, 3, megapixels=mp, quality=90)
    rotated, rtruth = phone_photo(source, rng_b, 3, megapixels=mp, quality=90, orientation=6)
    im = Image.open(io.BytesIO(rotated))
    assert im.getexif().get(0x0112) == 6
    w, h = truth.size
    assert im.size == (h, w)  # stored pixels are turned a quarter
    shown = np.asarray(ImageOps.exif_transpose(im).convert("L"), float)
    assert shown.shape == (h, w)
    upright = _gray(plain).astype(float)
    assert np.abs(shown - upright).mean() < 2.0  # JPEG quantises turned blocks differently
    assert np.abs(shown[::-1, ::-1] - upright).mean() > 10.0  # the test can tell upside down
    assert rtruth.orientation == 6 and rtruth.size == truth.size


def test_heic_photo_loads_in_pillow(source):
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    jpeg, truth = phone_photo(source, np.random.default_rng(9), 2, megapixels=0.5, quality=90)
    heic, htruth = phone_photo(source, np.random.default_rng(9), 2, megapixels=0.5, fmt="heic",
                               quality=90)
    im = Image.open(io.BytesIO(heic))
    assert im.format == "HEIF"
    assert im.size == htruth.size == truth.size
    diff = np.abs(np.asarray(im.convert("L"), float) - _gray(jpeg).astype(float)).mean()
    assert diff < 4.0


def test_sheet_rasterized_at_150_dpi_can_be_photographed(sheet):
    """The 'printed, rasterized at 150 dpi, then photographed' path: a coarser source still
    gives codes a plain decoder reads in a close photo."""
    coarse = SheetSource.from_pdf(*sheet, dpi=150)
    assert coarse.pages[0].shape[1] == round(coarse.manifest["pages"][0]["size"][0] * 150 / 72)
    tasks = [e["task"] for _, e in coarse.entries[:4]]
    data, truth = phone_photo(coarse, np.random.default_rng(2), 4, megapixels=3,
                              specs=[BLANK] * 4, tasks=tasks, quality=85)
    assert len(_zxing(_gray(data)).keys() & {s.truth.code for s in truth.slips}) >= 3


@pytest.mark.parametrize("variant", ["table", "wood", "board"])
def test_thirty_slips_lie_apart_and_inside_the_frame(source, variant):
    from paperkit.synth import compose_photo
    from paperkit.synth.layout import overlap

    rng = np.random.default_rng(30)
    entries = source.entries
    crops = [mark_slip(source.pages[i], e, source.dpi, BLANK, rng)
             for i, e in (entries[j % len(entries)] for j in range(30))]
    data, truth = compose_photo(crops, rng, megapixels=1, variant=variant)
    assert truth.variant == variant and len(truth.slips) == 30
    w, h = truth.size
    quads = [np.array(p.outline) for p in truth.slips]
    for q in quads:
        assert q[:, 0].min() >= 0 and q[:, 1].min() >= 0
        assert q[:, 0].max() <= w and q[:, 1].max() <= h
    for a in range(30):
        for b in range(a + 1, 30):
            assert not overlap(quads[a], quads[b]), (a, b)
    assert Image.open(io.BytesIO(data)).size == (w, h)


def test_whole_board_photo_shows_the_poster_with_slips_pinned_on_it(source, printed):
    poster = printed[2]
    pw, ph = poster.size_mm
    assert 500 < pw < 700 and ph > 200  # three letter tiles across, taped with overlap
    tasks = [e["task"] for _, e in source.entries[:6]]
    data, truth = phone_photo(source, np.random.default_rng(6), 6, megapixels=8,
                              variant="poster", poster=poster, specs=[BLANK] * 6, tasks=tasks,
                              quality=88)
    assert truth.variant == "poster"
    found = _zxing(_gray(data))
    assert len(found.keys() & {s.truth.code for s in truth.slips}) >= 5
    with pytest.raises(ValueError):
        phone_photo(source, np.random.default_rng(6), 2, megapixels=1, variant="poster")
