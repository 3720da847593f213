"""``sco-kg store build DIR``: persist a dataset as an on-disk Oxigraph store for ``--store DIR``.

The read commands (``stats``, ``query``, ``sparql``, ``export``) load the materialised dataset into memory on
every run; for a big corpus, build an on-disk store once and point them at it with ``--store DIR``, which
opens it read-only in milliseconds. Building streams the input with pyoxigraph's bulk loader (the data never
has to fit in memory as Python objects) and draws a progress bar on stderr. The store appears at ``DIR`` only
when it is complete: it is built in a sibling temporary directory and renamed into place.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time

from sco_kg.cli.commands._common import add_read_options

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy reads it so), without importing typing at start-up
if TYPE_CHECKING:
    from pathlib import Path
    from typing import IO

    import pyoxigraph

    # (file, target graph for triple formats, pyoxigraph format name or None to go by the extension)
    _Source = tuple[Path, str | None, str | None]

HELP = "build an on-disk Oxigraph store that the read commands open with --store DIR"
DESCRIPTION = (
    __doc__.split("\n\n", 1)[1].strip()
    + """

examples:
  sco-kg store build kg.db                      # the shipped dataset, asserted + inferred
  sco-kg store build kg.db --with mine.ttl      # plus your file, re-inferred
  sco-kg store build corpus.db --from corpus.nq # exactly the quads of these files
  sco-kg query signatories --store kg.db"""
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the ``build`` action and its options."""
    from pathlib import Path

    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    b = actions.add_parser(
        "build",
        help="build the store DIR",
        description="Build the store DIR from the dataset the read options select, or from --from files.",
    )
    b.add_argument("dir", metavar="DIR", type=Path, help="directory of the store to create")
    add_read_options(b, store=False, context=False)
    b.add_argument(
        "--from",
        dest="from_files",
        metavar="FILE",
        action="append",
        type=Path,
        default=[],
        help="load exactly these RDF files (quad formats keep their graphs; repeatable), no inference",
    )
    b.add_argument("--force", action="store_true", help="replace DIR if it already holds an Oxigraph store")
    b.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


class _Progress:
    """A progress bar on stderr driven by the number of bytes the bulk loader has read."""

    def __init__(self, total: int, label: str, quiet: bool, stream: IO[str] | None = None) -> None:
        self.total = max(total, 1)
        self.label = label
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.done = 0
        self.start = time.monotonic()
        self.last = -1.0
        self.tty = self.stream.isatty()

    def advance(self, n: int) -> None:
        """Record ``n`` more bytes read and redraw (at most 10 times a second; once a second off a tty)."""
        self.done += n
        now = time.monotonic()
        if now - self.last >= (0.1 if self.tty else 1.0):
            self.draw(now)

    def draw(self, now: float | None = None, final: bool = False) -> None:
        """Draw the bar: percentage, megabytes read, elapsed seconds."""
        if self.quiet:
            return
        now = time.monotonic() if now is None else now
        self.last = now
        frac = min(self.done / self.total, 1.0)
        bar = "#" * int(frac * 30)
        line = (
            f"{self.label}: [{bar:<30}] {frac:4.0%} {self.done / 1e6:.1f}/{self.total / 1e6:.1f} MB "
            f"{now - self.start:.1f} s"
        )
        end = "\n" if final or not self.tty else ""
        self.stream.write(("\r" if self.tty else "") + line + end)
        self.stream.flush()


class _CountingReader:
    """A binary file wrapper that reports every read to a :class:`_Progress`."""

    def __init__(self, fh: IO[bytes], progress: _Progress) -> None:
        self.fh = fh
        self.progress = progress

    def read(self, size: int = -1) -> bytes:
        """Return up to ``size`` bytes and advance the progress bar."""
        data = self.fh.read(size)
        self.progress.advance(len(data))
        return data


