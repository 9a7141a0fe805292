from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from datasets import load_from_disk
from huggingface_hub import DatasetCard

from medfilip.cli import main


@pytest.fixture
def kermany_small(data_root: Path, tmp_path: Path) -> Path:
    target = tmp_path / "kermany"
    for label in ("NORMAL", "PNEUMONIA"):
        (target / "test" / label).mkdir(parents=True)
        for path in sorted((data_root / "kermany_pneumonia" / "train" / label).iterdir())[:6]:
            shutil.copy(path, target / "test" / label / path.name)
    (target / "test" / "PNEUMONIA" / "person1_virus_9.jpeg").write_bytes(b"damaged")
    return target


def test_build_dataset_saves_embedded_images_a_card_and_a_summary(
    kermany_small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "out"
    assert main(["build-dataset", "kermany", "--data-dir", str(kermany_small), "--output", str(output)]) == 0
    printed = capsys.readouterr().out
    assert "test: 12 rows" in printed and "label: NORMAL 6, PNEUMONIA 6" in printed
    assert "1 x unreadable image" in printed and "test/PNEUMONIA/person1_virus_9.jpeg" in printed

    shutil.rmtree(kermany_small)
    dataset = load_from_disk(str(output))
    assert dataset["test"].num_rows == 12
    assert dataset["test"][0]["image"].size == (224, 224)

    card = DatasetCard.load(output / "README.md")
    assert card.data.license == "other"
    assert "CC BY 4.0" in card.text and "patient data" in card.text.lower() and "`PNEUMONIA` -> pneumonia" in card.text
    summary = json.loads((output / "build_summary.json").read_text())
    assert summary["rows"] == {"test": 12}
    assert summary["skipped"][0]["source"] == "test/PNEUMONIA/person1_virus_9.jpeg"

    assert main(["build-dataset", "kermany", "--data-dir", str(tmp_path), "--output", str(output)]) == 2
    assert "not empty" in capsys.readouterr().out


def test_pretraining_build_from_the_data_root_keeps_no_report_text(
    data_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "covid"
    assert main(["build-dataset", "covid-pretraining", "--output", str(output), "--max-rows", "15"]) == 0
    assert "skipped:" in capsys.readouterr().out
    dataset = load_from_disk(str(output))
    assert "report_sections" not in dataset["train"].column_names
    card = (output / "README.md").read_text()
    assert "offline rule extractor" in card and "not kept" in card
    evidence = [f["evidence"] for split in dataset for fs in dataset[split]["findings"] for f in fs]
    assert evidence and all(value is None for value in evidence)


def test_unknown_dataset_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build-dataset", "no-such-set", "--output", str(tmp_path / "x")]) == 2
    assert "unknown dataset 'no-such-set'" in capsys.readouterr().out
