"""Decoding small, blurred and damaged slip codes (paperkit/scan/decode.py, deblur.py, known.py)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import zxingcpp
from scan_images import compose, render_slip, slip_quad

from paperkit import codes
from paperkit.render.qr import matrix
from paperkit.scan import deblur
from paperkit.scan.decode import box_means, find_codes
from paperkit.scan.known import MAX_DISTANCE, KnownCodes
from paperkit.scan.resample import (
    FIXED,
    FIXED_DARK,
    Grid,
    _decode_matrix,
    read_dark,
    sharpened,
)

KEY = bytes(range(32))
KIT = "K3FQ"

#: The blur model refines its grid with OpenCV's masked ECC (OpenCV 4.13 and later).
needs_masked_ecc = pytest.mark.skipif(
    not hasattr(cv2, "findTransformECCWithMask"),
    reason="this OpenCV has no findTransformECCWithMask (4.13+), so the blur model is off")


def _code(task: str, rev: int = 1) -> str:
    return codes.build(KEY, KIT, task, rev).text


def _matrix(text: str) -> np.ndarray:
    return np.asarray(matrix(text, version=3, error="Q").rows, bool)


def _flip(m: np.ndarray, share: float, seed: int = 0) -> np.ndarray:
    """``m`` with ``share`` of its data modules (not the fixed patterns) inverted."""
    rng = np.random.default_rng(seed)
    free = np.argwhere(~FIXED)
    pick = free[rng.choice(len(free), int(round(share * len(free))), replace=False)]
    out = m.copy()
    out[pick[:, 0], pick[:, 1]] ^= True
    return out


def _draw(m: np.ndarray, px: int = 6) -> np.ndarray:
    img = np.kron((~m).astype(np.uint8) * 255, np.ones((px, px), np.uint8))
    return np.pad(img, 4 * px, constant_values=255)


def _codes_in_rows(texts: list[str], shape: tuple[int, int], px: int, cols: int,
                   step: tuple[int, int], at: tuple[int, int] = (40, 60)) -> np.ndarray:
    """A grey canvas of ``shape`` with each of ``texts``' symbols drawn at ``px`` a module,
    ``cols`` to a row, ``step`` (x, y) apart from ``at``."""
    canvas = np.full(shape, 235, np.uint8)
    for i, text in enumerate(texts):
        sym = _draw(_matrix(text), px=px)
        x, y = at[0] + (i % cols) * step[0], at[1] + (i // cols) * step[1]
        canvas[y:y + sym.shape[0], x:x + sym.shape[1]] = sym
    return canvas


def _plain_zxing(gray: np.ndarray) -> set[str]:
    return {r.text for r in zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode)}


@pytest.fixture(scope="module")
def blurred_photo():
    """Six slips at about 2.5 px a QR module, blurred (Gaussian, 1.2 px): one plain pass of
    zxing-cpp reads none of them."""
    texts = [_code(f"T{i:04d}") for i in range(1, 7)]
    items = [(render_slip(t, s=3.0),
              slip_quad(250 + 330 * (i % 3), 200 + 300 * (i // 3), 270, 10 + 25 * i, 0.1))
             for i, t in enumerate(texts)]
    rgb = compose(items, (1100, 650), seed=3, blur=1.2, noise=3.0)
    return texts, cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


@needs_masked_ecc
def test_small_blurred_codes_that_plain_zxing_misses_are_read(blurred_photo):
    texts, gray = blurred_photo
    assert not _plain_zxing(gray) & set(texts)
    found = find_codes(gray).found
    read = {f.text for f in found}
    assert read <= set(texts)  # nothing read that is not there
    assert len(read) >= 4
    assert any(f.step == "regions:deblur" for f in found)
    for f in found:  # the corners are the symbol's own, in the frame
        assert f.corners.shape == (4, 2)
        assert 60 < f.side < 90  # about 29 modules of 2.5 px


def test_a_code_on_curled_paper_is_read_on_its_homography_let_bend():
    """A code drawn on paper curled like a cylinder seen from above (each column pushed
    down by the square of its distance from the middle: 2 modules at its sides), blurred:
    no homography lines up all its modules, so sampled on the flat one, or on the one that
    fits its fixed patterns best (ECC), it does not decode. Let bend (resample.bent) from
    the flat one, it reads (seed-83 set, photo 0032, and seed 81, photo 0044, read so)."""
    from paperkit.scan import resample

    text, px = _code("T0009"), 4
    img = _draw(_matrix(text), px=px).astype(np.float32)
    yy, xx = np.mgrid[0:img.shape[0], 0:img.shape[1]].astype(np.float32)
    curled = cv2.remap(img, xx, yy - 0.01 * (xx - img.shape[1] / 2) ** 2 / px,
                       cv2.INTER_LINEAR, borderValue=255)
    curled = cv2.GaussianBlur(curled, (0, 0), 1.0)
    noise = np.random.default_rng(0).normal(0, 3, curled.shape)
    gray = np.pad(np.clip(curled + noise, 0, 255).astype(np.uint8), 20, constant_values=255)
    q = 4 * px + 20  # the symbol's top-left corner, flat
    flat = cv2.getPerspectiveTransform(
        np.float32([[0, 0], [29, 0], [29, 29], [0, 29]]),
        np.float32([[q, q], [q + 29 * px, q], [q + 29 * px, q + 29 * px], [q, q + 29 * px]]))

    def sampled(h):
        return read_dark(resample.darkness(resample._homography_values(gray, h)))

    assert sampled(flat.astype(np.float64)) is None
    ecc = resample._refine(gray, np.array([[q, q], [px, 0], [0, px], [0, 0], [0, 0], [0, 0]],
                                          float))
    assert ecc is None or sampled(ecc) is None
    b = resample.bent(gray, flat.astype(np.float64))
    assert b is not None and b.text == text
    # its corners: the symbol's, pushed down at the sides as the paper is
    assert np.allclose(b.corners[0], (q, q + 0.01 * (29 * px / 2) ** 2 / px), atol=3)
    # on plain paper, it reads nothing; a homography that is no map gives nothing
    paper = np.full_like(gray, 220)
    out = resample.bent(paper, flat.astype(np.float64))
    assert out is None or out.text is None
    assert resample.bent(gray, np.zeros((3, 3))) is None
    assert resample.bent(gray, np.full((3, 3), np.nan)) is None


@needs_masked_ecc
def test_a_symbol_the_blur_model_locates_is_also_handed_back_sampled_plainly():
    """A damaged code (a tenth of its data modules turned) the blur model locates but no
    blur decodes: the symbol is also sampled plainly on the homography found, and that
    grid handed back (decode.py then reads it from how sure each module is, or sharpened:
    seed-87 set, photo 0056, a curled code read so). Nothing is handed back for a
    homography given, nor for plain paper."""
    text = _code("T0007")
    m = _flip(_matrix(text), 0.1, seed=4)
    img = cv2.GaussianBlur(_draw(m, px=3).astype(np.float32), (0, 0), 1.0)
    crop = np.clip(img + np.random.default_rng(1).normal(0, 3, img.shape), 0, 255)
    crop = np.pad(crop.astype(np.uint8), 30, constant_values=255)
    sampled = []
    g = deblur.read(crop, sampled=sampled)
    assert g is not None and g.text is None  # located, and not read
    (plain,) = sampled
    assert plain.homography is not None and plain.text is None
    assert np.mean((plain.dark > 0.5) == m) > 0.9  # the symbol's own modules
    again = []
    deblur.read(crop, plain.homography, sampled=again)
    assert again == []
    assert deblur.read(np.full((180, 180), 200, np.uint8), sampled=again) is None
    assert again == []


@needs_masked_ecc
def test_deblur_reads_blurred_symbols_on_its_own_and_nothing_on_plain_paper(blurred_photo):
    texts, gray = blurred_photo
    reads = []
    for f in find_codes(gray).found:
        c = f.center.astype(int)
        g = deblur.read(np.ascontiguousarray(gray[c[1] - 75:c[1] + 75, c[0] - 75:c[0] + 75]))
        reads.append(g.text if g is not None else None)
    assert set(reads) - {None} <= set(texts)
    assert len(set(reads) - {None}) >= 3
    g = deblur.read(np.full((180, 180), 200, np.uint8))
    assert g is None or g.text is None


def test_known_codes_match_only_a_close_code_with_every_other_far():
    printed = [_code(f"T{i:04d}", rev) for i in range(1, 30) for rev in (1, 2)]
    known = KnownCodes(printed)
    target = printed[7]
    dark = _matrix(target).astype(np.float32)
    assert known.match(dark) == target
    assert known.match(_flip(_matrix(target), 0.05).astype(np.float32)) == target
    # too many modules read the other way: refused, though it is still the nearest
    far = _flip(_matrix(target), 0.12).astype(np.float32)
    assert int(np.argmin(known.distances(far))) == 7
    assert known.distances(far).min() > MAX_DISTANCE
    assert known.match(far) is None


def test_a_code_that_was_not_printed_is_never_matched_to_a_printed_one():
    printed = [_code(f"T{i:04d}", rev) for i in range(1, 30) for rev in (1, 2)]
    known = KnownCodes(printed)
    # the nearest there is: the same task and rev with another tag (a forgery, or another
    # kit key), another rev of a printed task, another kit's code
    forged = codes.build(bytes(32), KIT, "T0003", 1).text
    newer = _code("T0003", 3)
    other_kit = codes.build(KEY, "ZZZZ", "T0003", 1).text
    for text in (forged, newer, other_kit):
        for share in (0.0, 0.03, 0.06):
            dark = _flip(_matrix(text), share, seed=1).astype(np.float32)
            assert known.match(dark) is None, (text, share)
            assert known.distances(dark).min() > 2 * MAX_DISTANCE


def _damaged_frame(share: float) -> tuple[str, str, np.ndarray]:
    """A clean code beside a damaged one (``share`` of its data modules inverted, too many
    for Reed-Solomon), slightly blurred."""
    clean, damaged = _code("T0001"), _code("T0002")
    canvas = np.full((400, 700), 235, np.uint8)
    a = _draw(_matrix(clean))
    b = _draw(_flip(_matrix(damaged), share))
    canvas[60:60 + a.shape[0], 60:60 + a.shape[1]] = a
    canvas[80:80 + b.shape[0], 380:380 + b.shape[1]] = b
    return clean, damaged, cv2.GaussianBlur(canvas, (0, 0), 0.8)


def test_a_damaged_code_is_read_only_by_matching_the_codes_printed():
    clean, damaged, gray = _damaged_frame(0.05)
    assert _plain_zxing(gray) == {clean}
    assert {f.text for f in find_codes(gray).found} == {clean}
    found = find_codes(gray, known=[clean, damaged, _code("T0003")]).found
    assert {f.text: f.step for f in found} == {clean: "first", damaged: "regions:known"}
    f = next(f for f in found if f.text == damaged)
    assert np.allclose(f.center, (380 + 24 + 87, 80 + 24 + 87), atol=6)


def test_a_damaged_code_that_was_not_printed_is_not_read_as_another():
    clean, damaged, gray = _damaged_frame(0.05)
    # printed: everything but the damaged code, with its own task at other revs
    printed = [clean, _code("T0002", 2), _code("T0002", 3), *(_code(f"T{i:04d}")
                                                             for i in range(3, 40))]
    assert {f.text for f in find_codes(gray, known=printed).found} == {clean}


def test_a_code_too_damaged_to_match_is_not_read():
    clean, damaged, gray = _damaged_frame(0.12)
    assert {f.text for f in find_codes(gray, known=[clean, damaged]).found} == {clean}


def _smeared_symbol(text: str, kernel: np.ndarray, seed: int = 0) -> np.ndarray:
    """``text``'s symbol rectified as the blur model sees it (deblur.K px a module, its
    quiet zone round it), light 200 and dark 50, blurred by ``kernel``, with a little noise."""
    b = deblur.BORDER
    dark = np.zeros((deblur._S, deblur._S), np.float32)
    dark[b:-b, b:-b] = _matrix(text)
    img = 200.0 - 150.0 * cv2.filter2D(deblur._draw(dark), -1, kernel,
                                       borderType=cv2.BORDER_REPLICATE)
    img += np.random.default_rng(seed).normal(0, 3.0, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def _to_rect() -> np.ndarray:
    """The homography, module coordinates → pixels of :func:`_smeared_symbol`."""
    k, b = deblur.K, deblur.BORDER
    return np.array([[k, 0, k * b], [0, k, k * b], [0, 0, 1]], float)


def _spread(kernel: np.ndarray) -> tuple[float, float]:
    """A kernel's variance along x and along y (px²)."""
    ys, xs = np.mgrid[:kernel.shape[0], :kernel.shape[1]] - kernel.shape[0] // 2
    return float((kernel * xs ** 2).sum()), float((kernel * ys ** 2).sum())


