"""Push a synthetic corpus to real triple stores (Oxigraph, Virtuoso) and time remote queries against local ones.

For each store, on loopback with a fresh temporary database: push the corpus of N documents
(``python -m bench.corpus N --no-ontology``) with ``sco_kg.remote.push`` (``--replace``, Graph Store Protocol,
then exact counts), then run every offline canned query remotely and locally (pyoxigraph on the same quads,
union default graph) and print push time, remote and local query times, and whether the rows agree.
The store helpers (:class:`Oxigraph`, :class:`Virtuoso`) are also what the tests start their stores with.

Usage::

    python -m bench.stores 1000            # Oxigraph and Virtuoso (skipped with a note if not installed)
    python -m bench.stores 10 --stores oxigraph
"""

from __future__ import annotations

import argparse
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sco_kg.remote.auth import Auth

VIRTUOSO_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
NumberOfBuffers = 20000
MaxDirtyBuffers = 12000
DirsAllowed = .
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
ServerThreads = 4
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
"""


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Server:
    """A store process on 127.0.0.1 that answers ``ASK {}`` at :attr:`endpoint` once it is up."""

    name = ""
    endpoint = ""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self, timeout: float = 90) -> None:
        """Start the process and wait until it answers (raise RuntimeError with its output if it does not)."""
        self.proc = subprocess.Popen(self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.endpoint}?query=ASK%7B%7D", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                self.stop()
                raise RuntimeError(f"{self.name} did not start: {err[-800:]}")
            time.sleep(0.2)

    def stop(self, kill: bool = False) -> None:
        """Stop the process (SIGKILL when ``kill``: a crash, for the replace-under-failure tests)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Oxigraph(_Server):
    """``oxigraph serve`` (the ``oxigraph`` PyPI package) on disk at ``location``."""

    name = "oxigraph"

    def __init__(self, location: Path, union_default_graph: bool = True) -> None:
        super().__init__()
        self.location = location
        self.union = union_default_graph
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.endpoint = f"{self.url}/query"

    def command(self) -> list[str]:
        binary = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
        args = [binary, "serve", "--location", str(self.location), "--bind", f"127.0.0.1:{self.port}"]
        return args + (["--union-default-graph"] if self.union else [])


class Virtuoso(_Server):
    """Debian's ``virtuoso-t`` with a virtuoso.ini of our own in ``directory`` (fresh database, loopback ports).

    A fresh database's ``dba`` password is ``dba``. :attr:`endpoint` is the anonymous read endpoint
    ``/sparql``; ``/sparql-auth`` and ``/sparql-graph-crud-auth`` (Digest) take updates.
    """

    name = "virtuoso"
    PASSWORD = "dba"

    def __init__(self, directory: Path) -> None:
        super().__init__()
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.http_port, self.sql_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.endpoint = f"{self.url}/sparql"
        ini = VIRTUOSO_INI.format(d=directory, sql=self.sql_port, http=self.http_port)
        (directory / "virtuoso.ini").write_text(ini, encoding="utf-8")

    def command(self) -> list[str]:
        binary = shutil.which("virtuoso-t") or "virtuoso-t"
        return [binary, "-c", str(self.directory / "virtuoso.ini"), "+foreground"]


def load_quads(path: Path) -> list:
    """Return the quads of an N-Quads file as :class:`sco_kg.rdf.term.Term` tuples."""
    import pyoxigraph as ox

    from sco_kg.rdf.term import Term

    with path.open("rb") as f:
        return [
            (Term.from_ox(q.subject), Term.from_ox(q.predicate), Term.from_ox(q.object),
             None if isinstance(q.graph_name, ox.DefaultGraph) else Term.from_ox(q.graph_name))
            for q in ox.parse(f, format=ox.RdfFormat.N_QUADS)
        ]  # fmt: skip


