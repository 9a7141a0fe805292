"""GPT-IE wall time with 16 concurrent calls vs 1, against the local chat-completions server with 100 ms latency.

Usage: python bench/gpt_ie_concurrency.py [--data-dir DIR] [--reports 160] [--latency 0.1]
The server (`processing.findings.local_chat_server`, rule-based replies) runs in its own process so
that it does not share the client's interpreter; no cache is used, so every report is a real call.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from itertools import islice
from pathlib import Path

from medfilip.paths import data_root
from processing.findings.gpt_ie import GptIeExtractor
from processing.findings.report_sections import report_text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[1] / ".." / "shared" / "data"))
    parser.add_argument("--reports", type=int, default=160)
    parser.add_argument("--latency", type=float, default=0.1)
    args = parser.parse_args()
    with open(data_root(args.data_dir) / "openi_reports" / "reports.jsonl", encoding="utf-8") as handle:
        texts = [report_text(record, ["findings", "impression"]) for record in map(json.loads, handle)]
    texts = list(islice((text for text in texts if text), args.reports))
    server = subprocess.Popen(
        [sys.executable, "-m", "processing.findings.local_chat_server", "--port", "0", "--latency", str(args.latency)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = server.stdout.readline().split()[-1]
        times = {}
        for concurrency in (1, 16):
            extractor = GptIeExtractor("local-rules", base_url=base_url, concurrency=concurrency)
            started = time.perf_counter()
            outcomes, summary = extractor.extract_all(texts)
            times[concurrency] = time.perf_counter() - started
            assert summary.failed == 0 and summary.done == len(texts), summary.line()
            print(f"concurrency {concurrency:2d}: {times[concurrency]:.2f} s for {len(set(texts))} calls")
        print(
            f"{len(texts)} reports, {args.latency * 1000:.0f} ms server latency: "
            f"16 concurrent calls are {times[1] / times[16]:.1f}x faster than 1"
        )
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
