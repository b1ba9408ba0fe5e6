"""QR benchmark: how fast the slip codes are built, and which fixed mask reads best.

1. Build time of 500 slip-code matrices (version 3, level Q, alphanumeric): segno and
   python-qrcode, each choosing the mask itself and with a fixed mask, and paperkit's path
   (render/qr.py: segno with a fixed mask, plus merged runs), in the same run.
2. Read rate per mask: for each of the 8 QR masks (and segno's own choice), the same slip
   codes are rendered by paperkit's renderer at the slip's printed size (72 pt = 25.4 mm)
   and rasterised by pdfium, then photographed in software - perspective, blur, sensor
   noise, uneven light, JPEG - at several harshness levels, and decoded with one plain
   pass of zxing-cpp. The mask that reads most often is the one to fix.

    python bench/qr_bench.py                  # 160 codes x 8 masks x 4 levels
    python bench/qr_bench.py --codes 400 --seed 7
"""

from __future__ import annotations

import argparse
import random
import time

import cv2
import numpy as np

VERSION, ERROR = 3, "Q"
#: Harshness levels: (pixels per module, blur sigma in modules, noise sd in grey levels,
#: max perspective skew as a fraction of the code's size, JPEG quality, light falloff)
LEVELS = {
    "phone, good light": (4.0, 0.25, 6, 0.10, 85, 0.15),
    "phone, far": (2.6, 0.25, 6, 0.10, 80, 0.25),
    "phone, far and tilted": (2.6, 0.25, 10, 0.15, 80, 0.25),
    "phone, slightly blurred": (3.0, 0.32, 8, 0.12, 75, 0.25),
}


def slip_texts(n: int, seed: int) -> list[str]:
    from paperkit import codes

    rng = random.Random(seed)
    key = rng.randbytes(32)
    kit = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(4))
    return [codes.build(key, kit, f"T{rng.randint(1, 9999):04d}", rng.randint(1, 400)).text
            for _ in range(n)]


# -- 1. build time -----------------------------------------------------------------------

def build_times(texts: list[str]) -> dict[str, float]:
    import qrcode
    import segno

    from paperkit.render import qr

    def segno_make(mask):
        for t in texts:
            qr_code = segno.make_qr(t, version=VERSION, error=ERROR.lower(), boost_error=False,
                                    mask=mask, mode="alphanumeric")
            assert qr_code.matrix

    def qrcode_make(mask):
        for t in texts:
            q = qrcode.QRCode(version=VERSION, error_correction=qrcode.constants.ERROR_CORRECT_Q,
                              border=0, mask_pattern=mask)
            q.add_data(qrcode.util.QRData(t, mode=qrcode.util.MODE_ALPHA_NUM))
            q.make(fit=False)
            q.get_matrix()

    def paperkit_rects():
        for t in texts:
            qr.cached_rects.__wrapped__(t, ERROR, VERSION)

    runs = {
        "segno, best mask chosen": lambda: segno_make(None),
        "segno, fixed mask": lambda: segno_make(qr.MASK),
        "python-qrcode, best mask chosen": lambda: qrcode_make(None),
        "python-qrcode, fixed mask": lambda: qrcode_make(qr.MASK),
        "paperkit (segno, fixed mask) + merged rects": paperkit_rects,
    }
    out = {}
    for name, fn in runs.items():
        best = float("inf")
        for _ in range(3):
            start = time.process_time()
            fn()
            best = min(best, time.process_time() - start)
        out[name] = best
    return out


# -- 2. read rate per mask -----------------------------------------------------------------

RENDER_PX_PER_MODULE = 8  #: the rendered page, sharp, before the "photo" warps it down


