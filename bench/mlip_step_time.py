"""Training step time of a ViT MedFILIP model with masked views (tokens dropped) vs unmasked.

Same model (timm `vit_small_patch16_224` at 224 px, the tiny text tower), same random batch, forward +
backward + AdamW step through `MedFILIPTrainer.compute_loss`'s path (SSM loss + semantic-integrity loss
when masked). Usage: python bench/mlip_step_time.py [--steps 8] [--batch-size 16]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F

from medfilip.factory import create_model_and_processor
from medfilip.training.losses import CaptionBatch, MedFILIPLoss
from medfilip.training.trainer import integrity_weights


def step(model, optimizer, batch, captions, loss_fn, mask_ratio: float) -> float:
    start = time.perf_counter()
    out = model(**batch, mask_ratio=mask_ratio)
    scale = model.logit_scale.clamp(max=model.config.logit_scale_max).exp()
    weights = integrity_weights(out.integrity_prediction) if mask_ratio > 0 else None
    loss = loss_fn(out.image_embeds, out.text_embeds, scale, captions, sample_weights=weights)
    if mask_ratio > 0:
        loss = loss + F.mse_loss(out.integrity_prediction, out.integrity_target.detach())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--mask-ratio", type=float, default=0.5)
    args = parser.parse_args()
    torch.manual_seed(0)
    vision = {"timm_model_name": "vit_small_patch16_224", "image_size": 224}
    model, _ = create_model_and_processor("tiny", vision_config=vision, mask_ratio=args.mask_ratio)
    model.train()
    n_captions = 2 * args.batch_size
    batch = {
        "pixel_values": torch.randn(args.batch_size, 3, 224, 224),
        "input_ids": torch.randint(3, model.config.text_config.vocab_size, (n_captions, 24)),
        "attention_mask": torch.ones(n_captions, 24, dtype=torch.long),
    }
    captions = CaptionBatch(
        image_index=torch.arange(n_captions) // 2,
        category_ids=torch.randint(0, 5, (n_captions,)),
        embeddings=F.normalize(torch.randn(n_captions, 384), dim=-1),
    )
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
    loss_fn = MedFILIPLoss("ssm")
    for ratio in (0.0, args.mask_ratio):  # warm-up
        step(model, optimizer, batch, captions, loss_fn, ratio)
    times: dict[float, list[float]] = {0.0: [], args.mask_ratio: []}
    for _ in range(args.rounds):
        for ratio in times:
            times[ratio] += [step(model, optimizer, batch, captions, loss_fn, ratio) for _ in range(args.steps)]
    unmasked, masked = statistics.median(times[0.0]), statistics.median(times[args.mask_ratio])
    print(f"vit_small_patch16_224, batch {args.batch_size}, {n_captions} captions, {torch.get_num_threads()} threads")
    print("| mask ratio | median step (s) | ratio to unmasked |")
    print("|---:|---:|---:|")
    print(f"| 0 | {unmasked:.3f} | 1.000 |")
    print(f"| {args.mask_ratio} | {masked:.3f} | {masked / unmasked:.3f} |")


if __name__ == "__main__":
    main()
