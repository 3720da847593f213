"""A small version of the load test (bench/load.py): zero errors and bounded memory growth, never a time."""

from __future__ import annotations

import pytest

from bench.load import run_load

pytestmark = [pytest.mark.network_loopback, pytest.mark.slow]


def test_load_mix_all_2xx_and_bounded_rss() -> None:
    report = run_load(requests=600, concurrency=8, seed=9)
    assert report["non_2xx"] == 0, report["examples"]
    assert report["errors"] == 0, report["examples"]
    assert report["server_alive"]
    assert set(report["by_kind"]) == {"canned", "resource", "sparql"}
    assert sum(k["count"] for k in report["by_kind"].values()) == 600
    # Every distinct request was answered once before the measurement; serving it again must not grow the
    # server by more than a few caches' worth (64 MiB is ~8x what 20,000 requests added when measured).
    assert report["rss_growth_kib"] < 64 * 1024, report["rss_growth_kib"]
