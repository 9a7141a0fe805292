"""DICOM header fields read without decoding the pixels (the image itself is decoded by `images.encode_image`)."""

from __future__ import annotations

from pathlib import Path

import pydicom
from pydicom.errors import InvalidDicomError


def view_position(path: Path) -> str | None:
    """The `ViewPosition` (PA, AP, LL, ...) of a DICOM file, or None when absent, empty or unreadable."""
    try:
        header = pydicom.dcmread(path, stop_before_pixels=True, specific_tags=["ViewPosition"])
    except (OSError, InvalidDicomError, ValueError):
        return None
    value = str(header.get("ViewPosition", "") or "").strip()
    return value or None
