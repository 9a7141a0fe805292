from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from transformers import AutoModel, AutoModelForZeroShotImageClassification, BertConfig

from modeling_medfilip import MedFILIPConfig, MedFILIPModel
from modeling_medfilip.modeling_medfilip import contrastive_loss, pool_text


def _tiny_config(**overrides) -> MedFILIPConfig:
    return MedFILIPConfig.from_preset("tiny", **overrides)


def _inputs(config: MedFILIPConfig, n_images: int = 2, n_texts: int = 3, seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    size = config.vision_config.image_size
    pixel_values = torch.randn(n_images, 3, size, size, generator=generator)
    input_ids = torch.randint(3, config.text_config.vocab_size, (n_texts, 9), generator=generator)
    attention_mask = torch.ones_like(input_ids)
    attention_mask[0, 6:] = 0  # one padded prompt
    return {"pixel_values": pixel_values, "input_ids": input_ids, "attention_mask": attention_mask}


@pytest.fixture(scope="module")
def tiny_model() -> MedFILIPModel:
    torch.manual_seed(0)
    return MedFILIPModel(_tiny_config()).eval()


def test_logits_are_scaled_cosines_of_normalized_embeddings(tiny_model):
    inputs = _inputs(tiny_model.config)
    with torch.no_grad():
        out = tiny_model(**inputs)
        image = tiny_model.get_image_features(inputs["pixel_values"])
        text = tiny_model.get_text_features(inputs["input_ids"], inputs["attention_mask"])
    torch.testing.assert_close(image.norm(dim=-1), torch.ones(2))
    torch.testing.assert_close(text.norm(dim=-1), torch.ones(3))
    torch.testing.assert_close(out.image_embeds, image)
    torch.testing.assert_close(out.text_embeds, text)
    assert tiny_model.logit_scale.item() == pytest.approx(math.log(1 / 0.07), rel=1e-6)
    torch.testing.assert_close(out.logits_per_image, (1 / 0.07) * image @ text.t(), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(out.logits_per_text, out.logits_per_image.t())
    assert out.loss is None


def test_padding_does_not_change_text_embedding(tiny_model):
    ids = torch.randint(3, 100, (1, 6))
    padded = torch.cat([ids, torch.full((1, 4), 2)], dim=1)
    mask = torch.cat([torch.ones(1, 6, dtype=torch.long), torch.zeros(1, 4, dtype=torch.long)], dim=1)
    with torch.no_grad():
        plain = tiny_model.get_text_features(ids)
        with_pad = tiny_model.get_text_features(padded, mask)
    torch.testing.assert_close(plain, with_pad, rtol=1e-5, atol=1e-5)


def test_logit_scale_is_clamped(tiny_model):
    inputs = _inputs(tiny_model.config)
    with torch.no_grad():
        tiny_model.logit_scale.fill_(10.0)
        out = tiny_model(**inputs)
        tiny_model.logit_scale.fill_(math.log(1 / 0.07))
    torch.testing.assert_close(out.logits_per_image, 100.0 * out.image_embeds @ out.text_embeds.t())


def test_contrastive_loss_matches_hand_computation():
    logits = torch.tensor([[2.0, 0.0], [1.0, 3.0]])
    row = (-math.log(math.exp(2) / (math.exp(2) + 1)) - math.log(math.exp(3) / (math.exp(1) + math.exp(3)))) / 2
    col = (-math.log(math.exp(2) / (math.exp(2) + math.exp(1))) - math.log(math.exp(3) / (1 + math.exp(3)))) / 2
    assert contrastive_loss(logits).item() == pytest.approx((row + col) / 2, rel=1e-6)


def test_return_loss_and_backward(tiny_model):
    model = MedFILIPModel(_tiny_config()).train()
    inputs = _inputs(model.config, n_images=3, n_texts=3)
    out = model(**inputs, return_loss=True)
    assert out.loss.item() == pytest.approx(contrastive_loss(out.logits_per_image).item())
    out.loss.backward()
    assert model.logit_scale.grad is not None
    assert model.visual_projection.weight.grad.abs().sum() > 0
    assert model.text_model.embeddings.token_embedding.weight.grad.abs().sum() > 0


def test_save_and_load_round_trip_gives_identical_outputs(tiny_model, tmp_path):
    tiny_model.save_pretrained(tmp_path)
    assert (tmp_path / "model.safetensors").is_file()
    assert not list(tmp_path.glob("*.bin"))
    for loader in (MedFILIPModel, AutoModel, AutoModelForZeroShotImageClassification):
        loaded = loader.from_pretrained(tmp_path).eval()
        assert type(loaded) is MedFILIPModel
        inputs = _inputs(tiny_model.config, seed=3)
        with torch.no_grad():
            expected, actual = tiny_model(**inputs), loaded(**inputs)
        torch.testing.assert_close(actual.logits_per_image, expected.logits_per_image, rtol=0, atol=0)


def test_batch_equals_one_at_a_time(tiny_model):
    inputs = _inputs(tiny_model.config, n_images=4)
    with torch.no_grad():
        batch = tiny_model.get_image_features(inputs["pixel_values"])
        single = torch.cat([tiny_model.get_image_features(x[None]) for x in inputs["pixel_values"]])
    torch.testing.assert_close(batch, single, rtol=1e-5, atol=1e-5)


def test_timm_initialization_is_kept():
    # timm zero-initializes the last BatchNorm of each residual block; a generic init would set it to one.
    model = MedFILIPModel(_tiny_config(vision_config={"timm_model_name": "test_resnet", "image_size": 64}))
    state = model.vision_model.backbone.state_dict()
    assert state["layer1.0.bn2.weight"].abs().sum() == 0
    assert state["layer1.0.bn1.weight"].eq(1).all()


def test_feature_maps_for_cnn_and_vit():
    cnn = MedFILIPModel(_tiny_config()).eval()
    with torch.no_grad():
        fmap = cnn.get_vision_features(torch.randn(1, 3, 128, 128)).feature_map
    assert fmap.shape == (1, cnn.vision_model.feature_dim, 4, 4)
    vit = MedFILIPModel(_tiny_config(vision_config={"timm_model_name": "test_vit", "image_size": 64})).eval()
    with torch.no_grad():
        vision = vit.get_vision_features(torch.randn(2, 3, 64, 64))
        tokens = vit.vision_model.backbone.forward_features(torch.randn(2, 3, 64, 64))
    patch = vit.vision_model.backbone.patch_embed.patch_size[0]
    assert vision.feature_map.shape == (2, vit.vision_model.feature_dim, 64 // patch, 64 // patch)
    assert tokens.shape[1] == (64 // patch) ** 2 + vit.vision_model.num_prefix_tokens


def test_bert_like_text_tower():
    bert = BertConfig(vocab_size=300, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64)
    model = MedFILIPModel(_tiny_config(text_config=bert.to_dict())).eval()
    assert model.text_model.pooler is None
    ids = torch.randint(5, 300, (2, 7))
    with torch.no_grad():
        out = model(input_ids=ids, pixel_values=torch.randn(1, 3, 128, 128), token_type_ids=torch.zeros_like(ids))
        hidden = model.text_model(input_ids=ids).last_hidden_state
    expected = F.normalize(model.text_projection(hidden[:, 0]), dim=-1)
    torch.testing.assert_close(out.text_embeds, expected, rtol=1e-5, atol=1e-5)


def test_pool_text_modes():
    hidden = torch.arange(2 * 4 * 1, dtype=torch.float32).view(2, 4, 1)
    right = torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0]])
    left = torch.tensor([[0, 1, 1, 1], [0, 0, 1, 1]])
    assert pool_text(hidden, right, "eos").flatten().tolist() == [2.0, 5.0]
    assert pool_text(hidden, left, "eos").flatten().tolist() == [3.0, 7.0]
    assert pool_text(hidden, right, "cls").flatten().tolist() == [0.0, 4.0]
    assert pool_text(hidden, right, "mean").flatten().tolist() == [1.0, 4.5]


def test_base_preset_forward_at_448():
    torch.manual_seed(0)
    model = MedFILIPModel(MedFILIPConfig.from_preset("base")).eval()
    assert model.vision_model.pooled_dim == 2048 and model.text_projection.out_features == 768
    ids = torch.tensor([[49406, 320, 1125, 539, 49407], [49406, 320, 49407, 49407, 49407]])
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
    with torch.no_grad():
        out = model(
            input_ids=ids, attention_mask=mask, pixel_values=torch.randn(1, 3, 448, 448), output_feature_map=True
        )
    assert out.logits_per_image.shape == (1, 2)
    assert out.vision_feature_map.shape == (1, 2048, 14, 14)
    assert torch.isfinite(out.logits_per_image).all()
    assert out.logits_per_image.abs().max() <= 1 / 0.07 + 1e-4


@pytest.mark.parametrize(
    ("preset", "width", "grid"), [("vit-small", 384, 14), ("vit-base", 768, 14), ("tiny-vit", 192, 8)]
)
def test_vit_presets_give_one_patch_per_16_pixels(preset, width, grid):
    config = MedFILIPConfig.from_preset(preset, text_config=_tiny_config().text_config.to_dict())
    model = MedFILIPModel(config).eval()
    size = config.vision_config.image_size
    with torch.no_grad():
        vision = model.vision_model(torch.randn(1, 3, size, size))
    assert model.vision_model.is_vit
    assert vision.feature_map.shape == (1, width, grid, grid)
    assert vision.patch_tokens.shape == (1, grid * grid, width)


def test_gradient_checkpointing_gives_the_same_gradients():
    torch.manual_seed(0)
    model = MedFILIPModel(_tiny_config()).train()
    inputs = _inputs(model.config, n_images=2, n_texts=2)

    def gradients():
        model.zero_grad()
        model(**inputs, return_loss=True).loss.backward()
        return {name: p.grad.clone() for name, p in model.named_parameters() if p.grad is not None}

    plain = gradients()
    model.activation_checkpointing_enable()
    assert model.vision_model.backbone.grad_checkpointing and model.text_model.encoder.gradient_checkpointing
    checkpointed = gradients()
    model.activation_checkpointing_disable()
    assert not model.vision_model.backbone.grad_checkpointing
    assert plain.keys() == checkpointed.keys()
    for name in plain:
        torch.testing.assert_close(checkpointed[name], plain[name], rtol=1e-4, atol=1e-6, msg=name)


def test_vit_with_dropped_tokens_checkpoints_to_the_same_gradients(monkeypatch):
    import modeling_medfilip.modeling_medfilip as modeling

    calls = []
    checkpoint_seq = modeling.checkpoint_seq
    monkeypatch.setattr(modeling, "checkpoint_seq", lambda *a, **k: calls.append(1) or checkpoint_seq(*a, **k))
    torch.manual_seed(0)
    model = MedFILIPModel(_tiny_config(vision_config={"timm_model_name": "test_vit", "image_size": 64}, mask_ratio=0.5))
    model.train()
    inputs = _inputs(model.config, n_images=2, n_texts=2)

    def gradients():
        model.zero_grad()
        torch.manual_seed(1)  # the same tokens dropped in both runs
        out = model(**inputs, mask_ratio=0.5)
        (out.logits_per_image.sum() + out.integrity_prediction.sum()).backward()
        return {name: p.grad.clone() for name, p in model.named_parameters() if p.grad is not None}

    plain = gradients()
    model.activation_checkpointing_enable()
    checkpointed = gradients()
    model.activation_checkpointing_disable()
    assert len(calls) == 1  # only the checkpointed run goes through timm's checkpoint_seq
    assert plain.keys() == checkpointed.keys() and any(n.startswith("vision_model.backbone.blocks") for n in plain)
    for name in plain:
        torch.testing.assert_close(checkpointed[name], plain[name], rtol=1e-4, atol=1e-6, msg=name)
