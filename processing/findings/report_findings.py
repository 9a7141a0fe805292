"""Rules every extractor's output follows: dictionary names, no duplicates, `no finding` for normal studies."""

from __future__ import annotations

from collections.abc import Iterable

from processing.findings.schema import NO_FINDING, Finding
from processing.knowledge import KnowledgeDictionary


def normalize_category(category: str, dictionary: KnowledgeDictionary) -> tuple[str, bool]:
    """The dictionary name for `category` (synonyms, plurals) and whether it was known; unknown stay as written."""
    entry = dictionary.lookup(category)
    if entry is None:
        return " ".join(category.lower().split()), False
    return entry.name, True


def finalize_findings(findings: Iterable[Finding], dictionary: KnowledgeDictionary) -> list[Finding]:
    """Findings with dictionary category names, exact duplicates dropped, and one `no finding` finding

    added when none is an abnormal category marked present or uncertain (a normal study).
    """
    kept: list[Finding] = []
    seen: set[Finding] = set()
    abnormal = False
    for finding in findings:
        category, known = normalize_category(finding.category, dictionary)
        if category != finding.category:
            finding = finding.model_copy(update={"category": category})
        if finding in seen or category == NO_FINDING:
            continue
        seen.add(finding)
        kept.append(finding)
        if finding.presence != "absent" and (not known or dictionary[category].abnormal):
            abnormal = True
    if not abnormal:
        kept.append(Finding(category=NO_FINDING))
    return kept
