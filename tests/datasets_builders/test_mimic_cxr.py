from __future__ import annotations

import csv
import gzip
import json
import random
import shutil
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image

from datasets_builders.mimic_cxr import MimicCxrJpg
from medfilip.cli import main

from .conftest import column, run_builder
from .synthetic_images import real_pixels

# Synthetic reports in the MIMIC-CXR format, written for these tests: (sections, categories present).
REPORTS = {
    "abnormal": (
        {
            "INDICATION": "___M with fever, evaluate for pneumonia.",
            "COMPARISON": "None.",
            "FINDINGS": "Moderate cardiomegaly. Small left pleural effusion.\n No pneumothorax.",
            "IMPRESSION": "Cardiomegaly with small left pleural effusion.",
        },
        {"cardiomegaly", "pleural effusion"},
    ),
    "normal": (
        {
            "INDICATION": "Cough, rule out pneumonia.",
            "FINDINGS": "The lungs are clear. No focal consolidation, pleural effusion or pneumothorax.",
            "IMPRESSION": "No acute cardiopulmonary process.",
        },
        {"no finding"},
    ),
}
OFFICIAL = ["train"] * 8 + ["validate"] * 2 + ["test"] * 2
SPLIT_COLUMNS = ["dicom_id", "study_id", "subject_id", "split"]


def _report_text(sections: dict[str, str]) -> str:
    body = "\n\n".join(
        f" {name}:  {text}" if len(text) < 40 else f" {name}:\n \n {text}" for name, text in sections.items()
    )
    return f"                                 FINAL REPORT\n EXAMINATION:  CHEST (PA AND LAT)\n\n{body}\n"


def _write_gz_table(path: Path, columns: list[str], rows: list[list[str]]) -> None:
    with gzip.open(path, "wt", newline="") as handle:
        csv.writer(handle).writerows([columns, *rows])


def _folder(layout: Path, subject: str, study: str) -> Path:
    return layout / "files" / f"p{subject[:2]}" / f"p{subject}" / f"s{study}"


@pytest.fixture
def mimic_layout(data_root: Path, tmp_path: Path) -> tuple[Path, list[dict]]:
    """12 subjects with 1-2 studies of 1-2 JPEGs (real pixels), synthetic reports, damaged inputs added."""
    layout = tmp_path / "mimic"
    generator = random.Random(21)
    pixels = iter(real_pixels(data_root, 60))
    images, split_rows, metadata_rows = [], [], []
    for index, official in enumerate(OFFICIAL):
        subject = str(10000000 + 7919 * index)
        for _ in range(generator.randint(1, 2)):
            study = str(generator.randint(50000000, 59999999))
            kind = generator.choice(sorted(REPORTS))
            text = _report_text(REPORTS[kind][0])
            beside = index == 3  # this subject's reports lie beside the image folders
            report = (
                _folder(layout, subject, study) if beside else _folder(layout / "mimic-cxr-reports", subject, study)
            )
            report.parent.mkdir(parents=True, exist_ok=True)
            report.with_suffix(".txt").write_text(text)
            for number in range(generator.randint(1, 2)):
                dicom = "-".join(f"{generator.getrandbits(32):08x}" for _ in range(5))
                view = ("PA", "LATERAL")[number]
                _folder(layout, subject, study).mkdir(parents=True, exist_ok=True)
                Image.fromarray(next(pixels)).save(_folder(layout, subject, study) / f"{dicom}.jpg", quality=95)
                split_rows.append([dicom, study, subject, official])
                metadata_rows.append([dicom, subject, study, "CHEST (PA AND LAT)", view, "64", "64"])
                image = {"dicom": dicom, "study": study, "subject": subject, "split": official, "view": view}
                images.append({**image, "kind": kind})
    damaged = _add_damaged(layout, images[0], split_rows)
    _write_gz_table(layout / "mimic-cxr-2.0.0-split.csv.gz", SPLIT_COLUMNS, split_rows + damaged)
    columns = ["dicom_id", "subject_id", "study_id", "PerformedProcedureStepDescription", "ViewPosition", "Rows"]
    _write_gz_table(layout / "mimic-cxr-2.0.0-metadata.csv.gz", columns + ["Columns"], metadata_rows)
    return layout, images


def _add_damaged(layout: Path, good: dict, split_rows: list[list[str]]) -> list[list[str]]:
    """Split rows of damaged inputs, keyed by dicom_id in the skip log; their files written as needed."""
    subject, study = good["subject"], good["study"]
    folder = _folder(layout, subject, study)
    (folder / "corrupt-jpg.jpg").write_bytes(b"\xff\xd8\xff not a jpeg")
    for name, other_study, text in (("empty-report", "59999991", " \n\n"), ("no-report", "59999992", None)):
        other = _folder(layout, "19999999", other_study)
        other.mkdir(parents=True)
        shutil.copy(folder / f"{good['dicom']}.jpg", other / f"{name}.jpg")
        if text is not None:
            report = _folder(layout / "mimic-cxr-reports", "19999999", other_study).with_suffix(".txt")
            report.parent.mkdir(parents=True, exist_ok=True)
            report.write_text(text)
    return [
        ["missing-jpg", study, subject, "train"],
        ["corrupt-jpg", study, subject, "train"],
        ["empty-report", "59999991", "19999999", "train"],
        ["no-report", "59999992", "19999999", "train"],
        ["bad-subject", study, "p1x", "train"],
        ["odd-split", study, subject, "holdout"],
    ]


