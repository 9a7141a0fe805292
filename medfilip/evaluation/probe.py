"""Linear probe and fine-tuning: a `MedFILIPForImageClassification` trained with the Trainer, then evaluated.

The classifier starts from the saved MedFILIP model's vision tower (its weights are loaded, the head
is new). Linear probe: the tower is frozen and only the head trains; fine-tuning: everything trains.
`fraction` of the training split's labels is used: per class (single-label) or over all rows
(multi-label), a seeded sample of that share of the rows, at least one per class. Splits are the
dataset's own patient-level ones. Multi-label thresholds are fitted on `threshold_split`, never on the
evaluated split. The trained classifier is saved under `<output>/model` (loads with
`AutoModelForImageClassification`, `trust_remote_code=True`).
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import datasets
import numpy as np
import torch
from transformers import AutoProcessor, Trainer, TrainingArguments

from medfilip.evaluation.data import Targets, load_split, targets
from medfilip.evaluation.metrics import BOOTSTRAP_RESAMPLES, fit_thresholds, multi_label_metrics, single_label_metrics
from medfilip.evaluation.outputs import write_classification
from modeling_medfilip import MedFILIPForImageClassification

DEFAULTS = {False: {"epochs": 10.0, "learning_rate": 1e-2}, True: {"epochs": 3.0, "learning_rate": 1e-4}}


def sample_fraction(truth: Targets, fraction: float, seed: int = 0) -> list[int]:
    """Sorted row indices of a seeded `fraction` of the rows; per class for single-label, at least one per class."""
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    rng = np.random.default_rng(seed)
    if fraction == 1:
        return list(range(len(truth.matrix)))
    groups = [np.flatnonzero(truth.indices == c) for c in range(len(truth.class_names))]
    if truth.multi_label:
        groups = [np.arange(len(truth.matrix))]
    chosen: set[int] = set()
    for rows in groups:
        if len(rows):
            chosen.update(rng.choice(rows, max(1, math.ceil(fraction * len(rows))), replace=False).tolist())
    if truth.multi_label:
        for c in range(len(truth.class_names)):
            positives = np.flatnonzero(truth.matrix[:, c])
            if len(positives) and not truth.matrix[sorted(chosen), c].any():
                chosen.add(int(rng.choice(positives)))
    return sorted(chosen)


@dataclass
class ClassificationCollator:
    """Rows `{"image", "target"}` -> `pixel_values` and `labels` (class indices, or float 0/1 rows if multi-label)."""

    image_processor: Any
    multi_label: bool

    def __call__(self, rows: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        pixels = self.image_processor(images=[row["image"] for row in rows], return_tensors="pt")["pixel_values"]
        labels = torch.tensor(np.array([row["target"] for row in rows]))
        return {"pixel_values": pixels, "labels": labels.float() if self.multi_label else labels.long()}


def _with_targets(split: datasets.Dataset, truth: Targets) -> datasets.Dataset:
    target = truth.matrix.tolist() if truth.multi_label else truth.indices.tolist()
    return split.select_columns(["image"]).add_column("target", target)


def load_classifier(model_dir: str | Path, truth: Targets) -> MedFILIPForImageClassification:
    """The classifier for `truth`'s classes, its vision tower loaded from the saved MedFILIP model `model_dir`."""
    return MedFILIPForImageClassification.from_pretrained(
        model_dir,
        num_labels=len(truth.class_names),
        id2label=dict(enumerate(truth.class_names)),
        label2id={name: i for i, name in enumerate(truth.class_names)},
        problem_type="multi_label_classification" if truth.multi_label else "single_label_classification",
    )


