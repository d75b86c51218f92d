"""`python -m bench seal` at a tiny size: every metric line is JSON with a positive value."""

from __future__ import annotations

import json
import shutil

import pytest

from bench import seal as bench_seal

SPEED_OUTPUT = """\
CPUINFO: OPENSSL_ia32cap=0xfffa3203078bffff:0x40069c219c07ab
The 'numbers' are in 1000s of bytes per second processed.
type          16384 bytes
AES-256-GCM    3215471.15k
"""


def test_parse_speed_reads_the_16k_column_in_mb_per_s() -> None:
    assert bench_seal.parse_speed(SPEED_OUTPUT, "aes-256-gcm") == pytest.approx(3215.47115)
    with pytest.raises(RuntimeError):
        bench_seal.parse_speed("type 16384 bytes\n", "sha256")


@pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl on PATH")
def test_openssl_speed_runs() -> None:
    assert bench_seal.openssl_speed("sha256", 1) > 0


def test_run_prints_every_metric(monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    fake = {"aes-256-gcm": 3000.0, "sha256": 1500.0}  # openssl's own speed is tested above
    monkeypatch.setattr(bench_seal, "openssl_speed", lambda algorithm, seconds: fake[algorithm])
    medians = bench_seal.run(mem_mib=1, file_mib=1.5, repeats=1, openssl_seconds=1)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["metric"] for line in lines] == list(bench_seal.METRICS)
    for line in lines:
        assert {"metric", "value", "unit", "repeats"} <= line.keys()
        assert isinstance(line["value"], float) and line["value"] > 0, line
        assert medians[line["metric"]] > 0
    assert medians["openssl_gcm_mb_s"] == 3000.0
    limit = next(line for line in lines if line["metric"] == "open_vs_limit")
    assert limit["hash_passes"] == 1 and limit["limit_mb_s"] == 1000.0
