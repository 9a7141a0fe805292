"""The ieee8023 COVID-19 collection as a classification set: COVID-19, other diagnoses, or no finding.

X-rays only (CT rows are skipped and counted). The release has no split: patients are split
train/validation/test by a seeded hash of `patientid`, so all of a patient's films share a split.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import datasets

from datasets_builders import covid_metadata
from datasets_builders.base import ChestXrayBuilder, SkipRecord, SourceRecord
from processing.findings import NO_FINDING
from processing.knowledge import load_knowledge_dictionary

COVID_CLASSES = ("No Finding", "COVID-19", "Other")


class Covid19Classification(covid_metadata.Ieee8023Collection, ChestXrayBuilder):
    """One example per X-ray: `label` (No Finding / COVID-19 / Other) and the fine `categories` of its diagnosis."""

    NAME = "covid"
    TITLE = "COVID-19 image data collection (ieee8023), X-rays"
    LABEL_COLUMNS = ("label", "categories")
    LABEL_MAPPING = {
        "No Finding": ["no finding"],
        "COVID-19": ["covid-19", "viral pneumonia", "pneumonia"],
        "Other": ["each `finding` part by dictionary lookup or pathogen table (Streptococcus -> bacterial pneumonia)"],
    }

    def extra_features(self) -> dict:
        return {
            "label": datasets.ClassLabel(names=list(COVID_CLASSES)),
            "finding": datasets.Value("string"),
            "categories": datasets.List(datasets.Value("string")),
            "license": datasets.Value("string"),
        }

    def records(self, data_dir: Path) -> Iterator[SourceRecord | SkipRecord]:
        dictionary = load_knowledge_dictionary()
        for line, row in covid_metadata.read_metadata(data_dir):
            source = f"{covid_metadata.METADATA_FILE}:{line} ({row.get('filename') or 'no file name'})"
            if row.get("modality", "X-ray").lower() != "x-ray":
                yield SkipRecord(source, f"not an X-ray: modality {row.get('modality')!r}")
                continue
            categories = covid_metadata.finding_categories(row.get("finding", ""), dictionary)
            if not categories or categories in (["todo"], ["unknown"]):
                yield SkipRecord(source, f"no diagnosis: finding {row.get('finding')!r}")
                continue
            label = "COVID-19" if "covid-19" in categories else "Other"
            if categories == [NO_FINDING]:
                label = "No Finding"
            fields = {"label": label, "finding": row.get("finding"), "categories": categories}
            yield covid_metadata.source_record(data_dir, source, row, fields)
