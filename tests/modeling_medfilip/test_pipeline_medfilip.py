"""The zero-shot pipeline and remote-code loading, run in a fresh process that never imports our packages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
import torch

LABELS = ["pneumonia", "No Finding", "Pleural_Thickening", "cardiomegaly", "sarcoid-like nodes"]

FRESH_PROCESS_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import torch
    from transformers import AutoModel, AutoProcessor, pipeline

    model_dir, labels, files = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
    model = AutoModel.from_pretrained(model_dir, trust_remote_code=True).eval()
    processor = AutoProcessor.from_pretrained(model_dir, trust_remote_code=True)
    classifier = pipeline("zero-shot-image-classification", model=model_dir, trust_remote_code=True)
    single = [classifier(path, candidate_labels=labels) for path in files]
    batched = classifier(files, candidate_labels=labels, batch_size=4)
    texts = classifier.label_prompts(labels)
    inputs = processor(text=texts, images=files, return_tensors="pt", padding=True)
    with torch.no_grad():
        direct = model(**inputs).logits_per_image.softmax(dim=-1).tolist()
    ours = sorted(name for name in sys.modules if name.split(".")[0] in ("medfilip", "modeling_medfilip", "processing"))
    print(json.dumps({
        "model_class": type(model).__module__ + "." + type(model).__name__,
        "pipeline_class": type(classifier).__name__,
        "our_modules": ours,
        "single": single,
        "batched": batched,
        "direct": direct,
        "texts": texts,
    }))
    """
)


def _scores(result: list[dict]) -> dict[str, float]:
    return {entry["label"]: entry["score"] for entry in result}


@pytest.fixture(scope="module")
def fresh_process_result(tiny_model_dir, image_samples, tmp_path_factory):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["HF_HUB_OFFLINE"] = "1"
    env["HF_MODULES_CACHE"] = str(tmp_path_factory.mktemp("hf_modules"))
    files = [str(p) for p in image_samples]
    completed = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS_SCRIPT, str(tiny_model_dir), json.dumps(LABELS), json.dumps(files)],
        cwd=tmp_path_factory.mktemp("elsewhere"),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_loads_through_remote_code_without_our_packages(fresh_process_result, tiny_model_dir):
    assert fresh_process_result["our_modules"] == []
    assert fresh_process_result["model_class"].startswith("transformers_modules.")
    assert fresh_process_result["pipeline_class"] == "MedFILIPZeroShotImageClassificationPipeline"
    config = json.loads((tiny_model_dir / "config.json").read_text())
    assert config["auto_map"]["AutoModelForZeroShotImageClassification"] == "modeling_medfilip.MedFILIPModel"
    for name in (
        "modeling_medfilip.py",
        "configuration_medfilip.py",
        "pipeline_medfilip.py",
        "image_processing_medfilip.py",
        "image_loading.py",
        "processing_medfilip.py",
        "model.safetensors",
        "tokenizer.json",
        "processor_config.json",
    ):
        assert (tiny_model_dir / name).is_file(), name


def test_known_labels_get_knowledge_prompts(fresh_process_result):
    from processing.knowledge import load_knowledge_dictionary

    dictionary = load_knowledge_dictionary()
    assert fresh_process_result["texts"] == [
        dictionary.prompt("pneumonia"),
        dictionary.prompt("no finding"),
        dictionary.prompt("pleural thickening"),
        dictionary.prompt("cardiomegaly"),
        "sarcoid-like nodes",  # unknown to the dictionary: the label itself
    ]


def test_pipeline_scores_every_real_file(fresh_process_result, image_samples):
    assert len(fresh_process_result["single"]) == len(image_samples)
    for result in fresh_process_result["single"]:
        assert sorted(entry["label"] for entry in result) == sorted(LABELS)
        assert sum(entry["score"] for entry in result) == pytest.approx(1.0, abs=1e-5)
        assert [e["score"] for e in result] == sorted((e["score"] for e in result), reverse=True)


def test_pipeline_matches_direct_model_and_batching(fresh_process_result):
    for single, batched, direct in zip(
        fresh_process_result["single"], fresh_process_result["batched"], fresh_process_result["direct"], strict=True
    ):
        expected = dict(zip(LABELS, direct, strict=True))
        for label, score in _scores(single).items():
            assert score == pytest.approx(expected[label], abs=1e-5)
            assert _scores(batched)[label] == pytest.approx(score, abs=1e-5)


def test_pipeline_in_process_with_16_bit_png(tiny_model_dir, image_samples, tmp_path):
    import numpy as np
    from PIL import Image
    from transformers import pipeline

    import modeling_medfilip  # noqa: F401

    eight_bit = np.asarray(Image.open(next(p for p in image_samples if p.suffix == ".png")).convert("L"))
    deep_path = tmp_path / "deep.png"
    Image.fromarray(eight_bit.astype(np.uint16) * 257).save(deep_path)
    classifier = pipeline("zero-shot-image-classification", model=str(tiny_model_dir), trust_remote_code=True)
    deep = _scores(classifier(str(deep_path), candidate_labels=LABELS))
    flat = _scores(classifier(Image.fromarray(eight_bit), candidate_labels=LABELS))
    # 16-bit data stretched to [0, 1] equals the 8-bit original when that spans 0..255.
    if eight_bit.min() == 0 and eight_bit.max() == 255:
        for label in LABELS:
            assert deep[label] == pytest.approx(flat[label], abs=1e-5)
    assert sum(deep.values()) == pytest.approx(1.0, abs=1e-5)
    assert classifier.label_prompts(["Effusion", "new thing"], hypothesis_template="a chest x-ray with {}") == [
        classifier.model.config.knowledge_prompts["pleural effusion"],
        "a chest x-ray with new thing",
    ]
    assert classifier.label_prompts(["Effusion"], use_knowledge=False) == ["Effusion"]
    own = {"covid-19": "covid-19. bilateral peripheral ground-glass opacities."}
    assert classifier.label_prompts(["covid-19", "pneumonia"], prompts=own)[0] == own["covid-19"]
    plain = classifier(str(deep_path), candidate_labels=LABELS, use_knowledge=False)
    assert sorted(entry["label"] for entry in plain) == sorted(LABELS)
    assert _scores(plain) != pytest.approx(deep, abs=1e-4)
    with pytest.raises(ValueError, match="candidate_labels"):
        classifier(str(deep_path), candidate_labels=[])
    assert torch.is_tensor(classifier.preprocess(str(deep_path), candidate_labels=LABELS)["pixel_values"])
