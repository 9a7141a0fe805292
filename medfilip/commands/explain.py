"""`medfilip explain`: heat maps of where each label is seen on a chest X-ray, and its best-matching attributes."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "explain",
        help="heat maps of patch-caption similarity per label, overlaid on the X-ray",
        description="For each label, write a PNG of the X-ray (at its own size) overlaid with the similarity of "
        "each patch to the label's knowledge-enriched prompt, and list the dictionary attributes that match "
        "best, in explanation.json.",
    )
    parser.add_argument("image", help="chest X-ray: PNG, JPEG, 16-bit PNG or DICOM")
    parser.add_argument("--model", required=True, help="saved model folder")
    parser.add_argument(
        "--labels", default="pneumonia,pleural effusion,cardiomegaly,no finding", help="comma-separated labels"
    )
    parser.add_argument("--dictionary", action="append", default=[], help="extra knowledge dictionary file")
    parser.add_argument("--output", required=True, help="folder for the PNGs and explanation.json")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json
    import re
    from pathlib import Path

    from transformers import AutoModel, AutoProcessor

    from medfilip.explain.heatmaps import explain_image, save_overlay, shared_range
    from processing.image_loading import ImageLoadError
    from processing.knowledge import load_knowledge_dictionary

    labels = [label.strip() for label in args.labels.split(",") if label.strip()]
    model = AutoModel.from_pretrained(args.model, trust_remote_code=True)
    processor = AutoProcessor.from_pretrained(args.model, trust_remote_code=True)
    dictionary = load_knowledge_dictionary(extra_paths=args.dictionary)
    try:
        explanations = explain_image(model, processor, args.image, labels, dictionary)
    except (ImageLoadError, ValueError) as err:
        print(f"medfilip explain: {err}")
        return 2
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    records, value_range = [], shared_range(explanations)
    for explanation in explanations:
        slug = re.sub(r"[^a-z0-9]+", "-", explanation.label.lower()).strip("-") or "label"
        title = f"{explanation.label} p={explanation.probability:.2f}"
        path = save_overlay(args.image, explanation.heatmap, output / f"{slug}.png", title, value_range)
        records.append(
            {
                "label": explanation.label,
                "prompt": explanation.prompt,
                "probability": explanation.probability,
                "heatmap": path.name,
                "attributes": [{"text": text, "cosine": score} for text, score in explanation.attributes],
            }
        )
        best = explanation.attributes[0][0] if explanation.attributes else "-"
        print(f"{explanation.label}: p={explanation.probability:.3f}, heat map {path}, best attribute: {best}")
    summary = {"image": str(args.image), "cosine_range": list(value_range), "labels": records}
    (output / "explanation.json").write_text(json.dumps(summary, indent=2) + "\n")
    return 0
