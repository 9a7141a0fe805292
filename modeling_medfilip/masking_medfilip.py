"""Masked contrastive learning pieces (MLIP): random patch masks and the semantic-integrity target.

A mask hides the same number of patches in every image (`round(ratio * n_patches)`), drawn from a
generator so that a seed reproduces it. For CNN towers the hidden patches are zeroed in the pixels,
one cell of the last feature map at a time; ViT towers drop the hidden tokens instead. The semantic
integrity of a masked view is the cosine between its global embedding and the unmasked one (computed
without gradient); a small head learns to predict it and the contrastive loss of each sample is
weighted by the prediction.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def random_patch_mask(
    batch_size: int, n_patches: int, ratio: float, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Boolean `(batch, n_patches)`, True where hidden; exactly `round(ratio * n_patches)` per row."""
    if not 0.0 <= ratio < 1.0:
        raise ValueError(f"mask ratio must be in [0, 1), got {ratio}")
    n_hidden = round(ratio * n_patches)
    order = torch.rand(batch_size, n_patches, generator=generator).argsort(dim=1)
    return order < n_hidden


def mask_pixels(pixel_values: torch.Tensor, mask: torch.Tensor, grid: tuple[int, int]) -> torch.Tensor:
    """Zero the pixels of each hidden cell of a `grid` (rows, columns) laid over the images."""
    rows, columns = grid
    height, width = pixel_values.shape[-2:]
    cells = mask.view(-1, 1, rows, columns).to(pixel_values.dtype)
    keep = 1.0 - F.interpolate(cells, size=(height, width), mode="nearest")
    return pixel_values * keep


def semantic_integrity_target(masked_embeds: torch.Tensor, full_embeds: torch.Tensor) -> torch.Tensor:
    """Cosine between each masked view's embedding and its unmasked embedding (no gradient to the latter)."""
    return F.cosine_similarity(masked_embeds, full_embeds.detach(), dim=-1)


class SemanticIntegrityHead(nn.Module):
    """Predicts, from a masked view's embedding, how much of the image's meaning survived (a cosine)."""

    def __init__(self, dim: int, hidden: int | None = None):
        super().__init__()
        hidden = hidden or max(dim // 4, 8)
        self.net = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, 1), nn.Tanh())

    def forward(self, masked_embeds: torch.Tensor) -> torch.Tensor:
        return self.net(masked_embeds).squeeze(-1)
