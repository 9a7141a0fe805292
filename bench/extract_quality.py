"""Quality of the offline rule extractor on Open-i reports against Open-i's manual coding (NegBio's gold).

Usage: python bench/extract_quality.py [--data-dir DIR] [--uncertain positive|negative] [--errors N]
Prints per-label precision/recall/F1 for the 14 ChestX-ray14 labels and macro-F1 as a Markdown table.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[1] / ".." / "shared" / "data"))
    parser.add_argument("--uncertain", choices=["positive", "negative"], default="positive")
    parser.add_argument("--errors", type=int, default=0, help="print up to N disagreeing sentences per label")
    args = parser.parse_args()
    folder = data_root(args.data_dir) / "openi_reports"
    reports = {}
    with open(folder / "reports.jsonl", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            reports[record["id"]] = record
    with open(folder / "labels_negbio14.csv", encoding="utf-8") as handle:
        gold = {row["filename"]: row for row in csv.DictReader(handle)}
    extractor = RuleExtractor()
    truth = {label: [] for label in LABELS}
    predicted = {label: [] for label in LABELS}
    for report_id, row in gold.items():
        text = report_text(reports[report_id], ["findings", "impression"])
        findings = extractor.extract(text)
        labels = report_labels(findings, extractor.dictionary, "chestxray14")
        for label in LABELS:
            value = labels[label]
            guess = 1 if value == 1 or (value == -1 and args.uncertain == "positive") else 0
            truth[label].append(int(row[label]))
            predicted[label].append(guess)
            if (
                args.errors
                and guess != int(row[label])
                and sum(1 for t, p in zip(truth[label], predicted[label], strict=True) if t != p) <= args.errors
            ):
                kind = "FP" if guess else "FN"
                evidence = [
                    f.evidence
                    for f in findings
                    if extractor.dictionary[f.category].labels.get("chestxray14") == (label,)
                ]
                print(f"{label} {kind}: {evidence or text}")
    print(f"Reports: {len(gold)}; uncertain counted as {args.uncertain}.\n")
    print("| label | support | precision | recall | F1 |\n|---|---:|---:|---:|---:|")
    f1s = []
    for label in LABELS:
        precision, recall, f1, _ = precision_recall_fscore_support(
            truth[label], predicted[label], average="binary", zero_division=1.0
        )
        support = sum(truth[label])
        if support:
            f1s.append(f1)
        print(f"| {label} | {support} | {precision:.3f} | {recall:.3f} | {f1:.3f} |")
    print(f"\nMacro-F1 over the {len(f1s)} labels with positives: {sum(f1s) / len(f1s):.3f}")


if __name__ == "__main__":
    main()
