"""`MedFILIPTrainer`: the Hugging Face Trainer with the MedFILIP image-caption loss."""

from __future__ import annotations

from typing import Any

import torch
from transformers import Trainer

from medfilip.training.losses import CaptionBatch, MedFILIPLoss

CAPTION_KEYS = ("caption_image_index", "caption_category_ids", "caption_embeddings")


class MedFILIPTrainer(Trainer):
    """Trains `MedFILIPModel` on batches from `MedFILIPCollator` with `MedFILIPLoss(loss_type)`.

    The model's forward (through any DDP wrapper) gives the embeddings; the loss gathers them across
    processes itself. Evaluation reports the loss only.
    """

    def __init__(self, *args: Any, loss_type: str = "ssm", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.loss_fn = MedFILIPLoss(loss_type)

    def compute_loss(self, model, inputs, return_outputs: bool = False, num_items_in_batch=None):
        inputs = dict(inputs)
        image_index, category_ids, embeddings = (inputs.pop(key) for key in CAPTION_KEYS)
        outputs = model(**inputs)
        core = self.accelerator.unwrap_model(model)
        scale = core.logit_scale.clamp(max=core.config.logit_scale_max).exp()
        captions = CaptionBatch(image_index=image_index, category_ids=category_ids, embeddings=embeddings)
        loss = self.loss_fn(outputs.image_embeds, outputs.text_embeds, scale, captions)
        return (loss, outputs) if return_outputs else loss

    def prediction_step(self, model, inputs, prediction_loss_only: bool, ignore_keys=None):
        with torch.no_grad():
            loss = self.compute_loss(model, self._prepare_inputs(inputs))
        return loss.detach(), None, None
