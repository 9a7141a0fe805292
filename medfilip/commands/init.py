"""`medfilip init`: write a new, randomly initialized model + processor folder from a preset."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "init",
        help="write a randomly initialized model and processor from a preset",
        description="Write a randomly initialized MedFILIP model, its processor and its code to a folder "
        "that AutoModel.from_pretrained and pipeline('zero-shot-image-classification') load.",
    )
    parser.add_argument(
        "--preset",
        default="tiny",
        help="model preset: tiny or tiny-vit (CPU-sized), base (the paper's), vit-small, vit-base",
    )
    parser.add_argument("--output", required=True, help="folder to write")
    parser.add_argument(
        "--tokenizer",
        default=None,
        help="tokenizer Hub id or local folder (default: the preset's; tiny and tiny-vit train one offline)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed for the initial weights")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from transformers import set_seed

    from medfilip.factory import TokenizerUnavailableError, create_model_and_processor, save_model_and_processor

    set_seed(args.seed)
    try:
        model, processor = create_model_and_processor(args.preset, tokenizer=args.tokenizer)
    except (TokenizerUnavailableError, ValueError) as err:
        print(f"medfilip init: {err}")
        return 2
    output = Path(args.output)
    save_model_and_processor(model, processor, output)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"wrote a {args.preset} MedFILIP model ({n_params / 1e6:.2f}M parameters) with its processor to {output}")
    return 0
