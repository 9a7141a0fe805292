"""Zero-shot scores from a MedFILIP model: prompts per class, embeddings, softmax or positive-vs-negative scores.

Every embedding here is the model's projected, L2-normalized one; a class with several prompts is the
renormalized mean of their embeddings (CLIP-style prompt averaging). Logits are the model's clamped
logit scale times the cosine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from tqdm.auto import tqdm

from processing.knowledge import KnowledgeDictionary, load_knowledge_dictionary, zero_shot_prompt

NEGATIVE_MODES = ("no-category", "no-finding")


def class_prompts(
    class_names: Sequence[str],
    dictionary: KnowledgeDictionary,
    prompts: Mapping[str, Sequence[str]] | None = None,
    ensemble: bool = False,
) -> list[list[str]]:
    """The prompts of each class, in order.

    A class given in `prompts` is scored only through those texts (e.g. the description of a class
    the model never saw). Otherwise a class the dictionary knows gets `"<category>. <description>"`
    and, with `ensemble`, one more prompt per synonym (`"<synonym>. <description>"`); any other class
    its own name.
    """
    prompts = prompts or {}
    result = []
    for name in class_names:
        if name in prompts:
            result.append(list(prompts[name]))
            continue
        entry = dictionary.lookup(name)
        if entry is None:
            result.append([name])
        else:
            extra = [f"{synonym}. {entry.description}" for synonym in entry.synonyms] if ensemble else []
            result.append([entry.prompt, *extra])
    return result


def negative_prompt(class_name: str, dictionary: KnowledgeDictionary, mode: str = "no-category") -> str:
    """The negative of a class for multi-label scoring: `"no <category>"` or the `no finding` prompt."""
    if mode not in NEGATIVE_MODES:
        raise ValueError(f"unknown negative prompt mode {mode!r}; known: {', '.join(NEGATIVE_MODES)}")
    if mode == "no-finding":
        return dictionary.prompt("no finding")
    entry = dictionary.lookup(class_name)
    return f"no {entry.name if entry is not None else class_name}"


def logit_scale(model: Any) -> torch.Tensor:
    """The model's temperature: `exp(logit_scale)` clamped like in its forward pass."""
    return model.logit_scale.detach().clamp(max=model.config.logit_scale_max).exp().cpu()


@torch.no_grad()
def text_embeddings(model: Any, processor: Any, texts: Sequence[str], batch_size: int = 64) -> torch.Tensor:
    """`(len(texts), dim)` normalized text embeddings; texts are truncated to the text tower's length."""
    max_length = model.config.text_config.max_position_embeddings
    device = next(model.parameters()).device
    chunks = []
    for start in range(0, len(texts), batch_size):
        tokens = processor.tokenizer(
            list(texts[start : start + batch_size]),
            padding=True,
            truncation=True,
            max_length=max_length,
            return_tensors="pt",
        )
        chunks.append(
            model.get_text_features(tokens["input_ids"].to(device), tokens["attention_mask"].to(device)).cpu()
        )
    return torch.cat(chunks) if chunks else torch.empty(0, model.config.projection_dim)


def class_embeddings(model: Any, processor: Any, prompts: Sequence[Sequence[str]]) -> torch.Tensor:
    """`(n_classes, dim)`: per class, the renormalized mean embedding of its prompts."""
    flat = [text for group in prompts for text in group]
    embeddings = text_embeddings(model, processor, flat)
    means, start = [], 0
    for group in prompts:
        means.append(embeddings[start : start + len(group)].mean(dim=0))
        start += len(group)
    return torch.nn.functional.normalize(torch.stack(means), dim=-1)


@torch.no_grad()
def image_embeddings(
    model: Any, processor: Any, images: Sequence[Any], batch_size: int = 32, progress: bool = False
) -> torch.Tensor:
    """`(len(images), dim)` normalized image embeddings; `images` may be a lazy `datasets` column."""
    device = next(model.parameters()).device
    chunks = []
    for start in tqdm(range(0, len(images), batch_size), desc="images", unit="batch", disable=not progress):
        pixels = processor.image_processor(images=list(images[start : start + batch_size]), return_tensors="pt")
        chunks.append(model.get_image_features(pixels["pixel_values"].to(device)).cpu())
    return torch.cat(chunks)


def softmax_scores(images: torch.Tensor, classes: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """Single-label scores: softmax over classes of the scaled cosines, `(n_images, n_classes)`."""
    return (scale * images @ classes.T).softmax(dim=-1)


def positive_vs_negative_scores(
    images: torch.Tensor, positives: torch.Tensor, negatives: torch.Tensor, scale: torch.Tensor
) -> torch.Tensor:
    """Multi-label scores: per class, the softmax weight of its positive prompt against its negative one."""
    positive = scale * images @ positives.T
    negative = scale * images @ negatives.T
    return torch.sigmoid(positive - negative)


def zero_shot_probabilities(
    model: Any,
    processor: Any,
    images: Sequence[Any],
    class_names: Sequence[str],
    dictionary: KnowledgeDictionary | None = None,
    batch_size: int = 32,
) -> torch.Tensor:
    """`(len(images), len(class_names))` softmax over classes; a class the dictionary knows uses its prompt."""
    dictionary = dictionary if dictionary is not None else load_knowledge_dictionary()
    was_training = model.training
    model.eval()
    classes = class_embeddings(model, processor, [[zero_shot_prompt(name, dictionary)] for name in class_names])
    scores = softmax_scores(image_embeddings(model, processor, images, batch_size), classes, logit_scale(model))
    model.train(was_training)
    return scores
