"""Retention with a controlled clock, holds placed and lifted by inspectors with a reason,
and a listing's automatic holds (objection window, procurement archive)."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command

import canonical_json
from accounts.models import User
from audit import clock
from audit.models import Event
from audit.services import clock_advance
from bidroom.models import Booking, Camera, Room
from config.errors import NotPermitted
from recording import holds
from recording.errors import HoldAutomatic, HoldNeedsReason
from recording.models import Hold, Row
from recording.services import partial_path, segment_commit, segment_path
from tests.accounts.factories import OrganisationFactory, UserFactory
from tests.trading.factories import draft
from trading.models import Objection, ResultReport

pytestmark = pytest.mark.django_db


@pytest.fixture
def inspector():
    return UserFactory(role=User.Role.INSPECTOR)


@pytest.fixture
def room():
    return Room.objects.create(name="第一开标室", kind=Room.Kind.OPENING, capacity=40, location="三楼 301")


def segment(camera, start, seconds=60, continuous=True):
    path = partial_path(camera.ident, start)
    path.write_bytes(b"video " + start.isoformat().encode())
    return segment_commit(camera_pk=camera.pk, path=path, start=start, end=start + timedelta(seconds=seconds),
                          continuous=continuous)


def events(kind):
    return [canonical_json.loads(e.payload.encode()) for e in Event.objects.filter(kind=kind).order_by("seq")]


def verify_ok():
    out = io.StringIO()
    call_command("verify_recordings", stdout=out)
    return out.getvalue()


def test_retention_keeps_59d23h_deletes_60d1h_and_keeps_a_held_one(room, inspector):
    camera = Camera.objects.create(ident="r1", name="r1", room=room, source="synthetic:r", created_at=clock.now())
    now = clock.now()
    old = segment(camera, now - timedelta(days=60, hours=1, minutes=1))                 # ends 60 d 1 h ago
    held = segment(camera, now - timedelta(days=60, hours=1), continuous=False)          # ends 60 d 1 h − 1 min ago
    young = segment(camera, now - timedelta(days=59, hours=23, minutes=1), continuous=False)   # ends 59 d 23 h ago
    hold = holds.hold_cameras(by=inspector, cameras=[camera], start=held.start + timedelta(seconds=10),
                              end=held.start + timedelta(seconds=20), reason="纪检案 2026-017")
    assert holds.retention_run() == 1
    rows = {r.seq: r for r in Row.objects.filter(camera=camera)}
    assert rows[old.seq].deleted_at is not None and rows[old.seq].deletion_reason == "retention"
    assert not segment_path("r1", old.seq).exists()
    assert segment_path("r1", held.seq).exists() and rows[held.seq].deleted_at is None
    assert segment_path("r1", young.seq).exists() and rows[young.seq].deleted_at is None
    assert events("recording.deleted") == [{"camera": "r1", "seq": old.seq, "reason": "retention"}]
    assert events("recording.hold")[0]["hold_id"] == hold.hold_id
    assert verify_ok() == "OK size=4 camera=r1\n"                # a segment deleted by retention still verifies
    # Two hours later the young one is past 60 days too; the held one stays until released.
    clock_advance(by=UserFactory(role=User.Role.STAFF), to=clock.now() + timedelta(hours=2))
    clock.forget_cached_offset()
    assert holds.retention_run() == 1 and not segment_path("r1", young.seq).exists()
    holds.hold_release(by=inspector, hold_id=hold.hold_id)
    assert events("recording.release") == [{"hold_id": hold.hold_id}]
    assert holds.retention_run() == 1 and not segment_path("r1", held.seq).exists()
    assert holds.retention_run() == 0
    assert Row.objects.filter(camera=camera).count() == 4         # every row kept
    assert verify_ok() == "OK size=4 camera=r1\n"


def test_a_hold_needs_a_reason_and_an_inspector(room, inspector):
    camera = Camera.objects.create(ident="r2", name="r2", room=room, source="synthetic:r", created_at=clock.now())
    now = clock.now()
    with pytest.raises(HoldNeedsReason) as refused:
        holds.hold_room(by=inspector, room=room, start=now, end=now, reason="  ")
    assert "理由" in str(refused.value.message)          # zh-hans by default: a clear message
    with pytest.raises(NotPermitted):
        holds.hold_cameras(by=UserFactory(role=User.Role.STAFF), cameras=[camera], start=now, end=now, reason="x")
    assert not Hold.objects.exists() and not events("recording.hold")
    hold = holds.hold_room(by=inspector, room=room, start=now, end=now + timedelta(hours=1), reason="case 7")
    assert hold.cameras == ["r2"] and events("recording.hold")[0]["reason"] == "case 7"
    assert Event.objects.get(kind="recording.hold").actor == f"user:{inspector.pk}"


def test_a_procurement_opening_is_archived_and_an_objection_window_holds_the_listing(room, inspector):
    camera = Camera.objects.create(ident="r3", name="r3", room=room, source="synthetic:r", created_at=clock.now())
    staff = UserFactory(role=User.Role.STAFF)
    now = clock.now()
    procurement, works = draft(kind="procurement"), draft(kind="construction")
    for listing, day in ((procurement, 70), (works, 69)):
        Booking.objects.create(room=room, listing=listing, purpose=Booking.Purpose.OPENING,
                               starts_at=now - timedelta(days=day), ends_at=now - timedelta(days=day, hours=-2),
                               booked_by=staff, booked_at=now - timedelta(days=80))
    archived = segment(camera, now - timedelta(days=70, minutes=-30))
    objected = segment(camera, now - timedelta(days=69, minutes=-30), continuous=False)
    lot = works.lots.first()
    report = ResultReport.objects.create(lot=lot, file="reports/r.pdf", sha256="0" * 64,
                                         publicity_ends_at=now + timedelta(days=3))
    assert holds.retention_run() == 0
    causes = {(h.listing_id, h.cause) for h in Hold.objects.filter(released_at__isnull=True)}
    assert causes == {(procurement.pk, "archive"), (works.pk, "objection")}
    auto = Hold.objects.get(cause="objection")
    with pytest.raises(HoldAutomatic):
        holds.hold_release(by=inspector, hold_id=auto.hold_id)
    # Publicity over but an objection unanswered: still held.
    ResultReport.objects.filter(pk=report.pk).update(publicity_ends_at=now - timedelta(minutes=1))
    objection = Objection.objects.create(lot=lot, raised_by=OrganisationFactory(), text="异议", raised_at=now,
                                         reply_due_at=now + timedelta(days=3))
    assert holds.retention_run() == 0
    Objection.objects.filter(pk=objection.pk).update(replied_at=now, reply="答复")
    assert holds.retention_run() == 1                             # released, then deleted
    assert not segment_path("r3", objected.seq).exists() and segment_path("r3", archived.seq).exists()
    assert events("recording.release") == [{"hold_id": auto.hold_id}]
    assert Hold.objects.get(cause="archive").released_at is None  # the archive hold does not expire
    assert verify_ok() == "OK size=3 camera=r3\n"


def test_the_storage_emergency_deletes_the_oldest_unheld_segments_and_alerts(room, inspector, mailoutbox, settings):
    settings.ADMINS = [("ops", "ops@example.com")]
    settings.RECORDING_EMERGENCY_HOURS = 1
    camera = Camera.objects.create(ident="e1", name="e1", room=room, source="synthetic:r", created_at=clock.now())
    now = clock.now()
    rows = [segment(camera, now - timedelta(minutes=5 - n)) for n in range(4)]   # four recent minutes
    holds.hold_cameras(by=inspector, cameras=[camera], start=rows[0].start, end=rows[0].end - timedelta(seconds=1),
                       reason="case 9")   # [from, to] is closed: touching the next segment would hold it too
    size = rows[1].size
    needed = holds.bytes_per_second(now) * 3600
    assert needed > 0
    assert holds.emergency_run(free_bytes=int(needed) + 1) == []                 # enough room: nothing goes
    gone = holds.emergency_run(free_bytes=int(needed) - size - 1)
    assert [r.seq for r in gone] == [rows[1].seq, rows[2].seq]                   # oldest unheld first, until enough
    assert segment_path("e1", rows[0].seq).exists() and not segment_path("e1", rows[1].seq).exists()
    assert events("recording.deleted") == [{"camera": "e1", "seq": r.seq, "reason": "emergency"} for r in gone]
    assert "storage emergency" in mailoutbox[0].subject.lower()
    out = verify_ok()
    assert out.startswith("OK size=4 camera=e1") and f"WARNING emergency deletion seq={rows[1].seq}" in out


def test_reconciliation_reports_orphan_files_and_missing_files(room, recording_dir):
    camera = Camera.objects.create(ident="q1", name="q1", room=room, source="synthetic:r", created_at=clock.now())
    now = clock.now()
    rows = [segment(camera, now - timedelta(minutes=10 - n)) for n in range(3)]
    assert holds.reconcile() == {"orphans": [], "missing": []}
    segment_path("q1", rows[1].seq).unlink()
    (recording_dir / "q1" / "99.mp4").write_bytes(b"stray")
    partial_path("q1", now - timedelta(hours=1)).write_bytes(b"left over")
    partial_path("q1", now).write_bytes(b"being written")
    stale = partial_path("q1", now - timedelta(hours=1)).name
    assert holds.reconcile() == {"orphans": ["q1/99.mp4", f"q1/{stale}"], "missing": [f"q1/{rows[1].seq}.mp4"]}
