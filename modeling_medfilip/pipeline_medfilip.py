"""Zero-shot chest X-ray classification pipeline for MedFILIP models.

Differs from the stock `zero-shot-image-classification` pipeline in three ways: images are decoded by
the model's image processor, so 16-bit PNGs, DICOM paths and arrays work; label prompts default to the
label itself (`hypothesis_template="{}"`); and prompts are truncated to the text tower's length.
Scores are a softmax over the candidate labels.
"""

from __future__ import annotations

from typing import Any

from transformers import ZeroShotImageClassificationPipeline


class MedFILIPZeroShotImageClassificationPipeline(ZeroShotImageClassificationPipeline):
    """`pipeline("zero-shot-image-classification", model=..., trust_remote_code=True)` for MedFILIP."""

    def _sanitize_parameters(self, tokenizer_kwargs: dict | None = None, **kwargs: Any):
        preprocess_params, forward_params, postprocess_params = super()._sanitize_parameters(**kwargs)
        if tokenizer_kwargs is not None:
            preprocess_params["tokenizer_kwargs"] = tokenizer_kwargs
        return preprocess_params, forward_params, postprocess_params

    def preprocess(
        self,
        image: Any,
        candidate_labels: list[str] | None = None,
        hypothesis_template: str = "{}",
        timeout: float | None = None,
        tokenizer_kwargs: dict | None = None,
    ) -> dict[str, Any]:
        if not candidate_labels:
            raise ValueError("candidate_labels must name at least one class")
        inputs = self.image_processor(images=image, return_tensors="pt").to(self.dtype)
        inputs["candidate_labels"] = candidate_labels
        prompts = [hypothesis_template.format(label) for label in candidate_labels]
        text_kwargs = {"padding": True, "truncation": True, "max_length": self._max_text_length()}
        text_kwargs.update(tokenizer_kwargs or {})
        inputs["text_inputs"] = [self.tokenizer(prompts, return_tensors="pt", **text_kwargs)]
        return inputs

    def _max_text_length(self) -> int:
        limit = getattr(self.model.config.text_config, "max_position_embeddings", None) or 512
        tokenizer_limit = getattr(self.tokenizer, "model_max_length", None) or limit
        return int(min(limit, tokenizer_limit))
