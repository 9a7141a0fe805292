"""The MLIP terms in training: local loss and masked views for CNN and ViT towers, through the Trainer."""

from __future__ import annotations

import random

import datasets
import pytest
import torch
from transformers import TrainingArguments

from medfilip.factory import create_model_and_processor
from medfilip.training.caption_embeddings import CaptionEmbeddingCache
from medfilip.training.collator import MedFILIPCollator
from medfilip.training.losses import CaptionBatch, MedFILIPLoss
from medfilip.training.trainer import MedFILIPTrainer, integrity_weights


def test_integrity_weights_keep_the_loss_scale():
    weights = integrity_weights(torch.tensor([0.2, 0.6, -0.3, 1.4]))
    torch.testing.assert_close(weights, torch.tensor([0.2, 0.6, 0.0, 1.0]) / 0.45)
    torch.testing.assert_close(integrity_weights(torch.zeros(3)), torch.ones(3))


def test_sample_weights_of_one_leave_the_loss_unchanged():
    generator = torch.Generator().manual_seed(0)
    images = torch.nn.functional.normalize(torch.randn(3, 4, generator=generator), dim=-1)
    texts = torch.nn.functional.normalize(torch.randn(4, 4, generator=generator), dim=-1)
    captions = CaptionBatch(torch.tensor([0, 1, 1, 2]), torch.tensor([1, 2, 1, 2]), texts)
    for loss_type in ("ssm", "ssm_cosine", "infonce"):
        loss = MedFILIPLoss(loss_type)
        plain = loss(images, texts, torch.tensor(5.0), captions)
        weighted = loss(images, texts, torch.tensor(5.0), captions, sample_weights=torch.ones(3))
        torch.testing.assert_close(plain, weighted)
        skewed = loss(images, texts, torch.tensor(5.0), captions, sample_weights=torch.tensor([3.0, 0.0, 0.0]))
        assert not torch.isclose(plain, skewed)


@pytest.mark.parametrize(
    "vision",
    [None, {"timm_model_name": "test_vit", "image_size": 64}],
    ids=["cnn", "vit"],
)
def test_training_step_with_local_loss_and_masking(kermany_dataset_dir, dictionary, sentence_encoder, tmp_path, vision):
    torch.manual_seed(0)
    overrides = {"local_loss_weight": 0.5, "mask_ratio": 0.5}
    if vision is not None:
        overrides["vision_config"] = vision
    model, processor = create_model_and_processor("tiny", **overrides)
    if vision is not None:
        processor.image_processor.size = {"height": 64, "width": 64}
    rows = datasets.load_from_disk(kermany_dataset_dir)["train"].shuffle(seed=1).select(range(32))
    rows = rows.select_columns(["image", "categories"])
    cache = CaptionEmbeddingCache(sentence_encoder, tmp_path / "cache")
    collator = MedFILIPCollator(processor, dictionary, cache, rng=random.Random(0))
    cache.add(collator.all_captions(rows.select_columns(["categories"])))
    batch = collator(list(rows.select(range(8))))
    with torch.no_grad():
        out = model(
            **{k: batch[k] for k in ("pixel_values", "input_ids", "attention_mask")},
            mask_ratio=0.5,
            output_patch_embeds=True,
        )
    assert out.integrity_target.shape == (8,) and (out.integrity_target <= 1 + 1e-5).all()
    # CNN: every cell of the 4 x 4 feature map (hidden ones zeroed in the pixels); ViT: the kept half of the tokens
    expected_patches = 16 if vision is None else model.vision_model.backbone.patch_embed.num_patches // 2
    assert out.patch_embeds.shape[:2] == (8, expected_patches)
    torch.testing.assert_close(out.patch_embeds.norm(dim=-1), torch.ones(8, expected_patches))

    args = TrainingArguments(
        output_dir=str(tmp_path / "run"), per_device_train_batch_size=8, max_steps=3, learning_rate=1e-3,
        report_to="none", save_strategy="no", remove_unused_columns=False, logging_steps=1, disable_tqdm=True,
    )  # fmt: skip
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    trainer = MedFILIPTrainer(model=model, args=args, train_dataset=rows, data_collator=collator)
    trainer.train()
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    assert len(losses) == 3 and all(torch.isfinite(torch.tensor(losses)))
    for module in ("patch_projection", "semantic_integrity_head", "vision_model", "text_model"):
        changed = [not torch.equal(p, before[n]) for n, p in model.named_parameters() if n.startswith(module)]
        assert any(changed), f"{module} did not learn"


def test_last_epochs_train_unmasked_and_evaluation_never_masks(tmp_path):
    model, _ = create_model_and_processor("tiny", mask_ratio=0.4, unmasked_last_epochs=1)
    args = TrainingArguments(output_dir=str(tmp_path), num_train_epochs=3, report_to="none", use_cpu=True)
    trainer = MedFILIPTrainer(model=model, args=args)
    model.train()
    ratios = {}
    for epoch in (0.0, 1.5, 1.99, 2.0, 2.7):
        trainer.state.epoch = epoch
        ratios[epoch] = trainer.current_mask_ratio(model)
    assert ratios == {0.0: 0.4, 1.5: 0.4, 1.99: 0.4, 2.0: 0.0, 2.7: 0.0}
    trainer.state.epoch = 0.5
    model.eval()
    assert trainer.current_mask_ratio(model) == 0.0