def _along_diagonal(kernel: np.ndarray) -> bool:
    """Whether a kernel spreads mostly along the x = y diagonal."""
    ys, xs = np.mgrid[:kernel.shape[0], :kernel.shape[1]] - kernel.shape[0] // 2
    return float((kernel * xs * ys).sum()) > 0.15 * np.sqrt(np.prod(_spread(kernel)))


def test_the_blur_kernels_are_normalised_symmetric_and_smear_along_their_turn():
    for args in ((0.5,), (0.25, 1.1, 0), (0.4, 0.8, 90), (0.4, 1.1, 45)):
        k = deblur.psf(*args)
        assert k.sum() == pytest.approx(1.0, abs=1e-5)
        assert np.allclose(k, k[::-1, ::-1], atol=1e-6)  # its own adjoint
    along_x, along_y = _spread(deblur.psf(0.25, 1.1, 0))
    assert along_x > 3 * along_y  # a smear along the rows
    across_x, across_y = _spread(deblur.psf(0.25, 1.1, 90))
    assert across_y > 3 * across_x
    assert _along_diagonal(deblur.psf(0.25, 1.1, 45)) and not _along_diagonal(deblur.psf(0.5))


def test_the_blur_model_picks_a_smear_of_hand_shake_and_reads_through_it():
    text = _code("T0005")
    shake = deblur.psf(0.4, 1.5, 45)  # a Gaussian, then a smear along the diagonal
    rect = _smeared_symbol(text, shake).astype(np.float32)
    # a Gaussian blur model alone reads nothing here
    for sigma in deblur.SIGMAS:
        m = deblur.estimate(rect, deblur.psf(sigma)) > 0.5
        m[FIXED] = FIXED_DARK[FIXED]
        assert _decode_matrix(m) is None
    # one of the blurs solved for smears along the same diagonal
    assert any(_along_diagonal(k) for k in deblur._likeliest(rect)[:deblur.TRIED])
    g = deblur.read(_smeared_symbol(text, shake), _to_rect())
    assert g is not None and g.text == text
    assert deblur.likeness(rect) > deblur.LIKENESS


