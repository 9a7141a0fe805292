"""Radiology report -> structured findings: the schema, report parsing, and the rule and LLM extractors."""

from processing.findings.schema import NO_FINDING, Finding, Presence

__all__ = ["NO_FINDING", "Finding", "Presence"]
