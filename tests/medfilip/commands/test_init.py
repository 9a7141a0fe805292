from __future__ import annotations

import json

import torch
from transformers import AutoModel, AutoProcessor

import modeling_medfilip  # noqa: F401
from medfilip.cli import main
from modeling_medfilip import MedFILIPModel


def test_init_writes_a_loadable_tiny_model(tiny_model_dir):
    model = AutoModel.from_pretrained(tiny_model_dir)
    processor = AutoProcessor.from_pretrained(tiny_model_dir)
    assert type(model) is MedFILIPModel
    size_mb = (tiny_model_dir / "model.safetensors").stat().st_size / 2**20
    assert size_mb < 16, f"tiny model is {size_mb:.1f} MB"
    config = json.loads((tiny_model_dir / "config.json").read_text())
    assert config["text_config"]["vocab_size"] == len(processor.tokenizer)
    assert config["text_config"]["eos_token_id"] == processor.tokenizer.eos_token_id
    prompt = processor(text=["small left pleural effusion"], return_tensors="pt")
    assert prompt["input_ids"][0, -1].item() == processor.tokenizer.eos_token_id
    assert processor.image_processor.size.height == model.config.vision_config.image_size


def test_init_is_reproducible_with_a_seed(tiny_model_dir, tmp_path):
    assert main(["init", "--preset", "tiny", "--output", str(tmp_path), "--seed", "0"]) == 0
    first = AutoModel.from_pretrained(tiny_model_dir).state_dict()
    second = AutoModel.from_pretrained(tmp_path).state_dict()
    assert first.keys() == second.keys()
    assert all(torch.equal(first[k], second[k]) for k in first)


def test_base_without_reachable_tokenizer_says_how_to_provide_it(tmp_path, capsys):
    code = main(["init", "--preset", "base", "--output", str(tmp_path / "base"), "--tokenizer", str(tmp_path / "nope")])
    assert code == 2
    message = capsys.readouterr().out
    assert "could not load the tokenizer" in message and "--tokenizer" in message
    assert not (tmp_path / "base").exists()
