"""Image-text retrieval evaluation of a saved model on a paired split, written out with its report.

The texts of an image are either its knowledge captions (`captions`: one per finding that is present
or uncertain) or its report (`report`: the `report_sections` joined, present when the dataset was built
with `keep_report_text`). Identical texts are pooled into one candidate paired with every image that
has it. Images without any text are left out of the image queries and counted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import AutoModel, AutoProcessor

from medfilip.evaluation.data import load_split
from medfilip.evaluation.outputs import write_retrieval
from medfilip.evaluation.plots import plot_recall_curve
from medfilip.evaluation.retrieval import first_hit_ranks, retrieval_metrics
from medfilip.evaluation.zero_shot import image_embeddings, text_embeddings
from processing.knowledge.captions import POSITIVE_PRESENCE

TEXT_SOURCES = ("captions", "report")


def image_texts(example: dict[str, Any], source: str) -> list[str]:
    """The texts paired with one dataset row, from `source` (`captions` or `report`)."""
    if source == "report":
        text = " ".join(s["text"].strip() for s in example["report_sections"] if (s["text"] or "").strip())
        return [text] if text else []
    findings = example.get("findings") or []
    return [
        caption
        for caption, finding in zip(example["captions"], findings, strict=True)
        if finding["presence"] in POSITIVE_PRESENCE
    ]


def evaluate_retrieval(
    model_dir: str | Path,
    dataset_dir: str | Path,
    output_dir: str | Path,
    split: str = "test",
    text_source: str | None = None,
    batch_size: int = 32,
    progress: bool = False,
) -> dict[str, Any]:
    """Image->text and text->image Recall@1/5/10 on `split`; writes the outputs and returns the metrics."""
    data = load_split(dataset_dir, split)
    if text_source is None:
        text_source = "report" if "report_sections" in data.features else "captions"
    if text_source not in TEXT_SOURCES:
        raise ValueError(f"unknown text source {text_source!r}; known: {', '.join(TEXT_SOURCES)}")
    needed = "report_sections" if text_source == "report" else "captions"
    if needed not in data.features:
        raise KeyError(f"{dataset_dir} split {split!r} has no {needed!r} column for text source {text_source!r}")
    columns = [name for name in ("captions", "findings", "report_sections") if name in data.features]
    per_image = [image_texts(row, text_source) for row in data.select_columns(columns)]
    keep = [i for i, texts in enumerate(per_image) if texts]
    if not keep:
        raise ValueError(f"{dataset_dir} split {split!r}: no image has a {text_source} text")
    texts = sorted({text for i in keep for text in per_image[i]})
    index = {text: position for position, text in enumerate(texts)}
    pairs = np.zeros((len(keep), len(texts)), dtype=int)
    for row, i in enumerate(keep):
        pairs[row, [index[text] for text in per_image[i]]] = 1
    model = AutoModel.from_pretrained(model_dir, trust_remote_code=True).eval()
    processor = AutoProcessor.from_pretrained(model_dir, trust_remote_code=True)
    images = image_embeddings(model, processor, data.select(keep)["image"], batch_size, progress)
    with torch.no_grad():
        similarity = (images @ text_embeddings(model, processor, texts).T).numpy()
    metrics = retrieval_metrics(similarity, pairs)
    metrics.update(task="retrieval", split=split, text_source=text_source, images_without_text=len(data) - len(keep))
    output = Path(output_dir)
    output.mkdir(parents=True, exist_ok=True)
    image_ranks = first_hit_ranks(similarity, pairs)
    text_ranks = first_hit_ranks(similarity.T, pairs.T)
    plot_recall_curve({"image to text": image_ranks, "text to image": text_ranks}, output / "recall.png")
    context = {
        "model": f"`{model_dir}`",
        "dataset": f"`{dataset_dir}`, split `{split}`: {len(keep)} images with text "
        f"({len(data) - len(keep)} without, left out), {len(texts)} distinct {text_source} texts",
    }
    write_retrieval(output, metrics, data.select(keep)["image_id"], image_ranks, pairs.sum(axis=1), context)
    return metrics
