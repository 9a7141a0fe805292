"""VinDr-CXR in its release layouts: radiologists' finding rows per image, DICOMs named by image id.

Tables, one row per radiologist per finding (`image_id, class_name, [class_id,] rad_id, x_min, y_min,
x_max, y_max`; a "No finding" row has no box): the Kaggle layout's `train.csv` (and `test.csv` when a
labelled copy is present), or PhysioNet's `annotations/annotations_{train,test}.csv`. Images:
`train/<image_id>.dicom` and `test/<image_id>.dicom` (`.dcm`, `.png`, `.jpg` accepted too).

Aggregation (one example per image): a finding is a label of the image when any radiologist marked it;
`votes[i]` is how many distinct radiologists marked `labels[i]`, so a stricter rule (e.g. a majority of
`radiologists`) can be applied later. "No finding" is the label exactly when no radiologist marked a
finding. Every box is kept with its radiologist. Class names map to knowledge dictionary categories
through the `vindr` label set; an image with a class name outside it, or a box that is not numbers, is
left out and named in the skip log.

The release has no patient ids (one image per study, identities removed): each image is its own patient.
A labelled test table is kept as the official test split (validation held out of train by image); without
one, images are split train/validation/test by seeded hash.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import datasets

from datasets_builders.base import ChestXrayBuilder, SkipRecord, SourceRecord
from datasets_builders.dicom_header import view_position
from datasets_builders.release_files import first_existing, grouped_rows, safe_id
from processing.knowledge import load_knowledge_dictionary

NO_FINDING_LABEL = "No finding"
TABLES = {
    "train": ("train.csv", "annotations/annotations_train.csv"),
    "test": ("test.csv", "annotations/annotations_test.csv"),
}
IMAGE_SUFFIXES = (".dicom", ".dcm", ".png", ".jpg", ".jpeg")
BOX_COLUMNS = ("x_min", "y_min", "x_max", "y_max")


def table_path(data_dir: Path, split: str) -> Path | None:
    """The finding table of `split` in either release layout, or None."""
    return first_existing(data_dir, TABLES[split])


class VinDrCXR(ChestXrayBuilder):
    """Chest X-rays read by several radiologists each, with local findings and their boxes (Vingroup)."""

    NAME = "vindr"
    DEFAULT_FOLDER = "vindr_cxr"
    TITLE = "VinDr-CXR"
    SOURCE = "https://physionet.org/content/vindr-cxr/"
    LICENSE = "PhysioNet Credentialed Health Data License 1.5.0 (also on Kaggle under the competition rules)"
    CITATION = (
        "Nguyen et al., VinDr-CXR: An open dataset of chest X-rays with radiologist's annotations, "
        "Scientific Data 2022."
    )
    LABEL_COLUMNS = ("labels",)
    LABEL_POLICY = (
        "One example per image. A finding is a label when any radiologist marked it; `votes[i]` counts the "
        "distinct radiologists who marked `labels[i]` (of `radiologists`), so a majority rule can be applied "
        "later. `No finding` is the label exactly when no radiologist marked a finding. `boxes` keeps every "
        "radiologist's box. `categories[i]` is the first dictionary category of `labels[i]`."
    )
    SPLIT_POLICY = (
        "a labelled test table (`test.csv` or `annotations/annotations_test.csv`) is the official test split, "
        "validation held out of train; without one, images split train/validation/test by seeded hash. "
        "No patient ids in the release: each image is its own patient"
    )

    def __init__(self, *args, **kwargs) -> None:
        self.label_set = load_knowledge_dictionary().label_set("vindr")
        self.LABEL_MAPPING = {label: list(categories) for label, categories in self.label_set.items()}
        super().__init__(*args, **kwargs)

    def extra_features(self) -> dict:
        box = {
            "label": datasets.ClassLabel(names=list(self.label_set)),
            "rad_id": datasets.Value("string"),
            **{name: datasets.Value("float32") for name in BOX_COLUMNS},
        }
        return {
            "labels": datasets.List(datasets.ClassLabel(names=list(self.label_set))),
            "votes": datasets.List(datasets.Value("int32")),
            "radiologists": datasets.List(datasets.Value("string")),
            "categories": datasets.List(datasets.Value("string")),
            "boxes": datasets.List(box),
        }

    def official_splits(self, data_dir: Path) -> list[str]:
        if table_path(data_dir, "train") is None:
            raise FileNotFoundError(f"{data_dir}: no VinDr-CXR finding table ({' or '.join(TABLES['train'])})")
        return ["train", "test"] if table_path(data_dir, "test") is not None else []

    def records(self, data_dir: Path) -> Iterator[SourceRecord | SkipRecord]:
        official = self.official_splits(data_dir)
        for split in ("train", "test"):
            table = table_path(data_dir, split)
            if table is None:
                continue
            for image_id, rows in grouped_rows(table, "image_id").items():
                lines = ",".join(str(line) for line, _ in rows)
                source = f"{table.relative_to(data_dir)}:{lines} ({image_id or 'no image_id'})"
                yield self._record(image_id, rows, source, data_dir / split, split if official else None)

    def complete(self, record: SourceRecord) -> dict:
        view = view_position(record.image_path) if record.image_path is not None else None
        return {**record.fields, "view_position": view}

    def _record(
        self, image_id: str, rows: list[tuple[int, dict[str, str]]], source: str, images: Path, split: str | None
    ) -> SourceRecord | SkipRecord:
        readers: dict[str, set[str]] = {}
        boxes = []
        for line, row in rows:
            label, reader = row.get("class_name", ""), row.get("rad_id", "")
            if label not in self.label_set:
                return SkipRecord(source, f"unknown class name: {label!r} on line {line}")
            readers.setdefault(label, set()).add(reader)
            values = [row.get(name, "") for name in BOX_COLUMNS]
            if label == NO_FINDING_LABEL or not any(values):
                continue
            try:
                coordinates = {name: float(value) for name, value in zip(BOX_COLUMNS, values, strict=True)}
            except ValueError:
                return SkipRecord(source, f"box coordinates are not numbers: line {line}: {values}")
            boxes.append({"label": label, "rad_id": reader, **coordinates})
        found = [label for label in self.label_set if label in readers and label != NO_FINDING_LABEL]
        labels = found or [NO_FINDING_LABEL]
        checked = safe_id(image_id)
        image_path = None
        if checked:
            names = [f"{checked}{suffix}" for suffix in IMAGE_SUFFIXES]
            image_path = first_existing(images, names) or images / names[0]
        return SourceRecord(
            source=source,
            image_id=image_id,
            patient_id=checked,
            image_path=image_path,
            official_split=split,
            study_id=image_id,
            fields={
                "labels": labels,
                "votes": [len(readers[label]) for label in labels],
                "radiologists": sorted(reader for reader in set().union(*readers.values()) if reader),
                "categories": [self.label_set[label][0] for label in labels],
                "boxes": boxes,
            },
        )
