"""Issue 7: the allow-list of external IDs, the generated links, zh/ru names, outside facts, sco-kg enrich."""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from conftest import TEST_DATA, free_port
from rdflib import RDFS, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

import sco_kg
from sco_kg import linking, paths
from sco_kg.cli import main
from sco_kg.dataset import Source
from sco_kg.errors import DataFileError
from sco_kg.rdf import iri
from sco_kg.reasoning import engines

SCO = Namespace(iri.ONTOLOGY)
SKOS = Namespace(iri.PREFIXES["skos"])
PROV = Namespace(iri.PREFIXES["prov"])
DCT = Namespace(iri.PREFIXES["dcterms"])
OWL_SAME_AS = URIRef(iri.PREFIXES["owl"] + "sameAs")
XSD_DATE = URIRef(iri.PREFIXES["xsd"] + "date")
WD = "http://www.wikidata.org/entity/"
SNAPSHOT = TEST_DATA / "wikidata-snapshot.ttl"


def ent(key: str) -> URIRef:
    """Return the IRI of the sco-kg individual ``key`` (``state/china``)."""
    return URIRef(iri.ID + key)


def graph(name: str) -> URIRef:
    """Return the IRI of context graph ``name``."""
    return URIRef(f"{iri.GRAPH_CONTEXT}/{name}")


@pytest.fixture(scope="module")
def data() -> Dataset:
    """The shipped data/*.trig files, graphs kept apart (no ontology, no inference)."""
    ds = Dataset(default_union=True)
    for path in paths.data_files():
        ds.parse(path, format="trig")
    return ds


# --- the allow-list -------------------------------------------------------------------------------------

# LINKING.md §1 and §3, VERIFIED rows: the allow-list must hold exactly these identity links.
VERIFIED = {
    "organization/sco": ["Q485207"],
    "organization/united-nations": ["Q1065"],
    "document/un-charter": ["Q171328"],
    "state/kazakhstan": ["Q232", "gn:1522867"],
    "state/china": ["Q148", "gn:1814991"],
    "state/kyrgyzstan": ["Q813", "gn:1527747"],
    "state/russia": ["Q159", "gn:2017370"],
    "state/tajikistan": ["Q863", "gn:1220409"],
    "state/uzbekistan": ["Q265", "gn:1512440"],
    "place/shanghai": ["Q8686", "gn:1796236"],
    "place/moscow": ["Q649", "gn:524901"],
    "place/almaty": ["Q35493", "gn:1526384"],
    "place/bishkek": ["Q9361", "gn:1528675", "dbr:Bishkek"],
    "place/dushanbe": ["Q9365", "gn:1221874"],
}


def _expand(short: str) -> str:
    if short.startswith("gn:"):
        return f"https://sws.geonames.org/{short[3:]}/"
    if short.startswith("dbr:"):
        return "http://dbpedia.org/resource/" + short[4:]
    return WD + short


def test_allow_list_holds_exactly_the_verified_identity_links():
    rows = linking.read_allow_list()
    same_as = {(r.entity, r.external) for r in rows if r.relation == "owl:sameAs"}
    expected = {(iri.ID + k, _expand(v)) for k, vs in VERIFIED.items() for v in vs}
    assert same_as == expected
    assert all(r.source.startswith(("LINKING.md", "INVENTORY.md")) for r in rows)


def test_pax_record_is_only_related_never_same_as():
    rows = [r for r in linking.read_allow_list() if r.authority.key == "pax"]
    assert [(r.entity, r.relation) for r in rows] == [
        (iri.ID + "document/agreement-military-trust-1996", "skos:related")
    ]


# LINKING.md marks these UNVERIFIED or warns against them: they must appear nowhere in the data.
FORBIDDEN = [
    "http://www.wikidata.org/entity/Q122828042",  # the UN item's unlabelled "foundational text"
    "http://www.wikidata.org/entity/Q186466",  # Almaty Region, not the city
    "https://sws.geonames.org/1528334/",  # "Biškek", a different feature
    "http://www.wikidata.org/entity/Q188749",  # a chanterelle mushroom, not the SCO
    "http://dbpedia.org/resource/Shanghai",
    "http://dbpedia.org/resource/Shanghai_Cooperation_Organisation",
    "http://dbpedia.org/resource/China",
    "http://dbpedia.org/resource/Charter_of_the_United_Nations",
]


