"""The model a training run starts from: a preset (optionally with pretrained towers) or a saved folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import timm
from safetensors.torch import load_file
from transformers import AutoConfig, AutoModel, AutoProcessor, CLIPTextModel

from medfilip.factory import create_model_and_processor
from modeling_medfilip import PRESETS, MedFILIPModel, MedFILIPProcessor


class PretrainedWeightsUnavailableError(RuntimeError):
    """Pretrained weights asked for with `--init_*` could not be loaded; the message names what is missing."""


def load_model_and_processor(
    model: str,
    tokenizer: str | None = None,
    init_text: str | None = None,
    init_vision: str | None = None,
    **config_overrides: Any,
) -> tuple[MedFILIPModel, MedFILIPProcessor]:
    """A preset (random or with pretrained towers) or a saved model folder, with its processor.

    `config_overrides` set config fields (e.g. the MLIP settings); modules they add start untrained.
    """
    if model not in PRESETS:
        if init_text or init_vision or tokenizer:
            raise ValueError("--init_text, --init_vision and --tokenizer apply to presets, not to a saved model")
        return AutoModel.from_pretrained(model, **config_overrides), AutoProcessor.from_pretrained(model)
    text_model = _pretrained_text_model(init_text) if init_text else None
    overrides = dict(config_overrides)
    if text_model is not None:
        overrides["text_config"] = text_model.config.to_dict()
        tokenizer = tokenizer or init_text
    medfilip, processor = create_model_and_processor(model, tokenizer=tokenizer, **overrides)
    if text_model is not None:
        missing, _ = medfilip.text_model.load_state_dict(text_model.state_dict(), strict=False)
        if missing:
            raise PretrainedWeightsUnavailableError(f"text tower {init_text!r} lacks weights: {missing[:3]}")
    if init_vision:
        _load_vision_weights(medfilip, init_vision)
    return medfilip, processor


def _pretrained_text_model(source: str):
    try:
        config = AutoConfig.from_pretrained(source)
        if getattr(config, "text_config", None) is not None and config.model_type == "clip":
            return CLIPTextModel.from_pretrained(source)
        return AutoModel.from_pretrained(source)
    except (OSError, ValueError) as err:
        raise PretrainedWeightsUnavailableError(
            f"could not load the pretrained text tower {source!r}: no Hub access or no such folder ({err}). "
            "Download it where you have internet and pass the local folder."
        ) from err


def _load_vision_weights(model: MedFILIPModel, source: str) -> None:
    backbone = model.vision_model.backbone
    name = model.config.vision_config.timm_model_name
    if source == "timm":
        try:
            reference = timm.create_model(name, pretrained=True, num_classes=0)
        except Exception as err:  # timm raises network, hub and file errors of many types
            raise PretrainedWeightsUnavailableError(
                f"could not download timm's pretrained weights for {name!r} ({type(err).__name__}: {err}). "
                "Without internet, pass a local .safetensors file of the backbone to --init_vision."
            ) from err
        state = reference.state_dict()
    else:
        path = Path(source)
        if path.suffix != ".safetensors" or not path.is_file():
            raise PretrainedWeightsUnavailableError(
                f"vision weights {source!r}: expected an existing .safetensors file (other formats are not loaded)"
            )
        state = load_file(path)
    # An ImageNet checkpoint's classifier is not part of the tower: unexpected keys are fine, missing ones are not.
    missing, _ = backbone.load_state_dict(state, strict=False)
    if missing:
        raise PretrainedWeightsUnavailableError(
            f"vision weights {source!r} do not fit {name!r}: {len(missing)} missing keys, e.g. {missing[:3]}"
        )
