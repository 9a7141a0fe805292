"""Training step time: SSM soft targets vs plain InfoNCE, and SSM with caption embeddings recomputed each step.

Same tiny model, same real batch (Kermany images + COVID-19 findings captions), forward + backward +
optimizer step, on this machine's CPU. Usage:

    python bench/ssm_overhead.py --kermany runs/demo/data/kermany --covid runs/demo/data/covid-pretraining
"""

from __future__ import annotations

import argparse
import statistics
import time

import datasets
import torch

from medfilip.factory import create_model_and_processor
from medfilip.training.caption_embeddings import MINILM, CaptionEmbeddingCache, SentenceEncoder
from medfilip.training.collator import MedFILIPCollator
from medfilip.training.losses import CaptionBatch, MedFILIPLoss
from processing.knowledge import load_knowledge_dictionary


def real_batch(kermany: str, covid: str, size: int) -> list[dict]:
    """Half Kermany rows (categories), half COVID-19 rows with findings, from the train splits."""
    rows = []
    for path, column in ((kermany, "categories"), (covid, "findings")):
        split = datasets.load_from_disk(path)["train"].shuffle(seed=0).select(range(size // 2))
        for row in split.select_columns(["image", column]):
            rows.append({"image": row["image"], "findings": None, "categories": None, **{column: row[column]}})
    return rows


def time_steps(model, optimizer, batch, loss_fn, encoder, texts, steps: int, recompute: bool) -> list[float]:
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        embeddings = encoder.encode(texts) if recompute else batch["caption_embeddings"]
        out = model(
            pixel_values=batch["pixel_values"], input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
        )
        scale = model.logit_scale.clamp(max=model.config.logit_scale_max).exp()
        captions = CaptionBatch(batch["caption_image_index"], batch["caption_category_ids"], embeddings)
        loss = loss_fn(out.image_embeds, out.text_embeds, scale, captions)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kermany", required=True)
    parser.add_argument("--covid", required=True)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(torch.get_num_threads())
    model, processor = create_model_and_processor("tiny")
    encoder = SentenceEncoder(MINILM)
    cache = CaptionEmbeddingCache(encoder)
    collator = MedFILIPCollator(processor, load_knowledge_dictionary(), cache)
    rows = real_batch(args.kermany, args.covid, args.batch_size)
    cache.add(collator.all_captions(rows))
    batch = collator(rows)
    texts = [text for row in rows for text, _ in collator.captions(row)]
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    settings = {
        "infonce": (MedFILIPLoss("infonce"), False),
        "ssm (cached embeddings)": (MedFILIPLoss("ssm"), False),
        "ssm (embeddings recomputed each step)": (MedFILIPLoss("ssm"), True),
    }
    time_steps(model, optimizer, batch, settings["infonce"][0], encoder, texts, 3, False)  # warm-up
    results: dict[str, list[float]] = {name: [] for name in settings}
    for _ in range(args.rounds):  # interleave settings so drift affects all alike
        for name, (loss_fn, recompute) in settings.items():
            results[name] += time_steps(model, optimizer, batch, loss_fn, encoder, texts, args.steps, recompute)
    base = statistics.median(results["infonce"])
    print(
        f"batch: {len(rows)} images, {len(texts)} captions; {args.rounds} x {args.steps} steps per setting; "
        f"{torch.get_num_threads()} threads"
    )
    print("| setting | median step (ms) | ratio to InfoNCE |")
    print("|---|---:|---:|")
    for name, values in results.items():
        median = statistics.median(values)
        print(f"| {name} | {median * 1000:.1f} | {median / base:.3f} |")


if __name__ == "__main__":
    main()
