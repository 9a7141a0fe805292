"""MedFILIP image classifier: the MedFILIP vision tower with a linear head, for linear probes and fine-tuning.

`MedFILIPForImageClassification.from_pretrained(medfilip_dir, num_labels=..., problem_type=...)` loads
the vision tower's weights from a saved `MedFILIPModel` folder (same `vision_model.*` names; the text
tower and projections are not used) and initializes the head. `problem_type` is
`single_label_classification` (cross-entropy over classes) or `multi_label_classification` (binary
cross-entropy per class, float 0/1 labels). A tower whose parameters are all frozen (a linear probe)
stays in eval mode under `train()`, so its batch-norm statistics stay those of the pre-trained model.
"""

from __future__ import annotations

import torch
from torch import nn
from transformers.modeling_outputs import ImageClassifierOutput

from .configuration_medfilip import MedFILIPConfig
from .modeling_medfilip import MedFILIPPreTrainedModel, MedFILIPVisionTower

PROBLEM_TYPES = ("single_label_classification", "multi_label_classification")


class MedFILIPForImageClassification(MedFILIPPreTrainedModel):
    """Logits `(batch, num_labels)` from a linear layer on the vision tower's pooled vector."""

    input_modalities = ("image",)

    def __init__(self, config: MedFILIPConfig):
        super().__init__(config)
        self.vision_model = MedFILIPVisionTower(config.vision_config)
        for module in self.vision_model.modules():
            module._is_hf_initialized = True
        self.classifier = nn.Linear(self.vision_model.pooled_dim, config.num_labels)
        self.post_init()

    def freeze_vision_tower(self) -> None:
        """Train the head only (linear probe): no gradient into the tower, which then stays in eval mode."""
        self.vision_model.requires_grad_(False)
        self.vision_model.eval()

    def train(self, mode: bool = True) -> MedFILIPForImageClassification:
        super().train(mode)
        if not any(parameter.requires_grad for parameter in self.vision_model.parameters()):
            self.vision_model.eval()
        return self

    def forward(
        self,
        pixel_values: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        return_dict: bool | None = None,
        **kwargs,
    ) -> ImageClassifierOutput | tuple:
        """Logits, and with `labels` the loss of `config.problem_type` (single-label when unset)."""
        if pixel_values is None:
            raise ValueError("MedFILIPForImageClassification.forward needs `pixel_values`")
        logits = self.classifier(self.vision_model(pixel_values).pooler_output)
        loss = None
        if labels is not None:
            problem_type = self.config.problem_type or "single_label_classification"
            if problem_type not in PROBLEM_TYPES:
                raise ValueError(f"problem_type {problem_type!r} is not one of {PROBLEM_TYPES}")
            if problem_type == "multi_label_classification":
                loss = nn.functional.binary_cross_entropy_with_logits(logits, labels.to(logits.dtype))
            else:
                loss = nn.functional.cross_entropy(logits, labels.long())
        output = ImageClassifierOutput(loss=loss, logits=logits)
        return output if return_dict is not False else output.to_tuple()