def test_the_blur_model_solves_nothing_where_the_fixed_patterns_do_not_show():
    noise = np.random.default_rng(2).integers(60, 200, (deblur._S * deblur.K,) * 2, np.uint8)
    assert deblur.likeness(noise.astype(np.float32)) < deblur.LIKENESS
    g = deblur.read(noise, _to_rect())
    assert g is not None and g.text is None and g.fit == 0.0


def _found(text: str, cx: float, cy: float, side: float):
    from paperkit.scan.decode import Found

    h = side / 2
    return Found(text, np.float32([[cx - h, cy - h], [cx + h, cy - h], [cx + h, cy + h],
                                   [cx - h, cy + h]]), "first")


def test_a_tight_crop_is_sized_by_the_codes_read_nearest_it():
    from paperkit.scan import decode

    s = decode._Search(np.zeros((2000, 3000), np.uint8), decode.backend("zxing"))
    assert decode._tight(s, (0, 0, 400, 400)) is None  # nothing read: no size to go by
    # three small codes near the region, three big ones far away
    s.found = [_found("a", 1000, 1000, 80), _found("b", 1200, 1000, 84),
               _found("c", 1000, 1200, 76), *(_found(t, 2700, 300 + 500 * i, 200)
                                              for i, t in enumerate("def"))]
    r = (900, 900, 1380, 1380)  # the wide crop: 1.2 sides of the median code each way
    x0, y0, x1, y1 = decode._tight(s, r)
    assert (x0 + x1) / 2 == pytest.approx(1140, abs=1) and (y0 + y1) / 2 == pytest.approx(1140, abs=1)
    assert (x1 - x0) / 2 == pytest.approx(decode.TIGHT * 80, abs=1)  # the nearest three's median
    assert decode._tight(s, (1060, 1060, 1220, 1220)) is None  # not much smaller than that
    assert decode._tight(s, (950, 950, 1050, 1050)) is None  # a code was read there since


def _reads_nothing(attempt):
    """A ladder step that runs (later steps use what it saw) but reads nothing."""
    def run(read):
        attempt(read)
        return []
    return run


def test_a_region_that_reads_nothing_is_tried_again_cropped_close(monkeypatch):
    """The ladder fails on the wide crop (here: on any crop over 200 px), and the close
    crop about the same middle reads the code; its step says so."""
    from paperkit.scan import decode

    texts = [_code(f"T000{i}") for i in range(1, 5)]
    canvas = np.full((700, 900), 235, np.uint8)
    for (x, y), text in zip(((60, 60), (360, 60), (60, 380), (600, 380)), texts, strict=True):
        sym = _draw(_matrix(text), px=4)
        canvas[y:y + sym.shape[0], x:x + sym.shape[1]] = sym
    first = set(texts[:3])
    real_read = decode._zxing
    real_variants = decode._variants
    crops = []

    def first_pass_misses_one(gray, *args, **kw):
        out = real_read(gray, *args, **kw)
        return [r for r in out if r[0] in first] if gray.shape == canvas.shape else out

    def wide_crops_fail(crop, *args, **kw):
        crops.append(crop.shape)
        for name, attempt, scale in real_variants(crop, *args, **kw):
            yield name, attempt if max(crop.shape) <= 200 else _reads_nothing(attempt), scale

    real_deblur = decode._deblur_raws

    def wide_crops_blur(crop, *args, **kw):
        return real_deblur(crop, *args, **kw) if max(crop.shape) <= 200 else \
            _reads_nothing(lambda read: real_deblur(crop, *args, **kw))(None)

    monkeypatch.setattr(decode, "_zxing", first_pass_misses_one)
    monkeypatch.setattr(decode, "_variants", wide_crops_fail)
    monkeypatch.setattr(decode, "_deblur_raws", wide_crops_blur)
    # the last step would read the sharp symbol on the grid the wide crop's ladder fitted
    monkeypatch.setattr(decode, "read_dark", lambda dark: None)
    found = {f.text: f.step for f in decode.find_codes(canvas).found}
    assert found[texts[3]].startswith("tight:")
    assert {t: found[t] for t in first} == {t: "first" for t in first}
    assert max(crops[0]) > 200 >= max(crops[-1])


