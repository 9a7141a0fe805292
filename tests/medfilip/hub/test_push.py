"""Publishing through intercepted `HfApi` calls, and the dry-run folders loaded as a new user would."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from huggingface_hub import CommitInfo, DatasetCard, HfApi, ModelCard, RepoUrl

from medfilip.cli import main
from medfilip.hub.selection import select_dataset_files, select_model_files

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def hub_calls(monkeypatch):
    """Record `create_repo`, `create_branch` and `create_commit`; `upload_folder` must not be used (it globs)."""
    calls: dict[str, list] = {"create_repo": [], "create_branch": [], "create_commit": [], "upload_folder": []}

    def create_repo(self, repo_id, **kwargs):
        calls["create_repo"].append({"repo_id": repo_id, **kwargs})
        return RepoUrl(f"https://huggingface.co/{repo_id}")

    def create_branch(self, repo_id, **kwargs):
        calls["create_branch"].append({"repo_id": repo_id, **kwargs})

    def create_commit(self, repo_id, operations, **kwargs):
        cards = [Path(op.path_or_fileobj).read_text() for op in operations if op.path_in_repo == "README.md"]
        calls["create_commit"].append({"repo_id": repo_id, "files": sorted(op.path_in_repo for op in operations),
                                       "card": cards[0] if cards else None, **kwargs})  # fmt: skip
        return CommitInfo(commit_url=f"https://huggingface.co/{repo_id}/commit/abc", commit_message="",
                          commit_description="", oid="abc", pr_url=None)  # fmt: skip

    def upload_folder(self, **kwargs):
        calls["upload_folder"].append(kwargs)

    monkeypatch.setattr(HfApi, "upload_folder", upload_folder)
    monkeypatch.setattr(HfApi, "create_repo", create_repo)
    monkeypatch.setattr(HfApi, "create_branch", create_branch)
    monkeypatch.setattr(HfApi, "create_commit", create_commit)
    return calls


def test_model_push_sends_exactly_the_dry_run_folder(trained_model_dir, metrics_path, kermany_dataset_dir, tmp_path,
                                                     hub_calls, capsys):  # fmt: skip
    common = ["--model", str(trained_model_dir), "--repo-id", "org/medfilip-tiny",
              "--metrics", str(metrics_path), str(kermany_dataset_dir)]  # fmt: skip
    sys.path.insert(0, str(REPO))
    try:
        from push_to_hub import main as push_main
    finally:
        sys.path.remove(str(REPO))
    assert push_main([*common, "--revision", "v1", "--commit-message", "First model"]) == 0
    assert "published model org/medfilip-tiny (private when created)" in capsys.readouterr().out
    assert hub_calls["create_repo"] == [
        {"repo_id": "org/medfilip-tiny", "repo_type": "model", "private": True, "exist_ok": True}
    ]
    assert hub_calls["create_branch"] == [
        {"repo_id": "org/medfilip-tiny", "branch": "v1", "repo_type": "model", "exist_ok": True}
    ]
    (commit,) = hub_calls["create_commit"]
    expected = sorted(["README.md", *select_model_files(trained_model_dir).files])
    assert commit["files"] == expected
    assert commit["revision"] == "v1" and commit["commit_message"] == "First model"
    card = ModelCard(commit["card"])
    metrics = json.loads(metrics_path.read_text())
    assert [r.metric_value for r in card.data.eval_results] == [metrics[key] for key in ("accuracy", "roc_auc", "f1")]
    assert 'revision="v1"' in card.text

    assert main(["push", *common, "--dry-run", str(tmp_path / "dry")]) == 0
    assert sorted(str(p.relative_to(tmp_path / "dry")) for p in (tmp_path / "dry").rglob("*")) == expected
    assert len(hub_calls["create_commit"]) == 1  # the dry run sent nothing
    assert hub_calls["upload_folder"] == []


def test_public_flag_and_dataset_push(kermany_dataset_dir, hub_calls):
    assert main(["push", "--dataset", str(kermany_dataset_dir), "--repo-id", "org/kermany", "--public"]) == 0
    assert hub_calls["create_repo"] == [{"repo_id": "org/kermany", "repo_type": "dataset", "private": False,
                                         "exist_ok": True}]  # fmt: skip
    assert hub_calls["create_branch"] == []
    (commit,) = hub_calls["create_commit"]
    assert commit["files"] == select_dataset_files(kermany_dataset_dir).files
    assert commit["repo_type"] == "dataset"


def test_metrics_without_a_model_are_refused(kermany_dataset_dir, metrics_path, capsys):
    argv = ["push", "--dataset", str(kermany_dataset_dir), "--repo-id", "o/d", "--metrics", str(metrics_path), "x"]
    assert main(argv) == 2
    assert "--metrics applies to models only" in capsys.readouterr().err


FRESH_PROCESS_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import datasets
    from transformers import AutoModel

    model_dir, snippet, dataset_dir = sys.argv[1], sys.argv[2], sys.argv[3]
    model = AutoModel.from_pretrained(model_dir, trust_remote_code=True)
    namespace = {}
    exec(snippet, namespace)  # the card's usage snippet, pointed at the folder and a real X-ray
    hub_copy = datasets.load_dataset(dataset_dir)
    saved_copy = datasets.load_from_disk(dataset_dir)
    ours = sorted(name for name in sys.modules if name.split(".")[0] in ("medfilip", "modeling_medfilip", "processing"))
    print(json.dumps({
        "model_class": type(model).__module__ + "." + type(model).__name__,
        "pipeline_class": type(namespace["classifier"]).__name__,
        "result": namespace["result"],
        "our_modules": ours,
        "hub_rows": {split: len(part) for split, part in hub_copy.items()},
        "saved_rows": {split: len(part) for split, part in saved_copy.items()},
        "hub_first": [hub_copy["validation"][0]["image"].mode, list(hub_copy["validation"][0]["image"].size)],
        "saved_first": [saved_copy["validation"][0]["image"].mode, list(saved_copy["validation"][0]["image"].size)],
    }))
    """
)


