"""Parameters of canned queries: typing (each value parsed by its declared type into a :class:`Term`) and binding.

Parameters reach the query as RDF terms, never as pasted user text. On pyoxigraph (and for a remote endpoint)
they are a one-row ``VALUES`` block built from the validated terms' N-Triples form and placed at the start of
the outermost ``WHERE`` group (:func:`bind_values`); on rdflib they are ``initBindings``. pyoxigraph's
``substitutions=`` is not used: in 0.5.13 it refuses a SELECT whose projection does not list the variable,
and silently ignores the binding in an ASK.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from sco_kg.errors import UsageError
from sco_kg.rdf import iri
from sco_kg.rdf.term import XSD_INTEGER, Term
from sco_kg.sparql import lexer


@dataclass(frozen=True)
class Param:
    """A parameter of a canned query: its type (iri, string, literal, integer, lang) and default."""

    name: str
    type: str
    default: str | int | None = None
    description: str = ""


class Canned(Protocol):
    """What binding needs of a canned query (:class:`sco_kg.sparql.catalog.Query` is one)."""

    @property
    def name(self) -> str: ...

    @property
    def params(self) -> Mapping[str, Param]: ...


PARAM_TYPES = ("iri", "string", "literal", "integer", "lang")
MAX_PARAM_LENGTH = 4096


# RFC 3987 forbids these in an IRI; SPARQL's IRIREF forbids them too (SECURITY.md T6).
_IRI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|\\^`\x7f]*$")


_LANG_RE = re.compile(r"^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$")


_INT_RE = re.compile(r"^[+-]?[0-9]{1,18}$")


_PNAME_RE = re.compile(r"^([A-Za-z][\w\-.]*)?:([\w\-.]*)$")


def parse_param(name: str, type_: str, raw: str | Term) -> Term:
    """Return the RDF term for parameter ``name`` of type ``type_`` given the user's ``raw`` value.

    ``iri`` accepts an absolute IRI, ``<IRI>`` or a prefixed name with a project prefix (``state:china``);
    ``string``/``literal`` any text (a plain literal); ``integer`` a decimal integer; ``lang`` a BCP 47 tag.

    Raises:
        UsageError: the value does not have the declared type, is empty where that makes no sense, is longer
            than 4096 characters, contains NUL, or is not valid Unicode.
    """
    if isinstance(raw, Term):
        raw = raw.value if type_ != "iri" or raw.kind == "uri" else raw.n3()
    if type_ not in PARAM_TYPES:
        raise UsageError(f"parameter {name!r}: unknown type {type_!r} (one of {', '.join(PARAM_TYPES)})")
    if len(raw) > MAX_PARAM_LENGTH:
        raise UsageError(f"parameter {name!r}: value longer than {MAX_PARAM_LENGTH} characters")
    if "\x00" in raw:
        raise UsageError(f"parameter {name!r}: value contains a NUL character")
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(f"parameter {name!r}: value is not valid UTF-8 text") from None
    if type_ in ("string", "literal"):
        return Term.literal(raw)
    value = raw.strip()
    if type_ == "integer":
        if not _INT_RE.match(value):
            raise UsageError(f"parameter {name!r}: expected an integer, got {raw!r}")
        return Term.literal(str(int(value)), XSD_INTEGER)
    if type_ == "lang":
        if not _LANG_RE.match(value):
            raise UsageError(f"parameter {name!r}: expected a language tag such as en, zh or ru, got {raw!r}")
        return Term.literal(value.lower())
    # iri
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    m = _PNAME_RE.match(value)
    if m and (m.group(1) or "") in iri.PREFIXES:
        return Term.uri(iri.PREFIXES[m.group(1) or ""] + m.group(2))
    if not _IRI_RE.match(value):
        raise UsageError(
            f"parameter {name!r}: expected an absolute IRI or a prefixed name such as state:china, got {raw!r}"
        )
    return Term.uri(value)


def bind_params(query: Canned, given: Mapping[str, str | Term]) -> dict[str, Term]:
    """Return the parameter bindings of a canned ``query``: ``given`` values checked by type, then defaults.

    Raises:
        UsageError: an unknown parameter, a missing one without a default, or a value of the wrong type.
    """
    unknown = sorted(set(given) - set(query.params))
    if unknown:
        known = ", ".join(query.params) or "none"
        raise UsageError(f"query {query.name!r}: unknown parameter {unknown[0]!r} (parameters: {known})")
    out: dict[str, Term] = {}
    for pname, spec in query.params.items():
        if pname in given:
            out[pname] = parse_param(pname, spec.type, given[pname])
        elif spec.default is not None:
            out[pname] = parse_param(pname, spec.type, str(spec.default))
        else:
            raise UsageError(f"query {query.name!r}: missing parameter {pname!r} (--param {pname}=VALUE)")
    return out


def bind_values(text: str, bindings: Mapping[str, Term]) -> str:
    """Return ``text`` with ``bindings`` as a one-row ``VALUES`` block opening the outermost WHERE group.

    The terms are written from the validated :class:`Term` (N-Triples syntax), never from user text; a filter
    inside an OPTIONAL then sees the binding, as with rdflib's ``initBindings``. This is also the form to send
    to a remote endpoint.
    """
    if not bindings:
        return text
    at = lexer.where_brace(text) + 1
    names = " ".join(f"?{n}" for n in bindings)
    values = " ".join(_sparql_n3(t) for t in bindings.values())
    return f"{text[:at]} VALUES ({names}) {{ ({values}) }}{text[at:]}"


def _sparql_n3(term: Term) -> str:
    # SPARQL 1.1 §19.2 (rdflib, and spec-conformant endpoints) expands \uHHHH in the whole query text before
    # parsing, so a value holding a backslash followed by "u0022" would come back as a quote (or not parse):
    # write that "u"/"U" itself as \U00000075/\U00000055 (8 digits: rdflib reads \u plus 8 hex digits as one
    # escape), which every parser reads back as the letter.
    text = term.n3()
    if term.kind != "literal" or "\\" not in text:
        return text
    letter = {"u": "\\U00000075", "U": "\\U00000055"}
    return re.sub(r"(?<!\\)((?:\\\\)+)([uU])", lambda m: m.group(1) + letter[m.group(2)], text)
