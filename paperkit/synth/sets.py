"""Whole photos from a printed slip sheet, in one call: pick slips, mark them, photograph them.

Used by ``bench/make_photos.py``, ``paperkit demo`` and the tests. A :class:`SheetSource` is
the slips PDF rendered once; each photo then needs only a ``numpy.random.Generator``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .encode import encode_heic, encode_jpeg
from .flatbed import render_scan
from .marks import MarkSpec, Print, mark_slip, random_spec
from .photo import PhotoTruth, Poster, render_photo
from .sheets import render_pages

#: The dpi the sheet is rendered at before marking; photos downsample from it.
SOURCE_DPI = 300.0


@dataclass(frozen=True)
class SheetSource:
    """The slip sheet rendered at ``dpi`` (RGB uint8 pages) with its print manifest."""

    pages: tuple[np.ndarray, ...]
    manifest: dict
    dpi: float = SOURCE_DPI

    @classmethod
    def from_pdf(cls, pdf_bytes: bytes, manifest: dict, dpi: float = SOURCE_DPI) -> SheetSource:
        pages = render_pages(pdf_bytes, dpi)
        if len(pages) != len(manifest["pages"]):
            raise ValueError("the manifest does not describe this PDF (page counts differ)")
        return cls(tuple(pages), manifest, dpi)

    @property
    def entries(self) -> list[tuple[int, dict]]:
        """Every slip as (page index, manifest entry)."""
        return [(i, e) for i, p in enumerate(self.manifest["pages"]) for e in p["slips"]]


def phone_photo(source: SheetSource, rng: np.random.Generator, n_slips: int,
                megapixels: float = 12, variant: str | None = None,
                specs: Sequence[MarkSpec | None] | None = None, fmt: str = "jpeg",
                orientation: int = 1,
                quality: int | None = None, tasks: list[str] | None = None,
                poster: Poster | None = None,
                printed: Print | Sequence[Print | None] | None = None
                ) -> tuple[bytes, PhotoTruth]:
    """A phone photo of ``n_slips`` distinct slips from ``source`` (or exactly ``tasks``),
    marked per ``specs`` (random if None, and each None in it). ``fmt`` is jpeg or heic;
    ``orientation`` an EXIF orientation for JPEG (pixels stored rotated, the truth stays in
    displayed pixels).
    With ``poster`` (sheets.board_poster) and ``variant`` 'poster', the slips are pinned
    over the whole wall board. ``printed``: the slips' paper and print (black on white when
    None; the random draws are the same either way), or one for each slip chosen (two print
    runs photographed together)."""
    entries = source.entries
    if tasks is not None:
        by_task = {e["task"]: (i, e) for i, e in entries}
        chosen = [by_task[t] for t in tasks]
    else:
        if not 1 <= n_slips <= len(entries):
            raise ValueError(f"the sheet holds {len(entries)} slips; asked for {n_slips}")
        chosen = [entries[j] for j in rng.choice(len(entries), n_slips, replace=False)]
    if specs is None:
        specs = [None] * len(chosen)
    specs = [random_spec(rng) if s is None else s for s in specs]
    prints = (list(printed) if isinstance(printed, (list, tuple))
              else [printed] * len(chosen))
    crops = [mark_slip(source.pages[i], e, source.dpi, spec, rng, p)
             for (i, e), spec, p in zip(chosen, specs, prints, strict=True)]
    rgb, truth = render_photo(crops, rng, megapixels, variant, poster=poster)
    return _encode(rgb, truth, rng, fmt, orientation, quality, (60, 91))


def flatbed_scan(source: SheetSource, rng: np.random.Generator, page: int = 0,
                 dpi: float | None = None, specs: list[MarkSpec] | None = None,
                 quality: int | None = None) -> tuple[bytes, PhotoTruth]:
    """A flatbed scan (JPEG) of one whole slip sheet, marked per ``specs`` (random if None)."""
    mpage = source.manifest["pages"][page]
    if specs is None:
        specs = [random_spec(rng) for _ in mpage["slips"]]
    rgb, truth = render_scan(source.pages[page], mpage, source.dpi, specs, rng, dpi)
    return _encode(rgb, truth, rng, "jpeg", 1, quality, (75, 96))


def _encode(rgb: np.ndarray, truth: PhotoTruth, rng: np.random.Generator, fmt: str,
            orientation: int, quality: int | None, qrange: tuple[int, int]
            ) -> tuple[bytes, PhotoTruth]:
    q = int(quality if quality is not None else rng.integers(*qrange))
    if fmt == "jpeg":
        data = encode_jpeg(rgb, q, orientation)
    elif fmt == "heic":
        if orientation != 1:
            raise ValueError("EXIF orientation is only written for JPEG")
        data = encode_heic(rgb, q)
    else:
        raise ValueError(f"unknown photo format {fmt!r} (jpeg or heic)")
    return data, truth.replace(quality=q, orientation=orientation, format=fmt)
