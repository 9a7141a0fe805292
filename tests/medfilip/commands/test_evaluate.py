from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import datasets
import numpy as np
import pytest
from safetensors.torch import load_file
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

from medfilip.cli import main
from medfilip.evaluation.data import resolve_dataset
from medfilip.evaluation.metrics import fit_thresholds

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _predictions(output: Path) -> list[dict[str, str]]:
    with open(output / "predictions.csv") as handle:
        return list(csv.DictReader(handle))


def _assert_png(path: Path) -> None:
    assert path.read_bytes()[:8] == PNG_SIGNATURE and path.stat().st_size > 2000, path


@pytest.fixture(scope="module")
def small_kermany(kermany_dataset_dir, tmp_path_factory) -> Path:
    """The real Kermany build cut to 24 training and 40 validation images (both classes each)."""
    built = datasets.load_from_disk(str(kermany_dataset_dir))
    subset = {}
    for split, per_class in (("train", 12), ("validation", 20)):
        labels = np.array(built[split]["label"])
        rows = [int(i) for c in (0, 1) for i in np.flatnonzero(labels == c)[:per_class]]
        subset[split] = built[split].select(rows)
    output = tmp_path_factory.mktemp("small_kermany") / "dataset"
    datasets.DatasetDict(subset).save_to_disk(str(output))
    return output


@pytest.fixture(scope="module")
def nih_multilabel(data_root, dictionary, tmp_path_factory) -> Path:
    """90 real nih1000 images with their multi-labels, split train/validation/test by patient."""
    names = list(dictionary.label_set("chestxray14"))
    feature = datasets.Features(
        {"image": datasets.Image(), "image_id": datasets.Value("string"),
         "labels": datasets.List(datasets.ClassLabel(names=names))}
    )  # fmt: skip
    splits: dict[str, dict[str, list]] = {
        split: {"image": [], "image_id": [], "labels": []} for split in ("train", "validation", "test")
    }
    with (data_root / "nih1000" / "train.csv").open(newline="") as handle:
        for row in list(csv.DictReader(handle))[280:370]:  # the file lists its 300 normal images first
            split = ("train", "validation", "test")[int(row["patient_id"]) % 3]
            labels = [label for label in row["labels"].split("|") if label != "No Finding"]
            splits[split]["image"].append(str(data_root / "nih1000" / row["image"]))
            splits[split]["image_id"].append(Path(row["image"]).name)
            splits[split]["labels"].append(labels)
    output = tmp_path_factory.mktemp("nih_multilabel") / "dataset"
    datasets.DatasetDict(
        {name: datasets.Dataset.from_dict(columns, features=feature) for name, columns in splits.items()}
    ).save_to_disk(str(output))
    return output


def test_zero_shot_evaluation_outputs_agree_with_each_other(tiny_model_dir, small_kermany, tmp_path, capsys):
    output = tmp_path / "eval"
    code = main(["evaluate", "--model", str(tiny_model_dir), "--dataset", str(small_kermany), "--split", "validation",
                 "--labels", "Normal,Pneumonia", "--output", str(output), "--no-progress",
                 "--bootstrap", "100"])  # fmt: skip
    assert code == 0
    assert "ROC-AUC" in capsys.readouterr().out
    metrics = json.loads((output / "metrics.json").read_text())
    rows = _predictions(output)
    assert len(rows) == metrics["n_images"] == sum(metrics["counts"].values()) == 40
    truth = np.array([row["label"] == "Pneumonia" for row in rows])
    scores = np.array([float(row["Pneumonia"]) for row in rows])
    assert metrics["counts"]["Pneumonia"] == truth.sum()
    assert metrics["roc_auc"] == pytest.approx(roc_auc_score(truth, scores), abs=1e-5)
    assert metrics["per_class"]["Normal"]["roc_auc"] == pytest.approx(roc_auc_score(~truth, 1 - scores), abs=1e-5)
    predicted = scores > np.array([float(row["Normal"]) for row in rows])
    assert metrics["accuracy"] == pytest.approx(accuracy_score(truth, predicted), abs=1e-9)
    assert metrics["f1"] == pytest.approx(f1_score(truth, predicted, average="macro"), abs=1e-9)
    low, high = metrics["roc_auc_ci95"]
    assert low <= metrics["roc_auc"] <= high
    _assert_png(output / "roc.png")
    _assert_png(output / "confusion.png")
    assert "| accuracy |" in (output / "report.md").read_text()


