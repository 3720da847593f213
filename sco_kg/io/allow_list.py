"""The ONE reader of ``data/external-ids.csv``, the allow-list of verified external identifiers.

The list names every external identifier the project may emit (Wikidata, GeoNames, DBpedia, PA-X), each with
the relation to use and the evidence that verified it (``docs`` on linking). :func:`read_allow_list` checks
every row; anything malformed or off-pattern is a :class:`DataFileError` naming file and line. The linking
step (``data/links.trig``), the validator (SHACL external-link shape) and the Wikidata export profile all read
it here.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from sco_kg import paths
from sco_kg.errors import DataFileError
from sco_kg.io.inputs import check_readable
from sco_kg.rdf import iri

ALLOW_LIST_NAME = "external-ids.csv"
COLUMNS = ("entity_iri", "external_iri", "relation", "source")

OWL = iri.PREFIXES["owl"]
SKOS = iri.PREFIXES["skos"]
# Relation (as written in the CSV) -> property IRI. owl:sameAs only for identity; the SKOS mapping
# properties where identity is not exact; skos:related for a weak association (e.g. a catalogue record).
RELATIONS: dict[str, str] = {
    "owl:sameAs": OWL + "sameAs",
    "skos:exactMatch": SKOS + "exactMatch",
    "skos:closeMatch": SKOS + "closeMatch",
    "skos:related": SKOS + "related",
}


@dataclass(frozen=True)
class Authority:
    """An external identifier scheme: its key, the pattern its IRIs follow, and whether it names things."""

    key: str
    pattern: re.Pattern[str]
    identity: bool  # owl:sameAs allowed (the IRI denotes the thing, not a page about it)


AUTHORITIES: tuple[Authority, ...] = (
    Authority("wikidata", re.compile(r"^http://www\.wikidata\.org/entity/(Q[1-9][0-9]*)$"), True),
    Authority("geonames", re.compile(r"^https://sws\.geonames\.org/([1-9][0-9]*)/$"), True),
    Authority("dbpedia", re.compile(r"^http://dbpedia\.org/resource/([A-Za-z0-9_(),'.%-]+)$"), True),
    Authority("pax", re.compile(r"^https://pax\.peaceagreements\.org/agreements/([1-9][0-9]*)$"), False),
)


@dataclass(frozen=True)
class ExternalId:
    """One allow-list row: ``entity`` is linked to ``external`` by ``relation``, on ``source``'s word."""

    entity: str
    external: str
    relation: str
    source: str
    line: int = 0

    @property
    def relation_iri(self) -> str:
        """Return the IRI of the relation property."""
        return RELATIONS[self.relation]

    @property
    def authority(self) -> Authority:
        """Return the identifier scheme of the external IRI."""
        found = authority_of(self.external)
        if found is None:  # read_allow_list refuses such rows; guard for hand-built values
            raise DataFileError(f"{self.external}: not an IRI of a known identifier scheme")
        return found

    @property
    def record_iri(self) -> str:
        """Return the IRI of this link's provenance record (``scoid:link/<entity>-<scheme>-<id>``)."""
        local = self.entity[len(iri.ID) :].replace("/", "-")
        match = self.authority.pattern.match(self.external)
        ext_id = match.group(1) if match else self.external
        slug = re.sub(r"[^a-z0-9]+", "-", f"{local}-{self.authority.key}-{ext_id}".lower()).strip("-")
        return f"{iri.ID}link/{slug}"


def authority_of(value: str) -> Authority | None:
    """Return the identifier scheme whose pattern ``value`` matches, or ``None``."""
    for auth in AUTHORITIES:
        if auth.pattern.match(value):
            return auth
    return None


def allow_list_path() -> Path:
    """Return the path of the shipped allow-list ``data/external-ids.csv``."""
    return paths.data_dir() / ALLOW_LIST_NAME


def _check_row(path: Path, line: int, row: dict[str, str]) -> ExternalId:
    entity, external = row["entity_iri"].strip(), row["external_iri"].strip()
    relation, source = row["relation"].strip(), row["source"].strip()
    where = f"{path}: line {line}"
    if not entity.startswith(iri.ID) or not re.fullmatch(r"[a-z]+/[a-z0-9-]+", entity[len(iri.ID) :]):
        raise DataFileError(f"{where}: entity_iri {entity!r} is not an sco-kg individual ({iri.ID}<type>/<key>)")
    auth = authority_of(external)
    if auth is None:
        raise DataFileError(
            f"{where}: external_iri {external!r} matches no known identifier scheme "
            f"({', '.join(a.key for a in AUTHORITIES)}); check the IRI form (e.g. https://sws.geonames.org/ID/)"
        )
    if relation not in RELATIONS:
        raise DataFileError(f"{where}: relation {relation!r} is not one of {', '.join(RELATIONS)}")
    if relation == "owl:sameAs" and not auth.identity:
        raise DataFileError(
            f"{where}: owl:sameAs to {external} ({auth.key} IRIs name a record, not the thing); "
            "use skos:related or skos:closeMatch"
        )
    if not source:
        raise DataFileError(f"{where}: the source column is empty; name the evidence (LINKING.md)")
    return ExternalId(entity, external, relation, source, line)


def read_allow_list(path: Path | None = None) -> list[ExternalId]:
    """Return the rows of the allow-list of verified external identifiers, checked.

    Args:
        path: the CSV file (default ``data/external-ids.csv``).

    Returns:
        The rows in file order.

    Raises:
        DataFileError: the file is missing, has the wrong columns, or a row is malformed, duplicated, or
            would make two sco-kg individuals ``owl:sameAs`` the same external IRI.
    """
    path = path or allow_list_path()
    check_readable(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataFileError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    reader = csv.DictReader(text.splitlines(keepends=True), strict=True)
    header = tuple(reader.fieldnames or ())
    if header != COLUMNS:
        missing = [c for c in COLUMNS if c not in header]
        must = f"line 1: the header must be {','.join(COLUMNS)}"
        raise DataFileError(
            f"{path}: missing column(s) {', '.join(missing)} ({must})" if missing else f"{path}: {must}"
        )
    rows: list[ExternalId] = []
    seen: dict[tuple[str, str], int] = {}
    same_as: dict[str, tuple[str, int]] = {}
    try:
        for raw in reader:
            line = reader.line_num
            if None in raw or any(v is None for v in raw.values()):
                raise DataFileError(f"{path}: line {line}: expected {len(COLUMNS)} columns")
            row = _check_row(path, line, raw)
            key = (row.entity, row.external)
            if key in seen:
                raise DataFileError(f"{path}: line {line}: duplicate of line {seen[key]} ({row.external})")
            seen[key] = line
            if row.relation == "owl:sameAs":
                other = same_as.get(row.external)
                if other and other[0] != row.entity:
                    raise DataFileError(
                        f"{path}: line {line}: {row.external} is already owl:sameAs {other[0]} (line "
                        f"{other[1]}); two sco-kg individuals must not share an identity"
                    )
                same_as[row.external] = (row.entity, line)
            rows.append(row)
    except csv.Error as exc:
        raise DataFileError(f"{path}: line {reader.line_num}: malformed CSV: {exc}") from None
    if not rows:
        raise DataFileError(f"{path}: the allow-list is empty")
    return rows


def wikidata_ids(rows: list[ExternalId]) -> dict[str, str]:
    """Return entity IRI -> Wikidata entity IRI for the ``owl:sameAs`` rows whose target is a Wikidata item."""
    wikidata = AUTHORITIES[0]
    return {r.entity: r.external for r in rows if r.relation == "owl:sameAs" and wikidata.pattern.match(r.external)}
