"""What a build left out and why: one entry per input file or record, never a crash."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Skipped:
    """An input left out of the dataset: the file or record it came from and the reason."""

    source: str
    reason: str


class SkipLog:
    """Skipped inputs in the order met; the same input and reason is recorded once however often it is seen."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], Skipped] = {}

    def add(self, source: str, reason: str) -> None:
        self._entries.setdefault((source, reason), Skipped(source, reason))

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self):
        return iter(self._entries.values())
