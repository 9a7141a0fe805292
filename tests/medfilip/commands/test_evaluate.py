from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from PIL import Image
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

from medfilip.cli import main


def test_zero_shot_evaluation_outputs_agree_with_each_other(tiny_model_dir, kermany_dataset_dir, tmp_path, capsys):
    dataset_dir = kermany_dataset_dir
    output = tmp_path / "eval"
    code = main(["evaluate", "--model", str(tiny_model_dir), "--dataset", str(dataset_dir), "--split", "validation",
                 "--labels", "Normal,Pneumonia", "--output", str(output)])  # fmt: skip
    assert code == 0
    assert "ROC-AUC" in capsys.readouterr().out
    metrics = json.loads((output / "metrics.json").read_text())
    with open(output / "predictions.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == metrics["n_images"] == sum(metrics["counts"].values())
    truth = np.array([row["label"] == "Pneumonia" for row in rows])
    scores = np.array([float(row["Pneumonia"]) for row in rows])
    assert metrics["counts"]["Pneumonia"] == truth.sum()
    assert metrics["roc_auc"] == pytest.approx(roc_auc_score(truth, scores), abs=1e-5)
    predicted = scores > np.array([float(row["Normal"]) for row in rows])
    assert metrics["accuracy"] == pytest.approx(accuracy_score(truth, predicted), abs=1e-9)
    assert metrics["f1"] == pytest.approx(f1_score(truth, predicted, average="macro"), abs=1e-9)
    low, high = metrics["roc_auc_ci95"]
    assert low <= metrics["roc_auc"] <= high
    assert Image.open(output / "roc.png").size[0] > 100
    assert "| accuracy |" in (output / "report.md").read_text()
