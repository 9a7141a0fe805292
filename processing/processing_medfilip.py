"""`MedFILIPProcessor`: the chest X-ray image processor and the text tokenizer behind one call."""

from __future__ import annotations

from transformers.processing_utils import ProcessorMixin


class MedFILIPProcessor(ProcessorMixin):
    """`processor(text=..., images=..., return_tensors="pt")` gives `input_ids`, `attention_mask`, `pixel_values`."""

    def __init__(self, image_processor=None, tokenizer=None, **kwargs):
        super().__init__(image_processor, tokenizer, **kwargs)


__all__ = ["MedFILIPProcessor"]
