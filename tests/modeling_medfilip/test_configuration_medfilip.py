from __future__ import annotations

import math

import pytest
from transformers import AutoConfig, BertConfig

import modeling_medfilip  # noqa: F401  (registers the Auto classes)
from modeling_medfilip import MedFILIPConfig


def test_base_preset_is_the_paper_model():
    config = MedFILIPConfig.from_preset("base")
    assert config.vision_config.timm_model_name == "resnet50"
    assert config.vision_config.image_size == 448
    assert config.projection_dim == 768
    text = config.text_config
    assert text.model_type == "clip_text_model"
    # openai/clip-vit-base-patch32's text tower
    assert (text.vocab_size, text.hidden_size, text.num_hidden_layers, text.max_position_embeddings) == (
        49408,
        512,
        12,
        77,
    )
    assert config.text_pooling == "eos"
    assert config.logit_scale_init_value == pytest.approx(math.log(1 / 0.07))
    assert config.logit_scale_max == pytest.approx(math.log(100))


def test_tiny_preset_and_overrides():
    config = MedFILIPConfig.from_preset("tiny", projection_dim=64)
    assert config.projection_dim == 64
    assert config.text_config.num_hidden_layers == 2
    assert config.vision_config.image_size <= 224
    with pytest.raises(ValueError, match="unknown MedFILIP preset 'huge'"):
        MedFILIPConfig.from_preset("huge")


def test_bert_like_text_config_defaults_to_cls_pooling():
    bert = BertConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64)
    config = MedFILIPConfig(text_config=bert.to_dict())
    assert isinstance(config.text_config, BertConfig)
    assert config.text_pooling == "cls"
    with pytest.raises(ValueError, match="text_pooling"):
        MedFILIPConfig(text_pooling="max")


def test_round_trip_through_auto_config(tmp_path):
    config = MedFILIPConfig.from_preset("tiny", text_pooling="mean")
    config.vision_config.timm_model_kwargs = {"drop_rate": 0.1}
    config.save_pretrained(tmp_path)
    loaded = AutoConfig.from_pretrained(tmp_path)
    assert type(loaded) is MedFILIPConfig
    assert loaded.text_pooling == "mean"
    assert loaded.vision_config.timm_model_kwargs == {"drop_rate": 0.1}
    assert loaded.text_config.to_dict() == config.text_config.to_dict()
