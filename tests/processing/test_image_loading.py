from __future__ import annotations

import numpy as np
import pydicom
import pytest
import torch
from PIL import Image

from processing.image_loading import ImageLoadError, load_grayscale

RSNA_DICOM = "1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819.dcm"
MONOCHROME1_DICOM = "Fake_MONOHR1.dcm"


def _stretch(values: np.ndarray) -> np.ndarray:
    values = values.astype(np.float64)
    return (values - values.min()) / (values.max() - values.min())


def test_every_sample_decodes_to_unit_range_grayscale(image_samples):
    for path in image_samples:
        image = load_grayscale(path)
        assert image.dtype == np.float32 and image.ndim == 2, path.name
        assert 0.0 <= image.min() and image.max() <= 1.0, path.name
        assert image.std() > 0.05, f"{path.name} decoded to a nearly flat image"


def test_eight_bit_png_is_divided_by_255(image_samples):
    path = next(p for p in image_samples if p.name == "00000001_000.png")
    expected = np.asarray(Image.open(path).convert("L"), dtype=np.float32) / 255.0
    np.testing.assert_array_equal(load_grayscale(path), expected)
    np.testing.assert_array_equal(load_grayscale(str(path)), expected)
    np.testing.assert_array_equal(load_grayscale(path.read_bytes()), expected)


def test_rgb_jpeg_becomes_luminance(image_samples):
    path = next(p for p in image_samples if p.suffix == ".jpg")
    expected = np.asarray(Image.open(path).convert("L"), dtype=np.float32) / 255.0
    np.testing.assert_allclose(load_grayscale(path), expected, atol=1 / 255)


def test_monochrome1_is_inverted_so_bone_is_bright(image_samples):
    by_name = {p.name: p for p in image_samples}
    assert pydicom.dcmread(by_name[MONOCHROME1_DICOM]).PhotometricInterpretation == "MONOCHROME1"
    assert pydicom.dcmread(by_name[RSNA_DICOM]).PhotometricInterpretation == "MONOCHROME2"
    normal = load_grayscale(by_name[RSNA_DICOM])
    inverted = load_grayscale(by_name[MONOCHROME1_DICOM])
    # Same stored pixels, opposite photometric interpretation: the decoded images are exact complements.
    np.testing.assert_allclose(inverted, 1.0 - normal, atol=1e-6)
    raw = pydicom.dcmread(by_name[RSNA_DICOM]).pixel_array
    np.testing.assert_allclose(normal, _stretch(raw), atol=1e-6)


def test_dicom_rescale_slope_intercept_and_window(image_samples, tmp_path):
    source = next(p for p in image_samples if p.name == RSNA_DICOM)
    dataset = pydicom.dcmread(source)
    raw = dataset.pixel_array.astype(np.uint16)
    dataset.decompress()
    dataset.BitsAllocated, dataset.BitsStored, dataset.HighBit = 16, 12, 11
    dataset.PixelData = (raw * 10).tobytes()
    dataset.RescaleSlope, dataset.RescaleIntercept = 2, -1000
    rescaled_path = tmp_path / "rescaled.dcm"
    dataset.save_as(rescaled_path)
    # A positive affine rescale does not change the stretched image.
    np.testing.assert_allclose(load_grayscale(rescaled_path), _stretch(raw), atol=1e-5)

    hu = raw.astype(np.float64) * 10 * 2 - 1000
    center, width = float(np.percentile(hu, 50)), float(np.percentile(hu, 75) - np.percentile(hu, 25))
    dataset.WindowCenter, dataset.WindowWidth = center, width
    windowed_path = tmp_path / "windowed.dcm"
    dataset.save_as(windowed_path)
    windowed = load_grayscale(windowed_path)
    below = hu <= center - 0.5 - (width - 1) / 2
    above = hu > center - 0.5 + (width - 1) / 2
    assert below.any() and above.any()
    np.testing.assert_array_equal(windowed[below], 0.0)
    np.testing.assert_array_equal(windowed[above], 1.0)


def test_sixteen_bit_png_keeps_its_depth(image_samples, tmp_path):
    eight_bit = np.asarray(Image.open(next(p for p in image_samples if p.name == "00000001_000.png")).convert("L"))
    deep = eight_bit.astype(np.uint16) * 16 + 7  # 12-bit data in a 16-bit container
    path = tmp_path / "deep.png"
    Image.fromarray(deep).save(path)
    assert Image.open(path).mode.startswith("I")
    np.testing.assert_allclose(load_grayscale(path), _stretch(deep), atol=1e-6)
    np.testing.assert_allclose(load_grayscale(deep), _stretch(deep), atol=1e-6)


def test_array_and_tensor_inputs():
    ramp = np.linspace(0, 1, 64 * 48, dtype=np.float32).reshape(64, 48)
    np.testing.assert_array_equal(load_grayscale(ramp), ramp)
    np.testing.assert_allclose(load_grayscale(ramp * 500 - 20), ramp, atol=1e-6)
    np.testing.assert_array_equal(load_grayscale(torch.from_numpy(ramp)), ramp)
    rgb = np.stack([ramp, ramp, ramp], axis=-1)
    np.testing.assert_allclose(load_grayscale(rgb), ramp, atol=1e-6)
    np.testing.assert_allclose(load_grayscale(rgb.transpose(2, 0, 1)), ramp, atol=1e-6)
    assert load_grayscale(np.zeros((8, 8), dtype=np.uint16)).max() == 0.0


def test_rgba_drops_alpha(image_samples):
    gray = Image.open(next(p for p in image_samples if p.name == "00000001_000.png")).convert("L")
    rgba = gray.convert("RGBA")
    rgba.putalpha(128)
    np.testing.assert_allclose(load_grayscale(rgba), np.asarray(gray, dtype=np.float32) / 255.0, atol=1 / 255)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.png", b"", "empty"),
        ("notes.png", b"FINDINGS: no acute cardiopulmonary process.\n" * 20, "not a readable image"),
        ("broken.dcm", b"\x00" * 128 + b"DICM" + b"\x01" * 64, "not a readable DICOM"),
    ],
)
def test_bad_files_raise_errors_naming_the_file(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImageLoadError, match=message) as info:
        load_grayscale(path)
    assert str(path) in str(info.value)


def test_truncated_png_names_the_file(image_samples, tmp_path):
    data = next(p for p in image_samples if p.name == "00000001_000.png").read_bytes()
    path = tmp_path / "truncated.png"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageLoadError, match="truncated") as info:
        load_grayscale(path)
    assert str(path) in str(info.value)


def test_missing_file_and_unsupported_type(tmp_path):
    with pytest.raises(ImageLoadError, match="no such image file"):
        load_grayscale(tmp_path / "absent.png")
    with pytest.raises(ImageLoadError, match="unsupported image input"):
        load_grayscale({"image": 1})
