from __future__ import annotations

import pytest
import torch
from sentence_transformers import SentenceTransformer

from medfilip.training.caption_embeddings import CaptionEmbeddingCache, resolve_encoder

CAPTIONS = [
    "small left pleural effusion. dense basal opacity blunting the costophrenic angle.",
    "pneumonia. patchy airspace opacity.",
    "no finding. clear lungs, normal heart size.",
]


def test_mean_pooled_embeddings_match_sentence_transformers(sentence_encoder):
    ours = sentence_encoder.encode(CAPTIONS)
    reference = SentenceTransformer(resolve_encoder(sentence_encoder.name), device="cpu").encode(
        CAPTIONS, convert_to_tensor=True, normalize_embeddings=True
    )
    torch.testing.assert_close(ours, reference.cpu(), rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(ours.norm(dim=-1), torch.ones(3))


def test_cache_encodes_each_caption_once_and_persists(sentence_encoder, tmp_path):
    cache = CaptionEmbeddingCache(sentence_encoder, tmp_path)
    assert cache.add(CAPTIONS + CAPTIONS[:1]) == 3
    assert cache.add(CAPTIONS) == 0
    reopened = CaptionEmbeddingCache(sentence_encoder, tmp_path)
    assert len(reopened) == 3 and reopened.add(CAPTIONS) == 0
    torch.testing.assert_close(reopened.lookup(CAPTIONS[::-1]), cache.lookup(CAPTIONS)[[2, 1, 0]])
    with pytest.raises(KeyError, match="not in the embedding cache"):
        reopened.lookup(["an unseen caption"])
