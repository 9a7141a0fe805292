"""Tokenization and longest-match lookup of multi-word phrases in token sequences."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Generic, NamedTuple, TypeVar

Payload = TypeVar("Payload")

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")
_SEPARATORS = re.compile(r"[-_\u2013\u2014]+")


def tokenize(text: str) -> list[str]:
    """Lower-case word and punctuation tokens; hyphens and underscores separate words."""
    return _TOKEN.findall(_SEPARATORS.sub(" ", text.lower()))


class PhraseMatch(NamedTuple, Generic[Payload]):
    """A phrase found at tokens `[start, end)` with the payload it was registered with."""

    start: int
    end: int
    payload: Payload


class PhraseMatcher(Generic[Payload]):
    """Finds registered phrases in token lists, left to right, longest phrase first, without overlaps."""

    def __init__(self) -> None:
        self._phrases: dict[tuple[str, ...], Payload] = {}
        self._lengths: dict[str, list[int]] = {}

    def add(self, phrase: str, payload: Payload) -> None:
        """Register `phrase` (tokenized with `tokenize`); a phrase added again takes the new payload."""
        tokens = tuple(tokenize(phrase))
        if not tokens:
            return
        self._phrases[tokens] = payload
        lengths = self._lengths.setdefault(tokens[0], [])
        if len(tokens) not in lengths:
            lengths.append(len(tokens))
            lengths.sort(reverse=True)

    def add_all(self, phrases: Iterable[str], payload: Payload) -> None:
        """Register every phrase of `phrases` with the same payload."""
        for phrase in phrases:
            self.add(phrase, payload)

    def __len__(self) -> int:
        return len(self._phrases)

    def finditer(self, tokens: list[str]) -> Iterator[PhraseMatch[Payload]]:
        """Non-overlapping matches in `tokens`: at each position the longest registered phrase wins."""
        position, count = 0, len(tokens)
        phrases, lengths = self._phrases, self._lengths
        while position < count:
            for length in lengths.get(tokens[position], ()):
                end = position + length
                if end <= count:
                    payload = phrases.get(tuple(tokens[position:end]))
                    if payload is not None:
                        yield PhraseMatch(position, end, payload)
                        position = end
                        break
            else:
                position += 1
