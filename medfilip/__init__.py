"""MedFILIP: medical fine-grained language-image pre-training for chest X-rays.

Importing `medfilip` registers the model, processors and zero-shot pipeline with the transformers
Auto classes (see `modeling_medfilip`) and re-exports them.
"""

import modeling_medfilip
from modeling_medfilip import *  # noqa: F403

__all__ = list(modeling_medfilip.__all__)
