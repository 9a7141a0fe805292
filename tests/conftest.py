"""Shared fixtures: the real data root (`MEDFILIP_DATA_DIR`, default `../shared/data`) and a tiny model folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO_ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("MEDFILIP_DATA_DIR", str(REPO_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def data_root() -> Path:
    from medfilip.paths import data_root as resolve

    return resolve()


@pytest.fixture(scope="session")
def image_samples(data_root: Path) -> list[Path]:
    files = sorted((data_root / "image_samples").iterdir())
    assert files, "no files in image_samples"
    return files


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A `medfilip init --preset tiny` folder (random weights, offline tokenizer)."""
    from medfilip.cli import main

    output = tmp_path_factory.mktemp("tiny_model")
    assert main(["init", "--preset", "tiny", "--output", str(output), "--seed", "0"]) == 0
    return output


@pytest.fixture(scope="session")
def dictionary():
    """The packaged knowledge dictionary."""
    from processing.knowledge import load_knowledge_dictionary

    return load_knowledge_dictionary()


@pytest.fixture(scope="session")
def kermany_dataset_dir(data_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real Kermany collection built with its dataset builder (train / patient-held-out validation)."""
    from datasets_builders.build import build_dataset

    output = tmp_path_factory.mktemp("kermany") / "dataset"
    build_dataset("kermany", output, data_dir=data_root / "kermany_pneumonia")
    return output
