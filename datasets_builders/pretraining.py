"""The shared pre-training builder: one example per image with its report's findings and knowledge captions.

A subclass yields records whose `fields` hold `report_sections` (section name -> text, in report
order), `report_ids` (the ids to look up in a `medfilip extract` file) and optionally ready
`findings` (a list of `Finding`). Findings come from, in order: the record itself, the findings
file given as `findings_file`, or the offline rule extractor run on the report's FINDINGS and
IMPRESSION sections (the whole text without them). `captions[i]` is the knowledge-injected caption
of `findings[i]`, so training can choose which presences count as positives.

Report text is patient data: unless `keep_report_text` is set, the dataset holds no report text at
all (no sections, and each finding's `evidence` is emptied).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import datasets

from datasets_builders.base import ChestXrayBuilder, RecordSkipped, SourceRecord
from datasets_builders.findings_source import ExtractedFindingsFile, FindingsUnavailable, RuleFindings
from processing.findings import Finding
from processing.knowledge import finding_caption, load_knowledge_dictionary

FINDING_FEATURE = {
    "category": datasets.Value("string"),
    "severity": datasets.Value("string"),
    "location": datasets.Value("string"),
    "presence": datasets.Value("string"),
    "evidence": datasets.Value("string"),
}


def headed_report(sections: Mapping[str, str]) -> str:
    """The report as `NAME: text` lines, so section selection finds FINDINGS and IMPRESSION; empty ones left out."""
    return "\n".join(f"{name.upper()}: {text.strip()}" for name, text in sections.items() if text and text.strip())


class PretrainingBuilder(ChestXrayBuilder):
    """Base of the image-report builders: findings, captions and (on request) report sections."""

    TASK = "pretraining"
    LABEL_COLUMNS = ("findings",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dictionary = load_knowledge_dictionary()
        self.findings_source: ExtractedFindingsFile | RuleFindings
        if self.config.findings_file:
            self.findings_source = ExtractedFindingsFile(self.config.findings_file)
            for bad_line in self.findings_source.bad_lines:
                self.skips.add(str(self.findings_source.path), f"unreadable findings record: {bad_line}")
        else:
            self.findings_source = RuleFindings(self.dictionary)

    def extra_features(self) -> dict:
        features: dict = {
            "findings": datasets.List(FINDING_FEATURE),
            "captions": datasets.List(datasets.Value("string")),
        }
        if self.config.keep_report_text:
            features["report_sections"] = datasets.List(
                {"section": datasets.Value("string"), "text": datasets.Value("string")}
            )
        return {**features, **self.record_features()}

    def record_features(self) -> dict:
        """Dataset-specific columns a subclass adds (taken from its records' `fields`)."""
        return {}

    def complete(self, record: SourceRecord) -> dict[str, Any]:
        sections: dict[str, str] = record.fields.get("report_sections", {})
        try:
            findings = self._findings(record, sections)
        except FindingsUnavailable as reason:
            raise RecordSkipped(str(reason)) from reason
        if not self.config.keep_report_text:
            findings = [finding.model_copy(update={"evidence": None}) for finding in findings]
        example = {
            "findings": [finding.model_dump() for finding in findings],
            "captions": [finding_caption(finding, self.dictionary) for finding in findings],
            **{name: record.fields.get(name) for name in self.record_features()},
        }
        if self.config.keep_report_text:
            example["report_sections"] = [
                {"section": name, "text": text.strip()} for name, text in sections.items() if text and text.strip()
            ]
        return example

    def _findings(self, record: SourceRecord, sections: Mapping[str, str]) -> list[Finding]:
        ready = record.fields.get("findings")
        if ready is not None:
            return list(ready)
        if isinstance(self.findings_source, ExtractedFindingsFile):
            return self.findings_source.findings(record.fields.get("report_ids") or [record.image_id])
        return self.findings_source.findings(headed_report(sections))
