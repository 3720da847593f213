"""The OWL 2 RL closure: one test per rule the project relies on, the trivial-triple filter, the T8 guard,
the freshness of the shipped closure and the agreement of `reasonable` with owlrl.

Rule tests read the shipped closure (fixtures ``asserted`` and ``reasoned``) and count the relevant triples
before (asserted graphs) and after (with ``scog:inferred``). Only the freshness/agreement tests compute an
owlrl closure of the shipped data, once per session (``fresh_owlrl``).
"""

from __future__ import annotations

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

import sco_kg
from sco_kg.dataset import Source
from sco_kg.errors import ReasoningError
from sco_kg.rdf import iri
from sco_kg.rdf.term import Term
from sco_kg.reasoning import engines, ntriples, tiers, vocab
from sco_kg.reasoning import filter as rfilter
from sco_kg.reasoning import materialize as closure

SCO = iri.ONTOLOGY
ORG = iri.PREFIXES["org"]
PROV = iri.PREFIXES["prov"]
FOAF = iri.PREFIXES["foaf"]
INFERRED = URIRef(iri.GRAPH_INFERRED)
INFERRED_CONTEXT = URIRef(iri.GRAPH_INFERRED_CONTEXT)
STATES = [
    URIRef(iri.ID + "state/" + k) for k in ("kazakhstan", "china", "kyrgyzstan", "russia", "tajikistan", "uzbekistan")
]
SCO_ORG = URIRef(iri.SCO_ORG)
DECLARATION = URIRef(iri.DECLARATION)


def u(local: str) -> URIRef:
    """Return the sco: term ``local`` as a URIRef."""
    return URIRef(SCO + local)


def count(ds: Dataset | Graph, s=None, p=None, o=None) -> int:
    """Return the number of distinct triples matching the pattern in the union of ``ds``'s graphs."""
    return len(set(ds.triples((s, p, o))))


def inferred(ds: Dataset, s=None, p=None, o=None) -> set:
    """Return the triples matching the pattern in ``scog:inferred``."""
    return set(ds.graph(INFERRED).triples((s, p, o)))


@pytest.fixture(scope="module")
def fresh_owlrl():
    """A fresh owlrl closure of the current ontology and data files, split into its tiers (scog:inferred,
    scog:inferred-context): two owlrl runs, computed once per module (~15–30 s)."""
    return tiers.compute_tiers(sco_kg.load(Source(inferred=False)), reasoner="owlrl")


# --------------------------------------------------------------------------------------------------
# Rules, on the shipped data
# --------------------------------------------------------------------------------------------------


def test_prp_inv1(asserted, reasoned):
    """prp-inv1: p owl:inverseOf q, x p y ⊢ y q x.

    Premises: sco:memberOf owl:inverseOf sco:hasMember; state sco:memberOf organization:sco (itself from
    the membership chain). Conclusion: organization:sco sco:hasMember each of the six states, so
    membership reads both ways.
    """
    has_member = u("hasMember")
    assert count(asserted, SCO_ORG, has_member, None) == 0
    assert {o for o in reasoned.objects(SCO_ORG, has_member)} == set(STATES)
    for state in STATES:
        assert (state, u("memberOf"), SCO_ORG) in reasoned
    # and org:memberOf ⇔ org:hasMember (the ORG inverse pair, restated in the alignments module)
    assert count(reasoned, SCO_ORG, URIRef(ORG + "hasMember"), None) == 6


def test_prp_spo2_membership_chain(asserted, reasoned):
    """prp-spo2: p owl:propertyChainAxiom (p1 p2), x p1 y, y p2 z ⊢ x p z.

    Premises: sco:memberOf ≡ org:hasMembership ∘ org:organization; membership/sco-china org:member
    state:china (hence state:china org:hasMembership membership/sco-china by prp-inv) and org:organization
    organization:sco. Conclusion: state:china sco:memberOf organization:sco, for all six states.
    """
    member_of = u("memberOf")
    assert count(asserted, None, member_of, SCO_ORG) == 0
    assert set(reasoned.subjects(member_of, SCO_ORG)) == set(STATES)
    assert inferred(reasoned, None, member_of, SCO_ORG) == {(s, member_of, SCO_ORG) for s in STATES}


