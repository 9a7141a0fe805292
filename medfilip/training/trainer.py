"""`MedFILIPTrainer`: the Hugging Face Trainer with the MedFILIP image-caption loss (and the MLIP terms)."""

from __future__ import annotations

from typing import Any

import torch
import torch.distributed as dist
import torch.nn.functional as F
from transformers import Trainer

from medfilip.training.losses import CaptionBatch, MedFILIPLoss, world

CAPTION_KEYS = ("caption_image_index", "caption_category_ids", "caption_embeddings")


def integrity_weights(prediction: torch.Tensor) -> torch.Tensor:
    """Per-image loss weights from predicted integrity: clipped to [0, 1], then scaled to mean one over the
    global batch (every process's images)."""
    integrity = prediction.detach().clamp(0.0, 1.0)
    total = torch.stack([integrity.sum(), integrity.new_tensor(float(integrity.numel()))])
    if world()[1] > 1:
        dist.all_reduce(total)
    mean = total[0] / total[1].clamp(min=1)
    return integrity / mean if mean > 1e-6 else torch.ones_like(integrity)


class MedFILIPTrainer(Trainer):
    """Trains `MedFILIPModel` on batches from `MedFILIPCollator` with `MedFILIPLoss(loss_type)`.

    The model's config switches on the MLIP terms: the local patch-caption loss (`local_loss_weight`),
    and masked views (`mask_ratio`) whose per-image loss is weighted by the predicted semantic integrity
    (normalized to mean one over the global batch, so the loss keeps its scale),
    plus `sie_loss_weight` times the integrity head's MSE; the last `unmasked_last_epochs` epochs and
    evaluation use unmasked images. The model's forward (through any DDP wrapper) gives the embeddings;
    the loss gathers them across processes itself. Evaluation reports the loss only.
    """

    def __init__(self, *args: Any, loss_type: str = "ssm", **kwargs: Any):
        super().__init__(*args, **kwargs)
        config = self.model.config
        self.loss_fn = MedFILIPLoss(loss_type, local_weight=config.local_loss_weight, local_mode=config.local_alignment)

    def current_mask_ratio(self, model) -> float:
        """The mask ratio for this step: the config's while training, 0 in the final unmasked epochs and in eval."""
        config = self.accelerator.unwrap_model(model).config
        if not model.training or config.mask_ratio <= 0:
            return 0.0
        unmasked_from = self.args.num_train_epochs - config.unmasked_last_epochs
        return 0.0 if (self.state.epoch or 0.0) >= unmasked_from else config.mask_ratio

    def compute_loss(self, model, inputs, return_outputs: bool = False, num_items_in_batch=None):
        inputs = dict(inputs)
        image_index, category_ids, embeddings = (inputs.pop(key) for key in CAPTION_KEYS)
        core = self.accelerator.unwrap_model(model)
        mask_ratio = self.current_mask_ratio(model)
        outputs = model(**inputs, mask_ratio=mask_ratio, output_patch_embeds=core.config.local_loss_weight > 0)
        scale = core.logit_scale.clamp(max=core.config.logit_scale_max).exp()
        captions = CaptionBatch(image_index=image_index, category_ids=category_ids, embeddings=embeddings)
        weights = integrity_weights(outputs.integrity_prediction) if mask_ratio > 0 else None
        loss = self.loss_fn(
            outputs.image_embeds,
            outputs.text_embeds,
            scale,
            captions,
            patch_embeds=outputs.patch_embeds,
            sample_weights=weights,
        )
        if mask_ratio > 0:
            integrity_loss = F.mse_loss(outputs.integrity_prediction, outputs.integrity_target.detach())
            loss = loss + core.config.sie_loss_weight * integrity_loss
        return (loss, outputs) if return_outputs else loss

    def prediction_step(self, model, inputs, prediction_loss_only: bool, ignore_keys=None):
        with torch.no_grad():
            loss = self.compute_loss(model, self._prepare_inputs(inputs))
        return loss.detach(), None, None
