"""`manage.py verify_recordings` and the pure checks behind it name the first broken row of
a camera's chain with chain.md §7's code; heads folded into the audit record catch a chain
rebuilt after the fact."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

import canonical_json
from audit import clock
from audit.models import Event
from audit.services import SYSTEM, event_append
from bidroom.models import Camera
from recording import chain
from recording.models import Row
from recording.services import heads_fold, partial_path, row_dict, segment_commit, segment_path

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0) - timedelta(days=70)


def recorded(ident="v1", segments=4):
    """A camera with `segments` ten-second segments and one offline gap after the second."""
    camera = Camera.objects.create(ident=ident, name=ident, source="synthetic:v", created_at=T0)
    start = T0
    for n in range(segments):
        path = partial_path(ident, start)
        path.write_bytes(f"segment {n} of {ident}".encode() * 50)
        segment_commit(camera_pk=camera.pk, path=path, start=start, end=start + timedelta(seconds=10),
                       continuous=n != 2)
        start += timedelta(seconds=10) + (timedelta(seconds=7) if n == 1 else timedelta(0))
    return camera


def verify(ident=None):
    out = io.StringIO()
    try:
        call_command("verify_recordings", *(["--camera", ident] if ident else []), stdout=out)
        code = 0
    except SystemExit as e:
        code = e.code
    return code, out.getvalue()


def test_an_untouched_chain_verifies_with_its_gap_row():
    camera = recorded()
    rows = list(Row.objects.filter(camera=camera))
    assert [r.kind for r in rows] == ["segment", "segment", "gap", "segment", "segment"]
    assert rows[2].reason == "camera_offline" and rows[2].start == rows[1].end and rows[3].start == rows[2].end
    assert verify() == (0, "OK size=5 camera=v1\n")


def test_one_byte_changed_in_a_segment_is_segment_mismatch():
    camera = recorded()
    path = segment_path(camera.ident, 4)
    body = bytearray(path.read_bytes())
    body[100] ^= 1
    path.write_bytes(bytes(body))
    assert verify() == (1, "ERROR SEGMENT_MISMATCH seq=4 camera=v1\n")


def test_a_segment_file_deleted_early_is_segment_missing():
    camera = recorded()
    segment_path(camera.ident, 2).unlink()
    assert verify()[1].startswith("ERROR SEGMENT_MISSING seq=2 ")


def test_two_segments_swapped_is_a_mismatch_at_the_first():
    camera = recorded()
    a, b = segment_path(camera.ident, 1), segment_path(camera.ident, 4)
    body_a, body_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(body_b)
    b.write_bytes(body_a)
    assert verify()[1].startswith("ERROR SEGMENT_MISMATCH seq=1 ")


def test_a_row_edited_is_link_mismatch_and_a_rebuilt_chain_is_head_mismatch():
    camera = recorded()
    assert heads_fold() == 1 and heads_fold() == 0           # folded once, not again while unchanged
    head = Event.objects.get(kind="recording.head")
    assert head.object == "camera:v1"
    assert canonical_json.loads(head.payload.encode()) == {"camera": "v1", "seq": 5, "link": Row.objects.get(seq=5).link}
    Row.objects.filter(camera=camera, seq=3).update(reason="storage_full")   # the gap's reason rewritten
    assert verify() == (1, "ERROR LINK_MISMATCH seq=3 camera=v1 \n".replace(" \n", "\n"))
    # The forger recomputes every link from there: only the head in the audit record catches it.
    link = bytes.fromhex(Row.objects.get(camera=camera, seq=2).link)
    for row in Row.objects.filter(camera=camera, seq__gte=3).order_by("seq"):
        link = chain.rec_link(link, row_dict(row, camera.ident))
        Row.objects.filter(pk=row.pk).update(link=link.hex())
    assert verify()[1].startswith("ERROR HEAD_MISMATCH seq=5 ")


def test_a_removed_row_is_seq_gap():
    camera = recorded()
    Row.objects.filter(camera=camera, seq=5).delete()
    Row.objects.filter(camera=camera, seq=4).update(seq=5)
    assert verify()[1].startswith("ERROR SEQ_GAP seq=4 ")


def test_deletions_are_checked_against_retention_and_holds():
    camera = recorded()
    # Seq 1 ended 70 days ago: deleted by retention with its event, it still verifies.
    segment_path(camera.ident, 1).unlink()
    event_append(kind="recording.deleted", actor=SYSTEM, object="camera:v1",
                 payload={"camera": "v1", "seq": 1, "reason": "retention"})
    assert verify()[0] == 0
    # Seq 2 is held: deleting it is EARLY_DELETION even though its retention passed.
    event_append(kind="recording.hold", actor=SYSTEM, object="",
                 payload={"hold_id": "h1", "cameras": ["v1"], "from": clock.format_ts(T0 + timedelta(seconds=12)),
                          "to": clock.format_ts(T0 + timedelta(seconds=13)), "reason": "case 2026-17"})
    segment_path(camera.ident, 2).unlink()
    event_append(kind="recording.deleted", actor=SYSTEM, object="camera:v1",
                 payload={"camera": "v1", "seq": 2, "reason": "retention"})
    assert verify()[1].startswith("ERROR EARLY_DELETION seq=2 ")


def test_a_deletion_before_the_retention_period_is_early_unless_emergency():
    camera = Camera.objects.create(ident="v2", name="v2", source="synthetic:v", created_at=T0)
    start = clock.now() - timedelta(days=3)
    for n in range(2):
        path = partial_path("v2", start)
        path.write_bytes(b"x" * (n + 10))
        segment_commit(camera_pk=camera.pk, path=path, start=start, end=start + timedelta(seconds=5), continuous=True)
        start += timedelta(seconds=5)
    for seq, reason in ((1, "emergency"), (2, "retention")):
        segment_path("v2", seq).unlink()
        event_append(kind="recording.deleted", actor=SYSTEM, object="camera:v2",
                     payload={"camera": "v2", "seq": seq, "reason": reason})
    code, out = verify("v2")
    assert code == 1 and out.startswith("ERROR EARLY_DELETION seq=2 ")
    Row.objects.filter(camera=camera, seq=2).delete()
    code, out = verify("v2")
    assert code == 0 and "WARNING emergency deletion seq=1 camera=v2" in out


def test_a_time_range_checks_only_the_files_inside_it():
    camera = recorded()
    segment_path(camera.ident, 1).unlink()               # outside the range below: not read
    inside = Row.objects.get(camera=camera, seq=4)
    out = io.StringIO()
    call_command("verify_recordings", "--camera", "v1", "--from", clock.format_ts(inside.start),
                 "--to", clock.format_ts(inside.end), stdout=out)
    assert out.getvalue() == "OK size=5 camera=v1\n"
    path = segment_path(camera.ident, 4)
    path.write_bytes(path.read_bytes() + b"x")
    with pytest.raises(SystemExit):
        call_command("verify_recordings", "--camera", "v1", "--from", clock.format_ts(inside.start),
                     "--to", clock.format_ts(inside.end), stdout=(out := io.StringIO()))
    assert out.getvalue().startswith("ERROR SEGMENT_MISMATCH seq=4 ")