def test_prp_spo2_state_signatory_from_president(asserted, reasoned):
    """prp-spo2: sco:isSignatoryOf ≡ sco:hasHeadOfState ∘ sco:signed.

    Premises: person/president-china-2001 sco:isHeadOfStateOf state:china (so state:china
    sco:hasHeadOfState the president, prp-inv1) and the president sco:signed document:declaration-2001.
    Conclusion: state:china sco:isSignatoryOf document:declaration-2001, for each of the six states.
    """
    signatory_of = u("isSignatoryOf")
    assert count(asserted, None, signatory_of, DECLARATION) == 0
    assert set(reasoned.subjects(signatory_of, DECLARATION)) == set(STATES)
    # prp-inv1 again: the declaration has the six signatories
    assert set(reasoned.objects(DECLARATION, u("hasSignatory"))) == set(STATES)


def test_prp_spo2_founding_members(asserted, reasoned):
    """prp-spo2: sco:foundingMemberOf ≡ sco:isSignatoryOf ∘ sco:isFoundingDocumentOf.

    Premises: each state sco:isSignatoryOf document:declaration-2001 (inferred above) and
    organization:sco sco:foundingDocument document:declaration-2001 (so the declaration
    sco:isFoundingDocumentOf the SCO). Conclusion: every signatory of the founding declaration is a
    founding member: state sco:foundingMemberOf organization:sco for the six states.
    """
    founding = u("foundingMemberOf")
    assert count(asserted, None, founding, None) == 0
    assert (SCO_ORG, u("foundingDocument"), DECLARATION) in asserted
    assert set(reasoned.subjects(founding, SCO_ORG)) == set(STATES)
    assert count(reasoned, SCO_ORG, u("hasFoundingMember"), None) == 6


def test_prp_spo1(asserted, reasoned):
    """prp-spo1: p1 rdfs:subPropertyOf p2, x p1 y ⊢ x p2 y.

    Premises: sco:foundingMemberOf rdfs:subPropertyOf sco:memberOf, sco:memberOf rdfs:subPropertyOf
    org:memberOf. Conclusion: each state org:memberOf organization:sco (W3C ORG view of membership).
    """
    org_member_of = URIRef(ORG + "memberOf")
    assert (u("foundingMemberOf"), RDFS.subPropertyOf, u("memberOf")) in asserted
    assert count(asserted, None, org_member_of, SCO_ORG) == 0
    assert set(reasoned.subjects(org_member_of, SCO_ORG)) == set(STATES)


def test_prp_trp(asserted, reasoned):
    """prp-trp: p a owl:TransitiveProperty, x p y, y p z ⊢ x p z.

    Premises: sco:partOf is transitive; sentence/p13-s2 sco:partOf paragraph/13, and paragraph/13
    sco:partOf document/news-release-2001-06-15. Conclusion: the sentence is part of the news release;
    every sentence is, and the number of sco:partOf triples grows by exactly the sentence→document links.
    """
    part_of = u("partOf")
    sentence = URIRef(iri.sentence(13, 2))
    news = URIRef(iri.NEWS_RELEASE)
    assert (sentence, part_of, URIRef(iri.paragraph(13))) in asserted
    assert (sentence, part_of, news) not in asserted
    assert (sentence, part_of, news) in reasoned.graph(INFERRED)
    sentences = set(reasoned.subjects(RDF.type, URIRef(iri.PREFIXES["nif"] + "Sentence")))
    assert sentences and all((s, part_of, news) in reasoned for s in sentences)
    before, after = count(asserted, None, part_of, None), count(reasoned, None, part_of, None)
    assert after - before == len(inferred(reasoned, None, part_of, None)) > 0


