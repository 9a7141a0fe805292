from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from processing.image_loading import ImageLoadError
from processing.image_processing_medfilip import MedFILIPImageProcessor

MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def _processor(**kwargs) -> MedFILIPImageProcessor:
    return MedFILIPImageProcessor(size={"height": 32, "width": 32}, **kwargs)


def test_constant_image_is_normalized_per_channel():
    pixels = _processor()(np.full((50, 70), 0.5, dtype=np.float32), return_tensors="pt")["pixel_values"]
    assert pixels.shape == (1, 3, 32, 32) and pixels.dtype == torch.float32
    expected = torch.from_numpy((0.5 - MEAN) / STD).view(1, 3, 1, 1).expand(1, 3, 32, 32)
    torch.testing.assert_close(pixels, expected)


def test_squash_matches_pil_float_resize():
    ramp = np.tile(np.linspace(0, 1, 100, dtype=np.float32), (40, 1))
    pixels = _processor(do_normalize=False)(ramp, return_tensors="np")["pixel_values"][0]
    expected = np.asarray(Image.fromarray(ramp, mode="F").resize((32, 32), Image.Resampling.BICUBIC))
    np.testing.assert_allclose(pixels[0], np.clip(expected, 0, 1), atol=1e-6)
    np.testing.assert_array_equal(pixels[0], pixels[2])


def test_pad_mode_letterboxes_with_black():
    wide = np.ones((20, 80), dtype=np.float32)  # 4:1 -> 32x8 content, 12 rows of padding above and below
    pixels = _processor(do_normalize=False, resize_mode="pad")(wide, return_tensors="np")["pixel_values"][0, 0]
    np.testing.assert_array_equal(pixels[:12], 0.0)
    np.testing.assert_array_equal(pixels[20:], 0.0)
    np.testing.assert_allclose(pixels[12:20], 1.0, atol=1e-6)
    with pytest.raises(ValueError, match="resize_mode"):
        _processor(resize_mode="crop")(wide)


def test_mixed_batch_of_real_files(image_samples):
    processor = _processor()
    batch = processor([str(p) for p in image_samples], return_tensors="pt")["pixel_values"]
    assert batch.shape == (len(image_samples), 3, 32, 32)
    for index, path in enumerate(image_samples):
        single = processor(path, return_tensors="pt")["pixel_values"][0]
        torch.testing.assert_close(batch[index], single)


def test_save_and_load_keep_settings(tmp_path):
    processor = _processor(resize_mode="pad", image_mean=[0.5, 0.5, 0.5], image_std=[0.25, 0.25, 0.25])
    processor.save_pretrained(tmp_path)
    loaded = MedFILIPImageProcessor.from_pretrained(tmp_path)
    assert loaded.resize_mode == "pad" and tuple(loaded.image_mean) == (0.5, 0.5, 0.5)
    image = np.random.default_rng(0).random((40, 30)).astype(np.float32)
    np.testing.assert_array_equal(processor(image)["pixel_values"][0], loaded(image)["pixel_values"][0])


def test_bad_file_in_a_batch_names_it(image_samples, tmp_path):
    bad = tmp_path / "report.png"
    bad.write_text("not an image")
    with pytest.raises(ImageLoadError, match="report.png"):
        _processor()([image_samples[0], bad])
