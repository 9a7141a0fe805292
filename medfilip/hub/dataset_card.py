"""The dataset card published with a built dataset: the build's own card, plus the Hub's loading metadata.

`medfilip build-dataset` writes the card (source, license, findings provenance, splits, counts). For
the Hub, its metadata gains `configs`: each split's arrow files, so `load_dataset("ORG/NAME")` reads the
splits directly (the `save_to_disk` layout also has JSON state files that the Hub's file-type guess would
otherwise pick up); a downloaded copy still opens with `datasets.load_from_disk`.
"""

from __future__ import annotations

import json
from pathlib import Path

from huggingface_hub import DatasetCard

from medfilip.hub.selection import CARD_FILE

LOADING_NOTE = (
    "## Loading\n\n"
    "```python\n"
    "from datasets import load_dataset\n\n"
    'dataset = load_dataset("{repo_id}")  # or: snapshot_download, then datasets.load_from_disk(folder)\n'
    "```\n"
)


def publish_dataset_card(dataset_dir: str | Path, repo_id: str) -> DatasetCard:
    """The build's card with `configs` naming each split's arrow files and a loading section for `repo_id`."""
    root = Path(dataset_dir)
    card = DatasetCard.load(root / CARD_FILE)
    data_files = []
    for split in json.loads((root / "dataset_dict.json").read_text())["splits"]:
        state = json.loads((root / split / "state.json").read_text())
        paths = [f"{split}/{entry['filename']}" for entry in state["_data_files"]]
        data_files.append({"split": split, "path": paths if len(paths) > 1 else paths[0]})
    card.data.configs = [{"config_name": "default", "data_files": data_files}]
    card.text = card.text.rstrip("\n") + "\n\n" + LOADING_NOTE.format(repo_id=repo_id)
    return card
