"""MIMIC-CXR free-text reports: `FINAL REPORT` followed by upper-case `SECTION:` headers at line starts.

`report_sections` keeps every section in report order under its lower-cased header (`examination`,
`indication`, `technique`, `comparison`, `findings`, `impression`, ...). Text before the first header
(other than the `FINAL REPORT` title) is kept as `report`; a report without headers is all `report`.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^[ \t]*(?P<name>[A-Z][A-Z /&()-]{1,40}?)[ \t]*:", re.MULTILINE)
_TITLE = re.compile(r"^\s*FINAL REPORT\s*$", re.MULTILINE)


def report_sections(text: str) -> dict[str, str]:
    """Section name -> text (stripped, whitespace runs kept) for a MIMIC-CXR report; empty sections kept empty."""
    text = _TITLE.sub("", text, count=1)
    headers = list(_HEADER.finditer(text))
    sections: dict[str, str] = {}
    preamble = text[: headers[0].start()] if headers else text
    if preamble.strip():
        sections["report"] = preamble.strip()
    for index, header in enumerate(headers):
        end = headers[index + 1].start() if index + 1 < len(headers) else len(text)
        name = " ".join(header["name"].lower().split())
        body = text[header.end() : end].strip()
        sections[name] = f"{sections[name]}\n{body}".strip() if name in sections else body
    return sections
