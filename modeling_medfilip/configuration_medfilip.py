"""MedFILIP configuration: a timm vision tower, a Hugging Face text tower and a shared projection space."""

from __future__ import annotations

import copy
import math
from typing import Any

from transformers import AutoConfig, PreTrainedConfig
from transformers.configuration_utils import SubConfigSpec

# The text tower of openai/clip-vit-base-patch32 (CLIPTextConfig's defaults are that model's values).
CLIP_B32_TEXT_CONFIG: dict[str, Any] = {"model_type": "clip_text_model"}


class MedFILIPVisionConfig(PreTrainedConfig):
    """Vision tower settings: a timm model name, its keyword arguments and the input resolution."""

    model_type = "medfilip_vision_model"
    base_config_key = "vision_config"

    timm_model_name: str = "resnet50"
    timm_model_kwargs: dict[str, Any] | None = None
    image_size: int = 448
    num_channels: int = 3

    def __post_init__(self, **kwargs):
        self.timm_model_kwargs = dict(self.timm_model_kwargs or {})
        super().__post_init__(**kwargs)


PRESETS: dict[str, dict[str, Any]] = {
    # The paper's model: ResNet-50 at 448x448, CLIP ViT-B/32 text tower, 768-d joint space.
    "base": {
        "vision_config": {"timm_model_name": "resnet50", "image_size": 448},
        "text_config": CLIP_B32_TEXT_CONFIG,
        "projection_dim": 768,
    },
    # ViT towers: patch tokens are the "patches" of the local loss, and masked views drop tokens.
    "vit-small": {
        "vision_config": {"timm_model_name": "vit_small_patch16_224", "image_size": 224},
        "text_config": CLIP_B32_TEXT_CONFIG,
        "projection_dim": 512,
    },
    "vit-base": {
        "vision_config": {"timm_model_name": "vit_base_patch16_224", "image_size": 224},
        "text_config": CLIP_B32_TEXT_CONFIG,
        "projection_dim": 768,
    },
    # A few-MB model that trains on a CPU: MobileNetV3-Small (0.5x) at 128 px, a 2-layer text transformer.
    # Its vocabulary size and special-token ids are set from the offline tokenizer built with it.
    "tiny": {
        "vision_config": {"timm_model_name": "mobilenetv3_small_050", "image_size": 128},
        "text_config": {
            "model_type": "clip_text_model",
            "vocab_size": 4096,
            "hidden_size": 128,
            "intermediate_size": 512,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "max_position_embeddings": 128,
            "bos_token_id": 0,
            "eos_token_id": 1,
            "pad_token_id": 2,
        },
        "projection_dim": 128,
    },
}
# The CPU-sized ViT: ViT-Tiny at 128 px (an 8x8 grid of patch tokens) with the tiny text tower.
PRESETS["tiny-vit"] = {
    **copy.deepcopy(PRESETS["tiny"]),
    "vision_config": {"timm_model_name": "vit_tiny_patch16_224", "image_size": 128},
}

TEXT_POOLING_MODES = ("eos", "cls", "mean")
LOCAL_ALIGNMENT_MODES = ("ot", "attention")


class MedFILIPConfig(PreTrainedConfig):
    """Configuration of `MedFILIPModel`.

    `text_config` is any Hugging Face text-encoder config (default: the CLIP ViT-B/32 text model); a
    BERT-like config works too. `text_pooling` picks the sentence vector: `eos` (last non-padding token,
    CLIP's choice), `cls` (first token, BERT's) or `mean`; `None` chooses `eos` for CLIP text configs and
    `cls` otherwise. The logit scale starts at `logit_scale_init_value` (log 1/0.07) and is clamped at
    `logit_scale_max` (log 100). `loss_type` names the training loss (`infonce`; the SSM losses are set
    by the training recipe). `knowledge_prompts` (category -> "<category>. <description>") and
    `knowledge_terms` (normalized name, synonym, label or plural -> category) carry the knowledge
    dictionary the model was built with, so the zero-shot pipeline can enrich class names anywhere.

    MLIP components (off by default): `local_loss_weight > 0` adds a patch projection and the local
    patch-caption loss (`local_alignment`: `ot` or `attention`); `mask_ratio > 0` trains on masked views
    (a share of the last feature map's cells zeroed for CNNs, patch tokens dropped for ViTs) with a
    semantic-integrity head weighted by `sie_loss_weight`; the last `unmasked_last_epochs` epochs train
    unmasked.
    """

    model_type = "medfilip"
    sub_configs_defaults = {
        "vision_config": MedFILIPVisionConfig,
        "text_config": SubConfigSpec(AutoConfig, model_type="clip_text_model"),
    }

    vision_config: dict | MedFILIPVisionConfig | None = None
    text_config: dict | PreTrainedConfig | None = None
    projection_dim: int = 768
    logit_scale_init_value: float = math.log(1 / 0.07)
    logit_scale_max: float = math.log(100.0)
    text_pooling: str | None = None
    loss_type: str = "infonce"
    initializer_range: float = 0.02
    local_loss_weight: float = 0.0
    local_alignment: str = "ot"
    mask_ratio: float = 0.0
    sie_loss_weight: float = 1.0
    unmasked_last_epochs: int = 0
    knowledge_prompts: dict[str, str] | None = None
    knowledge_terms: dict[str, str] | None = None
    knowledge_version: str | None = None

    def __post_init__(self, **kwargs):
        super().__post_init__(**kwargs)
        if self.text_pooling is None:
            self.text_pooling = "eos" if self.text_config.model_type == "clip_text_model" else "cls"
        if not 0.0 <= self.mask_ratio < 1.0:
            raise ValueError(f"mask_ratio must be in [0, 1), got {self.mask_ratio}")
        if self.local_alignment not in LOCAL_ALIGNMENT_MODES:
            raise ValueError(f"local_alignment must be one of {LOCAL_ALIGNMENT_MODES}, got {self.local_alignment!r}")
        if self.text_pooling not in TEXT_POOLING_MODES:
            raise ValueError(f"text_pooling must be one of {TEXT_POOLING_MODES}, got {self.text_pooling!r}")

    @classmethod
    def from_preset(cls, name: str, **overrides: Any) -> MedFILIPConfig:
        """The named preset (`base`, `vit-small`, `vit-base`, `tiny`, `tiny-vit`), fields replaced by `overrides`."""
        if name not in PRESETS:
            raise ValueError(f"unknown MedFILIP preset {name!r}; available: {', '.join(sorted(PRESETS))}")
        settings = copy.deepcopy(PRESETS[name])
        settings.update(overrides)
        return cls(**settings)


__all__ = ["MedFILIPConfig", "MedFILIPVisionConfig", "PRESETS"]
