"""The read-only MCP server: tools and resources over the knowledge graph (official MCP Python SDK, ``MCPServer``).

Tools: ``list_queries``, ``run_query``, ``sparql`` (through :func:`sco_kg.engine.run.run`: the same gate and
limits as every other way in), ``describe``, ``cite``, ``verify_quote``, ``explain``. Resources: the source text
and the ontology. Every answer is data from the graph; bad input is a tool error with a one-line message.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from sco_kg.errors import ScoKgError
from sco_kg.rdf import iri
from sco_kg.version import __version__

if TYPE_CHECKING:
    from sco_kg.dataset import Source

#: Longest text a tool accepts in one argument (SPARQL, a passage, a name): longer is refused.
MAX_INPUT_CHARS = 20_000
#: Row cap and timeout of the query tools (a client may ask for less).
MAX_ROWS = 2_000
TIMEOUT = 20.0
TEXT_URI = "sco-kg://text/news-release-2001-06-15"
ONTOLOGY_URI = "sco-kg://ontology"
INSTRUCTIONS = (
    "sco-kg: the 2001 Declaration of the Shanghai Cooperation Organization as a knowledge graph, read-only. "
    "Quote only what the tools return: cite gives the sentences (verbatim text, offsets) behind a fact, explain "
    "gives the OWL 2 RL rules and premises behind an inferred fact, verify_quote checks a passage against the text."
)

F = TypeVar("F", bound=Callable[..., Any])


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _check_len(**values: Any) -> None:
    for name, value in values.items():
        if isinstance(value, str) and len(value) > MAX_INPUT_CHARS:
            raise _tool_error(f"{name} is longer than {MAX_INPUT_CHARS} characters")


def _tool_error(message: str) -> Exception:
    from mcp.server.mcpserver.exceptions import ToolError

    return ToolError(_one_line(message))


def _guarded(fn: F) -> F:
    """Turn every failure of a tool into a ToolError with a one-line message (never a traceback)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from mcp.server.mcpserver.exceptions import ToolError

        _check_len(**kwargs)
        try:
            return fn(*args, **kwargs)
        except ToolError:
            raise
        except ScoKgError as exc:
            raise _tool_error(str(exc)) from None
        except Exception as exc:  # a bug: still one line, never a crash of the server
            raise _tool_error(f"internal error: {type(exc).__name__}: {exc}") from None

    return wrapper  # type: ignore[return-value]


def _result_data(result: Any) -> dict[str, Any]:
    if result.form in ("SELECT", "ASK"):
        data: dict[str, Any] = json.loads(result.serialize("json"))
    else:
        data = {"form": result.form, "ntriples": result.serialize("nt").decode("utf-8")}
    data["truncated"] = result.truncated
    return data


