"""Pictures: the timeline is SVG written here; the class and neighbourhood diagrams are Graphviz ``dot``.

Only ``http(s)`` IRIs become links in a picture; any other IRI (``javascript:``, ``data:`` from a ``--with``
file) is drawn as a node without a link.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from typing import Any

from sco_kg.rdf import iri
from sco_kg.server.errors import DiagramError
from sco_kg.server.links import Linker
from sco_kg.server.site import OWL, RDF_TYPE, RDFS, Site
from sco_kg.server.views import ontology_terms
from sco_kg.server.words import UI


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def timeline_events(site: Site, lang: str) -> list[dict[str, Any]]:
    """Return the dated events of 1996–2002 in order: IRI, label, year, date (when the day is known)."""
    import pyoxigraph as ox

    when: dict[str, dict[str, str]] = {}
    for key in ("year", "date"):
        for q in site.store.quads_for_pattern(None, ox.NamedNode(iri.ONTOLOGY + key), None, None):
            if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.Literal):
                when.setdefault(q.subject.value, {})[key] = q.object.value
    events = set(site.instances(iri.ONTOLOGY + "Event"))
    out = []
    for e, found in when.items():
        if events and e not in events:
            continue
        m = re.match(r"(\d{4})", found.get("date") or found.get("year") or "")
        if not m or not 1996 <= int(m.group(1)) <= 2002:
            continue
        date = found.get("date", "")[:10]
        out.append({"iri": e, "label": site.label(e, lang), "year": int(m.group(1)), "date": date})
    out.sort(key=lambda x: (x["year"], x["date"] or f"{x['year']}-99", x["label"]))
    return out


def timeline_svg(site: Site, link: Linker, lang: str) -> str:
    """Return the SVG timeline 1996–2002: a year axis down the left, each event a linked dot and label."""
    events = timeline_events(site, lang)
    row, top, width = 26, 40, 760
    height = top + row * max(len(events), 1) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_esc(UI[lang]["timeline"])}" font-family="sans-serif" font-size="13">',
        f"<title>{_esc(UI[lang]['timeline'])}</title>",
        f'<text x="10" y="22" font-size="16" font-weight="bold">{_esc(UI[lang]["timeline"])}</text>',
        f'<line x1="110" y1="{top - 10}" x2="110" y2="{height - 20}" stroke="#556" stroke-width="2"/>',
    ]
    last_year = None
    band = 0
    for i, ev in enumerate(events):
        y = top + i * row + row // 2
        if ev["year"] != last_year:
            band += 1
            parts.append(f'<text x="10" y="{y + 5}" font-weight="bold" fill="#124">{ev["year"]}</text>')
            parts.append(
                f'<line x1="60" y1="{y - row // 2}" x2="{width - 10}" y2="{y - row // 2}" '
                'stroke="#ccd" stroke-width="1"/>'
            )
            last_year = ev["year"]
        day = ev["date"][5:] if ev["date"] else ""
        href = _esc(link.iri(ev["iri"]))
        mark = (
            f'<circle cx="110" cy="{y}" r="6" fill="{"#c33" if day else "#36c"}"/>'
            f'<text x="124" y="{y + 4}">{_esc(day + "  " if day else "")}{_esc(ev["label"])}</text>'
        )
        parts.append(f'<a xlink:href="{href}" href="{href}" target="_top">{mark}</a>' if href else mark)
    if not events:
        parts.append(f'<text x="124" y="{top + 14}">{_esc(UI[lang]["no_results"])}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _dot_url(link: Linker, value: str) -> str:
    href = link.iri(value)
    return f"URL={_dot_id(href)}, " if href else ""


def _dot_id(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _dot_label(text: str, width: int = 28) -> str:
    import textwrap

    lines = textwrap.wrap(text, width) or [text]
    return _dot_id("\n".join(lines[:3]) + ("…" if len(lines) > 3 else "")).replace("\n", "\\n")


def run_dot(source: str) -> str:
    """Return the SVG that Graphviz ``dot`` draws for ``source`` (its XML prologue removed).

    Raises:
        DiagramError: ``dot`` is not installed (Debian package ``graphviz``) or fails.
    """
    exe = shutil.which("dot")
    if exe is None:
        raise DiagramError("Graphviz 'dot' is not installed (Debian package 'graphviz'): no diagram")
    try:
        done = subprocess.run([exe, "-Tsvg"], input=source.encode(), capture_output=True, timeout=30, check=False)
    except subprocess.TimeoutExpired:
        raise DiagramError("Graphviz 'dot' took more than 30 s") from None
    if done.returncode != 0:
        raise DiagramError(f"Graphviz 'dot' failed: {done.stderr.decode(errors='replace').strip()[:200]}")
    svg = done.stdout.decode("utf-8")
    return svg[svg.index("<svg") :]


def ontology_dot(site: Site, link: Linker, lang: str) -> str:
    """Return the Graphviz source of the class diagram: sco: classes, subclass arrows, main object properties."""
    classes = ontology_terms(site, [OWL + "Class"])
    known = set(classes)
    lines = [
        "digraph ontology {",
        '  graph [rankdir=LR, fontname="Helvetica", fontsize=10, nodesep=0.15, ranksep=0.6];',
        '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", color="#4a6fa5", fontname="Helvetica",'
        " fontsize=10];",
        '  edge [fontname="Helvetica", fontsize=8, color="#667"];',
    ]
    for c in classes:
        lines.append(
            f"  {_dot_id(c)} [label={_dot_label(site.label(c, lang))}, {_dot_url(link, c)}"
            f'target="_top", tooltip={_dot_id(iri.compact(c))}];'
        )
    for c in classes:
        for sup in site.objects(c, RDFS + "subClassOf"):
            if sup in known and sup != c:
                lines.append(f"  {_dot_id(c)} -> {_dot_id(sup)} [arrowhead=empty];")
    for p in ontology_terms(site, [OWL + "ObjectProperty"]):
        for d in site.objects(p, RDFS + "domain"):
            for r in site.objects(p, RDFS + "range"):
                if d in known and r in known:
                    lines.append(
                        f"  {_dot_id(d)} -> {_dot_id(r)} [label={_dot_label(site.label(p, lang), 20)}, "
                        'style=dashed, color="#a55", fontcolor="#a55"];'
                    )
    lines.append("}")
    return "\n".join(lines)


def neighbourhood_dot(site: Site, link: Linker, value: str, lang: str, limit: int = 40) -> str:
    """Return the Graphviz source of a resource's neighbourhood: links out and in (inferred ones dashed)."""
    import pyoxigraph as ox

    lines = [
        "digraph neighbourhood {",
        '  graph [rankdir=LR, fontname="Helvetica", fontsize=10, overlap=false];',
        '  node [shape=box, style="rounded,filled", fillcolor="#f4f6fa", color="#7890b0", fontname="Helvetica",'
        " fontsize=10];",
        '  edge [fontname="Helvetica", fontsize=8, color="#556"];',
        f'  {_dot_id(value)} [label={_dot_label(site.label(value, lang))}, fillcolor="#ffe9a8", color="#b08000", '
        "penwidth=2];",
    ]
    edges: list[tuple[str, str, str, bool]] = []
    for incoming in (False, True):
        for st in site.statements(value, incoming=incoming):
            other = st.subject if incoming else st.object
            if not isinstance(other, ox.NamedNode) or (st.predicate.value == RDF_TYPE and incoming):
                continue
            if st.predicate.value in (OWL + "sameAs",) and not other.value.startswith(iri.BASE):
                continue
            s, o = (other.value, value) if incoming else (value, other.value)
            edges.append((s, st.predicate.value, o, st.inferred))
    # One edge per neighbour: asserted predicates first, an all-inferred link dashed.
    edges.sort(key=lambda e: (e[3], e[1], e[0], e[2]))
    by_neighbour: dict[str, list[tuple[str, str, str, bool]]] = {}
    for edge in edges:
        other = edge[0] if edge[2] == value else edge[2]
        if other == value:
            continue
        if other in by_neighbour or len(by_neighbour) < limit:
            by_neighbour.setdefault(other, []).append(edge)
    for other, group in sorted(by_neighbour.items(), key=lambda kv: (kv[1][0][3], site.label(kv[0], lang))):
        lines.append(
            f"  {_dot_id(other)} [label={_dot_label(site.label(other, lang))}, {_dot_url(link, other)}"
            f'target="_top", tooltip={_dot_id(iri.compact(other))}];'
        )
        s, _, o, _ = group[0]
        names = list(dict.fromkeys(site.label(p, lang) for _, p, _, _ in group))
        text = "\n".join(names[:3]) + ("\n…" if len(names) > 3 else "")
        style = ', style=dashed, color="#999", fontcolor="#888"' if all(e[3] for e in group) else ""
        lines.append(f"  {_dot_id(s)} -> {_dot_id(o)} [label={_dot_id(text).replace(chr(10), chr(92) + 'n')}{style}];")
    lines.append("}")
    return "\n".join(lines)


def diagram(site: Site, link: Linker, kind: str, lang: str, value: str = "") -> str:
    """Return a cached SVG diagram: ``timeline``, ``ontology`` or ``neighbourhood`` (of ``value``)."""

    def make() -> str:
        if kind == "timeline":
            return timeline_svg(site, link, lang)
        if kind == "ontology":
            return run_dot(ontology_dot(site, link, lang))
        return run_dot(neighbourhood_dot(site, link, value, lang))

    return site.cached(("svg", kind, value, lang, link.base, str(link.explicit)), make)


# ---------------------------------------------------------------------------------------------------------
# Handlers
# ---------------------------------------------------------------------------------------------------------
