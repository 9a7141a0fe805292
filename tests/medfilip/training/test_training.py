"""Training on real chest X-rays: the loss falls and zero-shot AUC rises; resuming matches an unbroken run."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import datasets
import torch
from safetensors.torch import load_file
from sklearn.metrics import roc_auc_score
from transformers import AutoModel, TrainingArguments, pipeline

from medfilip.evaluation.zero_shot import zero_shot_probabilities
from medfilip.factory import create_model_and_processor
from medfilip.training.caption_embeddings import MINILM, CaptionEmbeddingCache
from medfilip.training.collator import MedFILIPCollator
from medfilip.training.trainer import MedFILIPTrainer

REPO = Path(__file__).resolve().parents[3]


def _train_script():
    spec = importlib.util.spec_from_file_location("medfilip_train_script", REPO / "train.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module while the script loads
    spec.loader.exec_module(module)
    return module


def test_training_lowers_the_loss_and_raises_zero_shot_auc(kermany_dataset_dir, dictionary, sentence_encoder, tmp_path):
    torch.manual_seed(0)
    dataset = datasets.load_from_disk(kermany_dataset_dir)
    train = dataset["train"].shuffle(seed=0).select(range(192)).select_columns(["image", "categories"])
    held_out = dataset["validation"].shuffle(seed=0).select(range(96))  # other patients than train
    is_pneumonia = [int(held_out.features["label"].names[label] == "PNEUMONIA") for label in held_out["label"]]
    model, processor = create_model_and_processor("tiny")
    cache = CaptionEmbeddingCache(sentence_encoder, tmp_path / "cache")
    collator = MedFILIPCollator(processor, dictionary, cache, rng=random.Random(0))
    cache.add(collator.all_captions(train.select_columns(["categories"])))

    def auc() -> float:
        probabilities = zero_shot_probabilities(
            model, processor, held_out["image"], ["Normal", "Pneumonia"], dictionary
        )
        return roc_auc_score(is_pneumonia, probabilities[:, 1].numpy())

    before = auc()
    args = TrainingArguments(
        output_dir=str(tmp_path / "run"), per_device_train_batch_size=16, num_train_epochs=3, learning_rate=1e-3,
        report_to="none", save_strategy="no", remove_unused_columns=False, logging_steps=6, seed=0, disable_tqdm=True,
    )  # fmt: skip
    trainer = MedFILIPTrainer(model=model, args=args, train_dataset=train, data_collator=collator, loss_type="ssm")
    trainer.train()
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    after = auc()
    assert losses[-1] < losses[0] / 3, losses
    assert after > 0.75 and after > before + 0.15, (before, after)


def _run(train_script, output: Path, dataset: Path, cache: Path, *extra: str) -> None:
    argv = [
        "--model", "tiny", "--dataset", str(dataset), "--output_dir", str(output), "--max_train_samples", "48",
        "--per_device_train_batch_size", "8", "--max_steps", "6", "--learning_rate", "1e-3", "--report_to", "none",
        "--caption_encoder", MINILM, "--embedding_cache_dir", str(cache), "--eval_split", "none", "--seed", "1",
        "--disable_tqdm", "true", "--caption_drop_probability", "0.5", *extra,
    ]  # fmt: skip
    assert train_script.main(argv) == 0


def test_resume_matches_an_uninterrupted_run(kermany_dataset_dir, tmp_path):
    train_script = _train_script()
    cache = tmp_path / "cache"
    _run(train_script, tmp_path / "straight", kermany_dataset_dir, cache, "--save_strategy", "no")
    interrupted = tmp_path / "interrupted"
    _run(train_script, interrupted, kermany_dataset_dir, cache, "--save_strategy", "steps", "--save_steps", "3")
    checkpoint = interrupted / "checkpoint-3"
    assert (checkpoint / "model.safetensors").is_file()
    resumed = tmp_path / "resumed"
    _run(
        train_script,
        resumed,
        kermany_dataset_dir,
        cache,
        "--save_strategy",
        "no",
        "--resume_from_checkpoint",
        str(checkpoint),
    )
    straight_weights = load_file(tmp_path / "straight" / "model.safetensors")
    resumed_weights = load_file(resumed / "model.safetensors")
    start_weights = load_file(checkpoint / "model.safetensors")
    assert straight_weights.keys() == resumed_weights.keys()
    for name, tensor in straight_weights.items():
        torch.testing.assert_close(resumed_weights[name], tensor, rtol=1e-5, atol=1e-6, msg=name)
    assert any(not torch.equal(start_weights[k], straight_weights[k]) for k in straight_weights)

    model = AutoModel.from_pretrained(resumed, trust_remote_code=True)
    assert model.config.loss_type == "ssm"
    classifier = pipeline("zero-shot-image-classification", model=str(resumed), trust_remote_code=True)
    image = datasets.load_from_disk(kermany_dataset_dir)["validation"][0]["image"]
    scores = classifier(image, candidate_labels=["Normal", "Pneumonia"])
    assert abs(sum(entry["score"] for entry in scores) - 1.0) < 1e-5