def test_cax_sco(asserted, reasoned):
    """cax-sco: c1 rdfs:subClassOf c2, x a c1 ⊢ x a c2.

    Premises: organization:sco a sco:InternationalOrganization; sco:InternationalOrganization ⊑
    org:FormalOrganization ⊑ org:Organization ⊑ foaf:Agent, and sco:InternationalOrganization ⊑ prov:Agent.
    Conclusion: the SCO is an org:Organization, a foaf:Agent and a prov:Agent.
    """
    wanted = {
        URIRef(ORG + "Organization"),
        URIRef(ORG + "FormalOrganization"),
        URIRef(FOAF + "Agent"),
        URIRef(PROV + "Agent"),
    }
    before = set(asserted.objects(SCO_ORG, RDF.type))
    after = set(reasoned.objects(SCO_ORG, RDF.type))
    assert before == {u("InternationalOrganization")}
    assert wanted <= after
    assert after - before == wanted


def test_prp_dom(asserted, reasoned):
    """prp-dom: p rdfs:domain c, x p y ⊢ x a c.

    Premises: every asserted triple x p y whose property has a domain (after scm-dom1/2, in the closed
    ontology). Conclusion: x is typed with every such domain in the reasoned dataset, e.g.
    org:member's domain org:Membership types membership/sco-china.
    """
    domains = {(p, c) for p, c in reasoned.subject_objects(RDFS.domain) if not isinstance(c, BNode)}
    missing = []
    checked = 0
    for p, c in domains:
        for x in set(asserted.subjects(p, None)):
            checked += 1
            if (x, RDF.type, c) not in reasoned:
                missing.append((x, c))
    assert checked > 100
    assert missing == []
    membership = URIRef(iri.ID + "membership/sco-china")
    assert (membership, RDF.type, URIRef(ORG + "Membership")) in reasoned


def test_prp_rng(asserted, reasoned):
    """prp-rng: p rdfs:range c, x p y ⊢ y a c.

    Premises: every asserted triple x p y with an IRI object whose property has a range in the closed
    ontology. Conclusion: y is typed with the range; e.g. sco:isHeadOfStateOf's range sco:State and
    sco:hasMember's range, and the count of rdf:type triples grows.
    """
    ranges = {(p, c) for p, c in reasoned.subject_objects(RDFS.range) if not isinstance(c, BNode)}
    missing = []
    for p, c in ranges:
        for y in set(asserted.objects(None, p)):
            if isinstance(y, URIRef) and (y, RDF.type, c) not in reasoned:
                missing.append((p, y, c))
    assert missing == []
    assert count(reasoned, None, RDF.type, None) > count(asserted, None, RDF.type, None)


def test_no_unsound_shortcut_bishkek_not_in_sco(asserted, reasoned):
    """No rule puts a place inside an organization.

    Premises: place:bishkek sco:locatedIn state:kyrgyzstan; state:kyrgyzstan sco:memberOf organization:sco.
    sco:locatedIn is transitive but is deliberately not chained with membership, so the closure must NOT
    conclude place:bishkek sco:locatedIn organization:sco (nor schema:containedInPlace it).
    """
    bishkek = URIRef(iri.ID + "place/bishkek")
    kyrgyzstan = URIRef(iri.ID + "state/kyrgyzstan")
    assert (bishkek, u("locatedIn"), kyrgyzstan) in asserted
    assert (kyrgyzstan, u("memberOf"), SCO_ORG) in reasoned
    assert (bishkek, u("locatedIn"), SCO_ORG) not in reasoned
    assert (bishkek, URIRef(iri.PREFIXES["schema"] + "containedInPlace"), SCO_ORG) not in reasoned
    assert set(reasoned.objects(bishkek, u("locatedIn"))) == {kyrgyzstan}


def test_external_links_kept_out_of_closure(asserted, reasoned):
    """eq-rep-s/eq-rep-o are not applied to external owl:sameAs links (they would only copy statements).

    Premises: state:china owl:sameAs wd:Q148 (context graph). Conclusion: the link stays asserted, but no
    inferred triple mentions a Wikidata or GeoNames IRI.
    """
    wd = URIRef(iri.PREFIXES["wd"] + "Q148")
    china = URIRef(iri.ID + "state/china")
    assert (china, OWL.sameAs, wd) in asserted
    outside = [
        t
        for t in reasoned.graph(INFERRED)
        if any(str(x).startswith(("http://www.wikidata.org/", "https://sws.geonames.org/")) for x in t)
    ]
    assert outside == []


