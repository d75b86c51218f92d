from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.services import event_append
from experts.models import Draw
from experts.record import NoRecord, export_all, write_record


class Command(BaseCommand):
    help = ("Write a draw's record (draw.md §6) for inspectors: export_draw DRAW_ID OUT.json, or "
            "export_draw --all DIR (every draw with a result, and DIR/audit/).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("draw_id", nargs="?")
        parser.add_argument("out", nargs="?", type=Path)
        parser.add_argument("--all", type=Path, metavar="DIR", dest="all_dir")

    def handle(self, *args: Any, draw_id: str | None, out: Path | None, all_dir: Path | None, **options: Any) -> None:
        if all_dir is not None:
            written = export_all(all_dir)
            event_append(kind="draw.exported", actor="system", object="", payload={"draws": written})
            self.stdout.write(f"Exported {len(written)} draw record(s) and the audit export to {all_dir}")
            return
        if not draw_id or out is None:
            raise CommandError("give DRAW_ID OUT.json, or --all DIR")
        draw = Draw.objects.select_related("lot", "follows").filter(draw_id=draw_id).first()
        if draw is None:
            raise CommandError(f"no draw {draw_id}")
        try:
            write_record(draw, out)
        except NoRecord:
            raise CommandError(f"{draw_id} has no result ({draw.state}): there is no record to export") from None
        event_append(kind="draw.exported", actor="system", object="", payload={"draws": [draw_id]})
        self.stdout.write(f"Wrote {out}; check it with: python -m experts.draw verify {out}")
