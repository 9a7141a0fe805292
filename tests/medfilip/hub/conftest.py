"""Hub fixtures: a model trained by `train.py` (with its Trainer files and a checkpoint), its real
`medfilip evaluate` metrics, and a dataset built with report text kept."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from medfilip.training.caption_embeddings import MINILM

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def trained_model_dir(kermany_dataset_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`train.py` for two steps on Kermany, saving a checkpoint (optimizer and scheduler states) at step 1."""
    spec = importlib.util.spec_from_file_location("medfilip_train_script_hub", REPO / "train.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module while the script loads
    spec.loader.exec_module(module)
    root = tmp_path_factory.mktemp("trained")
    output = root / "model"
    argv = [
        "--model", "tiny", "--dataset", str(kermany_dataset_dir), "--output_dir", str(output),
        "--max_train_samples", "16", "--per_device_train_batch_size", "8", "--max_steps", "2",
        "--save_strategy", "steps", "--save_steps", "1", "--report_to", "none", "--caption_encoder", MINILM,
        "--embedding_cache_dir", str(root / "cache"), "--eval_split", "none", "--seed", "0", "--disable_tqdm", "true",
    ]  # fmt: skip
    assert module.main(argv) == 0
    return output


@pytest.fixture(scope="session")
def metrics_path(trained_model_dir: Path, kermany_dataset_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`medfilip evaluate` of the trained model on the held-out Kermany patients."""
    from medfilip.cli import main

    output = tmp_path_factory.mktemp("evaluation")
    argv = ["evaluate", "--model", str(trained_model_dir), "--dataset", str(kermany_dataset_dir),
            "--split", "validation", "--labels", "Normal,Pneumonia", "--output", str(output)]  # fmt: skip
    assert main(argv) == 0
    return output / "metrics.json"
