"""Which files of a saved model or a built dataset are published: an explicit list, never a folder glob.

A model publishes `config.json` (with the remote-code `auto_map` and the custom zero-shot pipeline),
safetensors weights, the processor and tokenizer files, and the remote-code `.py` files the config,
processor and pipeline name (with their relative imports). A dataset publishes what
`datasets.load_from_disk` needs (`dataset_dict.json`, each split's `dataset_info.json`, `state.json` and
the arrow files `state.json` lists), its card and `build_summary.json`. Everything else in the folder
(Trainer files such as the pickled `training_args.bin`, checkpoints with optimizer states, caches,
`.bin` / `.pt` weights, keys, stray files) is left out, and listed as such.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from transformers.dynamic_module_utils import get_relative_imports

CONFIG_FILE = "config.json"
CARD_FILE = "README.md"
SAFETENSORS_FILE = "model.safetensors"
SAFETENSORS_INDEX = "model.safetensors.index.json"
PROCESSOR_FILES = (
    "processor_config.json",
    "preprocessor_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "vocab.json",
    "vocab.txt",
    "merges.txt",
)
PICKLE_WEIGHT_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt")
REQUIRED_AUTO_CLASSES = ("AutoConfig", "AutoModel", "AutoModelForZeroShotImageClassification")
PIPELINE_TASK = "zero-shot-image-classification"
DATASET_SUMMARY_FILE = "build_summary.json"


class UploadRefused(Exception):
    """The folder cannot be published as asked; the message says why and what to do."""


@dataclass
class Selection:
    """Files to publish (paths relative to `root`) and the files of the folder that are left out."""

    root: Path
    files: list[str]
    left_out: list[str] = field(default_factory=list)


def _all_files(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def _weight_files(root: Path) -> list[str]:
    """The safetensors weights: one file, or the shards named by the index. Refuses pickled-only weights."""
    if (root / SAFETENSORS_FILE).is_file():
        return [SAFETENSORS_FILE]
    if (root / SAFETENSORS_INDEX).is_file():
        shards = sorted(set(json.loads((root / SAFETENSORS_INDEX).read_text())["weight_map"].values()))
        missing = [shard for shard in shards if not (root / shard).is_file()]
        if missing:
            raise UploadRefused(f"{root}: shards named in {SAFETENSORS_INDEX} are missing: {', '.join(missing)}")
        return [SAFETENSORS_INDEX, *shards]
    pickles = [name for name in _all_files(root) if name.endswith(PICKLE_WEIGHT_SUFFIXES)]
    found = f" (found only pickled files: {', '.join(pickles)})" if pickles else ""
    raise UploadRefused(
        f"{root} has no safetensors weights{found}. Only safetensors are published: pickled weights can run "
        "code when loaded. Re-save the model with `save_pretrained` (safetensors is its default)."
    )


def _auto_map_modules(auto_map: dict) -> set[str]:
    modules = set()
    for reference in auto_map.values():
        for item in reference if isinstance(reference, list) else [reference]:
            if item:
                modules.add(item.split("--")[-1].rsplit(".", 1)[0])
    return modules


def _remote_code_files(root: Path, config: dict) -> list[str]:
    """The `.py` files named by the config, processor and pipeline, closed over their relative imports."""
    modules = _auto_map_modules(config.get("auto_map", {}))
    for name in PROCESSOR_FILES:
        path = root / name
        if path.suffix == ".json" and path.is_file():
            data = json.loads(path.read_text())
            modules |= _auto_map_modules(data.get("auto_map", {}))
            modules |= _auto_map_modules(data.get("image_processor", {}).get("auto_map", {}))
    for pipeline in config.get("custom_pipelines", {}).values():
        modules.add(pipeline["impl"].rsplit(".", 1)[0])
    files: set[str] = set()
    pending = sorted(modules)
    while pending:
        module = pending.pop()
        path = root / f"{module}.py"
        if path.name in files:
            continue
        if not path.is_file():
            raise UploadRefused(f"{root}: remote code `{module}` is named or imported but {path.name} is missing")
        files.add(path.name)
        pending += get_relative_imports(str(path))
    return sorted(files)


def select_model_files(model_dir: str | Path) -> Selection:
    """The files of a saved MedFILIP model that are published (the card is written separately).

    Refuses a folder without `config.json`, without safetensors weights, or whose config lacks the
    `auto_map` entries and the custom zero-shot pipeline that let anyone load it with remote code.
    """
    root = Path(model_dir)
    config_path = root / CONFIG_FILE
    if not config_path.is_file():
        raise UploadRefused(f"{root} has no {CONFIG_FILE}: not a saved model folder")
    config = json.loads(config_path.read_text())
    missing = [name for name in REQUIRED_AUTO_CLASSES if name not in config.get("auto_map", {})]
    if PIPELINE_TASK not in config.get("custom_pipelines", {}):
        missing.append(f"custom_pipelines[{PIPELINE_TASK!r}]")
    if missing:
        raise UploadRefused(
            f"{config_path} lacks {', '.join(missing)}: others could not load it with trust_remote_code. "
            "Re-save it with `save_pretrained` from this package."
        )
    files = [CONFIG_FILE, *_weight_files(root), *_remote_code_files(root, config)]
    files += [name for name in PROCESSOR_FILES if (root / name).is_file()]
    files = sorted(set(files))
    left_out = [name for name in _all_files(root) if name not in files]
    return Selection(root=root, files=files, left_out=left_out)


def select_dataset_files(dataset_dir: str | Path) -> Selection:
    """The files of a `medfilip build-dataset` folder that are published, card and summary included.

    Refuses a folder that is not a saved `DatasetDict` with its card. Cache files written by later `map`
    calls (`cache-*.arrow`) are left out: only the arrow files each split's `state.json` lists are kept.
    """
    root = Path(dataset_dir)
    if not (root / "dataset_dict.json").is_file():
        raise UploadRefused(f"{root} has no dataset_dict.json: not a folder written by `medfilip build-dataset`")
    if not (root / CARD_FILE).is_file():
        raise UploadRefused(f"{root} has no {CARD_FILE} dataset card: rebuild it with `medfilip build-dataset`")
    files = ["dataset_dict.json", CARD_FILE]
    if (root / DATASET_SUMMARY_FILE).is_file():
        files.append(DATASET_SUMMARY_FILE)
    for split in json.loads((root / "dataset_dict.json").read_text())["splits"]:
        state = json.loads((root / split / "state.json").read_text())
        files += [f"{split}/state.json", f"{split}/dataset_info.json"]
        files += [f"{split}/{entry['filename']}" for entry in state["_data_files"]]
    missing = [name for name in files if not (root / name).is_file()]
    if missing:
        raise UploadRefused(f"{root}: files of the saved dataset are missing: {', '.join(missing)}")
    files = sorted(files)
    left_out = [name for name in _all_files(root) if name not in files]
    return Selection(root=root, files=files, left_out=left_out)
