"""Prefixed names for the writers: the prefixes an output may use, and the choice of a prefixed name."""

from __future__ import annotations

import re

from sco_kg.rdf import iri

#: Namespaces that are not in :data:`sco_kg.rdf.iri.PREFIXES` but appear in exports (reused vocabularies and
#: Wikidata's statement model). Appended after the project prefixes, never replacing one.
EXTRA_PREFIXES: dict[str, str] = {
    "statement": iri.ID + "statement/",
    "reference": iri.ID + "reference/",
    "undo": "https://w3id.org/un/ontology/undo/",
    "p": "http://www.wikidata.org/prop/",
    "ps": "http://www.wikidata.org/prop/statement/",
    "pq": "http://www.wikidata.org/prop/qualifier/",
    "pr": "http://www.wikidata.org/prop/reference/",
    "wikibase": "http://wikiba.se/ontology#",
}

# PN_LOCAL restricted to ASCII and without escapes: a name every Turtle parser accepts.
PN_LOCAL = re.compile(r"^(?:[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?)?$")
# An XML NCName restricted to ASCII (for RDF/XML property elements).
NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def all_prefixes() -> dict[str, str]:
    """Return the prefixes exports may use: :data:`iri.PREFIXES` then :data:`EXTRA_PREFIXES`."""
    out = dict(iri.PREFIXES)
    for k, v in EXTRA_PREFIXES.items():
        out.setdefault(k, v)
    return out


class Prefixer:
    """Choose the prefixed name of an IRI (longest matching namespace) and remember the prefixes used."""

    def __init__(self, prefixes: dict[str, str], pattern: re.Pattern[str] = PN_LOCAL) -> None:
        self.prefixes = prefixes
        self.by_length = sorted(prefixes.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        self.pattern = pattern
        self.used: set[str] = set()
        self._memo: dict[str, tuple[str, str] | None] = {}
        # When every namespace ends with "/" or "#" (the project's do), the namespaces an IRI starts with are those
        # its part up to the last "/" or "#" starts with: found once per such part, not once per IRI.
        self._by_part: dict[str, list[tuple[str, str]]] | None = (
            {} if all(ns.endswith(("/", "#")) for ns in prefixes.values()) else None
        )

    def split(self, value: str) -> tuple[str, str] | None:
        """Return ``(prefix, local)`` for ``value``, or ``None`` when no prefix gives a valid local name."""
        try:
            return self._memo[value]
        except KeyError:
            hit = self._memo[value] = self._split(value)
            return hit

    def _split(self, value: str) -> tuple[str, str] | None:
        candidates = self.by_length
        if self._by_part is not None:
            part = value[: max(value.rfind("/"), value.rfind("#")) + 1]
            found = self._by_part.get(part)
            if found is None:
                found = self._by_part[part] = [(n, ns) for n, ns in self.by_length if part.startswith(ns)]
            candidates = found
        for name, ns in candidates:  # longest first: the first that leaves a valid local name
            if value.startswith(ns) and self.pattern.match(value[len(ns) :]):
                return name, value[len(ns) :]
        return None

    def name(self, value: str) -> str:
        """Return ``prefix:local`` or ``<value>``."""
        hit = self.split(value)
        if hit is None:
            return f"<{value}>"
        self.used.add(hit[0])
        return f"{hit[0]}:{hit[1]}"

    def header(self, style: str = "turtle") -> str:
        """Return the prefix declarations of the prefixes used, sorted by name."""
        names = sorted(self.used)
        if style == "turtle":
            return "".join(f"@prefix {n}: <{self.prefixes[n]}> .\n" for n in names)
        return "".join(f"PREFIX {n}: <{self.prefixes[n]}>\n" for n in names)
