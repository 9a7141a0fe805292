"""The ieee8023 COVID-19 collection as paired pre-training data: each X-ray with its `clinical_notes`.

The notes describe the case (history, course, imaging) rather than one film, so findings extracted
from them are case-level. Rows without notes are skipped as empty reports. Splits by patient, as in
the classification builder with the same seed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import datasets

from datasets_builders import covid_metadata
from datasets_builders.base import SkipRecord, SourceRecord
from datasets_builders.pretraining import PretrainingBuilder


class Covid19Pretraining(covid_metadata.Ieee8023Collection, PretrainingBuilder):
    """X-ray + clinical notes pairs of the ieee8023 collection, with findings and captions."""

    NAME = "covid-pretraining"
    TITLE = "COVID-19 image data collection (ieee8023), X-rays paired with clinical notes"

    def record_features(self) -> dict:
        return {"license": datasets.Value("string")}

    def records(self, data_dir: Path) -> Iterator[SourceRecord | SkipRecord]:
        for line, row in covid_metadata.read_metadata(data_dir):
            source = f"{covid_metadata.METADATA_FILE}:{line} ({row.get('filename') or 'no file name'})"
            if row.get("modality", "X-ray").lower() != "x-ray":
                yield SkipRecord(source, f"not an X-ray: modality {row.get('modality')!r}")
                continue
            fields = {
                "report_sections": {"clinical_notes": row.get("clinical_notes", "")},
                "report_ids": [row.get("filename", ""), f"{row.get('patientid')}/{row.get('offset')}"],
            }
            yield covid_metadata.source_record(data_dir, source, row, fields)
