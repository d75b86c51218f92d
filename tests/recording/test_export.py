"""`manage.py export_recording` writes chain.md §6's layout; `python -m recording.verify`
(no Django) passes it, and names a byte changed, a file removed, two files swapped and a
row edited with the spec's codes. A segment deleted by retention still verifies."""

import io
import json
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from audit import clock, keys
from audit.services import checkpoint_issue
from bidroom.models import Camera
from recording.holds import retention_run
from recording.services import heads_fold, partial_path, segment_commit

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def exported(tmp_path):
    camera = Camera.objects.create(ident="x1", name="x1", source="synthetic:x", created_at=clock.now())
    start = clock.now() - timedelta(days=61)
    for n in range(6):
        if n == 3:
            start += timedelta(days=1, seconds=5)      # an outage: a gap row; rows 1–3 now past retention
        path = partial_path("x1", start)
        path.write_bytes(f"segment {n}".encode() * 100)
        segment_commit(camera_pk=camera.pk, path=path, start=start, end=start + timedelta(seconds=60),
                       continuous=n != 3)
        start += timedelta(seconds=60)
    assert retention_run() == 3
    heads_fold()
    checkpoint_issue()
    out = tmp_path / "export"
    call_command("export_recording", "--camera", "x1", "--from", clock.format_ts(start - timedelta(days=62)),
                 "--to", clock.format_ts(start - timedelta(seconds=90)), str(out), stdout=io.StringIO())
    return out


def verify(directory, *extra):
    result = subprocess.run([sys.executable, "-m", "recording.verify", str(directory), *extra], cwd=ROOT,
                            capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    return result.returncode, result.stdout.strip()


def test_the_export_has_the_layout_and_verifies_standalone(exported):
    files = sorted(str(p.relative_to(exported)) for p in exported.rglob("*") if p.is_file())
    assert "audit.jsonl" in files and "keys.json" in files and "range.json" in files
    assert "recording/x1/manifest.jsonl" in files and any(f.startswith("checkpoints/") for f in files)
    # Rows 1–3 were deleted by retention (their events are in audit.jsonl); row 4 is the gap;
    # row 7 (the last segment) ends after the range, so it is left out.
    assert [f for f in files if f.endswith(".mp4")] == ["recording/x1/5.mp4", "recording/x1/6.mp4"]
    assert json.loads((exported / "range.json").read_text()).keys() == {"from", "to"}
    assert verify(exported, "--trusted-pk", keys.public_key().hex()) == (0, "OK size=7")


@pytest.mark.parametrize("tamper, expected", [
    ("byte", "ERROR SEGMENT_MISMATCH seq=6"),
    ("swap", "ERROR SEGMENT_MISMATCH seq=5"),
    ("remove", "ERROR SEGMENT_MISSING seq=5"),
    ("row", "ERROR LINK_MISMATCH seq=2"),
])
def test_tampering_is_named_by_the_standalone_verifier(exported, tamper, expected):
    folder = exported / "recording" / "x1"
    if tamper == "byte":
        body = bytearray((folder / "6.mp4").read_bytes())
        body[7] ^= 0x20
        (folder / "6.mp4").write_bytes(bytes(body))
    elif tamper == "swap":
        shutil.move(folder / "5.mp4", folder / "tmp")
        shutil.move(folder / "6.mp4", folder / "5.mp4")
        shutil.move(folder / "tmp", folder / "6.mp4")
    elif tamper == "remove":
        (folder / "5.mp4").unlink()
    else:
        lines = (folder / "manifest.jsonl").read_bytes().split(b"\n")
        lines[1] = lines[1].replace(b'"size":900', b'"size":901')
        (folder / "manifest.jsonl").write_bytes(b"\n".join(lines))
    assert verify(exported) == (1, expected)


def test_a_range_with_no_recordings_is_a_clear_message(tmp_path):
    Camera.objects.create(ident="x2", name="x2", source="synthetic:x", created_at=clock.now())
    with pytest.raises(CommandError, match="x2"):
        call_command("export_recording", "--camera", "x2", "--from", "2026-01-01T00:00:00.000000Z",
                     "--to", "2026-01-02T00:00:00.000000Z", str(tmp_path / "e"))


def test_the_verifier_imports_no_django():
    code = ("import sys, recording.verify; sys.argv=['x']; "
            "assert not [m for m in sys.modules if m.split('.')[0] in ('django', 'config')], sys.modules.keys()")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, env={"PATH": "/usr/bin:/bin"})
