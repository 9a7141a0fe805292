"""Where MedFILIP finds local data: the `MEDFILIP_DATA_DIR` environment variable."""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "MEDFILIP_DATA_DIR"


def data_root(default: str | os.PathLike | None = None) -> Path:
    """The data root from `MEDFILIP_DATA_DIR`, else `default`; raises if neither names a directory."""
    value = os.environ.get(DATA_DIR_ENV) or default
    if value is None:
        raise FileNotFoundError(
            f"no data directory: set {DATA_DIR_ENV} to the folder holding the datasets "
            "(e.g. kermany_pneumonia/, covid_ieee8023/, nih1000/)"
        )
    path = Path(value).expanduser()
    if not path.is_dir():
        raise FileNotFoundError(f"data directory {path} (from {DATA_DIR_ENV} or default) does not exist")
    return path
