"""`medfilip push` (and `push_to_hub.py`): publish a saved model or a built dataset to the Hugging Face Hub."""

from __future__ import annotations

import argparse
import sys

DESCRIPTION = (
    "Publish a saved model (safetensors weights, config with auto_map and the zero-shot pipeline, processor, "
    "tokenizer, remote code, and a model card with evaluation results) or a dataset built by "
    "`medfilip build-dataset` (with its card). Only the listed files are sent; Trainer files, checkpoints, "
    "optimizer states, caches, pickles and keys never are. Repos are private unless --public. A folder "
    "holding report text is refused unless --include-report-text. The token comes from HF_TOKEN or "
    "`hf auth login`."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `medfilip push`, shared with `push_to_hub.py`."""
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", metavar="DIR", help="saved model folder (train.py, medfilip init)")
    source.add_argument("--dataset", metavar="DIR", help="folder written by medfilip build-dataset")
    parser.add_argument("--repo-id", required=True, metavar="ORG/NAME", help="Hub repository to publish to")
    parser.add_argument(
        "--metrics",
        nargs=2,
        action="append",
        default=[],
        metavar=("METRICS_JSON", "DATASET_DIR"),
        help="a `medfilip evaluate` metrics.json and the dataset folder it scored, for the card's model-index "
        "(repeatable; models only)",
    )
    parser.add_argument("--license", default="other", help="license of the model in its card (default: other)")
    parser.add_argument("--public", action="store_true", help="make a new repository public (default: private)")
    parser.add_argument("--revision", default=None, help="branch to commit to (created if missing; default: main)")
    parser.add_argument("--commit-message", default=None, help="commit message")
    parser.add_argument(
        "--include-report-text",
        action="store_true",
        help="publish even though the folder holds report text (only with the right to share it)",
    )
    parser.add_argument("--dry-run", metavar="OUT", default=None, help="write the upload folder to OUT, send nothing")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "push", help="publish a model or a dataset to the Hugging Face Hub", description=DESCRIPTION
    )
    add_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from medfilip.hub.model_card import Evaluation
    from medfilip.hub.publish import publish_dataset, publish_model
    from medfilip.hub.selection import UploadRefused
    from medfilip.hub.upload import PublishOptions

    if args.dataset and args.metrics:
        print("medfilip push: --metrics applies to models only", file=sys.stderr)
        return 2
    options = PublishOptions(
        repo_id=args.repo_id,
        repo_type="model" if args.model else "dataset",
        public=args.public,
        revision=args.revision,
        commit_message=args.commit_message,
    )
    try:
        if args.model:
            evaluations = [Evaluation.from_files(metrics, dataset) for metrics, dataset in args.metrics]
            result = publish_model(
                args.model,
                options,
                evaluations,
                license=args.license,
                include_report_text=args.include_report_text,
                dry_run=args.dry_run,
            )
        else:
            result = publish_dataset(
                args.dataset, options, include_report_text=args.include_report_text, dry_run=args.dry_run
            )
    except (UploadRefused, FileExistsError, FileNotFoundError, ValueError) as error:
        print(f"medfilip push: refused: {error}", file=sys.stderr)
        return 2
    if result.report_text:
        print("including report text (--include-report-text):\n  - " + "\n  - ".join(result.report_text))
    print(f"{len(result.files)} files:\n  " + "\n  ".join(result.files))
    if result.left_out:
        print(f"left out ({len(result.left_out)}, never published):\n  " + "\n  ".join(result.left_out))
    visibility = "public" if args.public else "private"
    if result.dry_run_folder is not None:
        print(
            f"dry run: wrote {result.dry_run_folder} ({options.repo_type} {args.repo_id}, {visibility}); sent nothing"
        )
    else:
        print(f"published {options.repo_type} {args.repo_id} ({visibility} when created): {result.commit_url}")
    return 0
