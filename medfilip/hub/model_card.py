"""The model card published with a MedFILIP model: metadata, `model-index` results, usage, provenance, limits.

Everything stated comes from the model folder (config, weights, `medfilip_training.json`) and from
`medfilip evaluate` outputs (`metrics.json`); what the folder does not record is written as
"not recorded", never guessed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from huggingface_hub import EvalResult, ModelCard, ModelCardData
from safetensors import safe_open

from medfilip.hub.training_provenance import read_training_provenance

NOT_RECORDED = "not recorded"
TASK = "zero-shot-image-classification"
NOT_FOR_CLINICAL_USE = (
    "**Not for clinical use.** This model is a research artifact. It has not been validated clinically, is not "
    "a medical device, and must not be used to diagnose, treat or triage patients or to replace a radiologist."
)
HUB_ID = re.compile(r"^[\w.\-]+/[\w.\-]+$")
# metrics.json key -> (model-index metric type, display name); keys absent or null in a run are skipped
METRICS = {
    "accuracy": ("accuracy", "Accuracy"),
    "subset_accuracy": ("accuracy", "Exact-match accuracy"),
    "roc_auc": ("roc_auc", "ROC-AUC (macro)"),
    "f1": ("f1", "F1 (macro)"),
}
# `medfilip evaluate` task -> (model-index task type, display name)
TASKS = {
    "zero-shot": (TASK, "Zero-shot classification"),
    "linear-probe": ("image-classification", "Linear probe"),
    "finetune": ("image-classification", "Fine-tuning"),
}


@dataclass
class Evaluation:
    """One `medfilip evaluate` classification run: its `metrics.json` and the dataset it scored."""

    metrics: dict[str, Any]
    dataset_name: str
    dataset_title: str

    @classmethod
    def from_files(cls, metrics_path: str | Path, dataset_dir: str | Path) -> Evaluation:
        """Read `metrics.json` and name its dataset from the build folder's summary and card.

        Raises `ValueError` for a file that is not a classification `metrics.json` (e.g. retrieval).
        """
        from medfilip.hub.training_provenance import describe_dataset

        metrics = json.loads(Path(metrics_path).read_text())
        task = metrics.get("task", "zero-shot")
        if task not in TASKS or "split" not in metrics or not any(metrics.get(key) is not None for key in METRICS):
            raise ValueError(
                f"{metrics_path} is not a classification metrics.json of `medfilip evaluate` "
                f"(task {task!r}; the card reports {', '.join(TASKS)})"
            )
        described = describe_dataset(dataset_dir)
        return cls(metrics=metrics, dataset_name=described["name"], dataset_title=described["title"])

    @property
    def task(self) -> str:
        return self.metrics.get("task", "zero-shot")

    def values(self) -> dict[str, float]:
        """The reported metrics (`metrics.json` key -> value), exactly as written by `medfilip evaluate`."""
        return {key: self.metrics[key] for key in METRICS if self.metrics.get(key) is not None}

    def eval_results(self) -> list[EvalResult]:
        """The `model-index` entries, one per reported metric, values unchanged from `metrics.json`."""
        task_type, task_title = TASKS[self.task]
        return [
            EvalResult(
                task_type=task_type,
                task_name=f"{task_title} ({', '.join(self.metrics.get('class_names', []))})",
                dataset_type=self.dataset_name,
                dataset_name=self.dataset_title,
                dataset_split=self.metrics["split"],
                metric_type=METRICS[key][0],
                metric_name=METRICS[key][1],
                metric_value=value,
            )
            for key, value in self.values().items()
        ]


def _parameter_count(model_dir: Path) -> int | None:
    files = sorted(model_dir.glob("*.safetensors"))
    total = 0
    for path in files:
        with safe_open(str(path), framework="numpy") as handle:
            for name in handle.keys():
                count = 1
                for size in handle.get_slice(name).get_shape():
                    count *= size
                total += count
    return total or None


def base_models(config: dict[str, Any], provenance: dict[str, Any] | None) -> list[str]:
    """Hub ids of the pretrained towers the training started from (none for a model trained from scratch)."""
    if provenance is None:
        return []
    models = []
    if provenance.get("init_text") and HUB_ID.match(provenance["init_text"]):
        models.append(provenance["init_text"])
    if provenance.get("init_vision") == "timm":
        models.append(f"timm/{config['vision_config']['timm_model_name']}")
    return models


def _towers(config: dict[str, Any], provenance: dict[str, Any] | None) -> list[str]:
    vision, text = config["vision_config"], config["text_config"]
    text_kind = text.get("model_type", "text")
    start = provenance or {}
    vision_start = {None: "random initialization", "timm": "timm's pretrained weights"}.get(
        start.get("init_vision"), f"weights file {start.get('init_vision')}"
    )
    text_start = start.get("init_text") or "random initialization"
    if provenance is None:
        vision_start = text_start = NOT_RECORDED
    return [
        f"- Vision tower: timm `{vision['timm_model_name']}` at {vision['image_size']}×{vision['image_size']} px "
        f"(start: {vision_start}).",
        f"- Text tower: `{text_kind}`, {text.get('num_hidden_layers', '?')} layers, hidden size "
        f"{text.get('hidden_size', '?')}, up to {text.get('max_position_embeddings', '?')} tokens "
        f"(start: {text_start}); pooling `{config.get('text_pooling', NOT_RECORDED)}`.",
        f"- Joint embedding: {config.get('projection_dim', '?')}-d, L2-normalized, learned logit scale.",
    ]


def _training_data(provenance: dict[str, Any] | None) -> list[str]:
    if provenance is None:
        return [
            f"Training data: {NOT_RECORDED} (the model folder has no `medfilip_training.json`; "
            "it was not trained by this package's `train.py`, e.g. an untrained `medfilip init` folder)."
        ]
    lines = []
    for dataset in provenance["datasets"]:
        rows = ", ".join(f"{split} {count}" for split, count in dataset.get("rows", {}).items()) or NOT_RECORDED
        lines.append(f"- **{dataset['title']}** (`medfilip build-dataset {dataset['name']}`; rows: {rows}).")
        findings = dataset.get("findings_provenance")
        if findings:
            lines += [
                f"  - Findings: {findings.get('source', NOT_RECORDED)}; extraction backend: "
                f"{findings.get('backend', NOT_RECORDED)}; model: {findings.get('model', NOT_RECORDED)}; "
                f"prompt version: {findings.get('prompt_version', NOT_RECORDED)}.",
                "  - Report text kept in the training set: " + ("yes" if dataset.get("report_text_kept") else "no"),
            ]
        else:
            lines.append("  - Labels: the dataset's classes mapped to knowledge-dictionary categories (see its card).")
    return lines


def _objective(config: dict[str, Any], provenance: dict[str, Any] | None) -> list[str]:
    start = provenance or {}
    lines = [
        f"- Loss: `{start.get('loss_type') or config.get('loss_type') or NOT_RECORDED}` (`ssm`: soft targets from "
        "the semantic similarity matrix of the knowledge captions; `infonce`: the CLIP baseline).",
        f"- Caption encoder for the SSM targets (frozen, not part of this model): "
        f"{start.get('caption_encoder', NOT_RECORDED)}.",
        f"- Knowledge dictionary: version {config.get('knowledge_version', NOT_RECORDED)} "
        f"({len(config.get('knowledge_prompts', {}))} categories, carried in the config for the prompts)"
        + (f", extra files: {', '.join(start['extra_dictionaries'])}" if start.get("extra_dictionaries") else "")
        + ".",
    ]
    if provenance is not None:
        lines.append(
            f"- Optimization: {provenance.get('num_train_epochs')} epochs, {provenance.get('global_steps')} steps, "
            f"batch {provenance.get('train_batch_size')}, learning rate {provenance.get('learning_rate')}, "
            f"seed {provenance.get('seed')}, uncertain findings as positives: "
            f"{provenance.get('uncertain_as_positive')}, caption drop probability "
            f"{provenance.get('caption_drop_probability')}, sample cap {provenance.get('max_train_samples')}."
        )
    return lines


def _evaluation(evaluations: list[Evaluation], provenance: dict[str, Any] | None) -> list[str]:
    if not evaluations:
        return ["No evaluation results were given when this model was published."]
    lines = ["| protocol | dataset | split | images | classes | metric | value |", "|---|---|---|---:|---|---|---:|"]
    for evaluation in evaluations:
        m = evaluation.metrics
        head = (
            f"| {TASKS[evaluation.task][1]} | {evaluation.dataset_title} | {m['split']} | {m.get('n_images', '?')} | "
            f"{', '.join(m.get('class_names', []))} |"
        )
        for key, value in evaluation.values().items():
            interval = m.get("roc_auc_ci95") if key == "roc_auc" else None
            shown = f"{value:.3f}" + (f" (95 % CI {interval[0]:.3f}–{interval[1]:.3f})" if interval else "")
            lines.append(f"{head} {METRICS[key][1]} | {shown} |")
    lines += [
        "",
        "Zero-shot: each class is scored through its knowledge-enriched prompt, with no training on the "
        "evaluated set. Values are those of `medfilip evaluate` (`metrics.json`), also in the `model-index`.",
    ]
    trained_on = {dataset["name"] for dataset in (provenance or {}).get("datasets", [])}
    for evaluation in evaluations:
        if evaluation.dataset_name in trained_on:
            lines.append(
                f"The {evaluation.dataset_title} evaluation uses split `{evaluation.metrics['split']}` of a dataset "
                "whose other splits were training data (splits are patient-level): it measures held-out patients "
                "of a seen collection, not transfer to an unseen one."
            )
    return lines


def usage_snippet(repo_id: str, revision: str | None = None) -> str:
    """Python that loads the published model and classifies an X-ray (any revision other than main named)."""
    extra = f', revision="{revision}"' if revision and revision != "main" else ""
    return (
        "from transformers import AutoModel, pipeline\n\n"
        f'model = AutoModel.from_pretrained("{repo_id}", trust_remote_code=True{extra})\n'
        f'classifier = pipeline("zero-shot-image-classification", model="{repo_id}", trust_remote_code=True{extra})\n'
        'classifier("chest_xray.png", candidate_labels=["pneumonia", "pleural effusion", "no finding"])\n'
        "# [{'score': ..., 'label': ...}, ...]  a softmax over the labels; PNG, 16-bit PNG, JPEG or DICOM files\n"
    )


def model_card(
    model_dir: str | Path,
    repo_id: str,
    evaluations: list[Evaluation] | None = None,
    license: str = "other",
    revision: str | None = None,
) -> ModelCard:
    """The card for the saved model in `model_dir`, published as `repo_id`."""
    root = Path(model_dir)
    config = json.loads((root / "config.json").read_text())
    provenance = read_training_provenance(root)
    evaluations = evaluations or []
    bases = base_models(config, provenance)
    card_data = ModelCardData(
        language="en",
        license=license,
        library_name="transformers",
        pipeline_tag=TASK,
        tags=["medfilip", "medical", "chest-x-ray", "radiology", "vision-language", "zero-shot", "custom_code"],
        base_model=bases or None,
        model_name=repo_id.split("/")[-1],
        eval_results=[result for evaluation in evaluations for result in evaluation.eval_results()] or None,
    )
    parameters = _parameter_count(root)
    lines = [
        f"# {repo_id.split('/')[-1]}",
        "",
        "A MedFILIP dual encoder (medical fine-grained language-image pre-training) for zero-shot "
        "classification of chest X-rays: images and knowledge-enriched finding descriptions share one "
        "embedding space, so any finding can be scored by its description.",
        "",
        NOT_FOR_CLINICAL_USE,
        "",
        "## Usage",
        "",
        "```python",
        usage_snippet(repo_id, revision).rstrip("\n"),
        "```",
        "",
        "`trust_remote_code=True` loads the model, processor and pipeline code published with the weights. "
        "Labels the knowledge dictionary knows are scored through their visual description; pass "
        "`prompts={'label': 'text'}` for your own, or `use_knowledge=False`.",
        "",
        "## Model",
        "",
        *_towers(config, provenance),
        f"- Parameters: {parameters:,}." if parameters else f"- Parameters: {NOT_RECORDED}.",
        "- Base models: "
        + (", ".join(f"`{name}`" for name in bases) if bases else "none (trained from scratch)")
        + ("." if provenance is not None else f" ({NOT_RECORDED} whether pretrained towers were used)."),
        "",
        "## Training data",
        "",
        *_training_data(provenance),
        "",
        "## Training objective",
        "",
        *_objective(config, provenance),
        "",
        "## Evaluation",
        "",
        *_evaluation(evaluations, provenance),
        "",
        "## Intended use",
        "",
        "Research on vision-language pre-training for chest radiographs: zero-shot and few-shot finding "
        "classification, image-text retrieval, and feature extraction for downstream research models.",
        "",
        "## Limitations",
        "",
        "- Trained on the datasets above only; performance on other hospitals, scanners, populations or "
        "projections is unknown and may be much lower. Dataset labels and extracted findings are noisy.",
        "- Zero-shot scores are a softmax over the labels you pass: they are relative, not calibrated "
        "probabilities of disease, and change with the label set.",
        "- Findings absent or rare in the training data, and descriptions unlike the knowledge dictionary's, "
        "are scored unreliably.",
        "- Biases of the source collections (age, sex, disease prevalence, devices) carry into the model.",
        "",
        "## Not for clinical use",
        "",
        NOT_FOR_CLINICAL_USE,
        "",
        "## License",
        "",
        f"`{license}`. The weights derive from the training data above; respect each source's license and "
        "data-use agreement.",
    ]
    return ModelCard(f"---\n{card_data.to_yaml()}\n---\n\n" + "\n".join(lines) + "\n")
