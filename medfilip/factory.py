"""One entry point to build a new MedFILIP model and its processor from a named preset."""

from __future__ import annotations

import os
from typing import Any

from transformers import AutoTokenizer, PreTrainedTokenizerBase

from modeling_medfilip import MedFILIPConfig, MedFILIPImageProcessor, MedFILIPModel, MedFILIPProcessor
from processing.knowledge import KnowledgeDictionary, load_knowledge_dictionary
from processing.tokenization_offline import train_offline_tokenizer

CLIP_B32_TOKENIZER = "openai/clip-vit-base-patch32"
OFFLINE_TOKENIZER = "offline"

# Where each preset's tokenizer comes from: a Hub id / local path, or trained offline on the dictionary.
PRESET_TOKENIZERS = {
    "base": CLIP_B32_TOKENIZER,
    "vit-small": CLIP_B32_TOKENIZER,
    "vit-base": CLIP_B32_TOKENIZER,
    "tiny": OFFLINE_TOKENIZER,
    "tiny-vit": OFFLINE_TOKENIZER,
}


class TokenizerUnavailableError(RuntimeError):
    """The preset's tokenizer could not be loaded (no Hub access and no local copy)."""


def load_tokenizer(source: str | os.PathLike) -> PreTrainedTokenizerBase:
    """A tokenizer from a Hub id or local directory; raises `TokenizerUnavailableError` saying how to provide it."""
    try:
        return AutoTokenizer.from_pretrained(str(source))
    except (OSError, ValueError) as err:
        raise TokenizerUnavailableError(
            f"could not load the tokenizer {str(source)!r} ({type(err).__name__}). Without Hub access, download it "
            f"where you have internet (`hf download {CLIP_B32_TOKENIZER} --local-dir clip-b32`), copy the folder "
            "here and pass its path as the tokenizer (`medfilip init --tokenizer clip-b32`)."
        ) from err


def build_offline_tokenizer(max_length: int) -> PreTrainedTokenizerBase:
    """Byte-level BPE trained on the knowledge dictionary's names, synonyms and descriptions."""
    return train_offline_tokenizer(load_knowledge_dictionary().texts(), model_max_length=max_length)


def attach_knowledge(config: MedFILIPConfig, dictionary: KnowledgeDictionary | None = None) -> None:
    """Store the dictionary's prompts and term index in `config`, for knowledge-enriched zero-shot prompts."""
    dictionary = dictionary if dictionary is not None else load_knowledge_dictionary()
    config.knowledge_prompts = {entry.name: entry.prompt for entry in dictionary}
    config.knowledge_terms = dictionary.terms()
    config.knowledge_version = dictionary.version


def create_model_and_processor(
    preset: str = "tiny", tokenizer: str | os.PathLike | None = None, **config_overrides: Any
) -> tuple[MedFILIPModel, MedFILIPProcessor]:
    """A randomly initialized model of `preset` and its processor (image processor + tokenizer).

    The packaged knowledge dictionary is attached to the config (see `attach_knowledge`). `tokenizer`
    overrides the preset's tokenizer source (a Hub id or local directory). When the tokenizer
    is trained offline, the text tower's vocabulary size and special-token ids are set from it.
    """
    config = MedFILIPConfig.from_preset(preset, **config_overrides)
    source = tokenizer if tokenizer is not None else PRESET_TOKENIZERS.get(preset, CLIP_B32_TOKENIZER)
    max_length = config.text_config.max_position_embeddings
    if source == OFFLINE_TOKENIZER:
        text_tokenizer = build_offline_tokenizer(max_length)
    else:
        text_tokenizer = load_tokenizer(source)
        text_tokenizer.model_max_length = min(text_tokenizer.model_max_length, max_length)
    if source == OFFLINE_TOKENIZER or len(text_tokenizer) > config.text_config.vocab_size:
        config.text_config.vocab_size = len(text_tokenizer)
    for name in ("bos_token_id", "eos_token_id", "pad_token_id"):
        if getattr(text_tokenizer, name) is not None:
            setattr(config.text_config, name, getattr(text_tokenizer, name))
    attach_knowledge(config)
    size = config.vision_config.image_size
    image_processor = MedFILIPImageProcessor(size={"height": size, "width": size})
    processor = MedFILIPProcessor(image_processor=image_processor, tokenizer=text_tokenizer)
    return MedFILIPModel(config), processor


def save_model_and_processor(model: MedFILIPModel, processor: MedFILIPProcessor, output_dir: str | os.PathLike) -> None:
    """Write weights (safetensors), config, code, processor and tokenizer so `from_pretrained` loads the folder."""
    model.save_pretrained(output_dir)
    processor.save_pretrained(output_dir)
