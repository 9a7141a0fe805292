"""The finding record: one schema for every extractor, dataset and cache."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Presence = Literal["present", "absent", "uncertain"]
NO_FINDING = "no finding"


class Finding(BaseModel):
    """One finding of a report: what, how (severity), where (location), whether (presence), and from which text."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    category: str = Field(min_length=1, description="normalized finding name from the vocabulary, lower case")
    severity: str | None = Field(
        default=None, description="grade, time course, pattern or certainty words, e.g. 'small', 'new', 'patchy'"
    )
    location: str | None = Field(default=None, description="anatomical location, e.g. 'left lower lobe'")
    presence: Presence = Field(default="present", description="present, absent (negated) or uncertain")
    evidence: str | None = Field(default=None, description="the report sentence or span the finding came from")

    @field_validator("category")
    @classmethod
    def _normalize_category(cls, value: str) -> str:
        value = " ".join(value.lower().split())
        if not value:
            raise ValueError("category is empty")
        return value

    @field_validator("severity", "location")
    @classmethod
    def _normalize_modifier(cls, value: str | None) -> str | None:
        return " ".join(value.lower().split()) or None if value is not None else None

    @field_validator("evidence")
    @classmethod
    def _normalize_evidence(cls, value: str | None) -> str | None:
        return " ".join(value.split()) or None if value is not None else None
