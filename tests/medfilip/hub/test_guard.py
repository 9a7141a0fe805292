"""The report-text guard (datasets built with report text, findings files with evidence) and the secrets scan."""

from __future__ import annotations

import json
import shutil

import pytest

from medfilip.cli import main
from medfilip.hub.guard import check_secrets, find_report_text
from medfilip.hub.selection import UploadRefused


@pytest.fixture(scope="module")
def covid_builds(data_root, tmp_path_factory):
    """The real COVID-19 notes collection built twice (20 rows a split): with and without report text."""
    from datasets_builders.build import build_dataset

    root = tmp_path_factory.mktemp("covid")
    for name, keep in (("with_text", True), ("without_text", False)):
        build_dataset("covid-pretraining", root / name, data_dir=data_root / "covid_ieee8023",
                      keep_report_text=keep, max_rows=20)  # fmt: skip
    return root


@pytest.fixture(scope="module")
def findings_file(data_root, tmp_path_factory):
    """`medfilip extract` output (findings with their `evidence` sentences) for five Open-i reports."""
    root = tmp_path_factory.mktemp("findings")
    with open(data_root / "openi_reports" / "reports.jsonl") as handle:
        (root / "reports.jsonl").write_text("".join(next(handle) for _ in range(5)))
    assert main(["extract", str(root / "reports.jsonl"), "-o", str(root / "findings.jsonl"), "--no-progress"]) == 0
    records = [json.loads(line) for line in (root / "findings.jsonl").read_text().splitlines()]
    assert any(finding["evidence"] for record in records for finding in record["findings"])
    return root / "findings.jsonl"


def _push_dataset(folder, tmp_path, *extra):
    return main(
        ["push", "--dataset", str(folder), "--repo-id", "org/covid", "--dry-run", str(tmp_path / "out"), *extra]
    )


def test_dataset_with_report_text_is_refused_then_accepted_with_the_flag(covid_builds, tmp_path, capsys):
    found = find_report_text(covid_builds / "with_text")
    assert any("report text columns report_sections" in line for line in found)
    assert any("keeps the `evidence` sentence" in line for line in found)
    assert _push_dataset(covid_builds / "with_text", tmp_path) == 2
    error = capsys.readouterr().err
    assert "raw report text" in error and "PhysioNet" in error and "--include-report-text" in error
    assert not (tmp_path / "out").exists()
    assert _push_dataset(covid_builds / "with_text", tmp_path, "--include-report-text") == 0
    assert "including report text" in capsys.readouterr().out
    assert (tmp_path / "out" / "train" / "dataset_info.json").is_file()


def test_dataset_without_report_text_passes(covid_builds):
    assert find_report_text(covid_builds / "without_text") == []


def test_findings_file_with_evidence_in_the_model_folder_is_refused(trained_model_dir, findings_file, tmp_path, capsys):
    folder = tmp_path / "model"
    shutil.copytree(trained_model_dir, folder)
    shutil.copy(findings_file, folder / "findings.jsonl")
    argv = ["push", "--model", str(folder), "--repo-id", "org/m", "--dry-run", str(tmp_path / "out")]
    assert main(argv) == 2
    assert "findings.jsonl holds report text" in capsys.readouterr().err
    assert main([*argv, "--include-report-text"]) == 0
    assert not (tmp_path / "out" / "findings.jsonl").exists()  # still not a published file


def test_secrets_refused_without_showing_them(trained_model_dir, tmp_path, monkeypatch):
    folder = tmp_path / "upload"
    shutil.copytree(trained_model_dir, folder)
    key = "my-own-key-" + "7" * 24
    monkeypatch.setenv("OPENAI_API_KEY", key)
    check_secrets(folder)  # nothing yet
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "extraction_client": key}))
    (folder / "notes.md").write_text("token hf_" + "a1B2" * 9)
    with pytest.raises(UploadRefused) as refused:
        check_secrets(folder)
    message = str(refused.value)
    assert "config.json: OPENAI_API_KEY" in message and "notes.md: a Hugging Face token" in message
    assert key not in message and "a1B2" not in message
