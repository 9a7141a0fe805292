"""MedFILIP dual encoder: timm vision tower + Hugging Face text tower, projected to one normalized space."""

from __future__ import annotations

import os
from dataclasses import dataclass

import timm
import torch
import torch.nn.functional as F
from timm.models import checkpoint_seq
from timm.models.vision_transformer import VisionTransformer
from torch import nn
from transformers import AutoModel, PreTrainedModel
from transformers import initialization as init
from transformers.dynamic_module_utils import custom_object_save
from transformers.utils import ModelOutput

from .configuration_medfilip import MedFILIPConfig, MedFILIPVisionConfig
from .masking_medfilip import SemanticIntegrityHead, mask_pixels, random_patch_mask, semantic_integrity_target

ZERO_SHOT_PIPELINE_TASK = "zero-shot-image-classification"
ZERO_SHOT_PIPELINE_IMPL = "pipeline_medfilip.MedFILIPZeroShotImageClassificationPipeline"


@dataclass
class MedFILIPVisionOutput(ModelOutput):
    """Vision tower output.

    pooler_output: `(batch, pooled_dim)` global image vector before projection.
    feature_map: `(batch, channels, height, width)` last spatial feature map (CNN cells or ViT patch grid);
        None for a ViT view with dropped tokens.
    patch_tokens: `(batch, patches, channels)` the "patches": feature-map cells, or the ViT tokens kept.
    patch_mask: `(batch, grid cells)` True where a patch was hidden, for masked views.
    """

    pooler_output: torch.FloatTensor | None = None
    feature_map: torch.FloatTensor | None = None
    patch_tokens: torch.FloatTensor | None = None
    patch_mask: torch.BoolTensor | None = None


@dataclass
class MedFILIPOutput(ModelOutput):
    """Output of `MedFILIPModel.forward`.

    loss: contrastive loss, when `return_loss=True`.
    logits_per_image: `(n_images, n_texts)` scaled cosine similarities; `logits_per_text` is its transpose.
    image_embeds / text_embeds: projected, L2-normalized embeddings.
    vision_feature_map: the vision tower's last spatial feature map, when `output_feature_map=True`.
    patch_embeds: projected, L2-normalized patches `(n_images, patches, projection_dim)` (models with a
        patch projection, when `output_patch_embeds=True`).
    integrity_prediction / integrity_target: for masked views, the semantic-integrity head's prediction
        and its target (cosine between the masked and the unmasked image embedding).
    """

    loss: torch.FloatTensor | None = None
    logits_per_image: torch.FloatTensor | None = None
    logits_per_text: torch.FloatTensor | None = None
    text_embeds: torch.FloatTensor | None = None
    image_embeds: torch.FloatTensor | None = None
    vision_feature_map: torch.FloatTensor | None = None
    patch_embeds: torch.FloatTensor | None = None
    integrity_prediction: torch.FloatTensor | None = None
    integrity_target: torch.FloatTensor | None = None


