"""The synthetic photo harness: the project's own slip PDF, marked by pen, photographed by a
simulated phone, with the ground truth of every slip (issue 4, DESIGN §5, §6, §9).

Typical use (see ``bench/make_photos.py`` and ``paperkit demo``)::

    pages = render_pages(pdf_bytes, dpi=300)                      # sheets.py
    crops = [mark_slip(pages[p], entry, 300, spec, rng) ...]      # marks.py (entry: manifest)
    jpeg, truth = compose_photo(crops, rng, megapixels=12)        # photo.py
    jpeg, truth = scan_sheet(pages[0], manifest_page, 300, specs, rng, dpi=200)  # flatbed.py
    source = SheetSource.from_pdf(pdf_bytes, manifest)                # sets.py: all in one
    jpeg, truth = phone_photo(source, rng, n_slips=20)              # or fmt="heic", orientation=6
    poster = board_poster(kit, record)                                # the whole wall board
    jpeg, truth = phone_photo(source, rng, 12, variant="poster", poster=poster)
    jpeg, truth = phone_photo(source, rng, 20, printed=Print("pink", depth=0.6))  # paper, toner
    truth.as_dict()  # JSON: per slip task, rev, code, status, accept, spec, qr corners, module_px

Modules: ``ink`` (pen strokes and handwriting-like scribble), ``marks`` (MarkSpec, SlipTruth,
mark_slip), ``textures`` (table, wood, cork), ``layout`` (where slips lie), ``camera``
(pinhole camera, blur, noise), ``photo`` (compose_photo), ``flatbed`` (scan_sheet),
``encode`` (JPEG with EXIF orientation, HEIC), ``sets`` (whole photo sets from a seed).
Everything is deterministic given the ``numpy.random.Generator`` passed in.
"""

from .encode import encode_heic, encode_jpeg
from .flatbed import render_scan, scan_sheet
from .marks import (
    PAPERS,
    MarkSpec,
    Print,
    SlipCrop,
    SlipTruth,
    light_double_spec,
    mark_page,
    mark_slip,
    random_spec,
    tint_spec,
)
from .photo import PhotoTruth, PlacedSlip, Poster, compose_photo, render_photo
from .sets import SheetSource, flatbed_scan, phone_photo
from .sheets import board_poster, render_pages, sample_tasks, slip_sheet

__all__ = [
    "PAPERS", "MarkSpec", "PhotoTruth", "PlacedSlip", "Poster", "Print", "SheetSource",
    "SlipCrop", "SlipTruth", "board_poster", "compose_photo", "encode_heic", "encode_jpeg",
    "flatbed_scan", "light_double_spec", "mark_page", "mark_slip", "phone_photo",
    "random_spec", "render_pages", "render_photo", "render_scan", "sample_tasks", "scan_sheet",
    "slip_sheet", "tint_spec",
]