@pytest.mark.parametrize("value", FORBIDDEN)
def test_unverified_identifier_is_not_emitted(data, value):
    term = URIRef(value)
    assert not list(data.quads((term, None, None, None))) and not list(data.quads((None, None, term, None)))


@pytest.mark.parametrize(
    "key",
    [
        "organization/shanghai-five",
        "document/agreement-military-trust-1996",
        "document/agreement-reduction-military-forces-1997",
        "document/shanghai-convention-2001",
        "document/sco-charter",
        "document/declaration-2001",
        "organization/anti-terrorism-centre-bishkek",
        "organization/regional-anti-terrorist-structure",
    ],
)
def test_entities_without_verified_ids_have_no_identity_link(data, key):
    for p in (OWL_SAME_AS, SKOS.exactMatch, SKOS.closeMatch):
        assert list(data.objects(ent(key), p)) == []


def test_every_external_iri_in_the_shipped_files_is_on_the_allow_list():
    files = [*paths.ontology_files(), *paths.data_files(), SNAPSHOT, TEST_DATA / "later-members.ttl"]
    assert linking.unlisted_external_iris(files) == []


def test_the_external_iri_check_catches_an_unlisted_identifier(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "<https://w3id.org/sco-kg/id/state/china> owl:sameAs <http://www.wikidata.org/entity/Q42> .\n"
        "<https://w3id.org/sco-kg/id/place/shanghai> owl:sameAs <http://example.org/shanghai> .\n"
        "<https://w3id.org/sco-kg/id/place/moscow> <http://www.w3.org/ns/prov#wasDerivedFrom> "
        "<https://example.org/a-cited-page> .\n",
        encoding="utf-8",
    )
    assert linking.unlisted_external_iris([bad]) == [
        (bad, "http://example.org/shanghai"),
        (bad, "http://www.wikidata.org/entity/Q42"),
    ]


def test_shipped_links_trig_is_fresh():
    shipped = linking.links_path().read_text(encoding="utf-8")
    assert shipped == linking.build_links_trig(linking.read_allow_list()), "run: python -m sco_kg.linking"


def test_links_graph_equals_the_allow_list(data):
    links = data.graph(URIRef(iri.GRAPH_CONTEXT_LINKS))
    got = {(str(s), str(p), str(o)) for s, p, o in links}
    assert got == {(r.entity, r.relation_iri, r.external) for r in linking.read_allow_list()}
    # every link has a record that names its evidence
    prov_graph = data.graph(URIRef(iri.GRAPH_PROVENANCE_CONTEXT))
    for row in linking.read_allow_list():
        record = URIRef(row.record_iri)
        assert prov_graph.value(record, URIRef(iri.PREFIXES["rdf"] + "object")) == URIRef(row.external)
        assert str(prov_graph.value(record, DCT.source)) == row.source


def test_write_links_regenerates_atomically(tmp_path):
    target = tmp_path / "links.trig"
    linking.write_links(target=target)
    assert target.read_text(encoding="utf-8") == linking.links_path().read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["links.trig"]


