"""What a build produced: rows per split, label counts, and the inputs it skipped with the reasons."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import datasets

from datasets_builders.skips import Skipped

LISTED_SKIPS = 20


@dataclass
class BuildSummary:
    """The outcome of one build; `format()` is what `medfilip build-dataset` prints."""

    name: str
    data_dir: str
    output: str | None
    rows: dict[str, int]
    label_counts: dict[str, dict[str, dict[str, int]]]
    """split -> label column -> label -> number of examples."""
    skipped: list[Skipped] = field(default_factory=list)
    findings_provenance: dict[str, str] | None = None

    def skip_reasons(self) -> Counter[str]:
        return Counter(entry.reason.split(":", 1)[0] for entry in self.skipped)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "rows": self.rows,
            "label_counts": self.label_counts,
            "skipped": [{"source": entry.source, "reason": entry.reason} for entry in self.skipped],
            "findings_provenance": self.findings_provenance,
        }

    def format(self, listed: int = LISTED_SKIPS) -> str:
        lines = [f"{self.name}: {sum(self.rows.values())} rows from {self.data_dir}"]
        if self.output:
            lines[0] += f" -> {self.output}"
        for split, count in self.rows.items():
            lines.append(f"  {split}: {count} rows")
            for column, counts in self.label_counts.get(split, {}).items():
                shown = ", ".join(f"{label} {n}" for label, n in sorted(counts.items(), key=lambda item: -item[1]))
                lines.append(f"    {column}: {shown or '-'}")
        lines.append(f"  skipped: {len(self.skipped)}")
        for reason, count in self.skip_reasons().most_common():
            lines.append(f"    {count} x {reason}")
        for entry in self.skipped[:listed]:
            lines.append(f"    - {entry.source}: {entry.reason}")
        if len(self.skipped) > listed:
            lines.append(f"    ... and {len(self.skipped) - listed} more (all listed in build_summary.json)")
        return "\n".join(lines)


def label_counts(dataset: datasets.Dataset, columns: tuple[str, ...]) -> dict[str, dict[str, int]]:
    """Per column: ClassLabel names, list items, or (finding records) categories marked present, counted."""
    counts: dict[str, dict[str, int]] = {}
    for column in columns:
        feature = dataset.features[column]
        values = dataset.data.column(column).to_pylist()
        counter: Counter[str] = Counter()
        inner = feature.feature if isinstance(feature, datasets.List) else None
        for value in values:
            if value is None:
                continue
            if isinstance(feature, datasets.ClassLabel):
                counter[feature.int2str(value)] += 1
            elif isinstance(inner, datasets.ClassLabel):
                counter.update(inner.int2str(item) for item in set(value))
            elif isinstance(inner, dict):
                counter.update({item["category"] for item in value if item["presence"] == "present"})
            else:
                counter.update(set(value))
        counts[column] = dict(counter)
    return counts
