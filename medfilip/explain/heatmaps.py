"""Patch-caption similarity heat maps and best-matching dictionary attributes for one chest X-ray.

Each label is embedded through its knowledge-enriched prompt; its heat map is the cosine between that
text embedding and every projected patch of the image (the model's patch projection when it was
trained with the local loss; otherwise the global projection applied to each feature-map cell, for
CNNs whose pooled vector is the plain mean of the cells, as ResNets and EfficientNets), resized to the
image's own size. The attributes are the comma- or semicolon-separated parts of the label's dictionary
description, ranked by cosine with the image embedding attended over the label's patches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from medfilip.evaluation.zero_shot import logit_scale, softmax_scores, text_embeddings
from processing.image_loading import load_grayscale
from processing.knowledge import KnowledgeDictionary, zero_shot_prompt


@dataclass
class Explanation:
    """One label's explanation: its prompt, zero-shot probability, heat map and best-matching attributes."""

    label: str
    prompt: str
    probability: float
    heatmap: np.ndarray  # (height, width) cosines at the image's own size
    attributes: list[tuple[str, float]] = field(default_factory=list)


def patch_embeddings(model: Any, pixel_values: torch.Tensor) -> tuple[torch.Tensor, tuple[int, int]]:
    """Unit-length projected patches `(1, h*w, dim)` of one image and the patch grid `(h, w)`."""
    vision = model.vision_model(pixel_values)
    grid = tuple(vision.feature_map.shape[-2:])
    if model.patch_projection is not None:
        projected = model.patch_projection(vision.patch_tokens)
    elif model.vision_model.pools_by_mean:
        projected = model.visual_projection(vision.patch_tokens)
    else:
        raise ValueError(
            f"{model.config.vision_config.timm_model_name}: its pooled vector is not a mean of feature-map cells "
            "(a class token, or a head after pooling) and the model has no patch projection; train it with "
            "--local_loss_weight > 0 to explain it"
        )
    return F.normalize(projected, dim=-1), grid


def description_attributes(description: str) -> list[str]:
    """The comma- or semicolon-separated parts of a dictionary description, each at least two words long."""
    parts = [part.strip(" .") for part in re.split(r"[,;]", description)]
    return [part for part in parts if len(part.split()) >= 2]


@torch.no_grad()
def explain_image(
    model: Any,
    processor: Any,
    image: Any,
    labels: list[str],
    dictionary: KnowledgeDictionary,
    top_attributes: int = 3,
    temperature: float = 0.05,
) -> list[Explanation]:
    """Explanations of `labels` for `image` (path, PIL image or array), heat maps at the image's size."""
    model.eval()
    gray = load_grayscale(image)
    pixel_values = processor.image_processor(images=gray, return_tensors="pt")["pixel_values"]
    patches, grid = patch_embeddings(model, pixel_values)
    prompts = [zero_shot_prompt(label, dictionary) for label in labels]
    text = text_embeddings(model, processor, prompts)
    probabilities = softmax_scores(model.get_image_features(pixel_values), text, logit_scale(model))[0]
    cosine = patches[0] @ text.t()  # (patches, labels)
    explanations = []
    for index, (label, prompt) in enumerate(zip(labels, prompts, strict=True)):
        cells = cosine[:, index].view(1, 1, *grid)
        heatmap = F.interpolate(cells, size=gray.shape, mode="bilinear", align_corners=False)[0, 0].numpy()
        attended = F.normalize(((cosine[:, index] / temperature).softmax(0)[:, None] * patches[0]).sum(0), dim=-1)
        entry = dictionary.lookup(label)
        attributes = []
        if entry is not None:
            phrases = description_attributes(entry.description)
            if phrases:
                scores = text_embeddings(model, processor, [f"{entry.name} {p}" for p in phrases]) @ attended
                ranked = sorted(zip(phrases, scores.tolist(), strict=True), key=lambda item: -item[1])
                attributes = ranked[:top_attributes]
        explanations.append(Explanation(label, prompt, float(probabilities[index]), heatmap, attributes))
    return explanations


def shared_range(explanations: list[Explanation]) -> tuple[float, float]:
    """The lowest and highest cosine over all labels' heat maps, so their colors compare across labels."""
    return min(float(e.heatmap.min()) for e in explanations), max(float(e.heatmap.max()) for e in explanations)


def save_overlay(
    image: Any, heatmap: np.ndarray, path: str | Path, title: str = "", value_range: tuple[float, float] | None = None
) -> Path:
    """Write the X-ray with `heatmap` (same size) overlaid as a PNG of the image's own size.

    Colors span `value_range` (default: the map's own minimum to maximum)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    gray = load_grayscale(image)
    if heatmap.shape != gray.shape:
        raise ValueError(f"heat map {heatmap.shape} does not match the image {gray.shape}")
    low, high = value_range if value_range is not None else (float(heatmap.min()), float(heatmap.max()))
    normalized = np.clip((heatmap - low) / (high - low), 0, 1) if high > low else np.zeros_like(heatmap)
    colored = plt.get_cmap("jet")(normalized)[..., :3]
    blended = 0.6 * np.repeat(gray[..., None], 3, axis=2) + 0.4 * colored
    canvas = Image.fromarray((np.clip(blended, 0, 1) * 255).astype(np.uint8), mode="RGB")
    if title:
        from PIL import ImageDraw

        ImageDraw.Draw(canvas).text((4, 4), title, fill=(255, 255, 255))
    path = Path(path)
    canvas.save(path)
    return path
