"""Local image-caption similarity: how well a caption is seen in some of an image's patches (MLIP).

Two ways to pool patch-caption cosines into one similarity per (image, caption):
- `attention`: softmax over patches of the scaled cosines, similarity of the attended patch mixture;
- `ot`: entropic optimal transport (log-domain Sinkhorn) from the patches (uniform mass) to two slots,
  the caption and a background slot, so patches of normal lung need not be forced onto a finding; the
  similarity is the mean cosine of the patch mass the caption receives.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from modeling_medfilip.configuration_medfilip import LOCAL_ALIGNMENT_MODES


def sinkhorn(
    cost: torch.Tensor, source: torch.Tensor, target: torch.Tensor, epsilon: float, iterations: int = 50
) -> torch.Tensor:
    """Entropic OT plan `(..., m, n)` between masses `source (..., m)` and `target (..., n)` (equal totals)."""
    log_kernel = -cost / epsilon
    log_source, log_target = source.log(), target.log()
    u = torch.zeros_like(source)
    v = torch.zeros_like(target)
    for _ in range(iterations):
        u = log_source - torch.logsumexp(log_kernel + v.unsqueeze(-2), dim=-1)
        v = log_target - torch.logsumexp(log_kernel + u.unsqueeze(-1), dim=-2)
    return torch.exp(log_kernel + u.unsqueeze(-1) + v.unsqueeze(-2))


def local_similarity(
    patch_embeds: torch.Tensor,
    text_embeds: torch.Tensor,
    mode: str = "ot",
    epsilon: float = 0.05,
    caption_mass: float = 0.3,
    background_cosine: float = 0.2,
    temperature: float = 0.05,
    iterations: int = 50,
) -> torch.Tensor:
    """`(images, captions)` local similarities from unit-length `patch_embeds (B, M, D)` and `text_embeds (N, D)`.

    `ot`: the caption slot takes `caption_mass` of the patches' mass, the background slot the rest at a
    fixed cosine `background_cosine`. `attention`: softmax over patches at `temperature`.
    """
    if mode not in LOCAL_ALIGNMENT_MODES:
        raise ValueError(f"local alignment mode must be one of {LOCAL_ALIGNMENT_MODES}, got {mode!r}")
    cosine = torch.einsum("bmd,nd->bnm", patch_embeds, text_embeds)  # (B, N, M)
    if mode == "attention":
        weights = (cosine / temperature).softmax(dim=-1)
        attended = F.normalize(torch.einsum("bnm,bmd->bnd", weights, patch_embeds), dim=-1)
        return (attended * text_embeds.unsqueeze(0)).sum(-1)
    n_patches = cosine.shape[-1]
    background = torch.full_like(cosine, background_cosine)
    cost = 1.0 - torch.stack([cosine, background], dim=-1)  # (B, N, M, 2): patches -> [caption, background]
    source = cosine.new_full(cosine.shape, 1.0 / n_patches)
    target = cosine.new_tensor([caption_mass, 1.0 - caption_mass]).expand(*cosine.shape[:2], 2)
    plan = sinkhorn(cost, source, target, epsilon, iterations)
    return (plan[..., 0] * cosine).sum(-1) / caption_mass