def test_unseen_class_is_scored_through_the_given_description(tiny_model_dir, small_kermany, tmp_path):
    base = ["evaluate", "--model", str(tiny_model_dir), "--dataset", str(small_kermany), "--split", "validation",
            "--labels", "Normal,Pneumonia", "--no-progress", "--bootstrap", "100"]  # fmt: skip
    description = "patchy airspace opacities in both lungs"
    assert main([*base, "--output", str(tmp_path / "dictionary")]) == 0
    assert main([*base, "--output", str(tmp_path / "unseen"), "--unseen", "Pneumonia",
                 "--prompt", f"Pneumonia={description}"]) == 0  # fmt: skip
    metrics = json.loads((tmp_path / "unseen" / "metrics.json").read_text())
    assert metrics["unseen_classes"] == ["Pneumonia"]
    report = (tmp_path / "unseen" / "report.md").read_text()
    assert f"Pneumonia: {description}" in report and "Pneumonia (unseen)" in report
    given = [float(row["Pneumonia"]) for row in _predictions(tmp_path / "unseen")]
    dictionary = [float(row["Pneumonia"]) for row in _predictions(tmp_path / "dictionary")]
    assert not np.allclose(given, dictionary)
    with pytest.raises(ValueError, match="unseen classes"):
        main([*base, "--output", str(tmp_path / "bad"), "--unseen", "COVID-19"])


def test_multi_label_thresholds_come_from_the_validation_split(tiny_model_dir, nih_multilabel, tmp_path):
    base = ["evaluate", "--model", str(tiny_model_dir), "--dataset", str(nih_multilabel), "--no-progress",
            "--bootstrap", "100"]  # fmt: skip
    assert main([*base, "--split", "test", "--output", str(tmp_path / "test")]) == 0
    # validation scores, independently: the same scoring run on the validation split
    assert main([*base, "--split", "validation", "--threshold-split", "train", "--output", str(tmp_path / "val")]) == 0
    metrics = json.loads((tmp_path / "test" / "metrics.json").read_text())
    assert metrics["multi_label"] and metrics["threshold_split"] == "validation"
    names = metrics["class_names"]
    assert set(metrics["classes_left_out"]).isdisjoint(names)

    def matrix(rows: list[dict[str, str]]) -> tuple[np.ndarray, np.ndarray]:
        truth = np.array([[name in row["label"].split("|") for name in names] for row in rows], dtype=int)
        return truth, np.array([[float(row[name]) for name in names] for row in rows])

    val_rows = _predictions(tmp_path / "val")
    expected = []  # a class without positives in validation (absent from its predictions) keeps 0.5
    for name in names:
        if name not in val_rows[0]:
            expected.append(0.5)
            continue
        val_truth = np.array([[name in row["label"].split("|")] for row in val_rows], dtype=int)
        expected.append(fit_thresholds(val_truth, np.array([[float(row[name])] for row in val_rows]))[0])
    thresholds = np.array([metrics["thresholds"][name] for name in names])
    assert thresholds == pytest.approx(expected, abs=1e-5)
    truth, scores = matrix(_predictions(tmp_path / "test"))
    assert not np.allclose(thresholds, fit_thresholds(truth, scores), atol=1e-5)
    aucs = [roc_auc_score(truth[:, c], scores[:, c]) for c in range(len(names)) if 0 < truth[:, c].sum() < len(truth)]
    assert metrics["roc_auc"] == pytest.approx(np.mean(aucs), abs=1e-4)
    predicted = scores >= thresholds
    assert metrics["f1"] == pytest.approx(f1_score(truth, predicted, average="macro", zero_division=0), abs=1e-3)
    assert metrics["accuracy"] == pytest.approx(accuracy_score(truth.ravel(), predicted.ravel()), abs=1e-3)
    _assert_png(tmp_path / "test" / "confusion.png")
    with pytest.raises(ValueError, match="another split"):
        main([*base, "--split", "test", "--threshold-split", "test", "--output", str(tmp_path / "leak")])


