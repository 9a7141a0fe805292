"""Publishing a model or a dataset: select files, run the safety checks, write the card, stage, upload.

Order of work: the file list (refusing unsafe folders), the report-text guard on the whole folder, the
card, a staged folder holding exactly the listed files and the card, a secrets scan of that folder;
then either a copy of it (`dry_run`) or one Hub commit of it. Nothing is sent when a check fails.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from huggingface_hub import HfApi, RepoCard

from medfilip.hub.dataset_card import publish_dataset_card
from medfilip.hub.guard import check_report_text, check_secrets
from medfilip.hub.model_card import Evaluation, model_card
from medfilip.hub.selection import CARD_FILE, Selection, select_dataset_files, select_model_files
from medfilip.hub.upload import PublishOptions, stage, upload


@dataclass
class PublishResult:
    """What was (or, for a dry run, would be) published."""

    files: list[str]
    left_out: list[str]
    report_text: list[str] = field(default_factory=list)
    dry_run_folder: Path | None = None
    commit_url: str | None = None


def _publish(
    selection: Selection,
    card: RepoCard,
    report_text: list[str],
    options: PublishOptions,
    dry_run: str | Path | None,
    api: HfApi | None,
) -> PublishResult:
    left_out = [name for name in selection.left_out if name != CARD_FILE]
    with tempfile.TemporaryDirectory(prefix="medfilip-push-") as temporary:
        staged = Path(temporary) / "upload"
        files = stage(selection, card, staged, link=True)
        check_secrets(staged)
        if dry_run is not None:
            destination = Path(dry_run)
            if destination.exists() and any(destination.iterdir()):
                raise FileExistsError(f"{destination} exists and is not empty: give a new folder for the dry run")
            shutil.copytree(staged, destination, dirs_exist_ok=True)
            return PublishResult(files, left_out, report_text, dry_run_folder=destination)
        url = upload(staged, options, api=api)
    return PublishResult(files, left_out, report_text, commit_url=url)


def publish_model(
    model_dir: str | Path,
    options: PublishOptions,
    evaluations: Sequence[Evaluation] = (),
    license: str = "other",
    include_report_text: bool = False,
    dry_run: str | Path | None = None,
    api: HfApi | None = None,
) -> PublishResult:
    """Publish a saved model (weights, config, processor, remote code, card) as `options.repo_id`.

    Raises `UploadRefused` for an unsafe folder (no safetensors, incomplete remote-code config, report
    text without `include_report_text`, secrets), before anything is written or sent.
    """
    selection = select_model_files(model_dir)
    report_text = check_report_text(model_dir, include_report_text)
    card = model_card(model_dir, options.repo_id, list(evaluations), license=license, revision=options.revision)
    return _publish(selection, card, report_text, options, dry_run, api)


def publish_dataset(
    dataset_dir: str | Path,
    options: PublishOptions,
    include_report_text: bool = False,
    dry_run: str | Path | None = None,
    api: HfApi | None = None,
) -> PublishResult:
    """Publish a `medfilip build-dataset` folder (arrow files, card, build summary) as dataset `options.repo_id`.

    Raises `UploadRefused` like `publish_model`: a dataset built with `--keep-report-text` is refused
    unless `include_report_text`.
    """
    selection = select_dataset_files(dataset_dir)
    report_text = check_report_text(dataset_dir, include_report_text)
    card = publish_dataset_card(dataset_dir, options.repo_id)
    return _publish(selection, card, report_text, options, dry_run, api)
