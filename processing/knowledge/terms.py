"""Normalization of vocabulary terms and their plural forms, shared by the dictionary and the extractor."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s_\-]+")
_EDGE_PUNCTUATION = " .,;:!?\"'()[]{}"
_VOWELS = set("aeiou")


def normalize_term(text: str) -> str:
    """Lower-cased `text` with underscores, hyphens and runs of whitespace turned into single spaces."""
    return _SEPARATORS.sub(" ", text.lower()).strip(_EDGE_PUNCTUATION)


def plural_forms(word: str) -> tuple[str, ...]:
    """English and Latin/Greek plural forms of one lower-case word (`opacity` -> `opacities`)."""
    if len(word) < 3 or not word[-1].isalpha():
        return ()
    if word.endswith("sis"):
        return (word[:-2] + "es",)
    if word.endswith("ax"):
        return (word[:-1] + "ces", word + "es")
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return (word + "es",)
    if word.endswith("y") and word[-2] not in _VOWELS:
        return (word[:-1] + "ies",)
    if word.endswith("a"):
        return (word + "e", word + "s")
    if word.endswith("um"):
        return (word[:-2] + "a",)
    return (word + "s",)


def term_variants(term: str) -> tuple[str, ...]:
    """The normalized `term` followed by the forms with its last word in the plural."""
    normalized = normalize_term(term)
    if not normalized:
        return ()
    head, _, last = normalized.rpartition(" ")
    prefix = f"{head} " if head else ""
    return (normalized, *(prefix + plural for plural in plural_forms(last)))
