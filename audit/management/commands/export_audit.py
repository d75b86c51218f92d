from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from audit.integrity import export
from audit.services import event_append


class Command(BaseCommand):
    help = "Write the full-process record in the layout of chain.md §6 (audit.jsonl, checkpoints/, keys.json)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)

    def handle(self, *args: Any, directory: Path, **options: Any) -> None:
        size = export(directory)
        # Every export is itself recorded, after the fact it records (so it does not include itself).
        event_append(kind="audit.exported", actor="system", object="", payload={"size": size})
        self.stdout.write(f"Exported {size} events to {directory}; check it with: python -m audit.verify {directory}")
