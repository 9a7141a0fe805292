"""Batches for MedFILIP training: images with a variable number of finding captions each.

A dataset row gives its positive findings either as `findings` records (pre-training datasets, from
`medfilip extract` or the offline extractor) or as `categories` (labelled datasets: each category is a
finding with no severity or location). Each positive finding becomes one knowledge caption; the batch
holds the images' `pixel_values`, the tokenized captions, and per caption its image, a category id and
its frozen sentence embedding (looked up, never computed here).
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import product
from typing import Any

import torch

from medfilip.training.caption_embeddings import CaptionEmbeddingCache
from processing.findings.schema import Finding
from processing.knowledge import KnowledgeDictionary, finding_caption
from processing.knowledge.captions import POSITIVE_PRESENCE


def category_id(category: str) -> int:
    """A process-independent integer id of a category name (CRC-32), equal across machines."""
    return zlib.crc32(category.encode("utf-8"))


def positive_findings(example: Mapping[str, Any], presences: Iterable[str] = POSITIVE_PRESENCE) -> list[Finding]:
    """The row's findings whose presence is in `presences`, or its `categories` as present findings."""
    if example.get("findings") is not None:
        keep = set(presences)
        return [Finding(**record) for record in example["findings"] if record["presence"] in keep]
    return [Finding(category=category) for category in example.get("categories") or ()]


def caption_variants(finding: Finding, dictionary: KnowledgeDictionary) -> set[str]:
    """Every caption `finding` can get: with and without its severity and its location."""
    severities = {finding.severity, None}
    locations = {finding.location, None}
    return {
        finding_caption(finding.model_copy(update={"severity": s, "location": loc}), dictionary)
        for s, loc in product(severities, locations)
    }


@dataclass
class MedFILIPCollator:
    """Turns dataset rows into model inputs plus the caption tensors of `MedFILIPLoss`."""

    processor: Any
    dictionary: KnowledgeDictionary
    embeddings: CaptionEmbeddingCache
    presences: tuple[str, ...] = POSITIVE_PRESENCE
    drop_probability: float = 0.0
    max_text_length: int = 77
    rng: random.Random | None = None

    def captions(self, example: Mapping[str, Any], rng: random.Random | None = None) -> list[tuple[str, str]]:
        """(caption, category) for each positive finding of `example`, with random severity/location drops."""
        rng = rng or self.rng or random.Random()
        return [
            (finding_caption(f, self.dictionary, drop_probability=self.drop_probability, rng=rng), f.category)
            for f in positive_findings(example, self.presences)
        ]

    def all_captions(self, rows: Iterable[Mapping[str, Any]]) -> set[str]:
        """Every caption these rows can produce (all drop variants when augmenting): what to embed up front."""
        texts: set[str] = set()
        for row in rows:
            for finding in positive_findings(row, self.presences):
                if self.drop_probability > 0:
                    texts |= caption_variants(finding, self.dictionary)
                else:
                    texts.add(finding_caption(finding, self.dictionary))
        return texts

    def __call__(self, examples: list[Mapping[str, Any]]) -> dict[str, torch.Tensor]:
        # Without an explicit `rng`, drops draw from torch's RNG, which checkpoints save and resuming restores.
        rng = self.rng or random.Random(int(torch.randint(0, 2**31 - 1, ()).item()))
        texts, categories, owners = [], [], []
        for index, example in enumerate(examples):
            for text, category in self.captions(example, rng):
                texts.append(text)
                categories.append(category_id(category))
                owners.append(index)
        if not texts:
            raise ValueError("a training batch has no positive finding at all; check the dataset's findings")
        pixel_values = self.processor.image_processor(
            images=[example["image"] for example in examples], return_tensors="pt"
        )["pixel_values"]
        tokens = self.processor.tokenizer(
            texts, padding=True, truncation=True, max_length=self.max_text_length, return_tensors="pt"
        )
        return {
            "pixel_values": pixel_values,
            "input_ids": tokens["input_ids"],
            "attention_mask": tokens["attention_mask"],
            "caption_image_index": torch.tensor(owners, dtype=torch.long),
            "caption_category_ids": torch.tensor(categories, dtype=torch.long),
            "caption_embeddings": self.embeddings.lookup(texts),
        }
