"""Fixtures: small copies of the real folders in their release layouts, with damaged inputs added."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from datasets_builders.base import ChestXrayBuilder


def run_builder(builder_class: type[ChestXrayBuilder], data_dir: Path, cache_dir: Path, **options):
    """Prepare `builder_class` on `data_dir`; returns (DatasetDict, builder)."""
    builder = builder_class(data_dir=str(data_dir), cache_dir=str(cache_dir), **options)
    builder.download_and_prepare()
    return builder.prepared_dataset(), builder


def column(dataset, name: str) -> list:
    """A column's stored values without decoding images (ClassLabel as ints)."""
    return dataset.data.column(name).to_pylist()


@pytest.fixture
def kermany_copy(data_root: Path, tmp_path: Path) -> Path:
    """`train/` and `test/` with a few real files per class, several images of one patient, and damaged files."""
    source = data_root / "kermany_pneumonia" / "train"
    target = tmp_path / "kermany"
    for split, offset in (("train", 0), ("test", 40)):
        for label in ("NORMAL", "PNEUMONIA"):
            files = sorted(path for path in (source / label).iterdir() if not path.name.startswith("."))
            (target / split / label).mkdir(parents=True)
            for path in files[offset : offset + 14]:
                shutil.copy(path, target / split / label / path.name)
    damaged = target / "train" / "PNEUMONIA"
    (damaged / "person9999_bacteria_1.jpeg").write_bytes(b"not a jpeg")
    (damaged / "person9998_virus_2.jpeg").write_bytes(b"")
    shutil.copy(next((source / "NORMAL").iterdir()), target / "train" / "NORMAL" / "scan-without-patient.jpeg")
    return target


@pytest.fixture(scope="session")
def nih_official(data_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """nih1000 in the NIH release layout: `Data_Entry_2017_v2020.csv`, `images_001/images/`, the split lists."""
    source = data_root / "nih1000"
    target = tmp_path_factory.mktemp("nih")
    images = target / "images_001" / "images"
    images.mkdir(parents=True)
    entries, lists = [], {"train_val_list.txt": [], "test_list.txt": []}
    for split, list_name in (("train", "train_val_list.txt"), ("valid", "test_list.txt")):
        with (source / f"{split}.csv").open(newline="") as handle:
            for row in csv.DictReader(handle):
                name = Path(row["image"]).name
                (images / name).symlink_to(source / row["image"])
                lists[list_name].append(name)
                entries.append(
                    [name, row["labels"], str(int(name.split("_")[1][:3])), row["patient_id"], row["age"], row["sex"]]
                    + [row["view"], "64", "64", "0.143", "0.143"]
                )
    header = (
        "Image Index,Finding Labels,Follow-up #,Patient ID,Patient Age,Patient Gender,View Position,"
        "OriginalImage[Width,Height],OriginalImagePixelSpacing[x,y]"
    )
    with (target / "Data_Entry_2017_v2020.csv").open("w", newline="") as handle:
        handle.write(header + "\n")
        csv.writer(handle).writerows(entries)
    for list_name, names in lists.items():
        (target / list_name).write_text("\n".join(names) + "\n")
    return target


@pytest.fixture
def covid_subset(data_root: Path, tmp_path: Path) -> Path:
    """The first 40 rows of the ieee8023 metadata with their images, plus a CT row, a row without patient id,
    a row whose image is missing and a row whose image is corrupt."""
    source = data_root / "covid_ieee8023"
    target = tmp_path / "covid"
    (target / "images").mkdir(parents=True)
    with (source / "metadata.csv").open(encoding="utf-8", errors="replace", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        rows = [row for _, row in zip(range(40), reader, strict=False)]
    for row in rows:
        shutil.copy(source / "images" / row["filename"], target / "images" / row["filename"])
    template = dict(rows[0])
    rows.append({**template, "modality": "CT", "filename": "ct-volume.png"})
    rows.append({**template, "patientid": " ", "filename": "no-patient.png"})
    rows.append({**template, "patientid": "9001", "filename": "missing-file.png"})
    rows.append({**template, "patientid": "9002", "filename": "corrupt.png"})
    for name in ("ct-volume.png", "no-patient.png"):
        shutil.copy(source / "images" / rows[0]["filename"], target / "images" / name)
    (target / "images" / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    with (target / "metadata.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return target