def _sources(args: argparse.Namespace) -> list[_Source]:
    """Return (file, target graph for triple formats, pyoxigraph format name or None) to load, in order."""
    from sco_kg.errors import UsageError
    from sco_kg.io.inputs import OX_FORMATS, asserted_files, user_graph_iri

    fmt = None
    if args.with_format:
        fmt = OX_FORMATS.get("." + args.with_format.lower().lstrip("."))
        if fmt is None:
            raise UsageError(f"--with-format {args.with_format!r}: unknown (use one of {', '.join(OX_FORMATS)})")
    if args.from_files:
        if args.with_files or not args.inferred:
            raise UsageError("--from loads files as they are: it cannot be combined with --with or --no-inference")
        return [(p, user_graph_iri(p), fmt) for p in args.from_files]
    if args.inferred:
        from sco_kg.reasoning import materialize

        return [(materialize.materialized_path(list(args.with_files)), None, "N_QUADS")]
    return [(p, g, None) for p, g in asserted_files()] + [(p, user_graph_iri(p), fmt) for p in args.with_files]


def _bulk_load(store: pyoxigraph.Store, sources: list[_Source], progress: _Progress) -> None:
    """Stream every source into ``store`` with the bulk loader; parse errors name the file."""
    from typing import cast

    import pyoxigraph as ox

    from sco_kg.errors import DataFileError
    from sco_kg.io.inputs import OX_FORMATS, QUAD_FORMATS, clean_ox_message, guard_input

    for path, graph, fmt in sources:
        name = fmt or OX_FORMATS.get(path.suffix.lower())
        if name is None:
            raise DataFileError(
                f"{path}: unknown RDF format for extension {path.suffix!r} (use --with-format, or one of "
                f"{', '.join(sorted(OX_FORMATS))})"
            )
        # The same guard as every other loader: size limit, no XML entities, no foreign JSON-LD context.
        data = guard_input(path, name)
        to_graph = ox.NamedNode(graph) if graph is not None and name not in QUAD_FORMATS else None
        try:
            with open(path, "rb") if data is None else io.BytesIO(data) as fh:
                reader = cast("IO[bytes]", _CountingReader(fh, progress))  # the loader only calls read()
                store.bulk_load(reader, format=getattr(ox.RdfFormat, name), to_graph=to_graph)
        except SyntaxError as exc:
            raise DataFileError(f"{path}: malformed RDF: {clean_ox_message(str(exc))}") from None
        except (OSError, ValueError) as exc:
            raise DataFileError(f"{path}: cannot load: {clean_ox_message(str(exc))}") from None


def build(args: argparse.Namespace) -> int:
    """Build the store ``args.dir`` atomically; return the number of quads in it."""
    import shutil

    import pyoxigraph as ox

    from sco_kg.errors import DataFileError, UsageError
    from sco_kg.io.inputs import check_readable

    target: Path = args.dir
    if target.exists():
        if not target.is_dir():
            raise UsageError(f"{target}: exists and is not a directory")
        is_store = (target / "CURRENT").is_file()
        if any(target.iterdir()) and not (is_store and args.force):
            why = "holds a store: add --force to replace it" if is_store else "is not empty and not a store"
            raise UsageError(f"{target}: {why}")
    sources = _sources(args)
    for path, _, _ in sources:
        check_readable(path)
    tmp = target.parent / f".{target.name}.building-{os.getpid()}"
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    progress = _Progress(sum(p.stat().st_size for p, _, _ in sources), f"building {target}", args.quiet)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
        store = ox.Store(str(tmp))
        _bulk_load(store, sources, progress)
        progress.done = progress.total
        progress.draw(final=True)
        store.flush()
        count = len(store)
        del store  # release the RocksDB lock before the rename
        if target.exists():
            os.replace(target, old)
        os.replace(tmp, target)
    except OSError as exc:
        raise DataFileError(f"{target}: cannot build the store: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    return count


def run(args: argparse.Namespace) -> int:
    """Run ``store ACTION``; return the exit code."""
    start = time.monotonic()
    count = build(args)
    print(f"{args.dir}: {count:,} quads in {time.monotonic() - start:.1f} s (open it with --store {args.dir})")
    return 0
