"""The offline rule extractor: dictionary mentions, severity and location, negation and uncertainty."""

from __future__ import annotations

import re
from typing import NamedTuple

from processing.findings.modifiers import (
    FOLLOWING_FILLERS,
    LOCATION_JOINERS,
    LOCATION_TERMS,
    MODIFIER_WINDOW,
    PRECEDING_FILLERS,
    SEVERITY_TERMS,
)
from processing.findings.negation import CUE_GROUPS, Cue, PlacedCue, presence_of
from processing.findings.phrase_matcher import PhraseMatcher, tokenize
from processing.findings.report_findings import finalize_findings
from processing.findings.report_sections import select_sections
from processing.findings.schema import NO_FINDING, Finding
from processing.findings.sentences import split_sentences
from processing.knowledge import KnowledgeDictionary, load_knowledge_dictionary
from processing.knowledge.terms import term_variants


class _Category(NamedTuple):
    name: str


class _Severity(NamedTuple):
    phrase: str


class _Location(NamedTuple):
    phrase: str


class _Mention(NamedTuple):
    start: int
    end: int
    category: str


class RuleExtractor:
    """Extracts findings from report text with the knowledge dictionary's terms and patterns; no network.

    Every dictionary name and synonym (and its plural) is a mention of its category, longest phrase
    first; entries' `patterns` add mentions written as clauses ("heart size is mildly enlarged").
    Severity and location are the lexicon words next to a mention, and presence follows
    `processing.findings.negation`. Each sentence is the evidence of the findings it mentions.
    """

    def __init__(self, dictionary: KnowledgeDictionary | None = None) -> None:
        self.dictionary = dictionary if dictionary is not None else load_knowledge_dictionary()
        matcher: PhraseMatcher[object] = PhraseMatcher()
        for phrase in SEVERITY_TERMS:
            matcher.add(phrase, _Severity(phrase))
        for phrase in LOCATION_TERMS:
            matcher.add(phrase, _Location(phrase))
        for phrases, cue in CUE_GROUPS:
            matcher.add_all(phrases, cue)
        patterns = []
        for entry in self.dictionary:
            if entry.name == NO_FINDING:
                continue
            for term in (entry.name, *entry.synonyms):
                for variant in term_variants(term):
                    matcher.add(variant, _Category(entry.name))
            patterns.extend((re.compile(pattern), entry.name) for pattern in entry.patterns)
        self._matcher = matcher
        self._patterns = patterns

    def extract(self, text: str) -> list[Finding]:
        """Findings of a report's FINDINGS/IMPRESSION sections (all of `text` without them), finalized."""
        findings = []
        for sentence in split_sentences(select_sections(text)):
            findings.extend(self.extract_sentence(sentence))
        return finalize_findings(findings, self.dictionary)

    def extract_sentence(self, sentence: str) -> list[Finding]:
        """The findings mentioned in one sentence, in order, with the sentence as evidence."""
        tokens = tokenize(sentence)
        mentions: list[_Mention] = []
        cues: list[PlacedCue] = []
        modifiers: dict[int, tuple[int, object]] = {}
        for start, end, payload in self._matcher.finditer(tokens):
            if isinstance(payload, _Category):
                mentions.append(_Mention(start, end, payload.name))
            elif isinstance(payload, Cue):
                cues.append(PlacedCue(start, end, payload))
            else:
                modifiers[start] = (end, payload)
        if self._patterns:
            mentions = self._add_pattern_mentions(tokens, mentions)
        if not mentions:
            return []
        mention_starts = {mention.start for mention in mentions}
        findings = []
        for mention in mentions:
            severity, location = self._modifiers(tokens, mention, modifiers, mention_starts)
            findings.append(
                Finding(
                    category=mention.category,
                    severity=severity,
                    location=location,
                    presence=presence_of(mention.start, mention.end, cues),
                    evidence=sentence,
                )
            )
        return findings

    def _add_pattern_mentions(self, tokens: list[str], mentions: list[_Mention]) -> list[_Mention]:
        joined = " ".join(tokens)
        offsets, position = [], 0
        for token in tokens:
            offsets.append(position)
            position += len(token) + 1
        added = list(mentions)
        for pattern, category in self._patterns:
            for match in pattern.finditer(joined):
                start = _token_at(offsets, match.start())
                end = _token_at(offsets, match.end() - 1) + 1
                if all(end <= other.start or start >= other.end for other in added):
                    added.append(_Mention(start, end, category))
        return sorted(added)

    @staticmethod
    def _modifiers(
        tokens: list[str], mention: _Mention, modifiers: dict[int, tuple[int, object]], mention_starts: set[int]
    ) -> tuple[str | None, str | None]:
        """Severity and location words inside the mention, just before it and just after it."""
        found: list[tuple[int, int, object]] = [
            (start, end, payload)
            for start, (end, payload) in modifiers.items()
            if mention.start <= start and end <= mention.end
        ]
        ends = {end: start for start, (end, _) in modifiers.items()}
        position, budget = mention.start, MODIFIER_WINDOW
        while position > 0 and budget > 0:
            if position in ends:
                start = ends[position]
                found.append((start, position, modifiers[start][1]))
                position = start
            elif tokens[position - 1] in PRECEDING_FILLERS:
                position -= 1
            else:
                break
            budget -= 1
        position, budget = mention.end, MODIFIER_WINDOW
        while position < len(tokens) and budget > 0 and position not in mention_starts:
            if position in modifiers:
                end, payload = modifiers[position]
                found.append((position, end, payload))
                position = end
            elif tokens[position] in FOLLOWING_FILLERS:
                position += 1
            else:
                break
            budget -= 1
        found.sort(key=lambda item: item[0])
        severities = list(dict.fromkeys(payload.phrase for _, _, payload in found if isinstance(payload, _Severity)))
        location_spans = [(start, end) for start, end, payload in found if isinstance(payload, _Location)]
        return (" ".join(severities) or None), _join_locations(tokens, location_spans)


def _token_at(offsets: list[int], char: int) -> int:
    """Index of the token containing character `char` of the space-joined tokens."""
    low, high = 0, len(offsets) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if offsets[middle] <= char:
            low = middle
        else:
            high = middle - 1
    return low


def _join_locations(tokens: list[str], spans: list[tuple[int, int]]) -> str | None:
    """Location spans as text, merging neighbours separated only by joiners ("left upper and lower lobes")."""
    if not spans:
        return None
    runs: list[list[int]] = []
    for start, end in spans:
        if runs and all(token in LOCATION_JOINERS for token in tokens[runs[-1][1] : start]):
            runs[-1][1] = max(runs[-1][1], end)
        else:
            runs.append([start, end])
    phrases = dict.fromkeys(" ".join(tokens[start:end]) for start, end in runs)
    return " ".join(phrases)