def bench_store(server: _Server, quads: list, auth: Auth | None, repeat: int = 3) -> dict:
    """Push ``quads`` to ``server``, then time every offline canned query remotely and locally; return figures."""
    import pyoxigraph as ox

    from sco_kg import remote
    from sco_kg.rdf.term import Term
    from sco_kg.remote.client import run_sparql
    from sco_kg.sparql import catalog
    from sco_kg.sparql.params import bind_params, bind_values

    report = remote.push(quads, server.endpoint, replace=True, auth=auth, timeout=600, store_type=server.name)
    store = ox.Store()
    store.bulk_extend(
        ox.Quad(Term.to_ox(s), Term.to_ox(p), Term.to_ox(o), Term.to_ox(g) if g is not None else ox.DefaultGraph())
        for s, p, o, g in quads
    )
    rows = []
    for name in catalog.names():
        q = catalog.get(name)
        if "federated" in q.tags:
            continue
        bindings = bind_params(q, {})
        text = bind_values(q.text, bindings)
        local_t, remote_t = [], []
        for _ in range(repeat):
            t0 = time.perf_counter()
            answer = store.query(text, use_default_graph_as_union=True)
            n_local = 1 if isinstance(answer, ox.QueryBoolean) else len(list(answer))
            local_t.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            there = run_sparql(server.endpoint, q.text, bindings=bindings, timeout=120, auth=None,
                               inline=remote.profiles.get(server.name).inline_params, max_rows=None)  # fmt: skip
            remote_t.append(time.perf_counter() - t0)
        n_remote = len(there.rows) if there.form != "ASK" else 1
        rows.append((name, statistics.median(local_t), statistics.median(remote_t), n_local, n_remote))
    return {"push_seconds": report.seconds, "triples": report.triples, "requests": report.requests, "queries": rows}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print one table per store; return the exit code."""
    ap = argparse.ArgumentParser(prog="python -m bench.stores", description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, nargs="?", default=1000, help="corpus size in documents (default 1000)")
    ap.add_argument("--stores", default="oxigraph,virtuoso", help="comma-separated: oxigraph, virtuoso")
    ap.add_argument("--repeat", type=int, default=3, help="runs per query (median reported; default 3)")
    args = ap.parse_args(argv)
    from sco_kg.remote.auth import Auth

    with tempfile.TemporaryDirectory(prefix="sco-kg-bench-stores-") as tmp:
        work = Path(tmp)
        corpus = work / f"corpus-{args.n}.nq"
        subprocess.run([sys.executable, "-m", "bench.corpus", str(args.n), "--no-ontology", "-o", str(corpus)],
                       check=True, cwd=Path(__file__).resolve().parents[1], capture_output=True)  # fmt: skip
        quads = load_quads(corpus)
        print(f"corpus: N={args.n} documents, {len(quads)} quads")
        for name in args.stores.split(","):
            server: _Server
            if name == "virtuoso":
                if not shutil.which("virtuoso-t"):
                    print("virtuoso: skipped (virtuoso-t not found: install the Debian package virtuoso-opensource)")
                    continue
                server, auth = Virtuoso(work / "virtuoso"), Auth("dba", Virtuoso.PASSWORD)
            elif name == "oxigraph":
                server, auth = Oxigraph(work / "oxigraph"), None
            else:
                print(f"unknown store {name!r}", file=sys.stderr)
                return 2
            server.start()
            try:
                fig = bench_store(server, quads, auth, args.repeat)
            finally:
                server.stop()
            print(
                f"\n{name}: push {fig['triples']} triples in {fig['push_seconds']:.2f} s ({fig['requests']} requests)"
            )
            print(f"  {'query':<24} {'local ms':>9} {'remote ms':>10} {'rows local':>11} {'rows remote':>12}")
            for q, lt, rt, nl, nr in fig["queries"]:
                print(f"  {q:<24} {lt * 1000:>9.1f} {rt * 1000:>10.1f} {nl:>11} {nr:>12}")
            tl = sum(r[1] for r in fig["queries"])
            tr = sum(r[2] for r in fig["queries"])
            print(f"  {'total':<24} {tl * 1000:>9.1f} {tr * 1000:>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
