from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from medfilip.training.local_alignment import local_similarity, sinkhorn


def test_sinkhorn_plan_has_the_requested_marginals():
    generator = torch.Generator().manual_seed(0)
    cost = torch.rand(3, 6, 2, generator=generator)
    source = torch.full((3, 6), 1 / 6)
    target = torch.tensor([0.3, 0.7]).expand(3, 2)
    plan = sinkhorn(cost, source, target, epsilon=0.05, iterations=200)
    torch.testing.assert_close(plan.sum(-1), source, atol=1e-5, rtol=0)
    torch.testing.assert_close(plan.sum(-2), target, atol=1e-5, rtol=0)
    assert (plan >= 0).all()


def _patches(vectors: list[list[float]]) -> torch.Tensor:
    return F.normalize(torch.tensor(vectors), dim=-1).unsqueeze(0)


def test_caption_takes_its_matching_patches_and_background_takes_the_rest():
    # Ten patches: three look like the finding (axis 0), seven are background (axis 1).
    patches = _patches([[1.0, 0.0]] * 3 + [[0.0, 1.0]] * 7)
    finding = torch.tensor([[1.0, 0.0]])
    similarity = local_similarity(patches, finding, mode="ot", caption_mass=0.3, background_cosine=0.2, epsilon=0.01)
    assert similarity.item() == pytest.approx(1.0, abs=1e-3)  # its 30 % of the mass comes from the matching patches
    # The global (mean-pooled) view dilutes the finding over normal lung.
    assert F.normalize(patches.mean(1), dim=-1) @ finding.t() < 0.5


def test_caption_seen_nowhere_scores_low_in_both_modes():
    patches = _patches([[0.0, 1.0, 0.0]] * 8)
    absent = torch.tensor([[1.0, 0.0, 0.0]])
    for mode in ("ot", "attention"):
        assert local_similarity(patches, absent, mode=mode).item() == pytest.approx(0.0, abs=1e-4)


def test_attention_focuses_on_the_best_patch():
    patches = _patches([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [0.0, 1.0]])
    caption = torch.tensor([[1.0, 0.0]])
    assert local_similarity(patches, caption, mode="attention", temperature=0.01).item() == pytest.approx(1.0, abs=1e-3)
    with pytest.raises(ValueError, match="local alignment mode"):
        local_similarity(patches, caption, mode="max")


def test_shapes_and_gradients_for_a_batch():
    generator = torch.Generator().manual_seed(1)
    patches = F.normalize(torch.randn(2, 16, 8, generator=generator), dim=-1).requires_grad_(True)
    texts = F.normalize(torch.randn(5, 8, generator=generator), dim=-1).requires_grad_(True)
    similarity = local_similarity(patches, texts)
    assert similarity.shape == (2, 5) and torch.isfinite(similarity).all()
    assert (similarity.abs() <= 1 + 1e-4).all()
    similarity.sum().backward()
    assert torch.isfinite(patches.grad).all() and texts.grad.abs().sum() > 0
