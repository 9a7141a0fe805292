"""The versioned GPT-IE prompt: the extraction rules, the vocabulary, and a few worked examples.

The examples are synthetic reports written for this prompt. Change `PROMPT_REVISION` whenever the
text changes: it is part of the cache key, so cached replies are never reused for another prompt.
"""

from __future__ import annotations

import json

from processing.findings.schema import Finding
from processing.knowledge import KnowledgeDictionary

PROMPT_REVISION = "gpt-ie-1"
REPORT_HEADER = "Report:\n"

RULES = """You extract findings from chest X-ray radiology reports.
Reply with JSON only: {"findings": [...]}, one object per finding with the keys
category, severity, location, presence, evidence.
- category: the disease or finding, using a name from the vocabulary below when one fits
  (map synonyms and plurals to it: "effusions" -> "pleural effusion", "enlarged cardiac silhouette"
  -> "cardiomegaly"); otherwise the report's own words in lower case.
- severity: grade, size, time course, pattern or certainty words as written ("small", "mild",
  "new", "patchy", "chronic"), or null.
- location: the anatomical location as written ("left lower lobe", "right base", "bilateral"), or null.
- presence: "present"; "absent" when negated ("no effusion", "without pneumothorax", "resolved");
  "uncertain" when hedged ("cannot exclude pneumonia", "may represent atelectasis", "possible").
- evidence: the sentence the finding comes from, copied from the report.
Extract every disease or finding in every sentence, negated ones included. Read only the FINDINGS and
IMPRESSION sections when the report has them. A report with no abnormal finding gives an empty list.
"""

EXAMPLES: list[tuple[str, list[Finding]]] = [
    (
        "FINDINGS: Small left pleural effusion with adjacent basilar atelectasis. No pneumothorax.\n"
        "IMPRESSION: Small left effusion. Pneumonia cannot be excluded.",
        [
            Finding(category="pleural effusion", severity="small", location="left", presence="present",
                    evidence="Small left pleural effusion with adjacent basilar atelectasis."),
            Finding(category="atelectasis", severity=None, location="left basilar", presence="present",
                    evidence="Small left pleural effusion with adjacent basilar atelectasis."),
            Finding(category="pneumothorax", severity=None, location=None, presence="absent",
                    evidence="No pneumothorax."),
            Finding(category="pneumonia", severity=None, location=None, presence="uncertain",
                    evidence="Pneumonia cannot be excluded."),
        ],
    ),
    (
        "The heart is mildly enlarged. Patchy opacities in the right upper lobe may represent infection. "
        "Healed fracture of the left sixth rib.",
        [
            Finding(category="cardiomegaly", severity="mild", location=None, presence="present",
                    evidence="The heart is mildly enlarged."),
            Finding(category="opacity", severity="patchy", location="right upper lobe", presence="present",
                    evidence="Patchy opacities in the right upper lobe may represent infection."),
            Finding(category="pneumonia", severity=None, location="right upper lobe", presence="uncertain",
                    evidence="Patchy opacities in the right upper lobe may represent infection."),
            Finding(category="rib fracture", severity="healed", location="left sixth rib", presence="present",
                    evidence="Healed fracture of the left sixth rib."),
        ],
    ),
    ("Lungs are clear. Heart size and mediastinum are normal.", []),
]  # fmt: skip


def prompt_version(dictionary: KnowledgeDictionary) -> str:
    """The prompt's version: its revision and the vocabulary's version (both shape the replies)."""
    return f"{PROMPT_REVISION}+kd-{dictionary.version}"


def system_prompt(dictionary: KnowledgeDictionary) -> str:
    """The rules and the vocabulary's category names."""
    names = ", ".join(entry.name for entry in dictionary if entry.abnormal)
    return f"{RULES}\nVocabulary: {names}."


def user_message(report: str) -> str:
    """The user turn carrying one report."""
    return f"{REPORT_HEADER}{report}"


def report_of(message: str) -> str:
    """The report a `user_message` carries (inverse of `user_message`)."""
    return message.removeprefix(REPORT_HEADER)


def _reply_json(findings: list[Finding]) -> str:
    return json.dumps({"findings": [finding.model_dump() for finding in findings]})


def build_messages(report: str, dictionary: KnowledgeDictionary) -> list[dict[str, str]]:
    """Chat messages asking for the findings of `report`: system rules, worked examples, the report."""
    messages = [{"role": "system", "content": system_prompt(dictionary)}]
    for example, findings in EXAMPLES:
        messages.append({"role": "user", "content": user_message(example)})
        messages.append({"role": "assistant", "content": _reply_json(findings)})
    messages.append({"role": "user", "content": user_message(report)})
    return messages


def repair_message(error: str) -> dict[str, str]:
    """The user turn sent after a malformed reply, quoting the parse error."""
    return {
        "role": "user",
        "content": f"Your reply could not be used: {error}\nReply again with only the JSON object "
        '{"findings": [...]} for the same report.',
    }
