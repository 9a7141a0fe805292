"""Contrastive losses between images and their finding captions, with the SSM soft targets.

A batch holds B images and N captions; caption k belongs to image `caption_image_index[k]`, has a
category id and a frozen sentence embedding e_k (L2-normalized). The semantic similarity matrix is
S_kl = 1[c_k = c_l] * max(0, e_k . e_l), and the soft target of image i for caption l is
Y_il = max over its own captions k of S_kl (its own captions get 1).

Under `torch.distributed`, each process scores its local rows against the global columns: caption and
image features are gathered with gradient (`torch.distributed.nn.functional.all_gather`), the frozen
embeddings and ids without, so the loss spans the global batch while each process keeps the memory
of its own rows. Processes may hold different numbers of captions. Averaging the per-process losses
(as DDP averages gradients) equals the loss of one process on the whole batch when every process holds
the same number of images and captions.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

from medfilip.training.local_alignment import local_similarity

LOSS_TYPES = ("ssm", "ssm_cosine", "infonce")


@dataclass
class CaptionBatch:
    """Per-caption tensors of one process's batch: owner image (local index), category id, frozen embedding."""

    image_index: torch.Tensor
    category_ids: torch.Tensor
    embeddings: torch.Tensor


def world() -> tuple[int, int]:
    """(rank, world size); (0, 1) outside distributed runs."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def gathered_sizes(n: int, device: torch.device) -> list[int]:
    """The first-dimension size of every process's tensor (`[n]` outside distributed runs)."""
    _, world_size = world()
    if world_size == 1:
        return [n]
    sizes = [torch.zeros(1, dtype=torch.long, device=device) for _ in range(world_size)]
    dist.all_gather(sizes, torch.tensor([n], dtype=torch.long, device=device))
    return [int(size.item()) for size in sizes]


def gather_batch(tensor: torch.Tensor, sizes: list[int], with_grad: bool) -> torch.Tensor:
    """Concatenate every process's `tensor` (first-dimension sizes `sizes`) in rank order.

    With `with_grad`, gradients flow back to the process that owns each slice.
    """
    if len(sizes) == 1:
        return tensor
    padding = [0, 0] * (tensor.ndim - 1) + [0, max(sizes) - tensor.shape[0]]
    padded = F.pad(tensor, padding).contiguous()
    if with_grad:
        from torch.distributed.nn.functional import all_gather

        parts = all_gather(padded)
    else:
        parts = [torch.empty_like(padded) for _ in sizes]
        dist.all_gather(parts, padded)
    return torch.cat([part[:size] for part, size in zip(parts, sizes, strict=True)], dim=0)


def semantic_similarity(
    row_embeddings: torch.Tensor,
    row_categories: torch.Tensor,
    column_embeddings: torch.Tensor,
    column_categories: torch.Tensor,
) -> torch.Tensor:
    """S_kl = 1[same category] * max(0, e_k . e_l) between row and column captions."""
    same = row_categories[:, None] == column_categories[None, :]
    return (row_embeddings @ column_embeddings.t()).clamp(min=0) * same


def soft_targets(similarity: torch.Tensor, owner: torch.Tensor, n_owners: int, dim: int) -> torch.Tensor:
    """Max-pool `similarity` over the captions of each owner image along `dim` (0: rows, 1: columns)."""
    if dim == 0:
        index = owner[:, None].expand_as(similarity)
        out = similarity.new_zeros(n_owners, similarity.shape[1])
        return out.scatter_reduce(0, index, similarity, reduce="amax", include_self=True)
    index = owner[None, :].expand_as(similarity)
    out = similarity.new_zeros(similarity.shape[0], n_owners)
    return out.scatter_reduce(1, index, similarity, reduce="amax", include_self=True)


