"""The JSON an LLM extractor replies with: its JSON schema (strict structured output) and a tolerant parser."""

from __future__ import annotations

import copy
import functools
import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from processing.findings.schema import Finding


class FindingsReply(BaseModel):
    """A reply: the findings of one report."""

    model_config = ConfigDict(extra="forbid")

    findings: list[Finding]


class ReplyParseError(ValueError):
    """A reply that is not JSON holding a list of findings."""


def _strict(schema: Any) -> Any:
    """Every object closed and with all its properties required; defaults dropped (strict mode rules)."""
    if isinstance(schema, dict):
        schema = {key: _strict(value) for key, value in schema.items() if key not in ("default", "title", "minLength")}
        if schema.get("type") == "object" and "properties" in schema:
            schema["required"] = list(schema["properties"])
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    return schema


def findings_json_schema() -> dict[str, Any]:
    """The `response_format` for JSON-schema structured output of a `FindingsReply` (a fresh copy)."""
    return copy.deepcopy(_findings_json_schema())


@functools.cache
def _findings_json_schema() -> dict[str, Any]:
    return {
        "type": "json_schema",
        "json_schema": {
            "name": "findings_reply",
            "strict": True,
            "schema": _strict(FindingsReply.model_json_schema()),
        },
    }


_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)


def _json_candidates(text: str) -> list[str]:
    candidates = [text.strip()]
    candidates += [block.strip() for block in _FENCE.findall(text)]
    for opening, closing in ("{}", "[]"):
        start, end = text.find(opening), text.rfind(closing)
        if 0 <= start < end:
            candidates.append(text[start : end + 1])
    return candidates


def parse_reply(text: str | None) -> list[Finding]:
    """Findings from a reply: plain JSON, fenced or surrounded by prose; `{"findings": [...]}` or a bare list.

    Raises `ReplyParseError` saying what is wrong when no candidate parses and validates.
    """
    if not text or not text.strip():
        raise ReplyParseError("the reply is empty")
    error: Exception | None = None
    for candidate in _json_candidates(text):
        try:
            value = json.loads(candidate)
        except json.JSONDecodeError as decode_error:
            error = error or decode_error
            continue
        if isinstance(value, list):
            value = {"findings": value}
        try:
            return FindingsReply.model_validate(value).findings
        except ValidationError as validation_error:
            error = validation_error
    if isinstance(error, ValidationError):
        raise ReplyParseError(f"the JSON does not match the findings schema: {error}")
    raise ReplyParseError(f"the reply is not valid JSON: {error}")
