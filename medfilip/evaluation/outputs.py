"""Writing a classification evaluation: `metrics.json`, `predictions.csv`, `roc.png`, `confusion.png`, `report.md`.

`predictions.csv` has one row per image: `image_id`, the true class name(s) in `label` (`|`-joined,
empty for none when multi-label), then one column per class holding its score (six decimals), so
every metric can be recomputed from it.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from medfilip.evaluation.data import Targets
from medfilip.evaluation.plots import plot_confusion, plot_multilabel_confusion, plot_roc

TITLES = {
    "zero-shot": "Zero-shot classification",
    "linear-probe": "Linear probe",
    "finetune": "Fine-tuning",
    "retrieval": "Image-text retrieval",
}


def write_classification(
    output: Path,
    metrics: dict[str, Any],
    image_ids: Sequence[str],
    truth: Targets,
    scores: np.ndarray,
    context: Mapping[str, str],
) -> None:
    """Write every output of a classification run; `context` lines (model, dataset, prompts...) head the report."""
    output.mkdir(parents=True, exist_ok=True)
    (output / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    names = truth.class_names
    with open(output / "predictions.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["image_id", "label", *names])
        for row, image_id in enumerate(image_ids):
            writer.writerow([image_id, truth.names_of(row), *(f"{value:.6f}" for value in scores[row])])
    title = TITLES[metrics["task"]]
    plot_roc(truth.matrix, scores, names, output / "roc.png", f"{title}: ROC (one vs rest)")
    if truth.multi_label:
        thresholds = np.array([metrics["thresholds"][name] for name in names])
        plot_multilabel_confusion(truth.matrix, (scores >= thresholds).astype(int), names, output / "confusion.png")
    else:
        plot_confusion(truth.indices, scores.argmax(axis=1), names, output / "confusion.png")
    (output / "report.md").write_text(classification_report(metrics, context))


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _interval(values: list[float] | None) -> str:
    return "" if values is None else f" ({values[0]:.3f}–{values[1]:.3f})"


def classification_report(metrics: Mapping[str, Any], context: Mapping[str, str]) -> str:
    """A Markdown report: context, headline metrics, per-class table, the plots."""
    lines = [f"# {TITLES[metrics['task']]}", ""]
    lines += [f"- {key}: {value}" for key, value in context.items()]
    lines += ["", "| metric | value |", "|---|---:|"]
    if metrics["multi_label"]:
        lines.append(f"| accuracy (label-wise) | {metrics['accuracy']:.3f} |")
        lines.append(f"| exact-match accuracy | {metrics['subset_accuracy']:.3f} |")
    else:
        lines.append(f"| accuracy | {metrics['accuracy']:.3f} |")
    lines.append(f"| ROC-AUC (macro, 95 % CI) | {_number(metrics['roc_auc'])}{_interval(metrics['roc_auc_ci95'])} |")
    lines.append(f"| F1 (macro) | {metrics['f1']:.3f} |")
    header = "| class | images | ROC-AUC (95 % CI) | F1 |"
    rule = "|---|---:|---:|---:|"
    if metrics["multi_label"]:
        header, rule = header + " threshold |", rule + "---:|"
    lines += ["", header, rule]
    unseen = set(metrics.get("unseen_classes", []))
    for name, values in metrics["per_class"].items():
        label = f"{name} (unseen)" if name in unseen else name
        cells = f"| {label} | {values['count']} | {_number(values['roc_auc'])}{_interval(values['roc_auc_ci95'])} "
        cells += f"| {values['f1']:.3f} |"
        if metrics["multi_label"]:
            cells += f" {metrics['thresholds'][name]:.3f} |"
        lines.append(cells)
    lines += ["", "![ROC curves](roc.png)", "", "![Confusion](confusion.png)", ""]
    return "\n".join(lines)


def write_retrieval(
    output: Path,
    metrics: dict[str, Any],
    image_ids: Sequence[str],
    image_ranks: np.ndarray,
    n_paired_texts: np.ndarray,
    context: Mapping[str, str],
) -> None:
    """`metrics.json`, `predictions.csv` (image_id, paired texts, rank of the first paired text), `report.md`."""
    output.mkdir(parents=True, exist_ok=True)
    (output / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    with open(output / "predictions.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["image_id", "paired_texts", "first_hit_rank"])
        for image_id, count, rank in zip(image_ids, n_paired_texts, image_ranks, strict=True):
            writer.writerow([image_id, int(count), int(rank)])
    lines = [f"# {TITLES['retrieval']}", ""]
    lines += [f"- {key}: {value}" for key, value in context.items()]
    lines += ["", "| direction | queries | R@1 | R@5 | R@10 | median rank |", "|---|---:|---:|---:|---:|---:|"]
    for direction, queries in (("image_to_text", "n_images"), ("text_to_image", "n_texts")):
        recall, chance = metrics[direction], metrics["chance"][direction]
        cells = " | ".join(f"{recall[k]:.3f} (chance {chance[k]:.3f})" for k in recall)
        median = metrics[f"{direction}_median_rank"]
        lines.append(f"| {direction.replace('_', ' ')} | {metrics[queries]} | {cells} | {median:.0f} |")
    lines += ["", "![Recall@K](recall.png)", ""]
    (output / "report.md").write_text("\n".join(lines))