HEADER = "entity_iri,external_iri,relation,source\n"
GOOD = "https://w3id.org/sco-kg/id/place/moscow,http://www.wikidata.org/entity/Q649,owl:sameAs,LINKING.md\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("entity,external,relation,source\n" + GOOD, "line 1: the header must be"),
        (HEADER + GOOD.replace("owl:sameAs", "owl:equivalentClass"), "line 2: relation 'owl:equivalentClass'"),
        (
            HEADER + GOOD.replace("http://www.wikidata.org/entity/Q649", "https://www.geonames.org/524901/"),
            "line 2: external_iri 'https://www.geonames.org/524901/' matches no known identifier scheme",
        ),
        (HEADER + GOOD.replace("Q649", "Q 649"), "line 2: external_iri"),
        (
            HEADER + GOOD.replace("https://w3id.org/sco-kg/id/place/moscow", "http://example.org/moscow"),
            "line 2: entity_iri 'http://example.org/moscow' is not an sco-kg individual",
        ),
        (HEADER + GOOD.replace("LINKING.md", ""), "line 2: the source column is empty"),
        (HEADER + GOOD + GOOD, "line 3: duplicate of line 2"),
        (
            HEADER + GOOD + GOOD.replace("place/moscow", "place/almaty"),
            "line 3: http://www.wikidata.org/entity/Q649 is already owl:sameAs",
        ),
        (
            HEADER
            + GOOD.replace("http://www.wikidata.org/entity/Q649", "https://pax.peaceagreements.org/agreements/531"),
            "line 2: owl:sameAs to https://pax.peaceagreements.org/agreements/531",
        ),
        (HEADER + GOOD.replace(",LINKING.md", ""), "line 2: expected 4 columns"),
        (HEADER, "the allow-list is empty"),
    ],
    ids=[
        "header",
        "relation",
        "geonames-page",
        "space",
        "namespace",
        "no-source",
        "duplicate",
        "shared-identity",
        "pax-same-as",
        "columns",
        "empty",
    ],
)
def test_malformed_allow_list_is_refused_with_file_and_line(tmp_path, text, message):
    path = tmp_path / "external-ids.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError, match=message.replace("(", r"\(").replace(")", r"\)")) as err:
        linking.read_allow_list(path)
    assert str(err.value).startswith(f"{path}: ")
    assert message in str(err.value)


def test_missing_allow_list_is_a_clear_error(tmp_path):
    with pytest.raises(DataFileError, match="file not found"):
        linking.read_allow_list(tmp_path / "nope.csv")


# --- names in the SCO's languages ----------------------------------------------------------------------

NAMES = {  # key: (prefLabel@zh, prefLabel@ru) exactly as LINKING.md gives them (title marks dropped)
    "organization/sco": ("上海合作组织", "Шанхайская организация сотрудничества"),
    "organization/shanghai-five": ("上海五国", "Шанхайская пятерка"),
    "state/kazakhstan": ("哈萨克斯坦共和国", "Республика Казахстан"),
    "state/china": ("中华人民共和国", "Китайская Народная Республика"),
    "state/kyrgyzstan": ("吉尔吉斯共和国", "Кыргызская Республика"),
    "state/russia": ("俄罗斯联邦", "Российская Федерация"),
    "state/tajikistan": ("塔吉克斯坦共和国", "Республика Таджикистан"),
    "state/uzbekistan": ("乌兹别克斯坦共和国", "Республика Узбекистан"),
    "organization/united-nations": ("联合国", "Организация Объединённых Наций"),
    "document/un-charter": ("联合国宪章", "Устав Организации Объединенных Наций"),
    "document/shanghai-convention-2001": (
        "打击恐怖主义、分裂主义和极端主义上海公约",
        "Шанхайская конвенция о борьбе с терроризмом, сепаратизмом и экстремизмом",
    ),
    "document/sco-charter": ("上海合作组织宪章", None),
    "document/agreement-military-trust-1996": ("关于在边境地区加强军事领域信任的协定", None),
    "document/agreement-reduction-military-forces-1997": (
        "关于在边境地区相互裁减军事力量的协定",
        "Соглашение между Республикой Казахстан, Кыргызской Республикой, Российской Федерацией, "
        "Республикой Таджикистан и Китайской Народной Республикой о взаимном сокращении вооруженных сил "
        "в районе границы",
    ),
    "document/declaration-2001": ("上海合作组织成立宣言", None),
    "principle/shanghai-spirit": ("上海精神", None),
    "place/shanghai": ("上海", None),
    "place/moscow": (None, None),  # no verified zh/ru names for the other cities
    "place/bishkek": (None, None),
}


