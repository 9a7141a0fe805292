"""Image files for synthetic release layouts, made from the real images of the data root at test time."""

from __future__ import annotations

import copy
import csv
from pathlib import Path

import numpy as np
import pydicom
from PIL import Image

RSNA_SAMPLE = "1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819.dcm"


def real_pixels(data_root: Path, count: int) -> list[np.ndarray]:
    """`count` real 64x64 8-bit chest X-rays (NIH ChestX-ray14 sample, train list order)."""
    with (data_root / "nih1000" / "train.csv").open(newline="") as handle:
        names = [row["image"] for _, row in zip(range(count), csv.DictReader(handle), strict=False)]
    return [np.asarray(Image.open(data_root / "nih1000" / name).convert("L")) for name in names]


def dicom_template(data_root: Path) -> pydicom.Dataset:
    """The real RSNA sample DICOM, decompressed, to be given other pixels and ids."""
    dataset = pydicom.dcmread(data_root / "image_samples" / RSNA_SAMPLE)
    dataset.decompress()
    return dataset


def write_dicom(template: pydicom.Dataset, pixels: np.ndarray, path: Path, patient_id: str, view: str | None) -> None:
    """Save `pixels` (uint8 HxW) as an uncompressed DICOM at `path` with the given patient id and view."""
    dataset = copy.deepcopy(template)
    dataset.Rows, dataset.Columns = pixels.shape
    dataset.PixelData = np.ascontiguousarray(pixels, dtype=np.uint8).tobytes()
    dataset.PatientID = patient_id
    if view is None:
        del dataset.ViewPosition
    else:
        dataset.ViewPosition = view
    path.parent.mkdir(parents=True, exist_ok=True)
    dataset.save_as(path)
