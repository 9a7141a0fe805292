"""Zero-shot single-label evaluation of a saved model on a built dataset: metrics, predictions, ROC plot, report.

Writes to the output folder: `metrics.json` (accuracy, macro ROC-AUC with a bootstrap 95 % interval,
macro F1, per-class AUC and F1, counts), `predictions.csv` (one row per image: id, true label, score
per class), `roc.png` (one-vs-rest ROC curve per class) and `report.md`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import datasets
import numpy as np
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score, roc_curve
from transformers import AutoModel, AutoProcessor

from medfilip.evaluation.zero_shot import zero_shot_probabilities
from processing.knowledge import load_knowledge_dictionary


def bootstrap_auc_interval(
    y_true: np.ndarray, scores: np.ndarray, n_resamples: int = 1000, seed: int = 0
) -> tuple[float, float]:
    """95 % percentile interval of the (macro one-vs-rest) ROC-AUC over resampled images."""
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n_resamples):
        index = rng.integers(0, len(y_true), len(y_true))
        if len(np.unique(y_true[index])) < 2:
            continue
        values.append(_auc(y_true[index], scores[index], scores.shape[1]))
    return float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))


def _auc(y_true: np.ndarray, scores: np.ndarray, n_classes: int) -> float:
    if n_classes == 2:
        return float(roc_auc_score(y_true, scores[:, 1]))
    present = np.unique(y_true)
    return float(np.mean([roc_auc_score(y_true == c, scores[:, c]) for c in present]))


def evaluate_zero_shot(
    model_dir: str | Path,
    dataset_dir: str | Path,
    output_dir: str | Path,
    split: str = "test",
    label_column: str = "label",
    class_names: Sequence[str] | None = None,
    batch_size: int = 32,
) -> dict[str, Any]:
    """Score every image of `split` against `class_names` (default: the dataset's label names); write the outputs."""
    output = Path(output_dir)
    output.mkdir(parents=True, exist_ok=True)
    data = datasets.load_from_disk(str(dataset_dir))[split]
    label_names = data.features[label_column].names
    class_names = list(class_names or label_names)
    if len(class_names) != len(label_names):
        raise ValueError(f"{len(class_names)} class names given for {len(label_names)} labels {label_names}")
    model = AutoModel.from_pretrained(model_dir, trust_remote_code=True).eval()
    processor = AutoProcessor.from_pretrained(model_dir, trust_remote_code=True)
    scores = zero_shot_probabilities(
        model, processor, data["image"], class_names, load_knowledge_dictionary(), batch_size=batch_size
    ).numpy()
    y_true = np.asarray(data[label_column])
    y_pred = scores.argmax(axis=1)
    low, high = bootstrap_auc_interval(y_true, scores)
    per_class_f1 = f1_score(y_true, y_pred, labels=range(len(class_names)), average=None, zero_division=0)
    metrics = {
        "task": "zero-shot",
        "split": split,
        "n_images": len(y_true),
        "class_names": class_names,
        "counts": {name: int((y_true == i).sum()) for i, name in enumerate(class_names)},
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "roc_auc": _auc(y_true, scores, len(class_names)),
        "roc_auc_ci95": [low, high],
        "f1": float(f1_score(y_true, y_pred, average="macro", zero_division=0)),
        "per_class": {
            name: {
                "roc_auc": float(roc_auc_score(y_true == i, scores[:, i]))
                if 0 < (y_true == i).sum() < len(y_true)
                else None,
                "f1": float(per_class_f1[i]),
            }
            for i, name in enumerate(class_names)
        },
    }
    (output / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    with open(output / "predictions.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["image_id", "label", *class_names])
        for image_id, label, row in zip(data["image_id"], y_true, scores, strict=True):
            writer.writerow([image_id, class_names[label], *(f"{value:.6f}" for value in row)])
    _plot_roc(y_true, scores, class_names, output / "roc.png")
    (output / "report.md").write_text(_report(metrics, model_dir, dataset_dir))
    return metrics


def _plot_roc(y_true: np.ndarray, scores: np.ndarray, class_names: list[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(4.5, 4.5))
    for index, name in enumerate(class_names):
        positives = y_true == index
        if 0 < positives.sum() < len(y_true):
            fpr, tpr, _ = roc_curve(positives, scores[:, index])
            axis.plot(fpr, tpr, label=f"{name} (AUC {roc_auc_score(positives, scores[:, index]):.3f})")
    axis.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=0.8)
    axis.set(xlabel="false positive rate", ylabel="true positive rate", title="Zero-shot ROC (one vs rest)")
    axis.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _report(metrics: dict[str, Any], model_dir: str | Path, dataset_dir: str | Path) -> str:
    low, high = metrics["roc_auc_ci95"]
    rows = "\n".join(
        f"| {name} | {metrics['counts'][name]} | {_number(values['roc_auc'])} | {values['f1']:.3f} |"
        for name, values in metrics["per_class"].items()
    )
    return (
        f"# Zero-shot evaluation\n\n"
        f"- model: `{model_dir}`\n- dataset: `{dataset_dir}`, split `{metrics['split']}`, "
        f"{metrics['n_images']} images\n- prompts: each class through its knowledge-enriched prompt\n\n"
        f"| metric | value |\n|---|---:|\n| accuracy | {metrics['accuracy']:.3f} |\n"
        f"| ROC-AUC (macro) | {metrics['roc_auc']:.3f} (95 % CI {low:.3f}–{high:.3f}) |\n"
        f"| F1 (macro) | {metrics['f1']:.3f} |\n\n"
        f"| class | images | ROC-AUC | F1 |\n|---|---:|---:|---:|\n{rows}\n\n![ROC](roc.png)\n"
    )
