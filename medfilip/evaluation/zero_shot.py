"""Zero-shot classification scores: each class is scored through its knowledge-enriched prompt."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from processing.knowledge import KnowledgeDictionary, load_knowledge_dictionary, zero_shot_prompt


@torch.no_grad()
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
    prompts = [zero_shot_prompt(name, dictionary) for name in class_names]
    max_length = model.config.text_config.max_position_embeddings
    tokens = processor.tokenizer(prompts, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    text = model.get_text_features(tokens["input_ids"].to(device), tokens["attention_mask"].to(device))
    scale = model.logit_scale.clamp(max=model.config.logit_scale_max).exp()
    chunks = []
    for start in range(0, len(images), batch_size):
        pixels = processor.image_processor(images=list(images[start : start + batch_size]), return_tensors="pt")
        image = model.get_image_features(pixels["pixel_values"].to(device))
        chunks.append((scale * image @ text.t()).softmax(dim=-1).cpu())
    model.train(was_training)
    return torch.cat(chunks)
