"""Recording cost and verify speed (issue 10).

- record_remux_cpu_pct: CPU of recording one camera from the real RTSP peer (GStreamer,
  H.264 1280×720, 10 fps): the time spent in `Remuxer.add` (copying and muxing packets into
  fragmented MP4, flushed every second), over wall time; 100 = one core. The demuxing of
  the RTSP stream is shared with the live view and reported separately as
  `rtsp_demux_cpu_pct` in the context.
- record_encode_cpu_pct: encoding 640×360 10 fps synthetic frames with libx264 (one thread)
  into segments, time in `Encoder.add` over wall time.
- recording_verify_rows_per_s: `recording.verify.check_chain` over 60 days of one camera's
  chain (86,400 rows of 60 s segments, small files on disk, hashed).

Usage: python -m bench record [--seconds S] [--rows N]
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.audit import emit

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def remux(seconds: float) -> None:
    import av

    from recording.writer import Remuxer

    port = _free_port()
    peer = subprocess.Popen(["/usr/bin/python3", str(ROOT / "tests/bidroom/peers/rtsp_server.py"), str(port),
                             "1280", "720", "10"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert peer.stdout is not None and peer.stdout.readline().strip() == b"ready"
        container = av.open(f"rtsp://127.0.0.1:{port}/cam", options={"rtsp_transport": "tcp"}, timeout=(5, 5))
        stream = container.streams.video[0]
        with tempfile.TemporaryDirectory() as tmp:
            writer = None
            in_writer = 0.0
            packets = 0
            segment = 0
            start_wall, start_cpu = time.monotonic(), time.thread_time()
            for packet in container.demux(stream):
                if not packet.size:
                    continue
                t = time.thread_time()
                if writer is None or (packet.is_keyframe and writer.seconds >= 60):
                    if writer is not None:
                        writer.close()
                    segment += 1
                    writer = Remuxer(Path(tmp) / f"{segment}.mp4", stream, fragment_seconds=1.0)
                writer.add(packet)
                in_writer += time.thread_time() - t
                packets += 1
                if time.monotonic() - start_wall >= seconds:
                    break
            wall = time.monotonic() - start_wall
            total = time.thread_time() - start_cpu
            if writer is not None:
                writer.close()
        container.close()
    finally:
        peer.kill()
        peer.wait()
    emit("record_remux_cpu_pct", in_writer / wall * 100, "pct", size="1280x720", fps=10, packets=packets,
         seconds=round(wall, 1), rtsp_demux_cpu_pct=round((total - in_writer) / wall * 100, 2))


def encode(seconds: float) -> None:
    from bidroom.capture.readers import SyntheticReader
    from recording.writer import Encoder

    reader = SyntheticReader("bench", size=(640, 360), fps=10)
    with tempfile.TemporaryDirectory() as tmp:
        writer = Encoder(Path(tmp) / "1.mp4", width=640, height=360, fps=10)
        in_writer, frames = 0.0, 0
        start = time.monotonic()
        while time.monotonic() - start < seconds:
            image = reader.read()
            t = time.thread_time()
            writer.add(image, int((time.monotonic() - start) * 1000))
            in_writer += time.thread_time() - t
            frames += 1
        wall = time.monotonic() - start
        t = time.thread_time()
        writer.close()
        in_writer += time.thread_time() - t
    emit("record_encode_cpu_pct", in_writer / wall * 100, "pct", size="640x360", fps=10, frames=frames,
         seconds=round(wall, 1), threads=1)


def verify(rows: int) -> None:
    import canonical_json
    from recording import chain
    from recording.verify import check_chain

    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        lines, link = [], chain.LINK_0
        for n in range(1, rows + 1):
            body = f"segment {n}".encode() * 20
            (folder / f"{n}.mp4").write_bytes(body)
            row = chain.segment_row(camera="BENCH-1", seq=n, start=(t0 + timedelta(minutes=n - 1)).strftime(fmt),
                                    end=(t0 + timedelta(minutes=n)).strftime(fmt),
                                    sha256=hashlib.sha256(body).hexdigest(), size=len(body))
            link = chain.rec_link(link, row)
            lines.append(canonical_json.dumps({**row, "link": link.hex()}) + b"\n")

        def segment(seq: int) -> bytes | None:
            path = folder / f"{seq}.mp4"
            return path.read_bytes() if path.is_file() else None

        start = time.perf_counter()
        report = check_chain(lines, camera="BENCH-1", segment=segment, heads=[(rows, link.hex())])
        elapsed = time.perf_counter() - start
    assert report.size == rows
    emit("recording_verify_rows_per_s", rows / elapsed, "rows/s", rows=rows, seconds=round(elapsed, 2),
         file_bytes=len(body))


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench record")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rows", type=int, default=86_400)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    remux(args.seconds)
    encode(args.seconds)
    verify(args.rows)
    return 0
