"""The image-specific knowledge dictionary (IKI): categories, synonyms, visual descriptions, label sets.

The packaged file `knowledge_dictionary.json` is the default. User files with the same layout extend
or override it: an entry whose name matches an existing category replaces the fields it gives and
keeps the others; an entry with a new name adds a category (it must then have a description); a
label set in a user file replaces the listed labels' categories and adds new labels. Names and
synonyms from later files take precedence in `lookup`.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from processing.knowledge.terms import normalize_term, term_variants

DEFAULT_DICTIONARY_FILE = "knowledge_dictionary.json"


class CategoryRecord(BaseModel):
    """One category as written in a dictionary file; fields left out keep the overridden entry's values."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    synonyms: list[str] | None = None
    description: str | None = None
    patterns: list[str] | None = None
    abnormal: bool | None = None


class DictionaryFile(BaseModel):
    """The layout of a knowledge dictionary file."""

    model_config = ConfigDict(extra="forbid")

    version: str | None = None
    about: str | None = None
    credits: str | None = None
    categories: list[CategoryRecord] = []
    label_sets: dict[str, dict[str, list[str]]] = {}


class KnowledgeEntry(BaseModel):
    """A category: canonical name, synonyms, how it looks on a chest X-ray, rule patterns, label sets."""

    model_config = ConfigDict(frozen=True)

    name: str
    synonyms: tuple[str, ...] = ()
    description: str
    patterns: tuple[str, ...] = ()
    """Regular expressions over lower-cased, space-separated report tokens that also mention the category."""
    abnormal: bool = True
    """False for what a normal study may show (support devices, `no finding` itself)."""
    labels: dict[str, tuple[str, ...]] = {}
    """Label set name -> the labels of that set this category counts toward."""

    @property
    def prompt(self) -> str:
        """The knowledge-enriched text for this category: `"<category>. <description>"`."""
        return f"{self.name}. {self.description}"