def test_dry_run_folders_load_as_a_new_user_would(trained_model_dir, kermany_dataset_dir, image_samples, tmp_path):
    model_out, dataset_out = tmp_path / "model", tmp_path / "dataset"
    assert main(["push", "--model", str(trained_model_dir), "--repo-id", "org/m", "--dry-run", str(model_out)]) == 0
    assert (
        main(["push", "--dataset", str(kermany_dataset_dir), "--repo-id", "org/d", "--dry-run", str(dataset_out)]) == 0
    )
    card = ModelCard.load(model_out / "README.md")
    snippet = re.search(r"```python\n(.*?)```", card.text, re.S).group(1)
    image = str(image_samples[0])
    snippet = snippet.replace('"org/m"', repr(str(model_out))).replace(
        'classifier("chest_xray.png"', "result = classifier(" + repr(image)
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", HF_MODULES_CACHE=str(tmp_path / "modules"),
               HF_DATASETS_CACHE=str(tmp_path / "datasets_cache"))  # fmt: skip
    completed = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS_SCRIPT, str(model_out), snippet, str(dataset_out)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["our_modules"] == []
    assert result["model_class"].startswith("transformers_modules.")
    assert result["pipeline_class"] == "MedFILIPZeroShotImageClassificationPipeline"
    assert sorted(entry["label"] for entry in result["result"]) == ["no finding", "pleural effusion", "pneumonia"]
    assert sum(entry["score"] for entry in result["result"]) == pytest.approx(1.0, abs=1e-5)

    from transformers import pipeline

    local = pipeline("zero-shot-image-classification", model=str(trained_model_dir), trust_remote_code=True)
    expected = {e["label"]: e["score"] for e in local(image, candidate_labels=[e["label"] for e in result["result"]])}
    for entry in result["result"]:
        assert entry["score"] == pytest.approx(expected[entry["label"]], abs=1e-5)

    summary = json.loads((kermany_dataset_dir / "build_summary.json").read_text())
    assert result["hub_rows"] == result["saved_rows"] == summary["rows"]
    assert result["hub_first"] == result["saved_first"]  # images decode from the Hub layout too
    assert DatasetCard.load(dataset_out / "README.md").data.configs[0]["config_name"] == "default"
