from __future__ import annotations

import csv
import json
import random
import shutil
from collections import Counter
from pathlib import Path

import pytest

from datasets_builders.vindr_cxr import VinDrCXR
from medfilip.cli import main

from .conftest import column, run_builder
from .synthetic_images import dicom_template, real_pixels, write_dicom

FINDINGS = ("Aortic enlargement", "Pleural thickening", "Nodule/Mass", "Cardiomegaly", "Pleural effusion")
COLUMNS = ["image_id", "class_name", "class_id", "rad_id", "x_min", "y_min", "x_max", "y_max"]
DAMAGED = ("unknown-class", "bad-box", "missing-image", "corrupt-image", "bad/id")


def _readings(generator: random.Random, image_id: str, readers: list[str]) -> list[list[str]]:
    """Each reader's rows for one image: "No finding", or one or two findings with boxes."""
    rows = []
    for reader in readers:
        marked = generator.sample(FINDINGS, generator.randint(0, 2))
        if not marked:
            rows.append([image_id, "No finding", "14", reader, "", "", "", ""])
        for name in marked:
            x, y = generator.randint(0, 900), generator.randint(0, 900)
            rows.append([image_id, name, str(FINDINGS.index(name)), reader, str(x), str(y), str(x + 50), str(y + 60)])
    return rows


