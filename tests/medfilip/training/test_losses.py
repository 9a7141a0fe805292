from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from medfilip.training.losses import CaptionBatch, MedFILIPLoss, semantic_similarity, soft_targets

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from loss_case import loss_and_grads  # noqa: E402

# Two images; image 0 owns captions 0 (category A) and 1 (category B), image 1 owns caption 2 (category A).
IMAGES = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
TEXTS = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])
CAPTIONS = CaptionBatch(
    image_index=torch.tensor([0, 0, 1]),
    category_ids=torch.tensor([0, 1, 0]),
    embeddings=torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]]),
)
# S: same-category cosines, 0 across categories; Y: max over each image's own captions.
EXPECTED_S = [[1.0, 0.0, 0.6], [0.0, 1.0, 0.0], [0.6, 0.0, 1.0]]
EXPECTED_Y = [[1.0, 1.0, 0.6], [0.6, 0.0, 1.0]]
COSINE = [[1.0, 0.0, 0.6], [0.0, 1.0, 0.8]]
SCALE = 2.0


def _mse_bce(regression, logits, targets):
    cells = [
        (r, z, y)
        for rr, zz, yy in zip(regression, logits, targets, strict=True)
        for r, z, y in zip(rr, zz, yy, strict=True)
    ]
    mse = sum((r - y) ** 2 for r, _, y in cells) / len(cells)
    bce = sum(
        -(y * math.log(1 / (1 + math.exp(-z))) + (1 - y) * math.log(1 - 1 / (1 + math.exp(-z)))) for _, z, y in cells
    )
    return mse + bce / len(cells)


def _transpose(matrix):
    return [list(column) for column in zip(*matrix, strict=True)]


def test_similarity_and_max_pooled_targets():
    similarity = semantic_similarity(
        CAPTIONS.embeddings, CAPTIONS.category_ids, CAPTIONS.embeddings, CAPTIONS.category_ids
    )
    torch.testing.assert_close(similarity, torch.tensor(EXPECTED_S))
    torch.testing.assert_close(soft_targets(similarity, CAPTIONS.image_index, 2, dim=0), torch.tensor(EXPECTED_Y))
    torch.testing.assert_close(soft_targets(similarity, CAPTIONS.image_index, 2, dim=1), torch.tensor(EXPECTED_Y).t())


def test_negative_cosines_are_clipped_to_zero():
    embeddings = torch.tensor([[1.0, 0.0], [-0.8, 0.6]])
    similarity = semantic_similarity(embeddings, torch.tensor([3, 3]), embeddings, torch.tensor([3, 3]))
    assert similarity[0, 1].item() == 0.0 and similarity[0, 0].item() == 1.0


def test_official_ssm_loss_by_hand():
    logits = [[SCALE * c for c in row] for row in COSINE]
    expected = _mse_bce(logits, logits, EXPECTED_Y)
    loss = MedFILIPLoss("ssm")(IMAGES, TEXTS, torch.tensor(SCALE), CAPTIONS)
    assert loss.item() == pytest.approx(expected, rel=1e-6)


def test_cosine_variant_is_symmetric_by_hand():
    logits = [[SCALE * c for c in row] for row in COSINE]
    image_to_text = _mse_bce(COSINE, logits, EXPECTED_Y)
    text_to_image = _mse_bce(_transpose(COSINE), _transpose(logits), _transpose(EXPECTED_Y))
    loss = MedFILIPLoss("ssm_cosine")(IMAGES, TEXTS, torch.tensor(SCALE), CAPTIONS)
    assert loss.item() == pytest.approx((image_to_text + text_to_image) / 2, rel=1e-6)


def test_infonce_baseline_by_hand():
    logits = torch.tensor(COSINE) * SCALE
    image_to_text = (
        -0.5 * (F.log_softmax(logits[0], 0)[0] + F.log_softmax(logits[0], 0)[1]) - F.log_softmax(logits[1], 0)[2]
    ) / 2
    text_to_image = (
        -(F.log_softmax(logits[:, 0], 0)[0] + F.log_softmax(logits[:, 1], 0)[0] + F.log_softmax(logits[:, 2], 0)[1]) / 3
    )
    loss = MedFILIPLoss("infonce")(IMAGES, TEXTS, torch.tensor(SCALE), CAPTIONS)
    assert loss.item() == pytest.approx(((image_to_text + text_to_image) / 2).item(), rel=1e-6)


def test_unknown_loss_type():
    with pytest.raises(ValueError, match="loss_type"):
        MedFILIPLoss("focal")


CASES = ["ssm:equal", "ssm_cosine:equal", "infonce:equal", "ssm:unequal", "ssm+mlip:equal"]


@pytest.fixture(scope="module")
def two_process_results(tmp_path_factory):
    output = tmp_path_factory.mktemp("distributed") / "results.json"
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    command += [str(HERE / "distributed_loss_worker.py"), str(output), *CASES]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(output.read_text())


@pytest.mark.parametrize("case", CASES)
def test_two_processes_match_one_process(two_process_results, case):
    loss_type, layout = case.split(":")
    expected_loss, expected_image_grad, expected_text_grad = loss_and_grads(loss_type, layout, [0, 1, 2, 3])
    result = two_process_results[case]
    assert result["loss"] == pytest.approx(expected_loss.item(), rel=1e-5)
    torch.testing.assert_close(torch.tensor(result["image_grad"]), expected_image_grad, rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(torch.tensor(result["text_grad"]), expected_text_grad, rtol=1e-4, atol=1e-6)
