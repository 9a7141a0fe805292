"""Chest X-ray decoding: any supported input becomes one float32 grayscale array in [0, 1].

Intensity contract (the same for every source, so a film looks alike however it was stored):
- 8-bit data (PIL modes L/P/RGB/RGBA/LA/1, uint8 arrays) is divided by 255, unchanged otherwise;
- deeper integer data (16-bit PNG/TIFF, uint16/int arrays) is stretched from its own minimum to maximum;
- float data already inside [0, 1] is kept, other float data is stretched like deep integers;
- DICOM gets the modality LUT (rescale slope/intercept), then the VOI LUT or window centre/width when
  the file has one, then MONOCHROME1 is inverted so that bone is bright, then the stretch above.
Colour inputs are converted to luminance; alpha is dropped.
"""

from __future__ import annotations

import io
import os
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

DICOM_SUFFIXES = {".dcm", ".dicom", ".dic"}


class ImageLoadError(ValueError):
    """An input that cannot be decoded as an image; the message names the file or the input."""


def load_grayscale(image: Any) -> np.ndarray:
    """Decode `image` (path, URL, bytes, PIL image, numpy array or torch tensor) to a float32 HxW array in [0, 1]."""
    if isinstance(image, (str, os.PathLike)):
        return _load_source(str(image))
    if isinstance(image, (bytes, bytearray)):
        return _decode_bytes(bytes(image), name="<bytes>")
    if isinstance(image, Image.Image):
        return _from_pil(image, name=f"<PIL image mode {image.mode}>")
    if hasattr(image, "detach") and hasattr(image, "cpu"):  # torch.Tensor without importing torch here
        image = image.detach().cpu().numpy()
    if isinstance(image, np.ndarray):
        return _from_array(image, name=f"<array {image.dtype} {tuple(image.shape)}>")
    raise ImageLoadError(
        f"unsupported image input of type {type(image).__name__}: pass a file path, PIL image, numpy array or tensor"
    )


def is_dicom(data: bytes, name: str = "") -> bool:
    """True when `name` has a DICOM suffix or `data` carries the DICM marker of a Part 10 file."""
    return Path(name).suffix.lower() in DICOM_SUFFIXES or data[128:132] == b"DICM"


def _load_source(source: str) -> np.ndarray:
    if source.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(source, timeout=60) as response:  # noqa: S310 (user-given URL)
                data = response.read()
        except OSError as err:
            raise ImageLoadError(f"{source}: could not download the image ({err})") from err
        return _decode_bytes(data, name=source)
    path = Path(source).expanduser()
    if not path.is_file():
        raise ImageLoadError(f"{path}: no such image file")
    data = path.read_bytes()
    if not data:
        raise ImageLoadError(f"{path}: the file is empty")
    return _decode_bytes(data, name=str(path))


def _decode_bytes(data: bytes, name: str) -> np.ndarray:
    if not data:
        raise ImageLoadError(f"{name}: the file is empty")
    if is_dicom(data, name):
        return _from_dicom(data, name)
    try:
        with Image.open(io.BytesIO(data)) as pil_image:
            pil_image.load()
            return _from_pil(pil_image, name)
    except UnidentifiedImageError as err:
        raise ImageLoadError(f"{name}: not a readable image file (unknown or corrupt format)") from err
    except (OSError, SyntaxError, ValueError) as err:
        if isinstance(err, ImageLoadError):
            raise
        raise ImageLoadError(f"{name}: corrupt or truncated image ({err})") from err


def _from_pil(pil_image: Image.Image, name: str) -> np.ndarray:
    pil_image = ImageOps.exif_transpose(pil_image)
    mode = pil_image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        return _from_array(np.asarray(pil_image), name)
    if mode == "F":
        return _from_array(np.asarray(pil_image, dtype=np.float32), name)
    if mode != "L":
        if mode in ("RGBA", "LA", "PA", "P", "CMYK", "YCbCr", "LAB", "HSV"):
            pil_image = pil_image.convert("RGB")
        pil_image = pil_image.convert("L")
    return np.asarray(pil_image, dtype=np.float32) / 255.0


def _from_array(array: np.ndarray, name: str) -> np.ndarray:
    array = np.squeeze(array) if array.ndim == 3 and 1 in (array.shape[0], array.shape[-1]) else array
    if array.ndim == 3:
        channels_first = array.shape[0] in (3, 4) and array.shape[-1] not in (3, 4)
        rgb = array[:3] if channels_first else array[..., :3]
        weights = np.array([0.299, 0.587, 0.114], dtype=np.float64)
        array = np.tensordot(weights, rgb, axes=([0], [0])) if channels_first else rgb @ weights
        array = array.astype(np.float32) if np.issubdtype(rgb.dtype, np.floating) else array.astype(rgb.dtype)
    if array.ndim != 2:
        raise ImageLoadError(
            f"{name}: expected a 2-D grayscale or HxWxC / CxHxW colour image, got shape {tuple(array.shape)}"
        )
    if array.size == 0:
        raise ImageLoadError(f"{name}: the image has no pixels")
    if array.dtype == np.uint8:
        return array.astype(np.float32) / 255.0
    if array.dtype == np.bool_:
        return array.astype(np.float32)
    values = array.astype(np.float32)
    if not np.isfinite(values).all():
        raise ImageLoadError(f"{name}: the image holds NaN or infinite values")
    if np.issubdtype(array.dtype, np.floating) and values.min() >= 0.0 and values.max() <= 1.0:
        return values
    return _stretch(values)


def _stretch(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    if high <= low:
        return np.zeros_like(values, dtype=np.float32)
    return ((values - low) / (high - low)).astype(np.float32)


def _from_dicom(data: bytes, name: str) -> np.ndarray:
    try:
        import pydicom
        from pydicom.pixels import apply_modality_lut, apply_voi_lut
    except ImportError as err:  # pragma: no cover - pydicom is a core dependency
        raise ImageLoadError(f"{name}: reading DICOM needs pydicom (pip install pydicom)") from err
    try:
        dataset = pydicom.dcmread(io.BytesIO(data), force=True)
        pixels = dataset.pixel_array
    except Exception as err:  # pydicom raises many unrelated types for broken files
        raise ImageLoadError(f"{name}: not a readable DICOM image ({err})") from err
    if pixels.ndim == 3 and int(dataset.get("NumberOfFrames", 1) or 1) > 1:
        pixels = pixels[0]
    if pixels.ndim != 2:
        raise ImageLoadError(f"{name}: expected a single-frame grayscale DICOM, got shape {tuple(pixels.shape)}")
    values = apply_modality_lut(pixels, dataset)
    if "VOILUTSequence" in dataset or "WindowCenter" in dataset:
        values = apply_voi_lut(values, dataset, prefer_lut=True)
    values = _stretch(np.asarray(values, dtype=np.float32))
    if str(dataset.get("PhotometricInterpretation", "MONOCHROME2")).upper() == "MONOCHROME1":
        values = 1.0 - values
    return values
