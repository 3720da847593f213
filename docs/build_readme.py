"""Assemble README.md from docs/readme/*.md: _head.md first (with a table of contents), then the sections by name.

Run ``python docs/build_readme.py`` after editing a section; tests/test_readme.py fails when README.md is stale.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ROOT / "docs" / "readme"
# Reading order: the model first, then what a user does with it.
ORDER = [
    "00-core.md",
    "queries.md",
    "inference.md",
    "outside-facts.md",
    "linking.md",
    "exports.md",
    "server.md",
    "performance.md",
    "security.md",
    "inventory-check.md",
]
TAIL = """
## Licence

Code: MIT. Ontology and data: CC BY 4.0. The source text is a 2001 news release, quoted for reference.
"""


def _anchor(title: str) -> str:
    slug = re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")
    return slug


def build() -> str:
    """Return the README text."""
    names = ORDER + sorted(p.name for p in SECTIONS.glob("*.md") if p.name not in ORDER and p.name != "_head.md")
    bodies = [(SECTIONS / n).read_text(encoding="utf-8").strip() + "\n" for n in names if (SECTIONS / n).exists()]
    toc = []
    for body in bodies:
        in_code = False
        for line in body.splitlines():
            if line.startswith("```"):
                in_code = not in_code
            if not in_code and line.startswith("## "):
                title = line[3:].strip()
                toc.append(f"- [{title}](#{_anchor(title)})")
    head = (SECTIONS / "_head.md").read_text(encoding="utf-8").replace("{toc}", "\n".join(toc))
    return head.rstrip() + "\n\n" + "\n".join(bodies) + TAIL


def main() -> int:
    """Write README.md; return the exit code."""
    (ROOT / "README.md").write_text(build(), encoding="utf-8")
    print("wrote README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
