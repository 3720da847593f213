"""sco_kg.explain: derivations checked mechanically against the shipped closure, citations, quotes, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sco_kg import explain as ex
from sco_kg.errors import UsageError
from sco_kg.explain.describe import describe
from sco_kg.explain.quotes import verify_quote
from sco_kg.explain.rules import CHAIN, read_list
from sco_kg.rdf import iri
from sco_kg.rdf.term import Term

SIGNATORIES = ("china", "kazakhstan", "kyrgyzstan", "russia", "tajikistan", "uzbekistan")


def fact(s: str, p: str, o: str) -> ex.Fact:
    return ex.Fact(*ex.parse_triple(s, p, o))


@pytest.fixture(scope="module")
def facts() -> ex.Facts:
    return ex.facts_of()


def _check_tree(node: ex.Explanation, facts: ex.Facts) -> None:
    """Re-apply every rule instance of the tree to its premises; every leaf must be asserted and cited."""
    for n in node.walk():
        if n.rule is None:
            assert n.status == "asserted", n.fact.n3()
            assert facts.is_asserted(n.fact.triple)
            assert n.citations and all(c.graph in n.graphs for c in n.citations)
            continue
        d = n.derivation()
        assert d is not None
        assert n.fact.triple in ex.apply_rule_all(d), (n.rule, n.fact.n3())
        assert all(p.depth < n.depth for p in n.premises), n.fact.n3()
        if n.rule == "prp-spo2":
            head = d.premises[0]
            assert head[1] == CHAIN
            # the chain the rule used is the list the axiom's blank node heads in the data
            assert n.chain == _list_in_data(facts, head[2])


def _list_in_data(facts: ex.Facts, head: Term) -> tuple[Term, ...]:
    from sco_kg.explain.rules import _Index

    ix = _Index()
    for t in facts.quads:
        if t[0].kind == "bnode":
            ix.add(t)
    members = read_list(ix, head)
    assert members is not None
    return members


@pytest.mark.slow
def test_every_inferred_triple_of_the_shipped_closure_is_explained_and_checks(facts: ex.Facts) -> None:
    inferred = [t for t, gs in facts.quads.items() if gs & set(iri.INFERRED_GRAPHS)]
    assert len(inferred) == 1269  # data/build/manifest.json: "inferred": 1269
    cov = ex.coverage()
    assert (cov.inferred, cov.explained, cov.unexplained) == (1269, 1269, ())
    for t in inferred:
        node = ex.explain_triple(t, facts)
        assert node.status == "inferred" and node.complete and node.rule in ex.RULES
        _check_tree(node, facts)
    assert {"prp-spo2", "prp-inv1", "prp-spo1", "cax-sco", "scm-sco", "prp-trp"} <= set(cov.by_rule)
    # The explainer's own rule engine reaches exactly the shipped closure (made by `reasonable` + completion rules).
    assert set(facts.deriver().how) == set(inferred)


def test_apply_rule_refuses_premises_that_do_not_fit() -> None:
    s, p, o = (Term.uri(f"urn:x:{n}") for n in "spo")
    sub = Term.uri(iri.PREFIXES["rdfs"] + "subClassOf")
    typ = Term.uri(iri.PREFIXES["rdf"] + "type")
    good = ex.Derivation("cax-sco", ((p, sub, o), (s, typ, p)))
    assert ex.apply_rule(good) == (s, typ, o)
    assert ex.apply_rule(ex.Derivation("cax-sco", ((p, sub, o), (s, typ, s)))) is None
    assert ex.apply_rule(ex.Derivation("prp-dom", ((p, sub, o), (s, typ, p)))) is None


def test_uzbekistan_membership_is_explained_down_to_p1(facts: ex.Facts) -> None:
    node = ex.explain(fact("state:uzbekistan", "sco:memberOf", "organization:sco"))
    assert node.status == "inferred" and node.graphs == (iri.GRAPH_INFERRED,)
    assert node.rule == "prp-spo2" and node.complete
    _check_tree(node, facts)
    cited = {s.iri for s in node.sentences()}
    assert iri.sentence(1, 1) in cited
    implied = [c for n in node.walk() for c in n.citations if c.kind == "implied"]
    assert implied and implied[0].graph == iri.GRAPH + "implied/p6-s1"
    p1 = next(s for c in implied for s in c.sentences if s.iri == iri.sentence(1, 1))
    text = facts.text()
    assert text is not None and text[1][p1.begin : p1.end] == p1.text
    assert "[Uzbekistan](#)" in p1.text and (p1.begin, p1.end) == (54, 329)


@pytest.mark.parametrize("state", SIGNATORIES)
def test_the_six_signatories_rest_on_p1(state: str, facts: ex.Facts) -> None:
    node = ex.explain(fact(f"state:{state}", "sco:isSignatoryOf", "document:declaration-2001"))
    assert node.rule == "prp-spo2" and node.complete
    _check_tree(node, facts)
    stated = [c for n in node.walk() for c in n.citations if c.kind == "stated"]
    assert {c.graph for c in stated} == {iri.assertion_graph(1, 1)}
    assert all(c.voice == iri.ONTOLOGY + "ReleaseVoice" and c.attribution is None for c in stated)


def test_asserted_triple_cites_sentence_and_attribution() -> None:
    # P2 is reported speech closed by "the Declaration said".
    node = ex.explain(fact("organization:shanghai-five", "rdf:type", "sco:StateGrouping"))
    assert node.status == "asserted" and node.graphs == (iri.assertion_graph(2, 1),)
    c = node.citations[0]
    assert c.kind == "stated" and c.attribution == "the Declaration said"
    assert c.sentences[0].iri == iri.sentence(2, 1) and '"Shanghai Five"' in c.sentences[0].text
    assert c.text.endswith("(the Declaration said)")


def test_outside_fact_cites_its_source_url(facts: ex.Facts) -> None:
    outside = [t for t, gs in facts.quads.items() if iri.GRAPH_CONTEXT + "/rg-ru-2017" in gs]
    assert outside
    c = next(c for c in facts.citations(outside[0]) if c.graph == iri.GRAPH_CONTEXT + "/rg-ru-2017")
    assert c.kind == "outside" and "https://rg.ru/2017/05/29/shos-otmetit-16-letie-v-iiune.html" in c.sources
    assert c.retrieved is None  # the graph records no retrieval date


def test_a_triple_that_does_not_hold_says_so() -> None:
    node = ex.explain(fact("state:china", "sco:memberOf", "state:russia"))
    assert node.status == "not-holding" and node.rule is None and not node.citations and not node.complete


def test_parse_errors_are_one_line() -> None:
    with pytest.raises(UsageError, match="unknown prefix 'nope:'"):
        ex.parse_triple("nope:x", "sco:memberOf", "organization:sco")
    with pytest.raises(UsageError, match="is not an IRI"):
        ex.parse_triple("uzbekistan", "sco:memberOf", "organization:sco")
    with pytest.raises(UsageError, match="cannot read the triple"):
        ex.parse_triple("<http://a b>", "sco:memberOf", "organization:sco")


def test_verify_quote_verbatim_near_miss_absent() -> None:
    ok = verify_quote("the  Republic of Uzbekistan signed Friday the Declaration")
    assert ok.verdict == "verbatim" and len(ok.matches) == 1
    m = ok.matches[0]
    assert m.text == "the Republic of [Uzbekistan](#) signed Friday the Declaration"
    assert [s.iri for s in m.sentences] == [iri.sentence(1, 1)]
    curly = verify_quote("played by the “Shanghai Five” in stimulating")
    assert curly.verdict == "verbatim" and curly.matches[0].sentences[0].iri == iri.sentence(2, 1)
    near = verify_quote("The presidents highly praised the active role played by the Shanghai Five")
    assert near.verdict == "near-miss" and not near.matches
    assert near.near_misses[0].sentences[0].iri == iri.sentence(2, 1) and near.near_misses[0].similarity < 1
    assert verify_quote("Uzbekistan withdrew from the organization in 2012").verdict == "absent"


def test_describe_by_name_in_three_languages() -> None:
    for name, lang in (("Uzbekistan", "en"), ("乌兹别克斯坦", "zh"), ("Узбекистан", "ru")):
        d = describe(name, lang)
        assert d.resource == iri.ID + "state/uzbekistan"
        assert name in d.labels[lang]
    d = describe("state:uzbekistan")
    origins = {(r.predicate.value, r.origin) for r in d.relations}
    assert (iri.ONTOLOGY + "memberOf", "inferred") in origins
    assert (iri.PREFIXES["owl"] + "sameAs", "outside") in origins
    with pytest.raises(UsageError, match="unknown resource"):
        describe("state:atlantis")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sco_kg.cli", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_cli_explain_tree_json_and_errors() -> None:
    r = run_cli("explain", "state:uzbekistan", "sco:memberOf", "organization:sco")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "state:uzbekistan sco:memberOf organization:sco  [inferred, scog:inferred]"
    assert "by prp-spo2" in r.stdout and "sent:p1-s1 [54–329]" in r.stdout
    r = run_cli("explain", "state:uzbekistan", "sco:memberOf", "organization:sco", "--format", "json")
    data = json.loads(r.stdout)
    assert data["rule"] == "prp-spo2" and data["complete"] is True
    r = run_cli("explain", "nope:x", "sco:memberOf", "organization:sco")
    assert r.returncode == 2 and r.stdout == "" and len(r.stderr.strip().splitlines()) == 1
    assert "unknown prefix 'nope:'" in r.stderr
    r = run_cli("explain", "state:china", "sco:memberOf", "state:russia")
    assert r.returncode == 1 and "does not hold" in r.stdout


def test_inference_from_an_outside_source_cites_its_url() -> None:
    node = ex.explain(fact("state:uzbekistan", "sco:isSignatoryOf", "document:shanghai-convention-2001"))
    assert node.status == "inferred" and node.graphs == (iri.GRAPH_INFERRED_CONTEXT,)
    assert node.rule in ("prp-inv1", "prp-inv2") and node.complete
    outside = [c for n in node.walk() for c in n.citations if c.kind == "outside"]
    assert outside and "https://worldjpn.net/documents/texts/SCO/20010615.T2E.html" in outside[0].sources


@pytest.mark.slow
def test_sources_without_outside_facts_without_closure_and_with_a_user_file(tmp_path: Path) -> None:
    from sco_kg.dataset import Source

    cov = ex.coverage(Source(context=False))
    assert (cov.inferred, cov.explained, cov.unexplained) == (1198, 1198, ())  # manifest: scog:inferred 1198
    gone = ex.explain(
        fact("state:uzbekistan", "sco:isSignatoryOf", "document:shanghai-convention-2001"), Source(context=False)
    )
    assert gone.status == "not-holding"
    # Without the closure the triple is not stored, but it still follows: "entailed", with the same rule.
    bare = ex.explain(fact("state:uzbekistan", "sco:memberOf", "organization:sco"), Source(inferred=False))
    assert bare.status == "entailed" and bare.rule == "prp-spo2" and bare.graphs == ()
    mine = tmp_path / "mine.ttl"
    mine.write_text(
        "<https://example.org/p> <https://w3id.org/sco-kg/ontology/isHeadOfStateOf> "
        "<https://w3id.org/sco-kg/id/state/china> .\n",
        encoding="utf-8",
    )
    src = Source(with_files=(mine,))
    node = ex.explain(fact("state:china", "sco:hasHeadOfState", "<https://example.org/p>"), src)
    assert node.status == "inferred" and node.graphs == (iri.GRAPH_INFERRED_USER,)
    user = [c for n in node.walk() for c in n.citations if c.kind == "user"]
    assert [c.graph for c in user] == [iri.GRAPH_USER + "mine.ttl"]
    assert ex.coverage(src).unexplained == ()
