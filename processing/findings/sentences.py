"""Sentence splitting for radiology reports: survives abbreviations, decimals, numbered lists, `___`/`XXXX`."""

from __future__ import annotations

import re

# Abbreviations whose period never ends a sentence (even before a capital); any other period
# followed by a lower-case word does not end one either ("2 cm. in size", "r/o. pneumonia").
ABBREVIATIONS = frozenset("dr mr mrs ms prof vs e.g i.e cf fig no approx".split())
_PLACEHOLDER = "\u2024"  # one-dot leader: stands in for protected periods while splitting
_LIST_MARKER = re.compile(r"(?:(?<=^)|(?<=[\s.:;]))\(?\d{1,2}[.)](?=\s*[A-Za-z_])(?!\d)")
_DECIMAL = re.compile(r"(?<=\d)\.(?=\d)")
_WORD_BEFORE_PERIOD = re.compile(r"([A-Za-z][A-Za-z./]*)\.(?=\s|$)")
_BOUNDARY = re.compile(
    r"(?<=[.!?])\s+(?=[^\sa-z])"  # end mark, space, then anything but a lower-case word
    r"|(?<=[a-z]{2}[.!?])(?=[A-Z][a-z])"  # "apex.There" (missing space)
    r"|\s*\n\s*(?:[-*\u2022]\s+)?"  # line breaks and bullets
)


def _protect_abbreviation(match: re.Match[str]) -> str:
    word = match.group(1)
    return f"{word}{_PLACEHOLDER}" if word.lower() in ABBREVIATIONS else match.group(0)


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, stripped, in order; list numbers (`1.`, `2)`) are dropped."""
    text = _LIST_MARKER.sub("\n", text)
    text = _DECIMAL.sub(_PLACEHOLDER, text)
    text = _WORD_BEFORE_PERIOD.sub(_protect_abbreviation, text)
    sentences = []
    for piece in _BOUNDARY.split(text):
        piece = " ".join(piece.replace(_PLACEHOLDER, ".").split()).lstrip("-*\u2022 ")
        if any(char.isalnum() for char in piece.replace("XXXX", "").replace("_", "")):
            sentences.append(piece)
    return sentences