@pytest.mark.parametrize("key", sorted(NAMES))
def test_official_names_in_zh_and_ru(data, key):
    zh, ru = NAMES[key]
    pref = {(o.language, str(o)) for o in data.objects(ent(key), SKOS.prefLabel) if o.language in ("zh", "ru")}
    expected = ({("zh", zh)} if zh else set()) | ({("ru", ru)} if ru else set())
    assert pref == expected  # an UNVERIFIED name (None) must be absent, not guessed


@pytest.mark.parametrize(
    ("key", "alt"),
    [
        ("organization/sco", {("zh", "上合组织"), ("ru", "ШОС")}),
        ("state/china", {("zh", "中国"), ("ru", "Китай")}),
        ("state/kyrgyzstan", {("zh", "吉尔吉斯斯坦"), ("ru", "Кыргызстан")}),
        ("state/russia", set()),  # UNTERM's short name equals the formal one
        ("organization/united-nations", {("ru", "ООН")}),
        ("document/declaration-2001", {("ru", "Декларация о создании ШОС")}),
        ("document/sco-charter", {("ru", "Хартия ШОС")}),
    ],
)
def test_short_names_are_alt_labels(data, key, alt):
    got = {(o.language, str(o)) for o in data.objects(ent(key), SKOS.altLabel) if o.language in ("zh", "ru")}
    assert got == alt


def test_one_pref_label_per_language_and_pref_alt_disjoint(data):
    """SKOS S14 (one prefLabel per language) and S13 (prefLabel and altLabel disjoint) over all data."""
    prefs: dict[tuple[URIRef, str | None], set[str]] = {}
    for s, _, o, _g in data.quads((None, SKOS.prefLabel, None, None)):
        prefs.setdefault((s, o.language), set()).add(str(o))
    assert {k: v for k, v in prefs.items() if len(v) > 1} == {}
    for s, _, o, _g in data.quads((None, SKOS.altLabel, None, None)):
        assert str(o) not in prefs.get((s, o.language), set()), (s, o)


def test_chinese_names_use_the_zh_tag_only(data):
    tags = {o.language for o in data.objects(None, None) if isinstance(o, Literal) and o.language}
    assert "zh" in tags and not {t for t in tags if t.lower().startswith("zh-")}


def test_the_texts_names_are_labels_and_official_titles_alt_labels(data):
    """The text's own wording is the English label (issue 18); verified official titles are alternatives."""
    named_by_the_text = {
        "document/agreement-military-trust-1996": "Treaty on Deepening Military Trust in Border Regions",
        "document/agreement-reduction-military-forces-1997": "Treaty on Reduction of Military Forces in Border Regions",
        "document/shanghai-convention-2001": "Shanghai treaty on the crackdown on terrorism, separatism and extremism",
        "document/declaration-2001": "Declaration of Shanghai Cooperation Organization",
    }
    for key, label in named_by_the_text.items():
        assert set(data.objects(ent(key), RDFS.label)) & {Literal(label, lang="en")}, key
    official = {
        "place/almaty": "Alma-ata",
        "document/agreement-military-trust-1996": (
            "Agreement on Confidence Building in the Military Field in the Border Area"
        ),
        "document/shanghai-convention-2001": "Shanghai Convention on Combating Terrorism, Separatism and Extremism",
    }
    for key, alt in official.items():
        assert Literal(alt, lang="en") in set(data.objects(ent(key), SKOS.altLabel)), key


# --- facts from outside the declaration ------------------------------------------------------------------


def _sources(data: Dataset, name: str) -> set[str]:
    meta = data.graph(URIRef(iri.GRAPH_PROVENANCE_CONTEXT))
    return {str(o) for o in meta.objects(graph(name), PROV.wasDerivedFrom)}


def test_every_context_graph_is_described_with_its_source(data):
    meta = data.graph(URIRef(iri.GRAPH_PROVENANCE_CONTEXT))
    names = {str(g.identifier) for g in data.graphs() if str(g.identifier).startswith(iri.GRAPH_CONTEXT)}
    assert len(names) >= 8
    for name in names:
        node = URIRef(name)
        assert meta.value(node, DCT.description) is not None, name
        cited = (PROV.wasDerivedFrom, DCT.source, DCT.bibliographicCitation)
        assert any(meta.value(node, p) is not None for p in cited), name


