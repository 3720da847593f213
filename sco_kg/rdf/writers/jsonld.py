"""The JSON-LD writer: compacted with the hand-written context shipped as ``sco_kg/context.jsonld``, embedded.

A reader never fetches a remote context. ``frame="entity"`` gives one object per entity with the blank nodes
it uses nested; otherwise the named graphs are kept.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, cast

from sco_kg.errors import DataFileError
from sco_kg.rdf.canon import union
from sco_kg.rdf.term import XSD_STRING, Quad, Term
from sco_kg.rdf.writers.prefixes import Prefixer
from sco_kg.rdf.writers.turtle import RDF_TYPE, inline_candidates

Frame = Literal["entity"]

CONTEXT_FILE = Path(__file__).resolve().parents[2] / "context.jsonld"


@lru_cache(maxsize=1)
def context() -> dict[str, Any]:
    """Return the JSON-LD context shipped with sco-kg (the value of its ``@context`` key)."""
    try:
        doc = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataFileError(f"{CONTEXT_FILE}: cannot read the JSON-LD context: {exc}") from None
    return cast(dict[str, Any], doc["@context"])


def context_text() -> str:
    """Return the shipped context file's text (what ``sco-kg export --context`` prints)."""
    return CONTEXT_FILE.read_text(encoding="utf-8")


@dataclass(frozen=True)
class _TermDef:
    name: str
    iri: str
    type: str  # "" | "@id" | a datatype IRI
    container: str  # "" | "@language"


class Compactor:
    """Compact terms against a context made of prefixes and simple term definitions."""

    def __init__(self, ctx: dict[str, Any]) -> None:
        self.prefixes: dict[str, str] = {}
        raw: dict[str, Any] = {}
        for name, value in ctx.items():
            if name.startswith("@"):
                continue
            if isinstance(value, str) and value.endswith(("/", "#")) and ":" not in name:
                self.prefixes[name] = value
            raw[name] = value
        self.px = Prefixer(self.prefixes, re.compile(r"^(?!//)[^\s]*$"))
        self.defs: dict[str, list[_TermDef]] = defaultdict(list)
        self.class_terms: dict[str, str] = {}
        for name, value in sorted(raw.items()):
            if name in self.prefixes:
                continue
            if isinstance(value, str):
                full, typ, cont = self.expand(value), "", ""
            else:
                full = self.expand(value["@id"])
                typ = value.get("@type", "")
                typ = typ if typ in ("", "@id") else self.expand(typ)
                cont = value.get("@container", "")
            self.defs[full].append(_TermDef(name, full, typ, cont))
            if isinstance(value, str):
                self.class_terms.setdefault(full, name)

    def expand(self, value: str) -> str:
        if ":" in value:
            pre, local = value.split(":", 1)
            if pre in self.prefixes:
                return self.prefixes[pre] + local
        return value

    def iri(self, value: str) -> str:
        """Return a compact IRI (or the absolute IRI) for an ``@id`` position."""
        hit = self.px.split(value)
        return f"{hit[0]}:{hit[1]}" if hit else value

    def vocab(self, value: str) -> str:
        """Return a term or compact IRI for a ``@type`` value."""
        return self.class_terms.get(value) or self.iri(value)

    def ref(self, t: Term) -> str:
        return f"_:{t.value}" if t.kind == "bnode" else self.iri(t.value)

    def value_object(self, t: Term) -> Any:
        if t.kind != "literal":
            return {"@id": self.ref(t)}
        if t.lang:
            return {"@language": t.lang, "@value": t.value}
        if not t.datatype or t.datatype == XSD_STRING:
            return t.value
        return {"@type": self.iri(t.datatype), "@value": t.value}

    def properties(self, p: str, objs: Sequence[Term]) -> dict[str, Any]:
        """Return the keys and values under which the objects of ``p`` are written."""
        defs = self.defs.get(p, [])
        by_id = next((d for d in defs if d.type == "@id"), None)
        by_lang = next((d for d in defs if d.container == "@language"), None)
        by_dt = {d.type: d for d in defs if d.type not in ("", "@id") and not d.container}
        plain = next((d for d in defs if not d.type and not d.container), None)
        fallback = plain.name if plain else self.iri(p)
        out: dict[str, Any] = {}
        for o in objs:
            if o.kind != "literal" and by_id:
                out.setdefault(by_id.name, []).append(self.ref(o))
            elif o.kind == "literal" and o.lang and by_lang:
                out.setdefault(by_lang.name, {}).setdefault(o.lang, []).append(o.value)
            elif o.kind == "literal" and o.datatype in by_dt and not o.lang:
                out.setdefault(by_dt[o.datatype].name, []).append(o.value)
            else:
                out.setdefault(fallback, []).append(self.value_object(o))
        for key, val in out.items():
            if isinstance(val, dict):
                out[key] = {lang: vs[0] if len(vs) == 1 else vs for lang, vs in sorted(val.items())}
            elif len(val) == 1:
                out[key] = val[0]
        return out


