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


def _text_width(text: str, size: float = 13) -> float:
    """Return an estimate of the drawn width of ``text`` in pixels (CJK full width, Latin and Cyrillic ~0.6 em)."""
    return sum(size if ord(ch) >= 0x2E80 else size * 0.62 for ch in text)


def _wrap(text: str, room: float, size: float = 13) -> list[str]:
    """Return ``text`` cut into lines no wider than ``room`` pixels: at spaces, or anywhere in CJK text."""
    lines: list[str] = []
    line = ""
    tokens = re.findall(r"\S+\s*|\s+", text) if " " in text else list(text)
    for tok in tokens:
        if line and _text_width(line + tok.rstrip(), size) > room:
            lines.append(line.rstrip())
            line = tok.lstrip()
        else:
            line += tok
    if line.strip():
        lines.append(line.rstrip())
    return lines or [text]


def timeline_svg(site: Site, link: Linker, lang: str) -> str:
    """Return the SVG timeline 1996–2002: a year axis down the left, each event a linked dot and label.

    Labels wrap to the picture's width (no clipping: the SVG grows by a line per wrapped line); a legend says what
    the dot colours mean (day known or year only).
    """
    events = timeline_events(site, lang)
    ui = UI[lang]
    width, axis, text_x, line_h, pad = 760, 110, 124, 17, 9
    room = width - text_x - 12
    top = 64
    rows = []
    y = top
    for ev in events:
        day = ev["date"][5:] if ev["date"] else ""
        lines = _wrap((day + "  " if day else "") + ev["label"], room)
        h = pad + line_h * len(lines)
        rows.append((ev, day, lines, y, h))
        y += h
    height = max(y, top + 30) + 20
    date_colour, year_colour = "#c33", "#36c"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_esc(ui["timeline"])}" font-family="sans-serif" font-size="13">',
        f"<title>{_esc(ui['timeline'])}</title>",
        f'<text x="10" y="22" font-size="16" font-weight="bold">{_esc(ui["timeline"])}</text>',
        '<g class="legend" font-size="12">',
        f'<circle cx="16" cy="42" r="5" fill="{date_colour}"/><text x="26" y="46">{_esc(ui["legend_day"])}</text>',
        f'<circle cx="{36 + _text_width(ui["legend_day"], 12):.0f}" cy="42" r="5" fill="{year_colour}"/>'
        f'<text x="{46 + _text_width(ui["legend_day"], 12):.0f}" y="46">{_esc(ui["legend_year"])}</text>',
        "</g>",
        f'<line x1="{axis}" y1="{top - 6}" x2="{axis}" y2="{height - 20}" stroke="#556" stroke-width="2"/>',
    ]
    last_year = None
    for ev, day, lines, row_top, _h in rows:
        first = row_top + pad // 2 + line_h - 4
        if ev["year"] != last_year:
            parts.append(f'<text x="10" y="{first}" font-weight="bold" fill="#124">{ev["year"]}</text>')
            parts.append(
                f'<line x1="60" y1="{row_top}" x2="{width - 10}" y2="{row_top}" stroke="#ccd" stroke-width="1"/>'
            )
            last_year = ev["year"]
        href = _esc(link.iri(ev["iri"]))
        spans = "".join(
            f'<tspan x="{text_x}" y="{first + i * line_h}">{_esc(text)}</tspan>' for i, text in enumerate(lines)
        )
        mark = (
            f'<circle cx="{axis}" cy="{first - 4}" r="6" fill="{date_colour if day else year_colour}"/>'
            f"<text>{spans}</text>"
        )
        parts.append(f'<a xlink:href="{href}" href="{href}" target="_top">{mark}</a>' if href else mark)
    if not events:
        parts.append(f'<text x="{text_x}" y="{top + 14}">{_esc(ui["no_results"])}</text>')
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
    """Return the Graphviz source of the class diagram, laid out by module.

    Each module of the ontology (``rdfs:isDefinedBy``) is a box of its classes with their subclass arrows; the main
    object properties (domain → range) are dashed arrows that do not move the layout (``constraint=false``), so the
    modules stay side by side instead of a column of boxes with a knot of edges.
    """
    classes = ontology_terms(site, [OWL + "Class"])
    known = set(classes)
    modules: dict[str, list[str]] = {}
    for c in classes:
        module = next(iter(site.objects(c, RDFS + "isDefinedBy")), "")
        modules.setdefault(module, []).append(c)
    lines = [
        "digraph ontology {",
        '  graph [rankdir=RL, fontname="Helvetica", fontsize=11, nodesep=0.12, ranksep=0.5, newrank=true,'
        ' compound=true, style="rounded", color="#9ab"];',
        '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", color="#4a6fa5", fontname="Helvetica",'
        " fontsize=10];",
        '  edge [fontname="Helvetica", fontsize=8, color="#667"];',
    ]
    for n, (module, members) in enumerate(sorted(modules.items(), key=lambda kv: (kv[0] == "", kv[0]))):
        name = module.rstrip("/").rsplit("/", 1)[-1] if module else "sco"
        lines.append(f"  subgraph cluster_{n} {{")
        lines.append(f'    label={_dot_id(UI[lang]["module"] + ": " + name)}; fontcolor="#456"; bgcolor="#fafcff";')
        for c in members:
            lines.append(
                f"    {_dot_id(c)} [label={_dot_label(site.label(c, lang), 22)}, {_dot_url(link, c)}"
                f'target="_top", tooltip={_dot_id(iri.compact(c))}];'
            )
        lines.append("  }")
    for sup, subs in sorted(site.subclasses.items()):  # asserted in the ontology: no transitive inferred arrows
        for c in sorted(subs):
            if sup in known and c in known and sup != c:
                lines.append(f"  {_dot_id(c)} -> {_dot_id(sup)} [arrowhead=empty];")
    for p in ontology_terms(site, [OWL + "ObjectProperty"]):
        for d in site.objects(p, RDFS + "domain"):
            for r in site.objects(p, RDFS + "range"):
                if d in known and r in known and d != r:
                    lines.append(
                        f"  {_dot_id(d)} -> {_dot_id(r)} [label={_dot_label(site.label(p, lang), 20)}, "
                        'style=dashed, color="#a55", fontcolor="#a55", constraint=false];'
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
