"""Classification metrics from scikit-learn: accuracy, macro and per-class ROC-AUC and F1, bootstrap intervals.

Single-label: `y_true` is `(n,)` class indices, `scores` `(n, C)` class probabilities, the prediction is
the arg-max. Multi-label: `y_true` is `(n, C)` 0/1, `scores` `(n, C)` per-class probabilities, and a
class is predicted where its score reaches its threshold (thresholds fitted on another split by
`fit_thresholds`). A class whose truth is constant on the evaluated images has no ROC-AUC (None) and
is left out of the macro ROC-AUC.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, precision_recall_curve, roc_auc_score

BOOTSTRAP_RESAMPLES = 1000


def one_hot(y_true: np.ndarray, n_classes: int) -> np.ndarray:
    """`(n, n_classes)` 0/1 matrix of single-label class indices."""
    return np.eye(n_classes, dtype=int)[np.asarray(y_true, dtype=int)]


def _class_auc(truth: np.ndarray, scores: np.ndarray) -> float | None:
    """ROC-AUC of one class (one-vs-rest), None when its truth is constant."""
    if truth.min() == truth.max():
        return None
    return float(roc_auc_score(truth, scores))


def per_class_auc(truth: np.ndarray, scores: np.ndarray) -> list[float | None]:
    """One-vs-rest ROC-AUC of each column of the `(n, C)` 0/1 `truth` against the same column of `scores`."""
    return [_class_auc(truth[:, c], scores[:, c]) for c in range(truth.shape[1])]


def macro_auc(truth: np.ndarray, scores: np.ndarray) -> float | None:
    """Mean of the defined per-class ROC-AUCs (None when no class has both outcomes).

    With two classes and a single-label `truth`, both columns give the same AUC as the binary
    ROC-AUC of the positive class, so the mean equals `roc_auc_score(y, scores[:, 1])`.
    """
    values = [value for value in per_class_auc(truth, scores) if value is not None]
    return float(np.mean(values)) if values else None


def bootstrap_auc_intervals(
    truth: np.ndarray, scores: np.ndarray, n_resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0
) -> tuple[list[float] | None, list[list[float] | None]]:
    """95 % percentile intervals of the macro and each per-class ROC-AUC over images resampled with replacement.

    `truth` is the `(n, C)` 0/1 matrix. A resample in which a class has one outcome only does not count
    toward that class (nor, when no class is defined, toward the macro value). Returns
    `(macro [low, high] or None, per class [low, high] or None)`.
    """
    rng = np.random.default_rng(seed)
    n_images, n_classes = truth.shape
    macro_values: list[float] = []
    class_values: list[list[float]] = [[] for _ in range(n_classes)]
    for _ in range(n_resamples):
        index = rng.integers(0, n_images, n_images)
        aucs = per_class_auc(truth[index], scores[index])
        defined = [value for value in aucs if value is not None]
        if defined:
            macro_values.append(float(np.mean(defined)))
        for c, value in enumerate(aucs):
            if value is not None:
                class_values[c].append(value)

    def interval(values: list[float]) -> list[float] | None:
        return [float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))] if values else None

    return interval(macro_values), [interval(values) for values in class_values]


def fit_thresholds(truth: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Per class, the score threshold maximizing F1 on these (validation) images; 0.5 for a constant class.

    The threshold is one of the observed scores, so `scores >= threshold` reproduces the chosen point.
    """
    thresholds = np.full(truth.shape[1], 0.5)
    for c in range(truth.shape[1]):
        if truth[:, c].min() == truth[:, c].max():
            continue
        precision, recall, candidates = precision_recall_curve(truth[:, c], scores[:, c])
        with np.errstate(divide="ignore", invalid="ignore"):
            f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
        thresholds[c] = float(candidates[int(np.argmax(f1[:-1]))])
    return thresholds


def _common(
    truth: np.ndarray,
    scores: np.ndarray,
    predicted: np.ndarray,
    class_names: Sequence[str],
    n_resamples: int,
) -> dict[str, Any]:
    """Fields shared by both kinds: macro and per-class AUC with intervals, per-class F1 and counts."""
    aucs = per_class_auc(truth, scores)
    macro_interval, class_intervals = bootstrap_auc_intervals(truth, scores, n_resamples)
    class_f1 = [f1_score(truth[:, c], predicted[:, c], zero_division=0) for c in range(truth.shape[1])]
    return {
        "n_images": int(truth.shape[0]),
        "class_names": list(class_names),
        "counts": {name: int(truth[:, c].sum()) for c, name in enumerate(class_names)},
        "roc_auc": macro_auc(truth, scores),
        "roc_auc_ci95": macro_interval,
        "per_class": {
            name: {
                "count": int(truth[:, c].sum()),
                "roc_auc": aucs[c],
                "roc_auc_ci95": class_intervals[c],
                "f1": float(class_f1[c]),
            }
            for c, name in enumerate(class_names)
        },
    }


def single_label_metrics(
    y_true: np.ndarray, scores: np.ndarray, class_names: Sequence[str], n_resamples: int = BOOTSTRAP_RESAMPLES
) -> dict[str, Any]:
    """Accuracy and macro F1 of the arg-max prediction, macro/per-class one-vs-rest ROC-AUC with 95 % intervals."""
    y_true = np.asarray(y_true, dtype=int)
    y_pred = scores.argmax(axis=1)
    n_classes = len(class_names)
    metrics = _common(one_hot(y_true, n_classes), scores, one_hot(y_pred, n_classes), class_names, n_resamples)
    metrics.update(
        multi_label=False,
        accuracy=float(accuracy_score(y_true, y_pred)),
        f1=float(f1_score(y_true, y_pred, labels=range(n_classes), average="macro", zero_division=0)),
    )
    return metrics


def multi_label_metrics(
    y_true: np.ndarray,
    scores: np.ndarray,
    thresholds: np.ndarray,
    class_names: Sequence[str],
    n_resamples: int = BOOTSTRAP_RESAMPLES,
) -> dict[str, Any]:
    """Label-wise accuracy (`accuracy`), exact-match accuracy, macro F1 at `thresholds`, ROC-AUC with intervals."""
    y_true = np.asarray(y_true, dtype=int)
    if y_true.shape[1] == 0:
        raise ValueError("no class to evaluate: no image has a positive label")
    predicted = (scores >= thresholds[None, :]).astype(int)
    metrics = _common(y_true, scores, predicted, class_names, n_resamples)
    metrics.update(
        multi_label=True,
        accuracy=float(accuracy_score(y_true.ravel(), predicted.ravel())),
        subset_accuracy=float(np.mean((y_true == predicted).all(axis=1))),
        f1=float(np.mean([values["f1"] for values in metrics["per_class"].values()])),
        thresholds={name: float(thresholds[c]) for c, name in enumerate(class_names)},
    )
    return metrics