def test_signing_place_and_date_come_from_rg_ru(data):
    g = data.graph(graph("rg-ru-2017"))
    signing = ent("event/signing-declaration-2001")
    assert g.value(signing, SCO.atPlace) == ent("place/shanghai")
    assert g.value(signing, SCO.date) == Literal("2001-06-15", datatype=XSD_DATE)
    assert _sources(data, "rg-ru-2017") == {"https://rg.ru/2017/05/29/shos-otmetit-16-letie-v-iiune.html"}


def test_the_text_itself_does_not_place_the_signing(data):
    """INVENTORY.md point 2: Shanghai as the signing place is outside knowledge, so only context holds it."""
    signing = ent("event/signing-declaration-2001")
    graphs = {str(g) for _, _, _, g in data.quads((signing, SCO.atPlace, None, None))}
    assert graphs == {str(graph("rg-ru-2017"))}


@pytest.mark.parametrize(
    ("name", "key", "date"),
    [
        ("pax-531", "document/agreement-military-trust-1996", "1996-04-26"),
        ("pax-531", "event/signing-agreement-1996", "1996-04-26"),
        ("agreement-1997", "document/agreement-reduction-military-forces-1997", "1997-04-24"),
        ("agreement-1997", "event/signing-agreement-1997", "1997-04-24"),
        ("worldjpn-shanghai-convention-2001", "document/almaty-joint-statement-1998", "1998-07-03"),
        ("worldjpn-shanghai-convention-2001", "document/bishkek-declaration-1999", "1999-08-25"),
        ("worldjpn-shanghai-convention-2001", "document/dushanbe-declaration-2000", "2000-07-05"),
        ("worldjpn-shanghai-convention-2001", "document/shanghai-convention-2001", "2001-06-15"),
        ("worldjpn-shanghai-convention-2001", "event/signing-shanghai-convention-2001", "2001-06-15"),
    ],
)
def test_full_dates_from_their_sources(data, name, key, date):
    assert data.graph(graph(name)).value(ent(key), SCO.date) == Literal(date, datatype=XSD_DATE)
    assert _sources(data, name)


def test_summary_documents_are_named_and_part_of_the_summit_documents(data):
    g = data.graph(graph("worldjpn-shanghai-convention-2001"))
    parts = {
        "document/almaty-joint-statement-1998": ("Almaty Joint Statement", "document/summary-documents-1998-almaty"),
        "document/bishkek-declaration-1999": ("Bishkek Declaration", "document/summary-documents-1999-bishkek"),
        "document/dushanbe-declaration-2000": ("Dushanbe Declaration", "document/summary-documents-2000-dushanbe"),
    }
    for key, (name, whole) in parts.items():
        assert g.value(ent(key), SKOS.prefLabel) == Literal(name, lang="en")
        assert g.value(ent(key), SCO.partOf) == ent(whole)


def test_shanghai_convention_signed_the_same_day_in_shanghai(data):
    g = data.graph(graph("worldjpn-shanghai-convention-2001"))
    event = g.value(ent("document/shanghai-convention-2001"), SCO.signingEvent)
    assert g.value(event, SCO.atPlace) == ent("place/shanghai")
    assert g.value(event, SCO.date) == data.graph(graph("rg-ru-2017")).value(
        ent("event/signing-declaration-2001"), SCO.date
    )
    assert len(set(g.objects(ent("document/shanghai-convention-2001"), SCO.hasSignatory))) == 6


PRESIDENTS = {
    "kazakhstan": ("Nursultan Nazarbayev", "纳扎尔巴耶夫"),
    "china": ("Jiang Zemin", "江泽民"),
    "kyrgyzstan": ("Askar Akayev", "阿卡耶夫"),
    "russia": ("Vladimir Putin", "普京"),
    "tajikistan": ("Emomali Rakhmonov", "拉赫莫诺夫"),
    "uzbekistan": ("Islam Karimov", "卡里莫夫"),
}