class KnowledgeDictionary:
    """An ordered, read-only collection of `KnowledgeEntry` with term lookup and label sets."""

    def __init__(
        self,
        entries: Iterable[KnowledgeEntry],
        label_sets: Mapping[str, Mapping[str, Sequence[str]]],
        version: str,
    ) -> None:
        self.version = version
        self._entries: dict[str, KnowledgeEntry] = {entry.name: entry for entry in entries}
        self._label_sets = {
            set_name: {label: tuple(categories) for label, categories in labels.items()}
            for set_name, labels in label_sets.items()
        }
        self._index: dict[str, str] = {}
        for set_name, labels in self._label_sets.items():
            for label, categories in labels.items():
                unknown = [category for category in categories if category not in self._entries]
                if unknown:
                    raise ValueError(f"label set {set_name!r}, label {label!r}: unknown categories {unknown}")
                if categories:
                    self._add_term(label, categories[0])
        for entry in self._entries.values():
            for synonym in entry.synonyms:
                self._add_term(synonym, entry.name)
        for entry in self._entries.values():
            self._add_term(entry.name, entry.name)

    @classmethod
    def from_records(
        cls, files: Sequence[tuple[DictionaryFile, str]], version: str | None = None
    ) -> KnowledgeDictionary:
        """Merge parsed files in order (later ones override); `files` pairs each with its source name."""
        fields: dict[str, dict] = {}
        label_sets: dict[str, dict[str, list[str]]] = {}
        for record_file, source in files:
            for record in record_file.categories:
                merged = fields.setdefault(normalize_term(record.name), {})
                merged.update(record.model_dump(exclude_unset=True), source=source)
                merged["name"] = " ".join(record.name.lower().split())
            for set_name, labels in record_file.label_sets.items():
                target = label_sets.setdefault(set_name, {})
                for label, categories in labels.items():
                    target[label] = [normalize_term(category) for category in categories]
        missing = [
            f"{merged['name']!r} ({merged['source']})" for merged in fields.values() if not merged.get("description")
        ]
        if missing:
            raise ValueError(f"knowledge dictionary: categories without a description: {', '.join(missing)}")
        membership: dict[str, dict[str, list[str]]] = {}
        for set_name, labels in label_sets.items():
            for label, categories in labels.items():
                for index, category in enumerate(categories):
                    if category not in fields:
                        raise ValueError(f"label set {set_name!r}, label {label!r}: unknown category {category!r}")
                    categories[index] = fields[category]["name"]
                    membership.setdefault(categories[index], {}).setdefault(set_name, []).append(label)
        entries = [
            KnowledgeEntry(
                name=merged["name"],
                synonyms=tuple(merged.get("synonyms") or ()),
                description=merged["description"],
                patterns=tuple(merged.get("patterns") or ()),
                abnormal=merged.get("abnormal") is not False,
                labels={set_name: tuple(labels) for set_name, labels in membership.get(merged["name"], {}).items()},
            )
            for merged in fields.values()
        ]
        if version is None:
            version = "+".join(record_file.version or source for record_file, source in files)
        return cls(entries, label_sets, version)

    def _add_term(self, term: str, category: str) -> None:
        for variant in term_variants(term):
            self._index[variant] = category

    def __iter__(self) -> Iterator[KnowledgeEntry]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and self.lookup(text) is not None

    def __getitem__(self, name: str) -> KnowledgeEntry:
        """The entry that `name` (a name, synonym, label or plural) resolves to; raises KeyError if none."""
        entry = self.lookup(name)
        if entry is None:
            raise KeyError(f"{name!r} is not a category, synonym or label of knowledge dictionary {self.version}")
        return entry

    def lookup(self, text: str) -> KnowledgeEntry | None:
        """The entry for a category name, synonym, label-set label or their plural (case-insensitive)."""
        category = self._index.get(normalize_term(text))
        return None if category is None else self._entries[category]

    def prompt(self, name: str) -> str:
        """`"<category>. <description>"` for the entry `name` resolves to; raises KeyError if unknown."""
        return self[name].prompt

    def terms(self) -> dict[str, str]:
        """Every normalized term the dictionary recognises (with plural forms) -> its category name."""
        return dict(self._index)

    @property
    def label_set_names(self) -> tuple[str, ...]:
        """Names of the label sets, e.g. `chestxray14`, `vindr`, `rsna`, `chexpert`."""
        return tuple(self._label_sets)

    def label_set(self, name: str) -> dict[str, tuple[str, ...]]:
        """Label -> categories counting toward it, in the set's label order; raises KeyError if unknown."""
        if name not in self._label_sets:
            raise KeyError(f"unknown label set {name!r}; known: {', '.join(self._label_sets)}")
        return dict(self._label_sets[name])

    def texts(self) -> Iterator[str]:
        """Every name, synonym and description, e.g. as a corpus for training a tokenizer."""
        for entry in self:
            yield entry.name
            yield from entry.synonyms
            yield entry.description


def read_dictionary_file(path: str | os.PathLike) -> DictionaryFile:
    """Parse one dictionary file; errors name the file."""
    path = Path(path)
    try:
        return DictionaryFile.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError, ValidationError) as error:
        raise ValueError(f"cannot read knowledge dictionary {path}: {error}") from error


def _file_version(record_file: DictionaryFile, path: Path) -> str:
    if record_file.version:
        return f"{path.stem}-{record_file.version}"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return f"{path.stem}-{digest}"


def load_knowledge_dictionary(
    path: str | os.PathLike | None = None, extra_paths: Iterable[str | os.PathLike] = ()
) -> KnowledgeDictionary:
    """The dictionary from `path` (default: the packaged file), extended/overridden by `extra_paths` in order.

    The version is the base file's version, followed by `+<file stem>-<version or content hash>` for
    each extra file, so anything derived from the dictionary can record exactly what it used.
    """
    if path is None:
        with resources.as_file(resources.files("processing.knowledge") / DEFAULT_DICTIONARY_FILE) as default:
            base = read_dictionary_file(default)
        files = [(base, "medfilip")]
        versions = [base.version or "medfilip"]
    else:
        base_path = Path(path)
        base = read_dictionary_file(base_path)
        files = [(base, str(base_path))]
        versions = [base.version or _file_version(base, base_path)]
    for extra in extra_paths:
        extra_path = Path(extra)
        record_file = read_dictionary_file(extra_path)
        files.append((record_file, str(extra_path)))
        versions.append(_file_version(record_file, extra_path))
    return KnowledgeDictionary.from_records(files, version="+".join(versions))
