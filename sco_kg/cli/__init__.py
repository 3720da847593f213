"""The command line (layer 9): ``sco-kg COMMAND``; each command is a thin shell over an API function."""

from sco_kg.cli.main import COMMANDS, build_parser, entry, main

__all__ = ["COMMANDS", "build_parser", "entry", "main"]