# --------------------------------------------------------------------------------------------------
# Rules on small graphs (owlrl on a few triples is fast)
# --------------------------------------------------------------------------------------------------

# Inside the project's namespace: owl:sameAs links to IRIs outside it are kept out of the closure input.
EX = iri.ID + "test/"
PREFIXES = f"""@prefix owl: <{OWL}> . @prefix rdfs: <{RDFS}> . @prefix rdf: <{RDF}> .
@prefix ex: <{EX}> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def small(ttl: str) -> Graph:
    """Return a graph parsed from Turtle with the ex:, owl:, rdfs:, rdf:, xsd: prefixes."""
    return Graph().parse(data=PREFIXES + ttl, format="turtle")


def test_cax_dw_clash_reported():
    """cax-dw: c1 owl:disjointWith c2, x a c1, x a c2 ⊢ false (owlrl reports a clash).

    Premises: ex:Treaty owl:disjointWith ex:NonBinding; ex:d a ex:Treaty, ex:NonBinding.
    Conclusion: one Clash naming ex:Treaty, ex:NonBinding and ex:d; no clash node leaks into the inferred
    triples.
    """
    g = small("ex:Treaty owl:disjointWith ex:NonBinding . ex:d a ex:Treaty , ex:NonBinding .")
    result = engines.compute_closure(g, reasoner="owlrl")
    assert len(result.clashes) == 1
    clash = result.clashes[0]
    assert "Disjoint classes" in clash.message
    assert set(clash.resources) == {EX + "Treaty", EX + "NonBinding", EX + "d"}
    assert not any(isinstance(x, BNode) for t in result.inferred for x in t)


def test_cls_nothing2_clash_reported():
    """cls-nothing2: x a owl:Nothing ⊢ false.

    Premises: ex:Empty owl:equivalentClass owl:Nothing (cax-eqc1), ex:x a ex:Empty.
    Conclusion: a clash naming ex:x.
    """
    g = small("ex:Empty owl:equivalentClass owl:Nothing . ex:x a ex:Empty .")
    result = engines.compute_closure(g, reasoner="owlrl")
    assert result.clashes, "owl:Nothing member must be reported"
    assert any(EX + "x" in c.resources for c in result.clashes)


def test_consistent_graph_has_no_clash():
    """A graph whose disjoint classes share no individual has no clash (cax-dw does not fire)."""
    g = small("ex:A owl:disjointWith ex:B . ex:x a ex:A . ex:y a ex:B .")
    assert engines.compute_closure(g, reasoner="owlrl").clashes == ()


@pytest.mark.parametrize("reasoner", ["owlrl", "reasonable"])
def test_prp_spo2_small_both_reasoners(reasoner):
    """prp-spo2 on both reasoners (reasonable through the generated SPARQL rules), with chained inputs.

    Premises: ex:p ≡ ex:a ∘ ex:b, ex:q ≡ ex:p ∘ ex:c; ex:x ex:a ex:y, ex:y ex:b ex:z, ex:z ex:c ex:w.
    Conclusion: ex:x ex:p ex:z, and (a chain over an inferred triple) ex:x ex:q ex:w.
    """
    g = small("""ex:p owl:propertyChainAxiom ( ex:a ex:b ) . ex:q owl:propertyChainAxiom ( ex:p ex:c ) .
                 ex:x ex:a ex:y . ex:y ex:b ex:z . ex:z ex:c ex:w .""")
    result = engines.compute_closure(g, reasoner=reasoner)
    x, z, w = URIRef(EX + "x"), URIRef(EX + "z"), URIRef(EX + "w")
    assert (x, URIRef(EX + "p"), z) in result.inferred
    assert (x, URIRef(EX + "q"), w) in result.inferred


def test_chain_rules_generated_from_ontology(asserted):
    """The SPARQL prp-spo2 rules come from the ontology's owl:propertyChainAxiom lists, one per axiom."""
    from sco_kg.reasoning.engines import chain_axioms, completion_rules

    g = Graph()
    for t in asserted.graph(URIRef(iri.GRAPH_ONTOLOGY)):
        g.add(t)
    chains = chain_axioms(g)
    assert (SCO + "isSignatoryOf", [SCO + "hasHeadOfState", SCO + "signed"]) in chains
    rules = completion_rules(g)
    chain_rules = [k for k in rules if k.startswith("prp-spo2 ")]
    assert len(chain_rules) == len(chains) >= 4
    head, body = rules["prp-spo2 sco:isSignatoryOf"]
    assert head == f"?x0 <{SCO}isSignatoryOf> ?x2"
    assert body == f"?x0 <{SCO}hasHeadOfState> ?x1 . ?x1 <{SCO}signed> ?x2"


