"""Generic paired data: a CSV or JSONL manifest of images and reports (users' archives, IU X-ray / Open-i).

The manifest is the first of `manifest.jsonl`, `manifest.csv`, `reports.jsonl`, `reports.csv` in the
data dir. Per record: `image` or `images` (a path or a list; `|`-separated in CSV; relative to the data
dir or its `images/` folder; a name without suffix is tried as .png, .jpg, .jpeg, .dcm), `patient_id`,
optional `id`/`study_id`, `view_position` and `split` (train/validation/test: kept as given), and either
report text (`report`, or the sections `indication`, `comparison`, `findings`, `impression`) or ready
findings (`findings` as a list of finding records). One example per image, all with the record's findings.

Records whose images are not found are skipped unless `require_images` is off; then they give one
example with an empty image (Open-i's reports, which come without the films, are used this way for
the text side). A manifest without a `patient_id` column treats each record as its own patient; an
empty `patient_id` value skips the record.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from datasets_builders.base import SkipRecord, SourceRecord
from datasets_builders.pretraining import PretrainingBuilder
from processing.findings import Finding

MANIFEST_NAMES = ("manifest.jsonl", "manifest.csv", "reports.jsonl", "reports.csv")
SECTIONS = ("indication", "comparison", "findings", "impression", "report")
IMAGE_SUFFIXES = ("", ".png", ".jpg", ".jpeg", ".dcm")


def read_manifest(path: Path) -> Iterator[tuple[int, dict[str, Any] | None]]:
    """(line, record) for each record, streamed; None for a line that is not a JSON object."""
    with path.open(encoding="utf-8", newline="") as handle:
        if path.suffix == ".csv":
            for line, row in enumerate(csv.DictReader(handle), start=2):
                yield line, row
            return
        for line, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError:
                yield line, None
                continue
            yield line, record if isinstance(record, dict) else None


class PairedManifest(PretrainingBuilder):
    """Images with reports (or ready findings) listed in a manifest; findings and captions as for every set."""

    NAME = "manifest"
    DEFAULT_FOLDER = "openi_reports"
    TITLE = "Paired chest X-ray images and reports from a manifest"
    SOURCE = "the user's manifest"
    LICENSE = "that of the user's data"
    SPLIT_POLICY = "the manifest's `split` column when present, else patients split by seeded hash"

    def manifest_path(self, data_dir: Path) -> Path:
        for name in MANIFEST_NAMES:
            if (data_dir / name).is_file():
                return data_dir / name
        raise FileNotFoundError(f"{data_dir}: no manifest ({', '.join(MANIFEST_NAMES)})")

    def official_splits(self, data_dir: Path) -> list[str]:
        splits = {str(record.get("split") or "") for _, record in read_manifest(self.manifest_path(data_dir)) if record}
        return [name for name in ("train", "validation", "test") if name in splits]

    def _image_paths(self, data_dir: Path, value: Any) -> list[str]:
        if isinstance(value, str):
            return [part.strip() for part in value.split("|") if part.strip()]
        return [str(part) for part in value or []]

    def _find(self, data_dir: Path, name: str) -> Path | None:
        for folder in (data_dir, data_dir / "images"):
            for suffix in IMAGE_SUFFIXES:
                candidate = folder / f"{name}{suffix}"
                if candidate.is_file():
                    return candidate
        return None

    def records(self, data_dir: Path) -> Iterator[SourceRecord | SkipRecord]:
        manifest = self.manifest_path(data_dir)
        for line, record in read_manifest(manifest):
            source = f"{manifest.name}:{line}"
            if record is None:
                yield SkipRecord(source, "not a JSON object")
                continue
            record_id = str(record.get("id") or record.get("study_id") or line)
            source = f"{source} ({record_id})"
            patient = str(record["patient_id"]).strip() if "patient_id" in record else record_id
            ready = record.get("findings") if isinstance(record.get("findings"), list) else None
            fields: dict[str, Any] = {
                "report_sections": {name: str(record.get(name) or "") for name in SECTIONS if ready is None},
                "report_ids": [record_id],
            }
            if ready is not None:
                try:
                    fields["findings"] = [Finding.model_validate(item) for item in ready]
                except ValidationError as error:
                    yield SkipRecord(source, f"invalid findings: {str(error).splitlines()[0]}")
                    continue
            names = self._image_paths(data_dir, record.get("images", record.get("image")))
            found = [(name, self._find(data_dir, name)) for name in names]
            if not self.config.require_images and not any(path for _, path in found):
                found = [(record_id, None)]
            for name, path in found:
                yield SourceRecord(
                    source=source,
                    image_id=Path(name).stem if path is not None else name,
                    patient_id=patient,
                    image_path=path if path is not None else data_dir / name,
                    official_split=str(record.get("split") or "") or None,
                    study_id=record_id,
                    view_position=record.get("view_position") or None,
                    fields=fields,
                )
            if not names and self.config.require_images:
                yield SkipRecord(source, "no image listed")
