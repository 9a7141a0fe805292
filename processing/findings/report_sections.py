"""Which part of a report is read: the FINDINGS and IMPRESSION sections when present, else all of it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

# A header is a short title followed by a colon, either at the start of a line (any case) or
# anywhere in upper case ("... FINDINGS: The lungs ...").
_HEADER = re.compile(
    r"(?:^[ \t]*(?P<line>[A-Za-z][A-Za-z /&()-]{1,40}?)[ \t]*:)|(?:\b(?P<caps>[A-Z][A-Z /&()-]{2,40}):)",
    re.MULTILINE,
)
READ_SECTIONS = frozenset({"findings", "finding", "impression", "impressions"})


def select_sections(text: str) -> str:
    """The FINDINGS and IMPRESSION sections of `text` joined by newlines, or all of `text` if it has neither."""
    headers = [
        (match.start(), match.end(), (match.group("line") or match.group("caps")).strip().lower())
        for match in _HEADER.finditer(text)
    ]
    kept = [
        text[end : headers[index + 1][0] if index + 1 < len(headers) else len(text)].strip()
        for index, (_, end, name) in enumerate(headers)
        if name in READ_SECTIONS
    ]
    return "\n".join(part for part in kept if part) if kept else text.strip()


def report_text(record: Mapping[str, object], text_fields: Sequence[str]) -> str:
    """The text to extract from: the non-empty `text_fields` of `record` in order, then `select_sections`."""
    parts = [str(record[field]).strip() for field in text_fields if record.get(field) not in (None, "")]
    return select_sections("\n".join(part for part in parts if part))
