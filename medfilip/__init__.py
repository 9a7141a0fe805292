"""MedFILIP: medical fine-grained language-image pre-training for chest X-rays.

Importing `medfilip` registers the model, processors and zero-shot pipeline with the transformers
Auto classes (see `modeling_medfilip`).
"""

from modeling_medfilip import (
    PRESETS,
    MedFILIPConfig,
    MedFILIPImageProcessor,
    MedFILIPModel,
    MedFILIPOutput,
    MedFILIPProcessor,
    MedFILIPVisionConfig,
    MedFILIPZeroShotImageClassificationPipeline,
)

__all__ = [
    "PRESETS",
    "MedFILIPConfig",
    "MedFILIPImageProcessor",
    "MedFILIPModel",
    "MedFILIPOutput",
    "MedFILIPProcessor",
    "MedFILIPVisionConfig",
    "MedFILIPZeroShotImageClassificationPipeline",
]
