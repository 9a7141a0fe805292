from __future__ import annotations

import random

import numpy as np
import pytest
import torch
from PIL import Image

from medfilip.factory import create_model_and_processor
from medfilip.training.caption_embeddings import CaptionEmbeddingCache
from medfilip.training.collator import MedFILIPCollator, category_id


def _finding(category, presence="present", severity=None, location=None):
    return {"category": category, "severity": severity, "location": location, "presence": presence, "evidence": None}


ROWS = [
    {
        "image": Image.fromarray(np.full((40, 30), 100, dtype=np.uint8)),
        "findings": [
            _finding("pleural effusion", severity="small", location="left"),
            _finding("pneumothorax", presence="absent"),
            _finding("atelectasis", presence="uncertain", location="right base"),
        ],
        "categories": None,
    },
    {"image": Image.fromarray(np.full((30, 40), 50, dtype=np.uint8)), "findings": None, "categories": ["pneumonia"]},
]


@pytest.fixture(scope="module")
def parts(dictionary, sentence_encoder, tmp_path_factory):
    _, processor = create_model_and_processor("tiny")
    cache = CaptionEmbeddingCache(sentence_encoder, tmp_path_factory.mktemp("cache"))
    return processor, cache


def test_batch_layout(parts, dictionary):
    processor, cache = parts
    collator = MedFILIPCollator(processor, dictionary, cache)
    expected_captions = [
        "small left pleural effusion. " + dictionary.lookup("pleural effusion").description,
        "right base atelectasis. " + dictionary.lookup("atelectasis").description,
        "pneumonia. " + dictionary.lookup("pneumonia").description,
    ]
    assert collator.all_captions(ROWS) == set(expected_captions)
    cache.add(collator.all_captions(ROWS))
    batch = collator(ROWS)
    assert batch["pixel_values"].shape == (2, 3, 128, 128)
    assert batch["caption_image_index"].tolist() == [0, 0, 1]
    assert batch["caption_category_ids"].tolist() == [
        category_id(c) for c in ("pleural effusion", "atelectasis", "pneumonia")
    ]
    torch.testing.assert_close(batch["caption_embeddings"], cache.encoder.encode(expected_captions))
    decoded = processor.tokenizer.batch_decode(batch["input_ids"], skip_special_tokens=True)
    assert [text.strip() for text in decoded] == [c.lower() for c in expected_captions]


def test_present_only_and_drop_variants(parts, dictionary):
    processor, cache = parts
    strict = MedFILIPCollator(processor, dictionary, cache, presences=("present",))
    assert len(strict.all_captions(ROWS)) == 2
    augmenting = MedFILIPCollator(processor, dictionary, cache, drop_probability=0.5, rng=random.Random(0))
    variants = augmenting.all_captions(ROWS)
    assert len(variants) == 4 + 2 + 1  # effusion: severity x location kept/dropped; atelectasis: location; pneumonia
    cache.add(variants)
    for _ in range(5):
        texts = [text for row in ROWS for text, _ in augmenting.captions(row)]
        assert set(texts) <= variants


def test_batch_without_positive_findings_is_an_error(parts, dictionary):
    processor, cache = parts
    collator = MedFILIPCollator(processor, dictionary, cache)
    with pytest.raises(ValueError, match="no positive finding"):
        collator([{"image": ROWS[0]["image"], "findings": [_finding("pneumothorax", presence="absent")]}])
