"""Negation and uncertainty cues with their scope, in the style of NegEx/NegBio, over token sequences.

A cue acting forward ("no", "without", "possible") reaches findings after it, one acting backward
("is not seen", "cannot be excluded") findings before it, some act both ways ("resolved", "versus").
A cue reaches only to the end of its clause, which stops at a scope terminator ("but", "however",
";", "there is"). Pseudo-cues ("no change in", "to suggest") contain a cue word but act on nothing;
matching them as whole phrases keeps their words from acting. Of the cues reaching a finding, a
backward cue wins over a forward one, and the nearest cue of each direction wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from itertools import product
from typing import NamedTuple

from processing.findings.schema import Presence


class Scope(Enum):
    """Which way a cue acts."""

    FORWARD = "forward"
    BACKWARD = "backward"
    BOTH = "both"
    NONE = "none"  # pseudo-cues
    TERMINATOR = "terminator"


class Cue(NamedTuple):
    """What a matched cue phrase does: the presence it gives and the way it acts."""

    presence: Presence | None
    scope: Scope


def _combine(*parts: Sequence[str]) -> list[str]:
    return [" ".join(word for word in words if word) for words in product(*parts)]


_BE = ("is", "are", "was", "were", "has been", "have been", "")
_ADVERB = ("", "now", "longer", "currently", "again", "definitely", "clearly", "well", "convincingly", "otherwise")
_SEEN = (
    "seen", "identified", "visualized", "visualised", "visible", "appreciated", "evident", "present",
    "demonstrated", "detected", "noted", "apparent", "appreciable", "shown", "observed", "recognized",
)  # fmt: skip

PSEUDO_CUES = [
    *_combine(
        ("no", "without", "not"),
        ("", "significant", "interval", "substantial", "appreciable", "significant interval"),
        ("change", "changes", "changed", "increase", "decrease", "worsening", "improvement", "progression",
         "enlargement", "growth", "increased", "decreased", "worsened", "improved"),
    ),
    "not significantly changed", "not changed", "gram negative", "not only", "no further", "not certain",
    "not necessarily", "to suggest", "to indicate", "to explain", "to support", "to represent",
    "not been changed",
]  # fmt: skip
FORWARD_NEGATION_CUES = [
    "no", "not", "without", "negative for", "free of", "clear of", "absence of", "rather than", "resolution of",
    "interval resolution of", "clearing of", "removal of", "never", "nor", "neither", "rules out",
    "exclude", "excludes", "no longer", "lack of", "lacks", "resolution", "disappearance of",
]  # fmt: skip
BACKWARD_NEGATION_CUES = [
    *_combine(("not", "no longer"), _ADVERB, _SEEN),
    *_combine(("has", "have", "is", "are"), ("", "since", "nearly", "completely", "largely", "now", "been"),
              ("resolved", "cleared", "removed", "disappeared")),
    *_combine(_BE, ("absent", "gone")),
    *_combine(("is", "are", "was", "were", "has been", "have been"), ("excluded", "ruled out")),
    "is negative", "are negative", "none", "not enlarged", "within normal limits", "is normal", "are normal",
]  # fmt: skip
BIDIRECTIONAL_NEGATION_CUES = ["resolved", "cleared", "removed", "excluded", "ruled out", "absent"]
FORWARD_UNCERTAINTY_CUES = [
    "possible", "possibly", "probable", "probably", "likely", "unlikely", "may", "might", "could", "can be",
    "question of", "questionable", "questionably", "suspicious for", "suspicious of", "suspicion of",
    "suspicion for", "suspected", "suspect", "suggestive of", "suggests", "suggesting", "suggest",
    "concerning for", "concern for", "worrisome for", "cannot exclude", "can not exclude", "cannot rule out",
    "can not rule out", "can't exclude", "can't rule out", "differential diagnosis", "differential includes",
    "equivocal", "rule out", "r / o", "evaluate for", "to exclude", "presumably", "presumed", "presumptive",
    "favor", "favored", "favoring", "may represent", "could represent", "might represent", "may reflect",
    "could reflect", "may be", "could be", "might be", "would be", "uncertain", "indeterminate",
    "perhaps", "consider", "considered", "vague", "vaguely", "difficult to exclude", "correlate for",
    "clinical correlation for", "question", "cannot be excluded", "correlate clinically for",
    "clinically correlate for", "clinical correlation", "correlate clinically", "recommend", "recommended",
]  # fmt: skip
BACKWARD_UNCERTAINTY_CUES = [
    *_combine(("cannot", "can not", "could not", "not", "may not", "can't"), ("", "be"),
              ("excluded", "ruled out", "entirely excluded", "completely excluded", "totally excluded")),
    *_combine(("is", "are", "is also", "are also"),
              ("possible", "likely", "suspected", "questioned", "favored", "probable", "considered", "not excluded")),
    "could be present", "may be present", "might be present", "possibly present", "not well visualized",
    "not well seen", "not well evaluated", "poorly evaluated", "incompletely evaluated", "obscured",
    "is a consideration", "would be a consideration", "is another consideration", "a consideration",
    "is not entirely excluded", "not entirely excluded", "difficult to exclude",
]  # fmt: skip
BIDIRECTIONAL_UNCERTAINTY_CUES = ["versus", "vs", "differential"]
TERMINATORS = [
    "but", "however", "although", "though", "except", "except for", "aside from", "apart from", "other than",
    "besides", "whereas", "which", "while", ";", "there is", "there are", "there has been", "there have been",
    "there was", "there were", "with the exception of", "otherwise", "nevertheless", "and there",
]  # fmt: skip

# Later groups take precedence where a phrase is listed twice.
CUE_GROUPS: list[tuple[list[str], Cue]] = [
    (FORWARD_NEGATION_CUES, Cue("absent", Scope.FORWARD)),
    (BACKWARD_NEGATION_CUES, Cue("absent", Scope.BACKWARD)),
    (BIDIRECTIONAL_NEGATION_CUES, Cue("absent", Scope.BOTH)),
    (FORWARD_UNCERTAINTY_CUES, Cue("uncertain", Scope.FORWARD)),
    (BACKWARD_UNCERTAINTY_CUES, Cue("uncertain", Scope.BACKWARD)),
    (BIDIRECTIONAL_UNCERTAINTY_CUES, Cue("uncertain", Scope.BOTH)),
    (PSEUDO_CUES, Cue(None, Scope.NONE)),
    (TERMINATORS, Cue(None, Scope.TERMINATOR)),
]


class PlacedCue(NamedTuple):
    """A cue found at tokens `[start, end)` of a sentence."""

    start: int
    end: int
    cue: Cue


def presence_of(start: int, end: int, cues: Sequence[PlacedCue]) -> Presence:
    """The presence of a finding at tokens `[start, end)` given the sentence's cues in token order."""
    forward: Presence | None = None
    for placed in cues:
        if placed.end > start:
            break
        if placed.cue.scope is Scope.TERMINATOR:
            forward = None
        elif placed.cue.scope in (Scope.FORWARD, Scope.BOTH):
            forward = placed.cue.presence
    for placed in cues:
        if placed.start < end:
            continue
        if placed.cue.scope is Scope.TERMINATOR:
            break
        if placed.cue.scope in (Scope.BACKWARD, Scope.BOTH):
            return placed.cue.presence
    return forward or "present"
