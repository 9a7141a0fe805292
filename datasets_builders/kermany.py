"""Kermany pediatric pneumonia (Kermany et al. 2018) in its release layout: `{train,val,test}/{NORMAL,PNEUMONIA}/`.

The class is the folder; pneumonia files are named `person<N>_<bacteria|virus>_<k>.jpeg`, normal files
`[<batch>-]IM-<N>-<k>[-<k>].jpeg`, and the part before the image number is the patient. The release's
own splits are kept; a validation split is held out of `train` by patient when the release has no `val`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import datasets

from datasets_builders.base import ChestXrayBuilder, SkipRecord, SourceRecord

CLASS_FOLDERS = ("NORMAL", "PNEUMONIA")
SPLIT_FOLDERS = {"train": "train", "val": "validation", "test": "test"}
PNEUMONIA_TYPES = ("none", "bacteria", "virus")
IMAGE_SUFFIXES = {".jpeg", ".jpg", ".png"}

_PNEUMONIA_FILE = re.compile(r"^(?P<patient>person\d+)_(?P<type>bacteria|virus)_\d+(?:_\d+)*$", re.IGNORECASE)
_NORMAL_FILE = re.compile(r"^(?P<patient>(?:[A-Za-z0-9]+-)?IM-\d+)-\d+(?:-\d+)*$", re.IGNORECASE)


def parse_kermany_name(stem: str, folder: str) -> tuple[str, str] | None:
    """(patient id, pneumonia type) from a file stem in class `folder`, or None if the name has no patient."""
    if folder == "PNEUMONIA":
        match = _PNEUMONIA_FILE.match(stem)
        return (match["patient"].lower(), match["type"].lower()) if match else None
    match = _NORMAL_FILE.match(stem)
    return (match["patient"].upper(), "none") if match else None


class KermanyPneumonia(ChestXrayBuilder):
    """Pediatric chest X-rays, normal vs pneumonia, with the bacterial/viral type from the file name."""

    NAME = "kermany"
    DEFAULT_FOLDER = "kermany_pneumonia"
    TITLE = "Kermany pediatric pneumonia chest X-rays (Guangzhou Women and Children's Medical Center)"
    SOURCE = "https://data.mendeley.com/datasets/rscbjbr9sj/2"
    LICENSE = "CC BY 4.0"
    CITATION = (
        "Kermany et al., Identifying Medical Diagnoses and Treatable Diseases by Image-Based Deep Learning, Cell 2018."
    )
    LABEL_COLUMNS = ("label", "pneumonia_type")
    LABEL_MAPPING = {
        "NORMAL": ["no finding"],
        "PNEUMONIA": ["pneumonia"],
        "bacteria": ["pneumonia", "bacterial pneumonia"],
        "virus": ["pneumonia", "viral pneumonia"],
    }
    SPLIT_POLICY = (
        "official train/val/test folders kept; when there is no val folder, a validation split is held out "
        "of train by patient (file-name patient id)"
    )

    def extra_features(self) -> dict:
        return {
            "label": datasets.ClassLabel(names=list(CLASS_FOLDERS)),
            "pneumonia_type": datasets.ClassLabel(names=list(PNEUMONIA_TYPES)),
            "categories": datasets.List(datasets.Value("string")),
        }

    def official_splits(self, data_dir: Path) -> list[str]:
        return [split for folder, split in SPLIT_FOLDERS.items() if (data_dir / folder).is_dir()]

    def records(self, data_dir: Path) -> Iterator[SourceRecord | SkipRecord]:
        for folder, split in SPLIT_FOLDERS.items():
            for label in CLASS_FOLDERS:
                class_dir = data_dir / folder / label
                if not class_dir.is_dir():
                    continue
                for path in sorted(class_dir.iterdir()):
                    if path.name.startswith(".") or path.suffix.lower() not in IMAGE_SUFFIXES:
                        continue
                    source = str(path.relative_to(data_dir))
                    parsed = parse_kermany_name(path.stem, label)
                    if parsed is None:
                        yield SkipRecord(source, "missing or invalid patient id: file name has no patient number")
                        continue
                    patient, pneumonia_type = parsed
                    key = label if pneumonia_type == "none" else pneumonia_type
                    yield SourceRecord(
                        source=source,
                        image_id=f"{folder}/{label}/{path.stem}",
                        patient_id=patient,
                        image_path=path,
                        official_split=split,
                        fields={
                            "label": label,
                            "pneumonia_type": pneumonia_type,
                            "categories": self.LABEL_MAPPING[key],
                        },
                    )
