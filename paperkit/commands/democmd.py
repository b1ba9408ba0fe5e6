"""paperkit demo OUTDIR."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import click

from ..demo import run_demo


def register(cli: click.Group) -> None:
    @cli.command("demo")
    @click.argument("outdir", type=click.Path(file_okay=False, path_type=Path))
    @click.option("--force", is_flag=True, help="Replace an earlier demo in OUTDIR.")
    def demo(outdir: Path, force: bool) -> None:
        """The whole tour, offline: a sample kit, every product printed with PNG previews,
        photos of marked slips made by the synthetic harness, and those photos scanned back.

        \b
        Example:
          paperkit demo out/ && ls out/print out/photos
        """
        started = time.monotonic()
        result = run_demo(outdir, force,
                          progress=lambda msg: click.echo(f"  … {msg}", err=True))
        took = time.monotonic() - started
        click.echo(f"sample kit:  {result.kit}   (try: paperkit --kit {result.kit} status)")
        pages = sum(p.pages for p in result.prints)
        click.echo(f"printed:     {len(result.prints)} products, {pages} pages, in "
                   f"{result.prints[0].pdf.parent}/ (PDF, manifest JSON, PNG previews)")
        for p in result.prints:
            click.echo(f"  {p.product:9} {p.pdf.name:14} {p.pages:3} page(s)"
                       + (f", {p.slips} slip(s)" if p.slips else ""))
        click.echo(f"photos:      {len(result.photos)} in {result.photos[0].parent}/")
        for scan in result.scans:
            counts = ", ".join(f"{n} {o}" for o, n in sorted(
                Counter(s.outcome for s in scan.slips).items()))
            click.echo(f"  {Path(scan.photo).name:12} {len(scan.slips):2} slip(s): {counts}"
                       + (f"  errors: {'; '.join(scan.errors)}" if scan.errors else ""))
        click.echo(f"record:      {len(result.changes)} task(s) changed by the scans")
        for task, before, after in result.changes:
            click.echo(f"  {task}: {before} -> {after}")
        review = result.outcomes.get("review", 0) + result.outcomes.get("stale", 0)
        if review:
            click.echo(f"review:      {review} slip(s) wait for a person "
                       f"(paperkit --kit {result.kit} review)")
        click.echo(f"done in {took:.1f} s")
