"""Subcommands of the `medfilip` command line (see `medfilip.cli`)."""
