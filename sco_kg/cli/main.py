"""The ``sco-kg`` command line: argv, printing, exit codes. Nothing imports this module.

Exit codes: 0 success, 1 data/runtime error, 2 bad usage. Every error is one line on stderr, never a
traceback (set ``SCO_KG_DEBUG=1`` to see one). Each subcommand lives in ``sco_kg/commands/<name>.py`` with
``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``; those modules import only the standard library at
module level, so ``sco-kg --help`` and the fast read path stay cheap.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from types import ModuleType

from sco_kg.errors import ScoKgError
from sco_kg.version import __version__

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy reads it so), without importing typing at start-up
if TYPE_CHECKING:
    from typing import NoReturn

# Order shown in --help.
COMMANDS = [
    "stats",
    "queries",
    "query",
    "sparql",
    "export",
    "reason",
    "validate",
    "push",
    "enrich",
    "serve",
    "store",
    "explain",
    "mcp",
]


def _terminal_columns() -> int:
    """Return ``shutil.get_terminal_size().columns``, without importing shutil (and bz2, lzma) at start-up."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Help(argparse.HelpFormatter):
    """argparse's help formatter, told the terminal width (argparse imports shutil to ask, even to parse)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None):
        super().__init__(prog, indent_increment, max_help_position, _terminal_columns() - 2 if width is None else width)


class _RawHelp(_Help, argparse.RawDescriptionHelpFormatter):
    """:class:`_Help` that keeps the line breaks of a command's description (its examples)."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _command_module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"sco_kg.cli.commands.{name.replace('-', '_')}")
    except ModuleNotFoundError as exc:
        if exc.name == f"sco_kg.cli.commands.{name.replace('-', '_')}":
            return None  # command not part of this build
        raise


def build_parser(only: str | None = None, overview: bool = False) -> argparse.ArgumentParser:
    """Return the top-level parser with one subparser per available command (or only for command ``only``).

    Building the subparser of every command imports every command module; when argv names a command, only that
    one is imported, which keeps the start-up of the read path short. ``overview``: the subparsers get no
    options (enough for ``sco-kg --help``, ``--version`` and an unknown command, which list the commands only).
    """
    parser = _Parser(
        prog="sco-kg",
        description="The 2001 Declaration of the Shanghai Cooperation Organization as a knowledge graph.",
        epilog="Run 'sco-kg COMMAND --help' for the options of a command.",
        formatter_class=_Help,
    )
    parser.add_argument("--version", action="version", version=f"sco-kg {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in [only] if only else COMMANDS:
        module = _command_module(name)
        if module is None:
            continue
        p = sub.add_parser(
            name,
            help=module.HELP,
            description=getattr(module, "DESCRIPTION", module.HELP),
            formatter_class=_RawHelp,
        )
        if not overview:
            module.add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def _tell(message: str) -> None:
    """Print a progress line or a warning of the library on stderr."""
    print(f"sco-kg: {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv`` (``sys.argv[1:]`` when ``None``); return the exit code."""
    argv = sys.argv[1:] if argv is None else argv
    only = argv[0] if argv and argv[0] in COMMANDS else None
    parser = build_parser(only=only, overview=only is None)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    if not getattr(args, "_module", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        from sco_kg import dataset, sandbox
        from sco_kg.io.inputs import max_input_bytes, set_max_input_bytes

        previous_limit = max_input_bytes()
        set_max_input_bytes(getattr(args, "max_bytes", None))
        previous_notify, dataset.notify = dataset.notify, _tell  # progress and warnings on stderr (issue 17)
        try:
            with sandbox.for_cli(vars(args)):  # defence in depth: no network or file access nobody asked for
                return int(args._module.run(args) or 0)
        finally:
            # --max-bytes applies to this call only: main() runs in-process too (tests, notebooks).
            set_max_input_bytes(previous_limit or 0)
            dataset.notify = previous_notify
    except ScoKgError as exc:
        print(f"sco-kg: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("sco-kg: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`); silence the flush error at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:
        if os.environ.get("SCO_KG_DEBUG"):
            raise
        print(
            f"sco-kg: internal error: {type(exc).__name__}: {exc} (set SCO_KG_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return 1


def entry() -> NoReturn:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    entry()