@pytest.mark.parametrize("located", [2, 4])
def test_more_codes_located_than_read_in_the_first_pass_reads_the_full_size(monkeypatch,
                                                                           located):
    """When the downscaled first pass locates more codes than it reads, the codes it read
    are the photo's largest and sharpest, not its usual ones, and the full size is read too
    (a board poster photographed with a shaken hand: seed-72 set, photo 0027). When it
    locates fewer than it reads, the regions read the rest, as before."""
    from paperkit.scan import decode

    texts = [_code(f"T00{i:02d}") for i in range(1, 8)]
    canvas = np.full((2400, 2400), 235, np.uint8)
    for i, text in enumerate(texts):
        sym = _draw(_matrix(text), px=8)  # 4 px a module in the first pass: not small
        x, y = 100 + (i % 3) * 750, 100 + (i // 3) * 750
        canvas[y:y + sym.shape[0], x:x + sym.shape[1]] = sym
    real_read = decode._zxing
    read_first, located_first = texts[:3], texts[3:3 + located]

    def first_pass(gray, *args, **kw):
        out = real_read(gray, *args, **kw)
        if gray.shape == canvas.shape:
            return out
        return [(t if t in read_first else None, pts) for t, pts in out
                if t in read_first or t in located_first]

    monkeypatch.setattr(decode, "_zxing", first_pass)
    decoded = decode.find_codes(canvas)
    assert {f.text for f in decoded.found} == set(texts)
    steps = {f.text: f.step for f in decoded.found}
    if located > len(read_first):
        assert "full-size" in [s.name for s in decoded.steps]
        assert {steps[t] for t in texts[3:]} == {"full-size"}
    else:
        assert "full-size" not in [s.name for s in decoded.steps]
        assert all(steps[t].startswith("regions:") for t in texts[3:])


def test_when_the_regions_read_more_than_the_first_pass_and_small_the_full_size_is_read(
        monkeypatch):
    """The first pass read only the few large codes; the regions then read as many small
    ones or more: the photo's usual codes are small, so the full size is read after all,
    and it reads the small codes no region held (seed-87 set, photo 0099)."""
    from paperkit.scan import decode

    large = [_code(f"T00{i:02d}") for i in range(1, 4)]
    small = [_code(f"T00{i:02d}") for i in range(4, 10)]
    canvas = np.full((1800, 2400), 235, np.uint8)
    at = {}
    for i, text in enumerate(large + small):
        sym = _draw(_matrix(text), px=10 if text in large else 3)
        x, y = 60 + (i % 5) * 460, 80 + (i // 5) * 800
        canvas[y:y + sym.shape[0], x:x + sym.shape[1]] = sym
        at[text] = (x, y, x + sym.shape[1], y + sym.shape[0])
    real_read = decode._zxing

    def reads(gray, *args, **kw):
        out = real_read(gray, *args, **kw)
        if gray.shape == canvas.shape:
            return out
        if gray.shape == cv2.pyrDown(canvas).shape:  # the first pass: the large only
            return [(t, pts) for t, pts in out if t in large]
        return out

    in_regions = small[:4]  # the last two lie in no region: only the full size reads them
    monkeypatch.setattr(decode, "_zxing", reads)
    monkeypatch.setattr(decode, "_regions", lambda s, edges: [
        (max(0, at[t][0] - 40), max(0, at[t][1] - 40), at[t][2] + 40, at[t][3] + 40)
        for t in in_regions])
    decoded = decode.find_codes(canvas)
    steps = {f.text: f.step for f in decoded.found}
    assert set(steps) == set(large + small)
    assert [s.name for s in decoded.steps][:3] == ["first", "regions", "full-size"]
    assert {steps[t] for t in small[4:]} == {"full-size"}
    # the regions reading fewer than the first pass: no full size (the first pass read the
    # photo's usual codes)
    in_regions = small[:2]
    decoded = decode.find_codes(canvas)
    assert "full-size" not in [s.name for s in decoded.steps]


def test_a_dense_patch_several_codes_large_is_looked_for_at_each_of_its_crests():
    """A code whose dense patch merges with the print of the slip beside it (a read one)
    is one patch, looked for about one place that may lie on that slip, and then passed
    over (seed-84 set, photo 0054). With ``crests`` (the regions' own search) each other
    densest place a code apart is a patch too, after the patches' own places."""
    from paperkit.scan.decode import _dense_patches

    side, f = 40.0, 2  # a code 40 frame px wide; the edge map at half the frame's size
    strong = np.zeros((200, 300), np.uint8)
    rng = np.random.default_rng(0)
    strong[80:100, 60:80] = rng.random((20, 20)) < 0.9  # a code's worth, densest
    strong[80:100, 80:140] = rng.random((20, 60)) < 0.55  # print joined to it...
    strong[80:100, 140:160] = rng.random((20, 20)) < 0.8  # ...and another code's worth
    known = [np.array([140.0, 180.0])]  # a code read, at the first square's middle
    one = _dense_patches((strong, f), side, known)
    many = _dense_patches((strong, f), side, known, crests=True)
    assert len(one) == 1 and np.hypot(*(one[0] - many[0])) == 0  # the patch's own first
    far = [c for c in many[1:] if np.hypot(*(c - one[0])) > side]
    assert far and any(abs(c[0] - 300) < side / 2 and abs(c[1] - 180) < side / 2 for c in far)


def test_more_codes_than_the_old_region_cap_are_all_tried(monkeypatch):
    """A photo of 31 slips whose first pass (and full-size pass) read one code: every other
    code must be retried in a region of its own. The cap was 24 regions a frame, and the
    codes past it were never tried, with nothing said (seed-84 set, photo 0002: 25 slips,
    6 lost)."""
    from paperkit.scan import decode

    texts = [_code(f"T{i:04d}") for i in range(1, 32)]
    canvas = _codes_in_rows(texts, (1800, 2400), px=4, cols=8, step=(290, 430))
    real_read = decode._zxing

    def reads(gray, *args, **kw):
        out = real_read(gray, *args, **kw)
        if gray.shape in (canvas.shape, cv2.pyrDown(canvas).shape):  # whole-frame passes
            return [(t, pts) for t, pts in out if t == texts[0]]
        return out

    monkeypatch.setattr(decode, "_zxing", reads)
    decoded = decode.find_codes(canvas)
    assert {f.text for f in decoded.found} == set(texts)
    assert decode.MAX_REGIONS > 30  # as many slips as a photo may hold, and text


def test_when_nothing_is_read_before_the_regions_they_are_looked_for_again_at_code_size(
        monkeypatch):
    """No whole-frame pass reads a code (hand shake, blur): the regions are then sized for
    a guessed code, a fourteenth of the frame, and each holds several of these small codes
    but reads one. Once codes are read, the regions are looked for again at their size,
    and the rest are read (seed-87 set, photo 0026: 10 of 20 read before, 18 now)."""
    from paperkit.scan import decode

    texts = [_code(f"T{i:04d}") for i in range(1, 17)]
    canvas = np.full((1800, 2400), 235, np.uint8)
    for i, text in enumerate(texts):  # four clusters of four slips' codes (a slip is 3.75
        sym = _draw(_matrix(text), px=3)  # codes wide, 2.5 high), the clusters well apart
        cx, cy = 150 + (i // 4 % 2) * 1200, 150 + (i // 8) * 900
        x, y = cx + (i % 2) * 330, cy + (i // 2 % 2) * 220
        canvas[y:y + sym.shape[0], x:x + sym.shape[1]] = sym
    real_read = decode._zxing

    def reads(gray, *args, **kw):
        if gray.shape in (canvas.shape, cv2.pyrDown(canvas).shape):  # whole-frame passes
            return []
        out = real_read(gray, *args, **kw)
        if min(gray.shape) > 300:  # a crop several codes wide: one code read in it, as
            return [r for r in out if r[0]][:1]  # the blur model reads one a region
        return out

    real_regions = decode._regions
    calls = []

    def regions(s, edges):  # the first look: one region a cluster, as the guessed size
        calls.append(len(s.found))  # merges slips lying close (seed 87, 0026)
        if len(calls) == 1:
            return [(cx - 40, cy - 40, cx + 520, cy + 420)
                    for cy in (150, 1050) for cx in (150, 1350)]
        return real_regions(s, edges)

    monkeypatch.setattr(decode, "_zxing", reads)
    monkeypatch.setattr(decode, "_regions", regions)
    decoded = decode.find_codes(canvas)
    steps = {s.name: s for s in decoded.steps}
    assert calls[0] == 0 and steps["regions"].new == 4  # the premise: one code a region
    assert {f.text for f in decoded.found} == set(texts)
    assert steps["regions-again"].new > 0


def test_when_the_regions_read_codes_the_patches_are_looked_for_again(monkeypatch):
    """A code whose dense patch was never placed on it (merged with a slip the regions then
    read, its own crest passed over: seed-104 set, photo 0059, a blurred code on a pale
    table, read by nothing and said by nothing) is tried once the regions have read codes:
    the patches are looked for again with those codes left out, and the places not tried
    yet are tried."""
    from paperkit.scan import decode

    texts = [_code(f"T{i:04d}") for i in range(1, 4)]
    canvas = np.full((1200, 2400), 235, np.uint8)
    for i, text in enumerate(texts):
        sym = _draw(_matrix(text), px=4)
        canvas[500:500 + sym.shape[0], 300 + 800 * i:300 + 800 * i + sym.shape[1]] = sym
    real_read = decode._zxing

    def reads(gray, *args, **kw):  # the whole-frame passes read the first code only
        out = real_read(gray, *args, **kw)
        if gray.shape in (canvas.shape, cv2.pyrDown(canvas).shape):
            return [r for r in out if r[0] == texts[0]]
        return out

    real_regions = decode._regions
    calls = []

    def regions(s, edges):  # the first look places no patch on the third code
        calls.append(len(s.found))
        found = real_regions(s, edges)
        return [r for r in found if r[0] < 1500] if len(calls) == 1 else found

    monkeypatch.setattr(decode, "_zxing", reads)
    monkeypatch.setattr(decode, "_regions", regions)
    monkeypatch.setattr(decode, "_small_regions", lambda s, edges, tried: [])
    decoded = decode.find_codes(canvas)
    steps = {s.name: s for s in decoded.steps}
    assert calls[0] == 1 and steps["regions"].new == 1  # the premise: the second code only
    assert {f.text for f in decoded.found} == set(texts)
    assert steps["regions-new"].new == 1 and steps["regions-new"].tried == 1


def test_a_code_seen_but_not_read_is_reported_where_it_lies():
    """A code whose finder patterns show but whose data no step can read is not silently
    left out: its region's centre is returned as unread (the pipeline then says that a
    slip is not in the scan, and where). Codes read are never reported so."""
    texts = [_code("T0001"), _code("T0002")]
    canvas = np.full((420, 820), 235, np.uint8)
    good, bad = _draw(_matrix(texts[0]), px=5), _draw(_flip(_matrix(texts[1]), 0.45), px=5)
    canvas[40:40 + good.shape[0], 40:40 + good.shape[1]] = good
    canvas[60:60 + bad.shape[0], 460:460 + bad.shape[1]] = bad
    decoded = find_codes(canvas)
    assert [f.text for f in decoded.found] == [texts[0]]
    (at,) = decoded.unread
    middle = np.array([460 + bad.shape[1] / 2, 60 + bad.shape[0] / 2])
    assert np.hypot(*(at - middle)) < bad.shape[0] / 2
    # both readable: nothing unread
    canvas[60:60 + bad.shape[0], 460:460 + bad.shape[1]] = _draw(_matrix(texts[1]), px=5)
    decoded = find_codes(canvas)
    assert len(decoded.found) == 2 and decoded.unread == ()


@needs_masked_ecc
def test_a_blurred_code_whose_finders_only_the_blur_model_finds_is_reported_unread(
        monkeypatch):
    """Small, blurred slips (2.6 px a slip unit, blur 1.4 px): the finder patterns no longer
    show as rings to a threshold (fewer than UNREAD_FINDERS seen), but the blur model finds
    them and lines up the fixed patterns, and still no blur it models decodes the damaged
    code. That is a code seen and not read (seed-83 set, photos 0051 and 0059: 8 slips left
    out with nothing said): its place is returned as unread, as is the other slip no step
    read here, and nothing else."""
    import scan_images

    from paperkit.scan import decode

    texts = [_code(f"T{i:04d}") for i in range(1, 7)]
    bad = texts[4]
    real = scan_images._qr_matrix
    monkeypatch.setattr(scan_images, "_qr_matrix",
                        lambda c: _flip(real(c), 0.45) if c == bad else real(c))
    quads = [slip_quad(250 + 330 * (i % 3), 200 + 300 * (i // 3), 270, 10 + 25 * i, 0.1)
             for i in range(6)]
    rgb = compose([(render_slip(t, s=2.6), q) for t, q in zip(texts, quads, strict=True)],
                  (1100, 650), seed=3, blur=1.4, noise=3.0)
    seen = {}
    real_finish = decode._finish

    def finish(a, *args, **kw):
        out = real_finish(a, *args, **kw)
        seen[a.region] = (out.seen[0] if out.seen else 0, bool(out.estimates))
        return out

    monkeypatch.setattr(decode, "_finish", finish)
    decoded = find_codes(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
    read = {f.text for f in decoded.found}
    assert bad not in read and len(read) >= 3

    def slip_at(p):
        return [i for i, q in enumerate(quads)
                if cv2.pointPolygonTest(q.astype(np.float32).reshape(-1, 1, 2),
                                        (float(p[0]), float(p[1])), False) >= 0]

    said = [i for p in decoded.unread for i in slip_at(p)]
    assert sorted(said) == sorted(i for i, t in enumerate(texts) if t not in read)
    assert len(said) == len(decoded.unread)  # each place said is on a slip not read
    # the premise: where the damaged code lies, the threshold saw fewer than three finder
    # patterns, and only the blur model's lined-up symbol tells it is a code
    on_bad = [v for r, v in seen.items() if 4 in slip_at(((r[0] + r[2]) / 2, (r[1] + r[3]) / 2))]
    assert on_bad and all(n < decode.UNREAD_FINDERS for n, _ in on_bad)
    assert any(est for _, est in on_bad)


def test_finder_like_print_on_a_slip_whose_code_was_read_is_not_reported_unread():
    """A slip holds one code: finder-like patterns seen on a slip whose code was read (a
    filled check box in its square outline looks like one) are its own print, not a code
    that could not be read. Here an unreadable code lies where the read code's slip is."""
    texts = [_code("T0001"), _code("T0002")]
    canvas = np.full((420, 820), 235, np.uint8)
    good, bad = _draw(_matrix(texts[0]), px=5), _draw(_flip(_matrix(texts[1]), 0.45), px=5)
    canvas[20:20 + good.shape[0], 580:580 + good.shape[1]] = good  # symbol at x 600, y 40
    canvas[150:150 + bad.shape[0], 200:200 + bad.shape[1]] = bad  # on its slip's body
    decoded = find_codes(canvas)
    assert [f.text for f in decoded.found] == [texts[0]]
    middle = np.array([200 + bad.shape[1] / 2, 150 + bad.shape[0] / 2])
    from paperkit.scan.geometry import inside_slips

    assert inside_slips([decoded.found[0].corners], middle)[0]  # the premise
    assert decoded.unread == ()


def test_regions_tried_two_at_a_time_read_what_one_at_a_time_reads(monkeypatch):
    """The first pass misses five of eight codes; the regions retried in two threads give
    the same codes, corners and steps, in the same order, as one thread, every time."""
    from concurrent.futures import ThreadPoolExecutor

    from paperkit.scan import decode

    texts = [_code(f"T00{i:02d}") for i in range(1, 9)]
    canvas = _codes_in_rows(texts, (900, 1500), px=5, cols=4, step=(360, 420))
    real_read = decode._zxing

    def first_pass_misses_five(gray, *args, **kw):
        out = real_read(gray, *args, **kw)
        return [r for r in out if r[0] in texts[:3]] if gray.shape == canvas.shape else out

    monkeypatch.setattr(decode, "_zxing", first_pass_misses_five)

    def run():
        found = decode.find_codes(canvas).found
        return [(f.text, f.step, f.corners.round(2).tolist()) for f in found]

    two = [run() for _ in range(3)]
    with ThreadPoolExecutor(max_workers=1) as one_thread:
        monkeypatch.setattr(decode, "_POOL", one_thread)
        one = run()
    assert {t for t, _, _ in one} == set(texts)
    assert any(step.startswith("regions:") for _, step, _ in one)
    assert two == [one] * 3


def _two_codes(px: int = 4):
    """Two sharp symbols side by side on paper, and each one's corners (canvas px)."""
    texts = [_code("T0011"), _code("T0012")]
    canvas = np.full((220, 480), 235, np.uint8)
    quads = []
    for x, text in zip((20, 260), texts, strict=True):
        sym = _draw(_matrix(text), px=px)  # 4 modules of quiet zone round it
        canvas[20:20 + sym.shape[0], x:x + sym.shape[1]] = sym
        q = 4 * px
        quads.append(np.float32([[x + q, 20 + q], [x + q + 29 * px, 20 + q],
                                 [x + q + 29 * px, 20 + q + 29 * px],
                                 [x + q, 20 + q + 29 * px]]))
    return texts, canvas, quads


def _taken_mask(canvas: np.ndarray, quads: list[np.ndarray]) -> np.ndarray:
    from paperkit.scan import decode

    a = decode._Attempt((0, 0, canvas.shape[1], canvas.shape[0]), canvas)
    return decode._taken(a, quads)


def test_finder_patterns_of_a_code_read_already_are_not_looked_at_again():
    """A region often holds part of a neighbour read already: its finder patterns are
    neither counted (they would send the region on to the costly steps) nor fitted."""
    from paperkit.scan.resample import grids

    texts, canvas, quads = _two_codes()
    found, seen = grids(canvas[:, :240])
    assert seen == 3 and found[0].text == texts[0]
    found, seen = grids(canvas[:, :240], _taken_mask(canvas[:, :240], quads[:1]))
    assert (found, seen) == ([], 0)
    # beside it, the other code is still found, and it alone is counted
    found, seen = grids(canvas, _taken_mask(canvas, quads[:1]))
    assert seen == 3 and found[0].text == texts[1]


@needs_masked_ecc
def test_the_blur_model_does_not_locate_a_code_read_already(blurred_photo):
    texts, gray = blurred_photo
    f = next(f for f in find_codes(gray).found if f.step == "regions:deblur")
    c = f.center.astype(int)
    x0, y0 = c[0] - 75, c[1] - 75
    crop = np.ascontiguousarray(gray[y0:y0 + 150, x0:x0 + 150])
    g = deblur.read(crop)
    assert g is not None and g.text == f.text
    taken = _taken_mask(crop, [f.corners - np.float32([x0, y0])])
    assert deblur.read(crop, taken=taken) is None
    # an empty mask changes nothing
    assert deblur.read(crop, taken=np.zeros_like(taken)).text == f.text


def test_a_mask_of_codes_read_holds_only_those_in_the_region():
    from paperkit.scan import decode

    a = decode._Attempt((100, 100, 300, 300), np.zeros((200, 200), np.uint8))
    far = np.float32([[400, 400], [450, 400], [450, 450], [400, 450]])
    assert decode._taken(a, [far]) is None
    near = np.float32([[250, 120], [350, 120], [350, 220], [250, 220]])  # half in it
    mask = decode._taken(a, [far, near])
    assert mask.shape == (200, 200) and mask[50, 180] == 1 and mask[50, 100] == 0
    assert mask[150, 180] == 0


def _bled(text: str, share: float, seed: int = 0) -> np.ndarray:
    """A code's modules as a blurred photo samples them: each module's darkness is
    ``share`` its eight neighbours' mean, the rest its own, with a little noise."""
    m = _matrix(text).astype(np.float32)
    around = (cv2.blur(m, (3, 3), borderType=cv2.BORDER_REPLICATE) * 9 - m) / 8
    noise = np.random.default_rng(seed).normal(0.0, 0.05, m.shape).astype(np.float32)
    return (1 - share) * m + share * around + noise


def _grid_region(dark: np.ndarray, corners: np.ndarray | None = None):
    """A region whose cheap ladder read nothing but fitted one grid, ``dark`` its modules
    (three finder-like patterns seen), for ``decode._finish``."""
    from paperkit.scan import decode

    a = decode._Attempt((0, 0, 120, 120), np.full((120, 120), 200, np.uint8))
    corners = np.zeros((4, 2), np.float32) if corners is None else corners
    a.seen, a.grids = [3], [(Grid(dark, corners, None, 0.9), 1.0)]
    return a


def test_a_grid_blurred_past_its_threshold_reads_once_its_modules_are_sharpened():
    text = _code("T0042")
    dark = _bled(text, 0.6)
    assert read_dark(dark) is None  # lone modules cross the halfway level
    assert read_dark(sharpened(dark)) == text


def test_a_sharpened_grid_too_noisy_to_read_plainly_is_read_from_how_sure_its_modules_are():
    """With noise on top of the blur, the sharpened modules still hold too many errors for
    a plain read; what every slip code must say (soft.py) reads it, at the same last step."""
    from paperkit.scan import decode, soft

    text = _code("T0042")
    noise = np.random.default_rng(100).normal(0.0, 0.08, (29, 29)).astype(np.float32)
    dark = _bled(text, 0.6) + noise
    assert read_dark(dark) is None and read_dark(sharpened(dark)) is None

    def accept(t: str) -> bool:
        return t == text  # the kit's tag check, as the pipeline passes it

    expected = soft.Expected(codes.shapes(KIT, ["T0042"], 1), accept)
    assert soft.decode(dark, expected) is None
    done = decode._finish(_grid_region(dark), small=False, expected=expected)
    assert (done.name, done.raws[0][0]) == ("sharp", text)


def test_sharpening_reads_nothing_from_modules_that_are_not_a_code():
    rng = np.random.default_rng(5)
    for _ in range(20):
        dark = rng.random((29, 29)).astype(np.float32)
        dark[FIXED] = FIXED_DARK[FIXED]
        assert read_dark(sharpened(dark)) is None


def test_the_sharpened_grid_is_the_last_step_for_a_region_and_is_named(monkeypatch):
    """A region no other step read is read on its grid sharpened, as ``sharp`` (the
    pipeline never applies such a slip: pipeline.GUESSED); a region the blur model reads
    is not sharpened."""
    from paperkit.scan import decode

    text = _code("T0042")
    corners = np.float32([[10, 10], [100, 10], [100, 100], [10, 100]])

    monkeypatch.setattr(decode, "_deblur_raws", lambda *args: [])
    a = decode._finish(_grid_region(_bled(text, 0.6), corners), small=False)
    assert (a.name, a.raws[0][0]) == ("sharp", text)
    monkeypatch.setattr(decode, "_deblur_raws", lambda *args: [(text, corners)])
    assert decode._finish(_grid_region(_bled(text, 0.6), corners), small=False).name == "deblur"


def test_only_model_2_qr_codes_are_read_not_micro_qr_or_rmqr():
    """paperkit prints model 2 QR codes only; zxing-cpp 3's QRCode format also finds Micro
    QR and rMQR symbols, which it reads in printed text and in a code's own modules (a
    Micro QR "48409" on a slip code's finder pattern, photo 0069 of bench seed 44)."""
    import segno

    slip = _draw(_matrix(_code("T0001")))
    micro = segno.make("48409", micro=True)
    small = np.asarray(micro.matrix, bool)
    page = np.full((slip.shape[0], slip.shape[1] + 200), 255, np.uint8)
    page[:, :slip.shape[1]] = slip
    m = _draw(small)
    page[40:40 + m.shape[0], slip.shape[1] + 40:slip.shape[1] + 40 + m.shape[1]] = m
    family = zxingcpp.read_barcodes(page, formats=zxingcpp.BarcodeFormat.QRCode)
    if "48409" not in {r.text for r in family}:
        pytest.skip("this zxing-cpp's QRCode format does not include Micro QR (before 3)")
    assert [f.text for f in find_codes(page).found] == [_code("T0001")]


def test_a_code_next_to_one_read_is_a_patch_of_its_own():
    """Two codes side by side make one dense patch, densest on the one read already, so the
    other was never looked for again (seed-71 set, photo 0035, T0013: plain zxing-cpp read
    it, paperkit did not). The codes read are left out of the patches (they still set how
    dense a code is): the code beside one is found where it lies."""
    from paperkit.scan.decode import _dense_patches

    rng = np.random.default_rng(5)
    strong = np.zeros((300, 500), np.float32)
    side = 80
    strong[100:100 + side, 100:100 + side] = rng.random((side, side)) < 0.6  # read
    strong[110:110 + side, 200:200 + side] = rng.random((side, side)) < 0.45  # not read
    read = np.float32([[100, 100], [180, 100], [180, 180], [100, 180]])
    code = np.array([240.0, 150.0])
    # the premise: without the read code left out, the one patch is densest on the read code
    before = _dense_patches((strong, 1), float(side), [np.array([140.0, 140.0])])
    assert min(float(np.hypot(*(p - code))) for p in before) > side / 2
    after = _dense_patches((strong, 1), float(side), [np.array([140.0, 140.0])], read=[read])
    assert min(float(np.hypot(*(p - code))) for p in after) < side / 4


def test_a_dense_patch_is_placed_at_its_densest_cell_not_between_a_code_and_text_beside_it():
    """A code whose edges merge with the printed text beside it into one dense patch is
    looked for where the patch is densest: the patch's centre lies between the two, and a
    crop there cut the code off (held-out photo 0045, T0029)."""
    from paperkit.scan.decode import _dense_patches

    rng = np.random.default_rng(3)
    strong = np.zeros((400, 700), np.float32)
    side = 80

    def speckle(x0, y0, w, h, share):
        strong[y0:y0 + h, x0:x0 + w] = rng.random((h, w)) < share

    speckle(40, 40, side, side, 0.5)  # a code read already
    speckle(250, 100, side, side, 0.5)  # the code not read yet
    speckle(330, 110, 220, 60, 0.3)  # lines of printed text running on from it
    patches = _dense_patches((strong, 1), float(side), [np.array([80.0, 80.0])])
    code = np.array([290.0, 140.0])
    # the code's patch and the text's are one (the premise): its centre lies on the text
    mask = (cv2.boxFilter(strong, -1, (64, 64)) > 0.45 * 0.5).astype(np.uint8)
    _, labels, _, cents = cv2.connectedComponentsWithStats(mask)
    assert np.hypot(*(cents[labels[140, 290]] - code)) > 60
    near = min(patches, key=lambda p: float(np.hypot(*(p - code))))
    assert np.hypot(*(near - code)) < side / 4


@pytest.mark.parametrize(("k", "step"), [(3, 1), (11, 2), (28, 7), (29, 7), (40, 10)])
def test_box_means_are_the_box_filters_at_the_grids_pixels(k, step):
    """The dense patches read box means at every step-th pixel only; they must be exactly
    what cv2.boxFilter gives there, borders included (odd and even boxes)."""
    rng = np.random.default_rng(k)
    img = (rng.random((157, 203)) > 0.7).astype(np.uint8)
    whole = cv2.boxFilter(img.astype(np.float32), -1, (k, k))
    o = step // 2
    assert np.array_equal(box_means(img, k, step), whole[o::step, o::step])


def _jpeg(gray: np.ndarray, orientation: int = 1) -> bytes:
    import io

    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    Image.fromarray(gray).save(buf, "JPEG", quality=90, exif=exif.tobytes())
    return buf.getvalue()


@pytest.fixture(scope="module")
def four_codes():
    """Four slips at 5 px a module on a 4000 × 3000 photo."""
    texts = [_code(f"T{i:04d}") for i in range(1, 5)]
    items = [(render_slip(t, s=5.0), slip_quad(700 + 900 * i, 1400, 560, 15 * i - 20, 0.1))
             for i, t in enumerate(texts)]
    rgb = compose(items, (4000, 3000), seed=4, blur=0.8, noise=2.0)
    return texts, cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


@pytest.mark.parametrize("orientation", [1, 3, 6])
def test_a_jpegs_first_pass_is_read_from_the_file_at_the_first_pass_size(
        four_codes, tmp_path, orientation):
    """The first pass read straight from the JPEG (decoded smaller within the DCT, beside
    the full-size decode) reads the codes where the full size places them, EXIF rotation
    applied as for the frame, and find_codes takes it as its first pass."""
    from paperkit.scan.decode import first_look
    from paperkit.scan.load import load_photo

    texts, gray = four_codes
    raw = _jpeg(gray, orientation)
    path = tmp_path / "four.jpg"
    path.write_bytes(raw)
    frame = load_photo(path, raw).frames[0].gray
    early = first_look(raw)
    assert early is not None and early.factor == 2
    assert early.shape == cv2.pyrDown(frame).shape  # rotated as the frame
    halved = {t: q * 2 for t, q in _raw_reads(cv2.pyrDown(frame))}
    got = {t: q for t, q in early.raws if t}
    assert set(got) == set(texts) == set(halved)
    for t in texts:  # placed as the halved frame's pass places them, within one of its px
        assert np.abs(got[t] - halved[t]).max() <= 2.5
    assert abs(float(np.mean([got[t] - halved[t] for t in texts]))) < 0.5  # no shift
    decoded = find_codes(frame, early=early)
    assert {f.text for f in decoded.found} == set(texts)
    assert decoded.steps[0].name == "first" and decoded.steps[0].new == 4
    assert all(np.array_equal(f.corners, got[f.text]) for f in decoded.found)


def _raw_reads(gray):
    from paperkit.scan.decode import backend

    return [(t, q) for t, q in backend("zxing")(gray) if t]


def test_a_first_pass_read_for_another_size_is_not_used(four_codes):
    """find_codes uses an early first pass only when it was read at the size its own first
    pass would have: here the frame is smaller than the file's (a crop), so it reads its own."""
    from paperkit.scan.decode import Early

    texts, gray = four_codes
    stale = Early([(texts[0], np.float32([[0, 0], [9, 0], [9, 9], [0, 9]]))], (9, 9), 2)
    decoded = find_codes(gray[:, :2500], early=stale)
    assert all(f.corners.max() > 9 for f in decoded.found)
    assert {f.text for f in decoded.found} == set(texts[:2])


def test_files_the_first_pass_cannot_read_early_are_left_to_find_codes(four_codes):
    """A PNG, a JPEG already small enough, one whose sides are odd (the decoder's last,
    partial pixels would move to the other side of a turned frame), and a broken JPEG: no
    early first pass."""
    import io

    from PIL import Image

    from paperkit.scan.decode import first_look

    texts, gray = four_codes
    png = io.BytesIO()
    Image.fromarray(gray).save(png, "PNG")
    assert first_look(png.getvalue()) is None
    assert first_look(_jpeg(gray[:2000, :2000])) is None
    assert first_look(_jpeg(gray[:2999, :4000], 3)) is None
    assert first_look(b"\xff\xd8\xff" + b"\0" * 100) is None


def test_an_early_first_pass_that_failed_is_read_here(four_codes):
    """The early look is a head start only: if it failed, the frame's own first pass is
    read, with the same codes."""
    from concurrent.futures import Future

    texts, gray = four_codes
    failed = Future()
    failed.set_exception(RuntimeError("the early look failed"))
    decoded = find_codes(gray, early=failed)
    assert {f.text for f in decoded.found} == set(texts)
    assert decoded.steps[0].name == "first" and decoded.steps[0].new == 4


def _run_photo(depths: list[float], s: float = 3.0) -> np.ndarray:
    """Slips side by side (four a row), each printed ``depths[i]`` as dark; grey."""
    from scan_images import slip_at

    from paperkit.layout import slip as S

    slips = [(render_slip(f"PK1:ABCD:T{i:04d}:1:ABCDEFG{i}", (), s, depth=d),
              slip_at(40 + i % 4 * (S.SLIP_W * s + 40), 40 + i // 4 * (S.SLIP_H * s + 40), s))
             for i, d in enumerate(depths)]
    rows = (len(depths) + 3) // 4
    size = (int(4 * (S.SLIP_W * s + 40)) + 60, int(rows * (S.SLIP_H * s + 40)) + 60)
    return cv2.cvtColor(compose(slips, size), cv2.COLOR_RGB2GRAY)


def test_a_pale_print_run_among_black_slips_is_looked_for_with_fainter_edges():
    """decode: a code read far paler than the frame's others (a pale print run among black
    slips, decode.PALE_CODE) has the dense patches looked for once more with edges cut
    lower (decode.PALE_CUT); a frame of one print, black or pale, does not."""
    from paperkit.scan.decode import PALE_CUT, _edges

    def steps(depths):
        d = find_codes(_run_photo(depths))
        assert len(d.found) == len(depths)
        return [st.name for st in d.steps]

    assert "pale" in steps([1.0] * 6 + [0.5, 0.55])
    assert "pale" not in steps([1.0] * 8)
    assert "pale" not in steps([0.55] * 8)
    # the edges over each code: the pale one's hardly show at the cut the black ones set
    from paperkit.layout import slip as S

    img = _run_photo([1.0, 1.0, 1.0, 0.5])

    def over_codes(cut):
        e, f = _edges(img, 1, cut)
        x0 = [40 + i * (S.SLIP_W * 3.0 + 40) + S.QR.x0 * 3.0 for i in range(4)]
        y0, side = 40 + S.QR.y0 * 3.0, S.QR.width * 3.0
        return [float(e[int(y0 / f):int((y0 + side) / f), int(x / f):int((x + side) / f)].mean())
                for x in x0]

    usual, lower = over_codes(1.0), over_codes(PALE_CUT)
    assert min(usual[:3]) > 0.8 and usual[3] < 0.2
    assert lower[3] > 0.6


@pytest.mark.parametrize("flip", [False, True])
def test_a_code_cut_through_by_the_frames_edge_is_said_cut_there(flip):
    """Three slips, the frame cut through the middle of the rightmost one's code: two of
    its finder patterns still show at the edge (decode.EDGE_FINDERS), so it is said cut off
    at the right edge (at the left, mirrored), where a whole code seen and not read needs
    three; the other two are read and nothing else is said."""
    from scan_images import Mark, grid_photo

    texts = [_code(f"T000{i}") for i in (1, 2, 3)]
    gray = cv2.cvtColor(grid_photo([(t, (Mark("done"),)) for t in texts], size=(2400, 1200),
                                   cols=3), cv2.COLOR_RGB2GRAY)
    third = next(f for f in find_codes(gray).found if f.text == texts[2])
    gray = np.ascontiguousarray(gray[:, :int(third.corners[:, 0].mean())])
    if flip:
        gray = np.ascontiguousarray(gray[:, ::-1])
    got = find_codes(gray)
    assert sorted(f.text for f in got.found) == texts[:2]
    ((at, side),) = got.cut
    assert side == ("left" if flip else "right") and got.unread == ()
    assert abs(at[0] - (0 if flip else gray.shape[1])) < 300
