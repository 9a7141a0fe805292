"""Reading a release's tables and files by id: CSV rows (plain or gzipped) streamed or grouped, ids checked.

Release tables may list one image on several rows (one per box or per reader) in any order; `grouped_rows`
gathers them by id in one streamed pass, keeping only the rows (never the images). Ids taken from a table
become file names, so `safe_id` accepts only plain names (letters, digits, `.`, `_`, `-`; no path parts).
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def safe_id(value: str | None) -> str | None:
    """`value` stripped if it is a plain file-name-safe id, else None."""
    value = (value or "").strip()
    return value if _SAFE_ID.match(value) and ".." not in value else None


def first_existing(folder: Path, names: Iterable[str]) -> Path | None:
    """The first of `names` that is a file in `folder`, or None."""
    for name in names:
        if (folder / name).is_file():
            return folder / name
    return None


def read_table(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row with stripped values) for each row of a CSV or `.csv.gz` file, streamed.

    Raises ValueError naming the file when it is not valid gzip or UTF-8 CSV.
    """
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as handle:
            for line, row in enumerate(csv.DictReader(handle), start=2):
                yield line, {key: (value or "").strip() for key, value in row.items() if key is not None}
    except (OSError, EOFError, UnicodeDecodeError, csv.Error) as error:
        raise ValueError(f"{path}: cannot read the table ({error})") from error


def grouped_rows(path: Path, key: str) -> dict[str, list[tuple[int, dict[str, str]]]]:
    """Rows of `path` grouped by their `key` column (stripped), in order of first appearance.

    Rows with an empty key are grouped under "" so that the caller can report them.
    """
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for line, row in read_table(path):
        groups.setdefault(row.get(key, ""), []).append((line, row))
    return groups
