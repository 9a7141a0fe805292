"""The training provenance record `train.py` writes next to the model, which the model card reports.

`medfilip_training.json` holds what the weights came from: each dataset folder's build (name, title,
rows, the findings provenance of its card: extraction source, backend, model, prompt version, and
whether report text was kept), the starting point (preset or folder, pretrained towers), the loss, the
caption encoder of the SSM targets and the main optimization settings. It holds no report text, no
paths outside the folder names, and no secrets; it is not published itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from huggingface_hub import DatasetCard

TRAINING_PROVENANCE_FILE = "medfilip_training.json"
DATASET_SUMMARY_FILE = "build_summary.json"


def describe_dataset(dataset_dir: str | Path) -> dict[str, Any]:
    """A dataset folder's build as its summary and card record it (no report text, folder name only)."""
    root = Path(dataset_dir)
    summary_path = root / DATASET_SUMMARY_FILE
    summary = json.loads(summary_path.read_text()) if summary_path.is_file() else {}
    card_path = root / "README.md"
    title = DatasetCard.load(card_path).data.to_dict().get("pretty_name") if card_path.is_file() else None
    features = {}
    for split in json.loads((root / "dataset_dict.json").read_text())["splits"]:
        features.update(json.loads((root / split / "dataset_info.json").read_text())["features"])
    return {
        "folder": root.name,
        "name": summary.get("name", root.name),
        "title": title or summary.get("name", root.name),
        "rows": summary.get("rows", {}),
        "findings_provenance": summary.get("findings_provenance"),
        "report_text_kept": "report_sections" in features,
    }


def write_training_provenance(output_dir: str | Path, dataset_dirs: list[str], settings: dict[str, Any]) -> Path:
    """Write `medfilip_training.json` in `output_dir`: the datasets' builds and the training `settings`."""
    record = {"datasets": [describe_dataset(path) for path in dataset_dirs], **settings}
    path = Path(output_dir) / TRAINING_PROVENANCE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return path


def read_training_provenance(model_dir: str | Path) -> dict[str, Any] | None:
    """The record of a model folder, or None when it was not trained by `train.py` (e.g. `medfilip init`)."""
    path = Path(model_dir) / TRAINING_PROVENANCE_FILE
    return json.loads(path.read_text()) if path.is_file() else None
