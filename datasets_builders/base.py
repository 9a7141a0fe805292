"""The shared builder: streaming records from a release layout, official or patient-level splits, skips.

A concrete builder describes its layout: which official splits exist (`official_splits`), the records
it finds (`records`, one per image, streamed), and its extra features and label columns. The base
class turns records into examples: it assigns the split, checks the patient id, reads and validates
the image, and records every input it leaves out in `self.skips` instead of raising.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import datasets

from datasets_builders.images import ImageLoadError, encode_image
from datasets_builders.skips import SkipLog
from datasets_builders.splits import split_for_patient

SPLIT_ORDER = ("train", "validation", "test")


@dataclass
class ChestXrayConfig(datasets.BuilderConfig):
    """Options shared by every builder.

    `validation_fraction` of the training patients is held out when the release has no validation
    split; `test_fraction` of all patients is held out when it has no split at all. `max_rows` caps
    each split (first rows in source order), for quick trials.
    """

    split_seed: int = 0
    validation_fraction: float = 0.1
    test_fraction: float = 0.2
    max_rows: int | None = None
    keep_report_text: bool = False
    findings_file: str | None = None
    require_images: bool = True


@dataclass
class SourceRecord:
    """One image of a release: where it came from, whose it is, its official split and its other columns."""

    source: str
    """The file or `file:row` named in skip messages."""
    image_id: str
    patient_id: str | None
    image_path: Path | None
    official_split: str | None = None
    study_id: str | None = None
    view_position: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SkipRecord:
    """A record the layout reader could not turn into a `SourceRecord`, with the reason."""

    source: str
    reason: str


class RecordSkipped(Exception):
    """Raised while completing a record to leave it out; the message is the reason."""


class ChestXrayBuilder(datasets.GeneratorBasedBuilder):
    """Base of the MedFILIP dataset builders: subclasses set the class attributes and implement `records`."""

    BUILDER_CONFIG_CLASS = ChestXrayConfig
    BUILDER_CONFIGS = [ChestXrayConfig(name="default")]
    DEFAULT_CONFIG_NAME = "default"

    NAME: ClassVar[str]
    """The name `medfilip build-dataset` knows the builder by."""
    DEFAULT_FOLDER: ClassVar[str]
    """The folder under the data root (`MEDFILIP_DATA_DIR`) read when no data dir is given."""
    TITLE: ClassVar[str]
    SOURCE: ClassVar[str]
    LICENSE: ClassVar[str]
    CITATION: ClassVar[str] = ""
    TASK: ClassVar[str] = "classification"
    LABEL_COLUMNS: ClassVar[tuple[str, ...]] = ()
    """Columns counted in the build summary: ClassLabel, list of ClassLabel, or finding records."""
    LABEL_MAPPING: ClassVar[dict[str, list[str]]] = {}
    """Dataset class name -> knowledge dictionary categories, for the card."""
    LABEL_POLICY: ClassVar[str] = ""
    """How labels are derived from the source rows (e.g. several readers' votes), for the card."""
    SPLIT_POLICY: ClassVar[str] = ""

    config: ChestXrayConfig

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.skips = SkipLog()

    # --- what a subclass provides -------------------------------------------------------------------

    def official_splits(self, data_dir: Path) -> list[str]:
        """The splits the release defines in `data_dir` (empty when it has none)."""
        return []

    def records(self, data_dir: Path) -> Iterator[SourceRecord | SkipRecord]:
        """Every image of the release, streamed in a stable order."""
        raise NotImplementedError

    def extra_features(self) -> dict[str, datasets.features.features.FeatureType]:
        """Features beyond the shared image, ids, view and split columns."""
        return {}

    def complete(self, record: SourceRecord) -> dict[str, Any]:
        """The example's extra columns for `record`; raise `RecordSkipped` to leave it out.

        Called only for records of the split being written, after their image was read (or found
        missing with `require_images` off). A returned `view_position` replaces the record's (e.g.
        one read from the DICOM header).
        """
        return record.fields

    # --- the datasets.GeneratorBasedBuilder contract -----------------------------------------------

    def _info(self) -> datasets.DatasetInfo:
        features = {
            "image": datasets.Image(),
            "image_id": datasets.Value("string"),
            "patient_id": datasets.Value("string"),
            "study_id": datasets.Value("string"),
            "view_position": datasets.Value("string"),
            **self.extra_features(),
            "split": datasets.Value("string"),
        }
        return datasets.DatasetInfo(
            description=f"{self.TITLE}, prepared by MedFILIP ({self.NAME}).",
            features=datasets.Features(features),
            homepage=self.SOURCE,
            license=self.LICENSE,
            citation=self.CITATION,
        )

    def data_path(self) -> Path:
        """The release folder; raises FileNotFoundError naming it when it does not exist."""
        if not self.config.data_dir:
            raise FileNotFoundError(f"{self.NAME}: no data_dir given")
        path = Path(self.config.data_dir).expanduser()
        if not path.is_dir():
            raise FileNotFoundError(f"{self.NAME}: data directory {path} does not exist")
        return path

    def split_fractions(self, official: list[str]) -> dict[str | None, dict[str, float]]:
        """Official split (None: no split) -> how its patients are spread over the output splits."""
        validation, test = self.config.validation_fraction, self.config.test_fraction
        if not 0 <= validation < 1 or not 0 <= test < 1 or validation + test >= 1:
            raise ValueError(f"validation_fraction {validation} and test_fraction {test} must be in [0, 1), sum < 1")
        plan: dict[str | None, dict[str, float]] = {}
        if not official:
            plan[None] = {"train": 1 - validation - test, "validation": validation, "test": test}
        for name in official:
            if name == "train" and "validation" not in official:
                plan[name] = {"train": 1 - validation, "validation": validation}
            else:
                plan[name] = {name: 1.0}
        return {key: {name: f for name, f in value.items() if f > 0} for key, value in plan.items()}

    def output_splits(self) -> list[str]:
        """The splits this build produces, in train/validation/test order."""
        plan = self.split_fractions(self.official_splits(self.data_path()))
        names = {name for fractions in plan.values() for name in fractions}
        return [name for name in SPLIT_ORDER if name in names] + sorted(names - set(SPLIT_ORDER))

    def prepared_dataset(self) -> datasets.DatasetDict:
        """The prepared splits that hold examples (an empty split cannot be loaded by `as_dataset`)."""
        names = [name for name, info in self.info.splits.items() if info.num_examples > 0]
        return datasets.DatasetDict({name: self.as_dataset(split=name) for name in names})

    def _split_generators(self, dl_manager: datasets.DownloadManager) -> list[datasets.SplitGenerator]:
        return [datasets.SplitGenerator(name=name, gen_kwargs={"split": name}) for name in self.output_splits()]

    def _generate_examples(self, split: str) -> Iterator[tuple[str, dict[str, Any]]]:
        data_dir = self.data_path()
        plan = self.split_fractions(self.official_splits(data_dir))
        written = 0
        for record in self.records(data_dir):
            if self.config.max_rows is not None and written >= self.config.max_rows:
                return
            if isinstance(record, SkipRecord):
                self.skips.add(record.source, record.reason)
                continue
            patient = (record.patient_id or "").strip()
            if not patient:
                self.skips.add(record.source, "missing or invalid patient id")
                continue
            fractions = plan.get(record.official_split)
            if fractions is None:
                self.skips.add(record.source, f"unknown split {record.official_split!r}")
                continue
            if split_for_patient(patient, fractions, self.config.split_seed) != split:
                continue
            example = self._example(record, patient, split)
            if example is not None:
                written += 1
                yield record.image_id, example

    def _example(self, record: SourceRecord, patient: str, split: str) -> dict[str, Any] | None:
        image = None
        if record.image_path is None or not record.image_path.is_file():
            if self.config.require_images:
                missing = record.image_path if record.image_path is not None else record.image_id
                self.skips.add(record.source, f"image not found: {missing}")
                return None
        else:
            try:
                image = encode_image(record.image_path)
            except ImageLoadError as error:
                self.skips.add(record.source, f"unreadable image: {error}")
                return None
        try:
            extra = self.complete(record)
        except RecordSkipped as reason:
            self.skips.add(record.source, str(reason))
            return None
        return {
            "image": image,
            "image_id": record.image_id,
            "patient_id": patient,
            "study_id": record.study_id,
            "view_position": record.view_position,
            **extra,
            "split": split,
        }
