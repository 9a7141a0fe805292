from __future__ import annotations

import json

import pytest
import torch
from PIL import Image

from medfilip.cli import main
from medfilip.explain.heatmaps import explain_image, shared_range
from medfilip.factory import create_model_and_processor, save_model_and_processor
from processing.image_loading import load_grayscale


@pytest.fixture(scope="module")
def local_model_dir(tmp_path_factory):
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("local-model")
    save_model_and_processor(*create_model_and_processor("tiny", local_loss_weight=0.5), folder)
    return folder


def test_explain_writes_one_overlay_per_label_and_the_attributes(local_model_dir, image_samples, dictionary, tmp_path):
    image = next(p for p in image_samples if p.suffix == ".jpg")
    output = tmp_path / "explained"
    code = main(["explain", str(image), "--model", str(local_model_dir), "--labels", "pneumonia, No Finding",
                 "--output", str(output)])  # fmt: skip
    assert code == 0
    summary = json.loads((output / "explanation.json").read_text())
    assert [record["label"] for record in summary["labels"]] == ["pneumonia", "No Finding"]
    assert sum(record["probability"] for record in summary["labels"]) == pytest.approx(1.0, abs=1e-5)
    height, width = load_grayscale(image).shape
    for record in summary["labels"]:
        with Image.open(output / record["heatmap"]) as png:
            assert png.format == "PNG" and png.size == (width, height)
    assert {record["heatmap"] for record in summary["labels"]} == {"pneumonia.png", "no-finding.png"}
    phrases = dictionary.lookup("pneumonia").description
    assert summary["labels"][0]["attributes"] and all(a["text"] in phrases for a in summary["labels"][0]["attributes"])
    # One color scale for all labels of the image: the range of every label's cosines.
    from transformers import AutoModel, AutoProcessor

    model = AutoModel.from_pretrained(local_model_dir, trust_remote_code=True)
    processor = AutoProcessor.from_pretrained(local_model_dir, trust_remote_code=True)
    expected = shared_range(explain_image(model, processor, image, ["pneumonia", "No Finding"], dictionary))
    assert summary["cosine_range"] == pytest.approx(list(expected), abs=1e-6)


def test_explain_names_a_broken_image_and_a_model_it_cannot_explain(local_model_dir, tiny_model_dir, tmp_path, capsys):
    broken = tmp_path / "broken.png"
    broken.write_text("not an image")
    assert main(["explain", str(broken), "--model", str(local_model_dir), "--output", str(tmp_path / "a")]) == 2
    assert "broken.png" in capsys.readouterr().out
    image = tmp_path / "ok.png"
    Image.new("L", (64, 64), 128).save(image)
    assert main(["explain", str(image), "--model", str(tiny_model_dir), "--output", str(tmp_path / "b")]) == 2
    assert "--local_loss_weight" in capsys.readouterr().out
