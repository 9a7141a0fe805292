from __future__ import annotations

import csv
import json
from pathlib import Path

from datasets_builders.manifest import PairedManifest

from .conftest import column, run_builder


def test_csv_manifest_one_example_per_image_and_damaged_records(data_root: Path, tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    (folder / "images").mkdir(parents=True)
    with (data_root / "nih1000" / "train.csv").open(newline="") as handle:
        rows = [row for _, row in zip(range(6), csv.DictReader(handle), strict=False)]
    for row in rows:
        (folder / "images" / Path(row["image"]).name).write_bytes((data_root / "nih1000" / row["image"]).read_bytes())
    names = [Path(row["image"]).stem for row in rows]
    manifest = [
        {
            "id": "r1",
            "patient_id": "p1",
            "images": f"{names[0]}|images/{names[1]}.png",
            "impression": "Small left effusion.",
        },
        {"id": "r2", "patient_id": "p2", "images": names[2], "findings": "No pneumothorax.", "impression": ""},
        {"id": "r3", "patient_id": "", "images": names[3], "impression": "Cardiomegaly."},
        {"id": "r4", "patient_id": "p4", "images": "missing-film", "impression": "Cardiomegaly."},
        {"id": "r5", "patient_id": "p5", "images": names[4], "impression": ""},
    ]
    with (folder / "manifest.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "patient_id", "images", "findings", "impression"])
        writer.writeheader()
        writer.writerows(manifest)
    dataset, builder = run_builder(
        PairedManifest, folder, tmp_path / "cache", test_fraction=0.0, validation_fraction=0.0
    )
    assert sorted(column(dataset["train"], "study_id")) == ["r1", "r1", "r2"]
    by_study = {
        s: f for s, f in zip(column(dataset["train"], "study_id"), column(dataset["train"], "findings"), strict=True)
    }
    assert [(f["category"], f["severity"], f["location"], f["presence"]) for f in by_study["r1"]] == [
        ("pleural effusion", "small", "left", "present")
    ]
    assert {f["category"]: f["presence"] for f in by_study["r2"]} == {"pneumothorax": "absent", "no finding": "present"}
    reasons = {entry.source.split("(")[-1].rstrip(")"): entry.reason for entry in builder.skips}
    assert reasons == {
        "r3": "missing or invalid patient id",
        "r4": f"image not found: {folder / 'missing-film'}",
        "r5": "empty report",
    }


def test_openi_reports_without_images_give_text_only_examples(data_root: Path, tmp_path: Path) -> None:
    folder = data_root / "openi_reports"
    records = [json.loads(line) for line in (folder / "reports.jsonl").read_text().splitlines() if line.strip()]
    with_text = [
        r
        for r in records
        if any((r.get(k) or "").strip() for k in ("indication", "comparison", "findings", "impression"))
    ]
    strict, strict_builder = run_builder(PairedManifest, folder, tmp_path / "strict", max_rows=50)
    assert sum(strict.num_rows.values()) == 0
    assert all(entry.reason.startswith(("image not found", "no image listed")) for entry in strict_builder.skips)

    dataset, builder = run_builder(PairedManifest, folder, tmp_path / "text", require_images=False)
    assert sum(dataset.num_rows.values()) == len(with_text)
    assert len(builder.skips) == len(records) - len(with_text)
    assert all(image is None for split in dataset for image in column(dataset[split], "image"))
    stored = json.dumps([column(dataset[split], "findings") + column(dataset[split], "captions") for split in dataset])
    assert "XXXX" not in stored
