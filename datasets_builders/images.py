"""Image files to the bytes stored in a dataset's `Image()` column, validated by the project's decoder.

PNG and JPEG files are stored as they are (after a full decode proves them readable). DICOM files,
which `datasets.Image()` cannot decode, are decoded by `processing.image_loading.load_grayscale`
(modality LUT, VOI window, MONOCHROME1 inversion) and stored as 16-bit grayscale PNG, so no
intensity resolution of the windowed image is lost and the column decodes to PIL mode `I;16`.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from processing.image_loading import ImageLoadError, is_dicom, load_grayscale

_UINT16_MAX = 65535


def encode_image(path: Path) -> dict[str, bytes | str]:
    """`{"bytes", "path"}` for an `Image()` column; raises `ImageLoadError` naming `path` if unreadable."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImageLoadError(f"{path}: cannot read the file ({error.strerror or error})") from error
    pixels = load_grayscale(path)
    if is_dicom(data, path.name):
        return {"bytes": grayscale_png_bytes(pixels), "path": f"{path.stem}.png"}
    return {"bytes": data, "path": path.name}


def grayscale_png_bytes(pixels: np.ndarray) -> bytes:
    """A float array in [0, 1] as 16-bit grayscale PNG bytes."""
    values = np.clip(np.asarray(pixels, dtype=np.float64), 0.0, 1.0)
    image = Image.fromarray((values * _UINT16_MAX).round().astype(np.uint16))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


__all__ = ["ImageLoadError", "encode_image", "grayscale_png_bytes"]
