"""Safety checks run before anything is published: report text (patient data) and secrets.

Report text: a dataset built with `--keep-report-text` (a `report_sections` column, or findings whose
`evidence` sentences are kept) and any findings or report file in the folder (`medfilip extract`
output with `evidence`, a CSV with report columns) make the folder refused unless the caller passes
`include_report_text=True`. Secrets: no published file may contain an API key or access token, either
the caller's own (environment, `huggingface_hub` login) or anything shaped like one. Messages name the
file and the kind of secret, never its value.
"""

from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path

from medfilip.hub.selection import UploadRefused

REPORT_COLUMNS = ("report_sections", "report", "report_text", "clinical_notes", "findings_text", "impression")
REPORT_TEXT_WHY = (
    "Radiology reports and clinical notes are patient data: they can identify people, and the data-use "
    "agreements of report collections (PhysioNet's credentialed licence for MIMIC-CXR, for one) forbid "
    "redistributing them. Publish without them (build the dataset without `--keep-report-text`), or pass "
    "--include-report-text if you hold the right to share this text."
)
SECRET_ENVIRONMENT = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "OPENAI_API_KEY", "AZURE_OPENAI_API_KEY")
SECRET_PATTERNS = {
    "an OpenAI-style API key": re.compile(rb"sk-(?:proj-)?[A-Za-z0-9_\-]{20,}"),
    "a Hugging Face token": re.compile(rb"\bhf_[A-Za-z0-9]{30,}"),
    "a credential assignment": re.compile(
        rb"(?i)[\"']?(?:api[_-]?key|access[_-]?token|secret[_-]?key|password)[\"']?\s*[:=]\s*[\"']?[A-Za-z0-9_\-]{16,}"
    ),
}
TEXT_SUFFIXES = (".json", ".jsonl", ".md", ".py", ".txt", ".csv", ".jinja", ".yaml", ".yml")
CHUNK_BYTES = 1 << 24


def _has_evidence(findings: object) -> bool:
    return isinstance(findings, list) and any(
        isinstance(item, dict) and str(item.get("evidence") or "").strip() for item in findings
    )


def _report_text_in_dataset(root: Path) -> list[str]:
    import datasets
    import pyarrow.compute as pc

    found = []
    dataset_dict = datasets.load_from_disk(str(root))
    for split, data in dataset_dict.items():
        columns = [name for name in REPORT_COLUMNS if name in data.column_names]
        if columns:
            found.append(f"{root.name}: split {split} has report text columns {', '.join(columns)}")
        if "findings" in data.column_names:
            evidence = pc.list_flatten(data.data.column("findings")).combine_chunks().field("evidence")
            kept = pc.sum(pc.greater(pc.utf8_length(pc.fill_null(evidence, "")), 0)).as_py() or 0
            if kept:
                found.append(f"{root.name}: split {split} keeps the `evidence` sentence of {kept} findings")
    return found


def _report_text_in_file(path: Path) -> bool:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            header = next(csv.reader(handle), [])
        return any(column.strip().lower() in REPORT_COLUMNS for column in header)
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle if path.suffix == ".jsonl" else [handle.read()]:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            records = record if isinstance(record, list) else [record]
            for item in records:
                if isinstance(item, dict) and (
                    _has_evidence(item.get("findings")) or any(item.get(name) for name in REPORT_COLUMNS)
                ):
                    return True
    return False


def find_report_text(root: str | Path) -> list[str]:
    """Where the folder holds report text: dataset columns, kept `evidence`, findings or report files."""
    root = Path(root)
    found = _report_text_in_dataset(root) if (root / "dataset_dict.json").is_file() else []
    arrow_metadata = {"dataset_dict.json", "state.json", "dataset_info.json"}
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".jsonl", ".json", ".csv") and path.name not in arrow_metadata:
            if _report_text_in_file(path):
                found.append(f"{path.relative_to(root)} holds report text (report fields or `evidence` sentences)")
    return found


def check_report_text(root: str | Path, include_report_text: bool) -> list[str]:
    """Refuse (`UploadRefused`) a folder holding report text unless `include_report_text`; returns what was found."""
    found = find_report_text(root)
    if found and not include_report_text:
        raise UploadRefused(f"{root} holds raw report text:\n  - " + "\n  - ".join(found) + "\n" + REPORT_TEXT_WHY)
    return found


def _known_secrets() -> dict[str, bytes]:
    secrets = {name: os.environ[name].encode() for name in SECRET_ENVIRONMENT if len(os.environ.get(name, "")) >= 8}
    try:
        from huggingface_hub import get_token

        token = get_token()
    except Exception:  # no login, unreadable token file: nothing to look for
        token = None
    if token and len(token) >= 8:
        secrets["the Hugging Face login token"] = token.encode()
    return secrets


def _scan(path: Path, secrets: dict[str, bytes]) -> list[str]:
    text_file = path.suffix in TEXT_SUFFIXES
    overlap = max([len(value) for value in secrets.values()] + [256])
    kinds: list[str] = []
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            window = tail + chunk
            kinds += [name for name, value in secrets.items() if value in window]
            if text_file:
                kinds += [kind for kind, pattern in SECRET_PATTERNS.items() if pattern.search(window)]
            tail = window[-overlap:]
    return sorted(set(kinds))


def check_secrets(folder: str | Path) -> None:
    """Refuse (`UploadRefused`) when a file of the upload folder holds a key or token; never shows the value."""
    folder = Path(folder)
    secrets = _known_secrets()
    problems = [
        f"{path.relative_to(folder)}: {', '.join(kinds)}"
        for path in sorted(folder.rglob("*"))
        if path.is_file() and (kinds := _scan(path, secrets))
    ]
    if problems:
        raise UploadRefused("files to publish contain secrets (values not shown):\n  - " + "\n  - ".join(problems))
