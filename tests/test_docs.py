"""The documentation holds together: README.md and docs/**/*.md link only to what exists, name only commands and
canned queries that exist, refer to no file outside the repository, and the reference pages equal what
docs/gen_reference.py generates from ``sco-kg --help`` and the query headers.
"""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
FENCE = re.compile(r"^(```|~~~)")
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
# The project's working notes that live beside the repository, not in it: the docs restate what they need.
OUTSIDE_NOTES = ("INVENTORY", "LINKING", "SECURITY", "PERFORMANCE", "TOOLS", "MODEL", "STYLE", "ARCHITECTURE")
OUTSIDE = re.compile(r"\.\./shared|/work/|(?<![\w/.-])(?:" + "|".join(OUTSIDE_NOTES) + r")\.md\b")
# Paths written in code spans that name something of the repository (checked to exist).
REPO_DIRS = ("bench", "data", "docs", "ontology", "queries", "sco_kg", "shapes", "tests")


def documents() -> list[Path]:
    """Return README.md and every Markdown file under docs/."""
    return [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def split(text: str) -> tuple[list[str], list[str]]:
    """Return (prose lines, code lines) of a Markdown text: code lines are those inside fenced blocks."""
    prose: list[str] = []
    code: list[str] = []
    fence = ""
    for line in text.splitlines():
        match = FENCE.match(line.strip())
        if match and (not fence or match.group(1) == fence):
            fence = "" if fence else match.group(1)
            continue
        (code if fence else prose).append(line)
    return prose, code


def code_texts(text: str) -> list[str]:
    """Return every piece of code: the lines of fenced blocks and the code spans of the prose."""
    prose, code = split(text)
    spans = [m.group(2) for line in prose for m in CODE_SPAN.finditer(line)]
    return code + spans


def slug(heading: str) -> str:
    """Return the anchor GitHub gives a heading (lower case, punctuation dropped, spaces to hyphens)."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link shows its text
    text = text.replace("`", "").replace("*", "").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


@cache
def anchors(path: Path) -> frozenset[str]:
    """Return the anchors of a Markdown file's headings (repeated headings get -1, -2, … as on GitHub)."""
    prose, _ = split(path.read_text(encoding="utf-8"))
    seen: dict[str, int] = {}
    found = set()
    for line in prose:
        match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not match:
            continue
        base = slug(match.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return frozenset(found)


def links(path: Path) -> list[str]:
    """Return the link targets of a Markdown file (outside code)."""
    prose, _ = split(path.read_text(encoding="utf-8"))
    text = "\n".join(CODE_SPAN.sub("", line) for line in prose)
    return [m.group(1) for m in LINK.finditer(text)]


def broken_links(path: Path, root: Path = ROOT) -> list[str]:
    """Return the relative links of ``path`` whose file, or #anchor in a Markdown file, does not exist."""
    broken = []
    for target in links(path):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:, …
            continue
        file_part, _, anchor = target.partition("#")
        resolved = (path.parent / file_part).resolve() if file_part else path
        if not resolved.is_relative_to(root):
            broken.append(f"{target} (outside the repository)")
        elif not resolved.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target} (no heading with that anchor)")
    return broken


@cache
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_reference", DOCS / "gen_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def command_tree() -> dict[str, list[str]]:
    """Return the commands (and sub-commands) that ``sco-kg --help`` lists, run as a separate process."""
    tree: dict[str, list[str]] = generator().command_tree()
    return tree


def canned_queries() -> set[str]:
    return {p.stem for p in (ROOT / "queries").glob("*.rq")}


# ------------------------------------------------------------------------------------------------------ tests


def test_the_documents_exist() -> None:
    names = {_name(p) for p in documents()}
    for kind in ("tutorial", "how-to", "explanation", "reference"):
        assert any(n.startswith(f"docs/{kind}/") for n in names), kind
    assert {"README.md", "docs/index.md", "docs/reference/cli.md", "docs/reference/queries.md"} <= names


@pytest.mark.parametrize("path", documents(), ids=_name)
def test_relative_links_resolve(path: Path) -> None:
    assert broken_links(path) == [], _name(path)


def test_the_link_check_has_links_and_anchors_to_check() -> None:
    every = [t for p in documents() for t in links(p) if not re.match(r"^[a-z][a-z0-9+.-]*:", t)]
    assert len(every) > 100 and sum("#" in t for t in every) > 50, (len(every), sum("#" in t for t in every))


def test_the_link_check_sees_a_broken_link_and_a_broken_anchor(tmp_path: Path) -> None:
    """The checker itself: a missing file, a missing anchor and a link out of the repository are caught."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "other.md").write_text("# Other page\n\n## Same\n\n## Same\n", encoding="utf-8")
    page = tmp_path / "docs" / "page.md"
    page.write_text(
        "# Probe\n\n[a](other.md#no-such-heading) [b](nothing-here.md) [c](../../x.md) [d](#probe)\n"
        "[e](other.md#same-1) [f](other.md#other-page) `[g](ignored-in-code.md)`\n\n```\n[h](in-a-block.md)\n```\n",
        encoding="utf-8",
    )
    assert broken_links(page, root=tmp_path) == [
        "other.md#no-such-heading (no heading with that anchor)",
        "nothing-here.md (no such file)",
        "../../x.md (outside the repository)",
    ]


def test_index_lists_every_document() -> None:
    index = DOCS / "index.md"
    listed = {(index.parent / t.partition("#")[0]).resolve() for t in links(index) if not t.startswith("http")}
    missing = [_name(p) for p in sorted(DOCS.rglob("*.md")) if p != index and p.resolve() not in listed]
    assert missing == [], "docs/index.md does not list these"


@pytest.mark.parametrize("path", documents(), ids=_name)
def test_no_document_refers_to_a_file_outside_the_repository(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    hits = [m.group(0) for m in OUTSIDE.finditer(text)]
    assert hits == [], f"{_name(path)} refers to files outside the repository: {sorted(set(hits))}"


@pytest.mark.parametrize("path", documents(), ids=_name)
def test_repository_paths_in_code_exist(path: Path) -> None:
    """A path such as `data/external-ids.csv` or `tests/test_reason.py::test_x` written in the docs exists."""
    missing = []
    for code in code_texts(path.read_text(encoding="utf-8")):
        for token in re.findall(r"(?<![\w./~-])((?:" + "|".join(REPO_DIRS) + r")/[\w./*-]*)", code):
            token = token.split("::")[0].rstrip(".,:;")
            if any(ch in token for ch in "<>{}…") or re.search(r"\b[A-Z]{2,}\b", token) or token.endswith("/."):
                continue  # a pattern or a placeholder such as queries/NAME.rq
            if any(token.startswith(ignored) for ignored in generated_dirs()):
                continue  # written by a run (bench/out/), not tracked
            if not (any(ROOT.glob(token)) if "*" in token else (ROOT / token).exists()):
                missing.append(token)
    assert missing == [], f"{_name(path)} names paths that do not exist"


def generated_dirs() -> list[str]:
    """Return the directories below the top level that .gitignore lists (outputs of runs, such as bench/out/)."""
    lines = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines() if (ROOT / ".gitignore").exists() else []
    return [ln.strip() for ln in lines if ln.strip().endswith("/") and "/" in ln.strip()[:-1] and ln[:1] != "!"]


@pytest.mark.slow
def test_commands_named_in_the_docs_exist() -> None:
    tree = command_tree()
    assert {"query", "sparql", "serve", "store"} <= set(tree) and tree["store"] == ["build"], tree
    used: dict[str, set[str]] = {}
    for path in documents():
        text = path.read_text(encoding="utf-8")
        refused = set(re.findall(r"invalid choice: '([a-z-]+)'", text))  # a documented unknown command
        for code in code_texts(text):
            # A command starts a line or a code span, or follows a prompt, a pipe, `;`, `&&` or `(`.
            for m in re.finditer(r"(?:^|[$(|;&]\s*)sco-kg ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?", code, re.M):
                if m.group(1) in refused:
                    continue
                used.setdefault(m.group(1), set()).add(_name(path))
                if m.group(1) in tree and tree[m.group(1)] and m.group(2):
                    assert m.group(2) in tree[m.group(1)], f"{_name(path)}: sco-kg {m.group(1)} {m.group(2)}"
    unknown = {cmd: sorted(where) for cmd, where in used.items() if cmd not in tree}
    assert unknown == {}, "commands named in the docs that sco-kg --help does not list"
    assert {"query", "sparql", "serve", "export", "store"} <= set(used)


def test_canned_queries_named_in_the_docs_exist() -> None:
    existing = canned_queries()
    named: dict[str, set[str]] = {}
    for path in documents():
        text = path.read_text(encoding="utf-8")
        refused = set(re.findall(r"unknown query '([a-z0-9-]+)'", text))  # the documented error example
        for code in code_texts(text):
            for name in re.findall(r"sco-kg query ([a-z][a-z0-9-]*)", code) + re.findall(
                r"/queries/([a-z][a-z0-9-]*)", code
            ):
                if name not in refused:
                    named.setdefault(name, set()).add(_name(path))
        for target in links(path):  # links to the query reference name queries by anchor
            if target.partition("#")[0].endswith("reference/queries.md") and "#" in target:
                named.setdefault(target.partition("#")[2], set()).add(_name(path))
    unknown = {name: sorted(where) for name, where in named.items() if name not in existing}
    assert unknown == {}, "canned queries named in the docs that queries/ does not have"
    assert {"signatories", "search-text", "supporting-sentences"} <= set(named)


def test_python_modules_named_in_the_docs_exist() -> None:
    """`python -m sco_kg.x` and `sco_kg.x.y` in the docs name a module (and attribute) that imports today."""
    missing = []
    for path in documents():
        for code in code_texts(path.read_text(encoding="utf-8")):
            for dotted in re.findall(r"(?<![\w.])(sco_kg(?:\.[A-Za-z_]\w*)+)", code):
                parts = dotted.split(".")
                module_name = next(
                    (".".join(parts[:i]) for i in range(len(parts), 0, -1) if _module(".".join(parts[:i]))), "sco_kg"
                )
                obj: object = importlib.import_module(module_name)
                for attr in parts[len(module_name.split(".")) :]:
                    if not hasattr(obj, attr):
                        missing.append(f"{_name(path)}: {dotted}")
                        break
                    obj = getattr(obj, attr)
    assert missing == [], "names the docs use that the package does not have"


def python_blocks(text: str) -> list[str]:
    """Return the fenced ```python blocks of a Markdown text (doctest prompts removed)."""
    blocks = re.findall(r"^```python\n(.*?)^```", text, re.M | re.S)
    return [re.sub(r"^(>>>|\.\.\.) ?", "", block, flags=re.M) for block in blocks]


def test_python_examples_use_names_the_package_has() -> None:
    """`from sco_kg import query` and then `query.select(...)` in an example: both names exist today."""
    missing, seen = [], 0
    for path in documents():
        for block in python_blocks(path.read_text(encoding="utf-8")):
            for package, names in re.findall(r"^from (sco_kg(?:\.\w+)*) import ([\w, ]+)$", block, re.M):
                for name in (n.strip() for n in names.split(",")):
                    module = importlib.import_module(package)
                    target = getattr(module, name, None) if hasattr(module, name) else None
                    if target is None and _module(f"{package}.{name}"):
                        target = importlib.import_module(f"{package}.{name}")
                    if target is None:
                        missing.append(f"{_name(path)}: from {package} import {name}")
                        continue
                    for attr in sorted(set(re.findall(rf"(?<![\w.]){name}\.(\w+)", block))):
                        seen += 1
                        if not hasattr(target, attr):
                            missing.append(f"{_name(path)}: {name}.{attr}")
    assert seen > 5 and missing == [], missing


def _module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def test_reference_pages_equal_the_generated_text() -> None:
    gen = generator()
    pages = gen.generated()
    assert {p.name for p in pages} >= {"cli.md"}, pages  # the loop sees the generated reference pages
    for path, text in pages.items():
        assert path.exists(), f"{_name(path)} missing: run python docs/gen_reference.py"
        shipped = path.read_text(encoding="utf-8")
        if path.name == "cli.md" and gen.written_by(shipped) != gen.PYTHON_NOTE:
            # Another Python lays out argparse help differently: the same commands and options must be there.
            assert gen.written_by(shipped), "docs/reference/cli.md does not say which Python wrote it"
            assert gen.options_by_section(shipped) == gen.options_by_section(text), f"{_name(path)} is stale"
            continue
        assert shipped == text, f"{_name(path)} is stale: run python docs/gen_reference.py"


def test_reference_options_are_compared_when_the_python_differs() -> None:
    """The fallback comparison sees an option that a command gained or lost."""
    gen = generator()
    text = (DOCS / "reference" / "cli.md").read_text(encoding="utf-8")
    options = gen.options_by_section(text)
    assert len(options) == len(command_tree()) + 2 and "--lang" in options["sco-kg query"]  # + top level, store build
    assert gen.options_by_section(text.replace("--lang", "--language")) != options


def test_reference_covers_every_command_and_query() -> None:
    cli = (DOCS / "reference" / "cli.md").read_text(encoding="utf-8")
    for command, subs in command_tree().items():
        assert f"## sco-kg {command}\n" in cli
        assert all(f"## sco-kg {command} {sub}\n" in cli for sub in subs)
        assert f"usage: sco-kg {command} " in cli
    queries = anchors(DOCS / "reference" / "queries.md")
    assert canned_queries() and canned_queries() <= queries, canned_queries() - queries
