"""Publish a MedFILIP model or dataset to the Hugging Face Hub (the same as `medfilip push`).

    python push_to_hub.py --model runs/model --repo-id org/medfilip \
        --metrics runs/eval/metrics.json runs/data/kermany --dry-run runs/upload
    python push_to_hub.py --dataset runs/data/kermany --repo-id org/kermany-medfilip
"""

from __future__ import annotations

import argparse
import sys

from medfilip.commands.push import DESCRIPTION, add_arguments, run


def main(argv: list[str] | None = None) -> int:
    """Parse `argv` (default: the process arguments) and publish; returns the exit code."""
    parser = argparse.ArgumentParser(prog="push_to_hub.py", description=DESCRIPTION)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
