"""`python -m bench draw` at a tiny size: the three metric lines, JSON, positive, on this database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_draw_prints_its_metrics() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    out = subprocess.run([sys.executable, "-m", "bench", "draw", "--experts", "400", "--repeats", "2"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    assert [m["metric"] for m in lines] == ["draw_e2e_p50_ms", "draw_e2e_p95_ms", "draw_only_p50_ms"]
    assert all(m["value"] > 0 and m["experts"] == 400 and m["candidates"] > 7 for m in lines)