# --------------------------------------------------------------------------------------------------
# The trivial-triple filter
# --------------------------------------------------------------------------------------------------


def test_filter_removes_each_trivial_category():
    """owlrl's trivial output is filtered: literal subjects, blank nodes, built-in vocabulary, reflexive
    triples, owl:Thing/rdfs:Resource typing; what is asserted is not repeated; real inferences stay."""
    g = small("""ex:C rdfs:subClassOf ex:D . ex:x a ex:C ; ex:age "42"^^xsd:integer ; ex:name "x" .
                 ex:p rdfs:domain ex:C . ex:y ex:p ex:z .
                 ex:R a owl:Restriction ; owl:onProperty ex:p ; owl:someValuesFrom ex:C .""")
    result = engines.compute_closure(g, reasoner="owlrl")
    assert result.raw_added > 100  # owlrl's raw output is mostly trivia
    assert {"literal-subject", "reflexive", "builtin-vocabulary"} <= set(result.filtered)
    x, y = URIRef(EX + "x"), URIRef(EX + "y")
    assert (x, RDF.type, URIRef(EX + "D")) in result.inferred  # cax-sco
    assert (y, RDF.type, URIRef(EX + "C")) in result.inferred  # prp-dom
    for s, p, o in result.inferred:
        assert not isinstance(s, Literal)
        assert not isinstance(s, BNode) and not isinstance(o, BNode)
        assert not str(s).startswith(vocab.BUILTIN_NAMESPACES)
        assert not (s == o and str(p) in vocab.REFLEXIVE_TRIVIAL)
        assert str(o) not in vocab.TOP_CLASSES
        assert (s, p, o) not in g


def test_shipped_closure_has_no_trivial_triples(asserted, reasoned):
    """The shipped inferred graphs hold no trivial triple; scog:inferred repeats nothing the declaration's
    own graphs assert, scog:inferred-context nothing asserted anywhere nor anything in scog:inferred."""
    graph = reasoned.graph(INFERRED)
    assert len(graph) > 500
    bad = [t for t in graph if rfilter.is_trivial(*t)]
    assert bad == []
    own = {
        (s, p, o)
        for s, p, o, g in asserted.quads((None, None, None, None))
        if tiers.tier_of(str(getattr(g, "identifier", g))) == iri.GRAPH_INFERRED
    }
    repeated = [t for t in graph if t in own]
    assert repeated == []
    extra = reasoned.graph(INFERRED_CONTEXT)
    assert len(extra) > 0
    assert [t for t in extra if rfilter.is_trivial(*t) or t in asserted or t in graph] == []


