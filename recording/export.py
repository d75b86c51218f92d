"""The evidence export of chain.md §6's layout for a camera and a time range: the camera's
whole manifest (so every link recomputes from link_0), the segment files overlapping the
range, `range.json`, and the audit export (audit.jsonl, checkpoints/, keys.json) taken after
the manifest, so every deletion of a file left out is in it."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from audit import clock
from audit.integrity import export as audit_export
from audit.services import actor_of, event_append
from bidroom.models import Camera
from config.errors import DomainError
from recording.models import Row
from recording.selectors import manifest_lines
from recording.services import segment_path


class NothingRecorded(DomainError):
    code = "nothing_recorded"
    message = _("Camera %(camera)s recorded nothing between %(start)s and %(end)s.")


class ExportTooLarge(DomainError):
    code = "export_too_large"
    message = _("The export would hold %(size)s MB of video, over the limit of %(limit)s MB. Choose a shorter range "
                "or fewer cameras.")


def export_check(*, cameras: list[Camera], start: datetime, end: datetime) -> tuple[int, int]:
    """(segments, bytes) the export would copy; raises NothingRecorded or ExportTooLarge."""
    from django.conf import settings
    from django.db.models import Count, Sum

    total = {"n": 0, "s": 0}
    for camera in cameras:
        rows = Row.objects.filter(camera=camera, start__lte=end, end__gte=start)
        if not rows.exists():
            raise NothingRecorded(camera=camera.ident, start=clock.format_ts(start), end=clock.format_ts(end))
        agg = rows.filter(kind=Row.Kind.SEGMENT, deleted_at__isnull=True).aggregate(n=Count("pk"), s=Sum("size"))
        total["n"] += agg["n"] or 0
        total["s"] += agg["s"] or 0
    if total["s"] > settings.RECORDING_EXPORT_MAX_BYTES:
        raise ExportTooLarge(size=-(-total["s"] // 1024**2), limit=settings.RECORDING_EXPORT_MAX_BYTES // 1024**2)
    return total["n"], total["s"]


VERIFIER_FILES = ("canonical_json.py", "audit/chain.py", "audit/export_format.py", "audit/verify.py",
                  "recording/chain.py", "recording/verify.py")
VERIFIER_README = """Standalone verifier of this export (chain.md §8). Needs Python 3.11 and the
`cryptography` package; imports no Django. From this folder:

    python -m recording.verify .. --trusted-pk <the platform key from the notice>

It prints OK size=<rows> or ERROR <CODE> seq=<n>.
"""


def write_verifier(directory: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    for name in VERIFIER_FILES:
        target = directory / "verifier" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / name, target)
    for package in ("audit", "recording"):
        (directory / "verifier" / package / "__init__.py").write_bytes(b"")
    (directory / "verifier" / "README.txt").write_text(VERIFIER_README)


def export_recording(directory: Path, *, cameras: list[Camera], start: datetime, end: datetime, by=None,  # noqa: ANN001
                     progress=None) -> dict:  # noqa: ANN001
    """Write the export; returns {camera: segments copied}. Raises NothingRecorded when a
    camera has no row overlapping the range. `progress(done)` after each segment."""
    export_check(cameras=cameras, start=start, end=end)
    directory.mkdir(parents=True, exist_ok=True)
    copied: dict[str, int] = {}
    for camera in cameras:
        overlapping = Row.objects.filter(camera=camera, start__lte=end, end__gte=start)
        if not overlapping.exists():
            raise NothingRecorded(camera=camera.ident, start=clock.format_ts(start), end=clock.format_ts(end))
        folder = directory / "recording" / camera.ident
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / "manifest.jsonl").open("wb") as manifest:
            for line in manifest_lines(camera):
                manifest.write(line)
        copied[camera.ident] = 0
        for row in overlapping.filter(kind=Row.Kind.SEGMENT).order_by("seq"):
            source = segment_path(camera.ident, row.seq)
            try:
                shutil.copyfile(source, folder / f"{row.seq}.mp4")
                copied[camera.ident] += 1
                if progress is not None:
                    progress(sum(copied.values()))
            except FileNotFoundError:
                pass    # deleted (retention, emergency): its event is in the audit export
    (directory / "range.json").write_bytes(
        json.dumps({"from": clock.format_ts(start), "to": clock.format_ts(end)}, separators=(",", ":")).encode())
    audit_export(directory)
    # The export is itself recorded, after the audit export it contains.
    event_append(kind="recording.exported", actor=actor_of(by), object="",
                 payload={"cameras": sorted(copied), "from": clock.format_ts(start), "to": clock.format_ts(end)})
    return copied


def export_dir() -> Path:
    from django.conf import settings

    return Path(settings.RECORDING_DIR) / "_exports"


def zip_path(pk: int) -> Path:
    return export_dir() / f"export-{pk}.zip"


def build_export(pk: int) -> str:
    """The Celery task's body: export to a folder, add the verifier, zip it; progress in the row."""
    import hashlib
    import tempfile
    import zipfile

    from recording.models import Export

    job = Export.objects.select_related("requested_by").get(pk=pk)
    cameras = list(Camera.objects.filter(ident__in=job.cameras))
    try:
        total, _size = export_check(cameras=cameras, start=job.start, end=job.end)
        Export.objects.filter(pk=pk).update(state=Export.State.RUNNING, total=total, done=0)
        export_dir().mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=export_dir()) as tmp:
            folder = Path(tmp) / f"export-{pk}"
            export_recording(folder, cameras=cameras, start=job.start, end=job.end, by=job.requested_by,
                             progress=lambda done: Export.objects.filter(pk=pk).update(done=done))
            write_verifier(folder)
            partial = zip_path(pk).with_suffix(".part")
            with zipfile.ZipFile(partial, "w", zipfile.ZIP_STORED) as archive:
                for path in sorted(folder.rglob("*")):
                    if path.is_file():
                        archive.write(path, path.relative_to(folder.parent))
            partial.replace(zip_path(pk))
        digest = hashlib.sha256(zip_path(pk).read_bytes()).hexdigest()
        Export.objects.filter(pk=pk).update(state=Export.State.DONE, size=zip_path(pk).stat().st_size, sha256=digest)
        return digest
    except DomainError as e:
        Export.objects.filter(pk=pk).update(state=Export.State.FAILED, error=str(e)[:300])
        return ""
    except Exception as e:
        Export.objects.filter(pk=pk).update(state=Export.State.FAILED, error=f"{type(e).__name__}: {e}"[:300])
        raise