def build_server(source: Source | None = None) -> Any:
    """Return the ``MCPServer`` over ``source`` (default: shipped data, closure and outside facts)."""
    from mcp.server.mcpserver import MCPServer

    from sco_kg import explain as ex
    from sco_kg.engine.limits import Limits
    from sco_kg.engine.run import run, run_canned
    from sco_kg.explain.describe import describe as describe_resource
    from sco_kg.explain.quotes import verify_quote as check_quote
    from sco_kg.sparql import catalog

    server: Any = MCPServer(name="sco-kg", version=__version__, instructions=INSTRUCTIONS)

    def limits(max_rows: int) -> Limits:
        if max_rows < 1:
            raise _tool_error("max_rows must be 1 or more")
        return Limits(timeout=TIMEOUT, max_rows=min(max_rows, MAX_ROWS), truncate=True)

    @server.tool(description="List the canned SPARQL queries: name, summary, typed parameters, result columns.")
    @_guarded
    def list_queries() -> dict[str, Any]:
        out = []
        for q in catalog.all_queries():
            params = {
                n: {"type": p.type, "default": p.default, "description": p.description} for n, p in q.params.items()
            }
            out.append(
                {
                    "name": q.name,
                    "summary": q.summary,
                    "description": q.description,
                    "form": q.form,
                    "params": params,
                    "columns": list(q.columns),
                }
            )
        return {"queries": out}

    @server.tool(
        description="Run a canned query by name with its typed parameters (strings, checked against the "
        "parameter's type); returns SPARQL 1.1 JSON results."
    )
    @_guarded
    def run_query(name: str, params: dict[str, str | int] | None = None, max_rows: int = 500) -> dict[str, Any]:
        given = {key: str(value) for key, value in (params or {}).items()}
        for key, value in given.items():
            _check_len(**{f"parameter {key}": value})
        return _result_data(run_canned(name, given, source, limits(max_rows)))

    @server.tool(
        description="Run a read-only SPARQL 1.1 query (SELECT, ASK, CONSTRUCT, DESCRIBE) on the dataset; SERVICE, "
        "LOAD and updates are refused. Every sco-kg prefix (sco:, state:, organization:, ...) must be declared."
    )
    @_guarded
    def sparql(query: str, max_rows: int = 500) -> dict[str, Any]:
        return _result_data(run(query, source, limits(max_rows)))

    @server.tool(
        description="Describe a resource given by IRI, prefixed name (state:uzbekistan) or name in English, Chinese "
        "or Russian: labels, types and relations, each asserted, inferred or from an outside source."
    )
    @_guarded
    def describe(resource: str, lang: Literal["en", "zh", "ru"] | None = None) -> dict[str, Any]:
        return describe_resource(resource, lang, source).as_dict()

    @server.tool(
        description="Cite the sentences behind a triple (subject, predicate, object) or, with subject only, behind "
        "every stated fact about a resource: verbatim text, sentence and paragraph IRIs, character offsets, "
        "graph, attribution, a citation string; outside facts with their source URLs."
    )
    @_guarded
    def cite(subject: str, predicate: str | None = None, object: str | None = None) -> dict[str, Any]:
        facts = ex.facts_of(source)
        if predicate is None and object is None:
            term = ex.parse_iri(subject)
            by_graph: dict[str, Any] = {}
            for t in sorted(facts.by_s.get(term, [])):
                for c in facts.citations(t):
                    entry = by_graph.setdefault(c.graph, {**ex.citation_dict(c), "triples": []})
                    entry["triples"].append(ex.Fact(*t).n3())
            if not by_graph and term not in facts.by_o:
                raise _tool_error(f"unknown resource {iri.compact(term.value)}: no triple of the dataset mentions it")
            return {"resource": term.value, "citations": list(by_graph.values())}
        if predicate is None or object is None:
            raise _tool_error("give subject, predicate and object for a triple, or subject alone for a resource")
        fact = ex.Fact(*ex.parse_triple(subject, predicate, object))
        node = ex.explain_triple(fact, facts)
        out: dict[str, Any] = {"triple": fact.n3(), "status": node.status, "graphs": list(node.graphs)}
        if node.status == "asserted":
            out["citations"] = [ex.citation_dict(c) for c in node.citations]
        elif node.rule:
            # Inferred: the sentences at the leaves of its derivation (explain gives the whole tree).
            leaves = [n for n in node.walk() if n.citations]
            cited: dict[str, Any] = {}
            for n in leaves:
                for c in n.citations:
                    cited.setdefault(c.graph, ex.citation_dict(c))
            out["rule"] = node.rule
            out["citations_of_premises"] = list(cited.values())
        return out

    @server.tool(
        description="Check whether a passage is in the source text verbatim (after normalising whitespace and "
        "quote marks): verdict verbatim, near-miss (closest passages, never a match) or absent; offsets and sentences."
    )
    @_guarded
    def verify_quote(passage: str) -> dict[str, Any]:
        return check_quote(passage, source).as_dict()

    @server.tool(
        description="Explain why a triple holds: asserted (with its citations), inferred (the OWL 2 RL rule by its "
        "specification id, e.g. prp-spo2, prp-inv1, cax-sco, and the premises, recursively down to asserted triples "
        "with their citations) or not holding."
    )
    @_guarded
    def explain(subject: str, predicate: str, object: str) -> dict[str, Any]:
        fact = ex.Fact(*ex.parse_triple(subject, predicate, object))
        node = ex.explain(fact, source)
        out = node.as_dict()
        out["tree"] = ex.render_tree(node)
        return out

    @server.resource(
        TEXT_URI, name="source-text", mime_type="text/plain", description="The news release of 15 June 2001"
    )
    def source_text() -> str:
        found = ex.facts_of(source).text()
        if found is None:
            raise ScoKgError("this dataset has no text layer")
        return found[1]

    @server.resource(ONTOLOGY_URI, name="ontology", mime_type="text/turtle", description="The sco-kg OWL ontology")
    def ontology() -> str:
        from sco_kg.engine.results import serialize_triples

        facts = ex.facts_of(source)
        triples = sorted(t for t, gs in facts.quads.items() if iri.GRAPH_ONTOLOGY in gs)
        return serialize_triples(triples, "turtle").decode("utf-8")

    return server


def serve(
    source: Source | None = None, transport: Literal["stdio", "streamable-http"] = "stdio", port: int = 8808
) -> None:
    """Run the server on stdio, or on streamable HTTP at ``http://127.0.0.1:PORT/mcp`` (loopback only)."""
    server = build_server(source)
    if transport == "stdio":
        server.run("stdio")
    else:
        server.run("streamable-http", host="127.0.0.1", port=port)