@pytest.mark.parametrize("state", sorted(PRESIDENTS))
def test_presidents_named_in_en_and_zh(data, state):
    person = ent(f"person/president-{state}-2001")
    g = data.graph(graph("presidents-2001"))
    en, zh = PRESIDENTS[state]
    assert set(g.objects(person, SKOS.prefLabel)) == {Literal(en, lang="en"), Literal(zh, lang="zh")}
    # the person is the one the declaration data makes head of that state
    assert (person, SCO.isHeadOfStateOf, ent(f"state/{state}")) in data


def test_planned_bishkek_centre_and_rats_are_only_weakly_related(data):
    centre, rats = (
        ent("organization/anti-terrorism-centre-bishkek"),
        ent("organization/regional-anti-terrorist-structure"),
    )
    links = {(str(p), str(g)) for _, p, _, g in data.quads((centre, None, rats, None))}
    assert links == {(str(SKOS.related), str(graph("rats")))}
    assert not list(data.quads((centre, OWL_SAME_AS, None, None)))
    assert not list(data.quads((rats, OWL_SAME_AS, None, None)))
    assert _sources(data, "rats") == {
        "https://russian.eurasianet.org/node/59615",
        "https://uz.sputniknews.ru/amp/20230616/tashkent-den-rojdeniya-rats-shos-meropriyatiye-36008351.html",
    }
    assert (rats, URIRef(iri.PREFIXES["prov"] + "atLocation"), ent("place/tashkent")) in data


def test_context_graphs_can_be_excluded_by_a_query(asserted):
    """The context is a family of named graphs: one FILTER leaves every outside fact out."""
    signing = iri.ID + "event/signing-declaration-2001"
    q = "SELECT ?place WHERE { GRAPH ?g { <" + signing + "> <" + iri.ONTOLOGY + "atPlace> ?place } {} }"
    with_context = {str(r[0]) for r in asserted.query(q.replace("{}", ""))}
    without = {
        str(r[0]) for r in asserted.query(q.replace("{}", f'FILTER(!STRSTARTS(STR(?g), "{iri.GRAPH_CONTEXT}"))'))
    }
    assert with_context == {iri.ID + "place/shanghai"} and without == set()


# --- owl:sameAs and the closure --------------------------------------------------------------------------


@pytest.mark.slow
def test_external_same_as_only_copies_triples_onto_external_iris(asserted):
    """With the links in the input the closure grows, and every extra triple mentions an external IRI."""

    if not engines.is_available("reasonable"):
        pytest.skip("reasonable not installed")
    without = engines.compute_closure(asserted, reasoner="reasonable")
    with_links = engines.compute_closure(asserted, reasoner="reasonable", include_external_links=True)
    assert without.excluded_links == sum(1 for r in linking.read_allow_list() if r.relation == "owl:sameAs")
    extra = with_links.inferred - without.inferred
    assert len(with_links.inferred) > len(without.inferred) and extra
    # Modulo the identity (each external IRI read as its sco-kg entity), the extra triples say nothing new.
    entity_of = {URIRef(r.external): URIRef(r.entity) for r in linking.read_allow_list()}

    def canon(t: tuple) -> tuple:
        return tuple(entity_of.get(x, x) for x in t)

    base = {canon(t) for t in asserted.triples((None, None, None))} | {canon(t) for t in without.inferred}
    new = [t for t in extra if not (t[1] == OWL_SAME_AS and canon(t)[0] == canon(t)[2]) and canon(t) not in base]
    assert new == []


# --- sco-kg enrich ----------------------------------------------------------------------------------------


