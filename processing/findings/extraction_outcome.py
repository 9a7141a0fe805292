"""The result of extracting one report with any backend: its findings, or why there are none."""

from __future__ import annotations

from pydantic import BaseModel

from processing.findings.schema import Finding


class ExtractionOutcome(BaseModel):
    """What happened to one report: its findings, or the error that stopped it; `cached` if from the cache."""

    findings: list[Finding] | None = None
    error: str | None = None
    cached: bool = False
