"""RSNA Pneumonia Detection Challenge in its release layout: `stage_2_train_labels.csv` + `stage_2_train_images/`.

The labels file has one row per box (`patientId,x,y,width,height,Target`); an image with several boxes has
several rows, an image without a box one row with empty coordinates. Each `patientId` is one DICOM,
`stage_<n>_train_images/<patientId>.dcm`, and one patient. `Target` 1 is "Lung Opacity" (evidence of
pneumonia), 0 is "No Lung Opacity", which `stage_<n>_detailed_class_info.csv`, when present, divides into
"Normal" and "No Lung Opacity / Not Normal". The latest stage found (`stage_2`, else `stage_1`) is read.

Per image: `label` (Target), `detailed_class` (None without the class file), `categories` (knowledge
dictionary categories through the `rsna` label set; none for "Not Normal", which names no finding),
`boxes`, and the view position from the DICOM header. Rows of one image that disagree (Target 0 and 1,
a Target that is not 0/1, a box on a Target 0 row, a detailed class that contradicts Target, coordinates
that are not numbers) leave the image out, named in the skip log. The test images (`stage_<n>_test_images`)
have no labels and are not read.
The labelled release has no test split: patients are split train/validation/test by seeded hash.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import datasets

from datasets_builders.base import ChestXrayBuilder, SkipRecord, SourceRecord
from datasets_builders.dicom_header import view_position
from datasets_builders.release_files import grouped_rows, read_table, safe_id
from processing.findings import NO_FINDING
from processing.knowledge import load_knowledge_dictionary

TARGET_CLASSES = ("No Lung Opacity", "Lung Opacity")
NORMAL, NOT_NORMAL, OPACITY = "Normal", "No Lung Opacity / Not Normal", "Lung Opacity"
DETAILED_CLASSES = (NORMAL, NOT_NORMAL, OPACITY)
TARGET_OF_DETAILED = {NORMAL: 0, NOT_NORMAL: 0, OPACITY: 1}
BOX_COLUMNS = ("x", "y", "width", "height")

_LABELS_FILE = re.compile(r"^stage_(\d+)_train_labels\.csv$")


def latest_stage(data_dir: Path) -> int:
    """The highest `<n>` of the `stage_<n>_train_labels.csv` files in `data_dir`; FileNotFoundError if none."""
    stages = [int(match[1]) for path in data_dir.iterdir() if (match := _LABELS_FILE.match(path.name))]
    if not stages:
        raise FileNotFoundError(f"{data_dir}: no stage_<n>_train_labels.csv (RSNA Pneumonia labels file)")
    return max(stages)


class RSNAPneumonia(ChestXrayBuilder):
    """Adult chest X-rays (DICOM) labelled for lung opacity / pneumonia, with the opacity boxes."""

    NAME = "rsna"
    DEFAULT_FOLDER = "rsna_pneumonia"
    TITLE = "RSNA Pneumonia Detection Challenge (2018)"
    SOURCE = "https://www.kaggle.com/c/rsna-pneumonia-detection-challenge"
    LICENSE = "RSNA / Kaggle competition terms (non-commercial research use), images from NIH ChestX-ray14"
    CITATION = (
        "Shih et al., Augmenting the NIH Chest Radiograph Dataset with Expert Annotations of Possible "
        "Pneumonia, Radiology: AI 2019."
    )
    LABEL_COLUMNS = ("label", "detailed_class", "categories")
    LABEL_POLICY = (
        "One example per image (its rows give one Target). `label` is Target; `detailed_class` comes from "
        "the detailed class file when present (else empty); `boxes` are the image's opacity boxes."
    )
    SPLIT_POLICY = (
        "the labelled release has no test split: patients (`patientId`, one image each) split "
        "train/validation/test by seeded hash"
    )

    def __init__(self, *args, **kwargs) -> None:
        label_set = load_knowledge_dictionary().label_set("rsna")
        self.categories_of = {OPACITY: [label_set[OPACITY][0]], NORMAL: [NO_FINDING], NOT_NORMAL: []}
        self.LABEL_MAPPING = {
            OPACITY: list(label_set[OPACITY]),
            NORMAL: [NO_FINDING],
            NOT_NORMAL: ["none (abnormal, but no lung opacity: no single category)"],
        }
        super().__init__(*args, **kwargs)

    def extra_features(self) -> dict:
        box = {name: datasets.Value("float32") for name in BOX_COLUMNS}
        return {
            "label": datasets.ClassLabel(names=list(TARGET_CLASSES)),
            "detailed_class": datasets.ClassLabel(names=list(DETAILED_CLASSES)),
            "categories": datasets.List(datasets.Value("string")),
            "boxes": datasets.List(box),
        }

    def official_splits(self, data_dir: Path) -> list[str]:
        latest_stage(data_dir)  # a folder without a labels file fails here, before any split is written
        return []

    def records(self, data_dir: Path) -> Iterator[SourceRecord | SkipRecord]:
        stage = latest_stage(data_dir)
        labels_file = data_dir / f"stage_{stage}_train_labels.csv"
        images = data_dir / f"stage_{stage}_train_images"
        detailed = self._detailed_classes(data_dir / f"stage_{stage}_detailed_class_info.csv")
        for patient, rows in grouped_rows(labels_file, "patientId").items():
            lines = ",".join(str(line) for line, _ in rows)
            source = f"{labels_file.name}:{lines} ({patient or 'no patientId'})"
            yield self._record(patient, rows, source, images, detailed)

    def complete(self, record: SourceRecord) -> dict:
        view = view_position(record.image_path) if record.image_path is not None else None
        return {**record.fields, "view_position": view}

    def _detailed_classes(self, path: Path) -> dict[str, set[str]] | None:
        """patientId -> the detailed classes its rows give, or None when the release has no class file."""
        if not path.is_file():
            return None
        classes: dict[str, set[str]] = {}
        for _, row in read_table(path):
            classes.setdefault(row.get("patientId", ""), set()).add(row.get("class", ""))
        return classes

    def _record(
        self,
        patient: str,
        rows: list[tuple[int, dict[str, str]]],
        source: str,
        images: Path,
        detailed: dict[str, set[str]] | None,
    ) -> SourceRecord | SkipRecord:
        targets = {row.get("Target", "") for _, row in rows}
        if not targets <= {"0", "1"} or len(targets) != 1:
            return SkipRecord(source, f"invalid or conflicting Target values: {sorted(targets)}")
        target = int(targets.pop())
        boxes = []
        for line, row in rows:
            values = [row.get(name, "") for name in BOX_COLUMNS]
            if not any(values):
                continue
            try:
                boxes.append({name: float(value) for name, value in zip(BOX_COLUMNS, values, strict=True)})
            except ValueError:
                return SkipRecord(source, f"box coordinates are not numbers: line {line}: {values}")
        if target == 0 and boxes:
            return SkipRecord(source, "Target 0 with a box")
        detailed_class = None
        if detailed is not None:
            classes = detailed.get(patient, set())
            if len(classes) != 1 or next(iter(classes)) not in TARGET_OF_DETAILED:
                return SkipRecord(source, f"missing, unknown or conflicting detailed class: {sorted(classes)}")
            detailed_class = classes.pop()
            if TARGET_OF_DETAILED[detailed_class] != target:
                return SkipRecord(source, f"detailed class contradicts Target: {detailed_class!r} with Target {target}")
        checked = safe_id(patient)
        label = TARGET_CLASSES[target]
        return SourceRecord(
            source=source,
            image_id=patient,
            patient_id=checked,
            image_path=images / f"{checked}.dcm" if checked else None,
            study_id=patient,
            view_position=None,
            fields={
                "label": label,
                "detailed_class": detailed_class,
                "categories": self.categories_of.get(detailed_class or label, []),
                "boxes": boxes,
            },
        )
