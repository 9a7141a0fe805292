from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path

from datasets_builders.nih_chestxray14 import NIHChestXray14

from .conftest import column, run_builder


def _csv_rows(data_root: Path, split: str) -> list[dict[str, str]]:
    with (data_root / "nih1000" / f"{split}.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_official_lists_labels_and_patient_disjoint_validation(
    nih_official: Path, data_root: Path, tmp_path: Path
) -> None:
    dataset, builder = run_builder(NIHChestXray14, nih_official, tmp_path / "cache")
    train_rows, test_rows = _csv_rows(data_root, "train"), _csv_rows(data_root, "valid")
    assert dataset["test"].num_rows == len(test_rows)
    assert dataset["train"].num_rows + dataset["validation"].num_rows == len(train_rows)
    assert len(builder.skips) == 0

    names = dataset["test"].features["labels"].feature.names
    built = Counter(names[i] for labels in column(dataset["test"], "labels") for i in labels)
    expected = Counter(label for row in test_rows for label in row["labels"].split("|") if label != "No Finding")
    assert built == expected
    no_finding = sum(row["labels"] == "No Finding" for row in test_rows)
    assert sum(categories == ["no finding"] for categories in column(dataset["test"], "categories")) == no_finding
    pairs = zip(column(dataset["test"], "categories"), column(dataset["test"], "labels"), strict=True)
    effusion = [categories for categories, labels in pairs if names.index("Effusion") in labels]
    assert effusion and all("pleural effusion" in categories for categories in effusion)

    train_patients = set(column(dataset["train"], "patient_id"))
    validation_patients = set(column(dataset["validation"], "patient_id"))
    assert validation_patients and not train_patients & validation_patients


def test_damaged_rows_are_skipped(nih_official: Path, tmp_path: Path) -> None:
    layout = tmp_path / "nih"
    shutil.copytree(nih_official, layout, symlinks=True)
    entries = layout / "Data_Entry_2017_v2020.csv"
    with entries.open(newline="") as handle:
        first = next(csv.DictReader(handle))
    images = layout / "images_001" / "images"
    (images / "99999999_000.png").write_bytes(b"\x89PNG broken")
    (images / "99999998_000.png").symlink_to(images / first["Image Index"])
    (images / "99999997_000.png").symlink_to(images / first["Image Index"])
    damaged = [
        ("99999999_000.png", "No Finding", "99999999"),
        ("99999998_000.png", "No Finding", "not-a-number"),
        ("99999997_000.png", "Alien", "99999997"),
        ("99999996_000.png", "Mass", "99999996"),
    ]
    with entries.open("a", newline="") as handle:
        for name, labels, patient in damaged:
            csv.writer(handle).writerow([name, labels, "0", patient, "50", "M", "PA", "64", "64", "0.1", "0.1"])
    with (layout / "test_list.txt").open("a") as handle:
        handle.write("\n".join(name for name, _, _ in damaged) + "\n")
    dataset, builder = run_builder(NIHChestXray14, layout, tmp_path / "cache")
    reasons = {entry.source.split("(")[-1].rstrip(")"): entry.reason for entry in builder.skips}
    assert reasons["99999999_000.png"].startswith("unreadable image")
    assert reasons["99999998_000.png"] == "missing or invalid patient id"
    assert reasons["99999997_000.png"].startswith("unknown or missing labels")
    assert reasons["99999996_000.png"].startswith("image not found")
    assert len(reasons) == 4
    assert not {name for name, _, _ in damaged} & set(column(dataset["test"], "image_id"))
