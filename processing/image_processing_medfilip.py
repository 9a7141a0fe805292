"""Image processor for chest X-rays: decode (PNG/JPEG/16-bit/DICOM), resize, normalize, 3 channels.

PIL/NumPy backend: no torchvision needed. Every input is first decoded to a float grayscale image in
[0, 1] (see `image_loading`), then resized to `size` — squashed to the square by default, as the paper
does, or with `resize_mode="pad"` scaled to fit and padded with black — repeated to 3 channels and
normalized with `image_mean` / `image_std`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image
from transformers.image_processing_backends import PilBackend
from transformers.image_processing_utils import BatchFeature
from transformers.image_utils import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD, PILImageResampling
from transformers.processing_utils import ImagesKwargs

from .image_loading import load_grayscale

RESIZE_MODES = ("squash", "pad")


class MedFILIPImageProcessorKwargs(ImagesKwargs, total=False):
    """Keyword arguments of `MedFILIPImageProcessor` beyond the standard image-processor ones."""

    resize_mode: str


class MedFILIPImageProcessor(PilBackend):
    """Turns chest X-rays of any common storage format into normalized 3-channel `pixel_values`."""

    valid_kwargs = MedFILIPImageProcessorKwargs
    model_input_names = ["pixel_values"]
    resample = PILImageResampling.BICUBIC
    size = {"height": 448, "width": 448}
    resize_mode = "squash"
    image_mean = IMAGENET_DEFAULT_MEAN
    image_std = IMAGENET_DEFAULT_STD
    do_resize = True
    do_rescale = False
    do_normalize = True
    do_convert_rgb = False

    def fetch_images(self, image_url_or_urls: Any) -> Any:
        """Inputs are decoded later by `load_grayscale` (paths, URLs and DICOM included), so pass them through."""
        return image_url_or_urls

    def _prepare_images_structure(self, images: Any, expected_ndims: int = 3) -> list[np.ndarray]:
        """Decode each input (path, URL, bytes, PIL, array, tensor) to a 2-D float array in [0, 1]."""
        if _is_single_image(images):
            images = [images]
        return [load_grayscale(image) for image in images]

    def _preprocess(
        self,
        images: list[np.ndarray],
        do_resize: bool,
        size,
        resample,
        do_normalize: bool,
        image_mean,
        image_std,
        return_tensors=None,
        resize_mode: str | None = None,
        **kwargs,
    ) -> BatchFeature:
        resize_mode = resize_mode or self.resize_mode
        if resize_mode not in RESIZE_MODES:
            raise ValueError(f"resize_mode must be one of {RESIZE_MODES}, got {resize_mode!r}")
        resample = PILImageResampling(resample if resample is not None else self.resample)
        processed = []
        for image in images:
            gray = image[0] if image.ndim == 3 else image
            if do_resize:
                gray = _resize(gray, (size.height, size.width), resample, pad=resize_mode == "pad")
            pixels = np.repeat(gray[None].astype(np.float32), 3, axis=0)
            if do_normalize:
                mean = np.asarray(image_mean, dtype=np.float32).reshape(-1, 1, 1)
                std = np.asarray(image_std, dtype=np.float32).reshape(-1, 1, 1)
                pixels = (pixels - mean) / std
            processed.append(pixels)
        return BatchFeature(data={"pixel_values": processed}, tensor_type=return_tensors)


def _is_single_image(images: Any) -> bool:
    if isinstance(images, (list, tuple)):
        return False
    if isinstance(images, np.ndarray) or hasattr(images, "detach"):
        return images.ndim < 4
    return True


def _resize(gray: np.ndarray, target_hw: tuple[int, int], resample: PILImageResampling, pad: bool) -> np.ndarray:
    """Resize a float image with PIL's 32-bit float mode (no 8-bit round trip); optionally letterbox."""
    target_h, target_w = target_hw
    height, width = gray.shape
    if pad:
        scale = min(target_h / height, target_w / width)
        new_h, new_w = max(1, round(height * scale)), max(1, round(width * scale))
    else:
        new_h, new_w = target_h, target_w
    resized = Image.fromarray(np.ascontiguousarray(gray, dtype=np.float32), mode="F").resize(
        (new_w, new_h), resample=Image.Resampling(int(resample))
    )
    out = np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)
    if not pad:
        return out
    canvas = np.zeros((target_h, target_w), dtype=np.float32)
    top, left = (target_h - new_h) // 2, (target_w - new_w) // 2
    canvas[top : top + new_h, left : left + new_w] = out
    return canvas


__all__ = ["MedFILIPImageProcessor"]
