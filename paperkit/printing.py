"""Print a product: layout → PDF file, plus the manifest, PNG previews, and a row in
``prints`` with every slip code in the batch."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import NothingToPrint
from .files import staged, write_atomic
from .kit import Kit
from .layout.model import Document, Text
from .printlog import fresh_revs, note_printed
from .products import PrintOptions, ProductContext, build
from .record import Record, Source
from .record.prints import record_print
from .render.fonts import unprintable
from .render.pdf import render_pdf


@dataclass(frozen=True)
class PrintResult:
    """What one print produced: the PDF, its page count, slip count, manifest and previews."""

    product: str
    pdf: Path
    pages: int
    slips: int
    manifest: Path | None
    previews: tuple[Path, ...]
    document: Document
    #: Texts of the print holding characters no shipped font has (fonts.unprintable): they
    #: print as empty boxes or not at all, so each is named to the person printing.
    unprintable: tuple[str, ...] = ()


def print_product(kit: Kit, record: Record, product: str, out: Path,
                  options: PrintOptions | None = None, manifest: Path | None = None,
                  preview: bool = False, source: Source | None = None,
                  preview_dpi: float = 100.0) -> PrintResult:
    """Build ``product`` and write it to ``out``. A product with no page to print writes
    no file (a PDF of no pages cannot be opened): NothingToPrint."""
    source = source or Source("cli", f"paperkit print {product}")
    doc = build(product, ProductContext(kit, record, options or PrintOptions()))
    if fresh_revs(kit, record, doc.slip_codes(), source):  # codes an earlier print used
        doc = build(product, ProductContext(kit, record, options or PrintOptions()))
    if not doc.pages:
        raise NothingToPrint(f"nothing to print for {product}: the record holds nothing it"
                             " shows, so no file was written",
                             "add to the record first ('paperkit status' shows what it holds)")
    out = Path(out)
    pdf = render_pdf(doc)
    slips = doc.slip_codes()
    # the PDF takes its place in the print's transaction: a print the record could not
    # log (busy, read-only) writes no file, and a full disk leaves the file there before;
    # the kit's own log of printed slips (printlog) is written before the file is put in
    # place (a slip it names that does not come to be printed costs a rev later, never a
    # code printed twice)
    with staged(out, pdf) as put, record.write(source) as w:
        record_print(w, product, out.name, slips)  # not the path: it names the home folder
        note_printed(kit, record, slips)
        put()
    if manifest is not None:
        manifest = Path(manifest)
        write_atomic(manifest, json.dumps(doc.manifest(), indent=1).encode("utf-8"))
    previews: tuple[Path, ...] = ()
    if preview:
        from .render.preview import write_previews

        previews = tuple(write_previews(pdf, out.with_suffix(""), preview_dpi))
    return PrintResult(product, out, len(doc.pages), len(slips), manifest, previews, doc,
                       unprintable_texts(doc))


def unprintable_texts(doc: Document) -> tuple[str, ...]:
    """Each text run of ``doc`` (its lines joined) that holds a character no shipped font
    can print, once each, in page order."""
    found: dict[str, None] = {}
    for page in doc.pages:
        for item in page.items:
            if isinstance(item, Text):
                text = " ".join(item.lines)
                if unprintable(text):
                    found.setdefault(text)
    return tuple(found)
