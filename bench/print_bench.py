"""Print benchmark (DESIGN §9): a kit of N people - N pocket cards, N task slips, a contact
sheet of N contacts and a ledger of N entries - printed to PDF, timed, with peak memory.

Every measurement runs in a fresh subprocess so that peak memory (``ru_maxrss``) is that
run's own. In the same run, a *baseline* does the bare minimum reportlab work for the same
output: a canvas with the same number of pages, drawing the same number of rectangles,
lines and text lines in the same TrueType fonts, with no layout, fitting or shaping. The
report gives paperkit's time as a ratio of that baseline, and checks that time grows
linearly with the number of people.

    python bench/print_bench.py                 # 100, 250, 500 people
    python bench/print_bench.py --people 500 --repeat 5
    python bench/print_bench.py --profile 500   # cProfile of the 500-person print

Target (DESIGN §9): 500 people in at most 2 s and 200 MB peak on 2 cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TODAY = dt.date(2026, 11, 25)
PRODUCTS = ("cards", "slips", "contacts", "ledger")
TARGET_SECONDS = 2.0
TARGET_MB = 200.0


# -- the synthetic kit -------------------------------------------------------------------

def make_kit(path: Path, people: int):
    """A kit for ``people`` people: one contact, one open task and one ledger entry each;
    cards for all of them spread over the kit's four languages."""
    from paperkit.kit import init_kit, open_kit
    from paperkit.record import Source

    kit = init_kit(path, name="Bench Mutual Aid")
    toml = (kit.path / "kit.toml").read_text(encoding="utf-8")
    toml = toml.replace('languages = ["en"]', 'languages = ["en", "es", "fr", "ar"]')
    toml += ('\n[[hotlines]]\nlabel = "Legal hotline"\nnumber = "+1 555 0100"\n'
             '\n[[hotlines]]\nlabel = "Jail support"\nnumber = "+1 555 0199"\n')
    (kit.path / "kit.toml").write_text(toml, encoding="utf-8")
    kit = open_kit(kit.path)
    rings, roles = ("witness", "dispatch", "care"), ("lawyer", "bondsperson", "family", "press")
    micro = ("legal-liaison", "comms", "logistics", "care", "")
    audiences = ("public", "crew", "private")
    with kit.open_record() as rec, rec.write(Source("cli", "bench")) as w:
        for i in range(1, people + 1):
            w.insert("contacts", {
                "id": f"C{i:04d}", "name": f"Person {i} Example", "role": roles[i % 4],
                "ring": rings[i % 3], "micro_role": micro[i % 5], "phone": f"555-01{i % 100:02d}",
                "languages": "en es", "notes": "bench", "audience": audiences[i % 3],
                "verified_on": "2026-10-01"})
            w.insert("tasks", {
                "id": f"T{i:04d}", "title": f"Bench task number {i}: bring the banner and "
                f"water", "timeframe": "Sat 28 Nov, 10:00-14:00", "steward": f"Steward {i % 17}",
                "status": "open", "shadow_crew": "Wren" if i % 4 == 0 else "", "rev": 1})
            w.insert("ledger", {
                "date": f"2026-11-{1 + i % 28:02d}", "kind": "donation" if i % 3 else "expense",
                "amount": 1000 + i, "currency": "USD", "counterparty": f"Donor {i % 40}",
                "person": f"P{i % 30}", "note": ""})
    return kit


