"""The evaluation results table of `bench/RESULTS.md`: every `medfilip evaluate` protocol on the real data.

Needs the demo's outputs (`bash scripts/demo.sh`: `runs/demo/model`, `runs/demo/data/kermany`). Also
trains a demo-sized model on Kermany only (no COVID-19 caption at all) for COVID-19 as an unseen class,
and writes nih1000 out in the NIH release layout (symlinks, under the work folder) for the
`nih-chestxray14` builder. Runs each protocol as a user would, through the `medfilip` command, and prints
the Markdown table. Usage: `python bench/evaluate_results.py [--work runs/bench-eval]` (data root: `MEDFILIP_DATA_DIR`,
default `../shared/data`).
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from medfilip.paths import data_root  # noqa: E402

MEDFILIP = [sys.executable, "-m", "medfilip"]


def nih_release_layout(source: Path, target: Path) -> Path:
    """nih1000 as `Data_Entry_2017_v2020.csv`, `images_001/images/`, `train_val_list.txt` (its train) and
    `test_list.txt` (its valid); images are symlinks to the originals."""
    images = target / "images_001" / "images"
    images.mkdir(parents=True, exist_ok=True)
    entries, lists = [], {"train_val_list.txt": [], "test_list.txt": []}
    for split, list_name in (("train", "train_val_list.txt"), ("valid", "test_list.txt")):
        with (source / f"{split}.csv").open(newline="") as handle:
            for row in csv.DictReader(handle):
                name = Path(row["image"]).name
                if not (images / name).exists():
                    (images / name).symlink_to(source / row["image"])
                lists[list_name].append(name)
                entries.append([name, row["labels"], "0", row["patient_id"], row["age"], row["sex"], row["view"]])
    with (target / "Data_Entry_2017_v2020.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Image Index", "Finding Labels", "Follow-up #", "Patient ID", "Patient Age",
                         "Patient Gender", "View Position"])  # fmt: skip
        writer.writerows(entries)
    for list_name, names in lists.items():
        (target / list_name).write_text("\n".join(names) + "\n")
    return target


def run(arguments: list[str]) -> None:
    print("$", " ".join(arguments), flush=True)
    subprocess.run(arguments, check=True, cwd=ROOT)


def evaluate(output: Path, *arguments: str) -> dict:
    run([*MEDFILIP, "evaluate", *arguments, "--output", str(output), "--no-progress"])
    return json.loads((output / "metrics.json").read_text())


def train_kermany_only(kermany: Path, output: Path, cache: Path) -> None:
    """The demo's recipe on Kermany alone: its captions are `pneumonia` and `no finding`, never COVID-19."""
    if (output / "model.safetensors").is_file():
        return
    run([sys.executable, "train.py", "--model", "tiny", "--loss_type", "ssm", "--dataset", str(kermany),
         "--max_train_samples", "2000", "--caption_encoder", "sentence-transformers/all-MiniLM-L6-v2",
         "--embedding_cache_dir", str(cache), "--output_dir", str(output), "--num_train_epochs", "2",
         "--per_device_train_batch_size", "32", "--learning_rate", "1e-3", "--warmup_steps", "10",
         "--logging_steps", "20", "--save_strategy", "no", "--eval_strategy", "no", "--eval_split", "none",
         "--report_to", "none", "--disable_tqdm", "true", "--seed", "0"])  # fmt: skip


