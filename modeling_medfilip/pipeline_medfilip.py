"""Zero-shot chest X-ray classification pipeline for MedFILIP models.

Differs from the stock `zero-shot-image-classification` pipeline in these ways:
- images are decoded by the model's image processor, so 16-bit PNGs, DICOM paths and arrays work;
- a label the model's knowledge dictionary knows (a category, synonym, label-set spelling such as
  `Pleural_Thickening`, or plural) is scored through its knowledge-enriched prompt
  `"<category>. <description>"`; `use_knowledge=False` turns this off, and `prompts={label: text}`
  gives any label its own prompt (an unseen disease described in words, say);
- other labels are formatted with `hypothesis_template` (default `"{}"`: the label itself);
- prompts are truncated to the text tower's length.
Results carry the caller's own labels; scores are a softmax over the candidate labels.
"""

from __future__ import annotations

import re
from typing import Any

from transformers import ZeroShotImageClassificationPipeline


class MedFILIPZeroShotImageClassificationPipeline(ZeroShotImageClassificationPipeline):
    """`pipeline("zero-shot-image-classification", model=..., trust_remote_code=True)` for MedFILIP."""

    def _sanitize_parameters(
        self,
        tokenizer_kwargs: dict | None = None,
        use_knowledge: bool | None = None,
        prompts: dict[str, str] | None = None,
        **kwargs: Any,
    ):
        preprocess_params, forward_params, postprocess_params = super()._sanitize_parameters(**kwargs)
        for name, value in (
            ("tokenizer_kwargs", tokenizer_kwargs),
            ("use_knowledge", use_knowledge),
            ("prompts", prompts),
        ):
            if value is not None:
                preprocess_params[name] = value
        return preprocess_params, forward_params, postprocess_params

    def label_prompts(
        self,
        candidate_labels: list[str],
        hypothesis_template: str = "{}",
        use_knowledge: bool = True,
        prompts: dict[str, str] | None = None,
    ) -> list[str]:
        """The text each label is scored with: own prompt, else knowledge prompt, else the template."""
        config = self.model.config
        terms = (getattr(config, "knowledge_terms", None) or {}) if use_knowledge else {}
        knowledge = getattr(config, "knowledge_prompts", None) or {}
        own = prompts or {}
        texts = []
        for label in candidate_labels:
            category = terms.get(normalize_label(label))
            if label in own:
                texts.append(own[label])
            elif category in knowledge:
                texts.append(knowledge[category])
            else:
                texts.append(hypothesis_template.format(label))
        return texts

    def preprocess(
        self,
        image: Any,
        candidate_labels: list[str] | None = None,
        hypothesis_template: str = "{}",
        timeout: float | None = None,
        tokenizer_kwargs: dict | None = None,
        use_knowledge: bool = True,
        prompts: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        if not candidate_labels:
            raise ValueError("candidate_labels must name at least one class")
        inputs = self.image_processor(images=image, return_tensors="pt").to(self.dtype)
        inputs["candidate_labels"] = candidate_labels
        texts = self.label_prompts(candidate_labels, hypothesis_template, use_knowledge, prompts)
        text_kwargs = {"padding": True, "truncation": True, "max_length": self._max_text_length()}
        text_kwargs.update(tokenizer_kwargs or {})
        inputs["text_inputs"] = [self.tokenizer(texts, return_tensors="pt", **text_kwargs)]
        return inputs

    def _max_text_length(self) -> int:
        limit = getattr(self.model.config.text_config, "max_position_embeddings", None) or 512
        tokenizer_limit = getattr(self.tokenizer, "model_max_length", None) or limit
        return int(min(limit, tokenizer_limit))


def normalize_label(text: str) -> str:
    """Lower-case `text`, turn runs of spaces, underscores and hyphens into one space, trim punctuation."""
    return re.sub(r"[\s_\-]+", " ", text.lower()).strip(" .,;:!?\"'()[]{}")