@pytest.mark.slow
def test_issue_2_inferred_needs_no_outside_fact(asserted, reasoned):
    """Issue 2: no triple of scog:inferred rests on an outside fact.

    The closure computed WITHOUT the context graphs (scog:context/*, scog:provenance-context) equals the
    shipped scog:inferred exactly; the signing place of the Declaration (from the context graph
    scog:context/worldjpn-shanghai-convention-2001 via the chain sco:signingEvent ∘ sco:atPlace) is in
    scog:inferred-context and not in scog:inferred.
    """
    bare = sco_kg.load(Source(inferred=False, context=False))
    assert not any(iri.is_context_graph(str(g.identifier)) for g in bare.graphs())
    assert len(bare) < len(asserted)
    fast = engines.compute_closure(bare, reasoner="reasonable")
    assert set(reasoned.graph(INFERRED)) == set(fast.inferred)
    signed_at = (DECLARATION, u("signedAt"), URIRef(iri.ID + "place/shanghai"))
    assert signed_at in reasoned.graph(INFERRED_CONTEXT)
    assert signed_at not in reasoned.graph(INFERRED)
    convention = URIRef(iri.ID + "document/shanghai-convention-2001")
    for state in STATES:
        assert (state, u("isSignatoryOf"), convention) in reasoned.graph(INFERRED_CONTEXT)
        assert (state, u("isSignatoryOf"), convention) not in reasoned.graph(INFERRED)
        assert (state, u("isSignatoryOf"), DECLARATION) in reasoned.graph(INFERRED)


@pytest.mark.parametrize(
    ("triple", "category"),
    [
        ((Literal("x"), OWL.sameAs, Literal("x")), "literal-subject"),
        (
            (
                Literal("42", datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer")),
                RDF.type,
                URIRef("http://www.w3.org/2001/XMLSchema#integer"),
            ),
            "literal-subject",
        ),
        ((URIRef(EX + "x"), RDF.type, BNode()), "blank-node"),
        ((OWL.Thing, RDF.type, OWL.Class), "builtin-vocabulary"),
        ((URIRef(EX + "x"), OWL.sameAs, URIRef(EX + "x")), "reflexive"),
        ((URIRef(EX + "C"), RDFS.subClassOf, URIRef(EX + "C")), "reflexive"),
        ((URIRef(EX + "x"), RDF.type, OWL.Thing), "top-class"),
        ((URIRef(EX + "x"), RDF.type, RDFS.Resource), "top-class"),
        ((URIRef(EX + "p"), RDFS.domain, OWL.Thing), "top-class"),
        ((URIRef(EX + "x"), RDF.type, URIRef(EX + "C")), None),
        ((URIRef(EX + "x"), OWL.sameAs, URIRef(EX + "y")), None),
    ],
)
def test_trivial_reason(triple, category):
    """Each filtered category is recognised, and real inferences are kept; the build's filter on N-Triples
    strings (sco_kg.reasoning.ntriples) names the same category."""
    assert rfilter.trivial_reason(*triple) == category
    assert ntriples.trivial_reason(*(Term.from_rdflib(t).n3() for t in triple)) == category


# --------------------------------------------------------------------------------------------------
# SECURITY.md T8: inputs that make owlrl blow up are refused before reasoning
# --------------------------------------------------------------------------------------------------


@pytest.mark.timeout(10)
def test_large_sameas_component_refused():
    """A 100-node owl:sameAs chain (owlrl: ~95 s, 20 k triples) is refused at once with a clear error."""
    ttl = " ".join(f"ex:n{i} owl:sameAs ex:n{i + 1} . ex:n{i} ex:p ex:v{i} ." for i in range(99))
    with pytest.raises(ReasoningError, match=r"owl:sameAs component of 100 resources .* exceeds the limit of 20"):
        engines.compute_closure(small(ttl), reasoner="owlrl")


def test_small_sameas_component_accepted():
    """A component under the limit is reasoned over (eq-sym: the link is inferred the other way)."""
    result = engines.compute_closure(small("ex:a owl:sameAs ex:b ."), reasoner="owlrl")
    assert (URIRef(EX + "b"), OWL.sameAs, URIRef(EX + "a")) in result.inferred


@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    ("ttl", "message"),
    [
        (
            "ex:p owl:propertyChainAxiom ( ex:p ex:p ) .",
            "property chain loop: scoid:test/p -> scoid:test/p is defined through itself",
        ),
        (
            "ex:p owl:propertyChainAxiom ( ex:q ex:r ) . ex:q owl:propertyChainAxiom ( ex:p ex:s ) .",
            "property chain loop",
        ),
        (
            "ex:p owl:propertyChainAxiom ( ex:q ex:r ) . "
            "ex:p2 rdfs:subPropertyOf ex:q . ex:p rdfs:subPropertyOf ex:p2 .",
            "property chain loop",
        ),
        (
            "ex:p owl:propertyChainAxiom ex:l1 . ex:l1 rdf:first ex:a ; rdf:rest ex:l2 . "
            "ex:l2 rdf:first ex:b ; rdf:rest ex:l1 .",
            "loops back on itself",
        ),
        ("ex:p owl:propertyChainAxiom ex:l1 . ex:l1 rdf:first ex:a .", "malformed property chain list"),
        ("ex:p owl:propertyChainAxiom ( ex:a ) .", "has 1 member"),
    ],
)
def test_bad_property_chains_refused(ttl, message):
    """Self-referential, cyclic-list, unterminated and one-element property chains are refused (T8)."""
    with pytest.raises(ReasoningError, match=message):
        engines.compute_closure(small(ttl + " ex:x ex:a ex:y ."), reasoner="owlrl")


