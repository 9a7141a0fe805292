"""Report-level labels of a label set (`chestxray14`, `vindr`, `rsna`, `chexpert`) from findings."""

from __future__ import annotations

from collections.abc import Iterable

from processing.findings.schema import Finding
from processing.knowledge import KnowledgeDictionary

PRESENT, ABSENT, UNCERTAIN = 1, 0, -1


def report_labels(findings: Iterable[Finding], dictionary: KnowledgeDictionary, label_set: str) -> dict[str, int]:
    """Every label of `label_set` -> 1 (a category of it present), -1 (only uncertain), 0 (absent or unmentioned)."""
    presences: dict[str, set[str]] = {}
    for finding in findings:
        presences.setdefault(finding.category, set()).add(finding.presence)
    labels = {}
    for label, categories in dictionary.label_set(label_set).items():
        seen = set().union(*(presences.get(category, set()) for category in categories))
        labels[label] = PRESENT if "present" in seen else UNCERTAIN if "uncertain" in seen else ABSENT
    return labels
