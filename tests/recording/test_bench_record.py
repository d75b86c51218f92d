"""`python -m bench record`'s verify and encode parts at a tiny size print positive metrics."""

import json

from bench import record


def test_verify_and_encode_metrics(capsys):
    record.verify(50)
    record.encode(1.0)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [m["metric"] for m in lines] == ["recording_verify_rows_per_s", "record_encode_cpu_pct"]
    assert all(m["value"] > 0 for m in lines) and lines[0]["rows"] == 50 and lines[1]["frames"] >= 8
