"""The ieee8023 COVID-19 image collection's `metadata.csv`: rows streamed, diagnoses mapped to categories.

The `finding` column names a diagnosis, a comma-separated list ("COVID-19, ARDS") or, in later
releases, a slash-separated hierarchy ("Pneumonia/Viral/COVID-19"). Each part maps to knowledge
dictionary categories: by dictionary lookup first, then by the pathogen table below (bacteria and
viruses to bacterial/viral pneumonia); a part that neither knows is kept lower-cased.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from datasets_builders.base import SourceRecord
from processing.knowledge import KnowledgeDictionary

METADATA_FILE = "metadata.csv"
SOURCE = "https://github.com/ieee8023/covid-chestxray-dataset"
LICENSE = "per image, see the `license` column (CC BY, CC BY-NC-SA, CC BY-NC-ND, Apache 2.0, ...)"
CITATION = "Cohen et al., COVID-19 Image Data Collection: Prospective Predictions Are the Future, MELBA 2020."


class Ieee8023Collection:
    """Provenance and split policy shared by the builders of the ieee8023 collection (a builder mixin)."""

    DEFAULT_FOLDER = "covid_ieee8023"
    SOURCE = SOURCE
    LICENSE = LICENSE
    CITATION = CITATION
    SPLIT_POLICY = "no official split: patients (`patientid`) split train/validation/test by seeded hash"


PATHOGEN_CATEGORIES = {
    "bacterial": "bacterial pneumonia",
    "streptococcus": "bacterial pneumonia",
    "staphylococcus": "bacterial pneumonia",
    "klebsiella": "bacterial pneumonia",
    "mycoplasma": "bacterial pneumonia",
    "mycoplasma bacterial pneumonia": "bacterial pneumonia",
    "legionella": "bacterial pneumonia",
    "chlamydophila": "bacterial pneumonia",
    "e.coli": "bacterial pneumonia",
    "nocardia": "bacterial pneumonia",
    "viral": "viral pneumonia",
    "sars": "viral pneumonia",
    "mers": "viral pneumonia",
    "mers-cov": "viral pneumonia",
    "influenza": "viral pneumonia",
    "varicella": "viral pneumonia",
    "herpes": "viral pneumonia",
    "lipoid": "pneumonia",
    "fungal": "pneumonia",
    "aspergillosis": "pneumonia",
}
IMPLIED_PARENTS = {"bacterial pneumonia": "pneumonia", "viral pneumonia": "pneumonia", "covid-19": "viral pneumonia"}


def finding_categories(finding: str, dictionary: KnowledgeDictionary) -> list[str]:
    """Dictionary categories of a `finding` value, with implied parents (COVID-19 -> viral pneumonia -> pneumonia)."""
    categories: list[str] = []
    for part in finding.replace("/", ",").split(","):
        part = " ".join(part.split())
        if not part:
            continue
        entry = dictionary.lookup(part)
        category = entry.name if entry is not None else PATHOGEN_CATEGORIES.get(part.lower(), part.lower())
        while category is not None:
            if category not in categories:
                categories.append(category)
            category = IMPLIED_PARENTS.get(category)
    return categories


def read_metadata(data_dir: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each row of `metadata.csv`, streamed; undecodable bytes become U+FFFD."""
    path = data_dir / METADATA_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: the ieee8023 COVID-19 metadata file is missing")
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            yield line, {key: (value or "").strip() for key, value in row.items() if key is not None}


def image_path(data_dir: Path, row: dict[str, str]) -> Path | None:
    """The image file a row names (`folder`/`filename`, `images/` when there is no folder column)."""
    if not row.get("filename"):
        return None
    return data_dir / (row.get("folder") or "images") / row["filename"]


def source_record(data_dir: Path, source: str, row: dict[str, str], fields: dict) -> SourceRecord:
    """The record of one metadata row: image, patient, study (patient/offset), view, license, plus `fields`."""
    return SourceRecord(
        source=source,
        image_id=row.get("filename", ""),
        patient_id=row.get("patientid"),
        image_path=image_path(data_dir, row),
        study_id=f"{row.get('patientid')}/{row.get('offset') or '?'}",
        view_position=row.get("view") or None,
        fields={**fields, "license": row.get("license") or None},
    )
