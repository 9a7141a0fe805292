"""Staging the exact upload folder and sending it to the Hub with `HfApi`.

The staged folder is what `--dry-run` leaves behind and what one `create_commit` sends: the listed files
(copied, or hard-linked into a temporary folder for an upload) and the generated card, nothing else. The Hub token comes
from `huggingface_hub` itself (`HF_TOKEN` or `hf auth login`); it is never passed around or printed.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from huggingface_hub import CommitOperationAdd, HfApi, RepoCard

from medfilip.hub.selection import CARD_FILE, Selection


@dataclass
class PublishOptions:
    """Where and how to publish: repo id, kind, visibility (private unless `public`), branch and message."""

    repo_id: str
    repo_type: str = "model"
    public: bool = False
    revision: str | None = None
    commit_message: str | None = None


def stage(selection: Selection, card: RepoCard, destination: str | Path, link: bool = False) -> list[str]:
    """Write the upload folder: `selection.files` and the card as README.md. Returns its sorted file list.

    `destination` must not exist or be empty, so nothing else can end up in it. `link` hard-links the
    files where possible (for a temporary folder: editing a linked file would edit the original).
    """
    destination = Path(destination)
    if destination.exists() and any(destination.iterdir()):
        raise FileExistsError(f"{destination} exists and is not empty: give a new folder for the upload")
    for name in selection.files:
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            if not link:
                raise OSError("copy requested")
            os.link(selection.root / name, target)
        except OSError:
            shutil.copy2(selection.root / name, target)
    destination.mkdir(parents=True, exist_ok=True)
    card.save(destination / CARD_FILE)
    return sorted(str(path.relative_to(destination)) for path in destination.rglob("*") if path.is_file())


def upload(folder: str | Path, options: PublishOptions, api: HfApi | None = None) -> str:
    """Create the repo (private unless `options.public`), the branch if any, and commit every file of `folder`.

    One `create_commit` whose operations are exactly the folder's files. Returns the commit URL. An
    existing repo keeps its visibility.
    """
    api = api or HfApi()
    folder = Path(folder)
    operations = [
        CommitOperationAdd(path_in_repo=str(path.relative_to(folder)), path_or_fileobj=str(path))
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    ]
    api.create_repo(options.repo_id, repo_type=options.repo_type, private=not options.public, exist_ok=True)
    if options.revision and options.revision != "main":
        api.create_branch(options.repo_id, branch=options.revision, repo_type=options.repo_type, exist_ok=True)
    commit = api.create_commit(
        repo_id=options.repo_id,
        operations=operations,
        repo_type=options.repo_type,
        revision=options.revision,
        commit_message=options.commit_message or f"Upload MedFILIP {options.repo_type}",
    )
    return str(commit.commit_url)
