"""NIH ChestX-ray14 in its release layout: `Data_Entry_2017*.csv`, `images*/`, `train_val_list.txt`, `test_list.txt`.

Labels are the 14 `Finding Labels` (`|`-separated; `No Finding` is the empty set), mapped to knowledge
dictionary categories through the `chestxray14` label set. The official test list is kept; validation
is held out of `train_val_list.txt` by patient. Without the list files, patients are split by hash.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from pathlib import Path

import datasets

from datasets_builders.base import ChestXrayBuilder, SkipRecord, SourceRecord
from processing.findings import NO_FINDING
from processing.knowledge import load_knowledge_dictionary

NO_FINDING_LABEL = "No Finding"
SPLIT_LISTS = {"train": "train_val_list.txt", "test": "test_list.txt"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}


def index_images(data_dir: Path) -> dict[str, Path]:
    """Image file name -> path for every image under the `images*` folders (any depth)."""
    index: dict[str, Path] = {}
    for folder in sorted(data_dir.glob("images*")):
        if not folder.is_dir():
            continue
        for root, _, files in os.walk(folder):
            for name in files:
                if Path(name).suffix.lower() in IMAGE_SUFFIXES:
                    index.setdefault(name, Path(root) / name)
    return index


class NIHChestXray14(ChestXrayBuilder):
    """Frontal chest X-rays with 14 multi-label findings mined from reports (NIH Clinical Center)."""

    NAME = "nih-chestxray14"
    DEFAULT_FOLDER = "nih_chestxray14"
    TITLE = "NIH ChestX-ray14"
    SOURCE = "https://nihcc.app.box.com/v/ChestXray-NIHCC"
    LICENSE = "unrestricted use with citation of the NIH Clinical Center and Wang et al. 2017"
    CITATION = "Wang et al., ChestX-ray8: Hospital-scale Chest X-ray Database and Benchmarks, CVPR 2017."
    LABEL_COLUMNS = ("labels",)
    SPLIT_POLICY = (
        "official test_list.txt kept as test; validation held out of train_val_list.txt by patient; "
        "without the list files, patients split train/validation/test by seeded hash"
    )

    def __init__(self, *args, **kwargs) -> None:
        self.label_set = load_knowledge_dictionary().label_set("chestxray14")
        self.LABEL_MAPPING = {label: list(categories) for label, categories in self.label_set.items()}
        self.LABEL_MAPPING[NO_FINDING_LABEL] = [NO_FINDING]
        super().__init__(*args, **kwargs)

    def extra_features(self) -> dict:
        return {
            "labels": datasets.List(datasets.ClassLabel(names=list(self.label_set))),
            "categories": datasets.List(datasets.Value("string")),
            "patient_age": datasets.Value("int32"),
            "patient_sex": datasets.Value("string"),
        }

    def official_splits(self, data_dir: Path) -> list[str]:
        if all((data_dir / name).is_file() for name in SPLIT_LISTS.values()):
            return list(SPLIT_LISTS)
        return []

    def _official_split_of(self, data_dir: Path) -> dict[str, str]:
        split_of: dict[str, str] = {}
        if self.official_splits(data_dir):
            for split, name in SPLIT_LISTS.items():
                for line in (data_dir / name).read_text(encoding="utf-8").splitlines():
                    if line.strip():
                        split_of[line.strip()] = split
        return split_of

    def records(self, data_dir: Path) -> Iterator[SourceRecord | SkipRecord]:
        entry_files = sorted(data_dir.glob("Data_Entry_2017*.csv"))
        if not entry_files:
            raise FileNotFoundError(f"{data_dir}: no Data_Entry_2017*.csv label file")
        images = index_images(data_dir)
        split_of = self._official_split_of(data_dir)
        for entry_file in entry_files:
            with entry_file.open(encoding="utf-8", newline="") as handle:
                for line, row in enumerate(csv.DictReader(handle), start=2):
                    yield self._record(row, f"{entry_file.name}:{line}", images, split_of)

    def _record(
        self, row: dict[str, str], source: str, images: dict[str, Path], split_of: dict[str, str]
    ) -> SourceRecord | SkipRecord:
        name = (row.get("Image Index") or "").strip()
        source = f"{source} ({name or 'no image index'})"
        labels = [label.strip() for label in (row.get("Finding Labels") or "").split("|") if label.strip()]
        unknown = [label for label in labels if label != NO_FINDING_LABEL and label not in self.label_set]
        if not labels or unknown:
            return SkipRecord(source, f"unknown or missing labels: {unknown or 'empty Finding Labels'}")
        labels = [label for label in labels if label != NO_FINDING_LABEL]
        patient = (row.get("Patient ID") or "").strip()
        official = split_of.get(name) if split_of else None
        if split_of and official is None:
            return SkipRecord(source, "image in neither train_val_list.txt nor test_list.txt")
        age = (row.get("Patient Age") or "").strip().rstrip("Y")
        return SourceRecord(
            source=source,
            image_id=name,
            patient_id=patient if patient.isdigit() else None,
            image_path=images.get(name),
            official_split=official,
            study_id=Path(name).stem,
            view_position=(row.get("View Position") or "").strip() or None,
            fields={
                "labels": labels,
                "categories": [self.label_set[label][0] for label in labels] or [NO_FINDING],
                "patient_age": int(age) if age.isdigit() else None,
                "patient_sex": (row.get("Patient Gender") or "").strip() or None,
            },
        )
