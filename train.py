"""Train a MedFILIP model on datasets built by `medfilip build-dataset`.

    python train.py --model tiny --dataset runs/data/kermany --output_dir runs/model --num_train_epochs 1
    accelerate launch train.py ...        torchrun --nproc_per_node 2 train.py ... (add --ddp_backend gloo on CPU)

Any `TrainingArguments` option works (`--bf16`, `--gradient_checkpointing`, `--resume_from_checkpoint`, ...).
The final model is saved with its processor and code in `--output_dir`, loadable with `AutoModel` and
the zero-shot pipeline (`trust_remote_code=True`).
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path

import datasets
from transformers import HfArgumentParser, TrainingArguments, set_seed

from datasets_builders.pretraining import FINDING_FEATURE
from medfilip.hub.training_provenance import write_training_provenance
from medfilip.training.caption_embeddings import DEFAULT_CAPTION_ENCODER, CaptionEmbeddingCache, SentenceEncoder
from medfilip.training.collator import MedFILIPCollator
from medfilip.training.losses import LOSS_TYPES
from medfilip.training.model_loading import load_model_and_processor
from medfilip.training.trainer import MedFILIPTrainer
from processing.knowledge import load_knowledge_dictionary

logger = logging.getLogger("medfilip.train")

FINDING_COLUMNS = ("findings", "categories")
TRAINING_FEATURES = datasets.Features(
    {
        "image": datasets.Image(),
        "findings": datasets.List(FINDING_FEATURE),
        "categories": datasets.List(datasets.Value("string")),
    }
)


@dataclass
class ModelArguments:
    model: str = field(
        default="tiny", metadata={"help": "preset (tiny, tiny-vit, base, vit-small, vit-base) or a saved model folder"}
    )
    tokenizer: str | None = field(default=None, metadata={"help": "tokenizer for a preset (Hub id or folder)"})
    init_text: str | None = field(
        default=None, metadata={"help": "pretrained text tower to start from (Hub id or folder of a HF text model)"}
    )
    init_vision: str | None = field(
        default=None,
        metadata={"help": "pretrained vision tower: 'timm' (timm's weights for the preset's model) or a weights file"},
    )
    loss_type: str = field(default="ssm", metadata={"help": f"one of {', '.join(LOSS_TYPES)}"})
    local_loss_weight: float = field(default=0.0, metadata={"help": "weight of the local patch-caption loss (0: off)"})
    local_alignment: str = field(default="ot", metadata={"help": "local pooling: ot (Sinkhorn) or attention"})
    mask_ratio: float = field(default=0.0, metadata={"help": "share of patches hidden in masked views (0: off)"})
    sie_loss_weight: float = field(default=1.0, metadata={"help": "weight of the semantic-integrity loss"})
    unmasked_last_epochs: int = field(default=0, metadata={"help": "train the last N epochs unmasked"})

    def mlip_settings(self) -> dict:
        """The MLIP settings as config fields of the model."""
        names = ("local_loss_weight", "local_alignment", "mask_ratio", "sie_loss_weight", "unmasked_last_epochs")
        return {name: getattr(self, name) for name in names}


@dataclass
class DataArguments:
    dataset: list[str] = field(default_factory=list, metadata={"help": "folders written by medfilip build-dataset"})
    train_split: str = "train"
    eval_split: str | None = field(
        default="validation", metadata={"help": "split for the eval loss when present ('none' for no evaluation)"}
    )
    caption_encoder: str = field(default=DEFAULT_CAPTION_ENCODER, metadata={"help": "frozen encoder of the SSM"})
    embedding_cache_dir: str = field(
        default=str(Path("~/.cache/medfilip").expanduser()), metadata={"help": "where caption embeddings are kept"}
    )
    uncertain_as_positive: bool = field(default=True, metadata={"help": "count uncertain findings as positives"})
    caption_drop_probability: float = field(default=0.0, metadata={"help": "drop severity/location at random"})
    dictionary: list[str] = field(default_factory=list, metadata={"help": "extra knowledge dictionary files"})
    max_train_samples: int | None = None


def load_split(paths: list[str], split: str, limit: int | None, seed: int) -> datasets.Dataset | None:
    """The `split` of every dataset folder, reduced to image + findings columns and concatenated."""
    parts = []
    for path in paths:
        dataset_dict = datasets.load_from_disk(path)
        if split not in dataset_dict:
            logger.warning("%s has no %r split; skipped", path, split)
            continue
        part = dataset_dict[split]
        columns = [c for c in FINDING_COLUMNS if c in part.column_names]
        if not columns:
            raise ValueError(f"{path}: split {split!r} has neither `findings` nor `categories` to train on")
        part = part.select_columns(["image", *columns])
        for missing in (c for c in FINDING_COLUMNS if c not in columns):
            part = part.add_column(missing, [None] * len(part), feature=TRAINING_FEATURES[missing])
        parts.append(part.cast(TRAINING_FEATURES))
    if not parts:
        return None
    merged = datasets.concatenate_datasets(parts)
    if limit is not None and limit < len(merged):
        merged = merged.shuffle(seed=seed).select(range(limit))
    return merged


def main(argv: list[str] | None = None) -> int:
    parser = HfArgumentParser((ModelArguments, DataArguments, TrainingArguments))
    model_args, data_args, training_args = parser.parse_args_into_dataclasses(args=argv)
    training_args.remove_unused_columns = False  # the collator needs the image and findings columns
    if training_args.ddp_find_unused_parameters is None:
        # Every parameter takes part in the loss, unless the integrity head rests in final unmasked epochs.
        training_args.ddp_find_unused_parameters = model_args.mask_ratio > 0 and model_args.unmasked_last_epochs > 0
    logging.basicConfig(level=logging.INFO if training_args.should_log else logging.WARNING)
    if not data_args.dataset:
        parser.error("--dataset needs at least one folder from `medfilip build-dataset`")

    set_seed(training_args.seed)  # the initial weights of a preset depend on it
    dictionary = load_knowledge_dictionary(extra_paths=data_args.dictionary)
    model, processor = load_model_and_processor(
        model_args.model,
        tokenizer=model_args.tokenizer,
        init_text=model_args.init_text,
        init_vision=model_args.init_vision,
        **model_args.mlip_settings(),
    )
    model.config.loss_type = model_args.loss_type

    train_dataset = load_split(
        data_args.dataset, data_args.train_split, data_args.max_train_samples, training_args.seed
    )
    if train_dataset is None:
        parser.error(f"no dataset has a {data_args.train_split!r} split")
    eval_split = None if data_args.eval_split in (None, "", "none") else data_args.eval_split
    eval_dataset = load_split(data_args.dataset, eval_split, None, training_args.seed) if eval_split else None

    presences = ("present", "uncertain") if data_args.uncertain_as_positive else ("present",)
    encoder = SentenceEncoder(data_args.caption_encoder)
    embeddings = CaptionEmbeddingCache(encoder, data_args.embedding_cache_dir)
    collator = MedFILIPCollator(
        processor=processor,
        dictionary=dictionary,
        embeddings=embeddings,
        presences=presences,
        drop_probability=data_args.caption_drop_probability,
        max_text_length=model.config.text_config.max_position_embeddings,
    )
    for split_data in (train_dataset, eval_dataset):
        if split_data is not None:
            rows = split_data.select_columns(list(FINDING_COLUMNS))
            added = embeddings.add(collator.all_captions(rows))
            logger.info("caption embeddings: %d encoded, %d cached in total", added, len(embeddings))

    trainer = MedFILIPTrainer(
        model=model,
        args=training_args,
        train_dataset=train_dataset,
        eval_dataset=eval_dataset,
        data_collator=collator,
        processing_class=processor,
        loss_type=model_args.loss_type,
    )
    result = trainer.train(resume_from_checkpoint=training_args.resume_from_checkpoint)
    trainer.log_metrics("train", result.metrics)
    trainer.save_metrics("train", result.metrics)
    if eval_dataset is not None:
        metrics = trainer.evaluate()
        trainer.log_metrics("eval", metrics)
        trainer.save_metrics("eval", metrics)
    trainer.save_model(training_args.output_dir)
    trainer.save_state()
    if trainer.is_world_process_zero():
        write_training_provenance(
            training_args.output_dir,
            data_args.dataset,
            {
                "model": model_args.model if not Path(model_args.model).exists() else Path(model_args.model).name,
                "init_text": model_args.init_text,
                "init_vision": Path(model_args.init_vision).name if model_args.init_vision else None,
                "loss_type": model_args.loss_type,
                **model_args.mlip_settings(),
                "caption_encoder": data_args.caption_encoder,
                "uncertain_as_positive": data_args.uncertain_as_positive,
                "caption_drop_probability": data_args.caption_drop_probability,
                "knowledge_version": dictionary.version,
                "extra_dictionaries": [Path(path).name for path in data_args.dictionary],
                "max_train_samples": data_args.max_train_samples,
                "num_train_epochs": training_args.num_train_epochs,
                "global_steps": trainer.state.global_step,
                "train_batch_size": training_args.per_device_train_batch_size * training_args.world_size,
                "learning_rate": training_args.learning_rate,
                "seed": training_args.seed,
            },
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