class _Recorder(http.server.BaseHTTPRequestHandler):
    """A loopback SPARQL stand-in that records requests and answers with a canned body."""

    body: bytes = b""
    delay: float = 0.0
    hits: ClassVar[list[dict[str, str]]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        type(self).hits.append({"ua": self.headers.get("User-Agent", ""), "accept": self.headers.get("Accept", "")})
        if self.delay:
            time.sleep(self.delay)
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/turtle")
            self.send_header("Content-Length", str(len(self.body)))
            self.end_headers()
            self.wfile.write(self.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the timeout test)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def recorder(tmp_path, monkeypatch) -> Iterator[type[_Recorder]]:
    """A recording endpoint on 127.0.0.1 (fresh class per test) and a cache under tmp_path."""
    monkeypatch.setenv("SCO_KG_CACHE", str(tmp_path / "cache"))
    handler = type("Handler", (_Recorder,), {"hits": [], "body": SNAPSHOT.read_bytes(), "delay": 0.0})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}/sparql"  # type: ignore[attr-defined]
    yield handler
    server.shutdown()
    server.server_close()


def _facts(text: str) -> Graph:
    """Return the Wikidata-shaped facts of a snapshot (its own record about the snapshot left out)."""
    g = Graph().parse(data=text, format="turtle")
    for s in [s for s in set(g.subjects()) if str(s).startswith(iri.ID + "snapshot/")]:
        g.remove((s, None, None))
    return g


