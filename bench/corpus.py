"""Generate a synthetic corpus of N declaration-shaped documents as N-Quads (benchmark input).

Each document looks like the shipped declaration: a ``sco:Declaration`` with signatory states, heads of state,
a signing event and a summit, the organization it founds or speaks for, treaties it rests on, principles,
aims, fields of cooperation, threats and planned actions with modalities, and its text as a NIF layer
(context, paragraphs, sentences with code-point offsets). What each sentence asserts sits in its own named
graph, and each such graph has a provenance block (``prov:wasDerivedFrom`` the sentence, …), as in
``docs/explanation/design.md``. Terms are the project's own (``sco:``, ``nif:``, ``prov:``, ``org:``); individuals and
graphs live under a distinct base, :data:`BASE`, so a corpus never collides with the real data.

The output is deterministic for a seed: the gazetteer (states, cities, organizations, concepts) is fixed and
document ``i`` depends only on the seed and ``i`` (it refers only to documents before it), so the file for a
bigger N starts with the file for a smaller N, line for line. The ontology (graph ``scog:ontology``) comes
first unless ``--no-ontology``, with blank nodes renamed in parse order so that it is deterministic too.

Usage::

    python -m bench.corpus 100 -o bench/out/corpus-100.nq     # ≈ 30 k quads
    python -m bench.corpus 4000 -o bench/out/corpus-4000.nq   # ≈ 1.2 M quads
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sco_kg import paths
from sco_kg.atomic import atomic_writer
from sco_kg.rdf import iri

BASE = "https://w3id.org/sco-kg/bench/"
ID = BASE + "id/"
GRAPH = BASE + "graph/"
GRAPH_GAZETTEER = GRAPH + "gazetteer"
GRAPH_TEXT = GRAPH + "text"
GRAPH_PROVENANCE = GRAPH + "provenance"
GRAPH_ASSERTION = GRAPH + "assertion/"
DEFAULT_SEED = 2001
SIZES = (1, 10, 100, 1000, 4000)

P = iri.PREFIXES
SCO = P["sco"]
RDF_TYPE = P["rdf"] + "type"
LABEL = P["rdfs"] + "label"
XSD = P["xsd"]
NIF = P["nif"]
PROV = P["prov"]
ORG = P["org"]
DCT = P["dcterms"]

_SYLLABLES = [
    "ka",
    "ra",
    "zi",
    "mo",
    "ta",
    "len",
    "dor",
    "vi",
    "na",
    "sul",
    "bek",
    "os",
    "an",
    "mir",
    "gal",
    "tur",
]
_SUFFIXES = ["ia", "stan", "land", "ovia", "ara"]
_TRANSLIT = dict(zip("abcdefghijklmnopqrstuvwxyz", "абцдефгхийклмнопкрстуввксз", strict=True))
_HANZI = "阿巴卡拉马尼萨塔乌兹斯坦尔克吉达莫林加图"
PRINCIPLES = [
    "mutual trust",
    "mutual benefit",
    "equality",
    "consultation",
    "respect for diverse civilizations",
    "common development",
    "non-alignment",
    "non-interference in internal affairs",
    "territorial integrity",
    "sovereignty",
    "peaceful settlement of disputes",
    "good-neighbourliness",
    "openness",
    "non-use of force",
    "rule of law",
    "transparency",
    "democracy in international relations",
    "justice",
    "rationality",
    "unanimity",
]
AIMS = [
    "strengthening mutual trust",
    "regional security",
    "economic cooperation",
    "common prosperity",
    "a just international order",
    "cultural exchange",
    "sustainable development",
    "energy security",
    "stability of borders",
    "scientific progress",
]
FIELDS = [
    "politics",
    "economy",
    "trade",
    "science and technology",
    "culture",
    "education",
    "energy",
    "transportation",
    "environmental protection",
    "health",
    "tourism",
    "agriculture",
    "finance",
    "customs",
    "telecommunications",
    "water resources",
    "disaster relief",
    "sport",
    "media",
    "youth exchange",
]
THREATS = [
    "terrorism",
    "separatism",
    "extremism",
    "illegal arms smuggling",
    "drug trafficking",
    "illegal migration",
    "organized crime",
    "cyber crime",
]
MODALITIES = {
    "Will": "will",
    "Should": "should",
    "Plans": "plan to",
    "IsConsidering": "are considering how to",
    "IsWilling": "are willing to",
    "IsExpected": "are expected to",
}
ATTRIBUTIONS = ["the Declaration said", "according to the Declaration", "the document said"]
N_STATES, N_CITIES, N_ORGS = 40, 80, 15


def _lit(value: str, lang: str | None = None, datatype: str | None = None) -> str:
    """Return ``value`` as an N-Quads literal (with a language tag or datatype IRI)."""
    esc = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    if lang:
        return f'"{esc}"@{lang}'
    if datatype:
        return f'"{esc}"^^<{datatype}>'
    return f'"{esc}"'


def _int(n: int) -> str:
    return _lit(str(n), datatype=XSD + "nonNegativeInteger")


@dataclass
class _Sink:
    """Collects N-Quads lines for one graph at a time."""

    lines: list[str] = field(default_factory=list)

    def add(self, s: str, p: str, o: str, g: str) -> None:
        """Add one quad; ``o`` is an IRI unless it is already an N-Quads literal (starts with a quote)."""
        obj = o if o.startswith('"') else f"<{o}>"
        self.lines.append(f"<{s}> <{p}> {obj} <{g}> .\n")


@dataclass(frozen=True)
class Gazetteer:
    """The fixed world the documents talk about (independent of N)."""

    states: list[tuple[str, str]]  # (IRI, English name)
    cities: list[tuple[str, str, str]]  # (IRI, name, state IRI)
    orgs: list[tuple[str, str]]
    principles: list[tuple[str, str]]
    aims: list[tuple[str, str]]
    fields: list[tuple[str, str]]
    threats: list[tuple[str, str]]


def _kebab(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def _names(rng: random.Random, count: int, suffixes: list[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        name = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))) + rng.choice(suffixes)
        if name not in seen:
            seen.add(name)
            out.append(name.capitalize())
    return out


def gazetteer(seed: int, sink: _Sink) -> Gazetteer:
    """Write the gazetteer to ``sink`` and return it: states (en/ru/zh labels), cities, orgs, concepts."""
    rng = random.Random(f"{seed}:gazetteer")
    g = GRAPH_GAZETTEER
    states = []
    for name in _names(rng, N_STATES, _SUFFIXES):
        s = f"{ID}state/{_kebab(name)}"
        states.append((s, name))
        sink.add(s, RDF_TYPE, SCO + "State", g)
        sink.add(s, LABEL, _lit(f"Republic of {name}", "en"), g)
        sink.add(
            s,
            LABEL,
            _lit("Республика " + "".join(_TRANSLIT.get(c, c) for c in name.lower()).title(), "ru"),
            g,
        )
        sink.add(s, LABEL, _lit("".join(rng.choice(_HANZI) for _ in range(3)) + "共和国", "zh"), g)
    cities = []
    for name in _names(rng, N_CITIES, ["grad", "abad", "kent", "pol", ""]):
        c = f"{ID}place/{_kebab(name)}"
        state = rng.choice(states)[0]
        cities.append((c, name, state))
        sink.add(c, RDF_TYPE, SCO + "City", g)
        sink.add(c, LABEL, _lit(name, "en"), g)
        sink.add(c, SCO + "locatedIn", state, g)
    orgs = []
    for k in range(N_ORGS):
        o = f"{ID}organization/org-{k:02d}"
        label = f"Organization for {AIMS[k % len(AIMS)].capitalize()} {k:02d}"
        orgs.append((o, label))
        sink.add(o, RDF_TYPE, SCO + "InternationalOrganization", g)
        sink.add(o, LABEL, _lit(label, "en"), g)

    def concepts(kind: str, cls: str, labels: list[str]) -> list[tuple[str, str]]:
        out = []
        for label in labels:
            c = f"{ID}{kind}/{_kebab(label)}"
            out.append((c, label))
            sink.add(c, RDF_TYPE, SCO + cls, g)
            sink.add(c, LABEL, _lit(label, "en"), g)
        return out

    return Gazetteer(
        states=states,
        cities=cities,
        orgs=orgs,
        principles=concepts("principle", "Principle", PRINCIPLES),
        aims=concepts("aim", "Aim", AIMS),
        fields=concepts("field", "FieldOfCooperation", FIELDS),
        threats=concepts("threat", "Threat", THREATS),
    )


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


Fact = tuple[str, str, str]


def _document(seed: int, i: int, gz: Gazetteer, sink: _Sink) -> None:
    """Write document ``i``: its assertion graphs, their provenance and its NIF text layer."""
    rng = random.Random(f"{seed}:document:{i}")
    key = f"d{i:05d}"
    doc = f"{ID}document/declaration-{key}"
    year = 1996 + i % 30
    date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    city, city_name, _ = rng.choice(gz.cities)
    signatories = rng.sample(gz.states, rng.randint(4, 8))
    org, org_name = rng.choice(gz.orgs)
    names = [n for _, n in signatories]
    attribution = rng.choice(ATTRIBUTIONS)
    summit = f"{ID}event/summit-{key}"
    signing = f"{ID}event/signing-{key}"
    paragraphs: list[list[tuple[str, list[Fact]]]] = []

    # P0: the title (asserts nothing).
    paragraphs.append([(f"Declaration of {city_name} {year} ({key})", [])])
    # P1: who signed, where and when.
    facts: list[Fact] = [
        (doc, RDF_TYPE, SCO + "Declaration"),
        (doc, LABEL, _lit(f"Declaration of {city_name} {year} ({key})", "en")),
        (doc, SCO + "date", _lit(date, datatype=XSD + "date")),
        (doc, SCO + "year", _lit(str(year), datatype=XSD + "gYear")),
        (doc, SCO + "issuedBy", org),
        (doc, SCO + "signingEvent", signing),
        (signing, RDF_TYPE, SCO + "SigningEvent"),
        (signing, SCO + "atPlace", city),
        (signing, SCO + "date", _lit(date, datatype=XSD + "date")),
        (signing, SCO + "year", _lit(str(year), datatype=XSD + "gYear")),
    ]
    for state, name in signatories:
        person = f"{ID}person/president-{state.rsplit('/', 1)[1]}-{key}"
        facts += [
            (person, RDF_TYPE, SCO + "HeadOfState"),
            (person, LABEL, _lit(f"President of {name} ({key})", "en")),
            (person, SCO + "isHeadOfStateOf", state),
            (person, SCO + "signed", doc),
        ]
    paragraphs.append([(f"Presidents of {_join(names)} signed the Declaration in {city_name} on {date}", facts)])
    # Summit that produced it.
    paragraphs.append(
        [
            (
                f"The summit of {org_name} was held in {city_name} in {year}",
                [
                    (summit, RDF_TYPE, SCO + "Summit"),
                    (summit, SCO + "atPlace", city),
                    (summit, SCO + "year", _lit(str(year), datatype=XSD + "gYear")),
                    (summit, SCO + "produced", doc),
                ]
                + [(summit, SCO + "hasParticipant", s) for s, _ in signatories],
            )
        ]
    )
    # Founding of an organization (one document in eight), with memberships.
    if i % 8 == 0:
        new_org = f"{ID}organization/founded-by-{key}"
        aims = rng.sample(gz.aims, 2)
        facts = [
            (new_org, RDF_TYPE, SCO + "InternationalOrganization"),
            (new_org, LABEL, _lit(f"Organization founded by {key}", "en")),
            (new_org, SCO + "foundingDocument", doc),
        ] + [(new_org, SCO + "hasAim", a) for a, _ in aims]
        sentences = [
            (
                f"They announced the establishment of a new organization, which aims at {_join([n for _, n in aims])}",
                facts,
            )
        ]
        mfacts: list[Fact] = []
        for state, _ in signatories:
            m = f"{ID}membership/{key}-{state.rsplit('/', 1)[1]}"
            mfacts += [
                (m, RDF_TYPE, SCO + "Membership"),
                (m, ORG + "member", state),
                (m, ORG + "organization", new_org),
            ]
        sentences.append(("All signatories become its members", mfacts))
        paragraphs.append(sentences)
    # Treaties it rests on, and earlier declarations it cites.
    for t in range(rng.randint(0, 2)):
        treaty = f"{ID}document/treaty-{key}-{t}"
        t_year = year - rng.randint(1, 5)
        t_city, t_city_name, _ = rng.choice(gz.cities)
        t_event = f"{ID}event/signing-treaty-{key}-{t}"
        parties = rng.sample(signatories, 3)
        facts = [
            (treaty, RDF_TYPE, SCO + "Treaty"),
            (treaty, LABEL, _lit(f"Treaty {key}-{t}", "en")),
            (treaty, SCO + "year", _lit(str(t_year), datatype=XSD + "gYear")),
            (treaty, SCO + "signingEvent", t_event),
            (t_event, RDF_TYPE, SCO + "SigningEvent"),
            (t_event, SCO + "atPlace", t_city),
            (doc, SCO + "basedOn", treaty),
        ]
        facts += [(s, SCO + "isSignatoryOf", treaty) for s, _ in parties]
        paragraphs.append(
            [
                (
                    f"On the basis of the Treaty {key}-{t} signed in {t_city_name} in {t_year} by "
                    f"{_join([n for _, n in parties])}, the parties will deepen their cooperation",
                    facts,
                )
            ]
        )
    if i > 0:
        cited = sorted({rng.randrange(i) for _ in range(rng.randint(1, 2))})
        facts = [(doc, SCO + "cites", f"{ID}document/declaration-d{c:05d}") for c in cited]
        paragraphs.append([(f"This Declaration reaffirms {_join([f'declaration d{c:05d}' for c in cited])}", facts)])
    # Principles, fields, threats: each an action with a modality.
    topics = [
        ("principle", gz.principles, "abide by the principles of", "hasPrinciple"),
        ("field", gz.fields, "promote cooperation in", "concernsField"),
        ("threat", gz.threats, "combat", "addresses"),
    ]
    for n_action in range(rng.randint(3, 5)):
        kind, pool, verb, prop = topics[n_action % 3] if n_action < 3 else rng.choice(topics)
        chosen = rng.sample(pool, rng.randint(1, 3))
        modality = rng.choice(sorted(MODALITIES))
        action = f"{ID}action/{key}-{n_action}-{kind}"
        actor = org if rng.random() < 0.5 else rng.choice(signatories)[0]
        facts = [
            (action, RDF_TYPE, SCO + "Action"),
            (action, SCO + "actor", actor),
            (action, SCO + "modality", SCO + modality),
        ] + [(action, SCO + prop, c) for c, _ in chosen]
        if kind == "principle":
            facts += [(doc, SCO + "hasPrinciple", c) for c, _ in chosen]
        sentences = [(f"The parties {MODALITIES[modality]} {verb} {_join([n for _, n in chosen])}", facts)]
        if rng.random() < 0.3:
            sentences.append(("This is of special significance for the region", []))
        paragraphs.append(sentences)
    # A planned body (one document in three).
    if i % 3 == 0:
        body = f"{ID}organization/body-{key}"
        b_city, b_city_name, _ = rng.choice(gz.cities)
        paragraphs.append(
            [
                (
                    f"The parties plan to set up a permanent secretariat in {b_city_name}",
                    [
                        (body, RDF_TYPE, SCO + "PlannedBody"),
                        (body, LABEL, _lit(f"Secretariat {key}", "en")),
                        (body, SCO + "plannedLocation", b_city),
                        (body, SCO + "partOf", org),
                    ],
                )
            ]
        )
    # Dateline (asserts nothing).
    paragraphs.append([(f"{city_name}, {date}", [])])
    _emit_text(key, doc, paragraphs, attribution, sink)


def _emit_text(
    key: str, doc: str, paragraphs: list[list[tuple[str, list[Fact]]]], attribution: str, sink: _Sink
) -> None:
    """Write the NIF layer, the assertion graphs and their provenance of one document."""
    ctx = f"{ID}text/{key}"
    texts: list[list[str]] = []
    for k, sentences in enumerate(paragraphs):
        if k in (0, len(paragraphs) - 1):  # title and dateline: no punctuation, no attribution
            texts.append([s for s, _ in sentences])
            continue
        ends = ["."] * (len(sentences) - 1) + [f", {attribution}."]
        texts.append([s + end for (s, _), end in zip(sentences, ends, strict=True)])
    full = "\n\n".join(" ".join(ss) for ss in texts)
    t = GRAPH_TEXT
    sink.add(doc, SCO + "hasText", ctx, t)
    sink.add(ctx, RDF_TYPE, NIF + "Context", t)
    sink.add(ctx, NIF + "beginIndex", _int(0), t)
    sink.add(ctx, NIF + "endIndex", _int(len(full)), t)
    sink.add(ctx, NIF + "isString", _lit(full), t)
    offset = 0
    previous: str | None = None
    for k, (sentences, strings) in enumerate(zip(paragraphs, texts, strict=True)):
        para = f"{ID}paragraph/{key}-{k}"
        ptext = " ".join(strings)
        sink.add(para, RDF_TYPE, NIF + "Paragraph", t)
        sink.add(para, SCO + "paragraphNumber", _int(k), t)
        sink.add(para, NIF + "referenceContext", ctx, t)
        sink.add(para, NIF + "beginIndex", _int(offset), t)
        sink.add(para, NIF + "endIndex", _int(offset + len(ptext)), t)
        sink.add(para, NIF + "anchorOf", _lit(ptext), t)
        sink.add(para, SCO + "partOf", doc, t)
        s_offset = offset
        for j, ((_, facts), stext) in enumerate(zip(sentences, strings, strict=True), start=1):
            sent = f"{ID}sentence/{key}-p{k}-s{j}"
            sink.add(sent, RDF_TYPE, NIF + "Sentence", t)
            sink.add(sent, SCO + "sentenceNumber", _int(j), t)
            sink.add(sent, NIF + "referenceContext", ctx, t)
            sink.add(sent, NIF + "beginIndex", _int(s_offset), t)
            sink.add(sent, NIF + "endIndex", _int(s_offset + len(stext)), t)
            sink.add(sent, NIF + "anchorOf", _lit(stext), t)
            sink.add(sent, NIF + "superString", para, t)
            sink.add(sent, SCO + "partOf", para, t)
            if previous is not None:
                sink.add(sent, NIF + "previousSentence", previous, t)
                sink.add(previous, NIF + "nextSentence", sent, t)
            previous = sent
            if facts:
                ag = f"{GRAPH_ASSERTION}{key}-p{k}-s{j}"
                for s, p, o in facts:
                    sink.add(s, p, o, ag)
                pg = GRAPH_PROVENANCE
                sink.add(ag, RDF_TYPE, SCO + "AssertionGraph", pg)
                sink.add(ag, PROV + "wasDerivedFrom", sent, pg)
                sink.add(ag, PROV + "hadPrimarySource", doc, pg)
                sink.add(ag, SCO + "attributionPhrase", _lit(attribution, "en"), pg)
                sink.add(ag, DCT + "source", para, pg)
            s_offset += len(stext) + 1
        offset += len(ptext) + 2


def ontology_lines() -> Iterator[str]:
    """Yield the ontology as N-Quads in graph ``scog:ontology``, blank nodes renamed in parse order."""
    import pyoxigraph as ox

    from sco_kg.errors import DataFileError

    labels: dict[str, str] = {}

    def term(t: object) -> str:
        if isinstance(t, ox.BlankNode):
            return "_:o" + labels.setdefault(t.value, str(len(labels) + 1))
        return str(t)

    graph = f"<{iri.GRAPH_ONTOLOGY}>"
    files = paths.ontology_files()
    if not files:
        raise DataFileError(f"{paths.ontology_dir()}: no ontology files found")
    for path in files:
        try:
            for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
                yield f"{term(q.subject)} {term(q.predicate)} {term(q.object)} {graph} .\n"
        except SyntaxError as exc:
            raise DataFileError(f"{path}: malformed RDF: {' '.join(str(exc).split())}") from None


def generate(n: int, seed: int = DEFAULT_SEED, with_ontology: bool = True) -> Iterator[str]:
    """Yield the N-Quads lines of a corpus of ``n`` documents: ontology, gazetteer, then each document."""
    if with_ontology:
        yield from ontology_lines()
    sink = _Sink()
    gz = gazetteer(seed, sink)
    yield from sink.lines
    for i in range(n):
        sink.lines.clear()
        _document(seed, i, gz, sink)
        yield from sink.lines


def write(path: Path, n: int, seed: int = DEFAULT_SEED, with_ontology: bool = True) -> int:
    """Write a corpus of ``n`` documents to ``path`` atomically; return the number of quads written."""
    count = 0
    with atomic_writer(path, "w") as fh:
        for line in generate(n, seed, with_ontology):
            fh.write(line)
            count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    """Run the generator from the command line; return the exit code."""
    from sco_kg.errors import ScoKgError

    ap = argparse.ArgumentParser(prog="python -m bench.corpus", description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, help="number of documents (1, 10, 100, 1000, 4000 in the benchmarks)")
    ap.add_argument("-o", "--output", type=Path, required=True, help="N-Quads file to write (atomically)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    ap.add_argument("--no-ontology", dest="ontology", action="store_false", help="leave the ontology out")
    args = ap.parse_args(argv)
    if args.n < 0:
        ap.error("n must be >= 0")
    try:
        count = write(args.output, args.n, args.seed, args.ontology)
    except (ScoKgError, OSError) as exc:
        print(f"corpus: error: {exc}", file=sys.stderr)
        return 1
    print(f"{args.output}: {args.n} documents, {count} quads", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
