"""`manage.py verify_recordings [--camera ID]`: check each camera's recording chain against its
files and the audit record (chain.md §7); name the first broken row and why."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bidroom.models import Camera
from recording import selectors, verify


class Command(BaseCommand):
    help = "Verify the recording chains: rows, links, segment files, deletions, holds and heads."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--camera", help="one camera id (default: every camera)")
        parser.add_argument("--from", dest="start", help="check only the files of rows ending at or after this time "
                                                         "(YYYY-MM-DDTHH:MM:SS.ffffffZ); links are always walked whole")
        parser.add_argument("--to", dest="end", help="… and starting at or before this time")

    def handle(self, *args: Any, **options: Any) -> None:
        cameras = Camera.objects.order_by("ident")
        if options["camera"]:
            cameras = cameras.filter(ident=options["camera"])
            if not cameras.exists():
                raise CommandError(f"no camera {options['camera']!r}")
        try:
            start = verify.parse_ts(options["start"]) if options["start"] else None
            end = verify.parse_ts(options["end"]) if options["end"] else None
        except ValueError:
            raise CommandError("times are YYYY-MM-DDTHH:MM:SS.ffffffZ (UTC)") from None
        failed = 0
        for camera in cameras:
            try:
                report = selectors.chain_check(camera, retention_days=settings.RECORDING_RETENTION_DAYS,
                                               start=start, end=end)
            except verify.Broken as e:
                failed += 1
                self.stdout.write(f"ERROR {e.code} seq={e.seq} camera={camera.ident}" + (f" ({e.why})" if e.why else ""))
                continue
            self.stdout.write(f"OK size={report.size} camera={camera.ident}")
            for seq in report.undeclared_gaps:
                self.stdout.write(f"WARNING undeclared gap before seq={seq} camera={camera.ident}")
            for seq in report.emergency:
                self.stdout.write(f"WARNING emergency deletion seq={seq} camera={camera.ident}")
        if failed:
            raise SystemExit(1)