def test_retrieval_recall_agrees_with_the_written_ranks(tiny_model_dir, kermany_dataset_dir, dictionary, tmp_path):
    from processing.findings import Finding
    from processing.knowledge import finding_caption

    source = datasets.load_from_disk(str(kermany_dataset_dir))["validation"].select(range(0, 480, 16))
    findings = []
    for label, image_id in zip(source["label"], source["image_id"], strict=True):
        locations = ("left", "right", "bilateral")
        category = "pneumonia" if label else "no finding"
        findings.append([{"category": category, "severity": None, "presence": "present", "evidence": None,
                          "location": locations[hash(image_id) % 3] if label else None},
                         {"category": "pleural effusion", "severity": None, "location": None,
                          "presence": "absent", "evidence": None}])  # fmt: skip
    captions = [[finding_caption(Finding(**f), dictionary) for f in row] for row in findings]
    paired = source.select_columns(["image", "image_id"]).add_column("findings", findings)
    paired = paired.add_column("captions", captions)
    folder = tmp_path / "paired"
    datasets.DatasetDict({"test": paired}).save_to_disk(str(folder))
    output = tmp_path / "retrieval"
    assert main(["evaluate", "--model", str(tiny_model_dir), "--dataset", str(folder), "--task", "retrieval",
                 "--text-source", "captions", "--output", str(output), "--no-progress"]) == 0  # fmt: skip
    metrics = json.loads((output / "metrics.json").read_text())
    rows = _predictions(output)
    ranks = np.array([int(row["first_hit_rank"]) for row in rows])
    assert len(rows) == metrics["n_images"] == 30
    assert all(int(row["paired_texts"]) == 1 for row in rows)  # the absent finding's caption is not a text
    for k in (1, 5, 10):
        assert metrics["image_to_text"][f"R@{k}"] == pytest.approx(np.mean(ranks <= k))
    assert metrics["n_texts"] == len({c[0] for c in captions}) <= 4
    _assert_png(output / "recall.png")


def test_named_dataset_is_built_once_into_the_cache(data_root, tmp_path):
    source = tmp_path / "kermany"
    for label in ("NORMAL", "PNEUMONIA"):
        (source / "train" / label).mkdir(parents=True)
        files = sorted((data_root / "kermany_pneumonia" / "train" / label).glob("*.jpeg"))[:6]
        for path in files:
            shutil.copy(path, source / "train" / label / path.name)
    first = resolve_dataset("kermany", source, tmp_path / "cache")
    stamp = (first / "dataset_dict.json").stat().st_mtime_ns
    assert resolve_dataset("kermany", source, tmp_path / "cache") == first
    assert (first / "dataset_dict.json").stat().st_mtime_ns == stamp
    assert resolve_dataset(str(first)) == first
    with pytest.raises(FileNotFoundError, match="neither a folder"):
        resolve_dataset(str(tmp_path / "nothing"))


def test_linear_probe_starts_from_the_saved_weights_and_keeps_the_tower(tiny_model_dir, small_kermany, tmp_path):
    output = tmp_path / "probe"
    assert main(["evaluate", "--model", str(tiny_model_dir), "--dataset", str(small_kermany), "--split", "validation",
                 "--task", "linear-probe", "--fraction", "0.5", "--epochs", "2", "--batch-size", "8",
                 "--output", str(output), "--no-progress", "--bootstrap", "100"]) == 0  # fmt: skip
    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["task"] == "linear-probe" and metrics["train_images"] == 12 and metrics["n_images"] == 40
    rows = _predictions(output)
    truth = np.array([row["label"] == "PNEUMONIA" for row in rows])
    assert metrics["roc_auc"] == pytest.approx(roc_auc_score(truth, [float(r["PNEUMONIA"]) for r in rows]), abs=1e-5)
    pretrained = load_file(tiny_model_dir / "model.safetensors")
    trained = load_file(output / "model" / "model.safetensors")
    tower = [name for name in trained if name.startswith("vision_model.")]
    assert tower and all(np.array_equal(trained[name].numpy(), pretrained[name].numpy()) for name in tower)
    _assert_png(output / "roc.png")


def test_finetuning_trains_the_tower_multi_label(tiny_model_dir, nih_multilabel, tmp_path):
    output = tmp_path / "finetune"
    assert main(["evaluate", "--model", str(tiny_model_dir), "--dataset", str(nih_multilabel), "--task", "finetune",
                 "--epochs", "2", "--learning-rate", "1e-3", "--batch-size", "8", "--output", str(output),
                 "--no-progress", "--bootstrap", "100"]) == 0  # fmt: skip
    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["task"] == "finetune" and metrics["multi_label"] and metrics["threshold_split"] == "validation"
    pretrained = load_file(tiny_model_dir / "model.safetensors")
    trained = load_file(output / "model" / "model.safetensors")
    changed = [name for name in trained if name.startswith("vision_model.") and "weight" in name
               and not np.array_equal(trained[name].numpy(), pretrained[name].numpy())]  # fmt: skip
    assert changed
    assert (output / "model" / "config.json").is_file() and (output / "report.md").is_file()
