"""The data an evaluation reads: a built dataset folder or a builder name, and the truth of one split.

`--dataset` is either a folder written by `medfilip build-dataset` or a registered builder name
(`kermany`, `covid`, `covid-pretraining`, `nih-chestxray14`, `rsna`, `vindr`, `mimic-cxr`,
`manifest`); a name is built from `--data-dir` once into a cache folder keyed by name, source folder
and options, and reused afterwards.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import datasets
import numpy as np

from datasets_builders.build import build_dataset
from datasets_builders.registry import BUILDERS

DATASET_DICT_FILE = "dataset_dict.json"
SINGLE_LABEL_COLUMNS = ("label",)
MULTI_LABEL_COLUMNS = ("labels",)


def default_cache_dir() -> Path:
    """`MEDFILIP_CACHE` (default `~/.cache/medfilip`) / `datasets`."""
    return Path(os.environ.get("MEDFILIP_CACHE", Path.home() / ".cache" / "medfilip")) / "datasets"


def resolve_dataset(
    dataset: str,
    data_dir: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
    **options: Any,
) -> Path:
    """The folder of a built dataset: `dataset` itself when it is one, else the cached build of builder `dataset`.

    `options` are builder options (e.g. `keep_report_text=True`, `findings_file=...`), part of the cache key.
    Raises FileNotFoundError for a path that is not a built dataset and not a builder name.
    """
    path = Path(dataset)
    if (path / DATASET_DICT_FILE).is_file():
        return path
    if dataset not in BUILDERS:
        raise FileNotFoundError(
            f"{dataset}: neither a folder written by `medfilip build-dataset` (no {DATASET_DICT_FILE}) "
            f"nor a dataset name ({', '.join(BUILDERS)})"
        )
    source = str(Path(data_dir).resolve()) if data_dir is not None else None
    key = hashlib.sha256(json.dumps([dataset, source, options], sort_keys=True, default=str).encode()).hexdigest()
    output = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    output = output / f"{dataset}-{key[:12]}"
    if not (output / DATASET_DICT_FILE).is_file():
        summary = build_dataset(dataset, output, data_dir=data_dir, overwrite=True, **options)
        skipped = len(summary.skipped)
        note = f", {skipped} inputs skipped (see {output / 'build_summary.json'})" if skipped else ""
        print(f"built {dataset} into {output}: {summary.rows} rows{note}")
    return output


def load_split(dataset_dir: str | os.PathLike, split: str) -> datasets.Dataset:
    """One split of a built dataset; a KeyError names the splits it has."""
    splits = datasets.load_from_disk(str(dataset_dir))
    if split not in splits:
        raise KeyError(f"{dataset_dir} has no split {split!r}; it has {', '.join(splits)}")
    return splits[split]


@dataclass(frozen=True)
class Targets:
    """The truth of a split: class names in label order and `(n, C)` 0/1 `matrix` (one 1 per row if single-label)."""

    column: str
    class_names: list[str]
    multi_label: bool
    matrix: np.ndarray

    @property
    def indices(self) -> np.ndarray:
        """Single-label class index per image."""
        return self.matrix.argmax(axis=1)

    def renamed(self, class_names: Sequence[str] | None) -> Targets:
        """The same truth with its classes renamed to `class_names` (same count, label order); unchanged if None."""
        if not class_names:
            return self
        if len(class_names) != len(self.class_names):
            raise ValueError(f"{len(class_names)} class names for {len(self.class_names)} labels {self.class_names}")
        return Targets(self.column, list(class_names), self.multi_label, self.matrix)

    def present(self) -> tuple[Targets, np.ndarray, list[str]]:
        """Only the classes with a positive image: the reduced truth, the kept-class mask, the left-out names."""
        keep = self.matrix.sum(axis=0) > 0
        names = [name for name, kept in zip(self.class_names, keep, strict=True) if kept]
        absent = [name for name, kept in zip(self.class_names, keep, strict=True) if not kept]
        return Targets(self.column, names, self.multi_label, self.matrix[:, keep]), keep, absent

    def names_of(self, row: int) -> str:
        """The row's true class names joined by `|` (empty for none)."""
        return "|".join(name for name, value in zip(self.class_names, self.matrix[row], strict=True) if value)


def label_column(split: datasets.Dataset, column: str | None = None) -> str:
    """`column`, or the split's `label` (ClassLabel) column, else its `labels` (list of ClassLabel) column."""
    if column is not None:
        if column not in split.features:
            raise KeyError(f"no column {column!r}; columns: {', '.join(split.features)}")
        return column
    for name in (*SINGLE_LABEL_COLUMNS, *MULTI_LABEL_COLUMNS):
        if name in split.features:
            return name
    raise KeyError(f"no label column (label or labels); columns: {', '.join(split.features)}")


def targets(split: datasets.Dataset, column: str | None = None) -> Targets:
    """The truth in `column` (see `label_column`): a ClassLabel is single-label, a list of ClassLabel multi-label."""
    column = label_column(split, column)
    feature = split.features[column]
    inner = getattr(feature, "feature", None)
    if isinstance(feature, datasets.ClassLabel):
        names, values = list(feature.names), split[column]
        matrix = np.eye(len(names), dtype=int)[np.asarray(values, dtype=int)]
        return Targets(column, names, False, matrix)
    if isinstance(inner, datasets.ClassLabel):
        names = list(inner.names)
        matrix = np.zeros((len(split), len(names)), dtype=int)
        for row, values in enumerate(split[column]):
            matrix[row, list(values)] = 1
        return Targets(column, names, True, matrix)
    raise TypeError(f"column {column!r} is {feature}, not a ClassLabel or a list of ClassLabel")
