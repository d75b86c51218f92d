import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from trading import ocds
from trading.models import Release


class Command(BaseCommand):
    help = "Write one OCDS 1.1 release package holding the releases of every published listing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", type=Path)
        parser.add_argument("--uri", default="http://127.0.0.1:8000/open-data/releases.json")

    def handle(self, *args: Any, out: Path, uri: str, **options: Any) -> None:
        releases = [r.data for r in Release.objects.filter(listing__published_at__isnull=False).order_by("date", "pk")]
        out.write_text(json.dumps(ocds.package(releases, uri=uri), ensure_ascii=False, indent=1), encoding="utf-8")
        self.stdout.write(f"Wrote {len(releases)} releases to {out}")
