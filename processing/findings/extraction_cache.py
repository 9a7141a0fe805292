"""Persistent cache of LLM extraction replies, keyed by (model, prompt version, report hash).

Each reply is committed as soon as it arrives (SQLite in WAL mode), so a crash, Ctrl-C or kill -9
loses no paid call. Only findings and token counts are stored: never the API key, the endpoint, or
the report text (the key holds the text's SHA-256).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from pathlib import Path
from typing import NamedTuple

from processing.findings.schema import Finding

_SCHEMA = """
CREATE TABLE IF NOT EXISTS replies (
    model TEXT NOT NULL,
    prompt_version TEXT NOT NULL,
    report_hash TEXT NOT NULL,
    findings TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (model, prompt_version, report_hash)
)
"""


def report_hash(text: str) -> str:
    """SHA-256 hex digest of a report's text (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class CachedReply(NamedTuple):
    """A stored reply: its findings and what it cost."""

    findings: list[Finding]
    prompt_tokens: int
    completion_tokens: int


class ExtractionCache:
    """A SQLite file of extraction replies; safe to reopen after the writing process was killed."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=NORMAL")
        self._connection.execute(_SCHEMA)

    def get(self, model: str, prompt_version: str, text_hash: str) -> CachedReply | None:
        """The stored reply for the key, or None."""
        row = self._connection.execute(
            "SELECT findings, prompt_tokens, completion_tokens FROM replies "
            "WHERE model = ? AND prompt_version = ? AND report_hash = ?",
            (model, prompt_version, text_hash),
        ).fetchone()
        if row is None:
            return None
        findings = [Finding.model_validate(item) for item in json.loads(row[0])]
        return CachedReply(findings, row[1], row[2])

    def put(self, model: str, prompt_version: str, text_hash: str, reply: CachedReply) -> None:
        """Store (or replace) the reply for the key and commit it at once."""
        self._connection.execute(
            "INSERT OR REPLACE INTO replies VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                model,
                prompt_version,
                text_hash,
                json.dumps([finding.model_dump() for finding in reply.findings]),
                reply.prompt_tokens,
                reply.completion_tokens,
                time.time(),
            ),
        )

    def __len__(self) -> int:
        return self._connection.execute("SELECT COUNT(*) FROM replies").fetchone()[0]

    def close(self) -> None:
        """Close the file."""
        self._connection.close()
