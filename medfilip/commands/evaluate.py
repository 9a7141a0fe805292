"""`medfilip evaluate`: zero-shot classification, retrieval, linear probe or fine-tuning, with a written report."""

from __future__ import annotations

import argparse

TASKS = ("zero-shot", "retrieval", "linear-probe", "finetune")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="evaluate a model: zero-shot, retrieval, linear probe, fine-tuning (metrics.json, predictions.csv, "
        "plots, report.md)",
        description="Evaluate a saved MedFILIP model on one split of a dataset and write metrics.json (accuracy, "
        "macro and per-class ROC-AUC with bootstrap 95%% intervals, F1, counts), predictions.csv (one row per "
        "image), ROC and confusion plots (PNG) and report.md. Zero-shot scores each class through its "
        "knowledge-enriched prompt(s): softmax over classes for a single-label dataset, positive vs negative "
        "prompt per class for a multi-label one (thresholds fitted on --threshold-split, never on the evaluated "
        "split). Linear probe and fine-tuning train a MedFILIPForImageClassification head, starting from the "
        "model's weights, on --fraction of the training split.",
    )
    parser.add_argument("--model", required=True, help="saved MedFILIP model folder")
    parser.add_argument(
        "--dataset",
        required=True,
        help="folder written by medfilip build-dataset, or a dataset name (kermany, covid, covid-pretraining, "
        "nih-chestxray14, rsna, vindr, mimic-cxr, manifest) built from --data-dir into the cache",
    )
    parser.add_argument("--data-dir", default=None, help="source folder of a named dataset (default: data root)")
    parser.add_argument("--cache-dir", default=None, help="where named datasets are built (default ~/.cache/medfilip)")
    parser.add_argument("--split", default="test", help="split to evaluate (default: test)")
    parser.add_argument("--task", default="zero-shot", choices=TASKS, help="evaluation protocol")
    parser.add_argument("--output", required=True, help="folder for the outputs")
    parser.add_argument("--label-column", default=None, help="label column (default: `label`, else `labels`)")
    parser.add_argument(
        "--labels", default=None, help="comma-separated class names in label order (default: the dataset's)"
    )
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples of the AUC intervals")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    zero_shot = parser.add_argument_group("zero-shot")
    zero_shot.add_argument(
        "--prompt",
        action="append",
        default=[],
        metavar="CLASS=TEXT",
        help="score CLASS through TEXT instead of its dictionary prompt (repeat to average several prompts); "
        "how an unseen class is described",
    )
    zero_shot.add_argument("--ensemble", action="store_true", help="average the dictionary synonyms' prompts too")
    zero_shot.add_argument(
        "--negative", default="no-category", choices=["no-category", "no-finding"], help="multi-label negative prompt"
    )
    zero_shot.add_argument("--threshold-split", default="validation", help="split the multi-label thresholds fit on")
    zero_shot.add_argument("--unseen", default="", help="comma-separated classes absent from the model's training")
    retrieval = parser.add_argument_group("retrieval")
    retrieval.add_argument(
        "--text-source", default=None, choices=["captions", "report"], help="texts (default: report if kept)"
    )
    probe = parser.add_argument_group("linear probe / fine-tuning")
    probe.add_argument("--fraction", type=float, default=1.0, help="fraction of the training labels (e.g. 0.01)")
    probe.add_argument("--train-split", default="train")
    probe.add_argument("--epochs", type=float, default=None, help="default: 10 (linear probe), 3 (fine-tuning)")
    probe.add_argument("--learning-rate", type=float, default=None, help="default: 1e-2 (probe), 1e-4 (fine-tuning)")
    probe.add_argument("--seed", type=int, default=0)
    parser.set_defaults(func=run)


def _prompts(values: list[str]) -> dict[str, list[str]]:
    prompts: dict[str, list[str]] = {}
    for value in values:
        name, separator, text = value.partition("=")
        if not separator or not name.strip() or not text.strip():
            raise SystemExit(f"--prompt {value!r}: expected CLASS=TEXT")
        prompts.setdefault(name.strip(), []).append(text.strip())
    return prompts


def _names(value: str | None) -> list[str]:
    return [name.strip() for name in value.split(",") if name.strip()] if value else []


def run(args: argparse.Namespace) -> int:
    from medfilip.evaluation.data import resolve_dataset

    progress = not args.no_progress
    options = {"keep_report_text": True} if args.task == "retrieval" and args.text_source != "captions" else {}
    dataset_dir = resolve_dataset(args.dataset, args.data_dir, args.cache_dir, **options)
    if args.task == "retrieval":
        from medfilip.evaluation.retrieval_report import evaluate_retrieval

        metrics = evaluate_retrieval(
            args.model, dataset_dir, args.output, args.split, args.text_source, args.batch_size, progress
        )
        recall = " ".join(
            f"{direction} " + ", ".join(f"{k} {value:.3f}" for k, value in metrics[direction].items())
            for direction in ("image_to_text", "text_to_image")
        )
        print(f"retrieval on {metrics['n_images']} images, {metrics['n_texts']} texts ({args.split}): {recall}; "
              f"wrote {args.output}")  # fmt: skip
        return 0
    if args.task == "zero-shot":
        from medfilip.evaluation.zero_shot_report import evaluate_zero_shot

        metrics = evaluate_zero_shot(
            args.model,
            dataset_dir,
            args.output,
            split=args.split,
            label_column=args.label_column,
            class_names=_names(args.labels),
            prompts=_prompts(args.prompt),
            ensemble=args.ensemble,
            negative=args.negative,
            threshold_split=args.threshold_split,
            unseen=_names(args.unseen),
            batch_size=args.batch_size,
            progress=progress,
            bootstrap_resamples=args.bootstrap,
        )
    else:
        from medfilip.evaluation.probe import evaluate_probe

        metrics = evaluate_probe(
            args.model,
            dataset_dir,
            args.output,
            finetune=args.task == "finetune",
            split=args.split,
            train_split=args.train_split,
            fraction=args.fraction,
            label_column=args.label_column,
            class_names=_names(args.labels),
            threshold_split=args.threshold_split,
            epochs=args.epochs,
            learning_rate=args.learning_rate,
            batch_size=args.batch_size,
            seed=args.seed,
            progress=progress,
            bootstrap_resamples=args.bootstrap,
        )
    interval = metrics["roc_auc_ci95"]
    ci = f" (95% CI {interval[0]:.3f}-{interval[1]:.3f})" if interval else ""
    auc = "-" if metrics["roc_auc"] is None else f"{metrics['roc_auc']:.3f}"
    print(
        f"{args.task} on {metrics['n_images']} images ({args.split}): accuracy {metrics['accuracy']:.3f}, "
        f"ROC-AUC {auc}{ci}, F1 {metrics['f1']:.3f}; wrote {args.output}"
    )
    return 0
