from __future__ import annotations

import json

import pytest
import torch
from transformers import AutoModel, AutoModelForImageClassification

from modeling_medfilip import MedFILIPForImageClassification


@pytest.fixture(scope="module")
def pretrained(tiny_model_dir):
    return AutoModel.from_pretrained(tiny_model_dir).eval()


def test_classifier_loads_the_saved_medfilip_vision_tower(tiny_model_dir, pretrained):
    model = MedFILIPForImageClassification.from_pretrained(tiny_model_dir, num_labels=3)
    reference = pretrained.vision_model.state_dict()
    loaded = model.vision_model.state_dict()
    assert reference.keys() == loaded.keys()
    for name, tensor in reference.items():
        assert torch.equal(tensor, loaded[name]), name
    assert model.classifier.out_features == 3
    pixels = torch.randn(2, 3, 128, 128)
    model.eval()
    with torch.no_grad():
        pooled = pretrained.vision_model(pixels).pooler_output
        expected = pooled @ model.classifier.weight.T + model.classifier.bias
        assert torch.allclose(model(pixel_values=pixels).logits, expected, atol=1e-5)


def test_losses_follow_the_problem_type(tiny_model_dir):
    pixels = torch.randn(4, 3, 128, 128)
    single = MedFILIPForImageClassification.from_pretrained(
        tiny_model_dir, num_labels=2, problem_type="single_label_classification"
    ).eval()
    labels = torch.tensor([0, 1, 1, 0])
    output = single(pixel_values=pixels, labels=labels)
    assert output.loss.item() == pytest.approx(torch.nn.functional.cross_entropy(output.logits, labels).item())
    multi = MedFILIPForImageClassification.from_pretrained(
        tiny_model_dir, num_labels=3, problem_type="multi_label_classification"
    ).eval()
    targets = torch.tensor([[1, 0, 1], [0, 0, 0], [1, 1, 1], [0, 1, 0]])
    output = multi(pixel_values=pixels, labels=targets)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(output.logits, targets.float())
    assert output.loss.item() == pytest.approx(expected.item())


def test_frozen_tower_stays_in_eval_mode_and_gets_no_gradient(tiny_model_dir):
    model = MedFILIPForImageClassification.from_pretrained(tiny_model_dir, num_labels=2)
    model.freeze_vision_tower()
    model.train()
    assert model.classifier.training and not model.vision_model.training
    before = {name: tensor.clone() for name, tensor in model.vision_model.state_dict().items()}
    model(pixel_values=torch.randn(4, 3, 128, 128), labels=torch.tensor([0, 1, 0, 1])).loss.backward()
    assert model.classifier.weight.grad is not None
    assert all(parameter.grad is None for parameter in model.vision_model.parameters())
    for name, tensor in model.vision_model.state_dict().items():  # batch-norm running statistics unchanged
        assert torch.equal(tensor, before[name]), name


def test_saved_classifier_loads_through_the_auto_class_with_remote_code(tiny_model_dir, tmp_path):
    model = MedFILIPForImageClassification.from_pretrained(
        tiny_model_dir, num_labels=2, id2label={0: "Normal", 1: "Pneumonia"}
    ).eval()
    model.save_pretrained(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["auto_map"]["AutoModelForImageClassification"] == (
        "modeling_medfilip_classification.MedFILIPForImageClassification"
    )
    assert (tmp_path / "modeling_medfilip_classification.py").is_file()
    loaded = AutoModelForImageClassification.from_pretrained(tmp_path, trust_remote_code=True).eval()
    assert loaded.config.id2label == {0: "Normal", 1: "Pneumonia"}
    pixels = torch.randn(2, 3, 128, 128)
    with torch.no_grad():
        assert torch.allclose(loaded(pixel_values=pixels).logits, model(pixel_values=pixels).logits, atol=1e-6)
