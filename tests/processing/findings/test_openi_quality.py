"""The rule extractor against Open-i's manual coding, over whole collections only (no per-report fitting)."""

import csv
import json

from sklearn.metrics import f1_score

from processing.findings.label_sets import report_labels
from processing.findings.report_sections import report_text
from processing.findings.rule_extractor import RuleExtractor

LABELS = [
    "Atelectasis",
    "Cardiomegaly",
    "Effusion",
    "Infiltration",
    "Mass",
    "Nodule",
    "Pneumonia",
    "Pneumothorax",
    "Consolidation",
    "Edema",
    "Emphysema",
    "Fibrosis",
    "Pleural_Thickening",
]  # fmt: skip  (Hernia has no positive in this reference)


def test_macro_f1_on_openi_reports(data_root):
    folder = data_root / "openi_reports"
    with open(folder / "reports.jsonl", encoding="utf-8") as handle:
        reports = {record["id"]: record for record in map(json.loads, handle)}
    with open(folder / "labels_negbio14.csv", encoding="utf-8") as handle:
        gold = list(csv.DictReader(handle))
    extractor = RuleExtractor()
    predicted = {label: [] for label in LABELS}
    for row in gold:
        findings = extractor.extract(report_text(reports[row["filename"]], ["findings", "impression"]))
        labels = report_labels(findings, extractor.dictionary, "chestxray14")
        for label in LABELS:
            predicted[label].append(int(labels[label] == 1))
    scores = {label: f1_score([int(row[label]) for row in gold], predicted[label]) for label in LABELS}
    assert sum(scores.values()) / len(scores) >= 0.85, scores
    assert min(scores.values()) >= 0.6, scores
