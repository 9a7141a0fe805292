"""Zero-shot evaluation of a saved model on one split of a built dataset, written out with its report.

Single-label datasets (a ClassLabel column): each class through its prompt(s), softmax over classes,
prediction by arg-max. Multi-label datasets (a list-of-ClassLabel column): each class scored by its
positive prompt against its negative (`no <category>` or the `no finding` prompt); a class is predicted
where its score reaches a threshold fitted (best F1) on another split, `threshold_split`, and applied
unchanged: fitting on the evaluated split itself is refused. Multi-label classes with no positive image
in the evaluated split are left out and listed. Classes named in `unseen` are marked as such.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from transformers import AutoModel, AutoProcessor

from medfilip.evaluation.data import load_split, targets
from medfilip.evaluation.metrics import BOOTSTRAP_RESAMPLES, fit_thresholds, multi_label_metrics, single_label_metrics
from medfilip.evaluation.outputs import write_classification
from medfilip.evaluation.zero_shot import (
    class_embeddings,
    class_prompts,
    image_embeddings,
    logit_scale,
    negative_prompt,
    positive_vs_negative_scores,
    softmax_scores,
)
from processing.knowledge import load_knowledge_dictionary


def evaluate_zero_shot(
    model_dir: str | Path,
    dataset_dir: str | Path,
    output_dir: str | Path,
    split: str = "test",
    label_column: str | None = None,
    class_names: Sequence[str] | None = None,
    prompts: Mapping[str, Sequence[str]] | None = None,
    ensemble: bool = False,
    negative: str = "no-category",
    threshold_split: str = "validation",
    unseen: Sequence[str] = (),
    batch_size: int = 32,
    progress: bool = False,
    bootstrap_resamples: int = BOOTSTRAP_RESAMPLES,
) -> dict[str, Any]:
    """Score `split` zero-shot, write the outputs to `output_dir` and return the metrics.

    `class_names` rename the dataset's classes in label order (e.g. to dictionary terms); `prompts`
    give a class its own texts (several are averaged); `ensemble` averages the dictionary synonyms too.
    """
    data = load_split(dataset_dir, split)
    truth = targets(data, label_column).renamed(class_names)
    missing = [name for name in unseen if name not in truth.class_names]
    if missing:
        raise ValueError(f"unseen classes {missing} are not among the classes {truth.class_names}")
    model = AutoModel.from_pretrained(model_dir, trust_remote_code=True).eval()
    processor = AutoProcessor.from_pretrained(model_dir, trust_remote_code=True)
    dictionary = load_knowledge_dictionary()
    texts = class_prompts(truth.class_names, dictionary, prompts, ensemble)
    positives = class_embeddings(model, processor, texts)
    scale = logit_scale(model)
    images = image_embeddings(model, processor, data["image"], batch_size, progress)
    context = {
        "model": f"`{model_dir}`",
        "dataset": f"`{dataset_dir}`, split `{split}`, column `{truth.column}`, {len(data)} images",
        "prompts": "; ".join(
            f"{name}: {' / '.join(group)}" for name, group in zip(truth.class_names, texts, strict=True)
        ),
    }
    if not truth.multi_label:
        scores = softmax_scores(images, positives, scale).numpy()
        metrics = single_label_metrics(truth.indices, scores, truth.class_names, bootstrap_resamples)
    else:
        if threshold_split == split:
            raise ValueError(f"thresholds must be fitted on another split than the evaluated one ({split!r})")
        negatives = class_embeddings(
            model, processor, [[negative_prompt(name, dictionary, negative)] for name in truth.class_names]
        )
        scores = positive_vs_negative_scores(images, positives, negatives, scale).numpy()
        held_out = load_split(dataset_dir, threshold_split)
        held_out_truth = targets(held_out, truth.column).renamed(class_names)
        held_out_scores = positive_vs_negative_scores(
            image_embeddings(model, processor, held_out["image"], batch_size, progress), positives, negatives, scale
        ).numpy()
        truth, present, absent = truth.present()
        scores = scores[:, present]
        thresholds = fit_thresholds(held_out_truth.matrix[:, present], held_out_scores[:, present])
        metrics = multi_label_metrics(truth.matrix, scores, thresholds, truth.class_names, bootstrap_resamples)
        metrics.update(threshold_split=threshold_split, threshold_images=len(held_out), classes_left_out=absent)
        context["scoring"] = (
            f"positive vs negative prompt ({negative}); thresholds (best F1) fitted on `{threshold_split}`"
        )
        if absent:
            context["left out (no positive image)"] = ", ".join(absent)
    metrics.update(task="zero-shot", split=split, unseen_classes=list(unseen))
    write_classification(Path(output_dir), metrics, data["image_id"], truth, scores, context)
    return metrics
