"""File selection: exactly the listed files of a trained model and of a built dataset; unsafe folders refused."""

from __future__ import annotations

import json
import shutil

import datasets
import pytest
import torch
from safetensors.torch import load_file

from medfilip.hub.selection import UploadRefused, select_dataset_files, select_model_files

MODEL_FILES = [  # besides the remote code: every `.py` file `save_pretrained` copied next to the weights
    "config.json",
    "model.safetensors",
    "processor_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
]


def test_trained_model_publishes_only_the_listed_files(trained_model_dir):
    selection = select_model_files(trained_model_dir)
    remote_code = [path.name for path in trained_model_dir.glob("*.py")]
    assert {"modeling_medfilip.py", "pipeline_medfilip.py", "image_loading.py"} <= set(remote_code)
    assert selection.files == sorted(MODEL_FILES + remote_code)
    left_out = set(selection.left_out)
    for name in ("training_args.bin", "trainer_state.json", "train_results.json", "all_results.json",
                 "medfilip_training.json", "checkpoint-1/optimizer.pt", "checkpoint-1/scheduler.pt",
                 "checkpoint-1/rng_state.pth", "checkpoint-1/model.safetensors"):  # fmt: skip
        assert name in left_out, name
    assert left_out.isdisjoint(selection.files)


def test_pickle_only_weights_are_refused(tiny_model_dir, tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    torch.save(load_file(folder / "model.safetensors"), folder / "pytorch_model.bin")
    (folder / "model.safetensors").unlink()
    with pytest.raises(UploadRefused, match=r"no safetensors weights \(found only pickled files: pytorch_model.bin"):
        select_model_files(folder)


def test_config_without_remote_code_pipeline_is_refused(tiny_model_dir, tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    config = json.loads((folder / "config.json").read_text())
    del config["custom_pipelines"]
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(UploadRefused, match="custom_pipelines"):
        select_model_files(folder)


def test_missing_remote_code_file_is_refused(tiny_model_dir, tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    (folder / "image_loading.py").unlink()  # imported by image_processing_medfilip.py only
    with pytest.raises(UploadRefused, match="image_loading.py is missing"):
        select_model_files(folder)


def test_dataset_publishes_saved_splits_card_and_summary_not_map_caches(kermany_dataset_dir, tmp_path):
    folder = tmp_path / "kermany"
    shutil.copytree(kermany_dataset_dir, folder)
    datasets.load_from_disk(str(folder))["train"].select_columns(["label"]).map(lambda row: row)  # writes a cache
    assert list((folder / "train").glob("cache-*.arrow"))
    selection = select_dataset_files(folder)
    splits = json.loads((folder / "dataset_dict.json").read_text())["splits"]
    expected = ["README.md", "build_summary.json", "dataset_dict.json"]
    for split in splits:
        state = json.loads((folder / split / "state.json").read_text())
        expected += [f"{split}/dataset_info.json", f"{split}/state.json"]
        expected += [f"{split}/{entry['filename']}" for entry in state["_data_files"]]
    assert selection.files == sorted(expected)
    # Map/shuffle caches (this test's, and any other test's on the shared build) are never published.
    assert all(name.split("/")[-1].startswith("cache-") for name in selection.left_out)
    assert any(name.startswith("train/cache-") for name in selection.left_out)


def test_folder_without_dataset_dict_is_refused(tmp_path):
    with pytest.raises(UploadRefused, match="not a folder written by `medfilip build-dataset`"):
        select_dataset_files(tmp_path)
