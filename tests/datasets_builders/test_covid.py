from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

from datasets_builders.covid import Covid19Classification
from datasets_builders.covid_pretraining import Covid19Pretraining

from .conftest import column, run_builder


def _xray_rows(folder: Path) -> list[dict[str, str]]:
    with (folder / "metadata.csv").open(encoding="utf-8", errors="replace", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row["modality"] == "X-ray"]


def test_real_collection_labels_and_patient_splits(data_root: Path, tmp_path: Path) -> None:
    folder = data_root / "covid_ieee8023"
    dataset, builder = run_builder(Covid19Classification, folder, tmp_path / "cache")
    rows = [row for row in _xray_rows(folder) if (folder / row["folder"] / row["filename"]).is_file()]
    assert sum(dataset.num_rows.values()) == len(rows)

    def expected_class(finding: str) -> str:
        return "COVID-19" if "COVID-19" in finding else "No Finding" if finding == "No Finding" else "Other"

    names = dataset["train"].features["label"].names
    built = Counter(names[i] for split in dataset for i in column(dataset[split], "label"))
    assert built == Counter(expected_class(row["finding"]) for row in rows)

    patients = [set(column(dataset[split], "patient_id")) for split in ("train", "validation", "test")]
    assert all(patients)
    assert not (patients[0] & patients[1] or patients[0] & patients[2] or patients[1] & patients[2])
    assert len(builder.skips) == 0


def test_damaged_rows_are_skipped_and_named(covid_subset: Path, tmp_path: Path) -> None:
    dataset, builder = run_builder(Covid19Classification, covid_subset, tmp_path / "cache")
    assert sum(dataset.num_rows.values()) == 40
    reasons = {entry.source.split("(")[-1].rstrip(")"): entry.reason for entry in builder.skips}
    assert reasons["ct-volume.png"].startswith("not an X-ray")
    assert reasons["no-patient.png"] == "missing or invalid patient id"
    assert reasons["missing-file.png"].startswith("image not found")
    assert reasons["corrupt.png"].startswith("unreadable image") and "corrupt.png" in reasons["corrupt.png"]
    assert len(reasons) == 4


def test_paired_notes_give_findings_and_captions_without_report_text(covid_subset: Path, tmp_path: Path) -> None:
    dataset, builder = run_builder(Covid19Pretraining, covid_subset, tmp_path / "cache")
    rows = _xray_rows(covid_subset)[:40]
    with_notes = [row for row in rows if row["clinical_notes"].strip()]
    assert sum(dataset.num_rows.values()) == len(with_notes)
    assert Counter(entry.reason for entry in builder.skips)["empty report"] == len(rows) - len(with_notes)
    assert "report_sections" not in dataset["train"].column_names
    notes = {row["clinical_notes"] for row in rows}
    for split in dataset:
        for findings, captions in zip(
            column(dataset[split], "findings"), column(dataset[split], "captions"), strict=True
        ):
            assert findings and len(captions) == len(findings)
            assert all(finding["evidence"] is None for finding in findings)
            for caption, finding in zip(captions, findings, strict=True):
                assert caption.split(".")[0].endswith(finding["category"])
    stored = json.dumps([column(dataset[split], "captions") for split in dataset])
    assert not any(note[:60] in stored for note in notes if len(note) > 60)


def test_findings_file_is_used_and_failures_are_skipped(covid_subset: Path, tmp_path: Path) -> None:
    rows = [row for row in _xray_rows(covid_subset)[:40] if row["clinical_notes"].strip()]
    all_rows = _xray_rows(covid_subset)[:40]
    findings_file = tmp_path / "extracted.jsonl"
    lines = [{"id": rows[0]["filename"], "findings": [{"category": "Pleural effusions", "severity": "small"}]}]
    lines.append({"id": rows[1]["filename"], "findings": [], "error": "timeout"})
    findings_file.write_text("".join(json.dumps(line) + "\n" for line in lines) + "{broken\n")
    dataset, builder = run_builder(
        Covid19Pretraining, covid_subset, tmp_path / "cache", findings_file=str(findings_file), keep_report_text=True
    )
    assert sum(dataset.num_rows.values()) == 1
    example = next(dataset[split][0] for split in dataset if dataset[split].num_rows)
    assert example["findings"][0]["category"] == "pleural effusions"
    assert example["captions"][0].startswith("small pleural effusions.")
    assert example["report_sections"][0]["section"] == "clinical_notes"
    reasons = [entry.reason for entry in builder.skips]
    assert "extraction failed: timeout" in reasons
    assert sum(reason.startswith("no findings in extracted.jsonl") for reason in reasons) == len(all_rows) - 2
    assert any(reason.startswith("unreadable findings record") for reason in reasons)
