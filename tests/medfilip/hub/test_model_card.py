"""The model card: metadata, `model-index` equal to `metrics.json`, provenance from the training record."""

from __future__ import annotations

import json
import shutil

import pytest
from huggingface_hub import ModelCard

from medfilip.hub.model_card import NOT_FOR_CLINICAL_USE, Evaluation, model_card
from medfilip.hub.training_provenance import read_training_provenance


def test_card_metadata_and_model_index_equal_metrics(trained_model_dir, metrics_path, kermany_dataset_dir, tmp_path):
    evaluation = Evaluation.from_files(metrics_path, kermany_dataset_dir)
    model_card(trained_model_dir, "org/medfilip-tiny", [evaluation], license="apache-2.0").save(tmp_path / "README.md")
    card = ModelCard.load(tmp_path / "README.md")  # what the Hub reads back
    data = card.data
    assert data.pipeline_tag == "zero-shot-image-classification"
    assert data.library_name == "transformers" and data.license == "apache-2.0" and data.language == "en"
    assert {"medfilip", "medical", "chest-x-ray", "custom_code"} <= set(data.tags)
    assert data.base_model is None  # trained from scratch
    metrics = json.loads(metrics_path.read_text())
    results = {result.metric_name: result for result in data.eval_results}
    assert {name: result.metric_value for name, result in results.items()} == {
        "Accuracy": metrics["accuracy"],
        "ROC-AUC (macro)": metrics["roc_auc"],
        "F1 (macro)": metrics["f1"],
    }
    assert [result.metric_type for result in data.eval_results] == ["accuracy", "roc_auc", "f1"]
    for result in results.values():
        assert result.task_type == "zero-shot-image-classification"
        assert result.dataset_type == "kermany" and result.dataset_split == "validation"
        assert result.dataset_name.startswith("Kermany pediatric pneumonia chest X-rays")
    assert (
        f"| validation | {metrics['n_images']} | Normal, Pneumonia | Accuracy | {metrics['accuracy']:.3f} |"
        in card.text
    )
    assert NOT_FOR_CLINICAL_USE in card.text
    assert "evaluation uses split `validation` of a dataset whose other splits were training data" in card.text


def test_card_states_training_provenance(trained_model_dir):
    record = read_training_provenance(trained_model_dir)
    assert record["loss_type"] == "ssm" and record["global_steps"] == 2
    assert [dataset["name"] for dataset in record["datasets"]] == ["kermany"]
    assert "XXXX" not in json.dumps(record)
    text = model_card(trained_model_dir, "org/m").text
    assert (
        f"- Caption encoder for the SSM targets (frozen, not part of this model): {record['caption_encoder']}." in text
    )
    assert f"- Knowledge dictionary: version {record['knowledge_version']}" in text
    assert "(`medfilip build-dataset kermany`; rows: train " in text
    assert "Base models: none (trained from scratch)." in text
    assert "No evaluation results were given" in text


def test_pretrained_towers_and_extraction_provenance(trained_model_dir, tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(trained_model_dir, folder)
    record = read_training_provenance(folder)
    record["init_vision"] = "timm"
    record["init_text"] = "emilyalsentzer/Bio_ClinicalBERT"
    record["datasets"][0]["findings_provenance"] = {"source": "`medfilip extract` output file f.jsonl",
                                                    "backend": "openai", "model": "gpt-4o-mini",
                                                    "prompt_version": "v3"}  # fmt: skip
    (folder / "medfilip_training.json").write_text(json.dumps(record))
    card = model_card(folder, "org/m")
    timm_name = json.loads((folder / "config.json").read_text())["vision_config"]["timm_model_name"]
    assert card.data.base_model == ["emilyalsentzer/Bio_ClinicalBERT", f"timm/{timm_name}"]
    assert "extraction backend: openai; model: gpt-4o-mini; prompt version: v3." in card.text


def test_untrained_folder_says_not_recorded(tiny_model_dir):
    text = model_card(tiny_model_dir, "org/m").text
    assert "Training data: not recorded" in text
    assert "(start: not recorded)" in text


def test_retrieval_metrics_are_refused(tmp_path, kermany_dataset_dir):
    (tmp_path / "metrics.json").write_text(json.dumps({"task": "retrieval", "split": "test", "image_to_text": {}}))
    with pytest.raises(ValueError, match="not a classification metrics.json"):
        Evaluation.from_files(tmp_path / "metrics.json", kermany_dataset_dir)
