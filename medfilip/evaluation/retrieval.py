"""Image-text retrieval Recall@K from a similarity matrix and the image-text pairing.

`similarity` is `(n_images, n_texts)`; `pairs` is the same-shape 0/1 matrix of which text belongs to
which image (an image may own several texts, e.g. one caption per finding, and a text several images,
e.g. the same caption or note on several films). A query is a hit at K when at least one of its
K best-scored candidates is paired with it; ties are broken by candidate order (stable sort).
"""

from __future__ import annotations

from typing import Any

import numpy as np

RECALL_AT = (1, 5, 10)


def first_hit_ranks(similarity: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Per query row, the 1-based rank of its best-ranked paired candidate (0 when it has none)."""
    order = np.argsort(-similarity, axis=1, kind="stable")
    ranked_pairs = np.take_along_axis(pairs, order, axis=1).astype(bool)
    has_pair = ranked_pairs.any(axis=1)
    return np.where(has_pair, ranked_pairs.argmax(axis=1) + 1, 0)


def recall_at(ranks: np.ndarray, ks: tuple[int, ...] = RECALL_AT) -> dict[str, float]:
    """Fraction of queries (those with a pair, rank > 0) whose first hit is within the top K."""
    ranks = ranks[ranks > 0]
    return {f"R@{k}": float(np.mean(ranks <= k)) if len(ranks) else 0.0 for k in ks}


def retrieval_metrics(similarity: np.ndarray, pairs: np.ndarray, ks: tuple[int, ...] = RECALL_AT) -> dict[str, Any]:
    """Image->text and text->image Recall@K, query counts and the Recall@K of a random ranking."""
    image_ranks = first_hit_ranks(similarity, pairs)
    text_ranks = first_hit_ranks(similarity.T, pairs.T)
    n_images, n_texts = pairs.shape
    return {
        "n_images": int((image_ranks > 0).sum()),
        "n_texts": int((text_ranks > 0).sum()),
        "image_to_text": recall_at(image_ranks, ks),
        "text_to_image": recall_at(text_ranks, ks),
        "image_to_text_median_rank": float(np.median(image_ranks[image_ranks > 0])),
        "text_to_image_median_rank": float(np.median(text_ranks[text_ranks > 0])),
        "chance": {
            "image_to_text": _chance(pairs[image_ranks > 0], ks),
            "text_to_image": _chance(pairs.T[text_ranks > 0], ks),
        },
    }


def _chance(pairs: np.ndarray, ks: tuple[int, ...]) -> dict[str, float]:
    """Expected Recall@K of a uniformly random ranking: 1 - C(n - m, K) / C(n, K) per query, averaged."""
    n = pairs.shape[1]
    result = {}
    for k in ks:
        miss = []
        for m in pairs.sum(axis=1):
            # probability that none of the m paired candidates is among k drawn without replacement
            p = 1.0
            for j in range(min(k, n)):
                p *= max(n - m - j, 0) / (n - j)
            miss.append(p)
        result[f"R@{k}"] = float(1.0 - np.mean(miss)) if miss else 0.0
    return result
