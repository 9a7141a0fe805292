"""`medfilip build-dataset`: prepare a chest X-ray dataset from its release layout and save it with a card."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "build-dataset",
        help="prepare a dataset from its release layout and save it (save_to_disk) with a dataset card",
        description="Read a chest X-ray release in its official layout, skip and report damaged inputs, and save "
        "a Hugging Face dataset (image bytes embedded) with a dataset card and a build summary.",
    )
    from datasets_builders.registry import BUILDERS

    parser.add_argument("name", help=f"dataset: {', '.join(BUILDERS)}")
    parser.add_argument(
        "--data-dir", default=None, help="the release folder (default: the dataset's folder under MEDFILIP_DATA_DIR)"
    )
    parser.add_argument("--output", required=True, help="folder to save the dataset to")
    parser.add_argument("--findings", default=None, help="`medfilip extract` output file (pre-training datasets)")
    parser.add_argument("--split-seed", type=int, default=0, help="seed of the patient-level split hash")
    parser.add_argument("--validation-fraction", type=float, default=0.1, help="patients held out for validation")
    parser.add_argument("--test-fraction", type=float, default=0.2, help="patients held out for test (no split)")
    parser.add_argument("--max-rows", type=int, default=None, help="keep only the first N rows of each split")
    parser.add_argument(
        "--keep-report-text", action="store_true", help="keep report sections and finding evidence (patient data)"
    )
    parser.add_argument(
        "--allow-missing-images", action="store_true", help="keep records whose image is missing (image empty)"
    )
    parser.add_argument("--overwrite", action="store_true", help="replace a non-empty output folder")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from datasets_builders.build import build_dataset

    try:
        summary = build_dataset(
            args.name,
            args.output,
            data_dir=args.data_dir,
            overwrite=args.overwrite,
            findings_file=args.findings,
            split_seed=args.split_seed,
            validation_fraction=args.validation_fraction,
            test_fraction=args.test_fraction,
            max_rows=args.max_rows,
            keep_report_text=args.keep_report_text,
            require_images=not args.allow_missing_images,
        )
    except (KeyError, FileNotFoundError, FileExistsError, ValueError) as error:
        print(f"medfilip build-dataset: {error.args[0] if isinstance(error, KeyError) else error}")
        return 2
    print(summary.format())
    return 0
