"""The inspector exports a range from the review page: a Celery task builds the zip with the
standalone verifier and reports progress; the bundled verifier passes it. Too large and
empty ranges are refused with a message."""

import subprocess
import sys
import zipfile
from datetime import timedelta

import pytest

from accounts.models import User
from audit import clock, keys
from audit.models import Event
from audit.services import checkpoint_issue
from bidroom.models import Camera, Room
from recording.models import Export
from recording.services import heads_fold, partial_path, segment_commit
from recording.tasks import export_task
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def inspector(client):
    user = UserFactory(role=User.Role.INSPECTOR)
    client.force_login(user)
    return user


@pytest.fixture
def camera():
    room = Room.objects.create(name="第二开标室", kind=Room.Kind.OPENING, capacity=40, location="三楼 302")
    camera = Camera.objects.create(ident="z1", name="z1", room=room, source="synthetic:z", created_at=clock.now())
    start = clock.now().replace(microsecond=0) - timedelta(hours=1)
    for n in range(4):
        path = partial_path("z1", start + timedelta(minutes=n))
        path.write_bytes(f"segment {n} ".encode() * 300)
        segment_commit(camera_pk=camera.pk, path=path, start=start + timedelta(minutes=n),
                       end=start + timedelta(minutes=n + 1), continuous=True)
    heads_fold()
    checkpoint_issue()
    return camera


def fmt(moment):
    return clock.format_ts(moment)


def test_export_is_built_with_progress_and_the_bundled_verifier_passes_it(client, inspector, camera, tmp_path):
    start = clock.now().replace(microsecond=0) - timedelta(hours=1)
    response = client.post("/recordings/exports/", {"camera": "z1", "start": fmt(start + timedelta(seconds=30)),
                                                     "end": fmt(start + timedelta(minutes=2, seconds=30))})
    job = Export.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/recordings/exports/{job.pk}/"
    assert client.get(f"/recordings/exports/{job.pk}/status/").json()["state"] == "queued"
    assert export_task(job.pk)                                        # the Celery task, run here
    status = client.get(f"/recordings/exports/{job.pk}/status/").json()
    assert status["state"] == "done" and status["percent"] == 100 and status["done"] == status["total"] == 3
    assert 'id="export-progress"' in client.get(f"/recordings/exports/{job.pk}/").content.decode()
    download = client.get(f"/recordings/exports/{job.pk}/download/")
    archive = tmp_path / "e.zip"
    archive.write_bytes(b"".join(download.streaming_content))
    with zipfile.ZipFile(archive) as z:
        names = z.namelist()
        z.extractall(tmp_path)
    folder = tmp_path / f"export-{job.pk}"
    assert {f"export-{job.pk}/recording/z1/{n}.mp4" for n in (1, 2, 3)} <= set(names)
    assert f"export-{job.pk}/recording/z1/4.mp4" not in names                       # outside the range
    assert f"export-{job.pk}/verifier/recording/verify.py" in names
    result = subprocess.run([sys.executable, "-m", "recording.verify", "..", "--trusted-pk", keys.public_key().hex()],
                            cwd=folder / "verifier", capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert (result.returncode, result.stdout.strip()) == (0, "OK size=4")
    exported = Event.objects.get(kind="recording.exported")
    assert exported.actor == f"user:{inspector.pk}"


def test_an_export_over_the_size_limit_or_of_nothing_is_refused_with_a_message(client, inspector, camera, settings):
    start = clock.now().replace(microsecond=0) - timedelta(hours=1)
    settings.RECORDING_EXPORT_MAX_BYTES = 1000
    page = client.post("/recordings/exports/", {"camera": "z1", "start": fmt(start), "end": fmt(start + timedelta(minutes=3))},
                       follow=True).content.decode()
    assert "MB" in page and not Export.objects.exists()
    settings.RECORDING_EXPORT_MAX_BYTES = 10**9
    page = client.post("/recordings/exports/", {"camera": "z1", "start": fmt(start - timedelta(days=3)),
                                                "end": fmt(start - timedelta(days=2))}, follow=True).content.decode()
    assert "z1" in page and "没有录像" in page and not Export.objects.exists()


def test_others_cannot_see_an_inspectors_export(client, inspector, camera):
    start = clock.now().replace(microsecond=0) - timedelta(hours=1)
    client.post("/recordings/exports/", {"camera": "z1", "start": fmt(start), "end": fmt(start + timedelta(minutes=1))})
    job = Export.objects.get()
    client.force_login(UserFactory(role=User.Role.INSPECTOR))
    assert client.get(f"/recordings/exports/{job.pk}/status/").status_code == 404
    client.force_login(UserFactory(role=User.Role.BIDDER))
    assert client.get(f"/recordings/exports/{job.pk}/").status_code == 403
