"""The knowledge dictionary (IKI) and the captions built from findings with it."""

from processing.knowledge.dictionary import KnowledgeDictionary, KnowledgeEntry, load_knowledge_dictionary

__all__ = ["KnowledgeDictionary", "KnowledgeEntry", "load_knowledge_dictionary"]