def cell(metrics: dict, key: str) -> str:
    value = metrics[key]
    interval = metrics.get(f"{key}_ci95")
    return f"{value:.3f}" + (f" ({interval[0]:.3f}–{interval[1]:.3f})" if interval else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", default="runs/bench-eval", help="work folder (models, outputs, caches)")
    parser.add_argument("--demo", default="runs/demo", help="the demo's output folder")
    args = parser.parse_args()
    work, demo = (ROOT / args.work).resolve(), (ROOT / args.demo).resolve()
    data = data_root(ROOT.parent / "shared" / "data")
    model, kermany = demo / "model", demo / "data" / "kermany"
    cache = ["--cache-dir", str(work / "datasets")]
    rows: list[tuple[str, str, dict]] = []

    def classification(name: str, protocol: str, output: str, *arguments: str) -> None:
        rows.append((name, protocol, evaluate(work / output, *arguments)))

    common = ["--model", str(model), "--dataset", str(kermany), "--split", "validation", "--labels", "Normal,Pneumonia"]
    classification("Kermany pneumonia vs normal", "zero-shot", "kermany-zero-shot", *common)
    for fraction, epochs in (("0.01", "30"), ("0.1", "5"), ("1.0", "2")):
        classification("Kermany pneumonia vs normal", f"linear probe {float(fraction):.0%}",
                       f"kermany-probe-{fraction}", *common, "--task", "linear-probe", "--fraction", fraction,
                       "--epochs", epochs)  # fmt: skip
    classification("Kermany pneumonia vs normal", "fine-tuning 10%", "kermany-finetune-0.1", *common,
                   "--task", "finetune", "--fraction", "0.1", "--epochs", "3")  # fmt: skip
    covid = ["--dataset", "covid", "--data-dir", str(data / "covid_ieee8023"), *cache, "--split", "test",
             "--labels", "no finding,COVID-19,pneumonia"]  # fmt: skip
    classification("ieee8023 no finding / COVID-19 / other", "zero-shot (demo model, COVID-19 captions seen)",
                   "covid-zero-shot", "--model", str(model), *covid)  # fmt: skip
    unseen_model = work / "kermany-only-model"
    train_kermany_only(kermany, unseen_model, work / "embedding-cache")
    classification("ieee8023 no finding / COVID-19 / other", "zero-shot, COVID-19 unseen (Kermany-only model)",
                   "covid-unseen", "--model", str(unseen_model), *covid, "--unseen", "COVID-19")  # fmt: skip
    nih = nih_release_layout(data / "nih1000", work / "nih-release")
    classification("NIH1000 multi-label (labels present in test)", "zero-shot, thresholds from validation",
                   "nih-zero-shot", "--model", str(model), "--dataset", "nih-chestxray14", "--data-dir", str(nih),
                   *cache, "--split", "test")  # fmt: skip
    retrieval = {}
    for source in ("report", "captions"):
        retrieval[source] = evaluate(work / f"covid-retrieval-{source}", "--model", str(model), "--dataset",
                                     "covid-pretraining", "--data-dir", str(data / "covid_ieee8023"), *cache,
                                     "--split", "test", "--task", "retrieval", "--text-source", source)  # fmt: skip

    print("\n| data | protocol | images | accuracy | ROC-AUC (95 % CI) | F1 |\n|---|---|---:|---:|---:|---:|")
    for name, protocol, metrics in rows:
        print(f"| {name} | {protocol} | {metrics['n_images']} | {metrics['accuracy']:.3f} | "
              f"{cell(metrics, 'roc_auc')} | {metrics['f1']:.3f} |")  # fmt: skip
    for name, _, metrics in rows:
        if metrics.get("unseen_classes"):
            per_class = metrics["per_class"]["COVID-19"]
            print(f"\n{name}, unseen COVID-19 alone: ROC-AUC {per_class['roc_auc']:.3f}, F1 {per_class['f1']:.3f}")
    print("\n| retrieval (ieee8023 test) | images | texts | I→T R@1 | R@5 | R@10 | T→I R@1 | R@5 | R@10 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for source, metrics in retrieval.items():
        recall = [metrics[d][f"R@{k}"] for d in ("image_to_text", "text_to_image") for k in (1, 5, 10)]
        chance = [metrics["chance"][d][f"R@{k}"] for d in ("image_to_text", "text_to_image") for k in (1, 5, 10)]
        print(f"| {source} | {metrics['n_images']} | {metrics['n_texts']} | "
              + " | ".join(f"{r:.3f} ({c:.3f})" for r, c in zip(recall, chance, strict=True)) + " |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
