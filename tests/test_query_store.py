"""The query store cache of the read path (issue 14): what makes an entry stale, and what runs without a fork.

:func:`sco_kg.dataset.cached_store` keeps the query store of the shipped dataset on disk, trusted while the size,
modification time and inode of every input file are those its first line records. These tests change an input
and check the next store sees the change (they would fail if the entry were trusted regardless), and check that
only canned queries on the shipped dataset skip the forked worker; user text keeps it.
"""

from __future__ import annotations

import time
from pathlib import Path

import pyoxigraph as ox
import pytest

import sco_kg
from sco_kg import dataset, paths
from sco_kg.dataset import Source
from sco_kg.engine import run as engine
from sco_kg.engine import workers
from sco_kg.engine.limits import Limits
from sco_kg.sparql import catalog

EX = "http://example.org/issue-14/"
ADDED = f'GRAPH <{EX}graph> {{ <{EX}s> <{EX}p> "added" . }}\n'
ASK_ADDED = f"ASK {{ <{EX}s> <{EX}p> ?o }}"


@pytest.fixture()
def own_cache(data_copy: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable copy of the data (SCO_KG_ROOT) with a query-store cache of its own; the in-process cache clear."""
    cache = tmp_path_factory.mktemp("query-store-cache")
    monkeypatch.setenv("SCO_KG_CACHE", str(cache))
    dataset.clear_cache()
    yield cache
    dataset.clear_cache()


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("query-store-*.nq"))


def _ground(store: ox.Store) -> tuple[int, set[ox.Quad]]:
    """Return the number of quads and the quads without blank nodes (a parser gives blank nodes new ids)."""
    quads = list(store)
    return len(quads), {q for q in quads if not any(isinstance(t, ox.BlankNode) for t in (q.subject, q.object))}


def _has_added(store: ox.Store) -> bool:
    return bool(store.query(ASK_ADDED))


def test_an_entry_is_reused_while_the_inputs_are_unchanged(own_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = dataset.cached_store(Source(inferred=False))
    assert [p.name.split("-", 3)[-1] for p in _entries(own_cache)] == ["asserted-default.nq", "asserted.nq"]
    dataset.clear_cache()

    def no_build(*args: object, **kwargs: object) -> None:
        raise AssertionError("the store was built again although no input changed")

    monkeypatch.setattr(dataset, "open_store", no_build)
    again = dataset.cached_store(Source(inferred=False))
    assert _ground(again) == _ground(first)


def test_a_changed_input_file_makes_a_new_store(own_cache: Path) -> None:
    """Regression test for issue 14: the entry is trusted by file stats, so a changed file must change them."""
    assert not _has_added(dataset.cached_store(Source(inferred=False)))
    data_file = paths.data_files()[0]
    with open(data_file, "a", encoding="utf-8") as fh:
        fh.write("\n" + ADDED)
    dataset.clear_cache()  # a new process: only the on-disk entry is left
    assert _has_added(dataset.cached_store(Source(inferred=False)))
    assert _has_added(dataset.cached_store(Source(inferred=False), named_graphs=False))


def test_a_changed_input_file_reaches_the_inferred_store(own_cache: Path) -> None:
    """With inference (the default), a changed input makes the shipped closure stale: the closure is recomputed."""
    assert not _has_added(dataset.cached_store())
    with open(paths.data_files()[0], "a", encoding="utf-8") as fh:
        fh.write("\n" + ADDED)
    dataset.clear_cache()
    assert _has_added(dataset.cached_store())


def test_an_added_input_file_makes_a_new_store(own_cache: Path) -> None:
    assert not _has_added(dataset.cached_store(Source(inferred=False)))
    (paths.data_dir() / "zz-added.trig").write_text(ADDED, encoding="utf-8")
    dataset.clear_cache()
    assert _has_added(dataset.cached_store(Source(inferred=False)))


def test_an_entry_of_other_inputs_is_not_trusted(own_cache: Path) -> None:
    store = dataset.cached_store(Source(inferred=False))
    for entry in _entries(own_cache):  # as if written for other inputs: same name, another first line
        entry.write_bytes(
            b"# sco-kg query store 0 other\n<http://example.org/x> <http://example.org/y> <http://example.org/z> .\n"
        )
    dataset.clear_cache()
    assert _ground(dataset.cached_store(Source(inferred=False))) == _ground(store)
    assert all(not p.read_bytes().startswith(b"# sco-kg query store 0 ") for p in _entries(own_cache))


def test_the_default_graph_store_holds_the_set_union_and_no_named_graph(own_cache: Path) -> None:
    full = dataset.cached_store()
    dataset.clear_cache()  # read both from their entries
    full_again = dataset.cached_store()
    default_only = dataset.cached_store(named_graphs=False)
    assert _ground(full_again) == _ground(full)
    assert not list(default_only.named_graphs())
    default_of_full = ox.Store()
    default_of_full.extend(full.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    assert _ground(default_only) == _ground(default_of_full)
    union = {q.triple for q in _ground(full)[1]}
    assert {q.triple for q in _ground(default_only)[1]} == union


def test_canned_queries_on_the_shipped_dataset_run_without_a_fork_and_user_text_with_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    forks: list[str] = []
    real = workers.run_once

    def counting(*args: object, **kwargs: object) -> object:
        forks.append("fork")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(workers, "run_once", counting)
    assert len(sco_kg.query("signatories").rows) == 6
    assert forks == []
    text = catalog.get("signatories").text
    assert len(sco_kg.run(text, limits=Limits()).rows) == 6
    assert forks == ["fork"]  # the same text from a user: process isolation


def test_a_canned_query_keeps_its_deadline_inline() -> None:
    with pytest.raises(sco_kg.QueryTimeout, match="longer than 1e-06 s"):
        engine._in_thread(lambda: time.sleep(0.5), 1e-6)
