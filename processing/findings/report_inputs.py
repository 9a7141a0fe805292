"""Reading report records from JSONL or CSV files, one `InputRecord` per record, errors kept per record."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from processing.findings.report_sections import report_text

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
CSV_SUFFIXES = (".csv",)


class InputRecord(NamedTuple):
    """A record's 1-based number, its id, the text to extract from, or why it cannot be read."""

    number: int
    id: str | None
    text: str | None
    error: str | None = None


def _rows(path: Path) -> Iterator[tuple[int, object, str | None]]:
    """(record number, parsed row or None, parse error) for each record of the file."""
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        with open(path, encoding="utf-8") as handle:
            number = 0
            for line in handle:
                if not line.strip():
                    continue
                number += 1
                try:
                    yield number, json.loads(line), None
                except json.JSONDecodeError as error:
                    yield number, None, f"invalid JSON: {error}"
    elif suffix in CSV_SUFFIXES:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=1):
                yield number, row, None
    else:
        raise ValueError(f"{path}: unknown input format {suffix!r}; use JSONL ({', '.join(JSONL_SUFFIXES)}) or CSV")


def read_records(path: str | os.PathLike, id_field: str, text_fields: Sequence[str]) -> Iterator[InputRecord]:
    """Records of a JSONL or CSV file; the text is `report_text` of `text_fields` (sections selected)."""
    path = Path(path)
    for number, row, error in _rows(path):
        if error is not None:
            yield InputRecord(number, None, None, f"{path}, record {number}: {error}")
            continue
        if not isinstance(row, dict):
            yield InputRecord(number, None, None, f"{path}, record {number}: not a JSON object")
            continue
        record_id = row.get(id_field)
        if record_id in (None, ""):
            yield InputRecord(number, None, None, f"{path}, record {number}: no {id_field!r} field")
            continue
        text = report_text(row, text_fields)
        if not text:
            fields = ", ".join(text_fields)
            yield InputRecord(number, str(record_id), None, f"{path}, record {number}: empty text in {fields}")
            continue
        yield InputRecord(number, str(record_id), text)
