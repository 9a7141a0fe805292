"""Prepare a dataset with its builder and save it: `save_to_disk` (image bytes embedded), card, summary."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import datasets

from datasets_builders.base import ChestXrayBuilder
from datasets_builders.cards import dataset_card
from datasets_builders.registry import builder_class
from datasets_builders.summary import BuildSummary, label_counts
from medfilip.paths import data_root

SUMMARY_FILE = "build_summary.json"
CARD_FILE = "README.md"


def prepare(builder: ChestXrayBuilder) -> tuple[datasets.DatasetDict, BuildSummary]:
    """Run `builder` (fresh, in its cache dir) and summarize what it produced and skipped."""
    builder.download_and_prepare(download_mode="force_redownload")
    dataset = builder.prepared_dataset()
    rows = {name: info.num_examples for name, info in builder.info.splits.items()}
    counts = {split: label_counts(dataset[split], builder.LABEL_COLUMNS) for split in dataset}
    source = getattr(builder, "findings_source", None)
    summary = BuildSummary(
        name=builder.NAME,
        data_dir=str(builder.config.data_dir),
        output=None,
        rows=rows,
        label_counts=counts,
        skipped=list(builder.skips),
        findings_provenance=source.describe() if source is not None else None,
    )
    return dataset, summary


def build_dataset(
    name: str,
    output: str | os.PathLike,
    data_dir: str | os.PathLike | None = None,
    overwrite: bool = False,
    **options: Any,
) -> BuildSummary:
    """Build dataset `name` from `data_dir` (default: its folder under the data root) and save it to `output`.

    `options` are builder config fields (`findings_file`, `split_seed`, `keep_report_text`, `max_rows`,
    `validation_fraction`, `test_fraction`, `require_images`). Writes the dataset, `README.md` (the card)
    and `build_summary.json` (rows, label counts, every skipped input and why).
    """
    cls = builder_class(name)
    source = Path(data_dir) if data_dir is not None else data_root() / cls.DEFAULT_FOLDER
    output = Path(output)
    if output.exists() and any(output.iterdir()) and not overwrite:
        raise FileExistsError(f"{output} exists and is not empty (pass overwrite=True / --overwrite)")
    with tempfile.TemporaryDirectory(prefix="medfilip-build-") as cache_dir:
        builder = cls(data_dir=str(source), cache_dir=cache_dir, **options)
        dataset, summary = prepare(builder)
        summary.output = str(output)
        dataset.save_to_disk(str(output))
    dataset_card(builder, summary).save(str(output / CARD_FILE))
    (output / SUMMARY_FILE).write_text(json.dumps(summary.to_dict(), indent=2) + "\n", encoding="utf-8")
    return summary
