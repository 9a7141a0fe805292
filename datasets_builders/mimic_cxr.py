"""MIMIC-CXR-JPG in its PhysioNet layout, as paired pre-training data: each image with its study's report.

Files: `mimic-cxr-2.0.0-split.csv.gz` (`dicom_id, study_id, subject_id, split`; required: it lists every
image), `mimic-cxr-2.0.0-metadata.csv.gz` (optional: `ViewPosition` per `dicom_id`), images
`files/p<first 2 digits>/p<subject_id>/s<study_id>/<dicom_id>.jpg`, and reports (from MIMIC-CXR's
`mimic-cxr-reports.zip`) `mimic-cxr-reports/files/p../p<subject_id>/s<study_id>.txt`, or the same `.txt`
next to the study's image folder. Uncompressed `.csv` tables are read too.

One example per image: ids (`patient_id` = subject_id, `study_id`, `image_id` = dicom_id, as the official
tables write them), view position, findings and captions (the pre-training base), and, with
`keep_report_text`, the report's sections. The official split (`train`/`validate`/`test`, by subject) is
kept, `validate` named `validation`.

Findings of a `medfilip extract` file are looked up by study, since one report belongs to one study: a
record's `id` is the report file's stem `s<study_id>` (the bare `<study_id>` is accepted too). Without
a file, the offline extractor reads the FINDINGS and IMPRESSION sections while building; reports are read
only then or with `keep_report_text`. An image whose report is needed but missing, unreadable or empty is
left out and named in the skip log, as is one whose study the findings file lacks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from datasets_builders.base import RecordSkipped, SkipRecord, SourceRecord
from datasets_builders.findings_source import ExtractedFindingsFile
from datasets_builders.mimic_reports import report_sections
from datasets_builders.pretraining import PretrainingBuilder
from datasets_builders.release_files import first_existing, read_table, safe_id

SPLIT_FILE = "mimic-cxr-2.0.0-split.csv"
METADATA_FILE = "mimic-cxr-2.0.0-metadata.csv"
REPORTS_FOLDER = "mimic-cxr-reports"
SPLIT_NAMES = {"train": "train", "validate": "validation", "test": "test"}


def table(data_dir: Path, name: str) -> Path | None:
    """`name.gz` or `name` in `data_dir`, or None."""
    return first_existing(data_dir, (f"{name}.gz", name))


def study_folder(subject_id: str, study_id: str) -> Path:
    """`files/p<first 2 digits>/p<subject>/s<study>`, relative to the release root."""
    return Path("files") / f"p{subject_id[:2]}" / f"p{subject_id}" / f"s{study_id}"


class MimicCxrJpg(PretrainingBuilder):
    """MIMIC-CXR-JPG images paired with their MIMIC-CXR reports, with findings and knowledge captions."""

    NAME = "mimic-cxr"
    DEFAULT_FOLDER = "mimic_cxr_jpg"
    TITLE = "MIMIC-CXR-JPG with MIMIC-CXR reports"
    SOURCE = "https://physionet.org/content/mimic-cxr-jpg/ (reports: https://physionet.org/content/mimic-cxr/)"
    LICENSE = "PhysioNet Credentialed Health Data License 1.5.0 (credentialed access, data use agreement)"
    CITATION = (
        "Johnson et al., MIMIC-CXR-JPG, a large publicly available database of labeled chest radiographs, "
        "arXiv:1901.07042, 2019; Johnson et al., MIMIC-CXR, Scientific Data 2019."
    )
    SPLIT_POLICY = (
        "the official split of mimic-cxr-2.0.0-split.csv (by subject) kept, `validate` named `validation`; "
        "a validation split is held out of train by subject only when the file has no `validate` rows"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._splits: list[str] | None = None
        self._views: dict[str, str] | None = None

    def official_splits(self, data_dir: Path) -> list[str]:
        if self._splits is None:
            found = {row.get("split", "") for _, row in read_table(self._split_file(data_dir))}
            self._splits = [SPLIT_NAMES[name] for name in SPLIT_NAMES if name in found]
        return self._splits

    def _split_file(self, data_dir: Path) -> Path:
        path = table(data_dir, SPLIT_FILE)
        if path is None:
            raise FileNotFoundError(f"{data_dir}: no {SPLIT_FILE}.gz (the MIMIC-CXR-JPG split file lists the images)")
        return path

    def _view_positions(self, data_dir: Path) -> dict[str, str]:
        """dicom_id -> ViewPosition from the metadata table (read once; empty without the table)."""
        if self._views is None:
            path = table(data_dir, METADATA_FILE)
            rows = read_table(path) if path is not None else iter(())
            self._views = {row.get("dicom_id", ""): row.get("ViewPosition", "") for _, row in rows}
        return self._views

    def records(self, data_dir: Path) -> Iterator[SourceRecord | SkipRecord]:
        split_file = self._split_file(data_dir)
        views = self._view_positions(data_dir)
        for line, row in read_table(split_file):
            dicom_id, study, subject = (row.get(key, "") for key in ("dicom_id", "study_id", "subject_id"))
            source = f"{split_file.name}:{line} ({dicom_id or 'no dicom_id'})"
            image_id, study = safe_id(dicom_id), study if study.isdigit() else None
            if image_id is None or study is None:
                yield SkipRecord(source, f"invalid dicom_id or study_id: {dicom_id!r}, {row.get('study_id')!r}")
                continue
            patient = subject if subject.isdigit() else None
            folder = data_dir / study_folder(subject, study) if patient else None
            split = row.get("split", "")
            yield SourceRecord(
                source=source,
                image_id=image_id,
                patient_id=patient,
                image_path=folder / f"{image_id}.jpg" if folder else None,
                official_split=SPLIT_NAMES.get(split, split),
                study_id=study,
                view_position=views.get(image_id) or None,
                fields={"report_ids": [f"s{study}", study]},
            )

    def complete(self, record: SourceRecord) -> dict[str, Any]:
        if isinstance(self.findings_source, ExtractedFindingsFile) and not self.config.keep_report_text:
            return super().complete(record)
        sections = report_sections(self._report_text(record))
        return super().complete(replace(record, fields={**record.fields, "report_sections": sections}))

    def _report_text(self, record: SourceRecord) -> str:
        """The text of the record's study report; raises `RecordSkipped` when it is missing or unreadable."""
        data_dir = self.data_path()
        relative = study_folder(record.patient_id or "", record.study_id or "").with_suffix(".txt")
        candidates = (data_dir / REPORTS_FOLDER / relative, data_dir / relative)
        report = next((path for path in candidates if path.is_file()), None)
        if report is None:
            raise RecordSkipped(f"report not found: {candidates[0]}")
        try:
            return report.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise RecordSkipped(f"unreadable report: {report}: {error}") from error
