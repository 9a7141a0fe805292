"""The knowledge dictionary (IKI) and the captions built from findings with it."""

from processing.knowledge.captions import finding_caption, finding_captions, zero_shot_prompt
from processing.knowledge.dictionary import KnowledgeDictionary, KnowledgeEntry, load_knowledge_dictionary

__all__ = [
    "KnowledgeDictionary",
    "KnowledgeEntry",
    "finding_caption",
    "finding_captions",
    "load_knowledge_dictionary",
    "zero_shot_prompt",
]
