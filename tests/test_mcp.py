"""`sco-kg mcp` driven over stdio by the MCP SDK's own client (``ClientSession`` + ``stdio_client``).

One server process for the module: a background event loop owns the client session, the tests send it calls.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Coroutine, Iterator
from typing import Any

import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client

from sco_kg import paths
from sco_kg.explain import Derivation, apply_rule_all
from sco_kg.rdf import iri
from sco_kg.rdf.term import Term

SIX = {iri.ID + f"state/{s}" for s in ("china", "kazakhstan", "kyrgyzstan", "russia", "tajikistan", "uzbekistan")}
P1 = iri.sentence(1, 1)


class Client:
    """An MCP client session on its own event loop thread (one `sco-kg mcp` process)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.session: ClientSession | None = None
        self.stop: asyncio.Event | None = None
        ready: asyncio.Future[None] = asyncio.run_coroutine_threadsafe(self._make_future(), self.loop).result()
        self.owner = asyncio.run_coroutine_threadsafe(self._own(ready), self.loop)
        asyncio.run_coroutine_threadsafe(self._wait(ready), self.loop).result(timeout=120)

    async def _make_future(self) -> asyncio.Future[None]:
        self.stop = asyncio.Event()
        return self.loop.create_future()

    async def _wait(self, ready: asyncio.Future[None]) -> None:
        await ready

    async def _own(self, ready: asyncio.Future[None]) -> None:
        params = StdioServerParameters(command=sys.executable, args=["-m", "sco_kg.cli", "mcp"])
        try:
            async with stdio_client(params) as streams, ClientSession(streams[0], streams[1]) as session:
                await session.initialize()
                self.session = session
                ready.set_result(None)
                assert self.stop is not None
                await self.stop.wait()
        except BaseException as exc:
            if not ready.done():
                ready.set_exception(exc)
            raise

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=120)

    def call(self, tool: str, **arguments: Any) -> Any:
        assert self.session is not None
        return self.run(self.session.call_tool(tool, arguments))

    def ok(self, tool: str, **arguments: Any) -> dict[str, Any]:
        r = self.call(tool, **arguments)
        assert not r.is_error, r.content[0].text
        assert isinstance(r.structured_content, dict)
        return r.structured_content

    def error(self, tool: str, **arguments: Any) -> str:
        r = self.call(tool, **arguments)
        assert r.is_error
        text: str = r.content[0].text
        assert "\n" not in text and "Traceback" not in text
        return text

    def close(self) -> None:
        assert self.stop is not None
        self.loop.call_soon_threadsafe(self.stop.set)
        self.owner.result(timeout=60)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    c = Client()
    yield c
    c.close()


@pytest.mark.slow
def test_tool_list_and_schemas(client: Client) -> None:
    assert client.session is not None
    tools = {t.name: t for t in client.run(client.session.list_tools()).tools}
    assert set(tools) == {"list_queries", "run_query", "sparql", "describe", "cite", "verify_quote", "explain"}
    schema = tools["explain"].input_schema
    assert set(schema["required"]) == {"subject", "predicate", "object"}
    assert all(schema["properties"][k]["type"] == "string" for k in ("subject", "predicate", "object"))
    assert "prp-spo2" in (tools["explain"].description or "")
    lang = tools["describe"].input_schema["properties"]["lang"]
    assert {"en", "zh", "ru"} <= {v for alt in lang.get("anyOf", [lang]) for v in alt.get("enum", [])}
    assert tools["sparql"].input_schema["required"] == ["query"]
    assert tools["verify_quote"].input_schema["required"] == ["passage"]


def test_canned_queries_with_typed_parameters(client: Client) -> None:
    listed = {q["name"]: q for q in client.ok("list_queries")["queries"]}
    assert listed["signatories"]["params"]["lang"]["type"] == "lang"
    rows = client.ok("run_query", name="signatories", params={"lang": "zh"})["results"]["bindings"]
    assert {r["state"]["value"] for r in rows} == SIX
    assert {r["label"]["xml:lang"] for r in rows} == {"zh"}
    assert "lang" in client.error("run_query", name="signatories", params={"lang": "not a tag"})
    assert "unknown" in client.error("run_query", name="no-such-query").lower()
    rows = client.ok("run_query", name="paragraph-assertions", params={"paragraph": 1})["results"]["bindings"]
    assert rows and {r["sentence"]["value"] for r in rows} == {P1}
    assert "paragraph" in client.error("run_query", name="paragraph-assertions", params={"paragraph": "one"})


def test_sparql_through_the_engine(client: Client) -> None:
    q = "PREFIX sco: <https://w3id.org/sco-kg/ontology/> SELECT ?s WHERE { ?s sco:isSignatoryOf ?d } LIMIT 100"
    rows = client.ok("sparql", query=q)["results"]["bindings"]
    assert {r["s"]["value"] for r in rows} >= SIX
    ask = client.ok("sparql", query="ASK { ?s ?p ?o }")
    assert ask["boolean"] is True
    assert client.ok("sparql", query="SELECT ?s WHERE { ?s ?p ?o }", max_rows=3)["truncated"] is True


