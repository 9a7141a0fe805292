"""Heat maps of a locally aligned model on real held-out X-rays: Kermany pneumonia / normal and ieee8023 COVID-19.

Images are chosen by rule, not by look: the first Kermany validation images (sorted by id) of each kind
(bacterial, viral, normal), and the first COVID-19 frontal images of the ieee8023 validation and test splits whose
license allows derivatives (CC BY / CC BY-SA / Apache, no NC or ND). Each row shows the X-ray and one
overlay per label on the colour scale shared by the image's labels (`medfilip.explain`), and the
script prints a Markdown table of the labels' probabilities and the best-matching dictionary attribute.
Usage: python bench/mlip_heatmaps.py --model runs/ablation-tiny-vit/local-seed0 [--output bench/figures/heatmaps.jpg]
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import datasets
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from transformers import AutoModel, AutoProcessor  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from medfilip.explain.heatmaps import explain_image, shared_range  # noqa: E402
from medfilip.paths import data_root  # noqa: E402
from processing.image_loading import load_grayscale  # noqa: E402
from processing.knowledge import load_knowledge_dictionary  # noqa: E402

LABELS = ["pneumonia", "COVID-19", "no finding"]
OPEN_LICENSES = ("CC BY 3.0", "CC BY 4.0", "CC BY", "CC BY-SA", "Apache 2.0")


def kermany_images(dataset: Path, per_kind: int) -> list[tuple[str, str, Image.Image]]:
    """(title, truth, image) of the first validation images by id of each kind: bacteria, virus, normal."""
    rows = datasets.load_from_disk(str(dataset))["validation"]
    kinds = rows.features["pneumonia_type"].int2str(rows["pneumonia_type"])  # columns only: no image decoded
    ids = sorted((image_id, index) for index, image_id in enumerate(rows["image_id"]))
    picked = []
    for kind, truth in (("bacteria", "pneumonia (bacterial)"), ("virus", "pneumonia (viral)"), ("none", "normal")):
        chosen = [(image_id, i) for image_id, i in ids if kinds[i] == kind]
        picked += [(f"Kermany {image_id.split('/')[-1]}", truth, rows[i]["image"]) for image_id, i in chosen[:per_kind]]
    return picked


def covid_images(dataset: Path, collection: Path, count: int) -> list[tuple[str, str, Path]]:
    """(title, truth, path) of the first held-out COVID-19 frontal images whose license allows derivatives."""
    splits = datasets.load_from_disk(str(dataset))
    held_out = set(splits["validation"]["image_id"]) | set(splits["test"]["image_id"])
    with (collection / "metadata.csv").open(newline="") as handle:
        rows = [
            row
            for row in csv.DictReader(handle)
            if row["filename"] in held_out
            and "COVID-19" in row["finding"]
            and row["view"] in ("PA", "AP", "AP Supine")
            and row["license"].strip() in OPEN_LICENSES
        ]
    rows.sort(key=lambda row: row["filename"])
    return [
        (
            f"ieee8023 {row['filename'][:28]} ({row['license'].strip()})",
            "COVID-19",
            collection / "images" / row["filename"],
        )
        for row in rows[:count]
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="model folder trained with --local_loss_weight > 0")
    parser.add_argument("--demo", default="runs/demo", help="the demo's output folder (its datasets)")
    parser.add_argument("--output", default="bench/figures/heatmaps.jpg")
    parser.add_argument("--per-kind", type=int, default=1, help="Kermany images of each kind")
    parser.add_argument("--covid", type=int, default=3, help="COVID-19 images")
    args = parser.parse_args()
    demo = (ROOT / args.demo).resolve()
    model = AutoModel.from_pretrained(args.model, trust_remote_code=True)
    processor = AutoProcessor.from_pretrained(args.model, trust_remote_code=True)
    dictionary = load_knowledge_dictionary()
    images = kermany_images(demo / "data" / "kermany", args.per_kind) + covid_images(
        demo / "data" / "covid-pretraining", data_root(ROOT.parent / "shared" / "data") / "covid_ieee8023", args.covid
    )
    figure, axes = plt.subplots(len(images), 1 + len(LABELS), figsize=(2.2 * (1 + len(LABELS)), 2.3 * len(images)))
    print("| image | truth | " + " | ".join(f"p({label})" for label in LABELS) + " | best attribute of the truth |")
    print("|---|---|" + "---:|" * len(LABELS) + "---|")
    for row, (title, truth, image) in enumerate(images):
        gray = load_grayscale(image)
        explanations = explain_image(model, processor, image, LABELS, dictionary)
        low, high = shared_range(explanations)
        axes[row, 0].imshow(gray, cmap="gray")
        axes[row, 0].set_title(f"{title[:34]}\n{truth}", fontsize=6)
        for column, explanation in enumerate(explanations, start=1):
            axes[row, column].imshow(gray, cmap="gray")
            axes[row, column].imshow(explanation.heatmap, cmap="jet", alpha=0.4, vmin=low, vmax=high)
            axes[row, column].set_title(f"{explanation.label} p={explanation.probability:.2f}", fontsize=7)
        for axis in axes[row]:
            axis.axis("off")
        truth_label = "no finding" if truth == "normal" else ("COVID-19" if truth == "COVID-19" else "pneumonia")
        best = next(e for e in explanations if e.label == truth_label).attributes
        probabilities = " | ".join(f"{e.probability:.2f}" for e in explanations)
        print(f"| {title} | {truth} | {probabilities} | {best[0][0] if best else '–'} |")
        assert all(np.isfinite(e.heatmap).all() and e.heatmap.shape == gray.shape for e in explanations)
    output = ROOT / args.output
    output.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(output, dpi=90, pil_kwargs={"quality": 85} if output.suffix == ".jpg" else None)
    print(f"\nwrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
