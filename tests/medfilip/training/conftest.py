"""Training fixtures: the offline MiniLM caption encoder."""

from __future__ import annotations

import pytest

from medfilip.training.caption_embeddings import MINILM


@pytest.fixture(scope="session")
def sentence_encoder():
    from medfilip.training.caption_embeddings import SentenceEncoder

    return SentenceEncoder(MINILM)
