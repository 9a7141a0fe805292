from __future__ import annotations

import numpy as np
import pytest

from medfilip.evaluation.metrics import fit_thresholds, multi_label_metrics, single_label_metrics
from medfilip.evaluation.retrieval import first_hit_ranks, retrieval_metrics


def test_single_label_metrics_match_hand_computed_values():
    # AUC of class 1: positives 0.4, 0.9 vs negatives 0.1, 0.6 -> 3 of 4 pairs ordered -> 0.75.
    # arg-max predictions [0, 1, 0, 1] vs truth [0, 0, 1, 1]: accuracy 0.5, both classes F1 = 0.5.
    positive = np.array([0.1, 0.6, 0.4, 0.9])
    scores = np.stack([1 - positive, positive], axis=1)
    metrics = single_label_metrics(np.array([0, 0, 1, 1]), scores, ["a", "b"], n_resamples=200)
    assert metrics["accuracy"] == pytest.approx(0.5)
    assert metrics["roc_auc"] == pytest.approx(0.75)
    assert metrics["per_class"]["a"]["roc_auc"] == pytest.approx(0.75)
    assert metrics["f1"] == pytest.approx(0.5)
    assert metrics["per_class"]["b"]["f1"] == pytest.approx(0.5)
    assert metrics["counts"] == {"a": 2, "b": 2}
    low, high = metrics["roc_auc_ci95"]
    assert 0 <= low <= high <= 1


def test_three_class_macro_auc_leaves_out_a_class_without_images():
    # class c has no image: its AUC is None and the macro AUC is the mean of a and b.
    y_true = np.array([0, 0, 1, 1])
    scores = np.array([[0.7, 0.2, 0.1], [0.3, 0.6, 0.1], [0.5, 0.4, 0.1], [0.1, 0.8, 0.1]])
    metrics = single_label_metrics(y_true, scores, ["a", "b", "c"], n_resamples=50)
    # a: positives 0.7, 0.3 vs negatives 0.5, 0.1 -> 3/4; b: positives 0.4, 0.8 vs 0.2, 0.6 -> 3/4
    assert metrics["per_class"]["c"]["roc_auc"] is None
    assert metrics["roc_auc"] == pytest.approx(0.75)
    assert metrics["accuracy"] == pytest.approx(0.5)  # predictions a, b, a, b


def test_multi_label_metrics_apply_the_given_thresholds():
    truth = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    scores = np.array([[0.9, 0.2], [0.3, 0.8], [0.6, 0.4], [0.2, 0.1]])
    metrics = multi_label_metrics(truth, scores, np.array([0.5, 0.5]), ["x", "y"], n_resamples=50)
    # predictions [[1,0],[0,1],[1,0],[0,0]]: 7 of 8 cells right, 3 of 4 rows exactly right
    assert metrics["accuracy"] == pytest.approx(7 / 8)
    assert metrics["subset_accuracy"] == pytest.approx(3 / 4)
    # x: F1 1.0; y: TP 1, FN 1 -> 2/3
    assert metrics["per_class"]["y"]["f1"] == pytest.approx(2 / 3)
    assert metrics["f1"] == pytest.approx((1 + 2 / 3) / 2)
    # x AUC 1.0; y: positives 0.8, 0.4 vs negatives 0.2, 0.1 -> 1.0
    assert metrics["roc_auc"] == pytest.approx(1.0)
    lowered = multi_label_metrics(truth, scores, np.array([0.5, 0.3]), ["x", "y"], n_resamples=50)
    assert lowered["per_class"]["y"]["f1"] == pytest.approx(1.0)


def test_thresholds_maximize_f1_on_the_given_split():
    truth = np.array([[0], [1], [1], [0]])
    scores = np.array([[0.2], [0.7], [0.4], [0.5]])
    # >= 0.4: TP 2, FP 1 -> F1 0.8; >= 0.5: 0.5; >= 0.7: 0.667
    assert fit_thresholds(truth, scores)[0] == pytest.approx(0.4)
    assert fit_thresholds(np.zeros((3, 1), dtype=int), np.array([[0.1], [0.2], [0.3]]))[0] == 0.5


def test_retrieval_recall_from_hand_ranked_similarities():
    similarity = np.array([[0.9, 0.1, 0.5], [0.8, 0.3, 0.2], [0.1, 0.2, 0.7]])
    pairs = np.array([[1, 0, 0], [0, 1, 0], [0, 1, 1]])
    # image 0: text 0 first -> rank 1; image 1: order 0, 1, 2 -> rank 2; image 2: order 2, ... -> rank 1
    assert first_hit_ranks(similarity, pairs).tolist() == [1, 2, 1]
    # text 0: images by 0.9, 0.8 -> image 0 paired -> 1; text 1: 0.3 (img1), 0.2 (img2) -> 1; text 2: img2 -> 1
    assert first_hit_ranks(similarity.T, pairs.T).tolist() == [1, 1, 1]
    metrics = retrieval_metrics(similarity, pairs, ks=(1, 2))
    assert metrics["image_to_text"] == {"R@1": pytest.approx(2 / 3), "R@2": 1.0}
    assert metrics["text_to_image"]["R@1"] == 1.0
    # random ranking, 3 candidates: one paired text -> R@1 1/3; two paired texts -> R@1 2/3
    assert metrics["chance"]["image_to_text"]["R@1"] == pytest.approx((1 / 3 + 1 / 3 + 2 / 3) / 3)
