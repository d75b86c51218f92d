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


def export_recording(directory: Path, *, cameras: list[Camera], start: datetime, end: datetime, by=None) -> dict:  # noqa: ANN001
    """Write the export; returns {camera: segments copied}. Raises NothingRecorded when a
    camera has no row overlapping the range."""
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
            except FileNotFoundError:
                pass    # deleted (retention, emergency): its event is in the audit export
    (directory / "range.json").write_bytes(
        json.dumps({"from": clock.format_ts(start), "to": clock.format_ts(end)}, separators=(",", ":")).encode())
    audit_export(directory)
    # The export is itself recorded, after the audit export it contains.
    event_append(kind="recording.exported", actor=actor_of(by), object="",
                 payload={"cameras": sorted(copied), "from": clock.format_ts(start), "to": clock.format_ts(end)})
    return copied
