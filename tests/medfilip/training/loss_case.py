"""A fixed batch of images and captions with trainable projections, shared by the loss tests and the worker."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from medfilip.training.losses import CaptionBatch, MedFILIPLoss
from medfilip.training.trainer import integrity_weights

# Captions per image, and which images go to which of two processes.
CAPTIONS_PER_IMAGE = {"equal": [1, 3, 2, 2], "unequal": [1, 2, 2, 2]}
N_CATEGORIES = 3


def make_case(layout: str):
    """Images, captions (owner, category, frozen embedding) and the two projections to differentiate."""
    generator = torch.Generator().manual_seed(7)
    counts = CAPTIONS_PER_IMAGE[layout]
    images = torch.randn(len(counts), 6, generator=generator)
    owner = torch.tensor([i for i, n in enumerate(counts) for _ in range(n)])
    tokens = torch.randn(len(owner), 5, generator=generator)
    categories = torch.randint(0, N_CATEGORIES, (len(owner),), generator=generator)
    frozen = F.normalize(torch.randn(len(owner), 4, generator=generator), dim=-1)
    image_proj = torch.randn(6, 3, generator=generator)
    text_proj = torch.randn(5, 3, generator=generator)
    return images, tokens, owner, categories, frozen, image_proj, text_proj


def loss_and_grads(loss_type: str, layout: str, image_ids: list[int]):
    """Loss over `image_ids` (and their captions) and the gradients of both projections.

    `loss_type` `ssm+mlip` adds the OT local loss on 4 patches per image and integrity weights (from a fixed
    per-image prediction) as the Trainer computes them."""
    mlip = loss_type.endswith("+mlip")
    loss_type = loss_type.removesuffix("+mlip")
    images, tokens, owner, categories, frozen, image_proj, text_proj = make_case(layout)
    image_proj.requires_grad_(True)
    text_proj.requires_grad_(True)
    keep = torch.isin(owner, torch.tensor(image_ids))
    remap = {image: index for index, image in enumerate(image_ids)}
    local_owner = torch.tensor([remap[int(o)] for o in owner[keep]])
    image_embeds = F.normalize(images[image_ids] @ image_proj, dim=-1)
    text_embeds = F.normalize(tokens[keep] @ text_proj, dim=-1)
    captions = CaptionBatch(image_index=local_owner, category_ids=categories[keep], embeddings=frozen[keep])
    if mlip:
        generator = torch.Generator().manual_seed(11)
        patches = torch.randn(len(images), 4, 6, generator=generator)[image_ids]
        prediction = torch.tensor([0.9, 0.2, 0.6, 0.4])[image_ids]
        loss_fn = MedFILIPLoss(loss_type, local_weight=0.5, local_mode="ot")
        loss = loss_fn(image_embeds, text_embeds, torch.tensor(5.0), captions,
                       patch_embeds=F.normalize(patches @ image_proj, dim=-1),
                       sample_weights=integrity_weights(prediction))  # fmt: skip
    else:
        loss = MedFILIPLoss(loss_type)(image_embeds, text_embeds, torch.tensor(5.0), captions)
    loss.backward()
    return loss.detach(), image_proj.grad, text_proj.grad