def rendered_symbols(texts: list[str], mask) -> list[np.ndarray]:
    """Each code drawn by paperkit's own renderer (render/pdf.py, vector QR runs) at the
    slip's size with mask ``mask`` (0-7, or 'auto': segno's penalty choice), rasterised by
    pdfium at RENDER_PX_PER_MODULE, cropped with its 4-module quiet zone: grey images."""
    import pypdfium2 as pdfium

    from paperkit.layout import slip
    from paperkit.layout.model import Document, Page, QRCode, Rect
    from paperkit.render import pdf as pdf_mod
    from paperkit.render import qr

    def ops(text: str, error: str = "Q", version: int | None = None) -> tuple[int, str]:
        dark = qr._array(text, version, error, None if mask == "auto" else mask)
        runs = qr._stack(dark)
        return len(dark), " ".join(f"{x} {y} {w} {h} re" for x, y, w, h in runs)

    side = slip.QR.width  # 72 pt, as printed at scale 1
    quiet = slip.QUIET
    pitch = side + 2 * quiet + 8
    cols = 10
    scale = RENDER_PX_PER_MODULE / slip.QR_MODULE
    out = []
    saved = pdf_mod.qr.cached_ops
    pdf_mod.qr.cached_ops = ops
    try:
        for first in range(0, len(texts), cols * cols):
            chunk = texts[first:first + cols * cols]
            rows = -(-len(chunk) // cols)
            items = tuple(QRCode(Rect(quiet + 4 + (i % cols) * pitch,
                                      quiet + 4 + (i // cols) * pitch,
                                      quiet + 4 + (i % cols) * pitch + side,
                                      quiet + 4 + (i // cols) * pitch + side),
                                 t, ERROR, VERSION) for i, t in enumerate(chunk))
            doc = Document("qr", "qr", (Page((cols * pitch, rows * pitch), items),))
            pdoc = pdfium.PdfDocument(pdf_mod.render_pdf(doc))
            page = np.asarray(pdoc[0].render(scale=scale).to_pil().convert("L"),
                              dtype=np.float32)
            pdoc.close()
            for item in items:
                r = item.rect.inset(-quiet)
                crop = page[int(round(r.y0 * scale)):int(round(r.y1 * scale)),
                            int(round(r.x0 * scale)):int(round(r.x1 * scale))]
                out.append(crop * (215 / 255) + 25)  # paper 240, ink 25
    finally:
        pdf_mod.qr.cached_ops = saved
    return out


def photograph(big: np.ndarray, level: tuple, rng: np.random.Generator) -> np.ndarray:
    """A grey photo of one rendered symbol (``big``: its sharp render with the quiet zone),
    on paper, under ``level``'s conditions."""
    ppm, blur, noise, skew, quality, falloff = level
    modules = VERSION * 4 + 17 + 8
    side = big.shape[0]
    out_side = int(round(modules * ppm)) + 24
    src = np.float32([[0, 0], [side, 0], [side, side], [0, side]])
    jitter = rng.uniform(-skew, skew, (4, 2)) * (out_side - 24)
    dst = np.float32([[12, 12], [out_side - 12, 12], [out_side - 12, out_side - 12],
                      [12, out_side - 12]]) + jitter.astype(np.float32)
    m = cv2.getPerspectiveTransform(src, dst)
    img = cv2.warpPerspective(big.astype(np.float32), m, (out_side, out_side),
                              flags=cv2.INTER_AREA, borderValue=240)
    if blur:
        img = cv2.GaussianBlur(img, (0, 0), blur * ppm)
    yy, xx = np.mgrid[0:out_side, 0:out_side] / out_side
    angle = rng.uniform(0, 2 * np.pi)
    light = 1.0 - falloff * (0.5 + 0.5 * (np.cos(angle) * xx + np.sin(angle) * yy))
    img = img * light + rng.normal(0, noise, img.shape)
    img = np.clip(img, 0, 255).astype(np.uint8)
    ok, jpg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(jpg, cv2.IMREAD_GRAYSCALE)


def read_rates(texts: list[str], seed: int) -> dict[str, dict]:
    """Decode rate per condition and mask (0-7, and 'auto': segno's penalty choice)."""
    import zxingcpp

    masks = [*range(8), "auto"]
    symbols = {mask: rendered_symbols(texts, mask) for mask in masks}
    rates: dict[str, dict] = {}
    for name, level in LEVELS.items():
        rates[name] = {}
        for mask in masks:
            rng = np.random.default_rng(seed)  # the same photos' conditions for every mask
            ok = 0
            for text, big in zip(texts, symbols[mask], strict=True):
                photo = photograph(big, level, rng)
                found = zxingcpp.read_barcodes(photo, formats=zxingcpp.BarcodeFormat.QRCode)
                ok += any(b.text == text for b in found)
            rates[name][mask] = ok / len(texts)
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--codes", type=int, default=160)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    texts = slip_texts(args.codes, args.seed)

    print(f"build time for 500 slip codes (v{VERSION}-{ERROR}, process CPU s, best of 3):")
    times = build_times(slip_texts(500, args.seed))
    for name, seconds in times.items():
        print(f"  {name:34} {seconds:7.3f}")

    from paperkit.render import qr

    rates = read_rates(texts, args.seed)
    print(f"\nread rate per mask, {len(texts)} codes per cell, one plain zxing-cpp pass:")
    masks = [*range(8), "auto"]
    print(f"  {'conditions':24}" + "".join(f"  {'mask' + str(m) if m != 'auto' else 'auto':>6}"
                                           for m in masks))
    for name, per in rates.items():
        print(f"  {name:24}" + "".join(f"  {per[m]:6.1%}" for m in masks))
    mean = {m: sum(per[m] for per in rates.values()) / len(rates) for m in masks}
    print(f"  {'mean':24}" + "".join(f"  {mean[m]:6.1%}" for m in masks))
    best = max(range(8), key=mean.get)
    print(f"\nbest fixed mask: {best} ({mean[best]:.1%}); auto: {mean['auto']:.1%}; paperkit "
          f"uses MASK = {qr.MASK} ({mean[qr.MASK]:.1%})")


if __name__ == "__main__":
    main()