def _node_objects(triples: Sequence[Quad], comp: Compactor, embed: bool) -> list[dict[str, Any]]:
    """Return one JSON-LD node object per subject; with ``embed``, blank nodes referenced once are nested."""
    by_subject, inline = inline_candidates(triples) if embed else ({}, set())
    if not embed:
        by_subject = defaultdict(list)
        for t in triples:
            by_subject[t[0]].append(t)

    def node(subject: Term) -> dict[str, Any]:
        obj: dict[str, Any] = {"@id": comp.ref(subject)}
        types = [t[2] for t in by_subject.get(subject, []) if t[1].value == RDF_TYPE and t[2].kind != "literal"]
        if types:
            vals = [comp.vocab(t.value) if t.kind == "uri" else comp.ref(t) for t in types]
            obj["@type"] = vals[0] if len(vals) == 1 else vals
        groups: dict[str, list[Term]] = {}
        for t in by_subject.get(subject, []):
            if t[1].value == RDF_TYPE and t[2].kind != "literal":
                continue
            groups.setdefault(t[1].value, []).append(t[2])
        props: dict[str, Any] = {}
        for p, objs in groups.items():
            for key, val in comp.properties(p, objs).items():
                props[key] = val
        for key in sorted(props):
            val = props[key]
            if embed:
                val = _embed(val, key)
            obj[key] = val
        return obj

    def _embed(val: Any, key: str) -> Any:
        if isinstance(val, list):
            return [_embed(v, key) for v in val]
        target: Term | None = None
        if isinstance(val, str) and val.startswith("_:"):
            target = Term("bnode", val[2:])
        elif isinstance(val, dict) and isinstance(val.get("@id"), str) and val["@id"].startswith("_:"):
            target = Term("bnode", val["@id"][2:])
        if target is not None and target in inline:
            nested = node(target)
            del nested["@id"]
            return nested
        return val

    return [node(s) for s in by_subject if s not in inline]


def write_jsonld(
    quads: Sequence[Quad],
    ctx: dict[str, Any] | None = None,
    frame: Frame | None = None,
) -> str:
    """Return ``quads`` as compacted JSON-LD with the context embedded (no remote context is referenced).

    Args:
        quads: canonical quads (see :func:`canonicalize`).
        ctx: the context (default: the shipped ``sco_kg/context.jsonld``).
        frame: ``"entity"`` gives the union of the graphs as one object per entity, blank nodes nested in
            the entity that uses them; ``None`` keeps the named graphs.
    """
    ctx = context() if ctx is None else ctx
    comp = Compactor(ctx)
    items: list[dict[str, Any]] = []
    if frame == "entity":
        items = _node_objects(union(quads), comp, embed=True)
    else:
        by_graph: dict[Term | None, list[Quad]] = {}
        for q in quads:
            by_graph.setdefault(q[3], []).append(q)
        default_nodes = {n["@id"]: n for n in _node_objects(by_graph.pop(None, []), comp, embed=False)}
        for g in sorted(by_graph, key=lambda t: t.n3() if t else ""):
            gid = comp.ref(cast(Term, g))
            obj = default_nodes.pop(gid, {"@id": gid})
            obj["@graph"] = _node_objects(by_graph[g], comp, embed=False)
            items.append(obj)
        items = list(default_nodes.values()) + items
    doc = {"@context": ctx, "@graph": items}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