def evaluate_probe(
    model_dir: str | Path,
    dataset_dir: str | Path,
    output_dir: str | Path,
    finetune: bool = False,
    split: str = "test",
    train_split: str = "train",
    fraction: float = 1.0,
    label_column: str | None = None,
    class_names: Sequence[str] | None = None,
    threshold_split: str = "validation",
    epochs: float | None = None,
    learning_rate: float | None = None,
    batch_size: int = 32,
    seed: int = 0,
    progress: bool = False,
    bootstrap_resamples: int = BOOTSTRAP_RESAMPLES,
) -> dict[str, Any]:
    """Train on `fraction` of `train_split`, evaluate on `split`, write the outputs and return the metrics."""
    if split == train_split:
        raise ValueError(f"the evaluated split {split!r} is the training split")
    output = Path(output_dir)
    train_data = load_split(dataset_dir, train_split)
    test_data = load_split(dataset_dir, split)
    train_truth = targets(train_data, label_column).renamed(class_names)
    truth = targets(test_data, train_truth.column).renamed(class_names)
    rows = sample_fraction(train_truth, fraction, seed)
    model = load_classifier(model_dir, train_truth)
    if not finetune:
        model.freeze_vision_tower()
    processor = AutoProcessor.from_pretrained(model_dir, trust_remote_code=True)
    defaults = DEFAULTS[finetune]
    with tempfile.TemporaryDirectory(prefix="medfilip-probe-") as scratch:
        arguments = TrainingArguments(
            output_dir=scratch,
            num_train_epochs=epochs if epochs is not None else defaults["epochs"],
            learning_rate=learning_rate if learning_rate is not None else defaults["learning_rate"],
            per_device_train_batch_size=batch_size,
            per_device_eval_batch_size=batch_size,
            lr_scheduler_type="cosine",
            warmup_steps=0.05,
            save_strategy="no",
            eval_strategy="no",
            logging_strategy="epoch",
            report_to="none",
            remove_unused_columns=False,
            disable_tqdm=not progress,
            seed=seed,
            dataloader_num_workers=0,
        )
        trainer = Trainer(
            model=model,
            args=arguments,
            train_dataset=_with_targets(train_data, train_truth).select(rows),
            data_collator=ClassificationCollator(processor.image_processor, train_truth.multi_label),
        )
        train_result = trainer.train()

        def scores_of(data: datasets.Dataset, data_truth: Targets) -> np.ndarray:
            logits = torch.from_numpy(trainer.predict(_with_targets(data, data_truth)).predictions)
            return (logits.sigmoid() if data_truth.multi_label else logits.softmax(dim=-1)).numpy()

        scores = scores_of(test_data, truth)
        if truth.multi_label:
            if threshold_split in (split, train_split):
                raise ValueError(f"thresholds must be fitted on a held-out split, not {threshold_split!r}")
            held_out = load_split(dataset_dir, threshold_split)
            held_out_truth = targets(held_out, truth.column).renamed(class_names)
            thresholds = fit_thresholds(held_out_truth.matrix, scores_of(held_out, held_out_truth))
    if truth.multi_label:
        truth, present, absent = truth.present()
        scores = scores[:, present]
        metrics = multi_label_metrics(truth.matrix, scores, thresholds[present], truth.class_names, bootstrap_resamples)
        metrics.update(threshold_split=threshold_split, classes_left_out=absent)
    else:
        metrics = single_label_metrics(truth.indices, scores, truth.class_names, bootstrap_resamples)
    task = "finetune" if finetune else "linear-probe"
    metrics.update(
        task=task,
        split=split,
        train_split=train_split,
        fraction=fraction,
        train_images=len(rows),
        train_loss=float(train_result.training_loss),
        epochs=arguments.num_train_epochs,
        learning_rate=arguments.learning_rate,
    )
    model.save_pretrained(output / "model")
    processor.save_pretrained(output / "model")
    context = {
        "model": f"`{model_dir}` (vision tower loaded; "
        + ("all weights trained)" if finetune else "tower frozen, head trained)"),
        "training": f"{len(rows)} of {len(train_data)} `{train_split}` images (fraction {fraction}), "
        f"{arguments.num_train_epochs:g} epochs, learning rate {arguments.learning_rate:g}, "
        f"final training loss {metrics['train_loss']:.4f}",
        "dataset": f"`{dataset_dir}`, split `{split}`, column `{truth.column}`, {len(test_data)} images",
        "classifier": f"`{output / 'model'}`",
    }
    write_classification(output, metrics, test_data["image_id"], truth, scores, context)
    return metrics
