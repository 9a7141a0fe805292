"""Training fixtures: the real Kermany collection built as a dataset, and the offline MiniLM caption encoder."""

from __future__ import annotations

from pathlib import Path

import pytest

from medfilip.training.caption_embeddings import MINILM


@pytest.fixture(scope="session")
def kermany_dataset_dir(data_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from datasets_builders.build import build_dataset

    output = tmp_path_factory.mktemp("kermany") / "dataset"
    build_dataset("kermany", output, data_dir=data_root / "kermany_pneumonia")
    return output


@pytest.fixture(scope="session")
def sentence_encoder():
    from medfilip.training.caption_embeddings import SentenceEncoder

    return SentenceEncoder(MINILM)
