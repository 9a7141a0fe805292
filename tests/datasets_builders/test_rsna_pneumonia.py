from __future__ import annotations

import csv
import json
import random
import shutil
import uuid
from collections import Counter
from pathlib import Path

import pydicom
import pytest

from datasets_builders.rsna_pneumonia import RSNAPneumonia
from medfilip.cli import main

from .conftest import column, run_builder
from .synthetic_images import RSNA_SAMPLE, dicom_template, real_pixels, write_dicom

DETAILED = ("Normal", "No Lung Opacity / Not Normal", "Lung Opacity")


def _patients(count: int) -> list[dict]:
    """Patients with a detailed class, 0-3 boxes (opacity only) and a view; all computed here, once."""
    generator = random.Random(7)
    patients = []
    for index in range(count):
        detailed = DETAILED[index % 3]
        boxes = [
            [float(generator.randint(0, 500)), float(generator.randint(0, 500)), 80.0, float(100 + index)]
            for _ in range(generator.randint(1, 3) if detailed == "Lung Opacity" else 0)
        ]
        identifier = str(uuid.UUID(int=generator.getrandbits(128)))
        patients.append({"id": identifier, "class": detailed, "boxes": boxes, "view": ("PA", "AP")[index % 2]})
    return patients


def _write_tables(layout: Path, rows: list[list[str]], detailed: list[list[str]] | None, stage: int = 2) -> None:
    with (layout / f"stage_{stage}_train_labels.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows([["patientId", "x", "y", "width", "height", "Target"], *rows])
    if detailed is not None:
        with (layout / f"stage_{stage}_detailed_class_info.csv").open("w", newline="") as handle:
            csv.writer(handle).writerows([["patientId", "class"], *detailed])


@pytest.fixture
def rsna_layout(data_root: Path, tmp_path: Path) -> tuple[Path, list[dict]]:
    """30 patients (one real RSNA DICOM, the others real NIH pixels in DICOMs), rows shuffled, damaged rows added."""
    layout = tmp_path / "rsna"
    images = layout / "stage_2_train_images"
    images.mkdir(parents=True)
    patients = _patients(29)
    template = dicom_template(data_root)
    for patient, pixels in zip(patients, real_pixels(data_root, len(patients)), strict=True):
        write_dicom(template, pixels, images / f"{patient['id']}.dcm", patient["id"], patient["view"])
    real_id = str(pydicom.dcmread(data_root / "image_samples" / RSNA_SAMPLE, stop_before_pixels=True).PatientID)
    shutil.copy(data_root / "image_samples" / RSNA_SAMPLE, images / f"{real_id}.dcm")
    patients.append({"id": real_id, "class": "Lung Opacity", "boxes": [[10.0, 20.0, 300.0, 400.0]], "view": "PA"})

    rows, detailed = [], []
    for patient in patients:
        target = "1" if patient["class"] == "Lung Opacity" else "0"
        for box in patient["boxes"] or [None]:
            rows.append([patient["id"], *(["" for _ in range(4)] if box is None else [f"{v:g}" for v in box]), target])
            detailed.append([patient["id"], patient["class"]])
    damaged = {
        "missing-image": ["0", "Normal", None],
        "corrupt-image": ["0", "Normal", b"DICM but not really"],
        "../escape": ["0", "Normal", None],
        "conflicting-target": ["0", "Normal", None],
        "contradicted": ["1", "Normal", None],
        "bad-box": ["1", "Lung Opacity", None],
    }
    for name, (target, detailed_class, content) in damaged.items():
        rows.append([name, "1", "2", "3", "4", target] if target == "1" else [name, "", "", "", "", target])
        detailed.append([name, detailed_class])
        if content is not None:
            (images / f"{name}.dcm").write_bytes(content)
    rows.append(["conflicting-target", "5", "5", "5", "5", "1"])
    rows.append(["bad-box", "left", "2", "3", "4", "1"])
    random.Random(3).shuffle(rows)
    _write_tables(layout, rows, detailed)
    return layout, patients


def test_labels_boxes_views_and_patient_splits(rsna_layout: tuple[Path, list[dict]], tmp_path: Path) -> None:
    layout, patients = rsna_layout
    dataset, builder = run_builder(RSNAPneumonia, layout, tmp_path / "cache")
    assert sum(dataset.num_rows.values()) == len(patients)

    by_id = {patient["id"]: patient for patient in patients}
    names = dataset["train"].features["detailed_class"].names
    built = Counter(names[i] for split in dataset for i in column(dataset[split], "detailed_class"))
    assert built == Counter(patient["class"] for patient in patients)
    for split in dataset:
        for image_id, label, categories, boxes, view in zip(
            *(column(dataset[split], name) for name in ("image_id", "label", "categories", "boxes", "view_position")),
            strict=True,
        ):
            patient = by_id[image_id]
            assert label == int(patient["class"] == "Lung Opacity")
            expected = {"Lung Opacity": ["opacity"], "Normal": ["no finding"]}.get(patient["class"], [])
            assert categories == expected
            assert sorted([box[key] for key in ("x", "y", "width", "height")] for box in boxes) == sorted(
                patient["boxes"]
            )
            assert view == patient["view"]

    patient_sets = [set(column(dataset[split], "patient_id")) for split in ("train", "validation", "test")]
    assert all(patient_sets) and sum(map(len, patient_sets)) == len(set().union(*patient_sets))

    reasons = {entry.source.split("(")[-1].rstrip(")"): entry.reason for entry in builder.skips}
    assert reasons["missing-image"].startswith("image not found") and "missing-image.dcm" in reasons["missing-image"]
    assert reasons["corrupt-image"].startswith("unreadable image")
    assert reasons["../escape"] == "missing or invalid patient id"
    assert reasons["conflicting-target"] == "invalid or conflicting Target values: ['0', '1']"
    assert reasons["contradicted"] == "detailed class contradicts Target: 'Normal' with Target 1"
    assert reasons["bad-box"].startswith("box coordinates are not numbers: line")
    assert len(reasons) == 6


def test_without_the_class_file_target_0_has_no_category(rsna_layout: tuple[Path, list[dict]], tmp_path: Path) -> None:
    layout, patients = rsna_layout
    (layout / "stage_2_detailed_class_info.csv").unlink()
    dataset, _ = run_builder(RSNAPneumonia, layout, tmp_path / "cache")
    assert all(value is None for split in dataset for value in column(dataset[split], "detailed_class"))
    labels = Counter(label for split in dataset for label in column(dataset[split], "label"))
    opacity = sum(patient["class"] == "Lung Opacity" for patient in patients)
    assert labels == Counter({1: opacity, 0: len(patients) - opacity})
    categories = Counter(tuple(value) for split in dataset for value in column(dataset[split], "categories"))
    assert categories == Counter({("opacity",): opacity, (): len(patients) - opacity})


def test_an_earlier_stage_is_read_when_it_is_the_only_one(data_root: Path, tmp_path: Path) -> None:
    layout = tmp_path / "stage1"
    images = layout / "stage_1_train_images"
    template = dicom_template(data_root)
    pixels = real_pixels(data_root, 2)
    write_dicom(template, pixels[0], images / "p-one.dcm", "p-one", "AP")
    write_dicom(template, pixels[1], images / "p-two.dcm", "p-two", None)
    _write_tables(layout, [["p-one", "1", "1", "9", "9", "1"], ["p-two", "", "", "", "", "0"]], None, stage=1)
    dataset, builder = run_builder(RSNAPneumonia, layout, tmp_path / "cache", test_fraction=0.0)
    views = {
        i: v
        for split in dataset
        for i, v in zip(*(column(dataset[split], c) for c in ("image_id", "view_position")), strict=True)
    }
    assert views == {"p-one": "AP", "p-two": None} and len(builder.skips) == 0

    with pytest.raises(FileNotFoundError, match="stage_<n>_train_labels.csv"):
        run_builder(RSNAPneumonia, tmp_path / "stage1" / "stage_1_train_images", tmp_path / "cache2")


def test_build_dataset_command_prints_the_summary_and_writes_the_card(
    rsna_layout: tuple[Path, list[dict]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layout, patients = rsna_layout
    output = tmp_path / "out"
    assert main(["build-dataset", "rsna", "--data-dir", str(layout), "--output", str(output)]) == 0
    printed = capsys.readouterr().out
    opacity = sum(patient["class"] == "Lung Opacity" for patient in patients)
    rows = [int(line.split(": ")[1].split()[0]) for line in printed.splitlines() if line.endswith(" rows")]
    assert sum(rows) == len(patients) and "skipped: 6" in printed
    summary = json.loads((output / "build_summary.json").read_text())
    assert sum(counts["label"].get("Lung Opacity", 0) for counts in summary["label_counts"].values()) == opacity
    card = (output / "README.md").read_text()
    assert "`No Lung Opacity / Not Normal` -> none" in card and "no test split" in card
    assert "- `Lung Opacity` -> opacity, pneumonia" in card