@pytest.mark.slow
def test_enrich_writes_the_facts_with_user_agent_and_caches(recorder, tmp_path, capsys):
    out = tmp_path / "wd.ttl"
    assert main(["enrich", "--endpoint", recorder.url, "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "enrich: 28 facts about 14 of 14 linked Wikidata items" in err
    assert isomorphic(_facts(out.read_text(encoding="utf-8")), _facts(SNAPSHOT.read_text(encoding="utf-8")))
    assert out.read_text(encoding="utf-8").startswith("# SNAPSHOT of Wikidata-shaped facts retrieved ")
    assert len(recorder.hits) == 1 and recorder.hits[0]["ua"].startswith("sco-kg/")
    assert "turtle" in recorder.hits[0]["accept"]
    # second run: served from the cache, no request
    out2 = tmp_path / "again.ttl"
    assert main(["enrich", "--endpoint", recorder.url, "-o", str(out2)]) == 0
    assert len(recorder.hits) == 1 and "from cache " in capsys.readouterr().err
    assert isomorphic(_facts(out2.read_text(encoding="utf-8")), _facts(out.read_text(encoding="utf-8")))
    # --refresh asks again
    assert main(["enrich", "--endpoint", recorder.url, "--refresh", "-o", str(out2)]) == 0
    assert len(recorder.hits) == 2


@pytest.mark.slow
def test_enrich_keeps_only_facts_about_allow_listed_items(recorder, tmp_path):
    recorder.body = SNAPSHOT.read_bytes() + (
        b'\n<http://www.wikidata.org/entity/Q42> <http://www.w3.org/2000/01/rdf-schema#label> "Douglas"@en .\n'
        b'<http://www.wikidata.org/entity/Q148> <http://www.wikidata.org/prop/direct/P1082> "1" .\n'
        b'<http://www.wikidata.org/entity/Q148> <http://www.w3.org/2000/01/rdf-schema#label> "Chine"@fr .\n'
    )
    out = tmp_path / "wd.ttl"
    assert main(["enrich", "--endpoint", recorder.url, "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "Q42" not in text and "P1082" not in text and "Chine" not in text
    assert isomorphic(_facts(text), _facts(SNAPSHOT.read_text(encoding="utf-8")))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("body", "delay", "message"),
    [
        (b"", 0.0, "empty answer (HTTP 200 with no body)"),
        (b"this is { not turtle", 0.0, "the answer is not Turtle"),
        (b"<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n", 0.0, "holds no facts"),
        (b"", 3.0, "no answer within 1 s"),
    ],
    ids=["empty", "garbage", "foreign", "timeout"],
)
def test_enrich_failures_are_one_line_and_cache_nothing(recorder, tmp_path, capsys, body, delay, message):
    recorder.body, recorder.delay = body, delay
    out = tmp_path / "wd.ttl"
    assert main(["enrich", "--endpoint", recorder.url, "--timeout", "1", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert not out.exists()
    assert not list((tmp_path / "cache").glob("**/*.ttl"))


def test_enrich_unreachable_endpoint(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SCO_KG_CACHE", str(tmp_path / "cache"))
    port = free_port()
    assert main(["enrich", "--endpoint", f"http://127.0.0.1:{port}/sparql", "--timeout", "2"]) == 1
    assert "cannot connect" in capsys.readouterr().err


@pytest.mark.parametrize("args", [["--endpoint", "ftp://example.org/sparql"], ["--endpoint", "x", "--timeout", "0"]])
def test_enrich_bad_usage_exits_2(tmp_path, monkeypatch, capsys, args):
    monkeypatch.setenv("SCO_KG_CACHE", str(tmp_path / "cache"))
    assert main(["enrich", *args]) == 2
    assert capsys.readouterr().err.startswith("sco-kg: error: ")


def _oxigraph() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not os.access(found, os.X_OK):
        pytest.fail("the oxigraph server (pip package 'oxigraph', test extra) is not installed")
    return found


@pytest.fixture()
def wikidata_like(tmp_path) -> Iterator[str]:
    """A real `oxigraph serve-read-only` on 127.0.0.1 holding the offline snapshot: a Wikidata-like endpoint."""
    exe, db = _oxigraph(), tmp_path / "oxdb"
    subprocess.run([exe, "load", "--location", str(db), "--file", str(SNAPSHOT)], check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen(
        [exe, "serve-read-only", "--location", str(db), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/query"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("oxigraph serve did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.network_loopback
def test_enrich_against_a_real_sparql_server(wikidata_like, tmp_path, monkeypatch):
    """The CONSTRUCT really runs (VALUES, UNION, language filter) and returns the snapshot's facts."""
    monkeypatch.setenv("SCO_KG_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "wd.ttl"
    assert main(["enrich", "--endpoint", wikidata_like, "-o", str(out)]) == 0
    assert isomorphic(_facts(out.read_text(encoding="utf-8")), _facts(SNAPSHOT.read_text(encoding="utf-8")))


def test_snapshot_joins_the_declaration_through_the_links(tmp_path, monkeypatch):
    """The offline snapshot, loaded with --with, answers 'capital of each member state' via owl:sameAs."""

    st = sco_kg.open_store(Source(inferred=False, with_files=[SNAPSHOT]))
    rows = st.query(
        "PREFIX wdt: <http://www.wikidata.org/prop/direct/> PREFIX owl: <http://www.w3.org/2002/07/owl#> "
        "SELECT ?state ?city WHERE { ?state owl:sameAs ?wds . ?wds wdt:P36 ?wdc . ?city owl:sameAs ?wdc } "
        "ORDER BY ?state",
        use_default_graph_as_union=True,
    )
    got = [(r["state"].value, r["city"].value) for r in rows]  # type: ignore[union-attr]
    assert got == [
        (iri.ID + "state/kyrgyzstan", iri.ID + "place/bishkek"),
        (iri.ID + "state/russia", iri.ID + "place/moscow"),
        (iri.ID + "state/tajikistan", iri.ID + "place/dushanbe"),
    ]


def test_snapshot_is_marked_and_dated():
    text = SNAPSHOT.read_text(encoding="utf-8")
    assert text.startswith("# SNAPSHOT of Wikidata-shaped facts, dated 2026-11-30")
    g = Graph().parse(SNAPSHOT)
    snap = URIRef(iri.ID + "snapshot/wikidata-2026-11-30")
    assert g.value(snap, DCT.created) == Literal("2026-11-30", datatype=XSD_DATE)
    # no coordinates or other unsourced facts
    assert {str(p) for s, p, _ in g if s != snap} == {
        iri.PREFIXES["rdfs"] + "label",
        "http://www.wikidata.org/prop/direct/P36",
        "http://www.wikidata.org/prop/direct/P298",
        "http://www.wikidata.org/prop/direct/P463",
    }
