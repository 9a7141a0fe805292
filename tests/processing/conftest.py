"""Fixtures shared by the report and knowledge tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def dictionary():
    """The packaged knowledge dictionary."""
    from processing.knowledge import load_knowledge_dictionary

    return load_knowledge_dictionary()
