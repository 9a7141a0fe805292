from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from modeling_medfilip.masking_medfilip import (
    SemanticIntegrityHead,
    mask_pixels,
    random_patch_mask,
    semantic_integrity_target,
)


def test_mask_hides_the_requested_share_and_is_reproducible():
    first = random_patch_mask(4, 49, 0.5, torch.Generator().manual_seed(3))
    again = random_patch_mask(4, 49, 0.5, torch.Generator().manual_seed(3))
    other = random_patch_mask(4, 49, 0.5, torch.Generator().manual_seed(4))
    assert first.sum(1).tolist() == [round(0.5 * 49)] * 4
    assert torch.equal(first, again) and not torch.equal(first, other)
    assert not torch.equal(first[0], first[1])  # each image gets its own mask
    assert random_patch_mask(2, 16, 0.0).sum() == 0
    with pytest.raises(ValueError, match="mask ratio"):
        random_patch_mask(2, 16, 1.0)


def test_hidden_cells_are_zeroed_in_the_pixels():
    pixels = torch.ones(1, 3, 8, 12)
    mask = torch.tensor([[True, False, False, False, False, True]])  # 2 x 3 grid of 4 x 4 cells
    out = mask_pixels(pixels, mask, (2, 3))
    assert out[0, :, :4, :4].abs().sum() == 0 and out[0, :, 4:, 8:].abs().sum() == 0
    assert out.sum() == pixels.sum() - 2 * 3 * 16


def test_integrity_target_is_the_cosine_and_carries_no_gradient_to_the_full_view():
    masked = torch.tensor([[1.0, 0.0], [0.6, 0.8]], requires_grad=True)
    full = torch.tensor([[1.0, 0.0], [1.0, 0.0]], requires_grad=True)
    target = semantic_integrity_target(masked, full)
    torch.testing.assert_close(target, torch.tensor([1.0, 0.6]))
    target.sum().backward()
    assert full.grad is None and masked.grad is not None


def test_head_learns_to_predict_integrity():
    torch.manual_seed(0)
    head = SemanticIntegrityHead(8)
    optimizer = torch.optim.Adam(head.parameters(), lr=1e-2)
    full = F.normalize(torch.randn(64, 8), dim=-1)
    masked = F.normalize(full + torch.rand(64, 1) * torch.randn(64, 8), dim=-1)
    target = semantic_integrity_target(masked, full)
    first = F.mse_loss(head(masked), target).item()
    for _ in range(200):
        optimizer.zero_grad()
        loss = F.mse_loss(head(masked), target)
        loss.backward()
        optimizer.step()
    assert loss.item() < first / 3


@pytest.mark.parametrize("vision", [None, {"timm_model_name": "test_vit", "image_size": 64}], ids=["cnn", "vit"])
def test_towers_hide_the_requested_share_reproducibly(vision):
    from modeling_medfilip import MedFILIPConfig, MedFILIPModel

    overrides = {"vision_config": vision} if vision else {}
    tower = MedFILIPModel(MedFILIPConfig.from_preset("tiny", mask_ratio=0.5, **overrides)).vision_model.eval()
    size = 64 if vision else 128
    pixels = torch.rand(3, 3, size, size) + 0.5  # no zero pixel before masking
    with torch.no_grad():
        torch.manual_seed(5)
        first = tower(pixels, mask_ratio=0.5)
        torch.manual_seed(5)
        again = tower(pixels, mask_ratio=0.5)
    n_patches = first.patch_mask.shape[1]
    grid = tower.backbone.patch_embed.grid_size if vision else (128 // 32, 128 // 32)  # CNN: cells at stride 32
    assert n_patches == grid[0] * grid[1]
    assert first.patch_mask.sum(1).tolist() == [n_patches // 2] * 3
    assert torch.equal(first.patch_mask, again.patch_mask)
    torch.testing.assert_close(first.pooler_output, again.pooler_output)
    if vision is None:
        assert first.feature_map.shape[-2:] == grid  # every cell, the hidden ones computed from zeroed pixels
    else:
        assert first.patch_tokens.shape[1] == n_patches // 2  # hidden tokens are dropped
