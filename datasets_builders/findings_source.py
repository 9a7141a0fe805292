"""Where a pre-training build gets findings: a `medfilip extract` output file, or the offline rule extractor.

The extract file is JSONL, one record per report: `id`, `findings` (finding records), optionally
`labels` and `error`, and optionally `backend`, `model` and `prompt_version`, which the dataset card
reports. It is indexed by id once (only findings are kept in memory, never report text).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from processing.findings import Finding
from processing.findings.rule_extractor import RuleExtractor
from processing.knowledge import KnowledgeDictionary


class FindingsUnavailable(Exception):
    """No findings for a report; the message says why (missing id, recorded extraction error, empty report)."""


class ExtractedFindingsFile:
    """Findings by report id from a `medfilip extract` JSONL file; bad lines are counted, not fatal."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"findings file {self.path} does not exist")
        self._findings: dict[str, list[Finding] | str] = {}
        self.bad_lines: list[str] = []
        provenance: dict[str, set[str]] = {"backend": set(), "model": set(), "prompt_version": set()}
        with self.path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    identifier = str(record["id"])
                    if record.get("error"):
                        self._findings[identifier] = f"extraction failed: {record['error']}"
                    else:
                        self._findings[identifier] = [Finding.model_validate(item) for item in record["findings"]]
                except (json.JSONDecodeError, KeyError, TypeError, ValidationError) as error:
                    self.bad_lines.append(f"{self.path}:{number}: {type(error).__name__}: {error}".splitlines()[0])
                    continue
                for key, values in provenance.items():
                    if record.get(key):
                        values.add(str(record[key]))
        self.provenance = {
            key: ", ".join(sorted(values)) or "not recorded in the file" for key, values in provenance.items()
        }

    def __len__(self) -> int:
        return len(self._findings)

    def findings(self, identifiers: Iterable[str]) -> list[Finding]:
        """The findings of the first of `identifiers` present in the file; raises `FindingsUnavailable`."""
        identifiers = list(identifiers)
        for identifier in identifiers:
            found = self._findings.get(identifier)
            if isinstance(found, str):
                raise FindingsUnavailable(found)
            if found is not None:
                return found
        raise FindingsUnavailable(f"no findings in {self.path.name} for id {' / '.join(identifiers)}")

    def describe(self) -> dict[str, str]:
        """Provenance for the card: backend, model and prompt version as recorded in the file."""
        return {"source": f"`medfilip extract` output file {self.path.name}", **self.provenance}


class RuleFindings:
    """The offline rule extractor run on each report as it is streamed."""

    def __init__(self, dictionary: KnowledgeDictionary) -> None:
        self.extractor = RuleExtractor(dictionary)

    def findings(self, report: str) -> list[Finding]:
        """Findings of `report`; raises `FindingsUnavailable` for an empty report."""
        if not report.strip():
            raise FindingsUnavailable("empty report")
        return self.extractor.extract(report)

    def describe(self) -> dict[str, str]:
        return {
            "source": "offline rule extractor, run while building",
            "backend": "rules (processing.findings.rule_extractor)",
            "model": "none",
            "prompt_version": "not applicable",
        }