def test_explain_uzbekistan_membership_down_to_p1(client: Client) -> None:
    data = client.ok("explain", subject="state:uzbekistan", predicate="sco:memberOf", object="organization:sco")
    assert data["status"] == "inferred" and data["rule"] == "prp-spo2" and data["complete"] is True
    sentences = set()
    checked = 0

    def term(d: dict[str, Any]) -> Term:
        if d["type"] == "literal":
            return Term.literal(d["value"], d.get("datatype"), d.get("xml:lang"))
        return Term(d["type"], d["value"])

    def walk(node: dict[str, Any]) -> None:
        nonlocal checked
        for c in node.get("citations", []):
            sentences.update(s["sentence"] for s in c.get("sentences", []))
        if "rule" in node:
            premises = tuple(tuple(term(p["triple"][k]) for k in "spo") for p in node["premises"])
            chain = tuple(Term.uri(v) for v in node.get("chain", []))
            conclusion = tuple(term(node["triple"][k]) for k in "spo")
            assert conclusion in apply_rule_all(Derivation(node["rule"], premises, chain))  # type: ignore[arg-type]
            checked += 1
        for p in node.get("premises", []):
            walk(p)

    walk(data)
    assert checked >= 2 and P1 in sentences
    assert data["tree"].startswith("state:uzbekistan sco:memberOf organization:sco  [inferred")


def test_cite_the_six_signatories_with_their_sentence(client: Client) -> None:
    for state in sorted(SIX):
        data = client.ok("cite", subject=state, predicate="sco:isSignatoryOf", object="document:declaration-2001")
        assert data["status"] == "inferred" and data["rule"] == "prp-spo2"
        stated = [c for c in data["citations_of_premises"] if c["kind"] == "stated"]
        assert [c["graph"] for c in stated] == [iri.assertion_graph(1, 1)]
        s = stated[0]["sentences"][0]
        assert (s["sentence"], s["begin"], s["end"]) == (P1, 54, 329)
        assert s["text"].startswith("Presidents of the Republic of [Kazakhstan](#)")
    resource = client.ok("cite", subject="state:uzbekistan")
    graphs = {c["graph"]: c for c in resource["citations"]}
    assert iri.assertion_graph(1, 1) in graphs
    assert graphs[iri.assertion_graph(1, 1)]["citation"].startswith("News release of 15 June 2001")


def test_describe_by_name(client: Client) -> None:
    d = client.ok("describe", resource="Узбекистан", lang="ru")
    assert d["compact"] == "state:uzbekistan" and "Узбекистан" in d["labels"]["ru"]
    assert {r["origin"] for r in d["relations"]} >= {"asserted", "inferred", "outside"}


def test_verify_quote(client: Client) -> None:
    hit = client.ok("verify_quote", passage="They announced the establishment of the SCO".replace("They", "they"))
    assert hit["verdict"] == "verbatim" and hit["matches"][0]["sentences"][0]["sentence"] == iri.sentence(6, 1)
    miss = client.ok("verify_quote", passage="they announced the dissolution of the SCO")
    assert miss["verdict"] in ("near-miss", "absent") and miss["matches"] == []


def test_bad_input_is_a_one_line_tool_error_and_the_server_lives_on(client: Client) -> None:
    assert "unknown resource state:atlantis" in client.error("describe", resource="state:atlantis")
    assert "unknown prefix 'nope:'" in client.error("explain", subject="nope:x", predicate="sco:a", object="sco:b")
    assert "expected" in client.error("sparql", query="SELEC ?s WHERE { ?s ?p ?o }").lower()
    assert "SERVICE" in client.error("sparql", query="SELECT * WHERE { SERVICE <http://127.0.0.1:9/s> { ?s ?p ?o } }")
    assert "longer than" in client.error("verify_quote", passage="x" * 20_001)
    assert "longer than" in client.error("sparql", query="#" + "x" * 20_001 + "\nASK {}")
    assert client.ok("list_queries")["queries"]


def test_resources_text_and_ontology(client: Client) -> None:
    assert client.session is not None
    listed = {str(r.uri) for r in client.run(client.session.list_resources()).resources}
    assert {"sco-kg://text/news-release-2001-06-15", "sco-kg://ontology"} <= listed
    text = client.run(client.session.read_resource("sco-kg://text/news-release-2001-06-15")).contents[0].text
    with open(paths.source_text(), encoding="utf-8", newline="") as fh:
        assert text == fh.read()
    ttl = client.run(client.session.read_resource("sco-kg://ontology")).contents[0].text
    from rdflib import Graph, URIRef

    g = Graph().parse(data=ttl, format="turtle")
    chain = URIRef(iri.PREFIXES["owl"] + "propertyChainAxiom")
    assert (URIRef(iri.ONTOLOGY + "memberOf"), chain, None) in g


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.mark.slow
@pytest.mark.network_loopback
def test_streamable_http_on_loopback() -> None:
    from mcp.client.streamable_http import streamable_http_client

    port = _free_port()
    cmd = [sys.executable, "-m", "sco_kg.cli", "mcp", "--http", "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "the HTTP server did not start"
                time.sleep(0.2)

        async def session() -> tuple[set[str], dict[str, Any]]:
            url = f"http://127.0.0.1:{port}/mcp"
            async with streamable_http_client(url) as streams, ClientSession(streams[0], streams[1]) as s:
                await s.initialize()
                names = {t.name for t in (await s.list_tools()).tools}
                r = await s.call_tool("verify_quote", {"passage": "signed Friday the Declaration"})
                assert not r.is_error and isinstance(r.structured_content, dict)
                return names, r.structured_content

        names, quote = asyncio.run(session())
        assert "explain" in names and quote["verdict"] == "verbatim"
        assert quote["matches"][0]["sentences"][0]["sentence"] == P1
    finally:
        proc.terminate()
        proc.wait(timeout=30)
