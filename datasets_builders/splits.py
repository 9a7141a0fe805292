"""Patient-level splits: a patient's images all land in one split, chosen by a seeded hash of the patient id.

The hash makes the assignment independent of row order and of which other patients are present, so
it can be done while streaming, and the same patient gets the same split in every build with the
same seed. Split sizes follow the fractions in expectation, not exactly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

_HASH_DIGITS = 15


def split_for_patient(patient_id: str, fractions: Mapping[str, float], seed: int = 0) -> str:
    """The split of `patient_id` among `fractions` (split name -> fraction, summing to 1), in order."""
    total = sum(fractions.values())
    if not fractions or abs(total - 1.0) > 1e-6 or min(fractions.values()) < 0:
        raise ValueError(f"split fractions must be non-negative and sum to 1, got {dict(fractions)}")
    digest = hashlib.sha256(f"{seed}:{patient_id}".encode()).hexdigest()[:_HASH_DIGITS]
    position = int(digest, 16) / 16**_HASH_DIGITS
    cumulative = 0.0
    name = next(iter(fractions))
    for name, fraction in fractions.items():
        cumulative += fraction
        if position < cumulative:
            return name
    return name
