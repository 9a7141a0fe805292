from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from medfilip.explain.heatmaps import (
    description_attributes,
    explain_image,
    patch_embeddings,
    save_overlay,
    shared_range,
)
from medfilip.factory import create_model_and_processor
from processing.image_loading import load_grayscale

LABELS = ["pneumonia", "pleural effusion", "a label the dictionary lacks"]


@pytest.fixture(scope="module")
def local_model():
    torch.manual_seed(0)
    return create_model_and_processor("tiny", local_loss_weight=0.5)


def test_heat_maps_have_the_image_size_and_match_patch_cosines(local_model, image_samples, dictionary, tmp_path):
    model, processor = local_model
    path = next(p for p in image_samples if p.suffix == ".jpg")  # not square: 1036 x 885
    explanations = explain_image(model, processor, path, LABELS, dictionary)
    gray = load_grayscale(path)
    assert [e.label for e in explanations] == LABELS
    assert sum(e.probability for e in explanations) == pytest.approx(1.0, abs=1e-5)
    for explanation in explanations:
        assert explanation.heatmap.shape == gray.shape
    # The heat map is the upsampled grid of patch-prompt cosines: its range is theirs.
    pixel_values = processor.image_processor(images=gray, return_tensors="pt")["pixel_values"]
    with torch.no_grad():
        patches, grid = patch_embeddings(model, pixel_values)
        tokens = processor.tokenizer([explanations[0].prompt], return_tensors="pt")
        text = model.get_text_features(tokens["input_ids"], tokens["attention_mask"])
    cosines = (patches[0] @ text[0]).numpy()
    assert grid == (4, 4)
    assert explanations[0].heatmap.max() <= cosines.max() + 1e-5
    assert explanations[0].heatmap.min() >= cosines.min() - 1e-5
    png = save_overlay(path, explanations[0].heatmap, tmp_path / "pneumonia.png", title="pneumonia")
    with Image.open(png) as written:
        assert written.format == "PNG" and written.size == (gray.shape[1], gray.shape[0])


def test_attributes_come_from_the_description_and_are_ranked(local_model, image_samples, dictionary):
    model, processor = local_model
    explanations = explain_image(model, processor, image_samples[0], LABELS, dictionary, top_attributes=2)
    phrases = description_attributes(dictionary.lookup("pneumonia").description)
    assert len(explanations[0].attributes) == 2
    assert all(text in phrases for text, _ in explanations[0].attributes)
    assert explanations[0].attributes[0][1] >= explanations[0].attributes[1][1]
    assert explanations[2].attributes == []  # unknown to the dictionary: its prompt is the label itself
    assert explanations[2].prompt == LABELS[2]


def test_towers_without_patch_semantics_are_refused(image_samples, dictionary):
    model, processor = create_model_and_processor("tiny")  # MobileNetV3: conv head after pooling
    with pytest.raises(ValueError, match="local_loss_weight"):
        explain_image(model, processor, image_samples[0], LABELS, dictionary)
    vit, vit_processor = create_model_and_processor(
        "tiny", vision_config={"timm_model_name": "test_vit", "image_size": 64}
    )  # pools its class token
    with pytest.raises(ValueError, match="class token"):
        explain_image(vit, vit_processor, image_samples[0], LABELS, dictionary)
    cnn, cnn_processor = create_model_and_processor(
        "tiny", vision_config={"timm_model_name": "test_resnet", "image_size": 64}
    )
    cnn_processor.image_processor.size = {"height": 64, "width": 64}
    with torch.no_grad():  # what makes the global projection valid per cell: pooled = mean of the cells
        vision = cnn.vision_model(torch.randn(2, 3, 64, 64))
    assert cnn.vision_model.pools_by_mean and not vit.vision_model.pools_by_mean
    torch.testing.assert_close(vision.pooler_output, vision.patch_tokens.mean(dim=1))
    explanations = explain_image(cnn, cnn_processor, image_samples[0], LABELS[:1], dictionary)
    assert explanations[0].heatmap.shape == load_grayscale(image_samples[0]).shape
    assert np.isfinite(explanations[0].heatmap).all()


def test_overlay_colors_follow_the_given_range(tmp_path):
    gray = Image.new("L", (40, 30), 0)
    gray.save(tmp_path / "black.png")
    heatmap = np.zeros((30, 40), dtype=np.float32)
    heatmap[:, 20:] = 0.5
    own = np.asarray(Image.open(save_overlay(tmp_path / "black.png", heatmap, tmp_path / "own.png")))
    shared = np.asarray(
        Image.open(save_overlay(tmp_path / "black.png", heatmap, tmp_path / "s.png", value_range=(0, 1)))
    )
    # jet: 0 -> dark blue (0, 0, 0.5), 1 -> dark red (0.5, 0, 0), 0.5 -> green; a black image keeps 0.4 of the color.
    assert own[0, 0].tolist() == [0, 0, 51] and own[0, 39].tolist() == [51, 0, 0]
    assert shared[0, 0].tolist() == [0, 0, 51] and shared[0, 39][1] > 90 and shared[0, 39][0] < 80


def test_shared_range_spans_every_label():
    from medfilip.explain.heatmaps import Explanation

    first = Explanation("a", "a", 0.5, np.array([[0.1, 0.3]]))
    second = Explanation("b", "b", 0.5, np.array([[-0.2, 0.2]]))
    assert shared_range([first, second]) == pytest.approx((-0.2, 0.3))
