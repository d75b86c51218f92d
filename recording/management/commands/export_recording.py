"""`manage.py export_recording --camera ID --from TIME --to TIME DIR` (chain.md §8)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from bidroom.models import Camera
from config.errors import DomainError
from recording.export import export_recording
from recording.verify import parse_ts


class Command(BaseCommand):
    help = "Export a camera's recordings over a time range with the audit record, in chain.md §6's layout."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--camera", required=True, action="append", help="camera id (repeatable)")
        parser.add_argument("--from", dest="start", required=True, help="YYYY-MM-DDTHH:MM:SS.ffffffZ")
        parser.add_argument("--to", dest="end", required=True, help="YYYY-MM-DDTHH:MM:SS.ffffffZ")
        parser.add_argument("directory", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            start, end = parse_ts(options["start"]), parse_ts(options["end"])
        except ValueError:
            raise CommandError("times are YYYY-MM-DDTHH:MM:SS.ffffffZ (UTC)") from None
        if end < start:
            raise CommandError("--to is before --from")
        cameras = list(Camera.objects.filter(ident__in=options["camera"]))
        if len(cameras) != len(set(options["camera"])):
            raise CommandError(f"unknown camera among {', '.join(options['camera'])}")
        try:
            copied = export_recording(options["directory"], cameras=cameras, start=start, end=end)
        except DomainError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(f"Exported {sum(copied.values())} segments to {options['directory']}; check it with: "
                          f"python -m recording.verify {options['directory']}")
