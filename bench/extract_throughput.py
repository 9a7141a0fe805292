"""Reports per second of the offline rule extractor on one CPU core, over the Open-i reports.

Usage: python bench/extract_throughput.py [--data-dir DIR] [--repeats 3]
Pins the process to one core, extracts every report (FINDINGS + IMPRESSION) `--repeats` times and
prints the best rate; dictionary loading and matcher construction are timed separately.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from medfilip.paths import data_root
from processing.findings.report_sections import report_text
from processing.findings.rule_extractor import RuleExtractor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[1] / ".." / "shared" / "data"))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    with open(data_root(args.data_dir) / "openi_reports" / "reports.jsonl", encoding="utf-8") as handle:
        texts = [report_text(record, ["findings", "impression"]) for record in map(json.loads, handle)]
    texts = [text for text in texts if text]
    started = time.perf_counter()
    extractor = RuleExtractor()
    setup = time.perf_counter() - started
    rates = []
    for _ in range(args.repeats):
        started = time.perf_counter()
        for text in texts:
            extractor.extract(text)
        rates.append(len(texts) / (time.perf_counter() - started))
    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else "all"
    print(
        f"{len(texts)} reports, cores {sorted(cores) if cores != 'all' else cores}: "
        f"best {max(rates):.0f} reports/s, worst {min(rates):.0f} reports/s over {args.repeats} passes; "
        f"setup {setup * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
