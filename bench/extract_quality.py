"""Quality of the offline rule extractor on Open-i reports against Open-i's manual coding (NegBio's reference).

Usage: python bench/extract_quality.py [--data-dir DIR]
Prints, as Markdown, per-label precision/recall/F1 for the 14 ChestX-ray14 labels and macro-F1, with
uncertain findings counted as negative (the table) and as positive (the macro-F1 line after it).
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

from sklearn.metrics import precision_recall_fscore_support

from medfilip.paths import data_root
from processing.findings.label_sets import report_labels
from processing.findings.report_sections import report_text
from processing.findings.rule_extractor import RuleExtractor

LABELS = [
    "Atelectasis", "Cardiomegaly", "Effusion", "Infiltration", "Mass", "Nodule", "Pneumonia",
    "Pneumothorax", "Consolidation", "Edema", "Emphysema", "Fibrosis", "Pleural_Thickening", "Hernia",
]  # fmt: skip


def extracted_labels(folder: Path) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Reference labels and extracted labels (1, 0, -1) per ChestX-ray14 label, over the labelled reports."""
    with open(folder / "reports.jsonl", encoding="utf-8") as handle:
        reports = {record["id"]: record for record in map(json.loads, handle)}
    with open(folder / "labels_negbio14.csv", encoding="utf-8") as handle:
        gold = list(csv.DictReader(handle))
    extractor = RuleExtractor()
    truth: dict[str, list[int]] = {label: [] for label in LABELS}
    predicted: dict[str, list[int]] = {label: [] for label in LABELS}
    for row in gold:
        findings = extractor.extract(report_text(reports[row["filename"]], ["findings", "impression"]))
        labels = report_labels(findings, extractor.dictionary, "chestxray14")
        for label in LABELS:
            truth[label].append(int(row[label]))
            predicted[label].append(labels[label])
    return truth, predicted


def scores(truth: list[int], predicted: list[int], uncertain_positive: bool) -> tuple[float, float, float]:
    """Precision, recall and F1 with uncertain (-1) counted as positive or negative."""
    binary = [int(value == 1 or (uncertain_positive and value == -1)) for value in predicted]
    precision, recall, f1, _ = precision_recall_fscore_support(truth, binary, average="binary", zero_division=0.0)
    return float(precision), float(recall), float(f1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[1] / ".." / "shared" / "data"))
    args = parser.parse_args()
    truth, predicted = extracted_labels(data_root(args.data_dir) / "openi_reports")
    print(f"{len(truth[LABELS[0]])} reports with reference labels; uncertain counted as negative.\n")
    print("| label | reference positives | precision | recall | F1 |\n|---|---:|---:|---:|---:|")
    f1_all, f1_supported = [], []
    for label in LABELS:
        precision, recall, f1 = scores(truth[label], predicted[label], uncertain_positive=False)
        support = sum(truth[label])
        f1_all.append(f1)
        if support:
            f1_supported.append(f1)
        print(f"| {label} | {support} | {precision:.3f} | {recall:.3f} | {f1:.3f} |")
    supported = [label for label in LABELS if sum(truth[label])]
    as_positive = [scores(truth[label], predicted[label], uncertain_positive=True)[2] for label in supported]
    print(
        f"\nMacro-F1, the {len(supported)} labels with reference positives: "
        f"**{sum(f1_supported) / len(f1_supported):.3f}** (uncertain counted as positive: "
        f"{sum(as_positive) / len(as_positive):.3f}); all 14 labels, Hernia scored 0: {sum(f1_all) / len(f1_all):.3f}"
    )


if __name__ == "__main__":
    main()
