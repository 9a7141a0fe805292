"""`medfilip evaluate`: zero-shot single-label classification of a built dataset, with a written report."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="zero-shot classification of a built dataset: metrics.json, predictions.csv, roc.png, report.md",
        description="Score each image of a dataset built by `medfilip build-dataset` against its classes, each "
        "through its knowledge-enriched prompt, and write metrics (accuracy, ROC-AUC with a bootstrap 95%% "
        "interval, F1), per-image predictions, ROC curves and a report.",
    )
    parser.add_argument("--model", required=True, help="saved model folder")
    parser.add_argument("--dataset", required=True, help="folder written by medfilip build-dataset")
    parser.add_argument("--split", default="test", help="split to evaluate (default: test)")
    parser.add_argument("--task", default="zero-shot", choices=["zero-shot"], help="evaluation protocol")
    parser.add_argument("--label-column", default="label", help="ClassLabel column holding the truth")
    parser.add_argument(
        "--labels", default=None, help="comma-separated class names in label order (default: the dataset's)"
    )
    parser.add_argument("--output", required=True, help="folder for the outputs")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from medfilip.evaluation.zero_shot_report import evaluate_zero_shot

    class_names = [name.strip() for name in args.labels.split(",")] if args.labels else None
    metrics = evaluate_zero_shot(
        args.model, args.dataset, args.output, split=args.split, label_column=args.label_column, class_names=class_names
    )
    low, high = metrics["roc_auc_ci95"]
    print(
        f"zero-shot on {metrics['n_images']} images ({args.split}): accuracy {metrics['accuracy']:.3f}, "
        f"ROC-AUC {metrics['roc_auc']:.3f} (95% CI {low:.3f}-{high:.3f}), F1 {metrics['f1']:.3f}; wrote {args.output}"
    )
    return 0
