"""`medfilip extract`: radiology reports (JSONL or CSV) -> findings (JSONL), offline rules or GPT-IE."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from processing.findings.extraction_outcome import ExtractionOutcome
    from processing.knowledge import KnowledgeDictionary

DEFAULT_TEXT_FIELDS = "findings,impression,report,text"
LABEL_SETS = ("chestxray14", "vindr", "rsna", "chexpert")


def default_cache_path() -> Path:
    """`$XDG_CACHE_HOME/medfilip/gpt-ie.sqlite` (`~/.cache/...` without the variable)."""
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "medfilip" / "gpt-ie.sqlite"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `extract` subcommand."""
    parser = subparsers.add_parser(
        "extract",
        help="extract findings from radiology reports",
        description=(
            "Extract findings (category, severity, location, presence, evidence) from radiology reports. "
            "Writes one JSON line per input record: its id, findings and, with --label-set, labels "
            "(1 present, 0 absent or not mentioned, -1 uncertain); a record that cannot be read gets an "
            "error field instead. The openai backend caches every reply as it arrives, so an interrupted "
            "run re-run with the same arguments only calls for the rest; its API key comes from "
            "OPENAI_API_KEY and is never written anywhere."
        ),
    )
    parser.add_argument("input", type=Path, help="JSONL or CSV file of reports")
    parser.add_argument("-o", "--output", type=Path, required=True, help="JSONL file to write")
    parser.add_argument("--backend", choices=("rules", "openai"), default="rules", help="default: rules (offline)")
    parser.add_argument("--base-url", help="OpenAI-compatible endpoint, e.g. http://localhost:8000/v1")
    parser.add_argument("--model", default="gpt-4o-mini", help="model name for the openai backend")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight at most (openai)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request (openai)")
    parser.add_argument("--max-retries", type=int, default=4, help="retries on 429/5xx/timeouts (openai)")
    parser.add_argument("--cache", type=Path, help=f"reply cache (openai); default {default_cache_path()}")
    parser.add_argument("--id-field", default="id", help="field holding the record id (default: id)")
    parser.add_argument(
        "--text-fields",
        default=DEFAULT_TEXT_FIELDS,
        help=f"comma-separated fields joined as the report text (default: {DEFAULT_TEXT_FIELDS}); "
        "FINDINGS/IMPRESSION sections are selected from free text",
    )
    parser.add_argument("--label-set", choices=LABEL_SETS, help="also write report-level labels of this set")
    parser.add_argument(
        "--dictionary", type=Path, action="append", default=[], help="extra knowledge dictionary file (repeatable)"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Extract, write the output, print a summary to stderr; 2 on an unusable input or option."""
    from processing.findings.label_sets import report_labels
    from processing.findings.report_inputs import read_records
    from processing.knowledge import load_knowledge_dictionary

    text_fields = [field.strip() for field in args.text_fields.split(",") if field.strip()]
    try:
        dictionary = load_knowledge_dictionary(extra_paths=args.dictionary)
        if args.label_set:
            dictionary.label_set(args.label_set)
        records = list(read_records(args.input, args.id_field, text_fields))
    except (OSError, ValueError, KeyError) as error:
        print(f"medfilip extract: {error}", file=sys.stderr)
        return 2
    texts = [record.text for record in records if record.text is not None]
    started = time.perf_counter()
    if args.backend == "rules":
        outcomes, summary = _extract_with_rules(texts, dictionary)
    else:
        try:
            outcomes, summary = _extract_with_openai(texts, dictionary, args)
        except ValueError as error:
            print(f"medfilip extract: {error}", file=sys.stderr)
            return 2
    elapsed = time.perf_counter() - started
    outcome_of = iter(outcomes)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    partial = args.output.with_name(args.output.name + ".partial")
    skipped = 0
    with open(partial, "w", encoding="utf-8") as handle:
        for record in records:
            line: dict[str, object] = {"id": record.id}
            if record.text is None:
                line["error"] = record.error
                skipped += 1
            else:
                outcome = next(outcome_of)
                if outcome.findings is None:
                    line["error"] = outcome.error
                else:
                    line["findings"] = [finding.model_dump() for finding in outcome.findings]
                    if args.label_set:
                        line["labels"] = report_labels(outcome.findings, dictionary, args.label_set)
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
    os.replace(partial, args.output)
    print(
        f"medfilip extract: {len(records)} records, {skipped} skipped (unreadable or empty text); "
        f"{summary}; {len(texts) / max(elapsed, 1e-9):.0f} reports/s; wrote {args.output}",
        file=sys.stderr,
    )
    return 0


def _extract_with_rules(texts: list[str], dictionary: KnowledgeDictionary) -> tuple[list[ExtractionOutcome], str]:
    from processing.findings.extraction_outcome import ExtractionOutcome
    from processing.findings.rule_extractor import RuleExtractor

    extractor = RuleExtractor(dictionary)
    outcomes = [ExtractionOutcome.model_construct(findings=extractor.extract(text), error=None) for text in texts]
    return outcomes, f"rules backend: {len(texts)} extracted"


def _extract_with_openai(
    texts: list[str], dictionary: KnowledgeDictionary, args: argparse.Namespace
) -> tuple[list[ExtractionOutcome], str]:
    from processing.findings.extraction_cache import ExtractionCache
    from processing.findings.gpt_ie import GptIeExtractor

    cache = ExtractionCache(args.cache or default_cache_path())
    try:
        extractor = GptIeExtractor(
            args.model,
            base_url=args.base_url,
            concurrency=args.concurrency,
            timeout=args.timeout,
            max_retries=args.max_retries,
            cache=cache,
            dictionary=dictionary,
            progress=not args.no_progress,
        )
        outcomes, summary = extractor.extract_all(texts)
    finally:
        cache.close()
    return outcomes, f"openai backend ({args.model}): {summary.line()}"