def _skip_reasons(builder) -> dict[str, str]:
    return {entry.source.split("(")[-1].rstrip(")"): entry.reason for entry in builder.skips}


def test_official_split_findings_from_reports_and_damaged_inputs(mimic_layout, tmp_path: Path) -> None:
    layout, images = mimic_layout
    dataset, builder = run_builder(MimicCxrJpg, layout, tmp_path / "cache")
    expected_rows = Counter({"validate": "validation"}.get(image["split"], image["split"]) for image in images)
    assert dict(dataset.num_rows) == dict(expected_rows)
    by_dicom = {image["dicom"]: image for image in images}
    for split in dataset:
        assert "report_sections" not in dataset[split].column_names
        for dicom, patient, study, view, findings, captions in zip(
            *(column(dataset[split], c) for c in ("image_id", "patient_id", "study_id", "view_position")),
            column(dataset[split], "findings"),
            column(dataset[split], "captions"),
            strict=True,
        ):
            image = by_dicom[dicom]
            assert (patient, study, view) == (image["subject"], image["study"], image["view"])
            present = {finding["category"] for finding in findings if finding["presence"] == "present"}
            assert present == REPORTS[image["kind"]][1]
            assert "pneumonia" not in {finding["category"] for finding in findings}  # INDICATION is not read
            assert len(captions) == len(findings) and all(f["evidence"] is None for f in findings)
    subjects = [set(column(dataset[split], "patient_id")) for split in dataset]
    assert sum(map(len, subjects)) == len(set().union(*subjects)) == len(OFFICIAL)

    reasons = _skip_reasons(builder)
    assert reasons["missing-jpg"].startswith("image not found")
    assert reasons["corrupt-jpg"].startswith("unreadable image")
    assert reasons["empty-report"] == "empty report"
    assert reasons["no-report"].startswith("report not found") and "mimic-cxr-reports" in reasons["no-report"]
    assert reasons["bad-subject"] == "missing or invalid patient id"
    assert reasons["odd-split"] == "unknown split 'holdout'"
    assert len(reasons) == 6


def test_report_sections_are_kept_on_request(mimic_layout, tmp_path: Path) -> None:
    layout, images = mimic_layout
    dataset, _ = run_builder(MimicCxrJpg, layout, tmp_path / "cache", keep_report_text=True)
    by_dicom = {image["dicom"]: image for image in images}
    for split in dataset:
        for dicom, sections in zip(
            column(dataset[split], "image_id"), column(dataset[split], "report_sections"), strict=True
        ):
            written = {"examination": "CHEST (PA AND LAT)"} | {
                name.lower(): text for name, text in REPORTS[by_dicom[dicom]["kind"]][0].items()
            }
            assert {item["section"]: item["text"] for item in sections} == written


def test_findings_file_is_looked_up_by_study_without_reading_reports(mimic_layout, tmp_path: Path) -> None:
    layout, images = mimic_layout
    shutil.rmtree(layout / "mimic-cxr-reports")
    studies = sorted({image["study"] for image in images})
    given, failed = studies[:4], studies[4]
    lines = [
        {"id": f"s{study}", "findings": [{"category": "Atelectasis", "location": "left base"}]} for study in given[:3]
    ]
    lines.append({"id": given[3], "findings": [{"category": "edema", "presence": "uncertain"}]})
    lines.append({"id": f"s{failed}", "findings": [], "error": "timeout"})
    findings_file = tmp_path / "extracted.jsonl"
    findings_file.write_text("".join(json.dumps(line) + "\n" for line in lines))
    dataset, builder = run_builder(MimicCxrJpg, layout, tmp_path / "cache", findings_file=str(findings_file))

    built = {
        dicom: findings
        for s in dataset
        for dicom, findings in zip(column(dataset[s], "image_id"), column(dataset[s], "findings"), strict=True)
    }
    assert set(built) == {image["dicom"] for image in images if image["study"] in given}
    for image in images:
        if image["study"] in given[:3]:
            assert [(f["category"], f["location"]) for f in built[image["dicom"]]] == [("atelectasis", "left base")]
        elif image["study"] == given[3]:
            assert [(f["category"], f["presence"]) for f in built[image["dicom"]]] == [("edema", "uncertain")]
    reasons = Counter(reason.split(" for id")[0] for reason in _skip_reasons(builder).values())
    failed_images = sum(image["study"] == failed for image in images)
    others = sum(image["study"] not in given and image["study"] != failed for image in images)
    assert reasons["extraction failed: timeout"] == failed_images
    assert reasons["no findings in extracted.jsonl"] == others + 2  # + the damaged rows of studies not in the file


def test_build_dataset_command(mimic_layout, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    layout, images = mimic_layout
    output = tmp_path / "out"
    assert main(["build-dataset", "mimic-cxr", "--data-dir", str(layout), "--output", str(output)]) == 0
    printed = capsys.readouterr().out
    assert f"mimic-cxr: {len(images)} rows" in printed and "skipped: 6" in printed and "1 x empty report" in printed
    card = (output / "README.md").read_text()
    assert "offline rule extractor" in card and "official split of mimic-cxr-2.0.0-split.csv" in card
