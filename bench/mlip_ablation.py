"""MLIP ablation on the real data: the demo's recipe trained with SSM only, + local alignment, + masked views.

Every variant gets the same budget (the demo's data, 2,000 samples, batch 32, the same epochs, learning
rate and seeds; by default the demo's 2 epochs at 1e-3) and is evaluated as a user would, through
`medfilip evaluate`: Kermany zero-shot pneumonia vs normal on held-out patients (validation split) and
ieee8023 image-caption retrieval on its test split. Needs the demo's datasets (`bash scripts/demo.sh`).
Models already trained in the work folder are reused.
Usage: python bench/mlip_ablation.py [--work runs/ablation] [--preset tiny] [--learning-rate 1e-3] [--epochs 2]
       [--seeds 0 1] [--variants ssm local masked]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MEDFILIP = [sys.executable, "-m", "medfilip"]

VARIANTS: dict[str, tuple[str, list[str]]] = {
    "ssm": ("SSM only", []),
    "local": ("+ local alignment (OT, λ_local 0.5)", ["--local_loss_weight", "0.5"]),
    "local-attention": (
        "+ local alignment (attention, λ_local 0.5)",
        ["--local_loss_weight", "0.5", "--local_alignment", "attention"],
    ),
    "masked": ("+ masked views (ratio 0.5, SIE)", ["--mask_ratio", "0.5"]),
    "masked-unmasked-last": (
        "+ masked views, last epoch unmasked",
        ["--mask_ratio", "0.5", "--unmasked_last_epochs", "1"],
    ),
    "local-masked": ("+ local + masked", ["--local_loss_weight", "0.5", "--mask_ratio", "0.5"]),
}


def run(arguments: list[str]) -> None:
    print("$", " ".join(arguments), flush=True)
    subprocess.run(arguments, check=True, cwd=ROOT)


def train(output: Path, datasets: list[Path], cache: Path, seed: int, extra: list[str]) -> float | None:
    """Trains one variant unless `output` already holds a model; returns the training time in seconds."""
    if (output / "model.safetensors").is_file():
        return None
    start = time.perf_counter()
    run([sys.executable, "train.py", "--loss_type", "ssm", "--dataset", *map(str, datasets),
         "--max_train_samples", "2000", "--caption_encoder", "sentence-transformers/all-MiniLM-L6-v2",
         "--embedding_cache_dir", str(cache), "--output_dir", str(output),
         "--per_device_train_batch_size", "32", "--warmup_steps", "10",
         "--logging_steps", "20", "--save_strategy", "no", "--eval_strategy", "no", "--eval_split", "none",
         "--report_to", "none", "--disable_tqdm", "true", "--seed", str(seed), *extra])  # fmt: skip
    return time.perf_counter() - start


def spread_of(values: list[float]) -> str:
    """'mean ± sample standard deviation' to three decimals."""
    return f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}"


def evaluate(output: Path, *arguments: str) -> dict:
    if not (output / "metrics.json").is_file():
        run([*MEDFILIP, "evaluate", *arguments, "--output", str(output), "--no-progress"])
    return json.loads((output / "metrics.json").read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", default="runs/ablation", help="work folder (models, evaluation outputs)")
    parser.add_argument("--demo", default="runs/demo", help="the demo's output folder (its datasets)")
    parser.add_argument(
        "--preset", default="tiny", help="model preset (tiny: CNN cells zeroed; tiny-vit: tokens dropped)"
    )
    parser.add_argument("--learning-rate", default="1e-3")
    parser.add_argument("--epochs", default="2")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=["ssm", "local", "masked"])
    args = parser.parse_args()
    work, data = (ROOT / args.work).resolve(), (ROOT / args.demo).resolve() / "data"
    kermany, covid = data / "kermany", data / "covid-pretraining"
    results: dict[str, list[dict]] = {}
    for name in args.variants:
        for seed in args.seeds:
            tag = f"{name}-seed{seed}"
            budget = ["--model", args.preset, "--learning_rate", args.learning_rate, "--num_train_epochs", args.epochs]
            seconds = train(work / tag, [kermany, covid], work / "embedding-cache", seed, budget + VARIANTS[name][1])
            if seconds is None and (work / f"{tag}.json").is_file():
                seconds = json.loads((work / f"{tag}.json").read_text())["seconds"]
            zero_shot = evaluate(work / f"{tag}-kermany", "--model", str(work / tag), "--dataset", str(kermany),
                                 "--split", "validation", "--labels", "Normal,Pneumonia")  # fmt: skip
            retrieval = evaluate(work / f"{tag}-retrieval", "--model", str(work / tag), "--dataset", str(covid),
                                 "--split", "test", "--task", "retrieval", "--text-source", "captions")  # fmt: skip
            row = {"seed": seed, "seconds": seconds, "auc": zero_shot["roc_auc"], "ci": zero_shot["roc_auc_ci95"],
                   "i2t": retrieval["image_to_text"]["R@5"], "t2i": retrieval["text_to_image"]["R@5"],
                   "chance_i2t": retrieval["chance"]["image_to_text"]["R@5"],
                   "chance_t2i": retrieval["chance"]["text_to_image"]["R@5"]}  # fmt: skip
            (work / f"{tag}.json").write_text(json.dumps(row, indent=2) + "\n")
            results.setdefault(name, []).append(row)

    print("\n| variant | seed | training (s) | Kermany zero-shot ROC-AUC (95 % CI) | ieee8023 I→T R@5 | T→I R@5 |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, rows in results.items():
        for row in rows:
            seconds = "–" if row["seconds"] is None else f"{row['seconds']:.0f}"
            auc = f"{row['auc']:.3f} ({row['ci'][0]:.3f}–{row['ci'][1]:.3f})"
            print(f"| {VARIANTS[name][0]} | {row['seed']} | {seconds} | {auc} | {row['i2t']:.3f} | {row['t2i']:.3f} |")
        if len(rows) > 1:
            spread = {key: spread_of([r[key] for r in rows]) for key in ("auc", "i2t", "t2i")}
            print(f"| **{VARIANTS[name][0]}** | mean ± sd | | {spread['auc']} | {spread['i2t']} | {spread['t2i']} |")
    first = next(iter(results.values()))[0]
    print(f"\nchance R@5 on the ieee8023 test split: I→T {first['chance_i2t']:.3f}, T→I {first['chance_t2i']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
