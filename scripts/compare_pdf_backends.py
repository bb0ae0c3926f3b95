"""Measure the two PDF libraries budgetlib can read with (pypdfium2, pdfplumber) on PDFs.

For each PDF with a text layer: pages, seconds to extract characters and rules, seconds for the
whole reader (layout included), whether both give the same lines, and — for files with
hand-read values in expected.json — how many fields the full pipeline matches with each
library. Timings are the best of ``--repeat`` runs. Results for our sample corpus are in
docs/pdf-extraction.md.

    .venv/bin/python scripts/compare_pdf_backends.py [PDF or folder ...] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from budgetlib.documents import ReadSettings
from budgetlib.pdf import NeedsOcr, PdfSettings, pages, read_pdf
from budgetlib.pipeline import IngestError, process_bytes

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = ROOT.parent / "shared" / "corpus" / "expected.json"
if not EXPECTED.exists():
    EXPECTED = ROOT / "tests" / "data" / "expected.json"
BACKENDS = ("pypdfium2", "pdfplumber")


def best(seconds: list[float]) -> float:
    return min(seconds) if seconds else float("nan")


def timed(fn: object, repeat: int) -> tuple[float, object]:
    out, runs = None, []
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()  # type: ignore[operator]
        runs.append(time.perf_counter() - start)
    return best(runs), out


def matched(name: str, indicators: dict[str, object], expected: dict[str, dict[str, object]]) -> tuple[int, int]:
    sys.path.insert(0, str(ROOT))
    from tests.conftest import mismatches

    fields = {k: v for k, v in expected.get(name, {}).items() if not k.startswith("expect_")}
    return len(fields) - len(mismatches(fields, indicators)), len(fields)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[ROOT / "data" / "raw"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files = sorted(f for p in args.paths for f in ([p] if p.is_file() else p.rglob("*.pdf")))
    expected = json.loads(EXPECTED.read_text(encoding="utf-8")) if EXPECTED.exists() else {}
    totals = {b: {"pages": 0, "extract": 0.0, "read": 0.0, "matched": 0, "fields": 0} for b in BACKENDS}
    print(f"{'file':52s} {'pages':>5s} " + " ".join(f"{b + ' extract':>19s} {b + ' read':>16s}" for b in BACKENDS) + "  same  fields")
    for path in files:
        data = path.read_bytes()
        row, lines = [], {}
        n_pages = 0
        try:
            for backend in BACKENDS:
                settings = PdfSettings(backend=backend)
                extract, contents = timed(lambda s=settings, d=data: list(pages(d, s)), args.repeat)
                read, out = timed(lambda s=settings, d=data: read_pdf(d, s), args.repeat)
                n_pages = len(contents)  # type: ignore[arg-type]
                lines[backend] = [(ln.text, ln.location) for ln in out]  # type: ignore[attr-defined]
                totals[backend]["pages"] += n_pages
                totals[backend]["extract"] += extract
                totals[backend]["read"] += read
                row.append((extract, read))
        except NeedsOcr:
            print(f"{path.name[:52]:52s} (no text layer: scanned, needs OCR)")
            continue
        fields = []
        for backend in BACKENDS:
            try:
                result = process_bytes(data, path.name, ReadSettings(pdf=PdfSettings(backend=backend)))
                got, of = matched(path.name, result.indicators, expected)
            except IngestError:
                got, of = 0, 0
            totals[backend]["matched"] += got
            totals[backend]["fields"] += of
            fields.append(f"{got}/{of}")
        same = lines[BACKENDS[0]] == lines[BACKENDS[1]]
        print(f"{path.name[:52]:52s} {n_pages:5d} " + " ".join(f"{e:18.3f}s {r:15.3f}s" for e, r in row) + f"  {'yes' if same else 'NO '}   {' | '.join(fields)}")
    print()
    for backend, t in totals.items():
        if t["pages"]:
            print(f"{backend:11s} {t['pages']} pages: extract {t['extract']:.2f} s ({t['pages'] / t['extract']:.0f} pages/s), "
                  f"whole reader {t['read']:.2f} s ({t['pages'] / t['read']:.0f} pages/s); golden fields {t['matched']}/{t['fields']}")


if __name__ == "__main__":
    main()