def test_unknown_reasoner_refused():
    """An unknown reasoner name is a ReasoningError naming the choices."""
    with pytest.raises(ReasoningError, match="use one of: owlrl, reasonable"):
        engines.compute_closure(small("ex:a ex:b ex:c ."), reasoner="pellet")


# --------------------------------------------------------------------------------------------------
# The shipped closure is fresh, and `reasonable` agrees with owlrl (computes owlrl once)
# --------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_shipped_closure_is_fresh(fresh_owlrl, reasoned):
    """The shipped artifact matches the current files (manifest hashes) and equals a fresh owlrl closure.

    Fails when the ontology or data changed without `sco-kg reason` being run.
    """
    status = closure.shipped_status()
    assert status is None, f"{status}: run 'sco-kg reason' and commit data/build/"
    assert list(fresh_owlrl.graphs) == [iri.GRAPH_INFERRED, iri.GRAPH_INFERRED_CONTEXT]
    for name, triples in fresh_owlrl.graphs.items():
        shipped = set(reasoned.graph(URIRef(name)))
        fresh = set(triples)
        assert shipped == fresh, (
            f"shipped {iri.compact(name)} differs from a fresh owlrl closure: {len(fresh - shipped)} missing, "
            f"{len(shipped - fresh)} extra; run 'sco-kg reason'"
        )
    assert fresh_owlrl.full.clashes == ()


@pytest.mark.slow
def test_reasonable_equals_owlrl_on_shipped_data(fresh_owlrl):
    """`reasonable` + generated prp-spo2 and scm rules gives exactly owlrl's filtered closure, so it is the
    default reasoner (REASONABLE_EQUALS_OWLRL); without the completion rules it would miss inferences."""
    ds = sco_kg.load(Source(inferred=False))
    fast = tiers.compute_tiers(ds, reasoner="reasonable")
    for name, ref in fresh_owlrl.graphs.items():
        only_owlrl, only_fast = ref - fast.graphs[name], fast.graphs[name] - ref
        assert (name, only_owlrl, only_fast) == (name, frozenset(), frozenset())
    fast = fast.full
    assert engines.REASONABLE_EQUALS_OWLRL
    assert engines.default_reasoner() == "reasonable"
    chains = [t for t in fast.inferred if str(t[1]) in (SCO + "isSignatoryOf", SCO + "foundingMemberOf")]
    assert len(chains) >= 12  # prp-spo2 conclusions that reasonable alone does not derive


def test_reasonable_lacks_chains_without_completion(monkeypatch):
    """Without the SPARQL completion rules, `reasonable` 0.4.4 misses prp-spo2 (why the rules exist)."""
    g = small("ex:p owl:propertyChainAxiom ( ex:a ex:b ) . ex:x ex:a ex:y . ex:y ex:b ex:z .")
    monkeypatch.setattr(engines, "completion_rules", lambda graph: {})
    result = engines.compute_closure(g, reasoner="reasonable")
    assert (URIRef(EX + "x"), URIRef(EX + "p"), URIRef(EX + "z")) not in result.inferred
