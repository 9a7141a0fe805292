"""Run under `torchrun --nproc_per_node 2`: each process scores half the images; writes losses and mean grads.

Arguments: the output JSON path, then `loss_type:layout` cases.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch.distributed as dist

sys.path.insert(0, str(Path(__file__).parent))
from loss_case import loss_and_grads  # noqa: E402


def main() -> None:
    output, cases = Path(sys.argv[1]), sys.argv[2:]
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    image_ids = [[0, 1], [2, 3]][rank]
    results = {}
    for case in cases:
        loss_type, layout = case.split(":")
        loss, image_grad, text_grad = loss_and_grads(loss_type, layout, image_ids)
        for tensor in (loss, image_grad, text_grad):
            dist.all_reduce(tensor)
            tensor /= world  # what DDP does to gradients
        results[case] = {"loss": loss.item(), "image_grad": image_grad.tolist(), "text_grad": text_grad.tolist()}
    if rank == 0:
        output.write_text(json.dumps(results))
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
