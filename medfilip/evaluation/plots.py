"""PNG plots of an evaluation: one-vs-rest ROC curves per class and confusion matrices (matplotlib, Agg)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.metrics import confusion_matrix, multilabel_confusion_matrix, roc_auc_score, roc_curve


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_roc(truth: np.ndarray, scores: np.ndarray, class_names: Sequence[str], path: Path, title: str) -> None:
    """ROC curve of each class with both outcomes present (`truth` is the `(n, C)` 0/1 matrix)."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(5, 5))
    for c, name in enumerate(class_names):
        if truth[:, c].min() != truth[:, c].max():
            fpr, tpr, _ = roc_curve(truth[:, c], scores[:, c])
            axis.plot(fpr, tpr, label=f"{name} (AUC {roc_auc_score(truth[:, c], scores[:, c]):.3f})")
    axis.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=0.8)
    axis.set(xlabel="false positive rate", ylabel="true positive rate", title=title)
    axis.legend(loc="lower right", fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def plot_confusion(y_true: np.ndarray, y_pred: np.ndarray, class_names: Sequence[str], path: Path) -> None:
    """Single-label confusion matrix (rows: truth, columns: prediction), counts in the cells."""
    plt = _pyplot()
    matrix = confusion_matrix(y_true, y_pred, labels=range(len(class_names)))
    size = 2.5 + 0.6 * len(class_names)
    figure, axis = plt.subplots(figsize=(size, size))
    axis.imshow(matrix, cmap="Blues")
    for (row, column), value in np.ndenumerate(matrix):
        color = "white" if value > matrix.max() / 2 else "black"
        axis.text(column, row, str(value), ha="center", va="center", color=color)
    axis.set_xticks(range(len(class_names)), class_names, rotation=45, ha="right")
    axis.set_yticks(range(len(class_names)), class_names)
    axis.set(xlabel="predicted", ylabel="true", title="Confusion matrix")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def plot_multilabel_confusion(truth: np.ndarray, predicted: np.ndarray, class_names: Sequence[str], path: Path) -> None:
    """Per class, the 2x2 counts [[TN, FP], [FN, TP]] at its threshold, one small panel each."""
    plt = _pyplot()
    matrices = multilabel_confusion_matrix(truth, predicted)
    columns = min(4, len(class_names))
    rows = -(-len(class_names) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(2.4 * columns, 2.4 * rows), squeeze=False)
    for axis in axes.ravel()[len(class_names) :]:
        axis.axis("off")
    for axis, name, matrix in zip(axes.ravel(), class_names, matrices, strict=False):
        axis.imshow(matrix, cmap="Blues")
        for (row, column), value in np.ndenumerate(matrix):
            axis.text(column, row, str(value), ha="center", va="center", fontsize=8)
        axis.set_xticks([0, 1], ["pred -", "pred +"], fontsize=7)
        axis.set_yticks([0, 1], ["true -", "true +"], fontsize=7)
        axis.set_title(name, fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def plot_recall_curve(ranks: dict[str, np.ndarray], path: Path, max_k: int = 50) -> None:
    """Recall@K for K = 1..max_k of each retrieval direction (`ranks`: direction -> first-hit ranks)."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(5, 4))
    ks = np.arange(1, max_k + 1)
    for direction, values in ranks.items():
        values = values[values > 0]
        axis.plot(ks, [(values <= k).mean() for k in ks], label=direction)
    axis.set(xlabel="K", ylabel="Recall@K", title="Retrieval", ylim=(0, 1))
    axis.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
