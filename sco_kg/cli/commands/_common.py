"""Options shared by the commands that read the graph, and small output helpers (stdlib only)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from sco_kg.cli.formats import with_format_type

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy reads it so), without importing typing at start-up
if TYPE_CHECKING:
    import pyoxigraph

    from sco_kg.dataset import Source

LANGS = ("en", "zh", "ru")


def add_with_options(
    p: argparse.ArgumentParser,
    help: str = "merge your own RDF file into graph <https://w3id.org/sco-kg/graph/user/FILE> (repeatable)",
    with_format: bool = True,
) -> None:
    """Add ``--with FILE`` (repeatable) and, unless ``with_format=False``, ``--with-format FORMAT``."""
    from pathlib import Path  # here, not at module level: the overview (``sco-kg --help``) does not need it

    p.add_argument("--with", dest="with_files", metavar="FILE", action="append", type=Path, default=[], help=help)
    if with_format:
        p.add_argument(
            "--with-format",
            metavar="FORMAT",
            default=None,
            type=with_format_type,
            help="format of the --with files when the extension does not tell: turtle (ttl), nt, nq, trig, "
            "jsonld (json-ld), rdfxml",
        )


def add_read_options(p: argparse.ArgumentParser, store: bool = True, context: bool = True) -> None:
    """Add ``--no-inference``, ``--no-context`` (when ``context``), ``--with FILE`` (repeatable),
    ``--with-format``, ``--max-bytes`` and ``--store DIR`` (when ``store``)."""
    from pathlib import Path

    p.add_argument(
        "--no-inference",
        dest="inferred",
        action="store_false",
        help="use the asserted graphs only, without the OWL 2 RL closure",
    )
    if context:
        p.add_argument(
            "--no-context",
            dest="context",
            action="store_false",
            help="leave out the facts from outside the declaration (graphs scog:context/*, "
            "scog:provenance-context) and what they add to the closure (scog:inferred-context)",
        )
    add_with_options(p)
    p.add_argument(
        "--max-bytes",
        metavar="N",
        type=byte_count,
        default=None,
        help="refuse input files larger than N bytes (suffixes k, M, G; 0 = no limit; default 512M)",
    )
    if not store:
        return
    p.add_argument(
        "--store",
        dest="store_dir",
        metavar="DIR",
        type=Path,
        default=None,
        help="read the on-disk Oxigraph store DIR (made by 'sco-kg store build DIR'), not the files",
    )


def source_of(args: argparse.Namespace) -> Source:
    """Return the :class:`~sco_kg.dataset.Source` that the read options in ``args`` select (the one place)."""
    from sco_kg.dataset import Source

    return Source(
        inferred=getattr(args, "inferred", True),
        context=getattr(args, "context", True),
        with_files=tuple(getattr(args, "with_files", None) or ()),
        with_format=getattr(args, "with_format", None),
        store_dir=getattr(args, "store_dir", None),
    )


def read_store(args: argparse.Namespace) -> pyoxigraph.Store:
    """Return the pyoxigraph store that the read options in ``args`` select (``--store``, ``--with``, …)."""
    from sco_kg.dataset import open_store

    return open_store(source_of(args))


def graphs_used(args: argparse.Namespace) -> str:
    """Return the one-line note naming the graphs a command read (the footer of the table views)."""
    declaration = "declaration (asserted + inferred)" if getattr(args, "inferred", True) else "declaration (asserted)"
    if getattr(args, "store_dir", None) is not None:
        return f"graphs: the on-disk store {args.store_dir} (as built)"
    parts = [declaration]
    if getattr(args, "context", True):
        parts.append("outside facts (scog:context/*)")
    if getattr(args, "with_files", None):
        parts.append("your files (scog:user/*)")
    note = "graphs: " + " + ".join(parts)
    if not getattr(args, "context", True):
        note += " (outside facts excluded: --no-context)"
    return note


def add_lang_option(p: argparse.ArgumentParser) -> None:
    """Add ``--lang en|zh|ru`` (labels shown in that language, English where a name is missing)."""
    p.add_argument("--lang", choices=LANGS, default="en", help="language of the labels shown (default: en)")


def byte_count(text: str) -> int:
    """Return a size such as ``5000``, ``64k``, ``10M`` or ``1G`` in bytes (argparse type of ``--max-bytes``)."""
    units = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
    value = text.strip().lower().removesuffix("b")
    unit = value[-1:] if value[-1:] in ("k", "m", "g") else ""
    number = value[: len(value) - len(unit)]
    if not number.isdigit():
        raise argparse.ArgumentTypeError(f"expected a size in bytes such as 1000000, 64k or 10M, got {text!r}")
    return int(number) * units[unit]


# ------------------------------------------------------------------- argparse types of numbers (one place)


def positive_float(text: str) -> float:
    """Return a positive, finite number of seconds (argparse type of ``--timeout``)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0 or value == float("inf"):  # NaN is not > 0 either
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def non_negative_int(text: str) -> int:
    """Return a whole number of 0 or more (argparse type of ``--max-rows``)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """Return a whole number of 1 or more (``serve --max-rows``, ``--workers``)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {text!r}")
    return value


def port_number(lowest: int) -> Callable[[str], int]:
    """Return the argparse type of a TCP port from ``lowest`` (0: the system picks a free one) to 65535."""

    def port(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
        if not lowest <= value <= 65535:
            raise argparse.ArgumentTypeError(f"port must be {lowest}-65535, got {text!r}")
        return value

    return port
