from __future__ import annotations

import pytest
import timm
import torch
from safetensors.torch import save_file
from transformers import AutoModel

from medfilip.training.caption_embeddings import MINILM, resolve_encoder
from medfilip.training.model_loading import PretrainedWeightsUnavailableError, load_model_and_processor


def test_text_tower_from_a_pretrained_encoder():
    source = resolve_encoder(MINILM)  # a real BERT-like sentence encoder shipped offline
    model, processor = load_model_and_processor("tiny", init_text=source)
    reference = AutoModel.from_pretrained(source)
    assert model.config.text_config.model_type == "bert" and model.config.text_pooling == "cls"
    for name, tensor in reference.state_dict().items():
        if not name.startswith("pooler."):
            torch.testing.assert_close(model.text_model.state_dict()[name], tensor, msg=name)
    assert len(processor.tokenizer) == reference.config.vocab_size


def test_vision_tower_from_a_safetensors_file(tmp_path):
    model, _ = load_model_and_processor("tiny")
    name = model.config.vision_config.timm_model_name
    torch.manual_seed(3)
    donor = timm.create_model(name, pretrained=False, num_classes=0)
    path = tmp_path / "backbone.safetensors"
    save_file({k: v.contiguous() for k, v in donor.state_dict().items()}, path)
    model, _ = load_model_and_processor("tiny", init_vision=str(path))
    for key, tensor in donor.state_dict().items():
        torch.testing.assert_close(model.vision_model.backbone.state_dict()[key], tensor, msg=key)


def test_missing_pretrained_weights_are_named(tmp_path):
    with pytest.raises(PretrainedWeightsUnavailableError, match="mobilenetv3_small_050"):
        load_model_and_processor("tiny", init_vision="timm")  # no network here: timm cannot download
    with pytest.raises(PretrainedWeightsUnavailableError, match="expected an existing .safetensors"):
        load_model_and_processor("tiny", init_vision=str(tmp_path / "weights.pth"))
    with pytest.raises(PretrainedWeightsUnavailableError, match="nowhere"):
        load_model_and_processor("tiny", init_text=str(tmp_path / "nowhere"))