class MedFILIPLoss(nn.Module):
    """Image-caption contrastive loss: `ssm` (official), `ssm_cosine` (variant) or `infonce` (baseline).

    - `ssm`: MSE(logits, Y) + BCEWithLogits(logits, Y) over the B x N matrix, image -> text only, as the
      official code does.
    - `ssm_cosine`: MSE on the raw cosines (same range as Y) + BCEWithLogits(logits, Y), averaged over
      the image -> text and text -> image directions.
    - `infonce`: CLIP cross-entropy with one-hot pairing: image -> its own captions (uniform over them),
      caption -> its image.

    With `local_weight > 0` and `patch_embeds`, the local (patch-caption) similarities of each image to
    every caption of the global batch (`local_alignment.local_similarity`) add `local_weight` times the
    soft SSM loss on them. `sample_weights` (one per local image, e.g. predicted semantic integrity of a
    masked view) weight each image's rows and its captions' rows; all ones is the plain mean.
    """

    def __init__(self, loss_type: str = "ssm", local_weight: float = 0.0, local_mode: str = "ot"):
        super().__init__()
        if loss_type not in LOSS_TYPES:
            raise ValueError(f"loss_type must be one of {LOSS_TYPES}, got {loss_type!r}")
        self.loss_type = loss_type
        self.local_weight = local_weight
        self.local_mode = local_mode

    def forward(
        self,
        image_embeds: torch.Tensor,
        text_embeds: torch.Tensor,
        logit_scale: torch.Tensor,
        captions: CaptionBatch,
        patch_embeds: torch.Tensor | None = None,
        sample_weights: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Loss of this process's rows; `logit_scale` is the (clamped) multiplier, not its log."""
        rank, _ = world()
        device = image_embeds.device
        n_images = image_embeds.shape[0]
        weights = sample_weights if sample_weights is not None else image_embeds.new_ones(n_images)
        caption_weights = weights[captions.image_index]
        image_sizes = gathered_sizes(n_images, device)
        caption_sizes = gathered_sizes(text_embeds.shape[0], device)
        image_offset = sum(image_sizes[:rank])
        caption_owner = captions.image_index + image_offset  # global image index of each local caption
        all_owner = gather_batch(caption_owner, caption_sizes, with_grad=False)
        all_text = gather_batch(text_embeds, caption_sizes, with_grad=True)
        cosine_i2t = image_embeds @ all_text.t()
        if self.loss_type != "ssm":  # both directions
            all_images = gather_batch(image_embeds, image_sizes, with_grad=True)
            cosine_t2i = text_embeds @ all_images.t()
        targets_i2t = similarity = None
        if self.loss_type != "infonce" or self.local_weight > 0:
            all_embeddings = gather_batch(captions.embeddings, caption_sizes, with_grad=False)
            all_categories = gather_batch(captions.category_ids, caption_sizes, with_grad=False)
            similarity = semantic_similarity(captions.embeddings, captions.category_ids, all_embeddings, all_categories)
            targets_i2t = soft_targets(similarity, captions.image_index, n_images, dim=0)

        if self.loss_type == "infonce":
            local_images = torch.arange(n_images, device=device) + image_offset
            owned = (all_owner[None, :] == local_images[:, None]).to(cosine_i2t.dtype)
            image_targets = owned / owned.sum(dim=1, keepdim=True).clamp(min=1)
            loss_i2t = _weighted(F.cross_entropy(logit_scale * cosine_i2t, image_targets, reduction="none"), weights)
            loss_t2i = _weighted(
                F.cross_entropy(logit_scale * cosine_t2i, caption_owner, reduction="none"), caption_weights
            )
            loss = (loss_i2t + loss_t2i) / 2
        else:
            loss = _weighted(self._soft_loss(cosine_i2t, logit_scale, targets_i2t), weights)
            if self.loss_type == "ssm_cosine":
                targets_t2i = soft_targets(similarity, all_owner, all_images.shape[0], dim=1)
                loss_t2i = _weighted(self._soft_loss(cosine_t2i, logit_scale, targets_t2i), caption_weights)
                loss = (loss + loss_t2i) / 2
        if self.local_weight > 0 and patch_embeds is not None:
            local = local_similarity(patch_embeds, all_text, mode=self.local_mode)
            regression_mode = "ssm_cosine" if self.loss_type == "ssm_cosine" else "ssm"
            local_loss = _weighted(self._soft_loss(local, logit_scale, targets_i2t, regression_mode), weights)
            loss = loss + self.local_weight * local_loss
        return loss

    def _soft_loss(
        self, cosine: torch.Tensor, logit_scale: torch.Tensor, targets: torch.Tensor, mode: str | None = None
    ) -> torch.Tensor:
        """Per-row MSE + BCE-with-logits against soft targets."""
        logits = logit_scale * cosine
        regression = cosine if (mode or self.loss_type) == "ssm_cosine" else logits
        mse = F.mse_loss(regression, targets, reduction="none").mean(dim=1)
        return mse + F.binary_cross_entropy_with_logits(logits, targets, reduction="none").mean(dim=1)


def _weighted(row_losses: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Mean of `weights * row_losses` over rows (the plain mean when all weights are one)."""
    return (row_losses * weights).mean()
