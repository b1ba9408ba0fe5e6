"""PNG previews of PDF pages, rendered with pypdfium2."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium


def render_pages(pdf: bytes, dpi: float = 100.0):
    """Yield each page as a Pillow RGB image at ``dpi``."""
    doc = pdfium.PdfDocument(pdf)
    try:
        for i in range(len(doc)):
            page = doc[i]
            yield page.render(scale=dpi / 72.0).to_pil().convert("RGB")
            page.close()
    finally:
        doc.close()


def write_previews(pdf: bytes, stem: Path, dpi: float = 100.0) -> list[Path]:
    """Write ``<stem>-p1.png``, ``-p2.png``, ... next to the PDF; return their paths."""
    out = []
    for i, image in enumerate(render_pages(pdf, dpi), 1):
        path = stem.parent / f"{stem.name}-p{i}.png"
        image.save(path, format="PNG", optimize=False)
        out.append(path)
    return out
