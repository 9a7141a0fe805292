"""The `medfilip` command: one entry point, one module per subcommand under `medfilip.commands`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Each module defines `register(subparsers)`, which adds its parser and sets `func` to a callable
# taking the parsed arguments and returning an exit code. Heavy imports happen inside `func`.
COMMAND_MODULES = (
    "medfilip.commands.init",
    "medfilip.commands.extract",
    "medfilip.commands.build_dataset",
    "medfilip.commands.evaluate",
    "medfilip.commands.push",
    "medfilip.commands.explain",
)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="medfilip", description="MedFILIP: fine-grained language-image pre-training for chest X-rays."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run `medfilip` with `argv` (defaults to the process arguments); returns the exit code."""
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
