from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from PIL import Image

from datasets_builders.kermany import KermanyPneumonia

from .conftest import column, run_builder


def _expected(folder: Path) -> dict[str, str]:
    """Readable, well-named files under `folder` -> class, listed independently of the builder."""
    expected = {}
    for path in folder.glob("*/*.jpeg"):
        if path.stat().st_size > 100 and (path.name.startswith(("person", "IM-", "NORMAL2-"))):
            expected[path.stem] = path.parent.name
    return expected


def _patient(image_id: str) -> str:
    stem = image_id.rsplit("/", 1)[-1]
    return stem.split("_")[0] if stem.startswith("person") else re.match(r".*?IM-\d+", stem).group(0)


def test_official_folders_validation_by_patient_and_damaged_files(kermany_copy: Path, tmp_path: Path) -> None:
    dataset, builder = run_builder(KermanyPneumonia, kermany_copy, tmp_path / "cache", validation_fraction=0.3)
    assert set(dataset) == {"train", "validation", "test"}

    expected_train = _expected(kermany_copy / "train")
    expected_test = _expected(kermany_copy / "test")
    train_ids = column(dataset["train"], "image_id") + column(dataset["validation"], "image_id")
    assert sorted(i.rsplit("/", 1)[-1] for i in train_ids) == sorted(expected_train)
    assert sorted(i.rsplit("/", 1)[-1] for i in column(dataset["test"], "image_id")) == sorted(expected_test)

    names = dataset["test"].features["label"].names
    counts = Counter(names[i] for i in column(dataset["test"], "label"))
    assert counts == Counter(expected_test.values())
    types = dataset["train"].features["pneumonia_type"].names
    for split in ("train", "validation"):
        pairs = zip(column(dataset[split], "image_id"), column(dataset[split], "pneumonia_type"), strict=True)
        for image_id, kind in pairs:
            expected_type = "bacteria" if "_bacteria_" in image_id else "virus" if "_virus_" in image_id else "none"
            assert types[kind] == expected_type

    train_patients = {_patient(i) for i in column(dataset["train"], "image_id")}
    validation_patients = {_patient(i) for i in column(dataset["validation"], "image_id")}
    assert train_patients and validation_patients and not train_patients & validation_patients
    assert set(column(dataset["train"], "patient_id")) == train_patients

    skipped = {entry.source: entry.reason for entry in builder.skips}
    assert skipped["train/PNEUMONIA/person9999_bacteria_1.jpeg"].startswith("unreadable image")
    assert skipped["train/PNEUMONIA/person9998_virus_2.jpeg"].startswith("unreadable image")
    assert skipped["train/NORMAL/scan-without-patient.jpeg"].startswith("missing or invalid patient id")
    assert len(skipped) == 3


def test_split_seed_changes_the_validation_patients(kermany_copy: Path, tmp_path: Path) -> None:
    first, _ = run_builder(KermanyPneumonia, kermany_copy, tmp_path / "a", validation_fraction=0.5, split_seed=1)
    second, _ = run_builder(KermanyPneumonia, kermany_copy, tmp_path / "b", validation_fraction=0.5, split_seed=2)
    again, _ = run_builder(KermanyPneumonia, kermany_copy, tmp_path / "c", validation_fraction=0.5, split_seed=1)
    ids = [sorted(column(d["validation"], "image_id")) for d in (first, second, again)]
    assert ids[0] == ids[2] and ids[0] != ids[1]


def test_stored_images_decode_to_the_source_files(kermany_copy: Path, tmp_path: Path) -> None:
    dataset, _ = run_builder(KermanyPneumonia, kermany_copy, tmp_path / "cache", max_rows=3)
    assert all(n <= 3 for n in dataset.num_rows.values())
    example = dataset["test"][0]
    folder, label, stem = example["image_id"].split("/")
    source = kermany_copy / folder / label / f"{stem}.jpeg"
    assert example["image"].size == Image.open(source).size
    assert dataset["test"].data.column("image").to_pylist()[0]["bytes"] == source.read_bytes()
