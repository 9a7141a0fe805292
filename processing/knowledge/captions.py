"""Captions from findings, and zero-shot class prompts, enriched with the knowledge dictionary.

Finding caption: `"<severity> <location> <category>. <description>"`, leaving out missing parts (no
placeholder words). Zero-shot prompt for a class name: `"<category>. <description>"` for a name the
dictionary knows (by name, synonym, label or plural), else the name as given.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable

from processing.findings.schema import Finding, Presence
from processing.knowledge.dictionary import KnowledgeDictionary

POSITIVE_PRESENCE: tuple[Presence, ...] = ("present", "uncertain")


def finding_caption(
    finding: Finding,
    dictionary: KnowledgeDictionary,
    *,
    drop_probability: float = 0.0,
    rng: random.Random | None = None,
) -> str:
    """The caption of `finding`; severity and location are each left out with `drop_probability` (augmentation)."""
    if not 0.0 <= drop_probability <= 1.0:
        raise ValueError(f"drop_probability must be in [0, 1], got {drop_probability}")
    rng = rng or random
    severity = finding.severity if finding.severity and rng.random() >= drop_probability else None
    location = finding.location if finding.location and rng.random() >= drop_probability else None
    head = " ".join(part for part in (severity, location, finding.category) if part)
    entry = dictionary.lookup(finding.category)
    return f"{head}. {entry.description}" if entry is not None else f"{head}."


def finding_captions(
    findings: Iterable[Finding],
    dictionary: KnowledgeDictionary,
    *,
    presences: Collection[Presence] = POSITIVE_PRESENCE,
    drop_probability: float = 0.0,
    rng: random.Random | None = None,
) -> list[str]:
    """Captions of the findings whose presence is in `presences` (default: present and uncertain)."""
    return [
        finding_caption(finding, dictionary, drop_probability=drop_probability, rng=rng)
        for finding in findings
        if finding.presence in presences
    ]


def zero_shot_prompt(class_name: str, dictionary: KnowledgeDictionary) -> str:
    """`"<category>. <description>"` for a class the dictionary knows, else `class_name` unchanged."""
    entry = dictionary.lookup(class_name)
    return entry.prompt if entry is not None else class_name