def _write_table(path: Path, rows: list[list[str]], columns: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    keep = [COLUMNS.index(name) for name in columns]
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows([columns, *([row[i] for i in keep] for row in rows)])


def _expected(rows: list[list[str]]) -> dict[str, dict[str, int]]:
    """image -> label -> distinct radiologists, by the any-radiologist rule, computed from the written rows."""
    marks: dict[str, dict[str, set[str]]] = {}
    for image_id, name, _, reader, *_ in rows:
        marks.setdefault(image_id, {}).setdefault(name, set()).add(reader)
    expected = {}
    for image_id, by_label in marks.items():
        findings = {name: len(readers) for name, readers in by_label.items() if name != "No finding"}
        expected[image_id] = findings or {"No finding": len(by_label["No finding"])}
    return expected


@pytest.fixture
def vindr_layout(data_root: Path, tmp_path: Path) -> tuple[Path, dict[str, list[list[str]]]]:
    """Kaggle-style `train.csv`/`test.csv` with DICOMs of real pixels; rows shuffled; damaged images added."""
    layout = tmp_path / "vindr"
    generator = random.Random(11)
    template = dicom_template(data_root)
    pixels = iter(real_pixels(data_root, 36))
    tables: dict[str, list[list[str]]] = {"train": [], "test": []}
    for split, count in (("train", 24), ("test", 8)):
        for _ in range(count):
            image_id = f"{generator.getrandbits(128):032x}"
            write_dicom(template, next(pixels), layout / split / f"{image_id}.dicom", "", None)
            readers = generator.sample([f"R{n}" for n in range(1, 18)], 3) if split == "train" else ["R10"]
            tables[split] += _readings(generator, image_id, readers)
    damaged = [
        ["unknown-class", "Alien", "99", "R1", "1", "1", "2", "2"],
        ["bad-box", "Nodule/Mass", "8", "R2", "left", "1", "2", "2"],
        ["missing-image", "No finding", "14", "R3", "", "", "", ""],
        ["corrupt-image", "No finding", "14", "R3", "", "", "", ""],
        ["bad/id", "No finding", "14", "R3", "", "", "", ""],
    ]
    for name in ("unknown-class", "bad-box", "corrupt-image"):
        (layout / "train" / f"{name}.dicom").write_bytes(b"\0" * 128 + b"DICM broken")
    written = {split: list(rows) for split, rows in tables.items()}
    written["train"] += damaged
    for split, rows in written.items():
        random.Random(5).shuffle(rows)
        _write_table(layout / f"{split}.csv", rows, COLUMNS)
    return layout, tables


def _built(dataset) -> dict[str, dict[str, int]]:
    names = dataset[next(iter(dataset))].features["labels"].feature.names
    built = {}
    for split in dataset:
        for image_id, labels, votes in zip(
            *(column(dataset[split], name) for name in ("image_id", "labels", "votes")), strict=True
        ):
            built[image_id] = {names[i]: count for i, count in zip(labels, votes, strict=True)}
    return built


def test_any_radiologist_labels_votes_boxes_and_official_test(vindr_layout, tmp_path: Path) -> None:
    layout, tables = vindr_layout
    dataset, builder = run_builder(VinDrCXR, layout, tmp_path / "cache")
    assert set(dataset) == {"train", "validation", "test"}
    expected_train, expected_test = _expected(tables["train"]), _expected(tables["test"])
    assert set(column(dataset["test"], "image_id")) == set(expected_test)
    assert _built(dataset) == expected_train | expected_test
    train_ids = [set(column(dataset[split], "image_id")) for split in ("train", "validation")]
    assert train_ids[1] and not train_ids[0] & train_ids[1] and train_ids[0] | train_ids[1] == set(expected_train)

    counts = Counter(label for labels in expected_train.values() for label in labels)
    names = dataset["train"].features["labels"].feature.names
    built_counts = Counter(names[i] for s in ("train", "validation") for ls in column(dataset[s], "labels") for i in ls)
    assert built_counts == counts and counts["No finding"] > 0 and counts["Nodule/Mass"] > 0

    boxes_by_image = Counter(row[0] for row in tables["train"] if row[1] != "No finding")
    radiologists = {row[0]: set() for row in tables["train"]}
    for row in tables["train"]:
        radiologists[row[0]].add(row[3])
    category_of = {name: name.lower() for name in FINDINGS} | {"Nodule/Mass": "nodule", "No finding": "no finding"}
    for split in ("train", "validation"):
        for image_id, labels, categories, boxes, readers in zip(
            *(column(dataset[split], c) for c in ("image_id", "labels", "categories", "boxes", "radiologists")),
            strict=True,
        ):
            assert len(boxes) == boxes_by_image[image_id] and set(readers) == radiologists[image_id]
            assert all(box["x_max"] - box["x_min"] == 50 and box["y_max"] - box["y_min"] == 60 for box in boxes)
            assert categories == [category_of[names[label]] for label in labels]

    reasons = {entry.source.split("(")[-1].rstrip(")"): entry.reason for entry in builder.skips}
    assert reasons["unknown-class"].startswith("unknown class name: 'Alien' on line")
    assert reasons["bad-box"].startswith("box coordinates are not numbers: line")
    assert reasons["missing-image"].startswith("image not found") and "missing-image.dicom" in reasons["missing-image"]
    assert reasons["corrupt-image"].startswith("unreadable image")
    assert reasons["bad/id"] == "missing or invalid patient id"
    assert len(reasons) == len(DAMAGED)


def test_physionet_layout_without_a_test_table_is_split_by_hash(vindr_layout, tmp_path: Path) -> None:
    layout, tables = vindr_layout
    physionet = tmp_path / "physionet"
    shutil.copytree(layout / "train", physionet / "train")
    shutil.copytree(layout / "test", physionet / "test")
    rows = tables["train"]
    _write_table(physionet / "annotations" / "annotations_train.csv", rows, [c for c in COLUMNS if c != "class_id"])
    dataset, builder = run_builder(VinDrCXR, physionet, tmp_path / "cache", split_seed=3)
    assert set(dataset) == {"train", "validation", "test"} and len(builder.skips) == 0
    assert _built(dataset) == _expected(rows)
    ids = [set(column(dataset[split], "image_id")) for split in dataset]
    assert sum(map(len, ids)) == len(set().union(*ids)) == len(_expected(rows))


def test_build_dataset_command_states_the_aggregation_in_the_card(
    vindr_layout, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layout, tables = vindr_layout
    output = tmp_path / "out"
    assert main(["build-dataset", "vindr", "--data-dir", str(layout), "--output", str(output)]) == 0
    printed = capsys.readouterr().out
    assert f"test: {len(_expected(tables['test']))} rows" in printed and f"skipped: {len(DAMAGED)}" in printed
    card = (output / "README.md").read_text()
    assert "A finding is a label when any radiologist marked it" in card
    assert "- `Nodule/Mass` -> nodule, mass" in card and "official test split" in card
    summary = json.loads((output / "build_summary.json").read_text())
    assert summary["label_counts"]["test"]["labels"] == dict(
        Counter(label for labels in _expected(tables["test"]).values() for label in labels)
    )
