"""`python -m bench opening` at a tiny size (3 bids × 1 MB) through the real opening worker process:
the four metric lines, JSON, positive, and every bid opened."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import requires_postgresql

ROOT = Path(__file__).resolve().parents[2]
METRICS = ["opening_20x100mb_s", "opening_worker_peak_rss_mb", "opening_bids_opened", "opening_mb_s"]


@requires_postgresql()  # the worker is a process of its own on the database the bench shares with it
@pytest.mark.postgres
def test_bench_opening_prints_its_metrics_with_every_bid_opened() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    out = subprocess.run([sys.executable, "-m", "bench", "opening", "--bids", "3", "--mb", "1", "--timeout", "120"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    lines = {m["metric"]: m for m in (json.loads(line) for line in out.stdout.splitlines() if line.startswith("{"))}
    assert list(lines) == METRICS
    assert all(m["value"] > 0 and m["bids"] == 3 and m["envelopes"] == 6 for m in lines.values())
    assert lines["opening_bids_opened"]["value"] == 3
    assert lines["opening_worker_peak_rss_mb"]["samples"] > 0
