"""The project's own slip sheets, as the harness's input: a PDF and its print manifest.

:func:`render_pages` rasterises any PDF; :func:`slip_sheet` prints the slips of a kit's
record the way ``paperkit print slips`` does (same product, same renderer) and logs the
print in the record, as a print does (a scan applies only slips its record printed);
:func:`sample_tasks` fills a fresh record with plausible tasks for
benchmarks and tests.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pypdfium2 as pdfium

from ..kit import Kit
from ..layout.stock import load_stock
from ..products import PRODUCTS, PrintOptions, ProductContext, build
from ..record import Record, Source
from ..record.prints import record_print
from ..render.pdf import render_pdf
from .photo import Poster


def render_pages(pdf_bytes: bytes, dpi: float) -> list[np.ndarray]:
    """Every page of a PDF as an RGB uint8 array (H, W, 3) at ``dpi``."""
    doc = pdfium.PdfDocument(pdf_bytes)
    try:
        out = []
        for i in range(len(doc)):
            page = doc[i]
            img = page.render(scale=dpi / 72.0).to_pil().convert("RGB")
            out.append(np.asarray(img).copy())
            page.close()
        return out
    finally:
        doc.close()


def slip_sheet(kit: Kit, record: Record, tasks: tuple[str, ...] = (),
               paper: str | None = None, today: dt.date | None = None) -> tuple[bytes, dict]:
    """The slips PDF and its manifest (DESIGN §5) for ``tasks`` (default: the product's
    default selection)."""
    options = PrintOptions(paper=paper, tasks=tasks, today=today or dt.date(2026, 11, 25))
    doc = build("slips", ProductContext(kit, record, options))
    _log_print(record, doc, "slips")
    return render_pdf(doc), doc.manifest()


def _log_print(record: Record, doc, product: str) -> None:
    """Log ``doc``'s print with its slip codes, as printing.print_product does."""
    with record.write(Source("demo", f"synthetic {product} sheet")) as w:
        record_print(w, product, f"synthetic {product}", doc.slip_codes())


def board_poster(kit: Kit, record: Record, dpi: float = 150.0, paper: str | None = None,
                 today: dt.date | None = None) -> Poster:
    """Print the board product and tape its poster tiles together (at ``dpi``)."""
    options = PrintOptions(paper=paper, today=today or dt.date(2026, 11, 25))
    ctx = ProductContext(kit, record, options)
    doc = build("board", ctx)
    _log_print(record, doc, "board")
    rows, cols = doc.meta["tiles"]
    stock = load_stock(PRODUCTS["board"][1].format(paper=ctx.paper), kit.path)
    pages = render_pages(render_pdf(doc), dpi)[: rows * cols]
    cell = stock.cell_rect(0)
    k = dpi / 72.0
    step = ((cell.width - stock.overlap) * k, (cell.height - stock.overlap) * k)
    cx0, cy0 = int(round(cell.x0 * k)), int(round(cell.y0 * k))
    cw, ch = int(round(cell.width * k)), int(round(cell.height * k))
    margin = int(round(0.25 * dpi))  # the untrimmed paper around the outer edge
    W = int(round(step[0] * (cols - 1))) + cw + 2 * margin
    H = int(round(step[1] * (rows - 1))) + ch + 2 * margin
    out = np.full((H, W, 3), 255, np.uint8)
    for i, page in enumerate(pages):
        r, c = divmod(i, cols)
        x, y = margin + int(round(c * step[0])), margin + int(round(r * step[1]))
        out[y:y + ch, x:x + cw] = page[cy0:cy0 + ch, cx0:cx0 + cw]
    return Poster(out, 25.4 / dpi)


_VERBS = ("Book", "Print", "Collect", "Call", "Train", "Check", "Confirm", "Deliver", "Draft",
          "Set up", "Find", "Order", "Fix", "Brief", "Translate", "Map")
_THINGS = ("the jail support table", "water and snacks", "lawyer list for Saturday",
           "legal observers", "the banner", "rides home after release", "phone tree",
           "bail fund receipts", "medic kits", "the press release", "know-your-rights flyers",
           "the meeting room", "childcare for the action", "interpreters (es/ar)",
           "the van", "sign-in sheets", "a debrief circle", "the route map")
_NAMES = ("", "", "Sam", "Ade", "Rosa M.", "Kai", "Lin", "J. Ortiz", "Noor", "Dee")


def sample_tasks(record: Record, n: int, rng: np.random.Generator) -> list[str]:
    """Add ``n`` open or taken tasks with plausible titles; return their ids."""
    ids = []
    with record.write(Source("cli", "paperkit synth sample tasks")) as w:
        start = record.query_one("SELECT count(*) FROM tasks")[0]
        for i in range(n):
            tid = f"T{start + i + 1:04d}"
            title = f"{rng.choice(_VERBS)} {rng.choice(_THINGS)}"
            day = int(rng.integers(1, 28))
            w.insert("tasks", {"id": tid, "title": title, "timeframe": f"by 2026-12-{day:02d}",
                               "steward": str(rng.choice(_NAMES)),
                               "status": str(rng.choice(["open", "open", "taken"])),
                               "rev": int(rng.integers(1, 6))})
            ids.append(tid)
    return ids