def print_kit(kit, people: int, out: Path) -> dict:
    """Print the four products the way ``paperkit print`` does; return their layouts."""
    from paperkit.printing import print_product
    from paperkit.products import PrintOptions

    copies = -(-people // len(kit.settings.languages))
    options = {
        "cards": PrintOptions(today=TODAY, copies=copies),
        "slips": PrintOptions(today=TODAY),
        "contacts": PrintOptions(today=TODAY, audience="crew"),
        "ledger": PrintOptions(today=TODAY),
    }
    docs = {}
    with kit.open_record() as rec:
        for product in PRODUCTS:
            result = print_product(kit, rec, product, out / f"{product}.pdf", options[product])
            docs[product] = result.document
    return docs


def _count(doc) -> dict:
    from paperkit.layout.model import Box, Line, QRCode, Text
    from paperkit.render import qr

    n = {"pages": len(doc.pages), "rects": 0, "lines": 0, "texts": 0}
    for page in doc.pages:
        for item in page.items:
            if isinstance(item, Box):
                n["rects"] += 1
            elif isinstance(item, Line):
                n["lines"] += 1
            elif isinstance(item, Text):
                n["texts"] += len(item.lines)
            elif isinstance(item, QRCode):
                n["rects"] += len(qr.cached_rects(item.text, item.error, item.version)[1])
    return n


# -- the subprocess runs -----------------------------------------------------------------

def child_paperkit(people: int, trace: bool) -> dict:
    start = time.perf_counter()
    import paperkit.printing  # noqa: F401  (imports are timed apart: the baseline has none)

    import_seconds = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        kit = make_kit(Path(tmp) / "kit", people)
        if trace:
            import tracemalloc

            tracemalloc.start()
        start, cpu = time.perf_counter(), time.process_time()
        docs = print_kit(kit, people, Path(tmp) / "out")
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        counts = {product: _count(doc) for product, doc in docs.items()}
        peak_py = None
        if trace:
            import tracemalloc

            peak_py = tracemalloc.get_traced_memory()[1] / 2**20
        sizes = {p: (Path(tmp) / "out" / f"{p}.pdf").stat().st_size for p in PRODUCTS}
    return {"seconds": seconds, "cpu": cpu, "import_seconds": import_seconds,
            "maxrss_mb": _maxrss_mb(), "tracemalloc_mb": peak_py,
            "counts": counts, "pdf_bytes": sizes}


def child_baseline(counts: dict) -> dict:
    """Bare reportlab: the same pages, rects, lines and text lines, nothing else."""
    import io

    from reportlab.pdfgen import canvas as rl_canvas

    from paperkit.render import fonts

    font = fonts.font_name("sans")  # the same TrueType font, loaded before the clock starts
    start, cpu = time.perf_counter(), time.process_time()
    for product in PRODUCTS:
        n = counts[product]
        buf = io.BytesIO()
        c = rl_canvas.Canvas(buf, pagesize=(612, 792), invariant=1, pageCompression=1)
        per = {k: -(-n[k] // max(n["pages"], 1)) for k in ("rects", "lines", "texts")}
        for _ in range(n["pages"]):
            c.setFont(font, 8)
            path = c.beginPath()
            for i in range(per["rects"]):
                path.rect(20 + i % 50, 20 + i % 70, 3, 3)
            c.drawPath(path, stroke=1, fill=0)
            for i in range(per["lines"]):
                c.line(10, 10 + i % 700, 300, 10 + i % 700)
            for i in range(per["texts"]):
                c.drawString(30, 30 + i % 700, "Stay calm and keep your hands visible 0123")
            c.showPage()
        c.save()
    return {"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu,
            "maxrss_mb": _maxrss_mb()}


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _run(args: list[str]) -> dict:
    env = dict(os.environ, PYTHONHASHSEED="0")
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True,
                         text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- the report --------------------------------------------------------------------------

def bench(sizes: list[int], repeat: int) -> dict:
    rows = []
    for people in sizes:
        runs = [_run(["--child", str(people)]) for _ in range(repeat)]
        traced = _run(["--child", str(people), "--trace"])
        best = min(runs, key=lambda r: r["seconds"])
        base = [_run(["--baseline", json.dumps(best["counts"])]) for _ in range(repeat)]
        rows.append({
            "people": people,
            "seconds": statistics.median(r["seconds"] for r in runs),
            "best": best["seconds"],
            "cpu": statistics.median(r["cpu"] for r in runs),
            "import_seconds": statistics.median(r["import_seconds"] for r in runs),
            "maxrss_mb": max(r["maxrss_mb"] for r in runs),
            "tracemalloc_mb": traced["tracemalloc_mb"],
            "baseline_seconds": statistics.median(b["seconds"] for b in base),
            "baseline_cpu": statistics.median(b["cpu"] for b in base),
            "baseline_maxrss_mb": max(b["maxrss_mb"] for b in base),
            "pages": {p: c["pages"] for p, c in best["counts"].items()},
            "pdf_kb": {p: round(b / 1024) for p, b in best["pdf_bytes"].items()},
        })
    return {"rows": rows, "cpus": os.cpu_count(), "python": sys.version.split()[0],
            "load": os.getloadavg()[0]}


def report(result: dict) -> str:
    lines = [f"print bench: python {result['python']}, {result['cpus']} CPUs, load "
             f"{result['load']:.1f}; median of the runs; cpu = process CPU seconds",
             f"{'people':>6} {'pages':>6} {'wall s':>7} {'cpu s':>6} {'base wall':>9} "
             f"{'base cpu':>8} {'ratio':>6} {'maxrss MB':>10} {'py peak MB':>10} "
             f"{'base MB':>8}"]
    for r in result["rows"]:
        lines.append(
            f"{r['people']:>6} {sum(r['pages'].values()):>6} {r['seconds']:>7.3f} "
            f"{r['cpu']:>6.3f} {r['baseline_seconds']:>9.3f} {r['baseline_cpu']:>8.3f} "
            f"{r['cpu'] / r['baseline_cpu']:>6.2f} {r['maxrss_mb']:>10.1f} "
            f"{r['tracemalloc_mb']:>10.1f} {r['baseline_maxrss_mb']:>8.1f}")
    rows = result["rows"]
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        grow = (last["cpu"] / first["cpu"]) / (last["people"] / first["people"])
        per = [r["cpu"] / r["people"] * 1000 for r in rows]
        marginal = [(b["cpu"] - a["cpu"]) / (b["people"] - a["people"]) * 1000
                    for a, b in zip(rows, rows[1:], strict=False)]
        fixed = rows[0]["cpu"] - rows[0]["people"] * marginal[0] / 1000
        lines.append("cpu ms per person: " + ", ".join(f"{p:.2f}" for p in per)
                     + f"; time ratio / people ratio {first['people']}->{last['people']}: "
                     f"{grow:.2f} (1.0 = proportional)")
        lines.append("marginal cpu ms per extra person: "
                     + ", ".join(f"{a['people']}->{b['people']}: {m:.2f}"
                                 for a, b, m in zip(rows, rows[1:], marginal, strict=False))
                     + f" (linear when these agree); fixed cost about {fixed:.2f} s")
    top = rows[-1]
    ok = top["seconds"] <= TARGET_SECONDS and top["maxrss_mb"] <= TARGET_MB
    lines.append(f"target {top['people']} people <= {TARGET_SECONDS} s and <= {TARGET_MB} MB:"
                 f" {'met' if ok else 'NOT met'}")
    lines.append("pages per product at the largest size: " + json.dumps(top["pages"]))
    return "\n".join(lines)


def profile(people: int) -> None:
    import cProfile
    import pstats

    with tempfile.TemporaryDirectory() as tmp:
        kit = make_kit(Path(tmp) / "kit", people)
        prof = cProfile.Profile()
        prof.enable()
        print_kit(kit, people, Path(tmp) / "out")
        prof.disable()
    pstats.Stats(prof).sort_stats("cumulative").print_stats(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, nargs="*", default=[100, 250, 500])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the raw results as JSON")
    parser.add_argument("--profile", type=int, metavar="PEOPLE")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--baseline", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child_paperkit(args.child, args.trace)))
    elif args.baseline:
        print(json.dumps(child_baseline(json.loads(args.baseline))))
    elif args.profile:
        profile(args.profile)
    else:
        result = bench(args.people, args.repeat)
        print(json.dumps(result, indent=1) if args.json else report(result))


if __name__ == "__main__":
    main()
