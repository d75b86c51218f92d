"""Vector C4 of chain-vectors.md: the recording chain's rows and links, byte for byte."""

import hashlib
import sys

import pytest

import canonical_json
from recording import chain

ROWS = [
    b'{"camera":"CAM-0101","end":"2025-03-01T02:00:00.000000Z","kind":"segment","seq":1,"sha256":"0fed9ada55992e0bdf60ad6f8212291058557e9d79b23c444ad5b35ea01cd4e6","size":21,"start":"2025-03-01T01:59:50.000000Z"}',
    b'{"camera":"CAM-0101","end":"2025-03-01T02:00:07.500000Z","kind":"gap","reason":"camera_offline","seq":2,"start":"2025-03-01T02:00:00.000000Z"}',
    b'{"camera":"CAM-0101","end":"2025-03-01T02:00:17.500000Z","kind":"segment","seq":3,"sha256":"bf1006f2eb71dbd0f8489fad6c5c1e331665f90f9bc6091dba0f8357b8e94054","size":21,"start":"2025-03-01T02:00:07.500000Z"}',
]
LINKS = ["c19d8226e49d6ba7109c129f9bb21de24f741e909a11f168f2a0fa937421e226",
         "e2da8f344b0def99165cd91f4f96511ea8e58eac1dcc61b9eea5f85a4645cc9a",
         "2112ec408152b26c51b53c23f620aed8275428cb8b8646ca49c2af0a5f61434c"]


def test_vector_c4_rows_and_links():
    assert hashlib.sha256(b"sunbid test segment 1").hexdigest() == canonical_json.loads(ROWS[0])["sha256"]
    built = [
        chain.segment_row(camera="CAM-0101", seq=1, start="2025-03-01T01:59:50.000000Z",
                          end="2025-03-01T02:00:00.000000Z", sha256=hashlib.sha256(b"sunbid test segment 1").hexdigest(),
                          size=21),
        chain.gap_row(camera="CAM-0101", seq=2, start="2025-03-01T02:00:00.000000Z", end="2025-03-01T02:00:07.500000Z",
                      reason="camera_offline"),
        chain.segment_row(camera="CAM-0101", seq=3, start="2025-03-01T02:00:07.500000Z",
                          end="2025-03-01T02:00:17.500000Z", sha256=hashlib.sha256(b"sunbid test segment 3").hexdigest(),
                          size=21),
    ]
    link = chain.LINK_0
    for row, cj, expected in zip(built, ROWS, LINKS, strict=True):
        chain.check_row(row)
        assert canonical_json.dumps(row) == cj
        link = chain.rec_link(link, row)
        assert link.hex() == expected


def test_a_changed_row_changes_its_link_and_bad_rows_are_refused():
    row = canonical_json.loads(ROWS[1])
    assert chain.rec_link(bytes.fromhex(LINKS[0]), row).hex() == LINKS[1]
    assert chain.rec_link(bytes.fromhex(LINKS[0]), {**row, "reason": "storage_full"}).hex() != LINKS[1]
    for bad in ({**row, "reason": "lunch"}, {**row, "extra": 1}, {**row, "seq": 0}, {**row, "start": "2025-03-01"},
                {**canonical_json.loads(ROWS[0]), "size": "21"}, {**row, "camera": "-x"}):
        with pytest.raises(chain.RowInvalid):
            chain.check_row(bad)


def test_the_chain_module_imports_no_django():
    import subprocess

    code = "import sys, recording.chain; assert not any(m.startswith('django') for m in sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=str(__import__("pathlib").Path(__file__).parents[2]))