class MedFILIPVisionTower(nn.Module):
    """A timm backbone without classifier: global pooled vector plus the last spatial feature map."""

    def __init__(self, config: MedFILIPVisionConfig):
        super().__init__()
        kwargs = dict(config.timm_model_kwargs)
        pretrained_cfg = timm.get_pretrained_cfg(config.timm_model_name, allow_unregistered=True)
        if getattr(pretrained_cfg, "fixed_input_size", False):  # ViT-like: positional grid set by the size
            kwargs.setdefault("img_size", config.image_size)
        self.backbone = timm.create_model(
            config.timm_model_name, pretrained=False, num_classes=0, in_chans=config.num_channels, **kwargs
        )
        self.feature_dim = self.backbone.num_features
        self.pooled_dim = getattr(self.backbone, "head_hidden_size", None) or self.feature_dim
        self.num_prefix_tokens = getattr(self.backbone, "num_prefix_tokens", 0)

        self.is_vit = isinstance(self.backbone, VisionTransformer)

    @property
    def pools_by_mean(self) -> bool:
        """Whether the pooled vector is the plain mean of the feature-map cells (a CNN with average pooling and
        no head after it), so a linear map of the pooled vector equals the mean of that map over the cells."""
        pool = getattr(self.backbone, "global_pool", None)
        pool_type = pool if isinstance(pool, str) else getattr(pool, "pool_type", None)
        return not self.is_vit and pool_type == "avg" and self.pooled_dim == self.feature_dim

    def forward(self, pixel_values: torch.Tensor, mask_ratio: float = 0.0) -> MedFILIPVisionOutput:
        """Pooled vector and patches; `mask_ratio > 0` hides that share of patches (drawn from torch's RNG)."""
        if mask_ratio > 0 and self.is_vit:
            return self._forward_vit_dropped_tokens(pixel_values, mask_ratio)
        mask = None
        if mask_ratio > 0:
            reduction = self.backbone.feature_info[-1]["reduction"]
            grid = (pixel_values.shape[-2] // reduction, pixel_values.shape[-1] // reduction)
            mask = random_patch_mask(pixel_values.shape[0], grid[0] * grid[1], mask_ratio).to(pixel_values.device)
            pixel_values = mask_pixels(pixel_values, mask, grid)
        features = self.backbone.forward_features(pixel_values)
        pooled = self.backbone.forward_head(features, pre_logits=True)
        feature_map = self._to_feature_map(features)
        return MedFILIPVisionOutput(
            pooler_output=pooled,
            feature_map=feature_map,
            patch_tokens=feature_map.flatten(2).transpose(1, 2),
            patch_mask=mask,
        )

    def _forward_vit_dropped_tokens(self, pixel_values: torch.Tensor, mask_ratio: float) -> MedFILIPVisionOutput:
        backbone = self.backbone
        tokens = backbone._pos_embed(backbone.patch_embed(pixel_values))
        prefix, patches = tokens[:, : self.num_prefix_tokens], tokens[:, self.num_prefix_tokens :]
        mask = random_patch_mask(patches.shape[0], patches.shape[1], mask_ratio).to(patches.device)
        kept = patches[~mask].view(patches.shape[0], -1, patches.shape[2])
        tokens = backbone.norm_pre(torch.cat([prefix, kept], dim=1))
        tokens = checkpoint_seq(backbone.blocks, tokens) if backbone.grad_checkpointing else backbone.blocks(tokens)
        features = backbone.norm(tokens)
        pooled = backbone.forward_head(features, pre_logits=True)
        return MedFILIPVisionOutput(
            pooler_output=pooled, patch_tokens=features[:, self.num_prefix_tokens :], patch_mask=mask
        )

    def _to_feature_map(self, features: torch.Tensor) -> torch.Tensor:
        if features.ndim == 4:
            return features
        tokens = features[:, self.num_prefix_tokens :]
        grid = getattr(getattr(self.backbone, "patch_embed", None), "grid_size", None)
        if grid is None or grid[0] * grid[1] != tokens.shape[1]:
            side = int(round(tokens.shape[1] ** 0.5))
            grid = (side, tokens.shape[1] // side)
        return tokens.transpose(1, 2).reshape(tokens.shape[0], tokens.shape[2], grid[0], grid[1])


class MedFILIPPreTrainedModel(PreTrainedModel):
    """Weight initialization and loading conventions shared by MedFILIP models."""

    config_class = MedFILIPConfig
    base_model_prefix = "medfilip"
    main_input_name = "pixel_values"
    input_modalities = ("image", "text")
    supports_gradient_checkpointing = True
    accepts_loss_kwargs = False

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        # The timm tower keeps its own initialization: its modules are flagged as initialized at build time.
        if isinstance(module, MedFILIPModel):
            init.constant_(module.logit_scale, self.config.logit_scale_init_value)
        elif isinstance(module, nn.Linear):
            init.normal_(module.weight, mean=0.0, std=module.in_features**-0.5)
            if module.bias is not None:
                init.zeros_(module.bias)


class MedFILIPModel(MedFILIPPreTrainedModel):
    """Dual encoder scoring images against texts by the scaled cosine of their projected embeddings."""

    def __init__(self, config: MedFILIPConfig):
        super().__init__(config)
        self.vision_model = MedFILIPVisionTower(config.vision_config)
        for module in self.vision_model.modules():
            module._is_hf_initialized = True
        self.text_model = AutoModel.from_config(config.text_config)
        if config.text_pooling != "eos" and getattr(self.text_model, "pooler", None) is not None:
            self.text_model.pooler = None  # unused: the sentence vector comes from `text_pooling`
        self.visual_projection = nn.Linear(self.vision_model.pooled_dim, config.projection_dim, bias=False)
        self.text_projection = nn.Linear(config.text_config.hidden_size, config.projection_dim, bias=False)
        self.logit_scale = nn.Parameter(torch.empty(()))
        self.patch_projection = (
            nn.Linear(self.vision_model.feature_dim, config.projection_dim, bias=False)
            if config.local_loss_weight > 0
            else None
        )
        self.semantic_integrity_head = SemanticIntegrityHead(config.projection_dim) if config.mask_ratio > 0 else None
        self.post_init()

    def get_vision_features(self, pixel_values: torch.Tensor) -> MedFILIPVisionOutput:
        """The vision tower's pooled vector and spatial feature map (unprojected)."""
        return self.vision_model(pixel_values)

    def get_image_features(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """Projected, L2-normalized image embeddings `(batch, projection_dim)`."""
        pooled = self.vision_model(pixel_values).pooler_output
        return F.normalize(self.visual_projection(pooled), dim=-1)

    def get_text_features(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Projected, L2-normalized text embeddings `(batch, projection_dim)`."""
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        extra = {"token_type_ids": token_type_ids} if token_type_ids is not None else {}
        if position_ids is not None:
            extra["position_ids"] = position_ids
        hidden = self.text_model(input_ids=input_ids, attention_mask=attention_mask, **extra).last_hidden_state
        pooled = pool_text(hidden, attention_mask, self.config.text_pooling)
        return F.normalize(self.text_projection(pooled), dim=-1)

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        pixel_values: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        return_loss: bool | None = None,
        output_feature_map: bool = False,
        output_patch_embeds: bool = False,
        mask_ratio: float = 0.0,
        return_dict: bool | None = None,
        **kwargs,
    ) -> MedFILIPOutput | tuple:
        """Score every image against every text; `return_loss=True` adds the paired InfoNCE loss.

        `mask_ratio > 0` scores a masked view of each image and adds the semantic-integrity prediction and
        target (the unmasked view is computed without gradient).
        """
        if input_ids is None or pixel_values is None:
            raise ValueError("MedFILIPModel.forward needs both `input_ids` and `pixel_values`")
        vision = self.vision_model(pixel_values, mask_ratio=mask_ratio)
        image_embeds = F.normalize(self.visual_projection(vision.pooler_output), dim=-1)
        integrity_prediction = integrity_target = None
        if mask_ratio > 0:
            if self.semantic_integrity_head is None:
                raise ValueError("masked views need a model built with config.mask_ratio > 0")
            with torch.no_grad():
                full_embeds = F.normalize(self.visual_projection(self.vision_model(pixel_values).pooler_output), dim=-1)
            integrity_target = semantic_integrity_target(image_embeds, full_embeds)
            integrity_prediction = self.semantic_integrity_head(image_embeds.detach())
        patch_embeds = None
        if output_patch_embeds:
            if self.patch_projection is None:
                raise ValueError("patch embeddings need a model built with config.local_loss_weight > 0")
            patch_embeds = F.normalize(self.patch_projection(vision.patch_tokens), dim=-1)
        text_embeds = self.get_text_features(input_ids, attention_mask, token_type_ids, position_ids)
        scale = self.logit_scale.clamp(max=self.config.logit_scale_max).exp()
        logits_per_image = scale * image_embeds @ text_embeds.t()
        loss = contrastive_loss(logits_per_image) if return_loss else None
        output = MedFILIPOutput(
            loss=loss,
            logits_per_image=logits_per_image,
            logits_per_text=logits_per_image.t(),
            text_embeds=text_embeds,
            image_embeds=image_embeds,
            vision_feature_map=vision.feature_map if output_feature_map else None,
            patch_embeds=patch_embeds,
            integrity_prediction=integrity_prediction,
            integrity_target=integrity_target,
        )
        return output if return_dict is not False else output.to_tuple()

    def _set_gradient_checkpointing(self, enable: bool = True, gradient_checkpointing_func=None, **kwargs) -> None:
        """Activation checkpointing of both towers: the text tower through transformers, the timm tower through timm."""
        super()._set_gradient_checkpointing(
            enable=enable, gradient_checkpointing_func=gradient_checkpointing_func, **kwargs
        )
        self.vision_model.backbone.set_grad_checkpointing(enable)

    def save_pretrained(self, save_directory: str | os.PathLike, *args, **kwargs) -> None:
        """Save weights (safetensors), config with `auto_map`, the model code and the zero-shot pipeline code."""
        auto_map = dict(getattr(self.config, "auto_map", None) or {})
        auto_map.setdefault("AutoModelForZeroShotImageClassification", "modeling_medfilip.MedFILIPModel")
        self.config.auto_map = auto_map
        self.config.custom_pipelines = {
            ZERO_SHOT_PIPELINE_TASK: {
                "impl": ZERO_SHOT_PIPELINE_IMPL,
                "pt": ["AutoModelForZeroShotImageClassification"],
                "tf": [],
                "type": "multimodal",
            }
        }
        kwargs.setdefault("safe_serialization", True)
        super().save_pretrained(save_directory, *args, **kwargs)
        if kwargs.get("is_main_process", True):
            from .pipeline_medfilip import MedFILIPZeroShotImageClassificationPipeline

            custom_object_save(MedFILIPZeroShotImageClassificationPipeline, save_directory)


def pool_text(hidden: torch.Tensor, attention_mask: torch.Tensor, mode: str) -> torch.Tensor:
    """One vector per sequence: last non-padding token (`eos`), first token (`cls`) or masked mean (`mean`)."""
    if mode == "cls":
        return hidden[:, 0]
    mask = attention_mask.to(hidden.dtype)
    if mode == "mean":
        return (hidden * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True).clamp(min=1.0)
    positions = torch.arange(hidden.shape[1], device=hidden.device)
    last = (attention_mask.long() * (positions + 1)).argmax(dim=1)  # works for left and right padding
    return hidden[torch.arange(hidden.shape[0], device=hidden.device), last]


def contrastive_loss(logits_per_image: torch.Tensor) -> torch.Tensor:
    """Symmetric InfoNCE (CLIP) over paired rows and columns: image i belongs with text i."""
    targets = torch.arange(logits_per_image.shape[0], device=logits_per_image.device)
    return (F.cross_entropy(logits_per_image, targets) + F.cross_entropy(logits_per_image.t(), targets)) / 2


__all__ = ["MedFILIPModel", "MedFILIPOutput", "MedFILIPPreTrainedModel", "MedFILIPVisionOutput", "pool_text"]
