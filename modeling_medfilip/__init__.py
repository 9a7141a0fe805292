"""MedFILIP model, configuration, processors and zero-shot pipeline, registered with the Auto classes.

Importing this package registers `AutoConfig`, `AutoModel`, `AutoModelForZeroShotImageClassification`,
`AutoModelForImageClassification` (the linear-head classifier), `AutoImageProcessor` and `AutoProcessor`
for `model_type="medfilip"`, and marks the classes so that
`save_pretrained` writes their code and an `auto_map` (loadable elsewhere with `trust_remote_code=True`).
"""

from transformers import (
    AutoConfig,
    AutoImageProcessor,
    AutoModel,
    AutoModelForImageClassification,
    AutoModelForZeroShotImageClassification,
    AutoProcessor,
)

from processing.image_processing_medfilip import MedFILIPImageProcessor
from processing.processing_medfilip import MedFILIPProcessor

from .configuration_medfilip import PRESETS, MedFILIPConfig, MedFILIPVisionConfig
from .modeling_medfilip import MedFILIPModel, MedFILIPOutput, MedFILIPVisionOutput
from .modeling_medfilip_classification import MedFILIPForImageClassification
from .pipeline_medfilip import MedFILIPZeroShotImageClassificationPipeline

AutoConfig.register(MedFILIPConfig.model_type, MedFILIPConfig, exist_ok=True)
AutoConfig.register(MedFILIPVisionConfig.model_type, MedFILIPVisionConfig, exist_ok=True)
AutoModel.register(MedFILIPConfig, MedFILIPModel, exist_ok=True)
AutoModelForZeroShotImageClassification.register(MedFILIPConfig, MedFILIPModel, exist_ok=True)
AutoModelForImageClassification.register(MedFILIPConfig, MedFILIPForImageClassification, exist_ok=True)
# One processor serves every backend request: it decodes with PIL / NumPy / pydicom whether or not torchvision exists.
AutoImageProcessor.register(
    MedFILIPConfig,
    image_processor_classes={"pil": MedFILIPImageProcessor, "torchvision": MedFILIPImageProcessor},
    exist_ok=True,
)
AutoProcessor.register(MedFILIPConfig, MedFILIPProcessor, exist_ok=True)

MedFILIPConfig.register_for_auto_class()
MedFILIPModel.register_for_auto_class("AutoModel")
MedFILIPForImageClassification.register_for_auto_class("AutoModelForImageClassification")
MedFILIPImageProcessor.register_for_auto_class("AutoImageProcessor")
MedFILIPProcessor.register_for_auto_class("AutoProcessor")

__all__ = [
    "PRESETS",
    "MedFILIPConfig",
    "MedFILIPForImageClassification",
    "MedFILIPImageProcessor",
    "MedFILIPModel",
    "MedFILIPOutput",
    "MedFILIPProcessor",
    "MedFILIPVisionConfig",
    "MedFILIPVisionOutput",
    "MedFILIPZeroShotImageClassificationPipeline",
]
