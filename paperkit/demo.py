"""``paperkit demo OUTDIR``: the whole tour, offline, in well under 30 s.

1. a sample kit from ``samples/`` (OUTDIR/kit);
2. every product printed, with manifests and PNG previews (OUTDIR/print);
3. a few photos of marked slips made by the synthetic harness (OUTDIR/photos): a phone
   photo of slips on a table, a photo of slips pinned on the board, a flatbed scan;
4. the photos scanned back into the record, and what changed.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import KitExists
from .printing import PrintResult, print_product
from .products import PRODUCTS, PrintOptions
from .record import Source
from .record.tasks import get_task
from .samplekit import make_sample_kit
from .scan import PhotoResult, scan_photos

MARKER = ".paperkit-demo"
PRINT_DATE = dt.date(2026, 11, 25)


@dataclass
class DemoResult:
    """What the demo made and what its scans changed."""

    outdir: Path
    kit: Path
    prints: list[PrintResult] = field(default_factory=list)
    photos: list[Path] = field(default_factory=list)
    scans: list[PhotoResult] = field(default_factory=list)
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # task, before, after

    @property
    def outcomes(self) -> Counter:
        return Counter(s.outcome for r in self.scans for s in r.slips)


def _prepare(outdir: Path, force: bool) -> None:
    if outdir.exists() and any(outdir.iterdir()):
        if not (outdir / MARKER).exists():
            raise KitExists(f"{outdir} is not empty",
                            "choose a new folder for the demo; paperkit never overwrites it")
        if not force:
            raise KitExists(f"{outdir} holds an earlier demo",
                            "pass --force to replace it, or choose a new folder")
        shutil.rmtree(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / MARKER).write_text("made by paperkit demo; safe to delete\n", encoding="utf-8")


def run_demo(outdir: str | Path, force: bool = False, seed: int = 7,
             progress: Callable[[str], None] = lambda _msg: None) -> DemoResult:
    import numpy as np

    from .synth import MarkSpec, SheetSource, flatbed_scan, phone_photo

    outdir = Path(outdir).resolve()
    _prepare(outdir, force)
    progress("making the sample kit")
    kit = make_sample_kit(outdir / "kit")
    result = DemoResult(outdir=outdir, kit=kit.path)
    printdir, photodir = outdir / "print", outdir / "photos"
    photodir.mkdir()
    rec = kit.open_record()
    try:
        for product in PRODUCTS:
            progress(f"printing {product}")
            options = PrintOptions(today=PRINT_DATE, audience="crew")
            result.prints.append(print_product(
                kit, rec, product, printdir / f"{product}.pdf", options,
                manifest=printdir / f"{product}.json", preview=True,
                source=Source("demo", f"paperkit demo: print {product}"), preview_dpi=60))
        slips = next(p for p in result.prints if p.product == "slips")
        progress("photographing marked slips")
        source = SheetSource.from_pdf(slips.pdf.read_bytes(), slips.document.manifest())
        rng = np.random.default_rng(seed)
        tasks = [e["task"] for _, e in source.entries]
        table_specs = [MarkSpec(boxes=("done",), kind="tick", note=True),
                       MarkSpec(boxes=("taken",), kind="cross", ink="pencil-grey", steward=True),
                       MarkSpec(boxes=("stuck",), kind="fill", ink="black-marker", note=True),
                       MarkSpec(),
                       MarkSpec(boxes=("done", "dropped"), kind="tick"),
                       MarkSpec(boxes=("done",), kind="tick", ink="pencil-grey", stray_dot=True)]
        shots = [
            ("table.jpg", phone_photo(source, rng, len(table_specs), megapixels=8,
                                      variant="table", specs=table_specs,
                                      tasks=tasks[:len(table_specs)])),
            ("board.jpg", phone_photo(source, rng, 4, megapixels=8, variant="board",
                                      specs=[MarkSpec(boxes=("taken",), kind="tick")] * 4,
                                      tasks=tasks[6:10])),
            ("flatbed.jpg", flatbed_scan(source, rng, page=len(source.pages) - 1, dpi=150)),
        ]
        for name, (data, truth) in shots:
            path = photodir / name
            path.write_bytes(data)
            (photodir / f"{path.stem}.truth.json").write_text(
                json.dumps(truth.as_dict(), indent=1), encoding="utf-8")
            result.photos.append(path)
        before = {t: get_task(rec, t).status for t in tasks}
        progress("scanning the photos back")
        result.scans = scan_photos(kit, rec, result.photos)
        for t in tasks:
            after = get_task(rec, t).status
            if after != before[t]:
                result.changes.append((t, before[t], after))
    finally:
        rec.close()
    return result
